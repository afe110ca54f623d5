"""Main-text extraction score: bag-of-shingles precision/recall, with CJK characters as tokens.

The article-extraction-benchmark method (Scrapinghub), changed for Chinese: every Han, kana or hangul
character is one token, because `\\w+` would make a whole Chinese sentence a single token.
Per document TP/FP/FN are normalised to sum 1; corpus P and R are means over documents; F1 is their
harmonic mean.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
SHINGLE = 4


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text or ""))


def shingles(toks: list[str], n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    if not toks:
        return Counter()
    if len(toks) < n:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))


def doc_pr(gold: str | None, pred: str | None) -> tuple[float, float]:
    """Precision and recall of one prediction against its gold text."""
    g, p = shingles(tokens(gold)), shingles(tokens(pred))
    tp = sum((g & p).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    if fp == 0 and fn == 0:
        return 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall


def score(
    gold: dict[str, str], pred: dict[str, str]
) -> tuple[float, float, float, dict[str, tuple[float, float]]]:
    """Corpus (P, R, F1, per_doc) over the documents of `gold`; a missing prediction counts as empty."""
    per_doc = {key: doc_pr(text, pred.get(key, "")) for key, text in gold.items()}
    if not per_doc:
        return 0.0, 0.0, 0.0, per_doc
    precision = sum(p for p, _ in per_doc.values()) / len(per_doc)
    recall = sum(r for _, r in per_doc.values()) / len(per_doc)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, per_doc


# ---- metadata gold (cwced meta-gold.json: {id: {author, date, url}}) ----------------------------------

_GOLD_NUMBERS = re.compile(r"\d+")
_NO_GOLD = {"", "unknown", "unknwon"}  # the data set's spelling of "the page names none", typo included


def gold_date_parts(value: str | None) -> tuple[int, ...] | None:
    """'2005-5-7 21:23:57' -> (2005, 5, 7); '1998-3' -> (1998, 3); no gold -> None."""
    if not value or value.strip().lower() in _NO_GOLD:
        return None
    numbers = [int(n) for n in _GOLD_NUMBERS.findall(value)[:3]]
    return tuple(numbers) or None


def date_right(gold: str | None, predicted: str | None) -> bool | None:
    """Whether the predicted ISO date agrees with the gold at the gold's precision (year, month or day);
    None when there is no gold to judge by."""
    parts = gold_date_parts(gold)
    if parts is None:
        return None
    if not predicted:
        return False
    got = tuple(int(n) for n in _GOLD_NUMBERS.findall(predicted)[:3])
    return got[: len(parts)] == parts


def gold_authors(value: str | None) -> set[str] | None:
    """'王建宏 张文攀' -> {'王建宏', '张文攀'} (names are space-separated in the gold); no gold -> None."""
    if not value or value.strip().lower() in _NO_GOLD:
        return None
    return set(value.split())


def authors_right(gold: str | None, predicted: list[str] | str | None) -> bool | None:
    """Same set of names as the gold (a missing name or an extra one - an editor, a source - is wrong)."""
    names = gold_authors(gold)
    if names is None:
        return None
    if isinstance(predicted, str):
        predicted = [predicted]
    got = {part for name in predicted or [] for part in name.replace("；", ";").replace(";", " ").split()}
    return got == names
