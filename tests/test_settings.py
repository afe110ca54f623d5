"""Settings: every documented variable is read and changes the settings; malformed values name the variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from presswatch.settings import ENV_VARIABLES, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent

# A valid value for each variable that differs from its default.
NON_DEFAULT = {
    "PRESSWATCH_DB": "/tmp/elsewhere.duckdb",
    "PRESSWATCH_SEEDS": "/tmp/other-seeds",
    "PRESSWATCH_FEEDS": "/tmp/feeds.yaml",
    "PRESSWATCH_WATCHLIST": "/tmp/watchlist.yaml",
    "PRESSWATCH_SEARCHES": "/tmp/searches.yaml",
    "PRESSWATCH_VOCABULARY": "/tmp/vocabulary.yaml",
    "PRESSWATCH_OUTLETS": "/tmp/outlets.yaml",
    "PRESSWATCH_EXPECTATIONS": "/tmp/expectations",
    "PRESSWATCH_DATA_DOCS": "/tmp/docs",
    "PRESSWATCH_BATCH_SIZE": "7",
    "PRESSWATCH_BATCH_MAX_BYTES": "1000000",
    "PRESSWATCH_WORKERS": "3",
    "PRESSWATCH_MAX_INPUT_BYTES": "1234",
    "PRESSWATCH_LOCK_TIMEOUT": "9.5",
    "PRESSWATCH_USER_AGENT": "tester/1",
    "PRESSWATCH_FETCH_CONNECT_TIMEOUT": "1.5",
    "PRESSWATCH_FETCH_READ_TIMEOUT": "2.5",
    "PRESSWATCH_FETCH_TOTAL_TIMEOUT": "3.5",
    "PRESSWATCH_FETCH_MAX_BYTES": "4321",
    "PRESSWATCH_FETCH_MAX_REDIRECTS": "2",
    "PRESSWATCH_FETCH_HOST_INTERVAL": "0.25",
    "PRESSWATCH_FETCH_ALLOW_NETWORKS": "10.1.0.0/16, 127.0.0.1",
    "PRESSWATCH_DASK_ADDRESS": "tcp://127.0.0.1:8786",
    "PRESSWATCH_PROGRESS_INTERVAL": "0",
    "PRESSWATCH_DUCKDB_MEMORY": "300MB",
}


def test_the_readme_documents_exactly_the_variables_that_are_read() -> None:
    documented = set(re.findall(r"^\| `(PRESSWATCH_[A-Z_]+)` \|", (ROOT / "README.md").read_text(), re.M))
    assert documented == set(ENV_VARIABLES)


@pytest.mark.parametrize("variable", ENV_VARIABLES)
def test_each_variable_changes_the_settings(variable: str) -> None:
    assert set(NON_DEFAULT) == set(ENV_VARIABLES)
    default = load_settings({})
    changed = load_settings({variable: NON_DEFAULT[variable]})
    differing = [k for k in vars(default) if getattr(default, k) != getattr(changed, k)]
    assert len(differing) == 1, (variable, differing)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PRESSWATCH_BATCH_SIZE", "ten"),
        ("PRESSWATCH_BATCH_SIZE", "0"),
        ("PRESSWATCH_WORKERS", "-1"),
        ("PRESSWATCH_MAX_INPUT_BYTES", "5MB"),
        ("PRESSWATCH_LOCK_TIMEOUT", "soon"),
        ("PRESSWATCH_FETCH_TOTAL_TIMEOUT", "-3"),
        ("PRESSWATCH_FETCH_ALLOW_NETWORKS", "10.0.0.0/33"),
        ("PRESSWATCH_DUCKDB_MEMORY", "lots"),
        ("PRESSWATCH_DUCKDB_MEMORY", "512"),
    ],
)
def test_a_malformed_value_is_an_error_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: value})


def test_an_empty_value_means_the_default() -> None:
    assert load_settings({"PRESSWATCH_BATCH_SIZE": " "}) == load_settings({})


def test_allowed_networks_are_parsed_as_networks() -> None:
    settings = load_settings({"PRESSWATCH_FETCH_ALLOW_NETWORKS": "10.1.2.3/16, 127.0.0.1"})
    assert settings.fetch_allow_networks == ("10.1.0.0/16", "127.0.0.1/32")


def test_overrides_win_and_none_keeps_the_environment() -> None:
    settings = load_settings({"PRESSWATCH_BATCH_SIZE": "7"}, batch_size=None, db_path="/tmp/x.duckdb")
    assert settings.batch_size == 7 and settings.db_path == Path("/tmp/x.duckdb")


def test_the_cli_reports_a_malformed_setting_and_exits(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "presswatch", "sql", "SELECT 1", "--db", str(tmp_path / "none.duckdb")],
        env={"PATH": "/usr/bin:/bin", "PRESSWATCH_LOCK_TIMEOUT": "soon", "HOME": str(tmp_path)},
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "PRESSWATCH_LOCK_TIMEOUT" in proc.stderr
