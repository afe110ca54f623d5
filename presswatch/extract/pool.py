"""Extraction of a batch across processes (or a Dask cluster), started now and collected later.

trafilatura holds the GIL (threads gain ~1.1x on 2 cores, processes ~2.2x), so a batch is spread over the
shared executor (presswatch/workpool.py). `submit_many` only enqueues the batch's chunks and returns, so the
flow can read the next batch, or validate and land the previous one, while the workers extract this one.
Small batches stay in-process when no pool is running: starting workers costs more than it saves.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field

from presswatch.limits import over_size_cap
from presswatch.records import Article, RawDocument, Rejection
from presswatch.store.rawcodec import Packed, pack
from presswatch.workpool import cluster_address, get_pool, warm

MIN_DOCS_PER_WORKER = 8
CHUNKS_PER_WORKER = 4  # several chunks per worker per batch, so one slow page does not idle the others
# ...and at most this many pages a chunk (~0.4 s of work), so that the run's last chunks end close together:
# a quarter of a worker's share of a 1,000-page batch was ~110 pages, and the last batch ended with one worker
# busy for up to a chunk (~1 s) while the other had nothing left.
MAX_CHUNK_DOCS = 16

Result = Article | Rejection


def extract_one(raw: RawDocument, max_bytes: int) -> Result:
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


def extract_chunk(
    raws: list[RawDocument], max_bytes: int, compress: bool = True
) -> list[tuple[Result, Packed | None]]:
    """What a worker runs: bytes in, records out, each with its input's bytes as documents.raw stores them
    (rawcodec.pack); no warehouse, no settings, no Prefect. Compressed here, the flow process drops each
    batch's bytes once they are sent (at 1,000-page batches its peak fell by the batch held for landing) and
    the compression runs on every worker instead of in the flow. `compress=False` for callers whose inputs
    are stored already (re-processing): None in its place."""
    return [(extract_one(raw, max_bytes), pack(raw.data) if compress else None) for raw in raws]


def load_extractors() -> None:
    """Import the extraction code and its lazy tables in a worker before the first batch arrives (with the
    collector paused: 0.84-1.07 -> 0.68-0.74 CPU s a worker)."""
    from presswatch.gcpause import gc_paused

    with gc_paused():
        from presswatch.extract.document import extract_document

        extract_document(RawDocument("warm-up.html", b"<html><body><p>warm up</p></body></html>"))


def start_workers(workers: int) -> None:
    """Start the local extraction workers in the background (a no-op on a cluster or with one worker)."""
    warm(workers, load_extractors)


@dataclass
class PendingExtraction:
    """A batch whose extraction has been started; `results()` waits for it, and fills `stored` with the
    inputs' bytes compressed for landing (extract_chunk), whether workers or this process extracted them.

    Handed to workers, the batch keeps only its inputs' digests: the bytes live in the executor's queue until
    a worker has them."""

    digests: list[str]  # of the distinct inputs, in submission order
    max_bytes: int
    compress: bool = True
    unique: list[RawDocument] = field(default_factory=list)  # extracted in-process by results(), if not handed over
    futures: list[Future[list[tuple[Result, Packed | None]]]] = field(default_factory=list)
    stored: dict[str, Packed] = field(default_factory=dict)  # doc_sha256 -> rawcodec.pack(bytes)

    def results(self) -> dict[str, Result]:
        if self.futures:
            out = [item for fut in self.futures for item in fut.result()]
        else:  # in-process: extracted now, by the caller
            out = extract_chunk(self.unique, self.max_bytes, self.compress)
        results: dict[str, Result] = {}
        for sha, (result, stored) in zip(self.digests, out, strict=True):
            results[sha] = result
            if stored is not None:
                self.stored[sha] = stored
        return results

    @property
    def handed_over(self) -> bool:
        """The inputs went to workers: the caller may drop their bytes (RawDocument.without_data)."""
        return bool(self.futures)


def submit_many(
    raws: list[RawDocument], *, workers: int, max_bytes: int, compress: bool = True
) -> PendingExtraction:
    """Start extracting one result per distinct content (a document under several names is done once).
    `compress`: the inputs' bytes come back compressed for landing (`stored`)."""
    unique = list({r.sha256: r for r in raws}.values())
    pending = PendingExtraction([r.sha256 for r in unique], max_bytes, compress)
    on_cluster = cluster_address() is not None
    if not unique or (not on_cluster and (workers <= 1 or len(unique) < MIN_DOCS_PER_WORKER * 2)):
        pending.unique = unique
        return pending
    pool = get_pool(workers)
    size = max(1, min(-(-len(unique) // (max(workers, 2) * CHUNKS_PER_WORKER)), MAX_CHUNK_DOCS))
    for start in range(0, len(unique), size):
        chunk = unique[start : start + size]
        pending.futures.append(pool.submit(extract_chunk, chunk, max_bytes, compress))
    return pending


def extract_many(raws: list[RawDocument], *, workers: int, max_bytes: int) -> dict[str, Result]:
    """doc_sha256 -> result, one extraction per distinct content even if it came under several names. The
    caller keeps the bytes (landing compresses what it stores), so the workers do not compress them."""
    return submit_many(raws, workers=workers, max_bytes=max_bytes, compress=False).results()
