"""What the desk needs written before a reader can use it, done by the summaries run (one call).

Reloads the outlet directory (the YAML file is the source of truth; the tables are its copy) and adds
the search form of new articles to search_text. Runs on the caller's read-write connection, after
migrations and views.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from presswatch.desk.outlets import load_directory, store_directory
from presswatch.desk.textindex import index_pending


def prepare_desk(con: duckdb.DuckDBPyConnection, outlets_path: str | Path, workers: int = 1) -> dict[str, Any]:
    """Load the directory (a missing file leaves the tables as they are) and index pending articles.

    A malformed directory raises DirectoryError naming the file and entry, before anything is written."""
    path = Path(outlets_path)
    loaded = store_directory(con, load_directory(path)) if path.exists() else {"outlets": None}
    return loaded | {"indexed": index_pending(con, workers=workers)}
