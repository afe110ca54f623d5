"""How a run's progress reaches the person who started it: bars on a terminal, plain lines elsewhere.

Prefect's own task logs stay in the Prefect API/UI; they reach the console only with `--verbose`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from presswatch import progress

LABELS = {"read": "files read", "extracted": "extracted", "validated": "validated", "landed": "landed"}


class BarListener:
    """One rich progress bar per stage, with count, rate and ETA."""

    def __init__(self, bars: Progress) -> None:
        self.bars = bars
        self.tasks: dict[str, TaskID] = {
            stage: bars.add_task(LABELS[stage], total=0, rate="") for stage in progress.STAGES
        }

    def add_total(self, stage: str, n: int) -> None:
        task = self.tasks[stage]
        self.bars.update(task, total=(self.bars.tasks[task].total or 0) + n)

    def advance(self, stage: str, n: int) -> None:
        task = self.tasks[stage]
        self.bars.advance(task, n)
        speed = self.bars.tasks[task].speed
        self.bars.update(task, rate=f"{speed:,.1f}/s" if speed else "")


class LineListener:
    """Plain lines for logs and cron mail: one line per stage at most every `every_s` seconds, and at the end."""

    def __init__(self, console: Console, every_s: float = 10.0) -> None:
        self.console, self.every_s = console, every_s
        self.done = dict.fromkeys(progress.STAGES, 0)
        self.total = dict.fromkeys(progress.STAGES, 0)
        self.start = time.monotonic()
        self.last_line = dict.fromkeys(progress.STAGES, 0.0)

    def add_total(self, stage: str, n: int) -> None:
        self.total[stage] += n

    def advance(self, stage: str, n: int) -> None:
        self.done[stage] += n
        now = time.monotonic()
        if self.done[stage] >= self.total[stage] or now - self.last_line[stage] >= self.every_s:
            self.last_line[stage] = now
            rate = self.done[stage] / max(now - self.start, 1e-9)
            self.console.print(
                f"{LABELS[stage]}: {self.done[stage]}/{self.total[stage]} ({rate:,.1f}/s)", highlight=False
            )


# Libraries the extractors call log what they could not parse ("ERROR trafilatura.utils - parsed tree
# length: 1 ..."): the same failure is the input's quarantine reason, so on the console it only alarms.
# Only pages extracted in this process reached it (a batch too small for the workers), never the workers'.
EXTRACTION_LOGGERS = frozenset({"trafilatura", "htmldate", "readability", "justext", "courlan", "gne"})


class ExtractionChatter(logging.Filter):
    """Drops records of EXTRACTION_LOGGERS (and their children)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".", 1)[0] not in EXTRACTION_LOGGERS


def quiet_prefect_console() -> None:
    """Prefect's console handler (on the root logger) shows warnings and errors only, without the extraction
    libraries' own; the API still gets all of Prefect's."""
    for handler in logging.getLogger().handlers:
        if type(handler).__name__ == "PrefectConsoleHandler":
            handler.setLevel(logging.WARNING)
            if not any(isinstance(f, ExtractionChatter) for f in handler.filters):
                handler.addFilter(ExtractionChatter())


@contextmanager
def showing_progress(console: Console, verbose: bool, every_s: float = 10.0) -> Iterator[None]:
    if not verbose:
        quiet_prefect_console()
    if console.is_terminal and not verbose:
        columns = (
            TextColumn("{task.description:>11}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>10}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        )  # fmt: skip
        with Progress(*columns, console=console, transient=False) as bars:
            progress.listen(BarListener(bars))
            try:
                yield
            finally:
                progress.listen(None)
    else:
        progress.listen(LineListener(console, every_s))
        try:
            yield
        finally:
            progress.listen(None)
