"""Saved searches: a small boolean query language, matching, alerts for new matches, and daily spikes.

Query language (operators in capitals; anything else is a term):
    DeepSeek AND (英伟达 OR NVIDIA) NOT "股价 下跌"
- bare terms and "quoted phrases" (also “…”); terms side by side mean AND;
- NOT binds tightest, then AND (written or implicit), then OR; parentheses group, full-width （） too.
Terms match the normalised text (simplified script, NFKC, case folded) of title + text, so a traditional
article matches a simplified query and the other way round. Han terms match as substrings (Chinese has
no spaces); Latin terms and Latin ends of phrases must sit on word boundaries ("AI" is not in "said").
A hand-written recursive-descent parser: it is about as short as a pyparsing grammar, needs no extra
dependency, and reports errors with the exact position.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from presswatch.settings import PROJECT_ROOT
from presswatch.summaries.watchlist import article_body, article_field, literal_pattern
from presswatch.text import normalise_for_match

DEFAULT_SEARCHES = PROJECT_ROOT / "seeds" / "searches.yaml"
OPERATORS = frozenset({"AND", "OR", "NOT"})
_OPEN, _CLOSE, _QUOTES = "(（", ")）", '"“”＂'


class QuerySyntaxError(ValueError):
    def __init__(self, message: str, query: str, position: int) -> None:
        self.message, self.query, self.position = message, query, position
        super().__init__(f"{message} at position {position}\n  {query}\n  {' ' * position}^")


@dataclass(frozen=True)
class Term:
    text: str  # normalised
    pattern: re.Pattern[str] = field(compare=False, repr=False)


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Not | And | Or


def _tokenize(query: str) -> list[tuple[str, str, int]]:
    """(kind, value, position) with kind in OP, TERM, PHRASE, LPAREN, RPAREN."""
    tokens: list[tuple[str, str, int]] = []
    i = 0
    while i < len(query):
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in _OPEN or ch in _CLOSE:
            tokens.append(("LPAREN" if ch in _OPEN else "RPAREN", ch, i))
            i += 1
        elif ch in _QUOTES:
            end = next((j for j in range(i + 1, len(query)) if query[j] in _QUOTES), -1)
            if end < 0:
                raise QuerySyntaxError("unclosed quote", query, i)
            if not query[i + 1 : end].strip():
                raise QuerySyntaxError("empty phrase", query, i)
            tokens.append(("PHRASE", query[i + 1 : end], i))
            i = end + 1
        else:
            j = i
            while j < len(query) and not (query[j].isspace() or query[j] in _OPEN + _CLOSE + _QUOTES):
                j += 1
            word = query[i:j]
            tokens.append(("OP" if word in OPERATORS else "TERM", word, i))
            i = j
    return tokens


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokenize(query)
        self.pos = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def error(self, message: str, position: int | None = None) -> QuerySyntaxError:
        token = self.peek()
        where = position if position is not None else (token[2] if token else len(self.query))
        return QuerySyntaxError(message, self.query, where)

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("empty query", 0)
        node = self.or_expr()
        token = self.peek()
        if token is not None:
            raise self.error(f"unexpected {token[1]!r}" + (" without a matching '('" if token[0] == "RPAREN" else ""))
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while (token := self.peek()) is not None and token[:2] == ("OP", "OR"):
            self.pos += 1
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = [self.not_expr()]
        while (token := self.peek()) is not None:
            if token[:2] == ("OP", "AND"):
                self.pos += 1
            elif not (token[0] in ("TERM", "PHRASE", "LPAREN") or token[:2] == ("OP", "NOT")):
                break  # OR, ')' or the end: implicit AND only joins things that can start an operand
            children.append(self.not_expr())
        return children[0] if len(children) == 1 else And(tuple(children))

    def not_expr(self) -> Node:
        token = self.peek()
        if token is not None and token[:2] == ("OP", "NOT"):
            self.pos += 1
            return Not(self.not_expr())
        return self.atom()

    def atom(self) -> Node:
        token = self.peek()
        before = self.tokens[self.pos - 1][1] if self.pos else None
        if token is None or token[0] in ("OP", "RPAREN"):
            after = f" after {before!r}" if before else ""
            found = f", found {token[1]!r}" if token else ""
            raise self.error(f"expected a term, a phrase or '('{after}{found}")
        self.pos += 1
        kind, value, position = token
        if kind == "LPAREN":
            node = self.or_expr()
            closing = self.peek()
            if closing is None or closing[0] != "RPAREN":
                raise self.error("unclosed '('", position)
            self.pos += 1
            return node
        normalised = " ".join(normalise_for_match(value).split())
        if not normalised:
            raise self.error("term is empty after normalisation", position)
        return Term(normalised, re.compile(literal_pattern(normalised), re.DOTALL))


def parse_query(query: str) -> Node:
    """Parse a query into an AST; raises QuerySyntaxError with the position of the problem."""
    return _Parser(query).parse()


def matches(node: Node, normalised_text: str) -> bool:
    """Does text already passed through normalise_for_match() satisfy the query?"""
    if isinstance(node, Term):
        return node.pattern.search(normalised_text) is not None
    if isinstance(node, Not):
        return not matches(node.child, normalised_text)
    if isinstance(node, And):
        return all(matches(child, normalised_text) for child in node.children)
    return any(matches(child, normalised_text) for child in node.children)


@dataclass(frozen=True)
class SpikeSettings:
    window: int = 14  # days of baseline before the day judged
    factor: float = 3.0  # how many times the baseline mean a day must reach
    min_count: int = 3  # and at least this many articles

    def __post_init__(self) -> None:
        if not (isinstance(self.window, int) and self.window >= 1):
            raise ValueError(f"spike window must be a whole number of days >= 1, got {self.window!r}")
        if not (isinstance(self.factor, int | float) and self.factor > 0):
            raise ValueError(f"spike factor must be a number > 0, got {self.factor!r}")
        if not (isinstance(self.min_count, int) and self.min_count >= 1):
            raise ValueError(f"spike min_count must be a whole number >= 1, got {self.min_count!r}")


@dataclass(frozen=True)
class SavedSearch:
    name: str
    query: str
    ast: Node = field(compare=False, repr=False)
    spike: SpikeSettings = SpikeSettings()


def make_search(name: str, query: str, spike: SpikeSettings | None = None) -> SavedSearch:
    return SavedSearch(name=name, query=query, ast=parse_query(query), spike=spike or SpikeSettings())


def _spike_settings(raw: Any, where: str) -> SpikeSettings:
    if raw is None:
        return SpikeSettings()
    if not isinstance(raw, Mapping) or set(raw) - {"window", "factor", "min_count"}:
        raise ValueError(f"{where}: spike takes only window, factor and min_count, got {raw!r}")
    try:
        return SpikeSettings(**raw)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from err


def parse_searches(data: Any, source: str = "<searches>") -> list[SavedSearch]:
    if not isinstance(data, Mapping) or not isinstance(data.get("searches"), list):
        raise ValueError(f"{source}: expected a mapping with a 'searches' list")
    searches: list[SavedSearch] = []
    for i, raw in enumerate(data["searches"]):
        name = raw.get("name") if isinstance(raw, Mapping) else None
        where = f"{source}: search {name!r}" if name else f"{source}: search #{i + 1}"
        if not isinstance(name, str) or not isinstance(raw.get("query"), str):
            raise ValueError(f"{where}: needs a 'name' and a 'query' string")
        if set(raw) - {"name", "query", "spike"}:
            raise ValueError(f"{where}: unknown keys {sorted(set(raw) - {'name', 'query', 'spike'})}")
        if any(s.name == name for s in searches):
            raise ValueError(f"{where}: name used twice")
        try:
            searches.append(make_search(name, raw["query"], _spike_settings(raw.get("spike"), where)))
        except QuerySyntaxError as err:
            raise ValueError(f"{where}: {err}") from err
    return searches


def load_searches(path: str | Path = DEFAULT_SEARCHES) -> list[SavedSearch]:
    path = Path(path)
    return parse_searches(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def search_hits(searches: Iterable[SavedSearch], articles: Iterable[Any]) -> list[tuple[str, str]]:
    """(search name, article_id) for every match; each article is normalised once for all searches."""
    searches = list(searches)
    hits: list[tuple[str, str]] = []
    for article in articles:
        text = normalise_for_match(article_body(article))
        hits.extend((s.name, article_field(article, "article_id")) for s in searches if matches(s.ast, text))
    return hits


def new_matches(search: SavedSearch, articles: Iterable[Any], already_alerted_ids: Iterable[str]) -> list[str]:
    """Ids of matching articles not alerted on before, in input order, each once."""
    seen = set(already_alerted_ids)
    fresh: list[str] = []
    for _, article_id in search_hits([search], articles):
        if article_id not in seen:
            seen.add(article_id)
            fresh.append(article_id)
    return fresh


def local_day(published_at: str | None) -> date | None:
    """The day an article counts for in daily series: its publication date in its own local time (the
    offset as extracted), not in UTC, so a story is counted on the day its readers saw it."""
    if not published_at:
        return None
    try:
        return datetime.fromisoformat(published_at).date()
    except ValueError:
        return None


@dataclass(frozen=True)
class Spike:
    date: date
    count: int
    baseline_mean: float
    ratio: float | None  # count / baseline_mean; None when the baseline is 0


def _as_day(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def detect_spikes(
    daily_counts: Iterable[tuple[date | datetime | str, int]],
    window: int = 14,
    factor: float = 3.0,
    min_count: int = 3,
    *,
    start: date | None = None,
    end: date | None = None,
) -> list[Spike]:
    """Days whose count jumps against the mean of the `window` days before.

    - The series runs from `start` (default: first day given) to `end` (default: last day given); days
      missing in between count 0, repeated days are added up, days outside are ignored.
    - A day is judged only once it has a full window of days before it in the series; pass `start` to
      say from when zeros are real.
    - Spike: count >= min_count and count >= factor * baseline_mean. When the baseline is 0 every ratio
      is infinite, so min_count alone decides (a first burst of min_count articles after a quiet window
      is news); ratio is then None.
    """
    SpikeSettings(window, factor, min_count)  # same checks as for saved searches
    counts: dict[date, int] = defaultdict(int)
    for day, count in daily_counts:
        counts[_as_day(day)] += int(count)
    if not counts and (start is None or end is None):
        return []
    first = start or min(counts)
    last = end or max(counts)
    series = [counts.get(first + timedelta(days=i), 0) for i in range((last - first).days + 1)]
    spikes: list[Spike] = []
    running = sum(series[:window])
    for i in range(window, len(series)):
        baseline = running / window
        count = series[i]
        if count >= min_count and (baseline == 0 or count >= factor * baseline):
            ratio = count / baseline if baseline else None
            spikes.append(Spike(first + timedelta(days=i), count, baseline, ratio))
        running += count - series[i - window]
    return spikes
