"""The outlet directory (seeds/outlets.yaml): canonical outlets, their aliases, domains and groups.

Articles carry outlets as bare strings (纽约时报中文网, "The New York Times Chinese", a platform "qq", a URL on
cn.nytimes.com). The directory names the outlet behind each spelling; loaded into DuckDB tables
(warehouse/migrations/006_desk.sql) every summaries run, it lets the view `article_outlets` resolve every
article with plain equi-joins, so a new article is resolved the moment it lands.

Alias keys: NFKC, case folded, without whitespace, in simplified script, in the traditional forms OpenCC
gives (s2t, s2tw, s2hk) and in mixed spellings, so the directory lists one script and finds both. The SQL
side looks an article's strings up as lower(replace(x, ' ', '')).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from presswatch.store.db import insert_frame, transaction
from presswatch.text import opencc_table, to_simplified

REGIONS = ("mainland", "hongkong", "taiwan", "overseas")
KINDS = ("state", "commercial", "foreign", "portal")
_ENTRY_KEYS = frozenset({"name", "aliases", "domains", "region", "kind", "collections"})
_TOP_KEYS = frozenset({"collections", "outlets"})
MAX_SPELLINGS = 256  # mixed-script spellings generated per alias, at most
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


class DirectoryError(ValueError):
    """The outlet directory cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Outlet:
    name: str
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    region: str
    kind: str
    collections: tuple[str, ...]


@dataclass(frozen=True)
class Directory:
    outlets: tuple[Outlet, ...]
    collections: dict[str, str]  # name -> description

    def alias_keys(self) -> dict[str, str]:
        """alias key -> canonical name (collisions are rejected when the directory is parsed)."""
        return {key: o.name for o in self.outlets for key in outlet_keys(o)}

    def domain_owner(self) -> dict[str, str]:
        return {d: o.name for o in self.outlets for d in o.domains}


@lru_cache(maxsize=4)
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def name_key(name: str) -> str:
    """The form a name is compared in: NFKC, case folded, without whitespace. SQL looks an article's
    string up as lower(replace(x, ' ', '')): a plain function, as a regex over every article costs seconds."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def name_keys(name: str) -> set[str]:
    """The name's key in simplified script, in the traditional forms OpenCC gives, and (for names of
    few variant characters) every mix of each character's simplified and traditional forms: 时代周报 is
    written 時代周報 as well as 時代週報, and mixed-script spellings occur in the wild."""
    simplified = to_simplified(name_key(name))
    keys = {name_key(name), simplified}
    keys |= {str(_converter(c).convert(simplified)) for c in ("s2t", "s2tw", "s2hk")}
    table = opencc_table("STCharacters.txt")
    options = [(ch, *table.get(ch, ())) for ch in simplified]
    if math.prod(len(set(o)) for o in options) <= MAX_SPELLINGS:
        keys |= {"".join(chars) for chars in itertools.product(*(dict.fromkeys(o) for o in options))}
    return {k for k in keys if k}


def outlet_keys(outlet: Outlet) -> set[str]:
    return {k for alias in (outlet.name, *outlet.aliases) for k in name_keys(alias)}


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DirectoryError(f"{where}: {key} must be a list of non-empty strings (quote numbers), got {value!r}")
    return tuple(v.strip() for v in value)


def _outlet(raw: Any, where: str, collections: Mapping[str, str]) -> Outlet:
    if not isinstance(raw, Mapping):
        raise DirectoryError(f"{where}: expected a mapping with name, region, kind, got {raw!r}")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise DirectoryError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(_ENTRY_KEYS)})")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise DirectoryError(f"{where}: needs a 'name' string")
    for key, allowed in (("region", REGIONS), ("kind", KINDS)):
        if raw.get(key) not in allowed:
            raise DirectoryError(f"{where}: {key} must be one of {', '.join(allowed)}, got {raw.get(key)!r}")
    domains = tuple(d.lower().removeprefix("www.") for d in _strings(raw.get("domains"), where, "domains"))
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise DirectoryError(f"{where}: {domain!r} is not a domain (write cn.nytimes.com, no scheme or path)")
    groups = _strings(raw.get("collections"), where, "collections")
    for group in groups:
        if group not in collections:
            raise DirectoryError(f"{where}: collection {group!r} is not in the top-level collections list")
    return Outlet(name.strip(), _strings(raw.get("aliases"), where, "aliases"), domains, raw["region"],
                  raw["kind"], groups)  # fmt: skip


def parse_directory(data: Any, source: str = "<outlets>") -> Directory:
    if not isinstance(data, Mapping) or not isinstance(data.get("outlets"), list):
        raise DirectoryError(f"{source}: expected a mapping with an 'outlets' list")
    if set(data) - _TOP_KEYS:
        raise DirectoryError(f"{source}: unknown top-level keys {sorted(set(data) - _TOP_KEYS)}")
    collections = data.get("collections") or {}
    if not isinstance(collections, Mapping) or not all(isinstance(k, str) for k in collections):
        raise DirectoryError(f"{source}: collections must map a name to a description")
    outlets: list[Outlet] = []
    owners: dict[str, str] = {}
    domains: dict[str, str] = {}
    for i, raw in enumerate(data["outlets"]):
        name = raw.get("name") if isinstance(raw, Mapping) else None
        where = f"{source}: outlet {name!r}" if name else f"{source}: outlet #{i + 1}"
        outlet = _outlet(raw, where, collections)
        for alias in (outlet.name, *outlet.aliases):
            plain = name_key(alias)
            for key in [plain, *sorted(name_keys(alias) - {plain})]:  # the spelling as written first
                if owners.get(key, outlet.name) != outlet.name:
                    written = f" (spelled {key!r})" if key != plain else ""
                    raise DirectoryError(f"{where}: alias {alias!r}{written} already names outlet {owners[key]!r}")
                owners[key] = outlet.name
        for domain in outlet.domains:
            if domains.get(domain, outlet.name) != outlet.name:
                raise DirectoryError(f"{where}: domain {domain!r} already belongs to {domains[domain]!r}")
            domains[domain] = outlet.name
        outlets.append(outlet)
    return Directory(tuple(outlets), {str(k): str(v or "") for k, v in collections.items()})


def load_directory(path: str | Path) -> Directory:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DirectoryError(f"{path}: not valid YAML: {exc}") from exc
    return parse_directory(data, str(path))


def store_directory(con: duckdb.DuckDBPyConnection, directory: Directory) -> dict[str, int]:
    """Replace the directory tables with this directory, in one transaction."""
    outlets = pd.DataFrame(
        [
            {"outlet_id": o.name, "region": o.region, "kind": o.kind, "aliases": list(o.aliases),
             "domains": list(o.domains)}
            for o in directory.outlets
        ]
    )
    keys = directory.alias_keys()
    aliases = pd.DataFrame({"alias_key": list(keys), "outlet_id": list(keys.values())})
    owners = directory.domain_owner()
    domains = pd.DataFrame({"domain": list(owners), "outlet_id": list(owners.values())})
    groups = pd.DataFrame(
        [{"collection": c, "outlet_id": o.name} for o in directory.outlets for c in o.collections],
        columns=["collection", "outlet_id"],
    )
    with transaction(con):
        for table in ("outlet_collections", "outlet_domains", "outlet_aliases", "outlets"):
            con.execute(f"DELETE FROM {table}")  # names from this module, not input
        insert_frame(con, "outlets", outlets)
        insert_frame(con, "outlet_aliases", aliases)
        insert_frame(con, "outlet_domains", domains)
        insert_frame(con, "outlet_collections", groups)
    return {"outlets": len(outlets), "aliases": len(aliases), "domains": len(domains)}
