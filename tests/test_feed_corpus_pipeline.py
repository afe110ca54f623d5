"""feedparser's corpus of odd feeds (2,107 files) through the whole ingest flow, served over real HTTP.

Every file is served from a loopback server with the response headers its opening comment asks for
(`Header:` lines: content types with odd charsets, Content-Location, ETag, Last-Modified...), and one
real ingest flow polls them all as ad-hoc feeds into a temp warehouse. Entry links mostly point at public
hosts that cannot be reached here (example.com...): they must end quickly as refused, failed or
feed-content entries, never hold the run up or fail it. Every feed must end with exactly one recorded poll.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from loopback import ALLOW_LOOPBACK, LoopbackServer, Reply

from flows.ingest import ingest_flow
from presswatch.records import RunSummary

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900), pytest.mark.usefixtures("prefect_api")]

CORPUS = Path(__file__).resolve().parent / "fixtures" / "feeds" / "feedparser"
HEADER = re.compile(r"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.M)
N_FILES = 2107


def served_headers(path: Path, data: bytes) -> dict[str, str]:
    """The HTTP headers the file's comment asks for; a Content-Type a plain web server would send
    otherwise, except for the files whose point is that there is none."""
    # The comment is ASCII in every file; in UTF-16/32 files dropping NULs makes it readable.
    headers = dict(HEADER.findall(data.replace(b"\x00", b"").decode("latin-1")))
    if not any(k.lower() == "content-type" for k in headers) and not path.name.startswith("no_content_type"):
        headers["Content-Type"] = "application/feed+json" if path.suffix == ".json" else "application/xml"
    return headers


@pytest.fixture(scope="module")
def corpus_server() -> Iterator[tuple[LoopbackServer, list[str]]]:
    with LoopbackServer() as server:
        urls = []
        for path in sorted(p for p in CORPUS.rglob("*") if p.suffix in (".xml", ".json")):
            data = path.read_bytes()
            urls.append(server.route("/" + path.relative_to(CORPUS).as_posix(), Reply(200, data, served_headers(path, data))))
        yield server, urls


@pytest.fixture(scope="module")
def corpus_run(
    corpus_server: tuple[LoopbackServer, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunSummary, Path, list[str]]]:
    _, urls = corpus_server
    tmp = tmp_path_factory.mktemp("corpus-run")
    db = tmp / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRESSWATCH_FETCH_ALLOW_NETWORKS", ",".join(ALLOW_LOOPBACK))
        mp.setenv("PRESSWATCH_FETCH_HOST_INTERVAL", "0")  # 2,107 feeds on one host: no politeness pause
        mp.setenv("PRESSWATCH_FEEDS", str(tmp / "no-feeds.yaml"))  # only the corpus, not the project's feeds
        mp.setenv("PRESSWATCH_DATA_DOCS", str(tmp / "data-docs"))
        summary = ingest_flow(db_path=str(db), feeds=urls, include_files=False)
    yield summary, db, urls


def _rows(db: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_every_corpus_feed_ends_with_one_recorded_poll(corpus_run: tuple[RunSummary, Path, list[str]]) -> None:
    summary, db, urls = corpus_run
    assert len(urls) == N_FILES
    polls = Counter(
        url for (url,) in _rows(db, "SELECT feed_url FROM feed_polls WHERE flow_run_id = ?", summary.flow_run_id)
    )
    assert set(polls) == set(urls)
    assert set(polls.values()) == {1}
    statuses = Counter(s for (s,) in _rows(db, "SELECT last_status FROM feed_health"))
    print("poll outcomes:", dict(statuses))
    assert sum(statuses.values()) == N_FILES


def test_the_corpus_run_completes_and_balances(corpus_run: tuple[RunSummary, Path, list[str]]) -> None:
    summary, db, _ = corpus_run
    ((status, balanced),) = _rows(
        db, "SELECT status, balanced FROM run_reconciliation WHERE flow_run_id = ?", summary.flow_run_id
    )
    assert (status, balanced) == ("completed", True)
    print("counts:", dict(summary.counts))
