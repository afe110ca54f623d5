"""The process pool shared by the CPU-bound stages: extraction and the per-article summary analyses.

Both hold the GIL (trafilatura, jieba, regexes), so threads gain little; processes scale with cores. One
pool for both means a `presswatch run` starts its workers once, for extraction and then the summaries.
"""

from __future__ import annotations

import atexit
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def get_pool(workers: int) -> ProcessPoolExecutor:
    """The shared pool with `workers` processes, started on first use (restarted if the size changes)."""
    global _pool, _pool_size
    if _pool is None or _pool_size != workers:
        shutdown_pool()
        # spawn, not fork: the parent runs Prefect's threads and event loop, which fork would copy mid-state.
        _pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        _pool_size = workers
    return _pool


def shutdown_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
        _pool = None


atexit.register(shutdown_pool)
