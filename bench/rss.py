"""Peak resident memory of this process and its children while a block runs, sampled from /proc."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import TracebackType

INTERVAL_S = 0.02


def status_kb(pid: int, field: str) -> int:
    """A kB field of /proc/<pid>/status (VmRSS, VmHWM), 0 for a process that is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mib(pid: int) -> float:
    return status_kb(pid, "VmRSS") / 1024


def children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text().split()]
    except OSError:
        return []


class PeakRss:
    """`with PeakRss() as peak:` then peak.start_mib, peak.own_mib (this process's peak) and peak.tree_mib
    (the peak of this process plus its child processes, summed at each sample)."""

    def __init__(self) -> None:
        self.start_mib = self.own_mib = self.tree_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        pid = os.getpid()
        while not self._stop.is_set():
            own = rss_mib(pid)
            self.own_mib = max(self.own_mib, own)
            self.tree_mib = max(self.tree_mib, own + sum(rss_mib(c) for c in children(pid)))
            time.sleep(INTERVAL_S)

    def __enter__(self) -> PeakRss:
        self.start_mib = rss_mib(os.getpid())
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
