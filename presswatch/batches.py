"""How a run splits its inputs into batches (ingest, feeds, re-processing)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def even_batches(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """Consecutive batches of at most `size` items, as few as that allows, their sizes differing by one
    at most.

    Not `size`, `size`, ..., remainder: the last batch is validated and landed while the workers have
    nothing left to extract, and a small remainder costs a batch's fixed costs (a GX run, a checkpoint)
    for a few inputs. 2,005 pages in batches of 500 ended with a batch of 5 that kept one core busy for
    4.6 s after extraction was over; as 5 x 401 the run ends with one batch of 401.
    """
    size = max(1, size)
    n_batches = -(-len(items) // size)
    start = 0
    for i in range(n_batches):
        end = start + len(items) // n_batches + (1 if i < len(items) % n_batches else 0)
        yield list(items[start:end])
        start = end


LAST_SHARE = 1 / 3  # the size of a pipelined run's last batch, relative to the others


def tapered_batches(items: Sequence[T], size: int, last_share: float = LAST_SHARE) -> Iterator[list[T]]:
    """Even batches (see above), except that the last one is about `last_share` of the others.

    For a pipeline that extracts batch N+1 while it validates and lands batch N: the last batch is
    validated and landed after the workers have finished, with one core idle, so it is made small; it is
    still large enough for its extraction to last about as long as the batch before it takes to validate
    and land (a batch's extraction on two workers takes ~3x its validation and landing), so the workers
    do not wait for it either.
    """
    size = max(1, size)
    n_batches = -(-len(items) // size)
    if n_batches < 2:
        yield from even_batches(items, size)
        return
    last = max(1, round(len(items) * last_share / (n_batches - 1 + last_share)))
    yield from even_batches(items[: len(items) - last], size)
    yield list(items[len(items) - last :])
