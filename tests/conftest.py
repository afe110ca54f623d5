"""Shared fixtures: a real Prefect API for the session, a temp warehouse, a copy of the seeds."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Before Prefect is imported anywhere: its home (and SQLite DB) in a temp folder, telemetry off.
_PREFECT_HOME = tempfile.mkdtemp(prefix="presswatch-prefect-home-")
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
atexit.register(shutil.rmtree, _PREFECT_HOME, True)  # each test session left one behind in /tmp
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# The session's API server inherits these (stack notes): CLI runs in subprocesses use it too, and larger
# batches keep its SQLite from locking on 2 cores.
for _name in ("TASK_RUN_RECORDER_BATCH_SIZE", "TASK_RUN_RECORDER_READ_BATCH_SIZE", "EVENT_PERSISTER_BATCH_SIZE"):
    os.environ.setdefault(f"PREFECT_SERVER_SERVICES_{_name}", "200")

import flows  # noqa: E402,F401  (applies the telemetry-off environment)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The loopback server, fetcher and feed-state warehouse fixtures the feed tests share.
pytest_plugins = ["sitekit", "pipeline_reference"]


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """A real (temporary) Prefect API for flow runs; starting it takes ~20 s, so once per session."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    # No heartbeats, as against the CLI's embedded server (flows/startup.py): each flow would wait up to 1 s
    # for its heartbeat thread as it ends, and nothing watches them here.
    with prefect_test_harness(server_startup_timeout=180), temporary_settings(
        updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    ):
        yield


@pytest.fixture(scope="session")
def prefect_api_url(prefect_api: None) -> str:
    """The session API's URL, for `presswatch` processes that should use it instead of booting their own."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "the test harness set no API URL"
    return str(url)


@pytest.fixture
def seed_paths() -> list[Path]:
    return sorted(p for p in SEEDS.iterdir() if p.suffix == ".txt")


@pytest.fixture
def seeds_dir(tmp_path: Path, seed_paths: list[Path]) -> Path:
    """A private copy of the five seed documents (tests may add, change or break files in it)."""
    target = tmp_path / "seeds"
    target.mkdir()
    for path in seed_paths:
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "test.duckdb"


# Parallel runs (pytest-xdist, `-n` in pyproject's addopts). A test file is one unit of work, so its module
# fixtures are built once; files marked with the same `xdist_group` (those sharing an expensive session
# fixture, such as the uninterrupted reference run) form one unit, so that fixture is built once too.
# Files with a `slow` or `server` test go out first: a long file started last would finish alone.
_HEAVY_MARKS = ("slow", "server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    heavy = {item.path for item in items if any(item.get_closest_marker(m) for m in _HEAVY_MARKS)}
    items.sort(key=lambda item: item.path not in heavy)  # stable: files and tests keep their order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class FileOrGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            # --dist loadgroup suffixes a grouped test's id with "@group" (after any parameter id's "]").
            if nodeid.rfind("@") > nodeid.rfind("]"):
                return nodeid.rsplit("@", 1)[-1]
            return nodeid.split("::", 1)[0]

    return FileOrGroupScheduling(config, log)
