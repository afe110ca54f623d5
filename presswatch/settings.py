"""Settings: environment variables read once per run into one frozen object that is passed down.

`load_settings()` is called where a run starts (a flow, a CLI command, a benchmark); nothing else reads
the environment. Flow parameters and CLI flags override the environment through its keyword arguments.
A malformed value is an error that names the variable; an empty one means the default.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "warehouse"  # migrations and views: part of the code, not a setting
SEEDS_DIR = PROJECT_ROOT / "seeds"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DATA_DOCS_DIR = PROJECT_ROOT / "build" / "data_docs"
DEFAULT_LOCK_TIMEOUT_S = 120.0
# DuckDB's memory per process (its buffer pool: cached pages, hash tables, key indexes; spilled to disk beyond
# it). None is DuckDB's own default, 80 % of RAM, under which DuckDB keeps every page it read cached: a
# summaries run's peak RSS grew with the archive (563 MiB at 10k articles, 1,803 MiB at 1M). Unset, a
# summaries run takes SUMMARIES_DUCKDB_MEMORY: its work follows the new articles, and at 1M articles it
# ran as fast under it (8.7 s, against 9.1 s) with a peak of 618 MiB; its full rebuilds, the migrations
# and the desk's first build lift it (presswatch.store.memory.whole_archive_memory). An ingest or re-process
# run takes INGEST_DUCKDB_MEMORY: under DuckDB's own, the pages it landed stayed cached and the flow process
# grew with the run (20,000 HTML pages: 938 MiB at the end against ~560 MiB after the first batch; under
# 128 MB, 782 MiB and no slower). Landing's key-index lookups load what they need: 3,000 articles inserted
# into the 1M-article bench warehouse under 128 MB took 0.2 s (a migration, which rebuilds, is lifted).
DEFAULT_DUCKDB_MEMORY: str | None = None
SUMMARIES_DUCKDB_MEMORY = "256MB"
INGEST_DUCKDB_MEMORY = "256MB"


class SettingsError(ValueError):
    """A setting whose value cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    db_path: Path
    seeds_dir: Path
    expectations_dir: Path
    feeds_path: Path
    watchlist_path: Path
    searches_path: Path
    vocabulary_path: Path
    outlets_path: Path
    data_docs_dir: Path
    batch_size: int
    # Bytes of input one batch holds at most (two are in flight): a cap on memory that page counts are not.
    batch_max_bytes: int
    workers: int
    # Inputs above this size are quarantined, not extracted: trafilatura takes ~30 s on an 8 MB page.
    max_input_bytes: int
    user_agent: str
    fetch_connect_timeout_s: float
    fetch_read_timeout_s: float
    fetch_total_timeout_s: float
    fetch_max_bytes: int
    fetch_max_redirects: int
    fetch_host_interval_s: float
    # CIDRs the fetcher may reach although they are private, loopback or link-local (an intranet, tests).
    fetch_allow_networks: tuple[str, ...]
    # How long a reader or writer waits for the DuckDB file lock held by another process.
    lock_timeout_s: float
    # A running Dask scheduler (tcp://host:8786) for the CPU work; empty means local processes.
    dask_address: str | None
    # Seconds between two plain progress lines of one stage when not on a terminal (0: a line per batch).
    progress_interval_s: float
    # DuckDB's memory limit for this process's warehouse connections, as DuckDB reads it ("1GB", "512MiB");
    # None: DuckDB's own.
    duckdb_memory: str | None = DEFAULT_DUCKDB_MEMORY
    sql_dir: Path = SQL_DIR

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given fields replaced; None means "keep", so flow parameters pass straight in."""
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        for key in ("batch_size", "workers"):
            if key in given and int(given[key]) < 1:
                raise SettingsError(f"{key} must be at least 1, got {given[key]!r}")
        paths = {k: Path(v).expanduser() for k, v in given.items() if isinstance(self.__dict__[k], Path)}
        return replace(self, **(given | paths))


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _positive_int(raw: str) -> int:
    value = int(raw.replace("_", ""))
    if value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _non_negative_float(raw: str) -> float:
    value = float(raw)
    if not value >= 0 or value == float("inf"):
        raise ValueError("must be a finite number of at least 0")
    return value


def _networks(raw: str) -> tuple[str, ...]:
    nets = [part.strip() for part in raw.split(",") if part.strip()]
    return tuple(str(ipaddress.ip_network(net, strict=False)) for net in nets)


def _text(raw: str) -> str:
    return raw.strip()


_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", re.IGNORECASE)


def _memory(raw: str) -> str:
    found = _MEMORY.fullmatch(raw.strip())
    if not found or float(found[1]) <= 0:
        raise ValueError("must be a size such as 512MB or 2GB")
    return f"{found[1]}{found[2].upper().replace('I', 'i')}"


# field -> (variable, parser, default). Every variable here is documented in the README and has an effect.
_ENV: dict[str, tuple[str, Callable[[str], Any], Callable[[], Any]]] = {
    "db_path": ("PRESSWATCH_DB", _path, lambda: PROJECT_ROOT / "warehouse" / "presswatch.duckdb"),
    "seeds_dir": ("PRESSWATCH_SEEDS", _path, lambda: SEEDS_DIR),
    "expectations_dir": ("PRESSWATCH_EXPECTATIONS", _path, lambda: EXPECTATIONS_DIR),
    "feeds_path": ("PRESSWATCH_FEEDS", _path, lambda: SEEDS_DIR / "feeds.yaml"),
    "watchlist_path": ("PRESSWATCH_WATCHLIST", _path, lambda: SEEDS_DIR / "watchlist.yaml"),
    "searches_path": ("PRESSWATCH_SEARCHES", _path, lambda: SEEDS_DIR / "searches.yaml"),
    "vocabulary_path": ("PRESSWATCH_VOCABULARY", _path, lambda: SEEDS_DIR / "vocabulary.yaml"),
    "outlets_path": ("PRESSWATCH_OUTLETS", _path, lambda: SEEDS_DIR / "outlets.yaml"),
    # Generated GX Data Docs live outside git.
    "data_docs_dir": ("PRESSWATCH_DATA_DOCS", _path, lambda: DATA_DOCS_DIR),
    # A batch has fixed costs (two GX runs, a checkpoint, five task runs): 2,000 pages in batches of 1,000 take
    # 1.1-1.3 CPU s less in the flow process than in batches of 500. Its memory follows the batch's bytes, which
    # the flow process drops once the workers have them (extract/pool.py): a 20,000-page run peaked at 1,405
    # MiB for its process tree in batches of 1,000, against 1,538 MiB when it held them until landing.
    "batch_size": ("PRESSWATCH_BATCH_SIZE", _positive_int, lambda: 1000),
    # What a batch holds follows its bytes: ~1,000 web pages of 160 kB. It binds for large pages only.
    "batch_max_bytes": ("PRESSWATCH_BATCH_MAX_BYTES", _positive_int, lambda: 160_000_000),
    "workers": ("PRESSWATCH_WORKERS", _positive_int, lambda: min(2, os.cpu_count() or 1)),
    "max_input_bytes": ("PRESSWATCH_MAX_INPUT_BYTES", _positive_int, lambda: 5_000_000),
    "user_agent": (
        "PRESSWATCH_USER_AGENT",
        _text,
        lambda: "presswatch/0.1 (+https://github.com/presswatch/presswatch; media monitoring)",
    ),
    "fetch_connect_timeout_s": ("PRESSWATCH_FETCH_CONNECT_TIMEOUT", _non_negative_float, lambda: 5.0),
    "fetch_read_timeout_s": ("PRESSWATCH_FETCH_READ_TIMEOUT", _non_negative_float, lambda: 20.0),
    "fetch_total_timeout_s": ("PRESSWATCH_FETCH_TOTAL_TIMEOUT", _non_negative_float, lambda: 60.0),
    "fetch_max_bytes": ("PRESSWATCH_FETCH_MAX_BYTES", _positive_int, lambda: 5_000_000),
    "fetch_max_redirects": ("PRESSWATCH_FETCH_MAX_REDIRECTS", _positive_int, lambda: 5),
    "fetch_host_interval_s": ("PRESSWATCH_FETCH_HOST_INTERVAL", _non_negative_float, lambda: 1.0),
    "fetch_allow_networks": ("PRESSWATCH_FETCH_ALLOW_NETWORKS", _networks, lambda: ()),
    "lock_timeout_s": ("PRESSWATCH_LOCK_TIMEOUT", _non_negative_float, lambda: DEFAULT_LOCK_TIMEOUT_S),
    "dask_address": ("PRESSWATCH_DASK_ADDRESS", lambda raw: raw.strip() or None, lambda: None),
    "progress_interval_s": ("PRESSWATCH_PROGRESS_INTERVAL", _non_negative_float, lambda: 10.0),
    "duckdb_memory": ("PRESSWATCH_DUCKDB_MEMORY", _memory, lambda: DEFAULT_DUCKDB_MEMORY),
}

ENV_VARIABLES: tuple[str, ...] = tuple(var for var, _, _ in _ENV.values())


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the run's settings from the environment (or `environ`), then apply non-None overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, (variable, parse, default) in _ENV.items():
        raw = env.get(variable, "")
        if not raw.strip():
            values[name] = default()
            continue
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            raise SettingsError(f"{variable}={raw!r} is not valid: {exc}") from None
    return Settings(**values).with_overrides(**overrides)
