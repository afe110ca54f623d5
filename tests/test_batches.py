"""How a run splits its inputs into batches."""

from __future__ import annotations

import pytest

from presswatch.batches import even_batches, tapered_batches, within_bytes


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


def test_a_batch_under_the_byte_cap_is_kept_whole() -> None:
    assert list(within_bytes([[1, 2, 3], [4]], lambda n: 10, 30)) == [[1, 2, 3], [4]]


def test_a_batch_over_the_byte_cap_is_split_in_order() -> None:
    sizes = {"a": 60, "b": 50, "c": 10, "d": 90, "e": 5}
    batches = list(within_bytes([list("abcde")], sizes.__getitem__, 100))
    assert batches == [["a"], ["b", "c"], ["d", "e"]]


def test_an_input_over_the_byte_cap_is_a_batch_of_its_own() -> None:
    sizes = {"a": 10, "big": 500, "b": 10}
    assert list(within_bytes([["a", "big", "b"]], sizes.__getitem__, 100)) == [["a"], ["big"], ["b"]]


@pytest.mark.parametrize("n", [2005, 20005])
def test_batches_by_bytes_hold_about_the_same_bytes_at_any_run_size(n: int) -> None:
    # Pages of 170 kB: the count (1,000) would allow batches of 170 MB; the cap makes them hold at most 160 MB.
    batches = list(tapered_batches(list(range(n)), 1000, size_of=lambda _: 170_000, max_bytes=160_000_000))
    held = [170_000 * len(b) for b in batches]
    assert max(held) <= 160_000_000 and min(held[:-1]) >= 0.9 * 160_000_000
    assert len(batches[-1]) < len(batches[0]) / 2  # still tapered
    assert [x for b in batches for x in b] == list(range(n))


def test_batches_under_the_byte_cap_follow_the_count() -> None:
    small = list(tapered_batches(list(range(2005)), 500, size_of=lambda _: 10_000, max_bytes=160_000_000))
    assert [len(b) for b in small] == [463, 463, 463, 462, 154]


def test_even_batches_by_bytes_are_split_evenly_not_cut_at_the_cap() -> None:
    # 10 items of 30 bytes under a cap of 100: five batches of two, not 3 + 3 + 3 + 1.
    batches = list(even_batches(list(range(10)), 500, size_of=lambda _: 30, max_bytes=100))
    assert [len(b) for b in batches] == [2, 2, 2, 2, 2]
