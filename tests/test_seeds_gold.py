"""Every hand-checked expectation in tests/fixtures/seeds-gold.json holds for the extraction of its seed.

One test per seed and check (and per passage for the contain / not-contain lists), so a failure names
exactly what went wrong.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from presswatch.extract.document import extract_document
from presswatch.records import Article, RawDocument
from presswatch.text import to_simplified

ROOT = Path(__file__).resolve().parent.parent
GOLD = json.loads((ROOT / "tests" / "fixtures" / "seeds-gold.json").read_text(encoding="utf-8"))["documents"]
NOW = datetime(2026, 11, 23, tzinfo=UTC)
LIST_CHECKS = ("text_must_contain", "text_must_not_contain", "published_must_not_be")
FORMAT_WORDS = {"markdown": "markdown", "plain text": "text", "html": "html"}


@cache
def extracted(seed: str) -> Article:
    result = extract_document(RawDocument(f"seeds/{seed}", (ROOT / "seeds" / seed).read_bytes()), now=NOW)
    assert isinstance(result, Article), f"{seed} was rejected: {result}"
    return result


def _cases() -> list[Any]:
    cases = []
    for seed, spec in GOLD.items():
        for check, expected in spec.items():
            if check == "title_required":
                continue  # folded into the title check
            items = expected if check in LIST_CHECKS else [expected]
            for item in items:
                label = f"{seed[:3]}-{check}" + (f"-{item}" if check in LIST_CHECKS else "")
                cases.append(pytest.param(seed, check, item, id=label))
    return cases


def _local_part(published_at: str) -> str:
    return re.sub(r"(Z|[+-]\d{2}:\d{2})$", "", published_at).replace("T", " ")


def test_every_seed_file_has_gold_expectations() -> None:
    seeds = {p.name for p in (ROOT / "seeds").glob("*.txt")}
    assert seeds == set(GOLD)


@pytest.mark.parametrize(("seed", "check", "expected"), _cases())
def test_seed_matches_gold(seed: str, check: str, expected: Any) -> None:
    article = extracted(seed)
    body = article.text.strip()
    if check == "format":
        wanted = next(fmt for words, fmt in FORMAT_WORDS.items() if expected.lower().startswith(words))
        assert article.format == wanted
    elif check == "title":
        if expected is None:
            assert GOLD[seed].get("title_required")
            assert article.title and article.title.strip()
            assert article.title_derived is True
        else:
            assert article.title == expected
            assert article.title_derived is False
    elif check == "title_simplified":
        assert to_simplified(article.title or "") == expected
    elif check == "published_local":
        if expected is None:
            assert article.published_at is None
        else:
            assert article.published_at is not None
            assert _local_part(article.published_at) == expected
    elif check == "published_must_not_be":
        assert article.published_at is None or not article.published_at.startswith(expected)
    elif check in ("url", "outlet", "platform", "authors", "language", "script"):
        assert getattr(article, check) == expected
    elif check == "text_starts":
        assert body.startswith(expected), body[:120]
    elif check == "text_starts_any_of":
        assert any(body.startswith(option) for option in expected), body[:120]
    elif check == "text_ends":
        assert body.endswith(expected), body[-120:]
    elif check == "text_must_contain":
        assert expected in body
    elif check == "text_must_not_contain":
        assert expected not in body
    else:
        pytest.fail(f"unknown gold check {check!r}: extend this test")
