"""Large imports with the cyclic garbage collector paused, in any thread, without switching it back on
under another thread's import.

While a package imports, every collection walks the growing heap of its modules, classes and pydantic
models again and again: importing great_expectations took 6.4-6.6 CPU s with the collector on and
3.2-4.0 s paused (two runs each), the flows 3.3 -> 2.6 s. What such an import builds lives as long as the
process, so it is frozen afterwards (moved out of the collector's sight for good).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = True  # the collector's state when the outermost pause began


@contextmanager
def gc_paused() -> Iterator[None]:
    """Collector off from the first enter to the last exit (imports in two threads may overlap); on the
    last exit everything alive is frozen and the collector switched back on, unless it was off before."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
        _depth += 1
        gc.disable()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.freeze()
                if _was_enabled:
                    gc.enable()
