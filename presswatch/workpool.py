"""The executor shared by the CPU-bound stages: extraction and the per-article summary analyses.

Both hold the GIL (trafilatura, jieba, regexes), so threads gain little; processes scale with cores. One
executor for both means a `presswatch run` starts its workers once, for extraction and then the summaries.

Local by default: a process pool, started on first use and kept for the life of the process. With a Dask
cluster configured (`use_cluster(address)`, which the flows call with Settings.dask_address), the same
executor interface (`submit`, `map`) sends the work to the cluster's workers instead. Either way the
functions sent are pure (bytes or records in, records out): workers never open the warehouse, so the flow
process stays its only writer.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_cluster: str | None = None
_clients: dict[str, Any] = {}  # address -> distributed.Client
_lock = threading.Lock()


def use_cluster(address: str | None) -> None:
    """Send the CPU stages' work to the Dask scheduler at `address` from now on; None: local processes."""
    global _cluster
    _cluster = address or None


def cluster_address() -> str | None:
    return _cluster


def get_pool(workers: int) -> Executor:
    """The shared executor: the configured Dask cluster's, else a local pool of `workers` processes
    (started on first use, restarted if the size changes). Supports `submit` and `map(fn, *iterables)`."""
    if _cluster:
        return _dask_executor(_cluster)
    return local_pool(workers)


def is_ready(workers: int) -> bool:
    """True when work sent to get_pool(workers) starts no process: a cluster is configured, or this
    process's local pool of that size is already running (e.g. extraction's, in a `presswatch run`)."""
    return bool(_cluster) or (_pool is not None and _pool_size == workers)


def local_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != workers:
            _shutdown_local()
            # spawn, not fork: the parent runs Prefect's threads and event loop, which fork would copy mid-state.
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
            _pool_size = workers
        return _pool


def warm(workers: int, fn: Callable[[], Any]) -> None:
    """Start the local workers now and have each run `fn` (imports, tables), without waiting for them:
    the start-up overlaps with whatever the caller does next (discovery, reading the first batch). A pool
    of that size already running was warmed when it started (the CLI starts it before the flow)."""
    if _cluster or workers <= 1 or is_ready(workers):
        return
    pool = local_pool(workers)
    for _ in range(workers):
        pool.submit(fn)


def _dask_executor(address: str) -> Executor:
    with _lock:
        client = _clients.get(address)
        if client is None:
            from distributed import Client  # imported only when a cluster is configured

            client = Client(address, set_as_default=False, timeout="60s")
            _clients[address] = client
    # pure=False: a task is never skipped as a repeat of one with equal arguments (extraction reads the clock).
    return client.get_executor(pure=False)


def shutdown_pool() -> None:
    with _lock:
        _shutdown_local()
        for client in _clients.values():
            client.close()
        _clients.clear()


def _shutdown_local() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
        _pool = None


atexit.register(shutdown_pool)
