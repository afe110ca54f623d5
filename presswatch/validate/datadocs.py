"""GX Data Docs for the suite runs of a flow run, and the markdown summary the flow publishes.

Data Docs are GX's own static HTML site: a page per suite run (each expectation with the row_ids that
failed it), a page per suite (each rule with our name, severity and why) and an index. It is built once
per flow run, at the end, from the results `presswatch.validate.suites` kept for every batch: a build for one batch of
200 rows took 1.8-2.3 s against 3.8-4.6 s for validating it, so building per batch would add about half.

Folder layout (`settings.data_docs_dir`, outside git):

    index.html, validations/, expectations/, static/   the site
    validation_results/                                 GX's JSON results the site is rendered from
    index_facts.json, .templates/                       what the index shows of each result, compiled
                                                        templates (presswatch.validate.docsite)

The JSON results persist so the index lists earlier runs too (GX drops pages whose result is gone); the
oldest beyond `KEEP_RESULTS` are deleted at each build, and GX removes their pages with them.
No Prefect and no DuckDB here; GX is reached through `presswatch.validate.suites`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from presswatch.settings import DATA_DOCS_DIR
from presswatch.validate.suites import SuiteRun, gx_context, take_suite_runs

RESULTS_FOLDER = "validation_results"
# Suite runs kept (two per batch): 100 batches, 100,000 documents at the default batch size. The index lists
# them from index_facts.json (presswatch.validate.docsite), without reading each result back.
KEEP_RESULTS = 200
DEFAULT_RUN_NAME = "presswatch"


def build_data_docs(
    directory: Path | None = None, run_name: str | None = None, keep_results: int = KEEP_RESULTS
) -> Path | None:
    """Store the suite runs since the last build and render them into the Data Docs site.

    Returns the site's index.html, or None when nothing was ever built there. `run_name` (the flow run's
    name) labels this run's results in the index; the results themselves are keyed by validation time.
    """
    keep = max(keep_results, 1)
    runs = take_suite_runs()[-keep:]  # older ones would be pruned at once
    site_dir = (directory or DATA_DOCS_DIR).expanduser().resolve()
    index = site_dir / "index.html"
    if not runs:
        return index if index.exists() else None
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    from presswatch.validate import docsite

    name = safe_run_name(run_name)
    with gx_context() as context:
        store_name, site_name = _ensure_site(context, site_dir)
        store = context.stores[store_name]
        built: list[Any] = [_store_result(store, run, name) for run in runs]
        kept = {docsite.fact_key(key) for key in _prune(store, keep)}
        facts_path = site_dir / docsite.FACTS_FILE
        facts = docsite.read_facts(facts_path)
        facts.update({docsite.fact_key(key): docsite.result_facts(run.result) for key, run in zip(built, runs, strict=True)})
        docsite.write_facts(facts_path, {k: v for k, v in facts.items() if k in kept})
        built += [ExpectationSuiteIdentifier(name=suite) for suite in sorted({run.suite for run in runs})]
        with docsite.compiled_templates(site_dir):
            context.build_data_docs(site_names=[site_name], resource_identifiers=built)
    for folder in (site_dir / RESULTS_FOLDER, site_dir / "validations"):
        _remove_empty_dirs(folder)
    return index


def safe_run_name(run_name: str | None) -> str:
    """The run name as one path segment: GX files results under <suite>/<run name>/<time>/."""
    cleaned = re.sub(r"[^\w.-]+", "-", run_name or "").strip(".-")
    return cleaned or DEFAULT_RUN_NAME


def _ensure_site(context: Any, site_dir: Path) -> tuple[str, str]:
    """A results store and a site for this folder, added to the context the first time it is used."""
    from presswatch.validate import docsite

    tag = hashlib.sha256(str(site_dir).encode()).hexdigest()[:12]
    store_name, site_name = f"presswatch_results_{tag}", f"presswatch_docs_{tag}"
    if store_name not in context.stores:
        context.add_store(
            store_name,
            {
                "class_name": "ValidationResultsStore",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(site_dir / RESULTS_FOLDER),
                },
            },
        )
    if site_name not in context.list_data_docs_sites():
        context.add_data_docs_site(
            site_name=site_name,
            site_config={
                "class_name": "SiteBuilder",
                # The how-to buttons link to GX's website; this site is read offline.
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(site_dir),
                },
                # GX's index, listing each result from the facts file rather than reading it back whole.
                "site_index_builder": {
                    "class_name": "FactsIndexBuilder",
                    "module_name": "presswatch.validate.docsite",
                    "facts_path": str(site_dir / docsite.FACTS_FILE),
                },
                "site_section_builders": {
                    "validations": {"source_store_name": store_name},
                    "profiling": "None",  # no profiler runs; GX would otherwise read the in-memory store
                },
            },
        )
    return store_name, site_name


def _store_result(store: Any, run: SuiteRun, run_name: str) -> Any:
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    run_id = RunIdentifier(run_name=run_name, run_time=run.run_time)
    # What GX's own ValidationDefinition records; the page header and the index read these.
    run.result.meta["run_id"] = run_id
    run.result.meta["validation_time"] = run.run_time
    run.result.meta["batch_kwargs"] = {"data_asset_name": f"{run.suite} batch of {run.rows} rows"}
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=run.suite),
        run_id=run_id,
        batch_identifier=run.batch_id,
    )
    store.set(key, run.result)
    return key


def _prune(store: Any, keep: int) -> list[Any]:
    """Remove all but the newest `keep` results; returns the keys kept."""
    keys = sorted(store.list_keys(), key=lambda k: k.run_id.run_time, reverse=True)
    for key in keys[keep:]:
        store.remove_key(key)
    return keys[:keep]


def _remove_empty_dirs(root: Path) -> None:
    """GX deletes pruned files but leaves their <run>/<time>/ folders (its rrmdir never fires in 1.24)."""
    if not root.is_dir():
        return
    for folder in sorted(
        (p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
    ):
        try:
            if not any(folder.iterdir()):
                folder.rmdir()
        except OSError:  # another process building into the same folder got there first
            continue


# ------------------------------------------------------------------------------------------ markdown


def validation_markdown(results: list[dict[str, Any]], docs_index: Path | None) -> str:
    """Per suite, every expectation with its severity and failed / checked rows summed over the run's
    batches (failures first), and where the Data Docs are."""
    docs = f"GX Data Docs: {docs_index.resolve().as_uri()}" if docs_index else "GX Data Docs: not built"
    lines = ["# Validation", "", docs]
    if not results:
        return "\n".join([*lines, "", "No batch was validated in this run."])
    suites: dict[str, dict[str, dict[str, Any]]] = {}
    for r in results:
        rules = suites.setdefault(r["suite"], {})
        row = rules.setdefault(
            r["expectation"], {"severity": r["severity"], "failed": 0, "checked": 0, "runs": 0}
        )
        row["failed"] += int(r["unexpected_count"] or 0)
        row["checked"] += int(r["element_count"] or 0)
        row["runs"] += 1
    for suite, rules in suites.items():
        failing = [n for n, row in rules.items() if row["failed"]]
        blocking = sum(rules[n]["severity"] == "block" for n in failing)
        batches = max(row["runs"] for row in rules.values())
        lines += [
            "",
            f"## {suite}",
            "",
            f"{batches} batch{'es' if batches != 1 else ''}; {len(failing)} of {len(rules)} expectations "
            f"failed on some rows ({blocking} blocking).",
            "",
            "| expectation | severity | failed rows | checked rows |",
            "|---|---|---:|---:|",
        ]
        # Failures first, blocking before warnings; sorted() keeps the suite's order within each group.
        ordered = sorted(rules.items(), key=lambda kv: (not kv[1]["failed"], kv[1]["severity"] != "block"))
        for name, row in ordered:
            failed = f"**{row['failed']}**" if row["failed"] else "0"
            lines.append(f"| {name} | {row['severity']} | {failed} | {row['checked']} |")
    return "\n".join(lines)
