"""The Prefect layer of presswatch: flows, tasks, artifacts, the warehouse writer slot, serving.

Prefect is first imported here, so this is where its telemetry (and GX's) is switched off and its embedded
server made reliable on small machines: before any Prefect or GX import, values already set win. It is also
where a flow process caps glibc's malloc arenas (see `limit_malloc_arenas`).
"""

import ctypes
import os
import sys

QUIET_ENV: dict[str, str] = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    # The embedded server needs more than the default 20 s to start on 2 cores, and batches its writes
    # so its SQLite file does not lock under task-heavy flows (measured: see the README's server section).
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "200",
    "PREFECT_UI_ENABLED_CHECK": "false",
}

for _key, _value in QUIET_ENV.items():
    os.environ.setdefault(_key, _value)


_M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
MALLOC_ARENAS = 2


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process; True if capped here.

    glibc gives each allocating thread its own arena (up to 8 per core) and returns an arena's free memory to
    the system only from its top, so memory DuckDB's worker threads free stays stranded in their arenas: a run
    that opens the warehouse once per batch grew by ~9 KB per landed document. Measured: 30 cycles of
    open / insert 500 rows of 14 KB / close grew RSS 120 -> 152 MiB with the default arenas, 126 -> 130 MiB
    with 2; the pipeline's own batches (10,000 inputs, in one process) 352 -> 469 MiB against 348 -> 416 MiB.
    Process-wide and only for arenas created later, hence at import, before the flows start threads. An
    operator's MALLOC_ARENA_MAX wins; not glibc (musl, macOS): nothing to do.
    """
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, arenas))


limit_malloc_arenas()
