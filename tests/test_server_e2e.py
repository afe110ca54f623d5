"""Scheduled operation end to end: a real Prefect server, the project's prefect.yaml deployed to it as an
operator would, a process worker running the flows, the warehouse in a temp DuckDB file.

The chain an operator relies on is exercised for real: a run of the ingest deployment lands the seeds, it
emits `presswatch.articles.landed` for the warehouse, the `summaries-after-new-articles` automation reacts,
and the summaries run it creates completes. Every link is checked on what the server recorded.

Slow (server start 10-50 s, a flow run 30-50 s on 2 busy cores): deselect with -m "not server".
"""

from __future__ import annotations

import itertools
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import duckdb
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.events import Event
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect_server import PrefectServer

from flows.locking import ARTICLES_LANDED_EVENT, WAREHOUSE_LIMIT, warehouse_resource, warehouse_writer
from flows.serve import ensure_warehouse_limit

pytestmark = [pytest.mark.server, pytest.mark.timeout(480)]

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
POOL = "presswatch-pool"
INGEST = "presswatch-ingest/ingest-seeds"
FEEDS = "presswatch-ingest/poll-feeds"
SUMMARIES = "presswatch-summaries/summaries"
AUTOMATION = "summaries-after-new-articles"
ACTION_EXECUTED = "prefect.automation.action.executed"
SLOT_EVENTS = ["prefect.concurrency-limit.acquired", "prefect.concurrency-limit.released"]
# Short waits for a busy slot on the test server (production keeps the 30 s defaults).
FAST_SLOTS = {
    "PREFECT_SERVER_CONCURRENCY_MAXIMUM_CONCURRENCY_SLOT_WAIT_SECONDS": "3",
    "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "3",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """A server with the work pool and the warehouse's global concurrency limit; stopped at the end."""
    base = tmp_path_factory.mktemp("prefect-server")
    srv = PrefectServer(home=base / "home", log_dir=base / "logs")
    try:
        seconds = srv.start(timeout_s=300, **FAST_SLOTS)  # 9-22 s idle; minutes on a crowded machine
        print(f"prefect server healthy after {seconds:.1f} s")
        srv.cli("work-pool", "create", POOL, "--type", "process")
        with temporary_settings(updates={PREFECT_API_URL: srv.api_url}):
            _drain_events_workers()  # events this module emits go to this server...
            try:
                assert ensure_warehouse_limit() is True  # what `prefect gcl create ... --limit 1` does
                yield srv
            finally:
                _drain_events_workers()  # ...and later modules' events to their own
    finally:
        srv.stop()


def _drain_events_workers() -> None:
    """Flush and stop this process's Prefect events workers. Prefect keeps one per client type and binds
    it to the API URL of the moment it starts, so one started against another server earlier in the test
    session would swallow this module's events (a worker process talks to one server: flows need no care)."""
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all(timeout=30)


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the five seeds and a place for the warehouse file, both private to this module."""
    base = tmp_path_factory.mktemp("operated")
    (base / "seeds").mkdir()
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        shutil.copy(path, base / "seeds" / path.name)
    return base


@pytest.fixture(scope="module")
def deployed(server: PrefectServer, warehouse_dir: Path) -> PrefectServer:
    """prefect.yaml deployed from the project folder, and one worker whose runs use the temp warehouse."""
    # Started first: it boots while the deploy runs.
    server.start_worker(
        POOL,
        cwd=warehouse_dir,
        PRESSWATCH_DB=str(warehouse_dir / "warehouse.duckdb"),
        PRESSWATCH_SEEDS=str(warehouse_dir / "seeds"),
        PRESSWATCH_WORKERS="1",
    )
    started = time.monotonic()
    server.cli("--no-prompt", "deploy", "--all", cwd=ROOT)
    print(f"prefect deploy --all: {time.monotonic() - started:.1f} s")
    return server


def _wait_final(run_ids: list[UUID], server: PrefectServer, timeout_s: float = 300) -> list[FlowRun]:
    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while True:
            runs = [client.read_flow_run(run_id) for run_id in run_ids]
            if all(r.state and r.state.is_final() for r in runs):
                return runs
            if time.monotonic() > deadline:
                states = [(r.name, r.state.name if r.state else None) for r in runs]
                log = server.log(f"worker-{POOL}")
                raise TimeoutError(f"runs not finished: {states}\n--- worker log:\n{log}")
            time.sleep(1)


def _trigger(name: str) -> UUID:
    return run_deployment(name, timeout=0).id


def _scalar(db: Path, sql: str, params: list[object] | None = None) -> object:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(sql, params or []).fetchone()
    return row[0] if row else None


def _artifact_keys(run_id: UUID) -> dict[str | None, str | None]:
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    return {a.key: a.type for a in artifacts}


def _events(names: list[str], resource_id: str | None = None) -> list[Event]:
    """Every event of these names (optionally about one resource) the server has stored so far."""
    flt = EventFilter(event=EventNameFilter(name=names))
    if resource_id:
        flt.resource = EventResourceFilter(id=[resource_id])
    with get_client(sync_client=True) as client:
        page = client.read_events(filter=flt, limit=50)
        events = list(page.events)
        while page.next_page:
            page = client.read_events_page(str(page.next_page))
            events += page.events
    return events


def _poll(find: Callable[[], T | None], what: str, timeout_s: float = 120) -> T:
    """Wait until the server has recorded something (events are persisted in batches, automations react
    asynchronously); fails naming what never appeared."""
    deadline = time.monotonic() + timeout_s
    while (found := find()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not recorded by the server within {timeout_s} s: {what}")
        time.sleep(1)
    return found


def _slot_events(expected: dict[UUID, int], timeout_s: float = 20) -> dict[UUID, list[tuple[str, datetime]]]:
    """(event, time) of the warehouse slot's acquired/released events, per flow run that emitted them;
    polls until each run has the expected number of events (the server persists them in batches)."""
    wanted = {f"prefect.flow-run.{run_id}": run_id for run_id in expected}
    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while True:
            page = client.read_events(filter=EventFilter(event=EventNameFilter(name=SLOT_EVENTS)), limit=50)
            events = list(page.events)
            while page.next_page:
                page = client.read_events_page(str(page.next_page))
                events += page.events
            found: dict[UUID, list[tuple[str, datetime]]] = {}
            for event in events:
                if event.resource.get("prefect.resource.name") != WAREHOUSE_LIMIT:
                    continue
                for rel in event.related:
                    if rel.id in wanted:
                        found.setdefault(wanted[rel.id], []).append((event.event, event.occurred))
            if all(len(found.get(r, [])) >= n for r, n in expected.items()) or time.monotonic() > deadline:
                return found
            time.sleep(1)


def test_deploy_creates_every_deployment_with_its_schedule_and_trigger(deployed: PrefectServer):
    with get_client(sync_client=True) as client:
        deployments = {d.name: d for d in client.read_deployments()}
        assert set(deployments) == {"ingest-seeds", "poll-feeds", "summaries"}
        ingest = deployments["ingest-seeds"]
        assert ingest.work_pool_name == POOL
        assert ingest.global_concurrency_limit is not None and ingest.global_concurrency_limit.limit == 1
        assert ingest.concurrency_options is not None
        assert ingest.concurrency_options.collision_strategy.value == "ENQUEUE"
        assert [s.schedule.interval.total_seconds() for s in ingest.schedules] == [900]  # type: ignore[union-attr]
        # The server's scheduler turns the schedule into future runs within seconds of the deploy.
        flt = FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[ingest.id]))
        deadline = time.monotonic() + 60
        while not [
            r for r in client.read_flow_runs(flow_run_filter=flt) if r.state and r.state.is_scheduled()
        ]:
            if time.monotonic() > deadline:
                pytest.fail("the scheduler created no runs for ingest-seeds")
            time.sleep(1)
        automations = client.read_resource_related_automations(
            f"prefect.deployment.{deployments['summaries'].id}"
        )
        assert [a.name for a in automations] == ["summaries-after-new-articles"]
        assert automations[0].trigger.expect == {"presswatch.articles.landed"}  # type: ignore[union-attr]


def test_an_ingest_deployment_run_that_lands_articles_triggers_a_completed_summaries_run(
    deployed: PrefectServer, warehouse_dir: Path
):
    db = warehouse_dir / "warehouse.duckdb"
    started = time.monotonic()
    (run,) = _wait_final([_trigger(INGEST)], deployed)
    print(f"first deployed ingest run: {time.monotonic() - started:.1f} s from trigger to Completed")
    assert run.state is not None and run.state.is_completed(), run.state
    assert _artifact_keys(run.id).get("ingest-summary") == "markdown"
    assert _scalar(db, "SELECT count(*) FROM articles") == 5

    # The ingest run that landed the seeds announced it. The scheduler may have started an ingest run of
    # its own at deploy time: the event names the run that actually landed them, whichever it was.
    resource = warehouse_resource(db)["prefect.resource.id"]
    (landed,) = _poll(lambda: _events([ARTICLES_LANDED_EVENT], resource) or None, "the articles-landed event")
    assert landed.resource.get("prefect.resource.name") == str(db)
    assert landed.payload["landed"] == 5
    lander = UUID(landed.payload["flow_run_id"])
    with get_client(sync_client=True) as client:
        lander_run = client.read_flow_run(lander)
        ingest_dep = client.read_deployment_by_name(INGEST)
        summaries_dep = client.read_deployment_by_name(SUMMARIES)
        (automation,) = client.read_automations_by_name(AUTOMATION)
    assert lander_run.deployment_id == ingest_dep.id
    assert lander_run.state is not None and lander_run.state.is_completed()
    assert _scalar(db, "SELECT landed FROM runs WHERE flow_run_id = ?", [str(lander)]) == 5

    # The automation acted on that very event and created a run of the summaries deployment.
    def action_on_landed() -> Event | None:
        for event in _events([ACTION_EXECUTED], f"prefect.automation.{automation.id}"):
            if f"prefect.event.{landed.id}" in {r.id for r in event.related if r.role == "triggering-event"}:
                return event
        return None

    action = _poll(action_on_landed, f"{AUTOMATION} acting on event {landed.id}")
    (created,) = [r.id for r in action.related if r.role == "flow-run"]
    summaries_id = UUID(created.removeprefix("prefect.flow-run."))
    (summaries,) = _wait_final([summaries_id], deployed)
    assert summaries.deployment_id == summaries_dep.id
    assert summaries.created_by is not None
    assert (summaries.created_by.type, summaries.created_by.id) == ("AUTOMATION", automation.id)
    assert not summaries.auto_scheduled
    assert summaries.created is not None and summaries.created >= landed.occurred  # server-side clocks
    assert summaries.state is not None and summaries.state.is_completed(), summaries.state
    assert "summaries" in _artifact_keys(summaries_id)

    # What the summaries run wrote, for the seeds the ingest run landed.
    assert _scalar(db, "SELECT count(DISTINCT article_id) FROM summary_analysed") == 5
    assert _scalar(db, "SELECT sum(articles) FROM volume_daily") == 5
    assert _scalar(db, "SELECT count(*) FROM entity_mentions") > 0
    assert _scalar(db, "SELECT count(*) FROM figures") > 0
    assert _scalar(db, "SELECT count(*) FROM story_members") > 0


def test_writing_runs_at_once_all_complete_one_writer_at_a_time(deployed: PrefectServer, warehouse_dir: Path):
    db = warehouse_dir / "warehouse.duckdb"
    started = time.monotonic()
    ingest_ids = [_trigger(INGEST), _trigger(FEEDS)]
    summaries_id = _trigger(SUMMARIES)
    runs = _wait_final([*ingest_ids, summaries_id], deployed)
    print(f"seeds + feeds + triggered summaries at once: {time.monotonic() - started:.1f} s to all Completed")
    assert [r.state.type.value if r.state else None for r in runs] == ["COMPLETED"] * 3
    assert _scalar(db, "SELECT count(*) FROM articles") == 5
    assert _scalar(db, "SELECT count(*) FROM documents") == 5
    assert _scalar(db, "SELECT count(*) - count(DISTINCT article_id) FROM articles") == 0
    ids = [str(r) for r in ingest_ids]
    done = _scalar(db, "SELECT count(*) FROM runs WHERE flow_run_id IN (?, ?) AND status = 'completed'", ids)
    assert done == 2
    assert "summaries" in _artifact_keys(summaries_id)

    # Ingest runs hold the warehouse slot twice (set-up, then landing: feeds are polled between, outside
    # it), summaries once; every hold is acquired then released, and no two holds overlap.
    expected = {ingest_ids[0]: 4, ingest_ids[1]: 4, summaries_id: 2}
    slots = _slot_events(expected)
    spans = []
    for run_id, n in expected.items():
        events = sorted(slots.get(run_id, []), key=lambda e: e[1])
        assert [e for e, _ in events] == SLOT_EVENTS * (n // 2), f"run {run_id}: {events}"
        spans += [(events[i][1], events[i + 1][1]) for i in range(0, n, 2)]
    spans.sort()
    assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(spans)), spans


def test_warehouse_writer_slot_keeps_a_second_writer_out(server: PrefectServer):
    outcome: dict[str, object] = {}

    def second_writer() -> None:
        # A thread has its own context: the server setting is not inherited, nor is "already held".
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            try:
                with warehouse_writer(timeout_seconds=3):
                    outcome["second"] = "got the slot"
            except TimeoutError as exc:
                outcome["second"] = exc

    with warehouse_writer() as held:
        assert held is True
        with warehouse_writer(timeout_seconds=3) as nested:  # same run: no wait for its own slot
            assert nested is False
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(timeout=60)
    assert isinstance(outcome.get("second"), TimeoutError)
    # Released on exit: the next writer gets it at once.
    with warehouse_writer(timeout_seconds=10) as held_again:
        assert held_again is True
