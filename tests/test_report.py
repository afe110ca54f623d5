"""The HTML report of the seeds' summaries: its content checked on the HTML itself (parsed, no browser), and
the page rendered by a real headless Chromium. CI must have Chromium: there a missing one fails the test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import lxml.html
import pytest

from presswatch.summaries.report.report import SECTIONS, write_report
from tests.deskkit import seeds_warehouse

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
INSTALL = "apt-get install chromium fonts-noto-cjk"


@pytest.fixture
def chromium() -> str:
    """The browser, or a failure in CI (it must run there) and a skip that says how to get it elsewhere."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but no chromium is on PATH: the report must render there ({INSTALL})")
        pytest.skip(f"no chromium on PATH; install it with `{INSTALL}` (in CI a missing chromium fails)")
    return CHROMIUM


def _chromium(browser: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp / 'chromium-profile'}",
    ]  # fmt: skip
    return subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=180, check=True)


@pytest.fixture(scope="module")
def summarised_seeds(prefect_api: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five seeds ingested and summarised by real flow runs: a copy of the warehouse the desk tests
    build once per session (tests/deskkit.py), rather than the same two runs again."""
    return seeds_warehouse(tmp_path_factory.mktemp("report-warehouse"))


@pytest.fixture(scope="module")
def report(summarised_seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(summarised_seeds, tmp_path_factory.mktemp("report") / "report.html")


def test_report_is_one_self_contained_file(report: Path):
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page
    # Nothing is fetched from elsewhere: no external source, stylesheet or CSS url(). Links (<a href>) to the
    # articles' own pages are fine: a reader follows them, the page does not load them.
    tree = lxml.html.fromstring(page)
    external = re.compile(r"^\s*(?:https?:)?//")
    assert not [e.get("src") for e in tree.xpath("//*[@src]") if external.match(e.get("src"))]
    assert not [e.get("href") for e in tree.xpath("//link[@href]") if external.match(e.get("href"))]
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page)
    assert page.count("<svg") >= 3  # volume, share of voice, the training-cost conflict


def test_report_reads_while_another_reader_holds_the_warehouse(summarised_seeds: Path, tmp_path: Path):
    # In one process a read-write connection cannot open a file a read-only one holds: this passes only
    # because the report opens the warehouse read-only.
    with duckdb.connect(str(summarised_seeds), read_only=True):
        out = write_report(summarised_seeds, tmp_path / "again.html")
    assert out.stat().st_size > 10_000


def _cells(row: lxml.html.HtmlElement) -> list[str]:
    return [cell.text_content().strip() for cell in row.xpath("./td|./th")]


def _training_cost_row(page: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    rows = [r for r in page.xpath('//section[@id="figures"]//tr') if "training_cost" in r.text_content()]
    ranged = [r for r in rows if "–" in r.text_content()]
    assert ranged, f"no training_cost conflict among {[_cells(r) for r in rows]}"
    return ranged[0]


def _check_report_content(page: lxml.html.HtmlElement) -> None:
    """What an analyst must find in the report, wherever it is read: the conflict, outlets, stories, alerts."""
    row = _training_cost_row(page)
    text = row.text_content()
    assert "5.5M–6M USD" in text
    for value, written in (("5.5M", "550万美元"), ("6M", "600万美元"), ("5.576M", "557.6萬美元")):
        assert [b for b in row.xpath(".//b") if b.text_content() == value], f"{value} not set in bold"
        assert f"{value} USD ({written}" in text
    for outlet in ("时代周报", "观察者网", "纽约时报中文网", "中國工業報"):
        assert outlet in text
    stories = page.xpath('//section[@id="stories"]')[0].text_content()
    assert "印度要做自己的DeepSeek" in stories
    alerts = page.xpath('//section[@id="alerts"]')[0].text_content()
    assert "deepseek" in alerts and "match" in alerts


def test_report_has_every_section_with_its_heading_and_a_link_to_it(report: Path):
    page = lxml.html.parse(str(report)).getroot()
    for key, title, _ in SECTIONS:
        (section,) = page.xpath(f'//section[@id="{key}"]')
        assert section.xpath("./h2")[0].text_content() == title
        assert page.xpath(f'//nav/a[@href="#{key}"]'), f"no link to section {key}"


def test_report_html_shows_the_training_cost_conflict_outlets_stories_and_alerts(report: Path):
    _check_report_content(lxml.html.parse(str(report)).getroot())


def test_chromium_renders_the_training_cost_conflict_and_outlets(chromium: str, report: Path, tmp_path: Path):
    # The DOM as the browser built it: the same checks hold after real parsing and layout.
    dom = _chromium(chromium, tmp_path, "--dump-dom", report.as_uri()).stdout
    _check_report_content(lxml.html.fromstring(dom))


def test_chromium_screenshot_is_a_drawn_page(chromium: str, report: Path, tmp_path: Path):
    from PIL import Image

    shot = tmp_path / "report.png"
    _chromium(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,2400", report.as_uri())
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 2400)
    # A blank or failed page is one flat colour; charts, tables and text give many grey levels.
    assert len(set(image.getdata())) > 50
