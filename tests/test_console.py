"""What `presswatch run` shows on the console without --verbose."""

from __future__ import annotations

import io
import logging

from prefect.logging.handlers import PrefectConsoleHandler

from presswatch.cli.progress_bars import ExtractionChatter, quiet_prefect_console


def _record(name: str, level: int) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, "message", None, None)


def test_console_drops_what_extraction_libraries_log_about_a_page_but_keeps_warnings():
    # Prefect's console handler sits on the root logger in a CLI run (pytest's own logging replaces it here).
    handler = PrefectConsoleHandler(stream=io.StringIO())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        quiet_prefect_console()
        quiet_prefect_console()  # twice: one filter
    finally:
        root.removeHandler(handler)
    assert handler.level == logging.WARNING
    assert sum(isinstance(f, ExtractionChatter) for f in handler.filters) == 1
    assert not handler.filter(_record("trafilatura.utils", logging.ERROR))
    assert not handler.filter(_record("htmldate.core", logging.WARNING))
    assert handler.filter(_record("presswatch.extract.html.main_text", logging.WARNING))
    assert handler.filter(_record("prefect.flow_runs", logging.ERROR))
    assert handler.filter(_record("trafilaturax", logging.ERROR))  # a name that only starts alike
