"""GX Data Docs built from real suite runs (real GX, real files), and the validation markdown."""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_validate import NOW, make_article, sha

from presswatch.settings import load_settings
from presswatch.validate.datadocs import RESULTS_FOLDER, build_data_docs, safe_run_name, validation_markdown
from presswatch.validate.frames import ValidationOutcome, validate_articles, validate_documents
from presswatch.validate.suites import take_suite_runs


def small_batch() -> ValidationOutcome:
    """One clean article and one with an empty body (blocked by body_min_chars), plus their documents."""
    articles = [make_article("docs_clean"), make_article("docs_empty", text="")]
    documents = pd.DataFrame(
        {
            "row_id": [a.doc_sha256 for a in articles],
            "source": [a.source for a in articles],
            "byte_size": [2400, 0],
            "format": ["text", "text"],
            "encoding": ["utf-8", "utf-8"],
        }
    )
    validate_documents(documents, 5_000_000)
    return validate_articles(articles, now=NOW)


def pages(site: Path, suite: str) -> list[Path]:
    return sorted((site / "validations" / suite).rglob("*.html"))


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, ValidationOutcome]:
    """(site folder, index.html, outcome) after one small batch, built as a flow run would at its end."""
    take_suite_runs()  # runs left by other tests in this session are not this "flow run"
    outcome = small_batch()
    site = tmp_path_factory.mktemp("data_docs")
    index = build_data_docs(site, run_name="test run 1")
    assert index is not None
    return site, index, outcome


def test_index_links_a_page_per_suite_run(built_site: tuple[Path, Path, ValidationOutcome]) -> None:
    site, index, _ = built_site
    assert index == site.resolve() / "index.html" and index.is_file()
    html = index.read_text(encoding="utf-8")
    for suite in ("articles", "documents"):
        [page] = pages(site, suite)
        assert page.relative_to(site).as_posix() in html


def test_validation_page_names_the_suite_and_the_failing_row(
    built_site: tuple[Path, Path, ValidationOutcome],
) -> None:
    site, _, outcome = built_site
    [page] = pages(site, "articles")
    html = page.read_text(encoding="utf-8")
    assert "Expectation Suite:" in html and "articles" in html
    assert "test-run-1" in page.parts  # the run name labels the run in the site
    assert sha("docs_empty") in html
    assert sha("docs_clean") not in html  # only failing rows are listed
    # recording the run for Data Docs leaves the per-row outcome as it was
    assert set(outcome.blocked) == {sha("docs_empty")}
    assert {i.expectation for i in outcome.blocked[sha("docs_empty")]} == {"body_min_chars"}


def test_suite_page_names_each_rule_with_its_severity(
    built_site: tuple[Path, Path, ValidationOutcome],
) -> None:
    site, _, _ = built_site
    html = (site / "expectations" / "articles.html").read_text(encoding="utf-8")
    assert "body_min_chars" in html and "(block)" in html
    assert "title_not_body_sized" in html and "(warn)" in html


def test_results_are_kept_as_gx_json_beside_the_site(
    built_site: tuple[Path, Path, ValidationOutcome],
) -> None:
    site, _, _ = built_site
    results = sorted((site / RESULTS_FOLDER).rglob("*.json"))
    assert {p.relative_to(site / RESULTS_FOLDER).parts[0] for p in results} == {"articles", "documents"}


def test_default_folder_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESSWATCH_DATA_DOCS", str(tmp_path / "docs"))
    take_suite_runs()
    validate_articles([make_article("docs_env")], now=NOW)
    index = build_data_docs(load_settings().data_docs_dir)
    assert index == (tmp_path / "docs" / "index.html").resolve() and index.is_file()


def test_earlier_runs_stay_listed_until_the_oldest_are_pruned(tmp_path: Path) -> None:
    take_suite_runs()
    for run in ("first", "second", "third"):
        validate_articles([make_article(f"docs_{run}")], now=NOW)
        index = build_data_docs(tmp_path, run_name=run, keep_results=2)
    assert index is not None
    html = index.read_text(encoding="utf-8")
    runs = {
        p.relative_to(tmp_path / "validations" / "articles").parts[0] for p in pages(tmp_path, "articles")
    }
    assert runs == {"second", "third"}
    assert "validations/articles/second/" in html and "validations/articles/first/" not in html
    assert not (tmp_path / RESULTS_FOLDER / "articles" / "first").exists()
    assert not (tmp_path / "validations" / "articles" / "first").exists()


def test_nothing_validated_means_no_docs(tmp_path: Path) -> None:
    take_suite_runs()
    assert build_data_docs(tmp_path / "never") is None
    assert not (tmp_path / "never").exists()


def test_run_name_becomes_one_path_segment() -> None:
    assert safe_run_name("crimson-fox") == "crimson-fox"
    assert safe_run_name("../晚间 run/2") == "晚间-run-2"
    assert safe_run_name(None) == safe_run_name("///") == "presswatch"


def test_markdown_shows_the_failing_expectation_and_where_the_docs_are(
    built_site: tuple[Path, Path, ValidationOutcome],
) -> None:
    _, index, outcome = built_site
    text = validation_markdown([asdict(r) for r in outcome.results], index)
    assert f"GX Data Docs: {index.as_uri()}" in text
    assert text.startswith("# Validation")
    assert "| body_min_chars | block | **1** | 2 |" in text
    # failures come first in the table
    rows = [
        line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| expectation")
    ]
    assert rows[0].startswith("| body_min_chars ")


def test_markdown_sums_rows_over_batches_per_suite() -> None:
    def result(suite: str, name: str, severity: str, failed: int, checked: int) -> dict[str, object]:
        return {
            "suite": suite, "expectation": name, "column": "x", "severity": severity,
            "success": failed == 0, "unexpected_count": failed, "element_count": checked,
        }  # fmt: skip

    results = [
        result("articles", "body_min_chars", "block", 2, 200),
        result("articles", "title_not_body_sized", "warn", 0, 200),
        result("articles", "body_min_chars", "block", 1, 150),
        result("articles", "title_not_body_sized", "warn", 3, 150),
        result("documents", "not_empty", "block", 0, 350),
    ]
    text = validation_markdown(results, None)
    assert "GX Data Docs: not built" in text
    assert "| body_min_chars | block | **3** | 350 |" in text
    assert "| title_not_body_sized | warn | **3** | 350 |" in text
    assert "| not_empty | block | 0 | 350 |" in text
    assert re.search(
        r"## articles\n\n2 batches; 2 of 2 expectations failed on some rows \(1 blocking\)", text
    )
    assert "No batch was validated" in validation_markdown([], None)


def test_the_index_from_facts_is_the_one_gx_renders_from_the_results(tmp_path: Path) -> None:
    from presswatch.validate import docsite
    from presswatch.validate.datadocs import _ensure_site
    from presswatch.validate.suites import gx_context

    site = tmp_path / "site"
    take_suite_runs()
    small_batch()  # a failing run ...
    build_data_docs(site, run_name="first")
    (site / docsite.FACTS_FILE).unlink()  # ... listed from its result read back, as before the facts file
    validate_articles([make_article("docs_later")], now=NOW)  # and a passing one, from its facts
    index = build_data_docs(site, run_name="second")
    assert index is not None
    facts = docsite.read_facts(site / docsite.FACTS_FILE)
    assert len(facts) == 3 and {f["success"] for f in facts.values()} == {True, False}  # 2 + 1 suite runs
    with gx_context() as context:  # GX's own index builder over the same results
        store_name, site_name = _ensure_site(context, site)
        context.add_data_docs_site(
            site_name="gx_own",
            site_config={
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(tmp_path / "gx")},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "site_section_builders": {"validations": {"source_store_name": store_name}, "profiling": "None"},
            },
        )
        context.build_data_docs(site_names=["gx_own"])
    ours = index.read_text(encoding="utf-8")
    assert "validations/articles/first/" in ours and "validations/articles/second/" in ours
    theirs = (tmp_path / "gx" / "index.html").read_text(encoding="utf-8").replace("| gx_own", f"| {site_name}")
    assert _undated(ours) == _undated(theirs)


def _undated(html: str) -> str:
    return re.sub(r"\?d=\d{8}T\d{6}\.\d+Z", "", html)  # the logo's cache-busting build time


def test_templates_are_compiled_once_per_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jinja2

    from presswatch.validate import docsite

    compile_source = jinja2.Environment.compile
    compiled: list[str | None] = []

    def counting(self: jinja2.Environment, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name)
        return compile_source(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    take_suite_runs()
    for run in ("first", "second"):
        small_batch()
        build_data_docs(tmp_path, run_name=run)
        if run == "first":
            assert compiled and any((tmp_path / docsite.TEMPLATES_CACHE).iterdir())
            compiled.clear()
    assert compiled == []  # the second build loaded every template from the first one's bytecode
