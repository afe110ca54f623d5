"""Reading a warehouse whole in tests: every value of every table, raw inputs decompressed."""

from __future__ import annotations

import duckdb

from presswatch.store.rawcodec import unpack


def all_warehouse_text(db: str) -> str:
    """Every value of every table and view as text, plus every document's raw bytes as received (stored
    compressed, so a scan of the stored values alone would never find what a document holds)."""
    with duckdb.connect(db, read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        values = [repr(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables]
        raws = con.execute("SELECT raw, raw_codec FROM documents WHERE raw IS NOT NULL").fetchall()
    values += [(unpack(raw, codec) or b"").decode("utf-8", "replace") for raw, codec in raws]
    return "\n".join(values)
