"""The CLI's embedded Prefect server: started before Prefect is imported, answering, gone with its process."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
from pipeline_runs import GUARD_OFF

from presswatch.cli import runs_a_flow
from presswatch.settings import PROJECT_ROOT

CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from flows import startup
    api = startup.start_api_early()
    assert startup.start_api_early() is api  # launched once: the command reuses what `main` launched
    url = api.wait()
    print(api.process.pid, url, "prefect.server.api.server" in sys.modules, flush=True)
    sys.stdin.readline()
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): it is dead once its state says so.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_embedded_server_answers_without_importing_it_and_dies_with_a_killed_cli(tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "home")}
    env.pop("PREFECT_API_URL", None)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(PROJECT_ROOT)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        pid_text, url, imported = child.stdout.readline().split()
        server_pid = int(pid_text)
        with urllib.request.urlopen(f"{url}/health", timeout=10) as response:
            assert response.status == 200
        assert imported == "False"  # the CLI process never loads Prefect's server package
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert _gone_within(server_pid, 60), "the server outlived the CLI that started it"
    finally:
        child.kill()
        child.wait()


def test_a_configured_api_url_starts_no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import startup

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert startup.start_api_early() is None


def test_a_malformed_startup_timeout_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import startup

    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "soon")
    with pytest.raises(ValueError, match="PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"):
        startup._startup_timeout()


def test_only_the_flow_commands_launch_a_server_early() -> None:
    assert runs_a_flow(["run", "--seeds", "x"]) and runs_a_flow(["reprocess"]) and runs_a_flow(["summarize"])
    assert not runs_a_flow(["run", "--help"]) and not runs_a_flow(["sql", "SELECT 1"]) and not runs_a_flow([])


def test_a_cli_run_on_its_embedded_server_is_a_real_flow_run_and_leaves_no_server(
    tmp_path: Path, seeds_dir: Path
) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "PREFECT_HOME": str(home), "PRESSWATCH_DATA_DOCS": str(tmp_path / "docs")}
    env.pop("PREFECT_API_URL", None)
    cmd = [sys.executable, "-m", "presswatch", "run", "--no-feeds", "--no-summaries", "--seeds", str(seeds_dir),
           "--db", str(tmp_path / "w.duckdb")]  # fmt: skip
    before = _pids()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    n = len(list(seeds_dir.glob("*.txt")))
    assert f"{n} inputs: {n} new" in done.stdout
    with sqlite3.connect(home / "prefect.db") as con:
        runs = con.execute("SELECT id, name, state_type FROM flow_run").fetchall()
        assert [(name, state) for _, name, state in runs] == [(f"ingest {seeds_dir.name}/", "COMPLETED")]
        tasks = {name.rsplit("-", 1)[0] for (name,) in con.execute("SELECT name FROM task_run")}
    assert {"prepare-warehouse", "discover-files", "land-batch", "summarize-run"} <= tasks
    # No other run can reach this server: the writer guard is off, and says nothing about a missing limit.
    assert GUARD_OFF not in done.stdout + done.stderr
    # The server stopped with the command: no uvicorn process of this home is left behind.
    assert not [pid for pid in _pids() - before if str(home) in _environ(pid)]


def _pids() -> set[int]:
    return {int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()}


def _environ(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/environ").read_text(errors="replace")
    except OSError:
        return ""
