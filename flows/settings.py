"""All settings in one place: environment variables with safe defaults.

Flow parameters and CLI flags override these; nothing else reads the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Telemetry off and the embedded server made reliable on small machines. These are set before Prefect or
# GX is imported (flows/__init__.py imports this module first); values already in the env win.
QUIET_ENV: dict[str, str] = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "200",
    "PREFECT_UI_ENABLED_CHECK": "false",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_quiet_env() -> None:
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


def _env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser() if raw else default


@dataclass(frozen=True)
class Settings:
    db_path: Path = field(
        default_factory=lambda: _env_path("PRESSWATCH_DB", PROJECT_ROOT / "warehouse" / "presswatch.duckdb")
    )
    seeds_dir: Path = field(default_factory=lambda: _env_path("PRESSWATCH_SEEDS", PROJECT_ROOT / "seeds"))
    expectations_dir: Path = field(
        default_factory=lambda: _env_path("PRESSWATCH_EXPECTATIONS", PROJECT_ROOT / "expectations")
    )
    sql_dir: Path = PROJECT_ROOT / "warehouse"
    feeds_path: Path = field(
        default_factory=lambda: _env_path("PRESSWATCH_FEEDS", PROJECT_ROOT / "seeds" / "feeds.yaml")
    )
    watchlist_path: Path = field(
        default_factory=lambda: _env_path("PRESSWATCH_WATCHLIST", PROJECT_ROOT / "seeds" / "watchlist.yaml")
    )
    searches_path: Path = field(
        default_factory=lambda: _env_path("PRESSWATCH_SEARCHES", PROJECT_ROOT / "seeds" / "searches.yaml")
    )
    # Generated GX Data Docs and other run outputs live outside git.
    data_docs_dir: Path = field(
        default_factory=lambda: _env_path("PRESSWATCH_DATA_DOCS", PROJECT_ROOT / "build" / "data_docs")
    )
    batch_size: int = field(default_factory=lambda: _env_int("PRESSWATCH_BATCH_SIZE", 200))
    workers: int = field(default_factory=lambda: _env_int("PRESSWATCH_WORKERS", min(2, os.cpu_count() or 1)))
    # Inputs above this size are quarantined, not extracted: trafilatura takes ~30 s on an 8 MB page.
    max_input_bytes: int = field(default_factory=lambda: _env_int("PRESSWATCH_MAX_INPUT_BYTES", 5_000_000))
    user_agent: str = field(
        default_factory=lambda: os.environ.get(
            "PRESSWATCH_USER_AGENT",
            "presswatch/0.1 (+https://github.com/presswatch/presswatch; media monitoring)",
        )
    )
    # Fetching feeds and pages (flows/fetch.py).
    fetch_connect_timeout_s: float = field(
        default_factory=lambda: _env_float("PRESSWATCH_FETCH_CONNECT_TIMEOUT", 5.0)
    )
    fetch_read_timeout_s: float = field(
        default_factory=lambda: _env_float("PRESSWATCH_FETCH_READ_TIMEOUT", 20.0)
    )
    fetch_total_timeout_s: float = field(
        default_factory=lambda: _env_float("PRESSWATCH_FETCH_TOTAL_TIMEOUT", 60.0)
    )
    fetch_max_bytes: int = field(default_factory=lambda: _env_int("PRESSWATCH_FETCH_MAX_BYTES", 5_000_000))
    fetch_max_redirects: int = field(default_factory=lambda: _env_int("PRESSWATCH_FETCH_MAX_REDIRECTS", 5))
    fetch_host_interval_s: float = field(
        default_factory=lambda: _env_float("PRESSWATCH_FETCH_HOST_INTERVAL", 1.0)
    )
    # How long a reader or writer waits for the DuckDB file lock held by another process.
    lock_timeout_s: float = field(default_factory=lambda: _env_float("PRESSWATCH_LOCK_TIMEOUT", 120.0))


def get_settings() -> Settings:
    return Settings()
