"""How the raw bytes of an input are stored in `documents.raw`: zstd frames, marked in `raw_codec`.

Why not let DuckDB compress them (it does, ZSTD, migration 013): every landed batch's checkpoint rewrites
the table's last, partly filled row group (2,048 rows), so DuckDB compressed each page again at every batch
until its row group filled - at 2,000 HTML pages landed in batches of 500, 7.1 CPU s of checkpoints, the
largest cost of the flow process. Compressed once here, before the insert, the same pages cost 1.3 s to
compress and 0.7 s of checkpoints, and the file is 10 % larger (118 against 107 MB).

Rows landed before migration 022 have `raw_codec` NULL: their bytes are stored as received. Readers go
through `unpack` (or `presswatch raw` on the command line), never `documents.raw` directly.
"""

from __future__ import annotations

import threading
from pathlib import Path

import zstandard

from presswatch.settings import DEFAULT_LOCK_TIMEOUT_S

CODEC = "zstd"
LEVEL = 3  # zstd's default: level 1 compressed the pages 25 % faster but the file grew another 6 %

Packed = tuple[bytes, str]  # what `pack` gives: the stored bytes and their codec, landed together

# zstandard's (de)compressor objects are not safe to share between threads; one per thread is cheap.
_local = threading.local()


def pack(data: bytes) -> Packed:
    """(stored bytes, codec) for an input's raw bytes."""
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=LEVEL)
    return compressor.compress(data), CODEC


def unpack(stored: bytes | None, codec: str | None) -> bytes | None:
    """The raw bytes as received, from a `documents` row's `raw` and `raw_codec`."""
    if stored is None or codec is None:
        return None if stored is None else bytes(stored)
    if codec != CODEC:
        raise ValueError(f"documents.raw_codec {codec!r} is not one presswatch knows ({CODEC!r} or NULL)")
    decompressor = getattr(_local, "decompressor", None)
    if decompressor is None:
        decompressor = _local.decompressor = zstandard.ZstdDecompressor()
    # compress() writes the content size into the frame header, so the output size is known and bounded.
    return bytes(decompressor.decompress(stored))


def stored_raw(
    db_path: Path | str, key: str, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> list[tuple[str, bytes]]:
    """(source, bytes as received) of the documents whose sha256 or source is `key`, or whose sha256
    starts with it (at least 8 hex digits); a head sample only for an input over the size cap."""
    from presswatch.store.connections import connection  # here: landing imports pack, and stays DuckDB-free

    prefix = key.lower() + "%" if len(key) >= 8 and all(c in "0123456789abcdefABCDEF" for c in key) else None
    with connection(db_path, read_only=True, timeout_s=timeout_s) as con:
        rows = con.execute(
            "SELECT source, raw, raw_codec FROM documents WHERE raw IS NOT NULL"
            " AND (source = ? OR doc_sha256 LIKE ?) ORDER BY first_seen, source",
            [key, prefix or key],
        ).fetchall()
    return [(source, unpack(raw, codec) or b"") for source, raw, codec in rows]
