"""How a run splits its inputs into batches (ingest, feeds, re-processing)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def even_batches(
    items: Sequence[T],
    size: int,
    n_batches: int = 0,
    *,
    size_of: Callable[[T], int] | None = None,
    max_bytes: int | None = None,
) -> Iterator[list[T]]:
    """Consecutive batches of at most `size` items, as few as that allows (or `n_batches`, if more), their
    sizes differing by one at most; with `size_of` and `max_bytes`, of at most `max_bytes` too (see
    `tapered_batches`).

    Not `size`, `size`, ..., remainder: the last batch is validated and landed while the workers have
    nothing left to extract, and a small remainder costs a batch's fixed costs (a GX run, a checkpoint)
    for a few inputs. 2,005 pages in batches of 500 ended with a batch of 5 that kept one core busy for
    4.6 s after extraction was over; as 5 x 401 the run ends with one batch of 401.
    """
    n = max(-(-len(items) // max(1, size)), n_batches, _count_for_bytes(items, size_of, max_bytes, 1.0))
    return _capped(_even(items, n), size_of, max_bytes)


def _even(items: Sequence[T], n_batches: int) -> Iterator[list[T]]:
    n_batches = min(n_batches, len(items))
    start = 0
    for i in range(n_batches):
        end = start + len(items) // n_batches + (1 if i < len(items) % n_batches else 0)
        yield list(items[start:end])
        start = end


LAST_SHARE = 1 / 3  # the size of a pipelined run's last batch, relative to the others


def tapered_batches(
    items: Sequence[T],
    size: int,
    last_share: float = LAST_SHARE,
    *,
    size_of: Callable[[T], int] | None = None,
    max_bytes: int | None = None,
) -> Iterator[list[T]]:
    """Even batches (see above), except that the last one is about `last_share` of the others.

    For a pipeline that extracts batch N+1 while it validates and lands batch N: the last batch is
    validated and landed after the workers have finished, with one core idle, so it is made small; it is
    still large enough for its extraction to last about as long as the batch before it takes to validate
    and land (a batch's extraction on two workers takes ~3x its validation and landing), so the workers
    do not wait for it either.

    With `size_of` and `max_bytes`, there are also enough batches for each to hold `max_bytes` or less on
    average: what a batch holds in memory follows its bytes, not its count of items (where the count
    allows 1,000, 2,000 pages of ~170 kB make 3 batches at 160 MB and 20,000 make 23, all of about the same
    bytes); a batch that still holds more (a run of large files) is split (`within_bytes`).
    """
    n_batches = max(-(-len(items) // max(1, size)), _count_for_bytes(items, size_of, max_bytes, last_share))
    n_batches = min(n_batches, len(items))
    if n_batches < 2:
        return _capped(_even(items, n_batches), size_of, max_bytes)
    last = max(1, round(len(items) * last_share / (n_batches - 1 + last_share)))
    head = even_batches(items[: len(items) - last], size, n_batches - 1)  # the count binds there too
    tapered = itertools.chain(head, [list(items[len(items) - last :])])
    return _capped(tapered, size_of, max_bytes)


def _count_for_bytes(
    items: Sequence[T], size_of: Callable[[T], int] | None, max_bytes: int | None, last_share: float
) -> int:
    """Batches needed for all but the last, which holds `last_share` of one, to hold `max_bytes` at most.
    An even split gives some batches one item more than the average: room for the largest is left."""
    if size_of is None or max_bytes is None or not items:
        return 0
    sizes = [size_of(item) for item in items]
    total = sum(sizes)
    if total <= max_bytes:
        return 1
    room = max_bytes - max(sizes)
    return math.ceil(total / (room if room > 0 else max_bytes) + 1 - last_share)


def _capped(
    batches: Iterator[list[T]], size_of: Callable[[T], int] | None, max_bytes: int | None
) -> Iterator[list[T]]:
    return within_bytes(batches, size_of, max_bytes) if size_of is not None and max_bytes is not None else batches


def within_bytes(batches: Iterable[list[T]], size_of: Callable[[T], int], max_bytes: int) -> Iterator[list[T]]:
    """Each batch, split where its items' bytes would pass `max_bytes`: the bytes a run holds stay bounded
    whatever the inputs weigh (two batches are in flight). A batch of pages of common size is never split
    (500 pages of 170 kB are 85 MB); one of many large files is, into consecutive runs under the cap. An item
    over the cap on its own is a batch of one."""
    for batch in batches:
        part: list[T] = []
        held = 0
        for item in batch:
            n = max(size_of(item), 0)
            if part and held + n > max_bytes:
                yield part
                part, held = [], 0
            part.append(item)
            held += n
        if part:
            yield part
