"""A flow process caps glibc's malloc arenas, so memory freed by DuckDB's threads is not stranded per thread."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Counts the heaps glibc reports after a DuckDB query on 8 threads: one arena per allocating thread unless capped.
_PROBE = textwrap.dedent(
    """
    import ctypes, sys, tempfile
    if sys.argv[1] == "flows":
        import flows  # noqa: F401
    import duckdb
    con = duckdb.connect(config={"threads": 8})
    con.execute("SELECT count(DISTINCT i::VARCHAR || 'x') FROM range(2000000) t(i)").fetchall()
    libc = ctypes.CDLL("libc.so.6")
    libc.fopen.restype = ctypes.c_void_p
    with tempfile.NamedTemporaryFile(suffix=".xml") as out:
        handle = ctypes.c_void_p(libc.fopen(out.name.encode(), b"w"))
        libc.malloc_info(0, handle)
        libc.fclose(handle)
        print(open(out.name).read().count("<heap nr="))
    """
)


def _heaps(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip().splitlines()[-1])


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc arenas: Linux only")


def test_importing_flows_caps_malloc_arenas_at_two():
    assert _heaps("flows") <= 2


def test_without_the_cap_duckdb_threads_get_arenas_of_their_own():
    # The probe can see more than two arenas: the cap above is what keeps it at two.
    assert _heaps("plain") > 2


def test_an_operators_malloc_arena_max_is_left_alone():
    probe = (
        "import os; os.environ['MALLOC_ARENA_MAX'] = '4'; import flows; print(flows.limit_malloc_arenas())"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
