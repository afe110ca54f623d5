"""The project's shape: the library imports no Prefect and changes nothing, no import cycles, small modules."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("presswatch", "flows")
MAX_MODULE_LINES = 400

_IMPORT_ALL = """
import importlib, json, os, pkgutil, sys
before = dict(os.environ)
import presswatch
names = [m.name for m in pkgutil.walk_packages(presswatch.__path__, "presswatch.")
         if m.name.rsplit(".", 1)[-1] != "__main__"]
for name in names:
    importlib.import_module(name)
after = dict(os.environ)
print(json.dumps({
    "imported": names,
    "prefect": sorted(m for m in sys.modules if m == "prefect" or m.startswith("prefect.")),
    "changed": sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)),
}))
"""


def test_importing_every_library_module_loads_no_prefect_and_leaves_the_environment_alone():
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "presswatch.text" in report["imported"] and len(report["imported"]) > 30
    assert report["prefect"] == []
    assert report["changed"] == []


def _module_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules `name` imports anywhere in its file (top level, functions, TYPE_CHECKING blocks)."""
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in modules else base)
    return {t for t in targets if t in modules and t != name}


def import_graph() -> dict[str, set[str]]:
    modules = _module_files()
    return {name: _imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_cycle_finder_reports_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_import_graph_sees_function_level_and_relative_imports():
    graph = import_graph()
    assert "presswatch.text" in graph["presswatch.summaries.watchlist"]
    assert "presswatch.extract.document" in graph["presswatch.extract.pool"]  # imported inside a function


def test_no_import_cycle_between_project_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_module_over_the_line_limit():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _module_files().values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_the_flow_layer_reaches_the_extractors_only_through_the_pool():
    # The flow process sends pages to the workers and lands what comes back; importing the extraction rules
    # (trafilatura, lxml, readability) there costs CPU and memory that only the workers need.
    graph = import_graph()
    direct = {
        name: sorted(t for t in targets if t.startswith("presswatch.extract.") and t != "presswatch.extract.pool")
        for name, targets in graph.items()
        if name.startswith("flows")
    }
    assert {name: found for name, found in direct.items() if found} == {}
