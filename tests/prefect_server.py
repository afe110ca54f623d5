"""Start and stop a real Prefect server (and workers) for tests: free port, private PREFECT_HOME.

Every process is started in its own session and stopped by its process group, and any process that left
the group (Prefect starts flow runs in sessions of their own) is found through /proc and stopped by PID,
so a test leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PREFECT = str(Path(sys.executable).with_name("prefect"))

# Telemetry off; batch sizes that keep the server's SQLite from locking on 2 cores (stack notes).
QUIET_SERVER_ENV = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "200",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_UI_ENABLED_CHECK": "false",
    "PREFECT_LOGGING_LEVEL": "INFO",
    # Workers look for work every 2 s instead of 10 s: tests wait less.
    "PREFECT_WORKER_QUERY_SECONDS": "2",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time in clock ticks) of a live process, from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields that matter follow the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[19])


def descendants(pid: int) -> list[tuple[int, int]]:
    """Every process below pid as (pid, start time): the start time tells a reused PID apart."""
    tree: dict[int, list[tuple[int, int]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (info := _stat(int(entry.name))):
            tree.setdefault(info[0], []).append((int(entry.name), info[1]))
    found: list[tuple[int, int]] = []
    todo = [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def _alive(proc: tuple[int, int]) -> bool:
    info = _stat(proc[0])
    return info is not None and info[1] == proc[1]


def _signal(proc: tuple[int, int], sig: signal.Signals) -> None:
    if _alive(proc):
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc[0], sig)


def stop_process(proc: subprocess.Popen[bytes], grace_s: float = 10.0) -> None:
    """SIGTERM the process group, then the descendants that left it; SIGKILL whatever is still there.

    Descendants are listed before anything is stopped: once their parent is gone they are re-parented
    and could no longer be found as ours.
    """
    strays = descendants(proc.pid)
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace_s)
    for stray in strays:
        _signal(stray, signal.SIGTERM)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(_alive(p) for p in strays):
        time.sleep(0.1)
    for stray in strays:
        _signal(stray, signal.SIGKILL)
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=5)


@dataclass
class PrefectServer:
    """`prefect server start` on 127.0.0.1:<port> with its own PREFECT_HOME (and SQLite database)."""

    home: Path
    port: int = field(default_factory=free_port)
    log_dir: Path | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for any process that should talk to this server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env |= QUIET_SERVER_ENV | {"PREFECT_HOME": str(self.home), "PREFECT_API_URL": self.api_url}
        return env | extra

    def _log(self, name: str) -> Path:
        folder = self.log_dir or self.home
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name}.log"

    def spawn(
        self, name: str, args: list[str], cwd: Path | None = None, **extra_env: str
    ) -> subprocess.Popen[bytes]:
        """A long-running process (server, worker) in a session of its own, output to <log_dir>/<name>.log."""
        with self._log(name).open("ab") as log:
            proc = subprocess.Popen(
                args,
                cwd=cwd,
                env=self.env(**extra_env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(proc)
        return proc

    def cli(
        self, *args: str, cwd: Path | None = None, timeout_s: float = 180
    ) -> subprocess.CompletedProcess[str]:
        """One `prefect ...` command against this server; raises with its output when it fails."""
        done = subprocess.run(
            [PREFECT, *args],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"prefect {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done

    def start(self, timeout_s: float = 120, **server_env: str) -> float:
        """Start the server and wait until /api/health answers. Returns the seconds it took."""
        started = time.monotonic()
        server = self.spawn(
            "server",
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port), "--no-ui"],
            **server_env,
        )
        while time.monotonic() - started < timeout_s:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited with {server.returncode}:\n{self.log('server')}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise TimeoutError(f"prefect server not healthy after {timeout_s} s:\n{self.log('server')}")

    def start_worker(self, pool: str, cwd: Path, **extra_env: str) -> subprocess.Popen[bytes]:
        return self.spawn(
            f"worker-{pool}",
            [PREFECT, "worker", "start", "--pool", pool, "--type", "process"],
            cwd=cwd,
            **extra_env,
        )

    def log(self, name: str, tail: int = 4000) -> str:
        path = self._log(name)
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def stop(self) -> None:
        """Stop every process started here, last started first (workers before the server)."""
        while self.processes:
            stop_process(self.processes.pop())
