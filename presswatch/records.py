"""Typed records passed between pipeline stages.

discover/fetch -> RawDocument -> extract -> Article | Rejection -> validate -> land.
Plain dataclasses: no Prefect, no DuckDB, picklable for process pools.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class RawDocument:
    """One input exactly as received, before any decoding."""

    source: str  # the path or URL as given
    data: bytes
    kind: str = "file"  # "file" | "feed-entry"
    url: str | None = None  # where it came from, when known (feed link, final URL after redirects)
    http_charset: str | None = None  # charset from a Content-Type header, when fetched
    # Feed entry fields (title, published, author, summary, content, feed outlet...) that may fill gaps.
    hints: dict[str, Any] = field(default_factory=dict)
    # full_size: set only when `data` is a head sample of an input over the size cap (ingest/sources.py).
    # full_sha256: the sha256 of all the input's bytes (which identifies the document), when the reader
    # hashed them as it read them; always for a head sample.
    full_size: int | None = None
    full_sha256: str | None = None
    # held_size: how many bytes `data` held before without_data() dropped them (None: `data` is all there).
    held_size: int | None = None

    @cached_property
    def sha256(self) -> str:
        # Hashed once: every stage keys documents by it (a page is read several times a run otherwise).
        return self.full_sha256 or sha256_hex(self.data)

    @property
    def held(self) -> int:
        """Bytes read of this input: all of them, or a head sample over the size cap."""
        return self.held_size if self.held_size is not None else len(self.data)

    @property
    def byte_size(self) -> int:
        return self.full_size if self.full_size is not None else self.held

    @property
    def truncated(self) -> bool:
        return self.full_size is not None and self.full_size > self.held

    @property
    def dropped(self) -> bool:
        return self.held_size is not None

    def without_data(self) -> RawDocument:
        """This input with its bytes dropped and everything else kept (sha256, byte_size, truncated): what
        the flow holds once extraction has the bytes and returns them compressed (extract/pool.py)."""
        if self.dropped:
            return self
        return replace(self, data=b"", full_sha256=self.sha256, held_size=len(self.data))


@dataclass
class Article:
    """What extraction produced for one document: the article body plus metadata and its provenance."""

    source: str
    doc_sha256: str
    format: str  # "markdown" | "html" | "text"
    encoding: str
    title: str | None
    title_derived: bool
    text: str
    published_at: str | None  # ISO 8601 local time, with offset when known
    authors: list[str] | None
    outlet: str | None
    platform: str | None
    url: str | None
    language: str | None
    script: str | None  # "Hans" | "Hant" for Chinese, None otherwise
    # field name -> where its value came from ("front-matter", "attribution-line", "trafilatura", ...)
    provenance: dict[str, str] = field(default_factory=dict)
    # lines recognised as furniture but worth keeping (来源, 责编, 原标题 ...), as "kind: value"
    attributions: list[str] = field(default_factory=list)
    extractor_version: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Rejection:
    """An input that could not become an article, with the stage and the reasons why."""

    source: str
    doc_sha256: str
    stage: str  # "read" | "decode" | "extract" | "validate"
    reasons: list[str]
    observed: dict[str, Any] = field(default_factory=dict)


# Counts of a run: inputs found at discovery, inputs accounted for, and one count per outcome.
COUNT_KEYS = (
    "inputs_discovered", "inputs_seen", "new", "new_versions", "landed", "unchanged", "duplicates", "quarantined",
    "skipped",
)  # fmt: skip  ("landed" = new + new_versions)
OUTCOME_COUNTER = {
    "new": "new", "new version": "new_versions", "unchanged": "unchanged", "duplicate": "duplicates",
    "quarantined": "quarantined", "skipped": "skipped",
}  # fmt: skip


@dataclass
class RunSummary:
    """What one ingest or reprocess run did: its counts, per-input outcomes, feed polls and summaries."""

    flow_run_id: str
    db_path: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    per_outlet: list[tuple[str, int]] = field(default_factory=list)
    per_day_outlet: list[tuple[Any, ...]] = field(default_factory=list)
    outcomes: list[tuple[str, str, str]] = field(default_factory=list)  # (source, outcome, detail)
    feeds: list[tuple[str, str, int, str | None]] = field(default_factory=list)  # (feed, status, new, error)
    summaries: dict[str, Any] = field(default_factory=dict)
    # The run's row of the run_reconciliation view: inputs discovered vs recorded, and `balanced`.
    reconciliation: dict[str, Any] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return bool(self.reconciliation.get("balanced"))
