"""Reading one number in its sentence: value, unit, hedge, and what it counts.

read_numbers() finds numbers that carry a unit (money, %, counters, units of measure, the subject's
own units such as tokens or GPU hours, or a bare Chinese magnitude: "日活突破2000万") and skips those
that measure nothing (dates, times, durations, model names such as GPT-4/H800/R1, ordinals, fractions,
id-like digit runs). what_it_counts() names the quantity from the nearest keyword in the sentence.

This module is the language: number grammar, currencies, counters, hedges. What the figures count is
the subject's vocabulary (vocabulary.py, seeds/vocabulary.yaml), passed in by the caller. Everything
runs on simplified text (the conversion is length-preserving, so offsets stay valid in the original).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import cn2an

from presswatch.summaries.figures.vocabulary import OTHER, Rule, SubjectUnit, Vocabulary, VocabularyError

# Thousands may be grouped with "," or, in company filings, a full-width "，" ("93，708，580元").
_ARABIC = r"(?<!\d)\d{1,3}(?:[,，]\d{3})+(?![\d,，])(?:\.\d+)?|\d+(?:\.\d+)?"
_CN_DIGIT = "[零〇一二两三四五六七八九十百千万亿]"
_CN = rf"{_CN_DIGIT}+(?:点[零〇一二三四五六七八九]+)?"
NUMBER = re.compile(rf"百分之(?P<pct>{_ARABIC}|{_CN})|(?P<ar>{_ARABIC})|(?P<cn>{_CN})")
# Every NUMBER match starts on one of these (百分之 on 百): a class the regex engine skips to in C, where
# NUMBER's alternation is tried at every position (3x slower over a sentence).
_NUMBER_START = re.compile(rf"\d|{_CN_DIGIT}")
_MAGNITUDES = {
    "万亿": "1e12", "千亿": "1e11", "百亿": "1e10", "十亿": "1e9", "亿": "1e8", "千万": "1e7", "百万": "1e6",
    "十万": "1e5", "万": "1e4", "千": "1e3", "百": "1e2", "million": "1e6", "billion": "1e9", "trillion": "1e12",
    "mn": "1e6", "bn": "1e9", "M": "1e6", "B": "1e9", "K": "1e3",
}
# A Latin magnitude letter must not run on into a word ("2D", "5G").
_MAGNITUDE = re.compile(r" ?(万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|千|百|million|billion|trillion|mn|bn|[MBK](?![A-Za-z]))")
CURRENCIES = {
    "美元": "USD", "美金": "USD", "us dollars": "USD", "us dollar": "USD", "dollars": "USD", "dollar": "USD",
    "usd": "USD", "us$": "USD", "$": "USD", "＄": "USD", "元人民币": "CNY", "人民币": "CNY", "元": "CNY",
    "块钱": "CNY", "rmb": "CNY", "cny": "CNY", "¥": "CNY", "￥": "CNY", "港元": "HKD", "港币": "HKD", "hkd": "HKD",
    "hk$": "HKD", "欧元": "EUR", "eur": "EUR", "€": "EUR", "日元": "JPY", "日圆": "JPY", "jpy": "JPY",
    "英镑": "GBP", "gbp": "GBP", "£": "GBP", "卢比": "INR", "inr": "INR", "韩元": "KRW", "新台币": "TWD",
    "台币": "TWD", "卢布": "RUB", "澳元": "AUD", "加元": "CAD",
}
_CURRENCY_PREFIX = re.compile(r"(US\$|HK\$|\$|＄|¥|￥|€|£|人民币|美元) ?$")
COUNTERS = ("人次", "个", "块", "颗", "枚", "张", "台", "家", "项", "款", "种", "名", "位", "人", "次", "条", "篇", "部",
            "所", "座", "辆", "架", "艘", "套", "份", "例", "起", "支", "笔", "户")  # longest first where one contains another
# The language's units, tried after the subject's own (vocabulary units: tokens, GPU hours ...).
_LANGUAGE_UNITS = (
    ("money", "美元|美金|元人民币|人民币|港元|港币|欧元|日元|日圆|英镑|卢比|韩元|新台币|台币|卢布|澳元|加元|块钱|元"
              "|US[ ]dollars?|dollars?|USD|RMB|CNY|INR|EUR|HKD|JPY|GBP"),
    ("percent", "%|％"),
    ("points", "个百分点|百分点|percentage[ ]points?"),
    ("measure", "平方公里|平方米|立方米|公里|千米|公斤|千克|吨|斤|亩|公顷|千瓦时|千瓦|度电|升|米|克"),
    ("count", "|".join(COUNTERS)),
)  # fmt: skip
# Measures are read so that their numbers are not taken for bare counts; what they measure is not classified.
_MEASURES = {
    "平方公里": "km2", "平方米": "m2", "立方米": "m3", "公里": "km", "千米": "km", "公斤": "kg", "千克": "kg",
    "吨": "t", "斤": "jin", "亩": "mu", "公顷": "ha", "千瓦时": "kWh", "度电": "kWh", "千瓦": "kW", "升": "l",
    "米": "m", "克": "g",
}
_DURATION_AFTER_COUNTER = re.compile(r"月|小时|星期|礼拜|季度|工作日|钟头|世纪")  # "10个月"
# Dates, times, ages, editions: a number followed by these is never a figure.
_NOT_A_FIGURE_AFTER = re.compile(r" ?(?:年|月|日|号|天|周|小时|分钟|秒|点|时|岁|世纪|季度|届|期|版|代|楼|层|号线)")
_LABEL_BEFORE = re.compile(r"[A-Za-z]$|[A-Za-z][-_]$|\d[-/.:]$|[/#]$|第$")  # GPT-4, H800, 2025-01, 1/10, 第3
_LABEL_AFTER = re.compile(r"[-/:]\d|\.[A-Za-z]")  # 16:52, 010-1234, 01.AI
_CN_MAGNITUDE = re.compile("[十百千万亿]")
_MAX_PLAIN_DIGITS = 8  # longer digit runs without separators are ids, codes or phone numbers
_RATE_AFTER = re.compile(r"\s?(?:/|每)\s?(秒|s|小时|h|天|日|月|年)")
_RATE_BEFORE = re.compile(r"每(秒|小时|天|日|月|年)\s?$")
_PERIODS = {"秒": "s", "s": "s", "小时": "hour", "h": "hour", "天": "day", "日": "day", "月": "month", "年": "year"}
_RANGE_JOINER = re.compile(r"\s?(?:和|与|或|至|到|～|~|－|-|—|、)\s?")  # "19.6万和16.9万颗": shared unit

_BEFORE = re.compile(
    r"(约合|折合|大约|大概|大致|约|不超过|不超|不高于|不多于|至多|不低于|不少于|近|接近|将近|逾|超过|超出|超|突破"
    r"|多达|至少|不到|不足|少于|最多"
    r"|about|around|approximately|nearly|over|more than|less than)(?:为|有|达|是|合)?\s?$",
    re.IGNORECASE,
)
_POST = re.compile(r"(多|余|来)")  # "100多个", "200余家"
_TRAILING = re.compile(r"[^，。,；;、\d]{0,8}?(左右|上下|以上|以下|以内|出头)")  # "10万颗GPU左右"
_QUALIFIERS = {
    "approx": {"约合", "折合", "大约", "大概", "大致", "约", "来", "左右", "上下", "about", "around", "approximately"},
    "over": {"逾", "超过", "超出", "超", "突破", "至少", "不低于", "不少于", "多", "余", "以上", "出头", "over",
             "more than"},
    "under": {"近", "接近", "将近", "不到", "不足", "少于", "最多", "不超过", "不超", "不高于", "不多于", "至多",
              "以下", "以内", "nearly", "less than"},
}
_CONVERSION = {"约合", "折合"}  # "1037亿卢比（约合人民币86亿元）": the same figure in another currency


_CLAUSE_MARK = re.compile(r"[，,：:（()）]")
_CLAUSE_PENALTY = 100


@dataclass(frozen=True)
class _Grammar:
    """The unit pattern and lookups for one vocabulary: its units spliced in before the language's."""

    unit: re.Pattern[str]
    subject_units: dict[str, SubjectUnit]  # regex group -> unit
    by_unit: dict[str, SubjectUnit]  # unit name (a Reading's kind) -> unit
    counters: dict[str, tuple[str, frozenset[str]]]  # counter -> (quantity, nearest keywords it keeps)


@lru_cache(maxsize=8)
def _grammar(vocabulary: Vocabulary) -> _Grammar:
    groups = {f"u{i}": u for i, u in enumerate(vocabulary.units)}
    alternatives = [f"(?P<{g}>{u.pattern})" for g, u in groups.items()]
    alternatives += [f"(?P<{name}>{pattern})" for name, pattern in _LANGUAGE_UNITS]
    counters: dict[str, tuple[str, frozenset[str]]] = {}
    for rule in vocabulary.counters:
        for counter in rule.counters:
            if counter not in COUNTERS:
                raise VocabularyError(
                    f"{vocabulary.source}: {rule.where}: {counter!r} is not a counter the grammar reads"
                    f" ({' '.join(COUNTERS)})"
                )
            counters[counter] = (rule.quantity, rule.keep)
    return _Grammar(
        re.compile(f"[ ]?(?:{'|'.join(alternatives)})"), groups, {u.unit: u for u in vocabulary.units}, counters
    )


@dataclass(frozen=True)
class Reading:
    start: int  # offsets in the sentence, from any currency sign to the end of the unit
    end: int
    value: float
    kind: str  # "money" | "percent" | "points" | "count" | "measure" | a vocabulary unit ("tokens", "GPU" ...)
    unit: str
    counter: str | None
    qualifier: str | None  # "approx" | "over" | "under"
    conversion: bool
    rate: bool


@lru_cache(maxsize=65536)  # a pure function of its arguments; news repeats its numbers (cn2an: ~40 µs a call)
def _value(kind: str, digits: str, magnitude: str | None) -> float | None:
    if kind == "ar":  # Decimal keeps 557.6 × 10^4 exactly 5576000
        plain = digits.replace(",", "").replace("，", "")
        return float(Decimal(plain) * Decimal(_MAGNITUDES.get(magnitude or "", "1")))
    try:
        return float(cn2an.cn2an(digits, "smart"))
    except (ValueError, KeyError, IndexError):
        return None


def _is_label(s: str, start: int, end: int, kind: str, digits: str) -> bool:
    before = s[max(0, start - 2) : start]
    if kind == "cn":  # "一个", "两种", "第一", "数十": words, not figures
        return len(digits) < 2 or not _CN_MAGNITUDE.search(digits) or before.endswith(("第", "数", "几"))
    if _LABEL_BEFORE.search(before) or _LABEL_AFTER.match(s, end):
        return True
    return digits.isdigit() and len(digits) > _MAX_PLAIN_DIGITS


def _read(s: str, match: re.Match[str], grammar: _Grammar) -> Reading | None:
    kind = match.lastgroup or ""  # the one group of pct, ar, cn that matched (none holds another group)
    digits, start, end = match.group(kind), match.start(), match.end()
    if kind == "pct":
        value = _value("ar" if digits[0].isdigit() else "cn", digits, None)
        return None if value is None else _finish(s, start, end, value, "percent", "percent")
    if _is_label(s, start, end, kind, digits):
        return None
    magnitude = None
    if kind == "ar" and (mag := _MAGNITUDE.match(s, end)):
        magnitude, end = mag.group(1), mag.end()
    value = _value(kind, digits, magnitude)
    if value is None or _NOT_A_FIGURE_AFTER.match(s, end):
        return None
    post = _POST.match(s, end)
    unit_at = post.end() if post else end
    word = post.group(1) if post else None
    if (unit := grammar.unit.match(s, unit_at)) is None:
        joined = _RANGE_JOINER.match(s, unit_at)
        following = NUMBER.match(s, joined.end()) if joined else None
        shared = _read(s, following, grammar) if following else None
        if shared and shared.kind in ("money", "percent"):
            return _finish(s, start, end, value, shared.kind, shared.unit, word)
        if _CURRENCY_PREFIX.search(s, max(0, start - 4), start) or (
            kind == "ar" and magnitude and not magnitude.isascii()
        ):  # "$5.5 million"; "日活突破2000万"
            return _finish(s, start, end, value, "count", "count", word)
        return None
    group, text = unit.lastgroup or "", unit.group(unit.lastgroup or 0)
    if group == "count" and _DURATION_AFTER_COUNTER.match(s, unit.end()):
        return None
    if group == "money":
        return _finish(s, start, unit.end(), value, "money", CURRENCIES.get(text.lower(), "CNY"), word)
    if group == "measure":
        return _finish(s, start, unit.end(), value, "measure", _MEASURES[text], word)
    if subject_unit := grammar.subject_units.get(group):
        return _finish(s, start, unit.end(), value, subject_unit.unit, subject_unit.unit, word)
    counter = text if group == "count" else None
    return _finish(s, start, unit.end(), value, group, group, word, counter)


def _finish(
    s: str, start: int, end: int, value: float, kind: str, unit: str, word: str | None = None,
    counter: str | None = None,
) -> Reading:
    if prefix := _CURRENCY_PREFIX.search(s, max(0, start - 4), start):
        if kind in ("count", "money"):
            kind, unit = "money", unit if kind == "money" else CURRENCIES[prefix.group(1).lower()]
        start = prefix.start()
    rate = False
    if r := _RATE_AFTER.match(s, end):
        unit, end, rate = f"{unit}/{_PERIODS[r.group(1)]}", r.end(), True
    elif r := _RATE_BEFORE.search(s, max(0, start - 4), start):
        unit, rate = f"{unit}/{_PERIODS[r.group(1)]}", True
    if word is None and (trailing := _TRAILING.match(s, end)):
        word = trailing.group(1)
    leading = _BEFORE.search(s, max(0, start - 8), start)
    if leading and word is None:
        word = leading.group(1)
    qualifier = next((name for name, words in _QUALIFIERS.items() if word and word.lower() in words), None)
    conversion = bool(leading and leading.group(1) in _CONVERSION)
    return Reading(start, end, value, kind, unit, counter, qualifier, conversion, rate)


def read_numbers(sentence: str, vocabulary: Vocabulary) -> list[Reading]:
    """Every number with a unit in a simplified sentence."""
    grammar = _grammar(vocabulary)
    return [r for m in _numbers(sentence) if (r := _read(sentence, m, grammar))]


def _numbers(s: str) -> list[re.Match[str]]:
    """NUMBER.finditer(s): NUMBER tried only where a number can start (_NUMBER_START), from the end of
    the last match on, as finditer does (its lookbehind still sees the characters before)."""
    found: list[re.Match[str]] = []
    pos = 0
    while start := _NUMBER_START.search(s, pos):
        if match := NUMBER.match(s, start.start()):
            found.append(match)
            pos = match.end()
        else:
            pos = start.start() + 1
    return found


def _nearest(rules: tuple[Rule, ...], s: str, start: int, end: int) -> tuple[int, Rule] | None:
    """The rule whose keyword is closest to [start, end) in the sentence; crossing a clause costs extra.
    At equal distance the rule listed first wins."""
    best: tuple[int, int, Rule] | None = None
    for order, rule in enumerate(rules):
        for m in rule.pattern.finditer(s):
            lo, hi = (m.end(), start) if m.end() <= start else (end, m.start())
            gap = max(0, hi - lo) + (_CLAUSE_PENALTY if hi > lo and _CLAUSE_MARK.search(s, lo, hi) else 0)
            if best is None or (gap, order) < best[:2]:
                best = (gap, order, rule)
    return (best[0], best[2]) if best else None


def what_it_counts(r: Reading, s: str, vocabulary: Vocabulary) -> str:
    """The quantity a reading counts, from keywords in its sentence; "other" when none applies."""
    if r.kind in ("percent", "points"):
        kind = _nearest(vocabulary.share_kinds, s, r.start, r.end)
        if not kind or kind[0] >= _CLAUSE_PENALTY:  # "占", "增长" qualify a percentage in their own clause only
            return OTHER
        topic = _nearest(vocabulary.share_topics, s, r.start, r.end)
        name = kind[1].quantity
        return f"{topic[1].quantity}_{name}" if topic and topic[0] < _CLAUSE_PENALTY else name
    if r.kind == "measure":  # read so that 100公里 is not a count; what it measures is not classified
        return OTHER
    if r.kind == "money":
        found = _nearest(vocabulary.money, s, r.start, r.end)
        name = found[1].refined(s) if found else OTHER
        per = vocabulary.per_period
        return per.quantity if r.rate and per and name in per.replaces else name
    if r.kind == "count":
        found = _nearest(vocabulary.counts, s, r.start, r.end)
        named = found[1].quantity if found else OTHER
        if by_counter := _grammar(vocabulary).counters.get(r.counter or ""):
            quantity, keep = by_counter
            return named if named in keep else quantity
        return named
    return _grammar(vocabulary).by_unit[r.kind].refined(s)
