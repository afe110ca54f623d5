from __future__ import annotations

import re
from pathlib import Path

import pytest

from presswatch.summaries.watchlist import (
    find_mentions,
    jieba_dictionary,
    load_watchlist,
    mentions_per_article,
    parse_watchlist,
)
from presswatch.text import normalise_for_match

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def watchlist():
    return load_watchlist(SEEDS / "watchlist.yaml")


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def entities(watchlist, text: str) -> list[str]:
    return [m.entity for m in find_mentions(watchlist, text)]


def test_traditional_script_name_counts_as_simplified_entity(watchlist):
    assert entities(watchlist, "英偉達與輝達的晶片") == ["英伟达", "英伟达"]


def test_nvidia_spellings_in_any_case_and_width_are_one_entity(watchlist):
    text = "NVIDIA、Nvidia、nvidia、英伟达和Ｎｖｉｄｉａ"
    assert entities(watchlist, text) == ["英伟达"] * 5
    assert mentions_per_article(watchlist, [{"article_id": "a1", "title": None, "text": text}]) == [("a1", "英伟达", 5)]


def test_latin_alias_does_not_match_inside_a_longer_word(watchlist):
    assert entities(watchlist, "Metadata and metaverse, AMDx, Intelligence") == []
    assert entities(watchlist, "Meta的模型、AMD's chips、(Intel)") == ["Meta", "AMD", "英特尔"]


def test_latin_alias_matches_when_run_into_chinese_text(watchlist):
    assert entities(watchlist, "DeepSeek发布的R1让OpenAI紧张") == ["DeepSeek", "OpenAI"]


def test_longer_alias_wins_over_a_shorter_overlapping_one():
    wl = parse_watchlist(
        {
            "entities": [
                {"name": "深度", "type": "org"},
                {"name": "DeepSeek", "type": "org", "aliases": ["深度求索", "深度求索公司"]},
            ]
        }
    )
    found = find_mentions(wl, "深度求索公司发布深度学习模型")
    assert [(m.entity, m.alias) for m in found] == [("DeepSeek", "深度求索公司"), ("深度", "深度")]


def test_excluded_phrase_is_not_a_mention(watchlist):
    assert entities(watchlist, "印度尼西亚和印度洋沿岸国家，不包括印度") == ["印度"]


def test_multiword_alias_matches_across_line_breaks(watchlist):
    found = find_mentions(watchlist, "CEO Sam\nAltman said")
    assert [(m.entity, m.alias) for m in found] == [("奥特曼", "Sam Altman")]


def test_mention_offsets_point_into_the_original_text(watchlist):
    # The ligature and ß grow under NFKC/case folding; offsets must still land on the original characters.
    text = "ﬁne Straße: 英偉達 und Ｍｅｔａ"
    found = find_mentions(watchlist, text)
    assert [text[m.start : m.end] for m in found] == ["英偉達", "Ｍｅｔａ"]


def test_match_normalisation_converts_script_width_and_case():
    assert normalise_for_match("英偉達ＡＩ與DeepSeek") == "英伟达ai与deepseek"
    assert normalise_for_match("英偉達ＡＩ", fold_case=False) == "英伟达AI"


def test_seed_004_traditional_china_counts_as_simplified_entity(watchlist):
    text = seed_text("004")
    assert "中國" in text and "中国" not in text
    counts = {entity: n for _, entity, n in mentions_per_article(watchlist, [{"article_id": "004", "text": text}])}
    assert counts["中国"] == text.count("中國")
    assert counts["DeepSeek"] == text.count("DeepSeek")


def test_seed_001_counts_nvidia_in_both_scripts_as_one_entity(watchlist):
    text = seed_text("001")
    expected = text.count("英伟达") + len(re.findall("nvidia", text, re.IGNORECASE))
    assert "NVIDIA" in text and "英伟达" in text
    rows = mentions_per_article(watchlist, [{"article_id": "001", "title": "", "text": text}])
    assert ("001", "英伟达", expected) in rows


def test_title_mentions_count_with_the_text(watchlist):
    rows = mentions_per_article(watchlist, [{"article_id": "x", "title": "微软发布", "text": "Microsoft 表示"}])
    assert rows == [("x", "微软", 2)]


def test_alias_claimed_by_two_entities_is_refused():
    data = {"entities": [{"name": "英伟达", "type": "org"}, {"name": "Nvidia", "type": "org", "aliases": ["英偉達"]}]}
    with pytest.raises(ValueError, match="already belongs to '英伟达'"):
        parse_watchlist(data)


def test_entity_with_unknown_type_is_refused():
    with pytest.raises(ValueError, match="type must be one of"):
        parse_watchlist({"entities": [{"name": "X", "type": "company"}]})


def test_jieba_dictionary_holds_simplified_han_aliases_only(watchlist):
    words = jieba_dictionary(watchlist)
    assert {"深度求索", "梁文锋", "英伟达", "辉达"} <= set(words)
    assert not any(re.fullmatch("[A-Za-z .-]+", w) for w in words)
