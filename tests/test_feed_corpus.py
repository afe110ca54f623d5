"""parse_feed over feedparser's own test corpus (2,107 feed files, copied into tests/fixtures/feeds/).

Each file opens with a comment holding `Expect:` (a check over feedparser's result) and sometimes
`Header:` lines that simulate HTTP response headers; both are read here to drive and judge the parse.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from presswatch.ingest.feeds import ParsedFeed, parse_feed

CORPUS = Path(__file__).resolve().parent / "fixtures" / "feeds" / "feedparser"
HEADER = re.compile(r"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.M)
EXPECT = re.compile(r"^Expect:\s*(.*?)\s*$", re.M)
EXPECTED_ENCODING = re.compile(r"encoding == '([^']+)'")


@dataclass(frozen=True)
class CorpusCase:
    path: Path
    folder: str
    expect: str
    parsed: ParsedFeed


def _headers(text: str) -> dict[str, str] | None:
    headers = dict(HEADER.findall(text))
    if not headers:
        return None
    # The Header lines give only the headers under test; a real answer also has a Content-Type.
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/xml"
    return headers


@pytest.fixture(scope="module")
def corpus() -> list[CorpusCase]:
    cases = []
    for path in sorted(p for p in CORPUS.rglob("*") if p.suffix in (".xml", ".json")):
        data = path.read_bytes()
        # The comment is ASCII in every file; in UTF-16/32 files dropping NULs makes it readable.
        text = data.replace(b"\x00", b"").decode("latin-1")
        expect = m.group(1) if (m := EXPECT.search(text)) else ""
        parsed = parse_feed(data, f"http://127.0.0.1/{path.name}", _headers(text))
        cases.append(CorpusCase(path, path.relative_to(CORPUS).parts[0], expect, parsed))
    return cases


def test_every_file_parses_and_yields_entries_or_a_reason(corpus: list[CorpusCase]) -> None:
    assert len(corpus) == 2107
    unexplained = [c.path.name for c in corpus if not c.parsed.entries and not c.parsed.problem]
    assert unexplained == []
    assert all(c.parsed.bozo_reason for c in corpus if c.parsed.bozo)


def test_corpus_counts_per_folder(corpus: list[CorpusCase]) -> None:
    with_entries = Counter(c.folder for c in corpus if c.parsed.entries)
    bozo = Counter(c.folder for c in corpus if c.parsed.bozo)
    assert sum(with_entries.values()) == 1195 and sum(bozo.values()) == 279
    assert with_entries == {"wellformed": 1164, "encoding": 14, "illformed": 13, "entities": 3, "json": 1}
    assert bozo == {"entities": 256, "illformed": 15, "encoding": 8}
    # feedparser 6 reads no JSON Feed; presswatch's own JSON Feed reader does (its test says what to expect).
    (json_case,) = [c for c in corpus if c.folder == "json"]
    assert json_case.parsed.title == "My Example Feed" and len(json_case.parsed.entries) == 2


def test_ill_formed_flag_agrees_with_the_corpus_expectations(corpus: list[CorpusCase]) -> None:
    judged = [c for c in corpus if re.match(r"(not )?bozo\b", c.expect)]
    wrong = [c.path.name for c in judged if c.parsed.bozo != c.expect.startswith("bozo")]
    assert len(judged) == 1803 and wrong == []


def test_detected_encoding_agrees_with_the_corpus_expectations(corpus: list[CorpusCase]) -> None:
    judged = [(c, m.group(1)) for c in corpus if (m := EXPECTED_ENCODING.search(c.expect))]
    wrong = [(c.path.name, want, c.parsed.encoding) for c, want in judged if c.parsed.encoding != want]
    assert len(judged) == 70 and wrong == []
    chinese = {c.parsed.encoding for c, _ in judged} & {"gb18030", "big5"}
    assert chinese == {"gb18030", "big5"}
