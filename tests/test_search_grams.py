"""Han 4-gram keys of the search index (presswatch/desk/grams.py, migration 014): long terms stay exact.

On a small real warehouse (migrations, views, the desk's own preparation; no flows, so it takes seconds)
whose articles are written to trap an index that confuses co-occurring grams with a contiguous term.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from presswatch.desk import grams
from presswatch.desk.gramindex import add_quads, index_grams
from presswatch.desk.lookup import IndexReader
from presswatch.desk.prepare import prepare_desk
from presswatch.settings import SEEDS_DIR
from presswatch.store import db as warehouse
from presswatch.store.db import insert_frame
from tests.searchkit import scan_ids, search_ids

FILLER = "新闻报道称，会议于周二举行。"
TEXTS = {
    "ai": "业界认为人工智能正在改变产业。",  # the 4-character term itself
    "ai-apart": "人工智造的机器与工智能无关。",  # its trigrams 人工智 and 工智能, not side by side
    "ai-trad": "業界認為人工智慧與人工智能並存。",  # traditional script: matches after t2s
    "rare": "他写下㐀工智能四个字。",  # a 4-gram with a rare character (U+3400): no key
    "rare-apart": "㐀工智是旧称，工智能是新称。",  # its trigrams co-occur, not side by side
    "llm": "大语言模型的训练成本很高。",  # a 5-character term
    "llm-apart": "大语言模糊，语言模型清楚。",  # both its 4-grams, not side by side
    "phrase": "美国商务部宣布出口管制措施。",  # the long phrase without spaces
    "phrase-spaced": "美国 商务部 宣布 出口管制 措施。",
    "none": "今天天气很好。",
}
QUERIES = {
    "人工智能": {"ai", "ai-trad"},
    "人工智能 AND NOT 大语言模型": {"ai", "ai-trad"},
    "㐀工智能": {"rare"},
    "大语言模型": {"llm"},
    '"美国 商务部 宣布 出口管制"': {"phrase", "phrase-spaced"},
    "出口管制 OR 大语言模型": {"phrase", "phrase-spaced", "llm"},
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("grams") / "w.duckdb"
    now = datetime.now(UTC)
    rows = [{"article_id": name, "doc_sha256": name, "source": f"test://{name}", "story_key": f"test://{name}",
             "version": 1, "title": "标题", "title_derived": False, "text": f"{FILLER}{text}{FILLER}",
             "extractor_version": "test", "landed_at": now, "outlet": "观察者网", "published_at": "2025-03-01"}
            for name, text in TEXTS.items()]  # fmt: skip
    with warehouse.connection(path) as con:
        warehouse.migrate(con)
        warehouse.refresh_views(con)
        insert_frame(con, "articles", pd.DataFrame(rows))
        prepare_desk(con, SEEDS_DIR / "outlets.yaml")
    return path


def test_long_han_terms_match_only_contiguous_text(db: Path):
    with duckdb.connect(str(db), read_only=True) as con:
        assert IndexReader(con).quads and IndexReader(con).text_rows  # verified by row number
        for query_text, expected in QUERIES.items():
            got, _ = search_ids(con, query_text)
            assert got == expected == scan_ids(con, query_text), query_text


def test_a_four_character_term_is_answered_by_its_posting_list_alone(db: Path):
    with duckdb.connect(str(db), read_only=True) as con:
        got, stats = search_ids(con, "人工智能")
        assert got == {"ai", "ai-trad"} and stats["verified"] == 0 and stats["keys_read"] == 1


def test_a_rare_character_or_a_fifth_character_verifies_only_the_candidates(db: Path):
    with duckdb.connect(str(db), read_only=True) as con:
        _, rare = search_ids(con, "㐀工智能")  # trigrams: rare, rare-apart hold both
        _, five = search_ids(con, "大语言模型")  # 4-grams: llm, llm-apart hold both
    assert rare["verified"] == 2 and five["verified"] == 2


def test_passes_indexed_before_4_grams_get_them_and_answer_the_same(db: Path, tmp_path: Path):
    copy = tmp_path / "old.duckdb"
    copy.write_bytes(db.read_bytes())
    with warehouse.connection(copy) as con:
        con.execute("DELETE FROM desk_postings WHERE gram >= ?", [grams.QUAD_TAG])  # as migration 014 finds them
        con.execute("DELETE FROM desk_quad_runs")
        con.execute("DELETE FROM desk_state WHERE key = 'text_rows'")  # as is the text-row check
        assert not IndexReader(con).quads and not IndexReader(con).text_rows  # verified by joining ids
        before = {q: search_ids(con, q) for q in QUERIES}
        assert before["人工智能"][1]["verified"] == 3  # ai-apart is a candidate of the trigrams, then refused
        assert index_grams(con) == 0 and add_quads(con) == 0  # index_grams added them; nothing left
        assert IndexReader(con).quads and IndexReader(con).text_rows
        after = {q: search_ids(con, q) for q in QUERIES}
    assert {q: r[0] for q, r in before.items()} == {q: r[0] for q, r in after.items()} == QUERIES
    assert after["人工智能"][1]["verified"] == 0


def test_a_key_exists_only_for_four_main_block_characters():
    assert grams.quadgram("人工智能") is not None and grams.quadgram("㐀工智能") is None
    assert grams.quadgram("人工智") is None and grams.quadgram("鿿鿿鿿鿿") < 2**63  # type: ignore[operator]
    assert grams.quadgram("一一一一") >= grams.QUAD_TAG > max(grams.trigram("\U0003134f", "\U0003134f", "\U0003134f"),
                                                          grams.pair_key(2**28 - 1, 2**28 - 1))  # type: ignore[operator]  # fmt: skip


def test_a_desk_step_with_nothing_new_does_nothing_and_new_articles_are_still_taken(db: Path, tmp_path: Path):
    copy = tmp_path / "next.duckdb"
    copy.write_bytes(db.read_bytes())
    row = {"article_id": "new", "doc_sha256": "new", "source": "test://new", "story_key": "test://new", "version": 1,
           "title": "新", "title_derived": False, "text": "他们讨论大语言模型。", "extractor_version": "test",
           "landed_at": datetime.now(UTC), "outlet": "时代周报", "published_at": "2025-03-02"}  # fmt: skip
    idle = {"indexed": 0, "index_keys": 0, "outlets_resolved": 0, "terms": 0}
    with warehouse.connection(copy) as con:
        assert {k: v for k, v in prepare_desk(con, SEEDS_DIR / "outlets.yaml").items() if k in idle} == idle
        insert_frame(con, "articles", pd.DataFrame([row]))
        con.execute("INSERT INTO article_terms (article_id, term, n) VALUES ('new', '大语言模型', 1)")
        done = prepare_desk(con, SEEDS_DIR / "outlets.yaml")
        assert (done["indexed"], done["index_keys"], done["outlets_resolved"], done["terms"]) == (1, 1, 1, 1)
        assert search_ids(con, "大语言模型")[0] == {"llm", "new"}
        again = prepare_desk(con, SEEDS_DIR / "outlets.yaml")
        assert {k: v for k, v in again.items() if k in idle} == idle
