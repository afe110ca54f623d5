from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

import jieba
import pytest

from presswatch.summaries.terms import MAX_HAN_TERM, article_terms, segment, stop_words, top_terms
from presswatch.summaries.watchlist import load_watchlist

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def watchlist():
    return load_watchlist(SEEDS / "watchlist.yaml")


@pytest.fixture(scope="module")
def seed_counters(watchlist) -> list[Counter[str]]:
    return [article_terms(p.read_text(encoding="utf-8"), watchlist) for p in sorted(SEEDS.glob("0*.txt"))]


def test_jieba_keeps_watchlist_names_whole(watchlist):
    jieba.setLogLevel(logging.WARNING)
    sentence = "深度求索公司创始人梁文锋说，英伟达股价下跌"
    plain = jieba.lcut(sentence)
    assert "深度求索" not in plain and "英伟达" not in plain  # what the watchlist is there to fix
    tokens = segment(sentence, watchlist)
    assert {"深度求索公司", "梁文锋", "英伟达"} <= set(tokens)
    assert "深度求索" in segment("深度求索发布模型", watchlist)


def test_traditional_text_is_segmented_in_simplified(watchlist):
    assert {"梁文锋", "英伟达", "开源"} <= set(article_terms("梁文鋒談英偉達與開源模型", watchlist))


def test_top_terms_hold_no_stop_words_numbers_or_sentences(seed_counters):
    stop = stop_words()
    terms = [term for term, _ in top_terms(seed_counters, 200)]
    assert len(terms) == 200
    for term in terms:
        assert term.casefold() not in stop or term.isupper(), term
        assert not re.match(r"[\d\W]", term), term
        assert len(term) >= 2 and not re.search(r"[，。！？、；：,.!?;:\s]", term), term
        if re.search("[\u4e00-\u9fff]", term):
            assert len(term) <= MAX_HAN_TERM, term


def test_seed_top_terms_are_topical(seed_counters):
    top = dict(top_terms(seed_counters, 15))
    assert {"DeepSeek", "模型", "中国", "芯片"} <= set(top)


def test_numbers_single_characters_and_function_words_are_not_terms(watchlist):
    counts = article_terms("2025年1月，1600万次下载，占15.6%。第一、三十、亿美元。我们的了吗？他表示已经", watchlist)
    assert counts == Counter({"下载": 1})


def test_acronyms_survive_the_english_stop_list_but_plain_stop_words_do_not(watchlist):
    assert "ai" in stop_words()
    counts = article_terms("AI and the GPU: how the model works", watchlist)
    assert counts["AI"] == 1 and counts["GPU"] == 1 and counts["model"] == 1
    assert "the" not in counts and "and" not in counts and "how" not in counts


def test_watchlist_names_count_in_one_spelling(watchlist):
    counts = article_terms("Nvidia、NVIDIA和nvidia", watchlist)
    assert counts == Counter({"NVIDIA": 3})


def test_links_are_not_cut_into_terms(watchlist):
    counts = article_terms("详见https://www.example.com/ai/news?id=1报道链接和邮箱 press@example.com", watchlist)
    assert not {"https", "www", "example", "com", "news", "press"} & set(counts)
    assert "链接" in counts and "邮箱" in counts


def test_top_terms_add_up_articles_and_break_ties_alphabetically():
    a, b = Counter({"芯片": 2, "模型": 1}), Counter({"模型": 2, "算力": 1, "AI": 1})
    assert top_terms([a, b], 3) == [("模型", 3), ("芯片", 2), ("AI", 1)]


def _python_jieba_terms(text: str, watchlist) -> Counter[str]:
    """The terms as the Python jieba (the reference) finds them, with the same dictionary and filters."""
    from presswatch.summaries.terms import _URLISH, USER_WORD_FREQ, _prepared, term_key
    from presswatch.summaries.watchlist import jieba_dictionary
    from presswatch.text import normalise_for_match

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in jieba_dictionary(watchlist):
        tokenizer.add_word(word, freq=USER_WORD_FREQ)
    names, stop = _prepared(watchlist)[1], stop_words()
    tokens = tokenizer.lcut(normalise_for_match(_URLISH.sub(" ", text), fold_case=False))
    return Counter(k for k in (term_key(t, names, stop) for t in tokens) if k is not None)


def test_fast_segmenter_finds_the_seeds_terms_python_jieba_finds(watchlist, seed_counters):
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("0*.txt"))]
    reference = [_python_jieba_terms(t, watchlist) for t in texts]
    assert seed_counters == reference
    assert top_terms(seed_counters, 30) == top_terms(reference, 30)
