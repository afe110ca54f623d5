"""How writing runs coordinate: the single-writer guard, and the event that says articles landed.

The guard: one flow run at a time writes the DuckDB warehouse.

DuckDB lets one process hold a file for writing; `warehouse.connection` already waits while another
process holds it, but only for `lock_timeout_s`, and only per connection. On a Prefect server the
writing part of every run is serialised by a global concurrency limit instead (`presswatch-warehouse`,
limit 1): a second run waits for the slot, visibly (the UI shows the slot taken and by whom), for as
long as it takes, and never interleaves its batches with another run's.

Usage, around the writing part of a sync flow (once per run; nesting in the same run is harmless):

    with warehouse_writer():
        ...  # prepare, land, finish

Without a Prefect server (the embedded, ephemeral API of the quick start) there is nothing to share a
slot with, so the guard does nothing and costs nothing; nor does it when the limit was never created.

The event: an ingest run that landed articles emits `presswatch.articles.landed` (emit_articles_landed,
after it left the guard); the `summaries` deployment in prefect.yaml is triggered by it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefect.client.schemas.objects import ConcurrencyLeaseHolder

WAREHOUSE_LIMIT = "presswatch-warehouse"
CREATE_LIMIT_COMMAND = f"prefect gcl create {WAREHOUSE_LIMIT} --limit 1"
# The slot's lease is renewed in the background every 3/4 of this; a crashed holder frees it after this.
LEASE_SECONDS = 300.0
ARTICLES_LANDED_EVENT = "presswatch.articles.landed"
WAREHOUSE_RESOURCE_PREFIX = "presswatch.warehouse."

# True while this run (thread or task launched from it) holds the slot: a nested guard must not wait for
# a slot its own run holds (limit 1 would deadlock).
_held: ContextVar[bool] = ContextVar("presswatch_warehouse_slot_held", default=False)


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    from prefect.logging import get_logger, get_run_logger

    try:
        return get_run_logger()
    except Exception:  # outside a flow or task run
        return get_logger("presswatch.locking")


def server_configured() -> bool:
    """Whether Prefect talks to a server other runs share: an API URL is set, and it is not the one this
    process launched for itself (flows/startup.py), which the CLI puts in the same setting."""
    from prefect.settings import get_current_settings

    from flows.startup import is_embedded

    url = get_current_settings().api.url
    return bool(url) and not is_embedded(url)


def limit_is_active(name: str = WAREHOUSE_LIMIT) -> bool:
    """Whether the server has this global concurrency limit, switched on."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            return False
    return bool(limit.active)


def _holder() -> ConcurrencyLeaseHolder | None:
    """The flow run holding the slot, so the UI can show who has it."""
    from prefect.client.schemas.objects import ConcurrencyLeaseHolder
    from prefect.runtime import flow_run

    return ConcurrencyLeaseHolder(type="flow_run", id=flow_run.id) if flow_run.id else None


@contextmanager
def warehouse_writer(timeout_seconds: float | None = None, name: str = WAREHOUSE_LIMIT) -> Iterator[bool]:
    """Hold the warehouse's single writer slot while the block runs; yields whether a slot is held.

    Waits as long as another run writes (timeout_seconds=None): a scheduled run that waits is better
    than one that fails. The slot is released when the block exits, also on error; if the process
    dies, the server frees it when the lease runs out.
    """
    if _held.get() or not server_configured():
        yield False
        return
    if not limit_is_active(name):
        _logger().warning(
            "global concurrency limit %r is missing or inactive: writers are serialised only by DuckDB's"
            " file lock. Create it with: %s",
            name,
            CREATE_LIMIT_COMMAND,
        )
        yield False
        return

    from prefect.concurrency.sync import concurrency

    _logger().info("waiting for the warehouse writer slot (%s)", name)
    with concurrency(
        name,
        occupy=1,
        timeout_seconds=timeout_seconds,
        lease_duration=LEASE_SECONDS,
        holder=_holder(),
        # A missed renewal (a busy server) must not kill a half-written run; the transaction is the guard.
        raise_on_lease_renewal_failure=False,
    ):
        token = _held.set(True)
        try:
            _logger().info("holding the warehouse writer slot")
            yield True
        finally:
            _held.reset(token)


def warehouse_resource(db_path: str | Path) -> dict[str, str]:
    """The warehouse as a Prefect event resource: presswatch.warehouse.<file stem>."""
    path = Path(db_path)
    return {
        "prefect.resource.id": f"{WAREHOUSE_RESOURCE_PREFIX}{path.stem}",
        "prefect.resource.name": str(path),
    }


def emit_articles_landed(db_path: str | Path, landed: int, flow_run_id: str | None = None) -> bool:
    """Announce that a run landed new articles (summaries are triggered by it). Returns whether emitted."""
    if landed <= 0:
        return False
    from prefect.events import emit_event

    payload: dict[str, object] = {"landed": landed, "db_path": str(db_path)}
    if flow_run_id:
        payload["flow_run_id"] = flow_run_id
    return (
        emit_event(ARTICLES_LANDED_EVENT, resource=warehouse_resource(db_path), payload=payload) is not None
    )
