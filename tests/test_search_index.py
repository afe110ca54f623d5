"""The search index (presswatch/desk/grams.py, gramindex.py, lookup.py) answers as the full scan does.

On a real warehouse: the seeds ingested and summarised by the flows, plus articles recombined from the
seeds' paragraphs (simplified and traditional, Latin in every case) landed afterwards, so the summaries
run's index is extended incrementally and read back by `presswatch search`.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from presswatch.desk import grams
from presswatch.desk.gramindex import index_grams, rebuild_grams
from presswatch.desk.prepare import prepare_desk
from presswatch.desk.search import Filters
from presswatch.desk.textindex import index_pending, search_form
from presswatch.settings import SEEDS_DIR
from presswatch.store import db as warehouse
from presswatch.store.db import insert_frame
from presswatch.summaries.searches import parse_query
from tests.deskkit import cli_json, query, seeds_warehouse
from tests.searchkit import scan_ids, search_ids

pytestmark = pytest.mark.usefixtures("prefect_api")

QUERIES = [
    "DeepSeek AND (成本 OR 训练)",  # words and Han bigrams: the index alone
    "英伟达 NOT 股价",  # a trigram and NOT
    "英偉達 AND NOT (股價 OR 美元)",  # traditional script
    '"Sam Altman" OR 奥特曼',  # two words side by side
    "DEEPSEEK AND ai",  # Latin case
    '"股价 下跌" OR "export controls"',  # phrases
    "人工智能 AND NOT 印度尼西亚",  # a 4-gram key; five characters whose 4-grams no article holds both of
    '"gpt-5" OR 美国商务部',  # a literal with punctuation: verified
    "税",  # one Han character: no key, every document verified
    "said",  # a word no article holds
]
EXACT = {QUERIES[0], QUERIES[1], QUERIES[2], QUERIES[3], QUERIES[4], QUERIES[6]}


def _recombined(db: Path, count: int, seed: int) -> pd.DataFrame:
    """Articles made of the seeds' paragraphs, shuffled; some in traditional script, some upper-cased."""
    from presswatch.text import opencc_table

    s2t = {k: v[0] for k, v in opencc_table("STCharacters.txt").items() if len(k) == 1 and len(v[0]) == 1}
    paragraphs = [p for (text,) in query(db, "SELECT text FROM articles") for p in text.split("\n") if len(p) > 10]
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        text = "\n".join(rng.sample(paragraphs, k=min(6, len(paragraphs))))
        if i % 3 == 1:
            text = "".join(s2t.get(c, c) for c in text)
        if i % 4 == 2:
            text = text.upper()
        rows.append({"article_id": f"r{seed}-{i}", "doc_sha256": f"r{seed}-{i}", "source": f"test://r{seed}/{i}",
                     "story_key": f"test://r{seed}/{i}", "version": 1, "title": f"重组 {i}", "title_derived": False,
                     "text": text, "extractor_version": "test", "landed_at": datetime.now(UTC),
                     "outlet": rng.choice(["時代周報", "观察者网", None]), "published_at": f"2025-02-{1 + i % 27:02d}"})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def db(prefect_api: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = seeds_warehouse(tmp_path_factory.mktemp("index"))
    extra = _recombined(path, 40, seed=1)
    with warehouse.connection(path) as con:
        insert_frame(con, "articles", extra)
        prepare_desk(con, SEEDS_DIR / "outlets.yaml")  # what the next summaries run does: only the new ones
    return path


def test_index_answers_equal_the_scan(db: Path):
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM desk_docs").fetchall()[0][0] == 45
        for query_text in QUERIES:
            got, stats = search_ids(con, query_text)
            assert got == scan_ids(con, query_text), query_text
            assert stats["outside_index"] == 0
            if query_text in EXACT:
                assert got and stats["verified"] == 0 and stats["keys_read"] > 0, query_text
            else:
                assert stats["verified"] > 0 or not got, query_text


def test_only_new_articles_are_indexed_and_a_rebuild_answers_the_same(db: Path, tmp_path: Path):
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(db.read_bytes())
    extra = _recombined(db, 5, seed=2)
    with warehouse.connection(copy) as con:
        before = con.execute("SELECT max(hi) FROM desk_runs").fetchall()[0][0]
        insert_frame(con, "articles", extra)
        index_pending(con)
        assert index_grams(con) == 5
        assert con.execute("SELECT min(lo), max(hi) FROM desk_runs WHERE lo >= ?", [before]).fetchall() == [(before, before + 5)]
        assert index_grams(con) == 0
        answers = {q: search_ids(con, q)[0] for q in QUERIES}
        assert rebuild_grams(con) == before + 5
        assert {q: search_ids(con, q)[0] for q in QUERIES} == answers


def test_articles_not_in_the_index_yet_are_found_by_scan(db: Path, tmp_path: Path):
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(db.read_bytes())
    extra = _recombined(db, 3, seed=3)
    with warehouse.connection(copy) as con:
        insert_frame(con, "articles", extra)
        index_pending(con)  # search forms written, index not extended
        for query_text in QUERIES[:4]:
            got, stats = search_ids(con, query_text)
            assert got == scan_ids(con, query_text) and stats["outside_index"] == 3, query_text


def test_the_search_command_reports_the_index_work(db: Path):
    answer = cli_json("search", "人工智能 AND 芯片", "--db", str(db))
    assert answer["index"]["keys_read"] >= 2 and answer["matches"] > 0


def test_vectorised_keys_equal_the_per_document_keys():
    bodies = [search_form(t) for t in ("英伟达的AI芯片，美國商務部", "人工智能 DeepSeek 訓練成本", "", "a b", "单")]
    rows = grams.han_postings(bodies, lo=10)
    got = set()
    for key, blob in rows:
        mask = np.zeros(15, dtype=bool)
        grams.decode_into(mask, blob, 10, 15)
        got |= {(int(d), key) for d in np.flatnonzero(mask)}
    assert got == {(10 + i, k) for i, b in enumerate(bodies) for k in grams.han_keys(b)} and got


@pytest.mark.parametrize(
    ("term", "exact"),
    [("DeepSeek", True), ("芯片", True), ("英伟达", True), ("人工智能", True), ("㐀工智能", False), ("大语言模型", False),
     ('"Sam Altman"', True),
     ('"sam altman openai"', False), ("gpt-5", False), ("ai芯片", False), ("税", False)],
)  # fmt: skip
def test_which_literals_the_index_answers_alone(term: str, exact: bool):
    from presswatch.desk.textindex import term_literals

    ast = parse_query(term)
    literals = term_literals(ast)  # type: ignore[arg-type]
    assert all(grams.literal_keys(lit, lambda ws: dict.fromkeys(ws, 1)).exact is exact for lit in literals)


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(since=date(2025, 2, 3), until=date(2025, 2, 20)), Filters(outlet="時代周報"),
     Filters(collection="foreign-chinese"), Filters(language="zh")],
)  # fmt: skip
def test_the_array_answer_equals_the_sql_answer(db: Path, filters: Filters):
    from presswatch.desk.lookup import IndexReader
    from presswatch.desk.search import _array_answer, _sql_answer

    with duckdb.connect(str(db), read_only=True) as con:
        for query_text in QUERIES[:6]:
            ast = parse_query(query_text)
            arrays, array_docs = _array_answer(con, ast, filters, IndexReader(con), 50, 20, {})
            array_ids = {r[0] for r in con.execute("SELECT article_id FROM desk_matches").fetchall()}
            sql, sql_docs = _sql_answer(con, ast, filters, 50, 20, {})
            sql_ids = {r[0] for r in con.execute("SELECT article_id FROM desk_matches").fetchall()}
            sql.pop("index_stats")
            arrays.pop("universe_docs")
            assert arrays == sql and array_ids == sql_ids, (query_text, filters)
            assert list(array_docs) == list(sql_docs)


def _desk_tables(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """What a search reads, in a form independent of how the index was cut into passes."""
    words = {i: w for w, i in con.execute("SELECT word, word_id FROM desk_words").fetchall()}
    shift, low = 56, (1 << 28) - 1

    def key(gram: int) -> object:  # word ids depend on the order words were met: keys by the words
        tag = gram >> shift
        if tag == grams.WORD and gram < grams.QUAD_TAG:
            return words[gram & low]
        if tag == grams.PAIR and gram < grams.QUAD_TAG:
            return (words[(gram >> 28) & low], words[gram & low])
        return gram

    postings: dict[object, set[int]] = {}
    for gram, lo, hi, blob in con.execute("SELECT p.gram, r.lo, r.hi, p.docs FROM desk_postings p JOIN desk_runs r USING (run)").fetchall():
        mask = np.zeros(hi - lo, dtype=bool)
        grams.decode_into(mask, blob, lo, hi, offset=lo)
        postings.setdefault(key(gram), set()).update((np.flatnonzero(mask) + lo).tolist())
    return {
        "docs": con.execute("SELECT * FROM desk_docs ORDER BY doc").fetchall(),
        "postings": postings,
        "doc_terms": con.execute("SELECT * FROM desk_doc_terms ORDER BY ALL").fetchall(),
        "term_days": con.execute("SELECT * FROM desk_term_days ORDER BY ALL").fetchall(),
        "outlets": con.execute("SELECT * FROM summary_articles ORDER BY article_id").fetchall(),
        "answers": {q: sorted(search_ids(con, q)[0]) for q in QUERIES},
    }


def test_an_update_after_new_articles_and_versions_equals_a_rebuild(db: Path, tmp_path: Path):
    from presswatch.desk.prepare import finish_desk

    copy = tmp_path / "w.duckdb"
    copy.write_bytes(db.read_bytes())
    extra = _recombined(db, 6, seed=4)
    with warehouse.connection(copy) as con:
        assert {k for (k,) in con.execute("SELECT key FROM desk_state WHERE key LIKE 'rows:%'").fetchall()} >= {
            "rows:text", "rows:docs", "rows:outlets", "rows:canonical", "rows:terms", "rows:analysed"}  # the next run reads from the marks
        # Two old stories get a new version (one under another outlet), beside six new articles.
        old = con.execute("SELECT article_id, story_key, version FROM articles_current ORDER BY article_id LIMIT 2").fetchall()
        versions = pd.DataFrame([{**extra.iloc[i].to_dict(), "article_id": f"v2-{i}", "doc_sha256": f"v2-{i}",
                                  "story_key": key, "version": version + 1, "outlet": ["新华社", None][i]}
                                 for i, (_, key, version) in enumerate(old)])  # fmt: skip
        insert_frame(con, "articles", extra)
        insert_frame(con, "articles", versions)
        prepare_desk(con, SEEDS_DIR / "outlets.yaml")
        con.execute("INSERT INTO article_terms (article_id, term, n) SELECT a.article_id, t.term, t.n FROM articles a, article_terms t"
                    " WHERE a.landed_at IS NOT NULL AND a.extractor_version = 'test' AND a.article_id LIKE 'v2-%'"
                    " AND t.article_id = ?", [old[0][0]])  # fmt: skip
        finish_desk(con)
        assert con.execute("SELECT count(*) FROM desk_docs WHERE current AND story_key = ?", [old[0][1]]).fetchall() == [(1,)]
        incremental = _desk_tables(con)
        # The rebuild: every desk table made again from all articles.
        rebuild_grams(con)
        for table in ("desk_doc_terms", "desk_term_days", "desk_terms_done"):
            con.execute(f"DELETE FROM {table}")
        con.execute("DELETE FROM desk_state WHERE key IN ('outlets_fingerprint', 'terms_mark') OR key LIKE 'rows:%'")
        prepare_desk(con, SEEDS_DIR / "outlets.yaml")
        rebuilt = _desk_tables(con)
    assert incremental["docs"] and incremental["postings"] and incremental["doc_terms"]
    for key, value in incremental.items():
        assert value == rebuilt[key], key
