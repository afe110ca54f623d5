"""GX work done once per suite run (presswatch/validate/gxmemo.py): the same results as GX unpatched, real GX."""

from __future__ import annotations

from typing import Any

import pytest
from great_expectations.execution_engine.pandas_execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import Expectation
from test_validate import CASES, DUPLICATE, DUPLICATE_AGAIN, NOW

from presswatch.validate import suites
from presswatch.validate.frames import ARTICLES_SUITE, articles_frame
from presswatch.validate.gxmemo import _condition_key, memoized_within_run
from presswatch.validate.results import ValidationOutcome


def _plain_gx_run(name: str, frame: Any) -> tuple[ValidationOutcome, list[dict[str, Any]]]:
    """The suite run as GX does it with nothing memoized: the reference the patched run must equal."""
    with suites._lock:
        runtime = suites._get_runtime()
        spec, suite = runtime.suite(name)
        checked = frame[[c for c in spec.columns if c in frame.columns]]
        batch = runtime.batch_definition(name).get_batch(batch_parameters={"dataframe": checked})
        result = batch.validate(suite, result_format=suites.RESULT_FORMAT)
    return suites._outcome(spec, frame, result.results), _comparable(result)


def _comparable(result: Any) -> list[dict[str, Any]]:
    """GX's own per-expectation results, without the ids that differ between any two runs."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("batch_id", "id")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return [strip(r.to_json_dict()) for r in result.results]


def test_memoized_run_gives_exactly_gx_unpatched_results() -> None:
    articles = [case[0] for case in CASES.values()] + [DUPLICATE, DUPLICATE_AGAIN]
    frame = articles_frame(articles, NOW)
    suites.take_suite_runs()
    reference, reference_results = _plain_gx_run(ARTICLES_SUITE, frame)
    memoized = suites.run_suite(ARTICLES_SUITE, frame)
    (run,) = suites.take_suite_runs()

    assert memoized == reference
    assert _comparable(run.result) == reference_results
    # The batch has blocked rows, warned rows and conditioned rules that hit: the comparison covers them.
    assert memoized.blocked and memoized.warnings
    assert any(r.unexpected_count for r in memoized.results if r.expectation == "short_body_only_on_article_page")


def test_gx_methods_are_restored_after_a_run_even_when_it_fails() -> None:
    configuration = Expectation.__dict__["configuration"]
    filtered = PandasExecutionEngine.__dict__["_apply_row_condition_filter"]
    with pytest.raises(RuntimeError, match="boom"), memoized_within_run():
        assert Expectation.__dict__["configuration"] is not configuration
        raise RuntimeError("boom")
    assert Expectation.__dict__["configuration"] is configuration
    assert PandasExecutionEngine.__dict__["_apply_row_condition_filter"] is filtered


def test_conditions_that_differ_only_in_a_value_type_are_not_confused() -> None:
    as_int = {"column": {"name": "n"}, "operator": "==", "parameter": 1, "type": "comparison"}
    as_str = {**as_int, "parameter": "1"}
    assert _condition_key(as_int) != _condition_key(as_str)
    assert _condition_key(as_int) == _condition_key(dict(as_int))
