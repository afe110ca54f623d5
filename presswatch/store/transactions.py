"""transaction(): BEGIN ... COMMIT on a warehouse connection, joined by inner transaction() calls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_IN_TRANSACTION: set[int] = set()  # connections inside transaction(): an inner one joins the outer


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT, rolled back on any error: what is written inside lands wholly or not at all.
    Inside another transaction() on the same connection it joins that one, which commits or rolls back
    the whole (a step and the mark saying it was applied must land together)."""
    if id(con) in _IN_TRANSACTION:
        yield
        return
    con.execute("BEGIN TRANSACTION")
    _IN_TRANSACTION.add(id(con))
    try:
        yield
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        _IN_TRANSACTION.discard(id(con))
