"""Watchlist of named entities and where articles mention them.

Matching runs on normalised text (traditional -> simplified with OpenCC, NFKC, case folded), so 英偉達,
英伟达, NVIDIA and Ｎｖｉｄｉａ are all one entity. Mention offsets point into the caller's original text.
Plain functions: no Prefect, no DuckDB.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from presswatch.settings import PROJECT_ROOT
from presswatch.text import HAN as _HAN
from presswatch.text import HAN_CLASS, literal_trie, normalise_for_match, normalise_for_match_with_offsets

DEFAULT_WATCHLIST = PROJECT_ROOT / "seeds" / "watchlist.yaml"
ENTITY_TYPES = frozenset({"org", "person", "place", "product", "outlet"})
_ENTITY_KEYS = frozenset({"name", "type", "aliases", "exclude"})

# Latin and digit characters (after case folding) that make a word continue. Han characters are not in
# it: Chinese runs Latin names straight into Han text ("DeepSeek的"), and that must still match.
_WORDISH = "0-9a-z_\u00df-\u024f"
_HAN_GAP = re.compile(f"(?<=[{HAN_CLASS}])\\s+(?=[{HAN_CLASS}])")


def literal_pattern(normalised: str) -> str:
    """Regex for a normalised literal: Latin/digit ends must sit on word boundaries, Han ends need none.

    A space inside the literal matches any run of whitespace ("sam altman" finds "Sam\\nAltman"), or none
    between two Han characters, which Chinese writes without spaces.
    """
    parts = normalised.split()
    body = re.escape(parts[0]) if parts else ""
    for before, part in itertools.pairwise(parts):
        gap = r"\s*" if _HAN.match(before[-1]) and _HAN.match(part[0]) else r"\s+"
        body += gap + re.escape(part)
    if re.match(f"[{_WORDISH}]", normalised):
        # The boundary check sits after the first character (escaped as itself), so that the regex engine
        # skips ahead to that character instead of trying the lookbehind at every position (~20x faster).
        body = body[0] + f"(?<![{_WORDISH}].)" + body[1:]
    if re.search(f"[{_WORDISH}]$", normalised):
        body += f"(?![{_WORDISH}])"
    return body


def _collapse(text: str) -> str:
    """Spaces collapsed to one, and none between Han characters: the form aliases are looked up in."""
    return _HAN_GAP.sub("", " ".join(text.split()))


def _alias_key(alias: str) -> str:
    return _collapse(normalise_for_match(alias))


def _is_wordish(ch: str) -> bool:
    return bool(re.match(f"[{_WORDISH}]", ch))


def trie_regex(literals: Iterable[str]) -> str:
    """One regex for many normalised literals, shaped as a trie so a position fails after one character.

    A flat alternation of ~80 aliases took 14 ms per article; the trie form 0.2 ms. At each node longer
    continuations come before the end of a shorter literal, so the longest literal at a position wins;
    the scan goes left to right, so matches never overlap. The word-boundary check for a leading Latin
    character comes after that character so the regex engine can still skip ahead on first characters.
    """
    trie = literal_trie(literals)

    def render(node: dict[str, Any], depth: int, last: str) -> str:
        alts = []
        for ch in sorted(k for k in node if k):
            piece = r"\s+" if ch == " " else re.escape(ch)
            if depth == 0 and _is_wordish(ch):
                piece += f"(?<![{_WORDISH}].)"
            alts.append(piece + render(node[ch], depth + 1, ch))
        if "" in node:
            alts.append(f"(?![{_WORDISH}])" if _is_wordish(last) else "")
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return render(trie, 0, "") if trie else "(?!)"


@dataclass(frozen=True)
class Entity:
    name: str
    type: str
    aliases: tuple[str, ...]  # as written in the watchlist; the name is always one of them
    exclude: tuple[str, ...] = ()  # longer phrases that contain an alias but mean something else


@dataclass(frozen=True)
class Mention:
    entity: str
    alias: str  # the watchlist alias that matched, as written there
    start: int  # offsets into the original text: text[start:end] is the surface form
    end: int


@dataclass(frozen=True)
class Watchlist:
    entities: tuple[Entity, ...]

    @cached_property
    def _lookup(self) -> dict[str, tuple[str, str] | None]:
        """Normalised alias -> (entity, alias); excluded phrases map to None (they match but count nothing)."""
        lookup: dict[str, tuple[str, str] | None] = {}
        for entity in self.entities:
            for phrase in entity.exclude:
                lookup.setdefault(_alias_key(phrase), None)
            for alias in entity.aliases:
                lookup[_alias_key(alias)] = (entity.name, alias)
        return lookup

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        return re.compile(trie_regex(self._lookup), re.DOTALL)

    def entity(self, name: str) -> Entity:
        for entity in self.entities:
            if entity.name == name:
                return entity
        raise KeyError(name)


def _as_str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: expected a list of non-empty strings, got {value!r}")
    return [v.strip() for v in value]


def parse_watchlist(data: Any, source: str = "<watchlist>") -> Watchlist:
    """Build a Watchlist from parsed YAML; raises ValueError naming the entity at fault."""
    if not isinstance(data, Mapping) or not isinstance(data.get("entities"), list):
        raise ValueError(f"{source}: expected a mapping with an 'entities' list")
    entities: list[Entity] = []
    owner: dict[str, str] = {}  # normalised alias -> entity name, to refuse one alias for two entities
    for i, raw in enumerate(data["entities"]):
        where = f"{source}: entity #{i + 1}"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
            raise ValueError(f"{where}: needs a non-empty 'name'")
        name = raw["name"].strip()
        where = f"{source}: entity {name!r}"
        unknown = set(raw) - _ENTITY_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        kind = raw.get("type")
        if kind not in ENTITY_TYPES:
            raise ValueError(f"{where}: type must be one of {sorted(ENTITY_TYPES)}, got {kind!r}")
        aliases = list(dict.fromkeys([name, *_as_str_list(raw.get("aliases"), where)]))
        for alias in aliases:
            key = _alias_key(alias)
            if owner.setdefault(key, name) != name:
                raise ValueError(f"{where}: alias {alias!r} already belongs to {owner[key]!r}")
        exclude = tuple(_as_str_list(raw.get("exclude"), where))
        entities.append(Entity(name=name, type=kind, aliases=tuple(aliases), exclude=exclude))
    return Watchlist(entities=tuple(entities))


def load_watchlist(path: str | Path = DEFAULT_WATCHLIST) -> Watchlist:
    path = Path(path)
    return parse_watchlist(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


@lru_cache(maxsize=1)
def default_watchlist() -> Watchlist:
    return load_watchlist(DEFAULT_WATCHLIST)


def find_mentions(watchlist: Watchlist, text: str) -> list[Mention]:
    """Every watchlist mention in text, left to right, longest alias winning, without overlaps."""
    if not text or not watchlist.entities:
        return []
    normalised, offsets = normalise_for_match_with_offsets(text)
    mentions: list[Mention] = []
    for match in watchlist._pattern.finditer(normalised):
        hit = watchlist._lookup[_collapse(match.group())]
        if hit is None:
            continue
        start = offsets[match.start()]
        end = offsets[match.end()] if match.end() < len(offsets) else len(text)
        mentions.append(Mention(entity=hit[0], alias=hit[1], start=start, end=end))
    return mentions


def article_field(article: Any, name: str) -> Any:
    """A field of an article given as a mapping (DataFrame row dict) or an object (Article dataclass)."""
    if isinstance(article, Mapping):
        return article.get(name)
    return getattr(article, name, None)


def article_body(article: Any) -> str:
    """Title and text together: a name in the headline is a mention too."""
    parts = [article_field(article, "title"), article_field(article, "text")]
    return "\n".join(p for p in parts if p)


def mentions_per_article(watchlist: Watchlist, articles: Iterable[Any]) -> list[tuple[str, str, int]]:
    """(article_id, entity, count) for every entity an article mentions, most-mentioned first."""
    rows: list[tuple[str, str, int]] = []
    for article in articles:
        counts = Counter(m.entity for m in find_mentions(watchlist, article_body(article)))
        article_id = article_field(article, "article_id")
        rows.extend((article_id, entity, n) for entity, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return rows


def jieba_dictionary(watchlist: Watchlist) -> list[str]:
    """Simplified aliases that contain Han characters, for jieba's user dictionary.

    Latin aliases are left out: jieba already keeps runs of Latin letters whole, and its dictionary
    cannot hold words with spaces.
    """
    words = {
        _collapse(normalise_for_match(alias, fold_case=False))
        for entity in watchlist.entities
        for alias in entity.aliases
        if _HAN.search(alias)
    }
    return sorted(w for w in words if " " not in w)
