from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from presswatch.summaries.searches import (
    And,
    Or,
    QuerySyntaxError,
    Term,
    detect_spikes,
    load_searches,
    local_day,
    make_search,
    matches,
    new_matches,
    parse_query,
    parse_searches,
)
from presswatch.text import normalise_for_match

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
DAY0 = date(2025, 1, 1)


def hit(query: str, text: str) -> bool:
    return matches(parse_query(query), normalise_for_match(text))


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("DeepSeek AND 英伟达", "DeepSeek让英伟达股价下跌", True),
        ("DeepSeek AND 英伟达", "DeepSeek发布新模型", False),
        ("DeepSeek 英伟达", "DeepSeek发布新模型", False),  # side by side means AND
        ("英伟达 OR NVIDIA", "NVIDIA shares fell", True),
        ("DeepSeek NOT 股价", "DeepSeek让英伟达股价下跌", False),
        ("DeepSeek AND NOT 股价", "DeepSeek发布新模型", True),
        ("(芯片 OR 算力) AND 管制", "美国加强芯片出口管制", True),
        ("(芯片 OR 算力) AND 管制", "美国芯片出口增长", False),
        ('"sam altman"', "Sam Altman said", True),
        ('"sam altman"', "Altman and Sam", False),
        ("“深度 求索”", "深度求索发布模型", True),
        ("（芯片 OR 算力） 管制", "算力管制", True),
        ("AI", "the chairman said so", False),  # Latin terms are whole words
        ("AI", "AI芯片", True),
        ("nvidia", "ＮＶＩＤＩＡ", True),
    ],
)
def test_boolean_query_matches(query, text, expected):
    assert hit(query, text) is expected


def test_not_binds_tighter_than_and_which_binds_tighter_than_or():
    assert parse_query("a OR b AND c") == Or((Term("a", None), And((Term("b", None), Term("c", None)))))
    assert hit("a OR b AND c", "a") and not hit("a OR b AND c", "b")
    assert hit("NOT a b", "b") and not hit("NOT a b", "a b")


def test_traditional_article_matches_simplified_query():
    assert hit("英伟达 AND 开源", "英偉達支持開源模型")
    seed_004 = next(SEEDS.glob("004_*.txt")).read_text(encoding="utf-8")
    assert "开源" not in seed_004 and "開源" in seed_004
    assert hit("开源 AND 模型 AND 中国", seed_004)


def test_traditional_query_matches_simplified_article():
    assert hit("英偉達 AND 開源", "英伟达支持开源模型")


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("", "empty query", 0),
        ("DeepSeek AND", "expected a term", 12),
        ("OR 英伟达", "expected a term", 0),
        ("芯片 AND OR 管制", "found 'OR'", 7),
        ("(芯片 OR 算力", "unclosed '('", 0),
        ("芯片)", "unexpected ')'", 2),
        ('芯片 "出口 管制', "unclosed quote", 3),
        ('芯片 "" 管制', "empty phrase", 3),
        ("()", "expected a term", 1),
    ],
)
def test_bad_query_raises_syntax_error_with_position(query, message, position):
    with pytest.raises(QuerySyntaxError, match=re.escape(message)) as info:
        parse_query(query)
    assert info.value.position == position
    assert f"at position {position}" in str(info.value)


def test_shipped_searches_load_and_match_the_seeds():
    searches = {s.name: s for s in load_searches(SEEDS / "searches.yaml")}
    assert searches["chip-export-controls"].spike.factor == 2.5
    assert searches["deepseek"].spike.window == 14
    seeds = [{"article_id": p.name[:3], "text": p.read_text(encoding="utf-8")} for p in sorted(SEEDS.glob("0*.txt"))]
    assert new_matches(searches["deepseek"], seeds, []) == ["000", "001", "002", "003", "004"]


def test_saved_search_with_bad_query_names_the_search():
    with pytest.raises(ValueError, match=r"search 'broken'.*unclosed"):
        parse_searches({"searches": [{"name": "broken", "query": "(芯片 OR 算力"}]})


def test_new_matches_skip_alerted_and_repeated_articles():
    search = make_search("nvidia", "英伟达 OR NVIDIA")
    articles = [
        {"article_id": "a", "title": "英伟达股价", "text": "..."},
        {"article_id": "b", "title": None, "text": "NVIDIA"},
        {"article_id": "c", "title": None, "text": "苹果"},
        {"article_id": "d", "title": None, "text": "英偉達"},
        {"article_id": "b", "title": None, "text": "NVIDIA again"},
    ]
    assert new_matches(search, articles, already_alerted_ids={"a"}) == ["b", "d"]


def test_local_day_is_the_publication_date_in_its_own_offset():
    assert local_day("2025-01-31T23:30:00-05:00") == date(2025, 1, 31)  # already Feb 1 in UTC
    assert local_day("2025-02-01T07:30:00+08:00") == date(2025, 2, 1)  # still Jan 31 in UTC
    assert local_day(None) is None and local_day("not a date") is None


def series(counts: list[int]) -> list[tuple[date, int]]:
    return [(DAY0 + timedelta(days=i), n) for i, n in enumerate(counts)]


def test_flat_series_has_no_spikes():
    assert detect_spikes(series([5] * 30)) == []


def test_jump_gives_one_spike_on_the_right_day():
    counts = [5] * 30
    counts[20] = 20
    spikes = detect_spikes(series(counts))
    assert [(s.date, s.count, s.baseline_mean, s.ratio) for s in spikes] == [(DAY0 + timedelta(days=20), 20, 5.0, 4.0)]


def test_missing_days_count_as_zero():
    # 2 articles every other day: the 14-day baseline is 1.0 with gaps filled, 2.0 if gaps were skipped.
    given = [(DAY0 + timedelta(days=i), 2) for i in range(0, 14, 2)] + [(DAY0 + timedelta(days=14), 3)]
    spikes = detect_spikes(given, window=14, factor=3.0, min_count=3)
    assert [(s.date, s.baseline_mean, s.ratio) for s in spikes] == [(DAY0 + timedelta(days=14), 1.0, 3.0)]


def test_zero_baseline_spikes_only_from_min_count():
    day14 = DAY0 + timedelta(days=14)
    assert detect_spikes([(day14, 2)], window=14, min_count=3, start=DAY0) == []
    spikes = detect_spikes([(day14, 3)], window=14, min_count=3, start=DAY0)
    assert [(s.date, s.count, s.baseline_mean, s.ratio) for s in spikes] == [(day14, 3, 0.0, None)]


def test_days_without_a_full_window_are_not_judged():
    assert detect_spikes(series([0, 0, 0, 50]), window=14) == []
    assert detect_spikes(series([1] * 14 + [50]), window=14)[0].date == DAY0 + timedelta(days=14)


def test_repeated_days_are_added_up():
    given = [*series([1] * 14), (DAY0 + timedelta(days=14), 2), (DAY0 + timedelta(days=14), 2)]
    spikes = detect_spikes(given, window=14, factor=3.0, min_count=3)
    assert [(s.count, s.ratio) for s in spikes] == [(4, 4.0)]


def test_spike_settings_out_of_range_are_refused_with_the_search_name():
    with pytest.raises(ValueError, match=r"search 'chips'.*window"):
        parse_searches({"searches": [{"name": "chips", "query": "芯片", "spike": {"window": 0}}]})
