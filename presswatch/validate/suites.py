"""Great Expectations runtime: the suite files in `expectations/`, one cached context, one run per batch.

GX takes 6–8 s to import, so it is imported on first use and the context, the pandas data source and the
loaded suites are kept for the life of the process. Each suite file is GX 1.x ExpectationSuite JSON; every
expectation carries in its `meta` a unique `name`, a `severity` ("block" sends the row to quarantine,
"warn" lets it land with a warning) and a `why`. The row-level outcome is read from GX's own
`unexpected_index_list`, keyed by the frame's `row_id` column.

Every suite run's full GX result is also kept (bounded, in memory) until `presswatch.validate.datadocs` turns the run's
results into GX Data Docs: a build takes ~2 s, too slow to repeat for every batch.
"""

from __future__ import annotations

import copy
import json
import math
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from presswatch.gcpause import gc_paused
from presswatch.settings import EXPECTATIONS_DIR
from presswatch.validate import deferred
from presswatch.validate.gxmemo import memoized_within_run
from presswatch.validate.results import ExpectationResult, RowIssue, ValidationOutcome

ROW_ID = "row_id"
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]}
# Our two severities and the GX-native ones they must agree with (GX shows its own in Data Docs).
SEVERITIES = {"block": "critical", "warn": "warning"}
# Results waiting for Data Docs. A process that never builds docs (a test, a CLI check) must not grow
# without bound; 500 suite runs (two a batch) is a 250,000-document run at the default batch size.
PENDING_LIMIT = 500


class SuiteFileError(ValueError):
    """A suite file GX cannot load in full, or whose expectations lack name/severity/why."""


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    path: Path
    raw: dict[str, Any]
    # meta.name of each expectation, in file order (GX results come back in the same order)
    names: tuple[str, ...]
    severities: tuple[str, ...]
    observe: tuple[str | None, ...]  # column to report as the observed value instead of the checked one
    columns: tuple[str, ...]  # every column the expectations read (checked or in a row condition)


def suite_path(name: str, directory: Path | None = None) -> Path:
    return (directory or EXPECTATIONS_DIR) / f"{name}.json"


def read_suite_file(path: Path) -> SuiteSpec:
    """Read and check one suite file without importing GX."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    name = raw.get("name")
    expectations = raw.get("expectations")
    if not name or not isinstance(expectations, list) or not expectations:
        raise SuiteFileError(f"{path}: needs a name and a non-empty list of expectations")
    names: list[str] = []
    severities: list[str] = []
    observe: list[str | None] = []
    for i, exp in enumerate(expectations):
        meta = exp.get("meta") or {}
        where = f"{path.name} expectation {i} ({exp.get('type')})"
        if not meta.get("name") or meta["name"] in names:
            raise SuiteFileError(f"{where}: meta.name missing or not unique")
        if meta.get("severity") not in SEVERITIES:
            raise SuiteFileError(f"{where}: meta.severity must be one of {sorted(SEVERITIES)}")
        if exp.get("severity", SEVERITIES[meta["severity"]]) != SEVERITIES[meta["severity"]]:
            raise SuiteFileError(f"{where}: GX severity {exp.get('severity')!r} disagrees with meta.severity")
        if not meta.get("why"):
            raise SuiteFileError(f"{where}: meta.why is required (say why the rule exists)")
        names.append(meta["name"])
        severities.append(meta["severity"])
        observe.append(meta.get("observe"))
    columns = sorted({ROW_ID, *_columns_in(expectations)})
    return SuiteSpec(name, path, raw, tuple(names), tuple(severities), tuple(observe), tuple(columns))


def _columns_in(node: Any) -> set[str]:
    """Column names referenced anywhere in expectation kwargs and row conditions."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= _columns_in(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("column", "column_A", "column_B") and isinstance(value, str):
                found.add(value)
            elif key == "column" and isinstance(value, dict) and isinstance(value.get("name"), str):
                found.add(value["name"])  # a row condition's Column
            elif key == "column_list" and isinstance(value, list):
                found.update(v for v in value if isinstance(v, str))
            elif key != "meta":
                found |= _columns_in(value)
    return found


@dataclass
class SuiteRun:
    """One suite run's complete GX result, kept until Data Docs are built."""

    suite: str
    batch_id: str
    rows: int
    run_time: datetime
    result: Any  # great_expectations ExpectationSuiteValidationResult


def _docs_suite_config(spec: SuiteSpec) -> dict[str, Any]:
    """The suite file plus GX `notes` (our rule name, severity and why) for Data Docs; rules unchanged."""
    raw = copy.deepcopy({k: v for k, v in spec.raw.items() if k != "id"})
    for exp, name, severity in zip(raw["expectations"], spec.names, spec.severities, strict=True):
        exp.setdefault("notes", f"**{name}** ({severity}): {exp['meta']['why']}")
    return raw


class _Runtime:
    """The GX context and the loaded suites, built once per process."""

    def __init__(self) -> None:
        deferred.defer()  # SciPy's statistics and Altair: imported by GX for checks our suites lack
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_pandas("presswatch")
        self.batch_definitions: dict[str, Any] = {}
        self.suites: dict[str, tuple[SuiteSpec, Any]] = {}

    def suite(self, name: str, directory: Path = EXPECTATIONS_DIR) -> tuple[SuiteSpec, Any]:
        key = str(directory / name)
        if key not in self.suites:
            spec = read_suite_file(suite_path(name, directory))
            suite = self.gx.ExpectationSuite(**_docs_suite_config(spec))
            # GX logs and drops an expectation it cannot parse; a partial suite must not validate anything.
            if len(suite.expectations) != len(spec.names):
                raise SuiteFileError(
                    f"{spec.path}: GX loaded {len(suite.expectations)} of {len(spec.names)} expectations"
                )
            # In the context's (in-memory) suite store so Data Docs can render the suite page.
            suite = self.context.suites.add_or_update(suite)
            self.suites[key] = (spec, suite)
        return self.suites[key]

    def batch_definition(self, name: str) -> Any:
        if name not in self.batch_definitions:
            asset = self.source.add_dataframe_asset(name)
            self.batch_definitions[name] = asset.add_batch_definition_whole_dataframe("batch")
        return self.batch_definitions[name]


_runtime: _Runtime | None = None
# The GX context is not thread-safe; Prefect may run tasks in threads.
_lock = threading.Lock()
_pending: deque[SuiteRun] = deque(maxlen=PENDING_LIMIT)


def _get_runtime() -> _Runtime:
    global _runtime
    if _runtime is None:
        with gc_paused():  # GX's import: 6.5 -> 3.6 CPU s (presswatch/gcpause.py)
            _runtime = _Runtime()
    return _runtime


def load_suite(name: str, directory: Path = EXPECTATIONS_DIR) -> Any:
    """The GX ExpectationSuite for `name`, loaded from its file (cached)."""
    with _lock:
        return _get_runtime().suite(name, directory)[1]


def run_suite(
    name: str,
    frame: pd.DataFrame,
    parameters: dict[str, Any] | None = None,
    directory: Path = EXPECTATIONS_DIR,
) -> ValidationOutcome:
    """Validate the whole frame against one suite in a single GX run and sort the rows by outcome."""
    if ROW_ID not in frame.columns:
        raise ValueError(f"frame needs a {ROW_ID!r} column")
    with _lock:
        runtime = _get_runtime()
        spec, suite = runtime.suite(name, directory)
        # Only the columns the rules read: GX hashes the whole frame it is given, long bodies included.
        checked = frame[[c for c in spec.columns if c in frame.columns]]
        batch = runtime.batch_definition(name).get_batch(batch_parameters={"dataframe": checked})
        with memoized_within_run():
            result = batch.validate(suite, result_format=RESULT_FORMAT, expectation_parameters=parameters or {})
        _pending.append(SuiteRun(name, batch.id, len(checked), datetime.now(UTC), result))
    return _outcome(spec, frame, result.results)


def take_suite_runs() -> list[SuiteRun]:
    """The suite runs since the last call, oldest first (each is handed out once)."""
    with _lock:
        runs = list(_pending)
        _pending.clear()
    return runs


@contextmanager
def gx_context() -> Iterator[Any]:
    """The process's GX data context, held exclusively for the duration of the block."""
    with _lock:
        yield _get_runtime().context


def _outcome(spec: SuiteSpec, frame: pd.DataFrame, results: list[Any]) -> ValidationOutcome:
    by_name = {r.expectation_config.meta.get("name"): r for r in results}
    outcome = ValidationOutcome()
    # Reported values for rules that check a derived column (is_future -> published_at); first row per id.
    first_rows = frame.drop_duplicates(ROW_ID).set_index(ROW_ID) if any(spec.observe) else None
    for exp_name, severity, observe in zip(spec.names, spec.severities, spec.observe, strict=True):
        r = by_name.get(exp_name)
        if r is None:
            raise RuntimeError(f"GX returned no result for expectation {exp_name!r} of suite {spec.name!r}")
        column = r.expectation_config.kwargs.get("column")
        if r.exception_info and r.exception_info.get("raised_exception"):
            # A rule that could not run is a broken suite or frame, never a pass.
            raise RuntimeError(f"{spec.name}.{exp_name} raised: {r.exception_info.get('exception_message')}")
        info = r.result or {}
        outcome.results.append(
            ExpectationResult(
                suite=spec.name,
                expectation=exp_name,
                column=column,
                success=bool(r.success),
                unexpected_count=int(info.get("unexpected_count") or 0),
                element_count=int(info.get("element_count") or 0),
                severity=severity,
            )
        )
        target = outcome.blocked if severity == "block" else outcome.warnings
        for hit in info.get("unexpected_index_list") or []:
            row_id = str(hit[ROW_ID])
            value = hit.get(column) if column else None
            if observe and first_rows is not None:
                value = first_rows.at[hit[ROW_ID], observe]
            issue = RowIssue(exp_name, column, plain(value), severity)
            issues = target.setdefault(row_id, [])
            if issue not in issues:  # duplicate row ids come back once per row
                issues.append(issue)
    return outcome


def plain(value: Any) -> Any:
    """numpy/pandas values as JSON-ready Python values (NaN/NaT -> None, timestamps -> ISO strings)."""
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime | date):  # pd.Timestamp is a datetime
        return value.isoformat()
    return value
