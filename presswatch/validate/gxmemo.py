"""Work GX repeats within one suite run, done once per run: the same results for a third of the CPU.

GX 1.x (pinned in pyproject.toml) recomputes two things many times over in a suite run, and they were most of
its cost per batch (53 expectations over 500 articles):
- `Expectation.configuration` is rebuilt from the pydantic model (`dict()` of the whole model, row
  conditions included) on every access, and building the metric dependency graph reads it ~45 times per
  expectation;
- a row condition is applied with `DataFrame.query` for every metric of its expectation (~7 times each:
  108 queries over 12 distinct conditions per batch), and each query rebuilds a resolver for every column.
Within a run neither changes: GX copies configurations into new objects rather than editing them, and the
filtered frames are used as GX uses the unfiltered batch frame, which all metrics share. So each value is
computed once per (object) and (frame, condition), for the duration of one run, under the caller's lock; the
originals are put back when the run ends, and GX evaluates every expectation itself as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def memoized_within_run() -> Iterator[None]:
    """Patch the two GX methods for the duration of the block (one suite run; callers hold the GX lock)."""
    from great_expectations.execution_engine.pandas_execution_engine import PandasExecutionEngine
    from great_expectations.expectations.expectation import Expectation

    configuration = Expectation.__dict__["configuration"]
    filtered = PandasExecutionEngine.__dict__["_apply_row_condition_filter"]
    Expectation.configuration = property(_once_per_object(configuration.fget), doc=configuration.__doc__)  # type: ignore[method-assign, assignment]
    PandasExecutionEngine._apply_row_condition_filter = _once_per_condition(filtered)  # type: ignore[method-assign]
    try:
        yield
    finally:
        Expectation.configuration = configuration  # type: ignore[method-assign]
        PandasExecutionEngine._apply_row_condition_filter = filtered  # type: ignore[method-assign]


def _once_per_object(build: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # id -> (object, value): holding the object keeps its id from being reused by another within the run
    built: dict[int, tuple[Any, Any]] = {}

    def cached(self: Any) -> Any:
        hit = built.get(id(self))
        if hit is None or hit[0] is not self:
            hit = built[id(self)] = (self, build(self))
        return hit[1]

    return cached


def _once_per_condition(apply: Callable[..., Any]) -> Callable[..., Any]:
    done: dict[tuple[int, str, str], tuple[Any, Any]] = {}

    def cached(self: Any, data: Any, row_condition: Any, domain_kwargs: dict[str, Any]) -> Any:
        key = (id(data), _condition_key(row_condition), repr(domain_kwargs.get("condition_parser")))
        hit = done.get(key)
        if hit is None or hit[0] is not data:
            hit = done[key] = (data, apply(self, data, row_condition, domain_kwargs))
        return hit[1]

    return cached


def _condition_key(row_condition: Any) -> str:
    """The condition exactly, typed values included ('1' and 1 differ): a GX Condition is a pydantic model."""
    as_dict = getattr(row_condition, "dict", None)
    return f"{type(row_condition).__name__}:{as_dict() if callable(as_dict) else row_condition!r}"
