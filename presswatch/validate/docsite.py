"""Data Docs' site index from a small file of facts, and GX's page templates compiled once per folder.

GX's index builder reads every kept validation result back in full to list it (its success, batch and asset
name): ~11 ms a result, so a run's Data Docs grew towards 2.2 s as the kept results neared KEEP_RESULTS.
`presswatch.validate.datadocs` writes those three facts of each result it stores to FACTS_FILE beside the
site, and FactsIndexBuilder lists a result from there; a result without facts (stored before this file, or
by another process building into the same folder at the same time) is read back as GX does. The index is
the one GX renders from the results themselves (tests/test_datadocs.py compares the two).

GX's views each compile their Jinja templates again (three views, 52 compilations a build, ~0.5 s of a
run's Data Docs): `compiled_templates` gives them a Jinja bytecode cache in the site's folder.
Imported by GX (the site config names FactsIndexBuilder), so after GX itself.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.render.renderer.site_builder import (
    FALSEY_YAML_STRINGS,
    DefaultSiteIndexBuilder,
    _resolve_asset_name,
)
from great_expectations.render.util import resource_key_passes_run_name_filter

FACTS_FILE = "index_facts.json"
TEMPLATES_CACHE = ".templates"  # Jinja bytecode, beside the site's pages


def fact_key(key: Any) -> str:
    """A ValidationResultIdentifier as one string (its tuple: suite, run name, run time, batch)."""
    return "/".join(str(part) for part in key.to_tuple())


def result_facts(result: Any) -> dict[str, Any]:
    """What the index shows of a validation result."""
    return {
        "success": result.success,
        "batch_kwargs": result.meta.get("batch_kwargs", {}),
        "batch_spec": result.meta.get("batch_spec", {}),
        "asset_name": _resolve_asset_name(result),
    }


def read_facts(path: Path) -> dict[str, dict[str, Any]]:
    try:
        facts = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: every result is read back instead
        return {}
    return facts if isinstance(facts, dict) else {}


def write_facts(path: Path, facts: dict[str, dict[str, Any]]) -> None:
    """Atomically: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(facts, out, default=str)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class FactsIndexBuilder(DefaultSiteIndexBuilder):
    """GX's DefaultSiteIndexBuilder, listing validation results from FACTS_FILE."""

    # The parameters are spelled out: GX passes a builder the ones its __init__ names (getfullargspec).
    def __init__(
        self,
        name: str,
        site_name: str,
        data_context: Any,
        target_store: Any,
        site_section_builders_config: Any,
        custom_styles_directory: Any = None,
        custom_views_directory: Any = None,
        show_how_to_buttons: bool = True,
        validation_results_limit: int | None = None,
        renderer: Any = None,
        view: Any = None,
        data_context_id: Any = None,
        source_stores: Any = None,
        facts_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            name, site_name, data_context, target_store, site_section_builders_config,
            custom_styles_directory=custom_styles_directory, custom_views_directory=custom_views_directory,
            show_how_to_buttons=show_how_to_buttons, validation_results_limit=validation_results_limit,
            renderer=renderer, view=view, data_context_id=data_context_id, source_stores=source_stores, **kwargs,
        )  # fmt: skip
        self.facts_path = Path(facts_path) if facts_path else None

    def _add_validations_to_index_links(self, index_links_dict: Any, site_keys: list[Any]) -> None:
        # As GX's own (great_expectations/render/renderer/site_builder.py), but for where the facts come from.
        validations = self.site_section_builders_config.get("validations", "None")
        if not validations or validations in FALSEY_YAML_STRINGS:
            return
        name_filter = self.site_section_builders_config["validations"]["run_name_filter"]
        keys = sorted(
            (k for k in site_keys if resource_key_passes_run_name_filter(k, name_filter)),
            key=lambda k: k.run_id.run_time,
            reverse=True,
        )
        if self.validation_results_limit:
            keys = keys[: self.validation_results_limit]
        facts = read_facts(self.facts_path) if self.facts_path else {}
        read_back = 0
        for key in keys:
            fact = facts.get(fact_key(key))
            if fact is None:
                fact = self._read_back(key)
                if fact is None:
                    continue
                facts[fact_key(key)], read_back = fact, read_back + 1
            self.add_resource_info_to_index_links_dict(
                index_links_dict=index_links_dict,
                expectation_suite_name=key.expectation_suite_identifier.name,
                section_name="validations",
                batch_identifier=key.batch_identifier,
                run_id=key.run_id,
                validation_success=fact["success"],
                run_time=key.run_id.run_time,
                run_name=key.run_id.run_name,
                asset_name=fact["asset_name"],
                batch_kwargs=fact["batch_kwargs"],
                batch_spec=fact["batch_spec"],
            )
        if read_back and self.facts_path:  # the next build need not read them again
            write_facts(self.facts_path, facts)

    def _read_back(self, key: Any) -> dict[str, Any] | None:
        try:
            result = self.data_context.get_validation_result(
                batch_identifier=key.batch_identifier,
                expectation_suite_name=key.expectation_suite_identifier.name,
                run_id=key.run_id,
                validation_results_store_name=self.source_stores.get("validations"),
            )
        except Exception:  # as GX: a result that cannot be read is left out of the index
            return None
        return result_facts(result) if isinstance(result, ExpectationSuiteValidationResult) else None


@contextmanager
def compiled_templates(site_dir: Path) -> Iterator[None]:
    """GX's Jinja views, for the duration of the block, keep compiled templates in the site's folder."""
    from great_expectations.render.view.view import DefaultJinjaView
    from jinja2 import FileSystemBytecodeCache

    cache_dir = site_dir / TEMPLATES_CACHE
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache = FileSystemBytecodeCache(str(cache_dir))
    original = DefaultJinjaView.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.env.bytecode_cache = cache

    DefaultJinjaView.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        DefaultJinjaView.__init__ = original  # type: ignore[method-assign]
