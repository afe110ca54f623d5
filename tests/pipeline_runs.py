"""`presswatch run` as a subprocess that a test watches from outside, freezes and kills; warehouse snapshots.

Shared by tests/test_faults.py and tests/test_concurrent_runs.py. Nothing here reaches into the pipeline:
a run is the real CLI, observed through what it prints and what it leaves in the DuckDB file. Its Prefect
API is the test session's server (PREFECT_API_URL), not an embedded one each process would boot (~25 s
each on 2 busy cores); that server has no `presswatch-warehouse` limit, so, as in embedded mode, nothing
but DuckDB's file lock keeps runs apart (the runs' own warning says so: GUARD_OFF).

Where a run is: the CLI prints a plain progress line per stage and batch when its output is not a terminal
and PRESSWATCH_PROGRESS_INTERVAL=0 ("files read: 40/160", "extracted: ...", "validated: ...", "landed: ...").
The flow reads a batch, then extracts, validates and lands it, printing each line as the step ends, so the
last line printed names the stage in progress: after "files read" the batch is being extracted, after
"extracted" validated, after "validated" landed, after "landed" the next batch is read. `freeze()` stops
the whole process tree (SIGSTOP), then reads what it printed up to that instant: the stage is known exactly
before the SIGKILL, not guessed from timing. With --verbose, Prefect's log lines show the summaries'
sub-flows as they begin ("Beginning subflow run 'summary: top terms' ...").
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from prefect_server import descendants

ROOT = Path(__file__).resolve().parent.parent
DEV_PAGES = ROOT / "bench" / "data"
PROGRESS = re.compile(r"^(files read|extracted|validated|landed): (\d+)/(\d+)")
# The stage a run is in, from the last progress line it printed (see the module docstring).
STAGE_AFTER = {"files read": "extraction", "extracted": "validation", "validated": "landing", "landed": "reading"}
SUBFLOW = re.compile(r"Beginning subflow run '([^']+)'")
# What flows/locking.py logs when a server has no warehouse limit: the run is not serialised by Prefect.
GUARD_OFF = "global concurrency limit 'presswatch-warehouse' is missing or inactive"


def build_inputs(folder: Path, n: int, max_page_bytes: int = 40_000) -> list[Path]:
    """n distinct HTML files from the dev pages of bench/data (the smaller ones, so runs stay short).

    Copy i of a page gets an ASCII paragraph naming i after its longest paragraph: no two files share
    bytes, and copies whose marker reaches the extracted body are distinct articles, the others
    duplicates of their page's first copy, as real input has both.
    """
    pages = []
    for path in sorted(DEV_PAGES.rglob("*.html.gz")):
        html = gzip.decompress(path.read_bytes())
        if len(html) <= max_page_bytes and b"\x00" not in html:
            pages.append((path.name.removesuffix(".html.gz")[:12], html))
    assert pages, f"no dev pages under {DEV_PAGES}"
    folder.mkdir(parents=True, exist_ok=True)
    paragraph = re.compile(rb"<p(?:\s[^>]*)?>(?:(?!<p[\s>]).)*?</p\s*>", re.I | re.S)
    written = []
    for i in range(n):
        name, html = pages[i % len(pages)]
        ends = [(len(re.sub(rb"<[^>]*>", b"", m.group()).strip()), m.end()) for m in paragraph.finditer(html)]
        at = max(ends)[1] if ends else len(html)
        marker = f"<p>Monitoring copy {i:04d}: this paragraph makes copy {i} of the page distinct.</p>"
        path = folder / f"{i:04d}-{name}.html"
        path.write_bytes(html[:at] + marker.encode("ascii") + html[at:])
        written.append(path)
    return written


def run_env(prefect_home: Path, data_docs: Path, api_url: str | None = None) -> dict[str, str]:
    """Prefect in its own home, talking to `api_url` (embedded when None), plain progress lines for every
    batch, unbuffered output. Nothing of the caller's Prefect or presswatch settings (a profile's API URL,
    PRESSWATCH_DB...) reaches the run: what it uses is given on its command line or here."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PRESSWATCH_"))}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env | {
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PRESSWATCH_PROGRESS_INTERVAL": "0",
        "PRESSWATCH_DATA_DOCS": str(data_docs),
        "PYTHONUNBUFFERED": "1",
        "DO_NOT_TRACK": "1",
        "COLUMNS": "200",
    }


@dataclass
class CliRun:
    """One `presswatch run` process whose output is read line by line as it comes."""

    args: list[str]
    env: dict[str, str]
    lines: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _reader: threading.Thread | None = None
    _tree: list[tuple[int, int]] = field(default_factory=list)
    # Checked by the reader on each line as it arrives: the first match stops the run's process group at
    # once (no hand-over to another thread in between), and its index is kept in `stopped_at`.
    _stop_on: Callable[[str], bool] | None = None
    stopped_at: int | None = None

    def start(self) -> CliRun:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "presswatch", "run", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._changed:
                self.lines.append(line)
                if self._stop_on is not None and self._stop_on(line):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.proc.pid, signal.SIGSTOP)
                    self._stop_on, self.stopped_at = None, len(self.lines) - 1
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def output(self, tail: int = 60) -> str:
        return "\n".join(self.lines[-tail:])

    def wait_for(self, match: Callable[[str], bool], timeout_s: float, start: int = 0) -> int:
        """Index of the first line from `start` on that matches; fails if the run ends or time runs out."""
        deadline = time.monotonic() + timeout_s
        seen = start
        with self._changed:
            while True:
                for i in range(seen, len(self.lines)):
                    if match(self.lines[i]):
                        return i
                seen = len(self.lines)
                self._still_waiting(deadline, timeout_s)
                self._changed.wait(timeout=0.5)

    def _still_waiting(self, deadline: float, timeout_s: float) -> None:
        """Raise if the run ended, or the deadline passed, before the line being waited for came."""
        assert self.proc is not None
        if self.proc.poll() is not None and not (self._reader and self._reader.is_alive()):
            raise AssertionError(f"the run ended ({self.proc.returncode}) first:\n{self.output()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"no matching line within {timeout_s} s:\n{self.output()}")

    def _processes(self) -> list[tuple[int, int]]:
        # Listed while the parent lives: the Prefect API and extraction workers are found through it.
        start = int(Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        return [(self.pid, start), *descendants(self.pid)]

    def _signal_all(self, sig: signal.Signals) -> None:
        for pid, started in self._tree:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[19]) == started:
                    os.kill(pid, sig)

    def freeze_when(self, match: Callable[[str], bool], timeout_s: float) -> tuple[int, list[str]]:
        """Stop the run as soon as it prints a matching line (see `_stop_on`); then freeze its whole tree.
        Returns the matching line's index and every line printed before the run stopped."""
        with self._changed:
            self.stopped_at, self._stop_on = None, match
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self.stopped_at is None:
                self._still_waiting(deadline, timeout_s)
                self._changed.wait(timeout=0.5)
            index = self.stopped_at
        return index, self.freeze()

    def freeze(self) -> list[str]:
        """SIGSTOP the run's whole process tree; returns every line it printed before it stopped."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGSTOP)  # the group at once; then any process that left it
        self._tree = self._processes()
        self._signal_all(signal.SIGSTOP)
        # The pipe holds what was written before the stop: wait until the reader has it all.
        time.sleep(0.3)
        with self._changed:
            return list(self.lines)

    def thaw(self) -> None:
        self._signal_all(signal.SIGCONT)

    def step(self, run_s: float) -> list[str]:
        """Let the (frozen) run go on for about `run_s`, stop it again; returns the lines printed so far."""
        os.killpg(self.pid, signal.SIGCONT)
        time.sleep(run_s)
        os.killpg(self.pid, signal.SIGSTOP)
        time.sleep(0.1)  # what it wrote before the stop reaches the reader
        with self._changed:
            return list(self.lines)

    def kill(self) -> int:
        """kill -9 every process of the run (frozen or not); returns the run's exit status."""
        if not self._tree:
            self._tree = self._processes()
        else:  # workers started since the freeze are still children of a frozen parent: add them
            self._tree += [p for p in descendants(self.pid) if p not in self._tree]
        self._signal_all(signal.SIGKILL)
        assert self.proc is not None
        return self.proc.wait(timeout=30)

    def finish(self, timeout_s: float) -> int:
        assert self.proc is not None
        try:
            code = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        if self._reader:
            self._reader.join(timeout=10)
        return code


def stage_of(lines: list[str]) -> tuple[str, int] | None:
    """(stage in progress, inputs done) from the last progress line, or None before the first one."""
    for line in reversed(lines):
        if m := PROGRESS.match(line):
            return STAGE_AFTER[m.group(1)], int(m.group(2))
    return None


def last_subflow(lines: Iterable[str]) -> str | None:
    found = None
    for line in lines:
        if m := SUBFLOW.search(line):
            found = m.group(1)
    return found


# Columns that say when or by which run a row was written, not what it holds.
RUN_SPECIFIC = {"flow_run_id", "run_id"}
RUN_SPECIFIC_BY_TABLE = {
    "documents": {"first_seen"},
    "duplicates": {"first_seen"},
    "articles": {"landed_at"},
    "quarantine": {"quarantine_id", "quarantined_at"},
    "run_inputs": {"recorded_at"},
    "schema_migrations": {"applied_at"},
    "file_index": {"read_ns", "indexed_at"},
    "summary_state": {"updated_at"},
    "summary_aggregates": {"updated_at", "applied_seq"},
    "alerts": {"created_at", "status_changed_at"},
    # An undated article's story is placed in time by when it landed.
    "stories": {"first_seen", "last_seen"},
    "feed_polls": {"poll_id", "polled_at", "elapsed_s"},
    "desk_runs": {"built_at"},
    # How far the desk has read each append-only table (row counts): where its last pass happened to fall
    # among the runs' steps, like summary_aggregates.applied_seq.
    "desk_state": {"value"},
    # The first report's time: an undated article's is when it landed.
    "ledger_reports": {"first_at"},
}


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def content(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[Any, ...]]:
    """The table's rows without run-specific columns, as a sorted list (a multiset) of comparable tuples."""
    skip = RUN_SPECIFIC | RUN_SPECIFIC_BY_TABLE.get(table, set())
    cols = [
        name
        for name, dtype in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?"
            " ORDER BY ordinal_position",
            [table],
        ).fetchall()
        if name not in skip
    ]
    # Identifiers come from the catalogue, never from input.
    select = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols)
    rows = con.execute(f'SELECT {select} FROM "{table}"').fetchall()
    return sorted(rows, key=repr)


def snapshot(db: Path, skip: Iterable[str] = ()) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: content(con, t) for t in tables(con) if t not in set(skip)}


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
