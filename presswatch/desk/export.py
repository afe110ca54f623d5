"""Exports for pandas, polars, notebooks and BI tools: one table as Parquet or CSV, with documented columns.

DuckDB writes the files itself (COPY), from a read-only connection. `articles` as Parquet is a folder
partitioned by publication month (month=2025-01/..., month=undated/...), read back with
read_parquet('DIR/**/*.parquet', hive_partitioning = true); everything else is one file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

FORMATS = ("parquet", "csv")

# table -> (query, {column: meaning}); the README's "Exports" table is this dictionary.
EXPORTS: dict[str, tuple[str, dict[str, str]]] = {
    "articles": (
        "SELECT a.article_id, a.day, coalesce(strftime(a.day, '%Y-%m'), 'undated') AS month, a.published_at,"
        " a.published_utc, a.outlet, a.outlet_canonical, a.region, a.kind, a.language, a.script, a.title,"
        " ar.authors, ar.url, ar.text, a.story_key, a.landed_at"
        " FROM summary_articles a JOIN articles ar USING (article_id) ORDER BY a.published_utc NULLS LAST, a.article_id",
        {
            "article_id": "sha256 of the normalised body", "day": "publication date as stated (NULL: undated)",
            "month": "YYYY-MM of day, or 'undated' (the Parquet partition)",
            "published_at": "ISO 8601 local time as stated", "published_utc": "the same instant in UTC",
            "outlet": "outlet as extracted, else platform, else (unknown)",
            "outlet_canonical": "the outlet directory's name (else outlet)",
            "region": "mainland | hongkong | taiwan | overseas (NULL: not in the directory)",
            "kind": "state | commercial | foreign | portal", "language": "BCP 47 language",
            "script": "Hans | Hant", "title": "title", "authors": "list of bylines", "url": "canonical URL",
            "text": "main text", "story_key": "URL, else source path: versions share it",
            "landed_at": "when it entered the warehouse",
        },
    ),
    "figures": (
        "SELECT f.article_id, a.day, f.outlet, a.outlet_canonical, f.quantity, f.subject, f.value, f.unit,"
        " f.approx, f.qualifier, f.raw, f.sentence FROM figures f LEFT JOIN summary_articles a USING (article_id)"
        " ORDER BY f.quantity, f.subject, f.value, f.article_id",
        {
            "article_id": "article", "day": "its publication date", "outlet": "outlet as extracted",
            "outlet_canonical": "directory name", "quantity": "what the number counts (training_cost ...)",
            "subject": "entity it is about", "value": "in base units", "unit": "USD, CNY, GPU, % ...",
            "approx": "hedged (约, 超过)", "qualifier": "approx | over | under", "raw": "as written",
            "sentence": "the sentence it is in",
        },
    ),
    "stories": (
        "SELECT s.story_id, s.title, s.first_seen, s.last_seen, s.n_outlets, s.n_articles, m.article_id,"
        " a.outlet_canonical AS outlet, a.day, m.similarity, m.article_id = s.original_article_id AS is_original,"
        " m.link_reason FROM stories s JOIN story_members m USING (story_id)"
        " LEFT JOIN summary_articles a ON a.article_id = m.article_id ORDER BY s.first_seen NULLS LAST, s.story_id, a.day",
        {
            "story_id": "its earliest article", "title": "title of the original", "first_seen": "earliest publication",
            "last_seen": "latest publication", "n_outlets": "outlets carrying it", "n_articles": "articles in it",
            "article_id": "a member article (one row per member)", "outlet": "member's outlet (directory name)",
            "day": "member's publication date", "similarity": "estimated Jaccard to the original",
            "is_original": "this member is the one the others copy",
            "link_reason": "attribution_source | attribution_title | earliest",
        },
    ),
    "mentions": (
        "SELECT m.article_id, a.day, a.outlet, a.outlet_canonical, a.region, m.entity, m.entity_type, m.mentions"
        " FROM entity_mentions m JOIN summary_articles a USING (article_id) ORDER BY a.day NULLS LAST, m.article_id, m.entity",
        {
            "article_id": "article", "day": "publication date", "outlet": "outlet as extracted",
            "outlet_canonical": "directory name", "region": "directory region", "entity": "watchlist name",
            "entity_type": "org | person | place | product | outlet", "mentions": "times named in title + text",
        },
    ),
    "alerts": (
        "SELECT al.alert_id, al.kind, al.search, al.status, al.article_id, al.day, al.count, al.baseline, al.ratio,"
        " al.created_at, al.status_changed_at, al.status_note, al.title, al.outlet, al.url"
        " FROM alerts al ORDER BY al.created_at, al.alert_id",
        {
            "alert_id": "id (ack/close take it or a prefix)", "kind": "match | spike", "search": "saved search",
            "status": "open | acknowledged | closed", "article_id": "match: the article",
            "day": "spike: the day (match: the article's)", "count": "spike: matches that day",
            "baseline": "spike: mean per day before", "ratio": "spike: count / baseline",
            "created_at": "raised", "status_changed_at": "last ack/close", "status_note": "note given then",
            "title": "match: article title", "outlet": "match: outlet", "url": "match: URL",
        },
    ),
}


class ExportError(ValueError):
    pass


def _literal(path: Path) -> str:
    # COPY takes no bound file name: quote it as an SQL string literal.
    return "'" + str(path).replace("'", "''") + "'"


def export_table(
    con: duckdb.DuckDBPyConnection, table: str, fmt: str, out: str | Path, overwrite: bool = False
) -> dict[str, object]:
    """Write `table` (a key of EXPORTS) to `out`; returns rows written and the path."""
    if table not in EXPORTS:
        raise ExportError(f"unknown table {table!r}; exportable: {', '.join(EXPORTS)}")
    if fmt not in FORMATS:
        raise ExportError(f"format must be parquet or csv, got {fmt!r}")
    out = Path(out)
    if out.exists() and not overwrite:
        raise ExportError(f"{out} exists; pass --overwrite to replace it")
    query, _ = EXPORTS[table]
    partitioned = table == "articles" and fmt == "parquet"
    if out.exists():
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    out.parent.mkdir(parents=True, exist_ok=True)
    options = "FORMAT parquet, PARTITION_BY (month)" if partitioned else (
        "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true")  # fmt: skip
    con.execute(f"COPY ({query}) TO {_literal(out)} ({options})")
    rows = con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0]
    return {"table": table, "format": fmt, "path": str(out), "rows": int(rows), "partitioned_by": "month" if partitioned else None}


def read_back_sql(table: str, fmt: str, out: str | Path) -> str:
    """The DuckDB expression that reads an export back (what the README shows)."""
    path = Path(out)
    if table == "articles" and fmt == "parquet":
        return f"read_parquet({_literal(path / '**' / '*.parquet')}, hive_partitioning = true)"
    return f"read_{fmt}({_literal(path)})"
