"""The subject vocabulary of the figures ledger, read from YAML (seeds/vocabulary.yaml).

What a figure counts depends on the subject being monitored: "训练成本" and "GPU" matter for AI
models, other words for other subjects. That vocabulary is data; the language machinery (numbers,
currencies, counters, hedges, dates) stays in quantities.py. load_vocabulary() checks the file
strictly (an unknown key or a malformed entry is an error naming the file and the entry, so that a
typo is not silently a keyword that never matches) and returns a frozen Vocabulary.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from presswatch.text import to_simplified_keep_length

OTHER = "other"  # the quantity of a figure no keyword fits; never compared across articles
# Kinds of unit the language grammar reads itself: a subject unit may not take these names.
LANGUAGE_UNITS = frozenset({"money", "percent", "points", "measure", "count"})
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_UNIT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class VocabularyError(ValueError):
    """A vocabulary file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Refinement:
    pattern: re.Pattern[str]
    quantity: str


@dataclass(frozen=True)
class Rule:
    """Keywords (one alternation) that name a quantity (or a share kind or topic)."""

    quantity: str
    pattern: re.Pattern[str]
    unit: str | None = None  # counts: the unit stored instead of "count"
    refine: tuple[Refinement, ...] = ()

    def refined(self, sentence: str) -> str:
        return next((r.quantity for r in self.refine if r.pattern.search(sentence)), self.quantity)


@dataclass(frozen=True)
class SubjectUnit:
    unit: str
    pattern: str  # a regex source, spliced into the grammar's unit pattern
    quantity: str
    refine: tuple[Refinement, ...] = ()

    def refined(self, sentence: str) -> str:
        return next((r.quantity for r in self.refine if r.pattern.search(sentence)), self.quantity)


@dataclass(frozen=True)
class CounterRule:
    counters: tuple[str, ...]
    quantity: str
    unit: str | None
    keep: frozenset[str]
    where: str  # the entry, for errors found by the grammar (an unknown counter)


@dataclass(frozen=True)
class PerPeriod:
    quantity: str
    replaces: frozenset[str]


# eq=False: compared and hashed by identity, so the figures code can cache what it derives from one.
@dataclass(frozen=True, eq=False)
class Vocabulary:
    source: str
    generic_terms: frozenset[str]
    units: tuple[SubjectUnit, ...]
    money: tuple[Rule, ...]
    per_period: PerPeriod | None
    counts: tuple[Rule, ...]
    counters: tuple[CounterRule, ...]
    share_kinds: tuple[Rule, ...]
    share_topics: tuple[Rule, ...]
    generic_quantities: frozenset[str]

    def quantities(self) -> frozenset[str]:
        """Every quantity name a figure can get from this vocabulary."""
        names = {OTHER, *(u.quantity for u in self.units), *(c.quantity for c in self.counters)}
        for refine in (*(u.refine for u in self.units), *(r.refine for r in (*self.money, *self.counts))):
            names.update(r.quantity for r in refine)
        names.update(r.quantity for r in (*self.money, *self.counts))
        if self.per_period:
            names.add(self.per_period.quantity)
        names.update(k.quantity for k in self.share_kinds)
        names.update(f"{t.quantity}_{k.quantity}" for t in self.share_topics for k in self.share_kinds)
        return frozenset(names)


class _Reader:
    """Checks one parsed file; every error names the file and where in it."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> VocabularyError:
        return VocabularyError(f"{self.source}: {where}: {problem}")

    def mapping(self, value: Any, where: str, required: set[str], optional: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping with keys {sorted(required | optional)}, got {value!r}")
        unknown = set(value) - required - optional
        if unknown:
            raise self.fail(where, f"unknown key(s) {sorted(map(str, unknown))}; allowed: {sorted(required | optional)}")
        missing = required - set(value)
        if missing:
            raise self.fail(where, f"missing key(s) {sorted(missing)}")
        return value

    def items(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {value!r}")
        return value

    def text(self, value: Any, where: str, shape: re.Pattern[str] | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected a non-empty string, got {value!r}")
        if shape and not shape.fullmatch(value):
            raise self.fail(where, f"{value!r} is not a valid name (expected {shape.pattern})")
        return value

    def words(self, value: Any, where: str) -> list[str]:
        return [self.text(v, f"{where}[{i}]") for i, v in enumerate(self.items(value, where))]

    def regex(self, source: str, where: str) -> re.Pattern[str]:
        try:
            pattern = re.compile(source)
        except re.error as e:
            raise self.fail(where, f"invalid regular expression {source!r}: {e}") from None
        if pattern.groupindex:
            raise self.fail(where, f"named groups are not allowed in {source!r}")
        if pattern.fullmatch(""):
            raise self.fail(where, f"{source!r} matches the empty string")
        return pattern

    def keywords(self, value: Any, where: str) -> re.Pattern[str]:
        """A keyword list as one alternation, in order (the first alternative that matches wins)."""
        words = [to_simplified_keep_length(w) for w in self.words(value, where)]
        if not words:
            raise self.fail(where, "needs at least one keyword")
        for i, word in enumerate(words):
            self.regex(word, f"{where}[{i}]")
        return self.regex("|".join(f"(?:{w})" for w in words), where)

    def refinements(self, value: Any, where: str) -> tuple[Refinement, ...]:
        out = []
        for i, entry in enumerate(self.items(value, where)):
            at = f"{where}[{i}]"
            entry = self.mapping(entry, at, {"keywords", "quantity"}, set())
            quantity = self.text(entry["quantity"], f"{at}.quantity", _NAME)
            out.append(Refinement(self.keywords(entry["keywords"], f"{at}.keywords"), quantity))
        return tuple(out)

    def rules(self, value: Any, where: str, name_key: str, with_unit: bool = False,
              with_refine: bool = False) -> tuple[Rule, ...]:  # fmt: skip
        optional = ({"unit"} if with_unit else set()) | ({"refine"} if with_refine else set())
        out = []
        for i, entry in enumerate(self.items(value, where)):
            at = f"{where}[{i}]"
            entry = self.mapping(entry, at, {name_key, "keywords"}, optional)
            name = self.text(entry[name_key], f"{at}.{name_key}", _NAME)
            at = f"{at} ({name})"
            unit = self.text(entry["unit"], f"{at}.unit", _UNIT_NAME) if "unit" in entry else None
            refine = self.refinements(entry.get("refine", []), f"{at}.refine")
            out.append(Rule(name, self.keywords(entry["keywords"], f"{at}.keywords"), unit, refine))
        return tuple(out)

    def unit(self, value: Any, where: str) -> SubjectUnit:
        entry = self.mapping(value, where, {"unit", "pattern", "quantity"}, {"refine"})
        unit = self.text(entry["unit"], f"{where}.unit", _UNIT_NAME)
        at = f"{where} ({unit})"
        if unit in LANGUAGE_UNITS:
            raise self.fail(at, f"{unit!r} is a unit the language grammar reads; choose another name")
        pattern = to_simplified_keep_length(self.text(entry["pattern"], f"{at}.pattern"))
        self.regex(f"(?:{pattern})", f"{at}.pattern")  # as it is spliced into the grammar's unit pattern
        return SubjectUnit(
            unit, pattern, self.text(entry["quantity"], f"{at}.quantity", _NAME),
            self.refinements(entry.get("refine", []), f"{at}.refine"),
        )  # fmt: skip

    def counter(self, value: Any, where: str) -> CounterRule:
        entry = self.mapping(value, where, {"counters", "quantity"}, {"unit", "keep"})
        quantity = self.text(entry["quantity"], f"{where}.quantity", _NAME)
        at = f"{where} ({quantity})"
        counters = tuple(to_simplified_keep_length(c) for c in self.words(entry["counters"], f"{at}.counters"))
        unit = self.text(entry["unit"], f"{at}.unit", _UNIT_NAME) if "unit" in entry else None
        keep = frozenset(self.text(k, f"{at}.keep", _NAME) for k in self.items(entry.get("keep", []), f"{at}.keep"))
        return CounterRule(counters, quantity, unit, keep, at)

    def section(self, data: dict[str, Any], key: str, required: set[str], optional: set[str]) -> dict[str, Any]:
        return self.mapping(data.get(key, {}), key, required, optional)


def parse_vocabulary(data: Any, source: str) -> Vocabulary:
    """A Vocabulary from parsed YAML; `source` names the file in errors."""
    read = _Reader(source)
    data = read.mapping(
        data, "top level", set(), {"generic_terms", "units", "money", "counts", "shares", "generic_quantities"}
    )
    money = read.section(data, "money", set(), {"quantities", "per_period"})
    counts = read.section(data, "counts", set(), {"quantities", "counters"})
    shares = read.section(data, "shares", set(), {"kinds", "topics"})
    per_period = None
    if "per_period" in money:
        entry = read.mapping(money["per_period"], "money.per_period", {"quantity", "replaces"}, set())
        per_period = PerPeriod(
            read.text(entry["quantity"], "money.per_period.quantity", _NAME),
            frozenset(read.words(entry["replaces"], "money.per_period.replaces")),
        )
    vocabulary = Vocabulary(
        source=source,
        generic_terms=frozenset(w.lower() for w in read.words(data.get("generic_terms", []), "generic_terms")),
        units=tuple(read.unit(u, f"units[{i}]") for i, u in enumerate(read.items(data.get("units", []), "units"))),
        money=read.rules(money.get("quantities", []), "money.quantities", "quantity", with_refine=True),
        per_period=per_period,
        counts=read.rules(counts.get("quantities", []), "counts.quantities", "quantity", with_unit=True),
        counters=tuple(
            read.counter(c, f"counts.counters[{i}]")
            for i, c in enumerate(read.items(counts.get("counters", []), "counts.counters"))
        ),
        share_kinds=read.rules(shares.get("kinds", []), "shares.kinds", "name"),
        share_topics=read.rules(shares.get("topics", []), "shares.topics", "name"),
        generic_quantities=frozenset(read.words(data.get("generic_quantities", []), "generic_quantities")),
    )
    _check_references(vocabulary, read.fail)
    return vocabulary


def _check_references(v: Vocabulary, fail: Callable[[str, str], VocabularyError]) -> None:
    """Names that refer to other entries must exist: a misspelt quantity would silently do nothing."""
    known = v.quantities()
    if unknown := sorted(v.generic_quantities - known):
        raise fail("generic_quantities", f"{unknown[0]!r} is not a quantity of this vocabulary")
    money = {r.quantity for r in v.money} | {OTHER}
    if v.per_period and (unknown := sorted(v.per_period.replaces - money)):
        raise fail("money.per_period.replaces", f"{unknown[0]!r} is not a money quantity (nor {OTHER!r})")
    counted = {r.quantity for r in v.counts}
    for rule in v.counters:
        if unknown := sorted(rule.keep - counted):
            raise fail(f"{rule.where}.keep", f"{unknown[0]!r} is not a quantity in counts.quantities")
    seen: dict[str, str] = {}
    for i, u in enumerate(v.units):
        if u.unit in seen:
            raise fail(f"units[{i}] ({u.unit})", "the same unit is listed twice")
        seen[u.unit] = u.quantity
    units: dict[str, str] = {}
    for where, quantity, unit in [
        *((f"counts.quantities ({r.quantity})", r.quantity, r.unit) for r in v.counts),
        *((c.where, c.quantity, c.unit) for c in v.counters),
    ]:
        if unit and units.setdefault(quantity, unit) != unit:
            raise fail(where, f"quantity {quantity!r} is given two units ({units[quantity]!r} and {unit!r})")


def unit_of_quantity(v: Vocabulary) -> dict[str, str]:
    """The unit stored for counts of a quantity, where it has one (gpu_count -> "GPU")."""
    pairs = [(r.quantity, r.unit) for r in v.counts] + [(c.quantity, c.unit) for c in v.counters]
    return {quantity: unit for quantity, unit in pairs if unit}


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, size: int) -> Vocabulary:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise VocabularyError(f"{path}: not valid YAML: {e}") from None
    except UnicodeDecodeError as e:
        raise VocabularyError(f"{path}: not UTF-8 text: {e}") from None
    return parse_vocabulary(data, path)


def load_vocabulary(path: str | os.PathLike[str]) -> Vocabulary:
    """The vocabulary in a YAML file; read once per path and version of the file (cached)."""
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
    except OSError as e:
        raise VocabularyError(f"{path}: cannot read the vocabulary file: {e.strerror}") from None
    return _load(str(resolved), stat.st_mtime_ns, stat.st_size)
