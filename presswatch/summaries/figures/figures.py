"""Ledger of figures: numbers with units found in article text, what they count, and where outlets
agree or disagree on them.

extract_figures() reads one text: every number that carries a unit (money, %, counters, the
vocabulary's units such as tokens or GPU hours, or a Chinese magnitude such as 万/亿) becomes a Figure
with its value in base units, the quantity it counts (nearest keyword in its sentence, see
quantities.py), the entity it is about (nearest named entity before it) and any hedge (约, 超过, 近 ...).
Dates, times, durations, model names (GPT-4, H800, R1), ordinals, fractions and id-like digit runs are
skipped.

group_values() / find_agreements() / find_conflicts() compare figures across articles: the same
quantity and unit (and the same subject when known) reported with equal values is an agreement, with
different values a conflict, with its relative spread.

The subject's words (quantity keywords, generic terms, generic quantities) come from a Vocabulary
(vocabulary.py) that the caller loads and passes in.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from presswatch.summaries.figures import quantities as q
from presswatch.summaries.figures.vocabulary import Vocabulary, unit_of_quantity
from presswatch.text import to_simplified_keep_length as to_simplified

_SENTENCE_END = re.compile(r"[。！？!?；;\n]+[”’」』）)\"']*")
_MAX_SENTENCE = 400
_LATIN_NAME = re.compile(r"(?<![0-9A-Za-z.\-])[A-Za-z][A-Za-z0-9]*(?:(?:-| )[A-Za-z0-9]+)*")
_VERSION_PART = re.compile(r"\d")
# Currency and magnitude words beside a number are never names; the subject's acronyms and words of the
# trade that are not names either come from the vocabulary (generic_terms).
_NUMBER_WORDS = frozenset({"us", "usd", "rmb", "cny", "dollar", "dollars", "million", "billion"})
# Places, organisations, other proper nouns. Person tags (nr, nrt) are left out: jieba guesses them for
# transliterations and broken words (卢比, 莱德), and a person is rarely what a figure counts.
_ENTITY_FLAGS = frozenset({"ns", "nt", "nz"})
_NOUN_FLAGS = frozenset({"n", "nr", "ns", "nt", "nz", "nrt", "ng"})
_SOURCE_WORDS = re.compile(r"报道|称|表示|显示|指出|认为|透露|说|介绍|援引|数据|报告|统计|预测|分析|消息")



@dataclass(frozen=True)
class Figure:
    value: float  # in base units: 557.6萬 → 5_576_000.0
    unit: str  # "USD", "CNY", "percent", "points", "GPU", "downloads", "tokens", "parameters", "count" ...
    quantity: str  # what it counts: "training_cost", "downloads", "download_share" ...; "other" when unknown
    subject: str | None  # the entity it is about, simplified script, model versions folded ("DeepSeek")
    approx: bool
    qualifier: str | None  # "approx" | "over" | "under"
    raw: str  # the matched text, e.g. "557.6萬美元"
    sentence: str
    start: int


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans; an overlong run without a full stop (tables, lists) is cut at commas, so that the
    keyword search around each number stays short."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends or ends[-1] < len(text):
        ends.append(len(text))
    spans, start = [], 0
    for end in ends:
        while end - start > _MAX_SENTENCE:
            cut = max(text.rfind("，", start, start + _MAX_SENTENCE), text.rfind(",", start, start + _MAX_SENTENCE))
            cut = cut + 1 if cut > start else start + _MAX_SENTENCE
            spans.append((start, cut))
            start = cut
        spans.append((start, end))
        start = end
    return spans


@cache
def _tagger() -> Any:
    # jieba's dictionary and tags as implemented in Rust (rjieba): ~20x faster than jieba.posseg, and the
    # same words and noun/place/organisation tags (its digits are tagged m where jieba says eng: unused).
    import rjieba

    return rjieba.Jieba()


def _entities(sentence: str, generic_terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """Named entities in a (simplified) sentence, minus sources (据X报道) and modifiers (中国工程师)."""
    tokens, offset = [], 0
    for word, flag in _tagger().tag(sentence, False):
        tokens.append((offset, word, flag))
        offset += len(word)
    # The first non-blank token at or after each offset, for the "what follows a name" test below.
    starts = [t[0] for t in tokens if t[1].strip()]
    solid = [(t[1], t[2]) for t in tokens if t[1].strip()]
    candidates: list[tuple[int, int, str]] = []
    for m in _LATIN_NAME.finditer(sentence):
        parts = re.split(r"[- ]", m.group(0))
        # Versions fold into the family: DeepSeek-R1, DeepSeek V3 → DeepSeek; GPT-4o → GPT.
        name = " ".join(parts[: next((i for i, p in enumerate(parts) if _VERSION_PART.search(p)), len(parts))])
        if len(name) > 1 and name.lower() not in _NUMBER_WORDS and name.lower() not in generic_terms:
            candidates.append((m.start(), m.end(), name))
    for start, word, flag in tokens:
        if flag in _ENTITY_FLAGS and len(word) >= 2 and not re.search(r"[A-Za-z0-9]", word):
            candidates.append((start, start + len(word), word))
    kept_entities = []
    for start, end, name in candidates:
        at = bisect_left(starts, end)
        following = solid[at] if at < len(solid) else ("", "")
        if sentence[max(0, start - 1) : start] == "据" or _SOURCE_WORDS.match(following[0]):
            continue
        if following[1] in _NOUN_FLAGS and len(following[0]) > 1:  # 中国工程师, 印度政府: a modifier
            continue
        kept_entities.append((start, end, name))
    return sorted(kept_entities, key=lambda e: e[1])


def extract_figures(text: str, vocabulary: Vocabulary) -> list[Figure]:
    """Every figure in one text, with what it counts in the terms of `vocabulary`."""
    simple = to_simplified(text)
    units = unit_of_quantity(vocabulary)
    figures: list[Figure] = []
    for s_start, s_end in _sentences(simple):
        sentence = simple[s_start:s_end]
        readings = q.read_numbers(sentence, vocabulary)
        if not readings:
            continue
        entities = _entities(sentence, vocabulary.generic_terms)
        previous: str | None = None
        for r in readings:
            quantity = previous if r.conversion and previous else q.what_it_counts(r, sentence, vocabulary)
            previous = quantity
            unit = units.get(quantity, r.unit) if r.unit == "count" else r.unit
            subject = next((name for _, e, name in reversed(entities) if e <= r.start), None)
            figures.append(
                Figure(
                    value=r.value, unit=unit, quantity=quantity, subject=subject,
                    approx=r.qualifier is not None, qualifier=r.qualifier,
                    raw=text[s_start + r.start : s_start + r.end],
                    sentence=text[s_start:s_end].strip(), start=s_start + r.start,
                )
            )
    return figures


Row = tuple[str, str | None, Figure]  # (article_id, outlet, figure)


@dataclass
class ValueGroup:
    """One value of one quantity, with who reported it: "reported by N outlets"."""

    quantity: str
    subject: str | None
    unit: str
    value: float
    article_ids: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    raws: list[str] = field(default_factory=list)


@dataclass
class Conflict:
    quantity: str
    subject: str | None
    unit: str
    values: list[float]
    min: float
    max: float
    spread: float  # (max - min) / min
    article_ids: list[str]
    outlets: list[str]
    groups: list[ValueGroup] = field(default_factory=list)


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance * min(abs(a), abs(b)) if tolerance else a == b


def _subjects_near(by_value: dict[float, set[str]], ordered: list[float], value: float, tolerance: float) -> set[str]:
    """Subjects that reported `value` (within tolerance); `ordered` = the distinct values, sorted."""
    if not tolerance:
        return by_value.get(value, set())
    lo = bisect_left(ordered, value - tolerance * abs(value))
    hi = bisect_right(ordered, value + tolerance * abs(value))
    return set().union(*(by_value[v] for v in ordered[lo:hi] if _close(value, v, tolerance)))


def _partitions(
    rows: list[Row], tolerance: float, generic: frozenset[str]
) -> dict[tuple[str, str, str | None], list[Row]]:
    """Rows by (quantity, unit, subject). A row without a subject joins the subject that reported the same
    value, else the only subject there is (not for generic counts: "10家" may be anyone's), else stays
    with the other subject-less rows."""
    by_quantity: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        if row[2].quantity != "other":
            by_quantity[(row[2].quantity, row[2].unit)].append(row)
    parts: dict[tuple[str, str, str | None], list[Row]] = {}
    for (quantity, unit), members in by_quantity.items():
        known: dict[str, list[Row]] = defaultdict(list)
        for row in members:
            if row[2].subject:
                known[row[2].subject].append(row)
        by_value: dict[float, set[str]] = defaultdict(set)
        for subject, subject_rows in known.items():
            for r in subject_rows:
                by_value[r[2].value].add(subject)
        ordered = sorted(by_value)
        for subject, subject_rows in known.items():
            parts[(quantity, unit, subject)] = list(subject_rows)
        only = next(iter(known)) if len(known) == 1 and quantity not in generic else None
        seen: dict[float, set[str]] = {}
        for row in (r for r in members if not r[2].subject):
            value = row[2].value
            if value not in seen:
                seen[value] = _subjects_near(by_value, ordered, value, tolerance)
            same = seen[value]
            target = next(iter(same)) if len(same) == 1 else (only if not same else None)
            parts.setdefault((quantity, unit, target), []).append(row)
    return parts


def _clusters(rows: list[Row], tolerance: float) -> list[list[Row]]:
    clusters: list[list[Row]] = []
    for row in sorted(rows, key=lambda r: r[2].value):
        if clusters and _close(clusters[-1][0][2].value, row[2].value, tolerance):
            clusters[-1].append(row)
        else:
            clusters.append([row])
    return clusters


def _disagree(clusters: list[list[Row]]) -> bool:
    """Two articles disagree when they share no value: one article giving two values disagrees with no
    one, and neither does a second article that repeats one of them."""
    articles_of = [{r[0] for r in cluster} for cluster in clusters]
    values_of: dict[str, set[int]] = defaultdict(set)
    for index, articles in enumerate(articles_of):
        for article in articles:
            values_of[article].add(index)
    # Articles with the same set of values reach the same others: test each distinct set once.
    for value_set in {frozenset(v) for v in values_of.values()}:
        if len(set().union(*(articles_of[i] for i in value_set))) < len(values_of):
            return True
    return False


def _unique(values: list[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _group(quantity: str, subject: str | None, unit: str, cluster: list[Row]) -> ValueGroup:
    return ValueGroup(
        quantity, subject, unit, cluster[0][2].value,
        _unique([r[0] for r in cluster]), _unique([r[1] for r in cluster]), _unique([r[2].raw for r in cluster]),
    )


def group_values(rows: list[Row], vocabulary: Vocabulary, rel_tolerance: float = 0.0) -> list[ValueGroup]:
    """Every reported value, with the articles and outlets that reported it."""
    return [
        _group(quantity, subject, unit, cluster)
        for (quantity, unit, subject), members in _partitions(
            rows, rel_tolerance, vocabulary.generic_quantities
        ).items()
        for cluster in _clusters(members, rel_tolerance)
    ]


def find_agreements(
    rows: list[Row], vocabulary: Vocabulary, rel_tolerance: float = 0.0, min_articles: int = 2
) -> list[ValueGroup]:
    return [g for g in group_values(rows, vocabulary, rel_tolerance) if len(g.article_ids) >= min_articles]


def find_conflicts(rows: list[Row], vocabulary: Vocabulary, rel_tolerance: float = 0.0) -> list[Conflict]:
    conflicts = []
    for (quantity, unit, subject), members in _partitions(
        rows, rel_tolerance, vocabulary.generic_quantities
    ).items():
        clusters = _clusters(members, rel_tolerance)
        article_ids = _unique([r[0] for r in members])
        # Figures about no one in particular ("10家", "29种") are not compared with each other.
        if subject is None or len(clusters) < 2 or not _disagree(clusters):
            continue
        values = sorted({r[2].value for r in members})
        low, high = values[0], values[-1]
        groups = [_group(quantity, subject, unit, cluster) for cluster in clusters]
        conflicts.append(
            Conflict(
                quantity, subject, unit, values, low, high,
                (high - low) / low if low else float("inf"),
                article_ids, _unique([r[1] for r in members]), groups,
            )
        )
    return conflicts
