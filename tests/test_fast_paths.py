"""The analyses' fast paths give exactly what the plain rules give: NFKC, t2s, terms, MinHash, numbers."""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from presswatch import codepoints, text
from presswatch.summaries import analyses, stories
from presswatch.summaries.figures import quantities
from presswatch.summaries.terms import _prepared as prepared_terms
from presswatch.summaries.terms import article_terms, segment, stop_words, term_key
from presswatch.summaries.watchlist import load_watchlist

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PAD = "中文新闻，" * 20  # long enough for the array paths (codepoints.SHORT)


def seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("0*.txt"))]


def test_fast_nfkc_equals_unicodedata_on_every_character_it_treats_specially_and_random_mixes():
    one, unsafe = codepoints.nfkc_tables()
    special = [c for c in range(codepoints.NFKC_LIMIT) if (unsafe[c] or one[c] != c) and not 0xD800 <= c < 0xE000]
    assert len(special) > 5000  # full-width forms, compatibility characters, combining marks
    for c in special:
        for sample in (PAD + chr(c) + PAD, PAD + "a" + chr(c) + "\u0301" + PAD, PAD + "\u1100" + chr(c) + "\u11a8"):
            assert text.nfkc(sample) == unicodedata.normalize("NFKC", sample), hex(c)
    rng = random.Random(7)
    pool = special + list(range(0x300, 0x370)) + list(range(0x1100, 0x1200)) + [ord(ch) for ch in "aeAE가中，。 1"] * 40
    for _ in range(20_000):
        sample = PAD + "".join(chr(rng.choice(pool)) for _ in range(rng.randint(1, 8))) + PAD
        assert text.nfkc(sample) == unicodedata.normalize("NFKC", sample), [hex(ord(ch)) for ch in sample[100:-100]]
    for sample in [*seed_texts(), PAD + "\ud800\u0301ａ", PAD + "\U00030001ａ", "ＡＢＣ" * 30]:
        assert text.nfkc(sample) == unicodedata.normalize("NFKC", sample)


def _plain_t2s(sample: str) -> str:
    """t2s as before the fast paths: a longest-first alternation of the phrases, str.translate between."""
    phrases = {k: v[0] for k, v in text.opencc_table("TSPhrases.txt").items() if len(k) > 1}
    pattern = re.compile("|".join(re.escape(k) for k in sorted(phrases, key=lambda k: (-len(k), k))))
    table = text._t2s_char_map()
    out, last = [], 0
    for match in pattern.finditer(sample):
        out += [sample[last : match.start()].translate(table), phrases[match.group()]]
        last = match.end()
    return "".join([*out, sample[last:].translate(table)])


def test_fast_t2s_equals_the_alternation_and_the_character_table():
    table = text._t2s_char_map()
    phrases = [k for k in text.opencc_table("TSPhrases.txt") if len(k) > 1]
    keys = phrases + [chr(c) for c in table] + list("的是了中文ab ")
    rng = random.Random(3)
    samples = [PAD + "".join(rng.choice(keys) for _ in range(rng.randint(1, 12)))[rng.randint(0, 1) :] for _ in range(3000)]
    samples += ["前" + k + "後" for k in phrases] + seed_texts()
    for sample in samples:
        assert text.to_simplified_keep_length(sample) == sample.translate(table)
        assert text._convert_t2s(sample) == _plain_t2s(sample)
    triggers = text._t2s_phrase_triggers()
    for sample in ["前" + k + "后" for k in triggers] + ["简体中文，没有繁体。" * 10]:
        assert (text._t2s_trigger_pattern().search(sample) is not None) == any(p in sample for p in triggers)


def test_terms_equal_term_key_counted_over_every_token():
    watchlist = load_watchlist(analyses.AnalysisConfig().watchlist_path)
    names, stop = prepared_terms(watchlist)[1], stop_words()
    samples = [
        *seed_texts(),
        "Nvidia、NVIDIA和nvidia，英偉達與英伟达；DeepSeek-R1 与 GPT-4o，15.6%的AI，the model and the GPU。",
        "详见https://www.example.com/ai?id=1 和 press@example.com，梁文鋒說。",
    ]
    for sample in samples * 2:  # the second pass reads the memo the first one filled
        expected: Counter[str] = Counter()
        for token in segment(sample, watchlist):
            if (key := term_key(token, names, stop)) is not None:
                expected[key] += 1
        assert article_terms(sample, watchlist) == expected


@pytest.mark.parametrize("k", [1, 3, 30])
def test_top_pairs_are_the_first_pairs_in_sorted_order(k):
    counts = {f"t{i}": n for i, n in enumerate([5, 3, 3, 3, 1, 1, 2, 5, 3, 1] * 7)}
    assert analyses.top_pairs(counts, k) == sorted((-n, t) for t, n in counts.items())[:k]


def test_signature_over_every_shingle_equals_datasketch_over_distinct_ones():
    sample = "".join(seed_texts())  # > 4,096 shingles: several chunks
    norm = stories.normalise_for_similarity(sample)
    assert len(norm) > 3 * 4096
    reference = MinHash(num_perm=stories.NUM_PERM, seed=stories.SEED, scheme=stories.SCHEME, hashfunc=int)
    reference.update_batch(stories._shingle_hashes(norm, stories.SHINGLE_K))
    assert np.array_equal(stories.minhash_signature(sample), reference.hashvalues)


def test_numbers_are_found_where_finditer_finds_them():
    sentences = [s for t in seed_texts() for s in re.split("[。！？\n]", text.to_simplified_keep_length(t))]
    sentences += ["1２3，456，789.5元", "百分之三十五和12.5%", "第一、三十、两千万亿", "a1,234,5678 b"]
    found = 0
    for sentence in sentences:
        expected = [(m.span(), m.lastgroup) for m in quantities.NUMBER.finditer(sentence)]
        assert [(m.span(), m.lastgroup) for m in quantities._numbers(sentence)] == expected
        found += len(expected)
    assert found > 100


def test_literal_patterns_match_where_a_leading_lookbehind_matches():
    from presswatch.summaries.watchlist import _WORDISH, literal_pattern

    literals = ["ai", "nvidia", "export controls", "ß1", "deepseek r1", "gpt-4o", "深度求索", "a"]
    texts = ["ai", "ai ai", "said ai", "\nai\n", "_ai", "1ai", "ßai", "中ai文", "nvidia,nvidia", "export\ncontrols",
             "xexport controls", "ß1ß1 ß1", "deepseek  r1", "gpt-4o", "深度求索深度求索", "a", "aa a"]
    for literal in literals:
        pattern = literal_pattern(literal)
        leading = f"(?<![{_WORDISH}])" + pattern[0] + pattern[len(f"(?<![{_WORDISH}].)") + 1 :]
        plain = leading if pattern.startswith(literal[0] + "(?<!") else pattern
        for sample in texts:
            for flags in (0, re.DOTALL):
                got = [m.span() for m in re.finditer(pattern, sample, flags)]
                assert got == [m.span() for m in re.finditer(plain, sample, flags)], (literal, sample)
    assert [m.span() for m in re.finditer(literal_pattern("ai"), "said ai _ai\nai")] == [(5, 7), (12, 14)]
