"""GX's imports of SciPy's statistics and Altair wait until first use (presswatch/validate/deferred.py).

Each test runs in a fresh interpreter: the suite's own process has imported them long before."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=300)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_validating_our_suites_leaves_scipy_stats_and_altair_unimported():
    found = _run("""
        import json, sys
        sys.path.insert(0, "tests")
        from test_validate import CASES, NOW
        from presswatch.validate.frames import validate_articles
        outcome = validate_articles([article for article, _, _ in CASES.values()], NOW)
        assert outcome.blocked and outcome.warnings, "the cases include articles the suite blocks or warns of"
        print(json.dumps({name: type(sys.modules.get(name)).__name__ for name in ("scipy.stats", "altair")}))
    """)
    assert found == {"scipy.stats": "Deferred", "altair": "Deferred"}


def test_a_check_that_needs_scipy_still_runs_in_gx():
    # The KL-divergence expectation computes scipy.stats.entropy: first use imports the real module.
    found = _run("""
        import json, sys
        import pandas as pd
        from presswatch.validate.suites import _get_runtime
        runtime = _get_runtime()
        gx = runtime.gx
        frame = pd.DataFrame({"x": ["a"] * 50 + ["b"] * 50})
        batch = runtime.batch_definition("kl").get_batch(batch_parameters={"dataframe": frame})
        check = gx.expectations.ExpectColumnKLDivergenceToBeLessThan(
            column="x", partition_object={"values": ["a", "b"], "weights": [0.9, 0.1]}, threshold=0.1)
        result = batch.validate(check)
        print(json.dumps({"success": result.success, "kl": result.result["observed_value"],
                          "scipy.stats": type(sys.modules["scipy.stats"]).__name__}))
    """)
    # KL(0.5, 0.5 || 0.9, 0.1) = 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1) = 0.5108
    assert found["success"] is False
    assert abs(found["kl"] - 0.5108) < 1e-3
    assert found["scipy.stats"] == "module"
