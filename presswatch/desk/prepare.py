"""What the desk needs written before a reader can use it, done by the summaries run (one call).

Reloads the outlet directory (the YAML file is the source of truth; the tables are its copy), resolves the
outlet of new articles (desk_article_outlets), adds the search form of new articles to search_text and
their keys to the search index, and copies the terms analysed since the last run. Runs on the caller's
read-write connection, after migrations and views. Every step only does what is new.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from presswatch.desk.gramindex import index_grams
from presswatch.desk.outlets import load_directory, store_directory
from presswatch.desk.outlets_map import materialise_outlets
from presswatch.desk.termcounts import index_terms
from presswatch.desk.textindex import index_pending


def prepare_desk(con: duckdb.DuckDBPyConnection, outlets_path: str | Path, workers: int = 1) -> dict[str, Any]:
    """Load the directory (a missing file leaves the tables as they are), then index pending articles.

    A malformed directory raises DirectoryError naming the file and entry, before anything is written."""
    path = Path(outlets_path)
    loaded = store_directory(con, load_directory(path)) if path.exists() else {"outlets": None}
    # In this order: an article numbered by index_grams is then always resolved by materialise_outlets,
    # which a search relies on when every article is numbered (presswatch/desk/search.py select_universe).
    done = {"indexed": index_pending(con, workers=workers), "index_keys": index_grams(con, workers=workers)}
    return loaded | done | materialise_outlets(con) | {"terms": index_terms(con)}


def finish_desk(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """After the summaries' analyses: copy the terms they just wrote (else they wait for the next run)."""
    return {"terms": index_terms(con)}
