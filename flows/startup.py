"""Start-up of a CLI flow run: the embedded Prefect API server starts while the flows are imported.

Without a configured API (PREFECT_API_URL), Prefect's first flow call starts an embedded server, a uvicorn
subprocess, and waits for it; to start it, Prefect imports its whole server package into the calling
process as well (3.4 s of CPU here, measured with `-X importtime`), on top of the flows' own imports
(Prefect, pandas, DuckDB: 2.7 s), one after the other under one GIL. Started here instead, before Prefect
is imported, with the same command and environment Prefect uses, the server boots (4.0-4.3 s to a healthy
/api/health on an idle core) while this process imports the flows, and this process never imports the
server package: an unchanged re-run of the seeds went from 13.0 s to the figures in the README. The CLI's
`main` launches it first thing for the flow commands (presswatch/cli/__init__.py), and the server imports
its package with the cyclic GC paused (`SERVER_LAUNCHER`).

The server is Prefect's own, on loopback, with its database in PREFECT_HOME, exactly as Prefect's embedded
mode runs it; only who launches it changes. A server configured anywhere Prefect reads settings from (the
environment, a profile, prefect.toml) wins: then the one started here is stopped unused.

Flow-run heartbeats are off against this server. They let a long-lived server mark the runs of a process
that died as crashed; this server dies with the process. Each flow's heartbeat thread sleeps in 1 s steps
and is joined as the flow ends, so every flow and sub-flow waited up to a second for it: a flow with three
sub-flows took 4.1 s with heartbeats and 0.57 s without (an ingest run with summaries has eight flows).
"""

from __future__ import annotations

import atexit
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import flows  # noqa: F401  (its quiet environment first: telemetry off, startup timeout)

# What Prefect's SubprocessASGIServer sets for its embedded server: no UI, ephemeral services.
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
_PR_SET_PDEATHSIG = 1

# `python -m uvicorn` with Prefect's server module imported first with the cyclic GC paused, then frozen.
# The boot is ~85 % importing that module (py-spy), and every collection during it walks the whole young
# heap of pydantic models and SQLAlchemy tables it builds: to a healthy server 4.9 -> 3.9 CPU s, and the
# first flow run's requests (FastAPI builds its route models on first use) 0.84 -> 0.64 CPU s (medians of
# 4, interleaved). Frozen objects are never collected: they are the imported modules, kept for good anyway,
# and the import's own cyclic garbage (the server's RSS at healthy: 180 -> 190 MiB).
# argv[1] is the folder Prefect is imported from, as uvicorn's --app-dir would put first on sys.path.
SERVER_LAUNCHER = """\
import gc, sys
gc.disable()
sys.path.insert(0, sys.argv.pop(1))
import prefect.server.api.server
gc.freeze()
gc.enable()
from uvicorn.main import main
sys.argv[0] = "uvicorn"
main()
"""
_START_ATTEMPTS = 3


class EmbeddedApi:
    """A Prefect API server subprocess on a free loopback port, stopped when this process exits."""

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.attempts = 0
        self._launch()
        atexit.register(self.stop)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _launch(self) -> None:
        self.attempts += 1
        self.port = _free_port()
        spec = importlib.util.find_spec("prefect")  # its folder, without importing it
        app_dir = str(Path(spec.origin).parent.parent) if spec and spec.origin else "."
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER_LAUNCHER, app_dir, "--app-dir", app_dir, "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, **SERVER_ENV},
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )  # fmt: skip

    def wait(self, timeout_s: float | None = None) -> str:
        """Block until the server answers its health check; its API URL. Raises RuntimeError if it cannot."""
        limit = timeout_s if timeout_s is not None else _startup_timeout()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            assert self.process is not None
            code = self.process.poll()
            if code is not None:  # most likely the port was taken between choosing and binding it
                if self.attempts >= _START_ATTEMPTS:
                    raise RuntimeError(f"the embedded Prefect API server exited with code {code}")
                self._launch()
                continue
            if _healthy(self.port):
                return self.api_url
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"the embedded Prefect API server did not answer within {limit:g} s"
            " (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_launched: EmbeddedApi | None = None


def start_api_early() -> EmbeddedApi | None:
    """Launch the embedded server now, unless the environment names a server; None when it does.

    Once per process: the CLI's `main` launches it before its own imports, and the command that then
    loads its flow gets that same server (a stopped one is replaced).
    """
    global _launched
    if os.environ.get("PREFECT_API_URL"):
        return None
    if _launched is None or _launched.process is None:
        _launched = EmbeddedApi()
    return _launched


def is_embedded(url: str | None) -> bool:
    """Whether `url` is the API of the server this process launched (no other run talks to it)."""
    api = _launched
    return bool(url) and api is not None and api.process is not None and str(url).rstrip("/") == api.api_url


@contextmanager
def serving(api: EmbeddedApi | None) -> Iterator[None]:
    """Run the enclosed flow calls against `api`, or against the server Prefect's settings name."""
    if api is None:
        yield
        return
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if PREFECT_API_URL.value():  # a profile or prefect.toml names a server: Prefect's settings win
        api.stop()
        yield
        return
    # The settings are built (0.2-0.4 s of pydantic) while the server still boots; rebuilt only if it had to
    # be launched again, on another port.
    url = api.api_url
    with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        ready = api.wait()
        if ready == url:
            yield
            return
    with temporary_settings(updates={PREFECT_API_URL: ready, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(port: int) -> bool:
    import http.client  # here: 30 ms that would delay the launch (Prefect imports it anyway)

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/api/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _startup_timeout() -> float:
    raw = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS={raw!r} is not a number") from None


def _die_with_parent() -> None:
    # A killed CLI must not leave its server behind (Prefect's own embedded server outlives a SIGKILL).
    with suppress(OSError):
        ctypes.CDLL("libc.so.6").prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
