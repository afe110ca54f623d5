"""The two answers the search tests compare: the full scan's predicate, and the search as the desk runs it."""

from __future__ import annotations

import duckdb

from presswatch.desk.search import Filters, run_search
from presswatch.desk.textindex import compile_predicate
from presswatch.summaries.searches import parse_query


def scan_ids(con: duckdb.DuckDBPyConnection, query_text: str) -> set[str]:
    """The articles a full scan of the search form matches: the reference every index answer must equal."""
    sql, values = compile_predicate(parse_query(query_text), "body")
    return {r[0] for r in con.execute(f"SELECT article_id FROM search_text WHERE {sql}", values).fetchall()}


def search_ids(con: duckdb.DuckDBPyConnection, query_text: str) -> tuple[set[str], dict[str, int]]:
    """The articles `presswatch search` matches, and its index statistics."""
    answer = run_search(con, query_text, Filters())
    return {r[0] for r in con.execute("SELECT article_id FROM desk_matches").fetchall()}, answer["index"]
