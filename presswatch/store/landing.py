"""Decide what each input of a batch becomes: a new article (or version), a known duplicate, or quarantine.

Pure: takes what the warehouse already knows as plain values and returns a plan that
flows/warehouse.py writes in one transaction. Keeping the decision here makes the rules testable
without a database and keeps the write path dumb.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from presswatch.codepoints import alnum_only
from presswatch.records import Article, RawDocument, Rejection
from presswatch.store.rawcodec import Packed, pack
from presswatch.text import nfkc


@functools.lru_cache(maxsize=1024)  # a batch asks twice per article (lookup, then plan): NFKC is not cheap
def article_id_for(text: str) -> str:
    """Identity of an article body: NFKC, case-folded, punctuation and whitespace removed.

    Re-encoding a file (GBK, UTF-16, BOM) or re-flowing its lines does not change it, so such copies
    are recognised as duplicates; any change of words does.
    """
    # is_normalized answers from Unicode's quick-check tables without building a copy: a body already in
    # NFKC (most Latin-script pages) skips the normalisation, whose result would be the same string.
    # Chinese bodies are not (full-width punctuation): presswatch.text's NFKC and a code point table for
    # the removal cost 0.1 ms where unicodedata and the regex cost 0.7 ms (5,300 characters on average).
    normalised = text if unicodedata.is_normalized("NFKC", text) else nfkc(text)
    norm = alnum_only(normalised.casefold())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def article_ids_of(results: Mapping[str, Article | Rejection]) -> dict[str, str]:
    """doc_sha256 -> article_id_for(text) of the articles among a batch's results."""
    return {sha: article_id_for(r.text) for sha, r in results.items() if isinstance(r, Article)}


def story_keys_of(results: Mapping[str, Article | Rejection]) -> list[str]:
    return [story_key_for(r) for r in results.values() if isinstance(r, Article)]


def story_key_for(article: Article) -> str:
    return article.url or article.source


@dataclass(frozen=True)
class Known:
    """What the warehouse holds already, for the documents and articles of one batch."""

    # doc_sha256 -> (source it was first stored under, article_id or None when it did not become one)
    documents: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    duplicate_sources: set[tuple[str, str]] = field(default_factory=set)  # (doc_sha256, source) recorded
    articles: set[str] = field(default_factory=set)  # article_ids present
    latest: dict[str, tuple[str, int]] = field(default_factory=dict)  # story_key -> (article_id, version)

# What an input can become in a run, as users read it (runs table, run_inputs, summaries, artifacts).
OUTCOMES = ("new", "new version", "unchanged", "duplicate", "quarantined", "skipped")


@dataclass
class Outcome:
    source: str
    doc_sha256: str
    outcome: str  # one of OUTCOMES
    detail: str


@dataclass
class LandingPlan:
    documents: list[dict[str, Any]] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


def plan_landing(
    raws: list[RawDocument],
    results: dict[str, Article | Rejection],
    known: Known,
    *,
    formats: dict[str, tuple[str | None, str | None]],
    warnings: dict[str, list[dict[str, Any]]],
    flow_run_id: str | None,
    now: datetime,
    extractor_version: str,
    unreadable: list[Rejection] | None = None,
    article_ids: Mapping[str, str] | None = None,
    stored: Mapping[str, Packed] | None = None,
) -> LandingPlan:
    """`results` maps doc_sha256 -> extraction/validation result for every raw not already known.

    `formats` maps doc_sha256 -> (format, encoding) as far as decoding got. `article_ids` maps doc_sha256
    -> article_id_for(text) where the caller has it already (it looked the bodies up): computed once, as
    normalising a body is most of landing's own CPU after compression. `stored` maps doc_sha256 -> what
    rawcodec.pack gave for the input's bytes (in the extraction workers); the others are
    compressed here, and an input whose bytes were dropped (RawDocument.without_data) must be in it.
    """
    ids = article_ids or {}
    packed = stored or {}
    plan = LandingPlan()
    seen_docs: dict[str, tuple[str, str | None]] = dict(known.documents)
    seen_articles = set(known.articles)
    latest = dict(known.latest)
    recorded_dups = set(known.duplicate_sources)
    for rejection in unreadable or []:
        # No bytes, so no documents row: the file is looked at again on the next run.
        plan.quarantine.append(_quarantine_row(rejection, extractor_version, now, flow_run_id))
        plan.outcomes.append(Outcome(rejection.source, rejection.doc_sha256, "quarantined", rejection.reasons[0]))

    for raw in raws:
        sha = raw.sha256
        if sha in seen_docs:
            # Same bytes again: under a name already recorded for them it is unchanged (nothing written);
            # under a new name it is a duplicate, recorded once with what it repeats.
            first_source, first_article = seen_docs[sha]
            if raw.source == first_source or (sha, raw.source) in recorded_dups:
                plan.outcomes.append(Outcome(raw.source, sha, "unchanged", "already landed"))
                continue
            plan.duplicates.append(
                _dup_row(sha, raw.source, first_article or sha, "same-bytes", now, flow_run_id)
            )
            recorded_dups.add((sha, raw.source))
            plan.outcomes.append(Outcome(raw.source, sha, "duplicate", f"same bytes as {first_source}"))
            continue

        result = results[sha]
        fmt, enc = formats.get(sha, (None, None))
        # Over the size cap raw.data is only a head sample (ingest/sources.py), marked truncated.
        stored_bytes, codec = packed[sha] if sha in packed else pack(_bytes_of(raw))
        doc_row = {
            "doc_sha256": sha,
            "source": raw.source,
            "kind": raw.kind,
            "format": fmt,
            "encoding": enc,
            "byte_size": raw.byte_size,
            "raw": stored_bytes,
            "raw_codec": codec,
            "raw_truncated": raw.truncated,
            "url": raw.url,
            "first_seen": now,
            "flow_run_id": flow_run_id,
        }
        plan.documents.append(doc_row)

        if isinstance(result, Rejection):
            seen_docs[sha] = (raw.source, None)
            plan.quarantine.append(_quarantine_row(result, extractor_version, now, flow_run_id))
            plan.outcomes.append(Outcome(raw.source, sha, "quarantined", "; ".join(result.reasons)))
            continue

        article_id = ids.get(sha) or article_id_for(result.text)
        seen_docs[sha] = (raw.source, article_id)
        if article_id in seen_articles:
            plan.duplicates.append(_dup_row(sha, raw.source, article_id, "same-text", now, flow_run_id))
            recorded_dups.add((sha, raw.source))
            plan.outcomes.append(Outcome(raw.source, sha, "duplicate", f"same text as article {article_id[:12]}"))
            continue

        key = story_key_for(result)
        previous = latest.get(key)
        version = previous[1] + 1 if previous else 1
        plan.articles.append(
            _article_row(result, article_id, key, version, previous, warnings.get(sha, []), flow_run_id, now)
        )
        seen_articles.add(article_id)
        latest[key] = (article_id, version)
        if previous:
            plan.outcomes.append(Outcome(raw.source, sha, "new version", f"version {version} of {key}"))
        else:
            plan.outcomes.append(Outcome(raw.source, sha, "new", article_id[:12]))
    return plan


def _bytes_of(raw: RawDocument) -> bytes:
    if raw.dropped:  # an empty documents.raw would lose the input for good
        raise ValueError(f"the bytes of {raw.source} were dropped and none came back compressed")
    return raw.data


def _quarantine_row(r: Rejection, extractor_version: str, now: datetime, run: str | None) -> dict[str, Any]:
    return {
        "doc_sha256": r.doc_sha256,
        "source": r.source,
        "stage": r.stage,
        "reasons": r.reasons,
        "observed": r.observed,
        "extractor_version": extractor_version,
        "quarantined_at": now,
        "flow_run_id": run,
    }


def _dup_row(sha: str, source: str, of: str, reason: str, now: datetime, run: str | None) -> dict[str, Any]:
    return {
        "doc_sha256": sha,
        "source": source,
        "duplicate_of": of,
        "reason": reason,
        "first_seen": now,
        "flow_run_id": run,
    }


def _article_row(
    a: Article,
    article_id: str,
    key: str,
    version: int,
    previous: tuple[str, int] | None,
    warnings: list[dict[str, Any]],
    run: str | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "doc_sha256": a.doc_sha256,
        "source": a.source,
        "story_key": key,
        "version": version,
        "supersedes": previous[0] if previous else None,
        "title": a.title,
        "title_derived": a.title_derived,
        "text": a.text,
        "published_at": a.published_at,
        "published_utc": _to_utc(a.published_at),
        "authors": a.authors,
        "outlet": a.outlet,
        "platform": a.platform,
        "url": a.url,
        "language": a.language,
        "script": a.script,
        "provenance": a.provenance,
        "attributions": a.attributions,
        "warnings": warnings,
        "extractor_version": a.extractor_version,
        "flow_run_id": run,
        "landed_at": now,
    }


def _to_utc(iso: str | None) -> datetime | None:
    """Only a stated offset gives an instant; a naive local time stays NULL in published_utc."""
    if not iso:
        return None
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
