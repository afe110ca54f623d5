"""Extraction of a batch across processes.

trafilatura holds the GIL (threads gain ~1.1x on 2 cores, processes ~2.2x), so a batch is spread over a
process pool. Small batches stay in-process: starting workers costs more than it saves.
"""

from __future__ import annotations

from presswatch.limits import over_size_cap
from presswatch.records import Article, RawDocument, Rejection
from presswatch.workpool import get_pool

MIN_DOCS_PER_WORKER = 8


def extract_one(raw: RawDocument, max_bytes: int) -> Article | Rejection:
    from presswatch.extract.document import extract_document

    too_large = over_size_cap(raw.byte_size, max_bytes)
    if too_large:
        # A file read over the cap holds only its head (ingest/sources.py); a smaller input is kept whole.
        kept = f"first {len(raw.data):,} bytes kept" if raw.truncated else "raw bytes kept"
        return Rejection(raw.source, raw.sha256, "read", [f"{too_large}; {kept}"], {"byte_size": raw.byte_size})
    try:
        return extract_document(raw)
    except Exception as exc:  # a bug in a rule must cost one document, not the batch
        return Rejection(raw.source, raw.sha256, "extract", [f"extractor error: {type(exc).__name__}: {exc}"])


def extract_many(raws: list[RawDocument], *, workers: int, max_bytes: int) -> dict[str, Article | Rejection]:
    """doc_sha256 -> result, one extraction per distinct content even if it came under several names."""
    unique = list({r.sha256: r for r in raws}.values())
    if workers <= 1 or len(unique) < MIN_DOCS_PER_WORKER * 2:
        return {r.sha256: extract_one(r, max_bytes) for r in unique}
    pool = get_pool(workers)
    chunk = max(1, len(unique) // (workers * 4))
    results = pool.map(extract_one, unique, [max_bytes] * len(unique), chunksize=chunk)
    return {r.sha256: res for r, res in zip(unique, results, strict=True)}
