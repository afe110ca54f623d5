"""A real warehouse of the seeds for the desk's tests: the ingest and summaries flows run on a copy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
from typer.testing import CliRunner

from flows.ingest import ingest_flow
from flows.summaries import summaries_flow
from presswatch.cli import app

ROOT = Path(__file__).resolve().parent.parent


_BUILT: list[Path] = []


def seeds_warehouse(tmp: Path) -> Path:
    """A private copy of the five seeds ingested and summarised by real Prefect flow runs (outlet directory
    and search index included: the summaries run loads them). Built once per session, copied per caller."""
    if not _BUILT:
        _BUILT.append(_build(tmp / "built"))
    db = tmp / "copy" / "desk.duckdb"
    db.parent.mkdir(parents=True)
    shutil.copy(_BUILT[0], db)
    wal = _BUILT[0].with_name(_BUILT[0].name + ".wal")
    if wal.exists():
        shutil.copy(wal, db.with_name(db.name + ".wal"))
    return db


def _build(tmp: Path) -> Path:
    seeds = tmp / "seeds"
    seeds.mkdir(parents=True)
    for path in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(path, seeds / path.name)
    db = tmp / "warehouse" / "desk.duckdb"
    assert ingest_flow(seeds_dir=str(seeds), db_path=str(db), include_feeds=False).counts["landed"] == 5
    summaries_flow(db_path=str(db))
    return db


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def cli(*args: str) -> Any:
    """Run the presswatch command in this process (typer's CliRunner); returns the result."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def cli_json(*args: str) -> Any:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def article_id(db: Path, seed_prefix: str) -> str:
    return query(db, "SELECT article_id FROM articles_current WHERE source LIKE ?", [f"%{seed_prefix}%"])[0][0]
