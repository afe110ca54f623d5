"""trafilatura.bare_extraction, the same code, with its XPaths run as Python matchers and no unused copies.

The functions between bare_extraction and the XPaths (trafilatura_sequence, extract_content, _extract,
recover_wild_text, prune_unwanted_sections ...) are trafilatura's own code objects, rebound to a copy
of their module's globals in which the XPath lists are presswatch.extract.html.trafpaths' matchers
(identical results, a sixth to a third of the CPU). trafilatura's modules are not touched: plain
trafilatura calls elsewhere in the process (bench baselines, wrapped.plain_text) run unchanged.

One step is presswatch's: `_prepare_tree`. trafilatura copies the tree before cleaning it and copies
the cleaned tree as a backup; with fast=True and comments off nothing reads the backup, and in
precision mode nothing reads the uncleaned tree afterwards (the baseline rescue and the recall retry
are for the other modes), so those copies are skipped (trafilatura 2.3.1 only). Measured on the dev
pages and their bench/pipeline.py copies: identical output on all 261, extraction CPU -16 %.
"""

from __future__ import annotations

import types
from copy import copy
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura import core, main_extractor
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.settings import Extractor

from presswatch.extract.html.trafpaths import MATCHERS


def _prepare_tree(tree: HtmlElement, options: Extractor, url: str | None) -> tuple[HtmlElement, HtmlElement | None]:
    """trafilatura.core._prepare_tree without the copies nobody reads (see the module docstring)."""
    fast_no_comments = options.fast and not options.comments
    cleaned = tree_cleaning(tree if fast_no_comments and options.focus == "precision" else copy(tree), options)
    backup = None if fast_no_comments else copy(cleaned)
    return convert_tags(cleaned, options, url), backup


def _rebind(functions: dict[str, Any], module: types.ModuleType, names: tuple[str, ...]) -> None:
    """Copies of `module`'s functions `names` sharing one globals dict: the module's, overridden by
    `functions` (which receives the copies, so they call each other)."""
    namespace = {**vars(module), **functions}
    for name in names:
        fn = getattr(module, name)
        copied = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
        copied.__kwdefaults__ = fn.__kwdefaults__
        namespace[name] = functions[name] = copied


_MAIN: dict[str, Any] = {**MATCHERS}
_rebind(_MAIN, main_extractor, ("extract_content", "_extract", "recover_wild_text", "prune_unwanted_sections"))
# The copies are skipped only in the trafilatura whose sequence was read for it (a later one may read them).
_CORE: dict[str, Any] = {**MATCHERS, "extract_content": _MAIN["extract_content"]}
if trafilatura.__version__ == "2.3.1":
    _CORE["_prepare_tree"] = _prepare_tree
_rebind(_CORE, core, ("bare_extraction", "trafilatura_sequence", "_extract_and_compare", "_recall_retry"))

bare_extraction = _CORE["bare_extraction"]
