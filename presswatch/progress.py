"""Progress of a run's stages: the flows report it, whoever listens shows it (the CLI's progress bars).

A listener is installed for the length of a run in the process that runs the flow (the embedded mode of
`presswatch run`); with none installed, reporting costs a function call. Flows on a server report nothing
here: their progress is in the Prefect UI.
"""

from __future__ import annotations

import threading
from typing import Protocol

# The stages a user sees, in order.
STAGES = ("read", "extracted", "validated", "landed")


class ProgressListener(Protocol):
    def add_total(self, stage: str, n: int) -> None: ...

    def advance(self, stage: str, n: int) -> None: ...


_listener: ProgressListener | None = None
_lock = threading.Lock()  # tasks may run in threads


def listen(listener: ProgressListener | None) -> None:
    """Install (or, with None, remove) the listener of this process."""
    global _listener
    _listener = listener


def add_total(n: int, stages: tuple[str, ...] = STAGES) -> None:
    """`n` more inputs will go through `stages`."""
    if _listener is not None and n:
        with _lock:
            for stage in stages:
                _listener.add_total(stage, n)


def advance(stage: str, n: int) -> None:
    if _listener is not None and n:
        with _lock:
            _listener.advance(stage, n)
