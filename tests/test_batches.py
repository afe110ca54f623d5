"""How a run splits its inputs into batches."""

from __future__ import annotations

import pytest

from presswatch.batches import even_batches


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
