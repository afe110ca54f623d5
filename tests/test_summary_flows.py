"""Real Prefect runs of presswatch-summaries over real DuckDB warehouses: the seeds, and a synthetic one."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from flows.ingest import ingest_flow
from flows.summaries import summaries_flow
from presswatch.store import db as warehouse

pytestmark = pytest.mark.usefixtures("prefect_api")

ROOT = Path(__file__).resolve().parent.parent
COPIES = Path(__file__).resolve().parent / "fixtures" / "summaries" / "derived"


def _query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _events(prefix: str, resource_id: str, expected: int, since: datetime, timeout_s: float = 60.0) -> list[Any]:
    """Events as the Prefect API stored them since `since` (other modules' runs share the session's API);
    the server persists them in batches, so poll."""
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter

    deadline = time.monotonic() + timeout_s
    while True:
        with get_client(sync_client=True) as client:
            page = client.read_events(
                filter=EventFilter(
                    event=EventNameFilter(prefix=[prefix]),
                    resource=EventResourceFilter(id=[resource_id]),
                    occurred=EventOccurredFilter(since=since),
                ),
                limit=50,
            )
        if len(page.events) >= expected or time.monotonic() > deadline:
            return page.events
        time.sleep(1.0)


@pytest.fixture(scope="module")
def seeds_with_copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five seeds plus two copies of them: seed 000 in traditional script, and seed 001 republished."""
    folder = tmp_path_factory.mktemp("seeds")
    for path in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(path, folder / path.name)
    for name in ("000_traditional.txt", "001_republished.txt"):
        shutil.copy(COPIES / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def module_started() -> datetime:
    """When this module's flow runs began: earlier modules emit alert events to the same API."""
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def summarised(
    prefect_api: None, module_started: datetime, seeds_with_copies: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict]:
    db = tmp_path_factory.mktemp("warehouse") / "summaries.duckdb"
    landed = ingest_flow(seeds_dir=str(seeds_with_copies), db_path=str(db))
    assert landed.counts["landed"] == 7
    return db, summaries_flow(db_path=str(db))


def _article(db: Path, name: str) -> str:
    return _query(db, "SELECT article_id FROM articles WHERE source LIKE ?", [f"%{name}"])[0][0]


def test_every_summary_table_is_filled(summarised):
    db, _ = summarised
    for table in ("entity_mentions", "article_terms", "top_terms", "figures", "figure_values", "article_signatures",
                  "story_members", "stories", "search_hits", "alerts"):  # fmt: skip
        assert _query(db, f"SELECT count(*) FROM {table}")[0][0] > 0, table
    assert _query(db, "SELECT step, count(*) FROM summary_analysed GROUP BY step ORDER BY step") == [
        (step, 7) for step in ("figures", "mentions", "searches", "signatures", "terms")
    ]
    assert _query(db, "SELECT sum(articles) FROM summary_volume")[0][0] == 7


def test_traditional_name_counts_as_the_simplified_entity(summarised):
    db, _ = summarised
    traditional = _article(db, "000_traditional.txt")
    original = _article(db, "000_37f1612f59599686.txt")
    counts = dict(_query(db, "SELECT article_id, mentions FROM entity_mentions WHERE entity = '英伟达'"))
    assert counts[traditional] == counts[original] > 0
    assert (
        _query(db, "SELECT count(*) FROM entity_mentions WHERE entity IN ('英偉達', 'NVIDIA', '輝達')")[0][0]
        == 0
    )


def test_share_of_voice_adds_up_to_one_each_day(summarised):
    db, _ = summarised
    totals = _query(db, "SELECT day, sum(share) FROM summary_share_of_voice GROUP BY day")
    assert totals and all(abs(total - 1.0) < 1e-9 for _, total in totals)


def test_training_cost_conflict_spans_the_outlets(summarised):
    db, _ = summarised
    rows = _query(
        db,
        "SELECT min_value, max_value, n_outlets, outlets FROM figure_conflicts"
        " WHERE quantity = 'training_cost' AND unit = 'USD'",
    )
    assert len(rows) == 1
    low, high, n_outlets, outlets = rows[0]
    assert (low, high) == (5_500_000.0, 6_000_000.0)
    assert n_outlets >= 5
    assert {"时代周报", "观察者网", "纽约时报中文网", "中國工業報"} <= set(outlets)


def test_agreement_lists_outlets_reporting_the_same_value(summarised):
    db, _ = summarised
    outlets = _query(
        db,
        "SELECT outlets FROM summary_figure_agreements WHERE quantity = 'training_cost' AND value = 5500000",
    )
    assert outlets and {"时代周报", "观察者网"} <= set(outlets[0][0])


def test_stories_join_copies_but_keep_distinct_seeds_apart(summarised):
    db, _ = summarised
    story = {
        Path(source).name: sid
        for source, sid in _query(
            db, "SELECT a.source, m.story_id FROM story_members m JOIN articles a USING (article_id)"
        )
    }
    copies = {name: story.pop(name) for name in ("000_traditional.txt", "001_republished.txt")}
    seeds = {name[:3]: sid for name, sid in story.items()}
    assert len(set(seeds.values())) == 5
    assert copies == {"000_traditional.txt": seeds["000"], "001_republished.txt": seeds["001"]}
    assert _query(db, "SELECT count(*), sum(n_articles) FROM stories") == [(5, 7)]


def test_match_alerts_become_prefect_events(summarised, module_started):
    db, _ = summarised
    matches = _query(db, "SELECT count(*) FROM alerts WHERE kind = 'match' AND search = 'deepseek'")[0][0]
    assert matches == 7
    events = _events("presswatch.alert.match", "presswatch.search.deepseek", matches, since=module_started)
    assert len(events) == matches
    related = {r.id for e in events for r in e.related}
    assert f"presswatch.article.{_article(summarised[0], '000_traditional.txt')}" in related


def test_rerun_analyses_nothing_and_adds_no_alerts(summarised):
    db, _ = summarised
    before = _query(db, "SELECT alert_id FROM alerts ORDER BY alert_id")
    again = summaries_flow(db_path=str(db))
    assert _query(db, "SELECT alert_id FROM alerts ORDER BY alert_id") == before
    assert again["steps"]["alerts"]["new_match_alerts"] == 0 and again["steps"]["alerts"]["events"] == 0
    assert all(
        again["steps"][s]["analysed"] == 0 for s in ("mentions", "terms", "stories", "figures", "alerts")
    )
    assert _query(db, "SELECT count(*) FROM story_members")[0][0] == 7


# ---- a synthetic warehouse: a quiet fortnight, then a burst -----------------------------------------------

QUIET = "DeepSeek发布了新的模型更新，第{n}次说明。"
BURST = "深度求索再次成为焦点，第{n}篇报道称其下载量持续增长。"
OTHER = "本地天气晴朗，第{n}条消息与人工智能无关。"


def _synthetic_articles(first: date, quiet_days: int, burst: int) -> pd.DataFrame:
    texts: list[tuple[date, str]] = []
    for i in range(quiet_days):
        day = first + timedelta(days=i)
        texts += [(day, QUIET.format(n=i)), (day, OTHER.format(n=i))]
    burst_day = first + timedelta(days=quiet_days)
    texts += [(burst_day, BURST.format(n=i)) for i in range(burst)]
    now = datetime.now(UTC)
    rows = []
    for i, (day, text) in enumerate(texts):
        article_id = f"synthetic-{i:04d}"
        rows.append({
            "article_id": article_id, "doc_sha256": article_id, "source": f"synthetic/{i}.txt",
            "story_key": f"synthetic/{i}.txt", "version": 1, "title": text[:12], "title_derived": True,
            "text": text, "published_at": f"{day.isoformat()}T09:00:00+08:00", "outlet": f"outlet-{i % 3}",
            "language": "zh", "script": "Hans", "extractor_version": "synthetic", "landed_at": now,
        })  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def burst_summarised(prefect_api: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, datetime]:
    """The synthetic warehouse after its first summaries run, with that run's result and start time. Run
    once: each test gets a copy of the warehouse as that run left it (burst_warehouse)."""
    db = tmp_path_factory.mktemp("burst") / "burst.duckdb"
    warehouse.prepare(db)
    frame = _synthetic_articles(date(2025, 3, 1), quiet_days=20, burst=6)
    with warehouse.connection(db) as con:
        con.register("synthetic", frame)
        con.execute(f"INSERT INTO articles ({', '.join(frame.columns)}) SELECT * FROM synthetic")
    started = datetime.now(UTC)
    return db, summaries_flow(db_path=str(db)), started


@pytest.fixture
def burst_warehouse(burst_summarised: tuple[Path, dict, datetime], db_path: Path) -> Path:
    built = burst_summarised[0]
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(built, db_path)
    wal = built.with_name(built.name + ".wal")
    if wal.exists():
        shutil.copy(wal, db_path.with_name(db_path.name + ".wal"))
    return db_path


def test_burst_raises_one_spike_alert_and_event(
    burst_summarised: tuple[Path, dict, datetime], burst_warehouse: Path
):
    db = burst_warehouse
    _, first, started = burst_summarised  # the first summaries run over this warehouse
    spikes = _query(db, "SELECT search, day, count, baseline FROM alerts WHERE kind = 'spike'")
    assert spikes == [("deepseek", date(2025, 3, 21), 6, 1.0)]
    assert first["steps"]["alerts"]["new_spike_alerts"] == 1
    events = _events("presswatch.alert.spike", "presswatch.search.deepseek", 1, since=started)
    assert [e.payload["day"] for e in events] == ["2025-03-21"]
    again = summaries_flow(db_path=str(db))
    assert again["steps"]["alerts"]["new_spike_alerts"] == 0
    assert _query(db, "SELECT count(*) FROM alerts WHERE kind = 'spike'")[0][0] == 1


def test_changed_watchlist_reanalyses_what_depends_on_it(burst_warehouse: Path, tmp_path: Path):
    db = burst_warehouse  # summarised once already (burst_summarised)
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        (ROOT / "seeds" / "watchlist.yaml").read_text(encoding="utf-8")
        + "  - name: 天气\n    type: product\n    aliases: [天氣]\n",
        encoding="utf-8",
    )
    again = summaries_flow(db_path=str(db), watchlist_path=str(watchlist))
    # Mentions and terms (the watchlist feeds jieba's dictionary) again for every article; the rest not.
    assert again["steps"]["mentions"]["analysed"] == again["steps"]["terms"]["analysed"] == 46
    assert again["steps"]["figures"]["analysed"] == again["steps"]["stories"]["analysed"] == 0
    assert _query(db, "SELECT count(*) FROM entity_mentions WHERE entity = '天气'")[0][0] == 20


def test_summary_runs_are_named_for_what_they_summarise(summarised):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    _, result = summarised
    with get_client(sync_client=True) as client:
        parent = client.read_flow_run(result["flow_run_id"])
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent.id]))
        )
    assert parent.name == "summaries"
    assert sorted(r.name for r in children) == [
        "summary: figures ledger", "summary: saved searches and alerts", "summary: stories across outlets",
        "summary: top terms", "summary: volume and share of voice", "summary: watchlist mentions",
    ]  # fmt: skip


def test_rebuild_recomputes_every_aggregate_into_the_same_tables(summarised):
    db, _ = summarised
    tables = ("volume_daily", "mentions_daily", "top_terms", "stories", "story_members", "figure_values",
              "figure_conflicts", "search_daily", "search_spikes")  # fmt: skip
    before = {t: _query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    assert all(rows for table, rows in before.items() if table != "search_spikes")  # the seeds never spike
    rebuilt = summaries_flow(db_path=str(db), rebuild=True)
    steps = rebuilt["steps"]
    assert steps["stories"]["mode"] == steps["figures"]["mode"] == steps["volume"]["mode"] == "full"
    assert steps["terms"]["top_terms"] == steps["mentions"]["mentions_daily"] == "full"
    assert {t: _query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in tables} == before
    again = summaries_flow(db_path=str(db))
    assert again["steps"]["stories"]["mode"] == again["steps"]["figures"]["mode"] == "incremental"
