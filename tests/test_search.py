"""`presswatch search` on a real warehouse of the seeds (ingest + summaries flows), and its query compiler."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from presswatch.desk.search import Filters, run_search, snippet
from presswatch.desk.textindex import compile_predicate, search_form
from presswatch.summaries.searches import matches, parse_query
from presswatch.text import normalise_for_match
from tests.deskkit import article_id, cli, cli_json, query, seeds_warehouse

pytestmark = pytest.mark.usefixtures("prefect_api")

QUERY = "DeepSeek AND (成本 OR 训练)"


@pytest.fixture(scope="module")
def db(prefect_api: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeds_warehouse(tmp_path_factory.mktemp("search"))


def _sql_matches(text: str, query_text: str) -> bool:
    """The compiled predicate evaluated by DuckDB on one text."""
    sql, params = compile_predicate(parse_query(query_text), "body")
    with duckdb.connect() as con:
        return bool(con.execute(f"SELECT {sql} FROM (SELECT ? AS body)", [*params, search_form(text)]).fetchall()[0][0])


@pytest.mark.parametrize(
    ("text", "query_text", "expected"),
    [
        ("He said it was cheap", "AI", False),  # Latin terms are whole words
        ("DeepSeek的AI芯片", "AI", True),  # ... but Han text may touch them
        ("DeepSeek的AI芯片", "deepseek AND ai芯片", True),
        ("深度求索發佈模型", "发布", True),  # a simplified query finds traditional text
        ("深度求索发布模型", "發佈", True),  # and the other way round
        ("ＤｅｅｐＳｅｅｋ 大模型", "deepseek", True),  # full-width Latin
        ("股价\n下跌", '"股价 下跌"', True),  # a space in a Han phrase may be any whitespace ...
        ("股价下跌", '"股价 下跌"', True),  # ... or none
        ("sam  altman", '"Sam Altman"', True),
        ("samaltman", '"Sam Altman"', False),
        ("印度尼西亚的人工智能", "(印度 OR India) AND 人工智能 NOT 印度尼西亚", False),
        ("印度的人工智能", "(印度 OR India) AND 人工智能 NOT 印度尼西亚", True),
        ("GPT-5 免费", '"gpt-5"', True),
        ("GPT-50 免费", '"gpt-5"', False),
    ],
)
def test_compiled_query_agrees_with_the_saved_search_matcher(text: str, query_text: str, expected: bool):
    assert matches(parse_query(query_text), normalise_for_match(text)) is expected
    assert _sql_matches(text, query_text) is expected


def test_search_json_answers_with_the_training_cost_articles_by_day_and_outlet(db: Path):
    answer = cli_json("search", QUERY, "--db", str(db))
    stating = {r[0] for r in query(db, "SELECT DISTINCT article_id FROM figures WHERE quantity = 'training_cost'")}
    assert stating, "the seeds state DeepSeek's training cost"
    found = {r["article_id"] for r in cli_json("search", QUERY, "--db", str(db), "--sample", "50")["latest"]}
    assert stating <= found
    assert answer["matches"] == len(found) >= len(stating)
    days = {d["day"]: d for d in answer["by_day"]}
    for (day,) in query(db, "SELECT DISTINCT day FROM summary_articles WHERE article_id IN (SELECT unnest(?))"
                        " AND day IS NOT NULL", [sorted(found)]):  # fmt: skip
        assert days[str(day)]["matches"] >= 1 and 0 < days[str(day)]["share"] <= 1
    outlets = {o["outlet"] for o in answer["top_outlets"]}
    assert {"纽约时报中文网", "时代周报"} <= outlets
    assert sum(o["matches"] for o in answer["top_outlets"]) == answer["matches"]
    assert all(r["snippet"] for r in answer["latest"])


def test_search_finds_what_the_python_matcher_finds_on_every_seed(db: Path):
    rows = query(db, "SELECT a.article_id, a.title, ar.text FROM summary_articles a JOIN articles ar USING (article_id)")
    for query_text in (QUERY, "芯片 AND (管制 OR 禁令)", '"OpenAI" OR 奧特曼', "AI NOT 印度", "英偉達"):
        expected = {aid for aid, t, x in rows if matches(parse_query(query_text), normalise_for_match(f"{t}\n{x}"))}
        with duckdb.connect(str(db), read_only=True) as con:
            run_search(con, query_text, Filters())
            got = {r[0] for r in con.execute("SELECT article_id FROM desk_matches").fetchall()}
        assert got == expected, query_text


def test_distinctive_terms_are_over_represented_in_the_matches(db: Path):
    answer = cli_json("search", "芯片 AND 管制", "--db", str(db))
    assert 0 < answer["matches"] < answer["articles"]
    terms = answer["distinctive_terms"]
    assert terms and all(t["z"] > 0 and t["in_matches"] <= t["in_all"] for t in terms)
    assert "管制" in {t["term"] for t in terms}
    everything = cli_json("search", "DeepSeek", "--db", str(db))
    assert everything["matches"] == everything["articles"] and everything["distinctive_terms"] == []


def test_traditional_query_finds_the_same_articles(db: Path):
    simplified = cli_json("search", "DeepSeek AND 训练 AND 成本", "--db", str(db))
    traditional = cli_json("search", "DeepSeek AND 訓練 AND 成本", "--db", str(db))
    assert simplified["matches"] == traditional["matches"] > 0


def test_csv_reads_back_in_duckdb_with_the_same_rows(db: Path, tmp_path: Path):
    out = tmp_path / "matches.csv"
    answer = cli_json("search", QUERY, "--db", str(db), "--csv", str(out), "--sample", "50")
    rows = duckdb.sql(f"SELECT article_id, title, outlet_canonical FROM read_csv('{out}')").fetchall()
    assert len(rows) == answer["matches"] == answer["csv"]["rows"]
    assert {r[0] for r in rows} == {r["article_id"] for r in answer["latest"]}
    titles = dict(query(db, "SELECT article_id, title FROM articles"))
    assert all(titles[aid] == title for aid, title, _ in rows)


def test_outlet_filter_takes_any_alias_of_the_outlet(db: Path):
    nyt = article_id(db, "003_")
    for name in ("The New York Times Chinese", "紐約時報中文網", "纽约时报中文网"):
        answer = cli_json("search", "DeepSeek", "--outlet", name, "--db", str(db))
        assert [r["article_id"] for r in answer["latest"]] == [nyt], name


def test_collection_filter_and_an_unknown_collection(db: Path):
    foreign = cli_json("search", "DeepSeek", "--collection", "foreign-chinese", "--db", str(db))
    assert {o["outlet"] for o in foreign["top_outlets"]} == {"纽约时报中文网"}
    result = cli("search", "DeepSeek", "--collection", "no-such-group", "--db", str(db))
    assert result.exit_code == 2 and "unknown collection 'no-such-group'" in result.output


def test_period_filter_counts_only_days_inside_it(db: Path):
    answer = cli_json("search", "DeepSeek", "--since", "2025-01-25", "--until", "2025-02-28", "--db", str(db))
    assert answer["by_day"] and all("2025-01-25" <= d["day"] <= "2025-02-28" for d in answer["by_day"])
    assert answer["undated_matches"] == 0  # an undated article is outside every period


def test_a_malformed_query_is_an_error_with_its_position(db: Path):
    result = cli("search", "DeepSeek AND (成本 OR", "--db", str(db))
    assert result.exit_code == 2
    assert "query error" in result.output and "^" in result.output


def test_snippet_shows_the_original_text_around_the_match():
    ast = parse_query("訓練")
    text = "前文" * 50 + "DeepSeek稱其訓練成本為557.6萬美元" + "後文" * 50
    cut = snippet(ast, None, text, width=10)
    assert "訓練成本" in cut and cut.startswith("…") and cut.endswith("…")
