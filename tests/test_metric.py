from __future__ import annotations

import pytest
from metric import doc_pr, score, shingles, tokens


def test_each_han_character_is_one_token_and_latin_words_stay_whole() -> None:
    assert tokens("深度求索 DeepSeek-V3 发布") == ["深", "度", "求", "索", "DeepSeek", "V3", "发", "布"]


def test_fullwidth_forms_are_nfkc_normalised_before_tokenising() -> None:
    assert tokens("ＡＩ　２０２５") == tokens("AI 2025") == ["AI", "2025"]


def test_punctuation_and_whitespace_do_not_change_tokens() -> None:
    assert tokens("你好，世界！") == tokens("你好 世界")


def test_text_shorter_than_a_shingle_becomes_one_shingle() -> None:
    assert shingles(["深", "度"]) == {("深", "度"): 1}


def test_identical_texts_score_one() -> None:
    assert doc_pr("深度求索发布了新的模型。", "深度求索发布了新的模型") == (1.0, 1.0)


def test_disjoint_texts_score_zero() -> None:
    assert doc_pr("深度求索发布了新的模型", "今天天气晴朗适合出门") == (0.0, 0.0)


def test_prediction_with_extra_furniture_loses_precision_not_recall() -> None:
    gold = "一二三四五六七八"  # 5 shingles
    pred = gold + "责任编辑张三"  # 5 gold shingles + 6 extra
    precision, recall = doc_pr(gold, pred)
    assert recall == 1.0
    assert precision == pytest.approx(5 / 11)


def test_prediction_missing_half_loses_recall_not_precision() -> None:
    gold = "一二三四五六七八九十甲乙丙"  # 10 shingles
    pred = "一二三四五六七"  # 4 shingles, all in gold
    precision, recall = doc_pr(gold, pred)
    assert precision == 1.0
    assert recall == pytest.approx(4 / 10)


def test_repeated_passage_counts_with_multiplicity() -> None:
    gold = "alpha beta gamma delta"
    precision, recall = doc_pr(gold, f"{gold} {gold}")
    assert recall == 1.0
    assert precision < 1.0


def test_empty_prediction_scores_zero_and_empty_gold_with_empty_prediction_scores_one() -> None:
    assert doc_pr("深度求索发布了新的模型", "") == (0.0, 0.0)
    assert doc_pr("", "") == (1.0, 1.0)


def test_corpus_scores_are_means_over_documents_and_missing_predictions_count_as_empty() -> None:
    gold = {"a": "深度求索发布了新的模型", "b": "今天天气晴朗适合出门"}
    precision, recall, f1, per_doc = score(gold, {"a": "深度求索发布了新的模型"})
    assert per_doc == {"a": (1.0, 1.0), "b": (0.0, 0.0)}
    assert (precision, recall, f1) == (0.5, 0.5, 0.5)


def test_f1_is_harmonic_mean_of_corpus_precision_and_recall() -> None:
    gold = {"a": "一二三四五六七八九十甲乙丙"}
    precision, recall, f1, _ = score(gold, {"a": "一二三四五六七"})
    assert f1 == pytest.approx(2 * precision * recall / (precision + recall))
