"""Modules GX imports for checks presswatch never runs, loaded on their first use instead.

GX registers every core expectation and metric as it is imported, and three of those modules import SciPy's
statistics (`from scipy import stats`: the Kolmogorov-Smirnov and KL-divergence checks) and Altair (the
KL-divergence chart) at module level: 1.2 s and 0.3 s of the 5.2 s that `import great_expectations` took
(-X importtime), in the flow process of every run that validates, for checks our suites do not contain.
A stand-in takes their place in `sys.modules` until something reads an attribute of it; then the real
module is imported and answers, so a suite that does use such a check still runs it as GX wrote it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

# What GX imports at module level and uses only inside the checks' functions.
GX_UNUSED_AT_IMPORT = ("scipy.stats", "altair")

_lock = threading.RLock()  # a real import may meet another stand-in


class Deferred(types.ModuleType):
    """Stands in for a module that is not imported yet: the first attribute read imports it."""

    def __getattr__(self, attr: str) -> Any:  # only for what the stand-in lacks: everything but its name
        return getattr(load(self.__name__), attr)


def defer(names: tuple[str, ...] = GX_UNUSED_AT_IMPORT) -> None:
    """Put stand-ins for these modules in `sys.modules`, unless imported already or not installed."""
    with _lock:
        for name in names:
            if name in sys.modules:
                continue
            parent, _, child = name.rpartition(".")
            try:  # find_spec imports the parent package (SciPy's own __init__ is cheap)
                if importlib.util.find_spec(name) is None:
                    continue
            except (ImportError, ValueError):
                continue
            stand_in = sys.modules[name] = Deferred(name)
            if parent:  # `from scipy import stats` reads the attribute before it looks in sys.modules
                setattr(sys.modules[parent], child, stand_in)


def load(name: str) -> types.ModuleType:
    """The real module behind a stand-in (imported now if it is not yet)."""
    with _lock:
        current = sys.modules.get(name)
        if not isinstance(current, Deferred):
            assert current is not None, f"{name} is neither deferred nor imported"
            return current
        del sys.modules[name]
        try:
            module = importlib.import_module(name)
        except BaseException:
            sys.modules[name] = current  # an import that failed is retried (and fails loudly) next time
            raise
        # Later reads through the stand-in (a module that imported it holds it) find the attributes directly.
        current.__dict__.update({k: v for k, v in module.__dict__.items() if k not in ("__name__", "__spec__")})
        return module
