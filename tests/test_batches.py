"""How a run splits its inputs into batches."""

from __future__ import annotations

import pytest

from presswatch.batches import even_batches, tapered_batches


@pytest.mark.parametrize(
    ("n", "size", "sizes"),
    [
        (2005, 500, [401] * 5),
        (1000, 500, [500, 500]),
        (1001, 500, [334, 334, 333]),
        (7, 3, [3, 2, 2]),
        (3, 500, [3]),
        (0, 500, []),
        (4, 0, [1, 1, 1, 1]),
    ],
)
def test_batches_are_as_few_as_the_size_allows_and_even(n: int, size: int, sizes: list[int]) -> None:
    batches = list(even_batches(list(range(n)), size))
    assert [len(b) for b in batches] == sizes
    assert [x for b in batches for x in b] == list(range(n))  # every item once, in order


@pytest.mark.parametrize(
    ("n", "size", "sizes"),
    [
        (2005, 500, [463, 463, 463, 462, 154]),
        (1000, 500, [375, 375, 250]),
        (7, 3, [3, 3, 1]),
        (3, 500, [3]),
        (0, 500, []),
    ],
)
def test_a_pipelined_run_ends_with_a_batch_a_third_the_size(n: int, size: int, sizes: list[int]) -> None:
    batches = list(tapered_batches(list(range(n)), size))
    assert [len(b) for b in batches] == sizes
    assert [x for b in batches for x in b] == list(range(n))
