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
