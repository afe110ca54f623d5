"""Row marks: where the desk stopped reading an append-only table, so the next run reads only what follows.

A mark (desk_state key `rows:<name>`) holds the table's row count when the desk last read it, and a
signature of the last row read (its key column). The rows at or after the mark are then exactly the new
ones, if nothing below the mark was removed or moved. `rows_since` checks that cheaply (the rows below the
mark are still `end` rows, and the row at end-1 is still the one read); when it cannot tell, it answers
None and the caller takes its full path (an anti-join over the whole table), then marks the end.
"""

from __future__ import annotations

import duckdb

# Table and key names come from this package only (never from input): they are formatted into SQL.


def _key(name: str) -> str:
    return f"rows:{name}"


def _signature(con: duckdb.DuckDBPyConnection, table: str, column: str, end: int) -> str:
    if end <= 0:
        return ""
    row = con.execute(f"SELECT {column} FROM {table} WHERE rowid = ?", [end - 1]).fetchall()
    return str(row[0][0]) if row else ""


def rows_since(con: duckdb.DuckDBPyConnection, name: str, table: str, column: str) -> int | None:
    """The first row of `table` not read under mark `name`, or None when the mark is missing or stale."""
    stored = con.execute("SELECT value FROM desk_state WHERE key = ?", [_key(name)]).fetchall()
    if not stored:
        return None
    end_text, _, signature = stored[0][0].partition("|")
    end = int(end_text)
    below = con.execute(f"SELECT count(*) FROM {table} WHERE rowid < ?", [end]).fetchall()[0][0]
    if below != end or _signature(con, table, column, end) != signature:
        return None
    return end


def table_end(con: duckdb.DuckDBPyConnection, table: str, since: int = 0) -> int:
    """One past the last rowid of `table` (reads the rows from `since` on only)."""
    return int(con.execute(f"SELECT coalesce(max(rowid) + 1, ?) FROM {table} WHERE rowid >= ?", [since, since]).fetchall()[0][0])


def set_mark(con: duckdb.DuckDBPyConnection, name: str, table: str, column: str, end: int) -> None:
    """Record that every row of `table` below `end` was read (inside the caller's transaction)."""
    value = f"{end}|{_signature(con, table, column, end)}"
    con.execute("INSERT OR REPLACE INTO desk_state VALUES (?, ?)", [_key(name), value])


def drop_mark(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute("DELETE FROM desk_state WHERE key = ?", [_key(name)])
