"""`presswatch sql` as a user runs it (a subprocess): read-only, and no files outside the warehouse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from presswatch.store import db as warehouse

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(db_path: Path) -> Path:
    warehouse.prepare(db_path)
    return db_path


def sql(db: Path, query: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "presswatch", "sql", query, "--db", str(db), "--json", *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_query_reads_the_warehouse(db: Path) -> None:
    done = sql(db, "SELECT count(*) AS n FROM schema_migrations")
    assert done.returncode == 0, done.stderr
    assert '"n": ' in done.stdout


def test_copy_to_a_file_is_refused_without_the_flag(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    done = sql(db, f"COPY (SELECT 42 AS answer) TO '{target}'")
    assert done.returncode == 1
    assert "disabled by configuration" in done.stdout + done.stderr
    assert not target.exists()


def test_reading_a_system_file_is_refused_without_the_flag(db: Path) -> None:
    done = sql(db, "SELECT * FROM read_csv('/etc/passwd', header = false)")
    assert done.returncode == 1
    assert "root:" not in done.stdout and "disabled by configuration" in done.stdout + done.stderr


def test_the_query_cannot_switch_file_access_back_on(db: Path) -> None:
    done = sql(db, "SET enable_external_access = true")
    assert done.returncode == 1


def test_the_warehouse_cannot_be_changed(db: Path) -> None:
    done = sql(db, "CREATE TABLE mine (x INTEGER)")
    assert done.returncode == 1 and "read-only" in (done.stdout + done.stderr).lower()


def test_allow_files_lets_the_user_export(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    done = sql(db, f"COPY (SELECT 42 AS answer) TO '{target}'", "--allow-files")
    assert done.returncode == 0, done.stdout + done.stderr
    assert target.read_text().splitlines() == ["answer", "42"]
