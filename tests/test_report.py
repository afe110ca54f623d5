"""The HTML report of the seeds' summaries, rendered by a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest_flow
from flows.summaries import summaries_flow
from presswatch.summaries.report.report import write_report

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install -y chromium)"
)


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp / 'chromium-profile'}",
    ]  # fmt: skip
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=180, check=True)


@pytest.fixture(scope="module")
def summarised_seeds(prefect_api: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    seeds = tmp_path_factory.mktemp("seeds")
    for path in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(path, seeds / path.name)
    db = tmp_path_factory.mktemp("warehouse") / "report.duckdb"
    assert ingest_flow(seeds_dir=str(seeds), db_path=str(db)).counts["landed"] == 5
    summaries_flow(db_path=str(db))
    return db


@pytest.fixture(scope="module")
def report(summarised_seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(summarised_seeds, tmp_path_factory.mktemp("report") / "report.html")


def test_report_is_one_self_contained_file(report: Path):
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)  # nothing fetched from elsewhere
    assert page.count("<svg") >= 3  # volume, share of voice, the training-cost conflict


def test_report_reads_while_another_reader_holds_the_warehouse(summarised_seeds: Path, tmp_path: Path):
    # In one process a read-write connection cannot open a file a read-only one holds: this passes only
    # because the report opens the warehouse read-only.
    with duckdb.connect(str(summarised_seeds), read_only=True):
        out = write_report(summarised_seeds, tmp_path / "again.html")
    assert out.stat().st_size > 10_000


@needs_chromium
def test_chromium_renders_the_training_cost_conflict_and_outlets(report: Path, tmp_path: Path):
    dom = _chromium(tmp_path, "--dump-dom", report.as_uri()).stdout
    row = next(
        r for r in re.findall(r"<tr>.*?</tr>", dom, flags=re.DOTALL) if "training_cost" in r and "–" in r
    )
    assert "5.5M–6M USD" in row
    for value, written in (("5.5M", "550万美元"), ("6M", "600万美元"), ("5.576M", "557.6萬美元")):
        assert f"<b>{value}</b> USD ({written}" in row
    for outlet in ("时代周报", "观察者网", "纽约时报中文网", "中國工業報"):
        assert outlet in row
    assert "印度要做自己的DeepSeek" in dom  # the stories table
    assert "deepseek" in dom and "match" in dom  # open alerts


@needs_chromium
def test_chromium_screenshot_is_a_drawn_page(report: Path, tmp_path: Path):
    from PIL import Image

    shot = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2400", report.as_uri())
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 2400)
    # A blank or failed page is one flat colour; charts, tables and text give many grey levels.
    assert len(set(image.getdata())) > 50
