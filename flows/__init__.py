"""The Prefect layer of presswatch: flows, tasks, artifacts, the warehouse writer slot, serving.

Prefect is first imported here, so this is where its telemetry (and GX's) is switched off and its embedded
server made reliable on small machines: before any Prefect or GX import, values already set win.
"""

import os

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
