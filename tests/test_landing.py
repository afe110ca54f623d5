"""The landing rules, without a database: what each input becomes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from presswatch.records import Article, RawDocument, Rejection
from presswatch.store.landing import OUTCOMES, Known, article_id_for, article_ids_of, plan_landing
from presswatch.store.rawcodec import pack, unpack

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def _article(raw: RawDocument, text: str, url: str | None = None) -> Article:
    return Article(
        source=raw.source, doc_sha256=raw.sha256, format="text", encoding="utf-8", title="T",
        title_derived=False, text=text, published_at=None, authors=None, outlet=None, platform=None,
        url=url, language="zh", script="Hans",
    )  # fmt: skip


def _plan(raws: list[RawDocument], results: dict, known: Known | None = None):
    return plan_landing(
        raws, results, known or Known(), formats={}, warnings={}, flow_run_id="run-1", now=NOW,
        extractor_version="test",
    )  # fmt: skip


def test_article_id_ignores_whitespace_punctuation_and_width():
    assert article_id_for("深度求索，发布了 R1。") == article_id_for("深度求索,发布了R1.")
    assert article_id_for("深度求索发布了R1") != article_id_for("深度求索发布了R2")


def test_article_ids_of_a_batch_are_those_landing_computes():
    a, b = RawDocument("a.txt", b"one"), RawDocument("b.txt", b"two")
    results = {a.sha256: _article(a, "正文一"), b.sha256: Rejection("b.txt", b.sha256, "extract", ["empty"])}
    assert article_ids_of(results) == {a.sha256: article_id_for("正文一")}


def test_landing_uses_the_article_ids_it_is_given():
    # The caller looked the bodies up by these ids; landing must file the article under the same one.
    raw = RawDocument("a.txt", b"one")
    plan = plan_landing(
        [raw], {raw.sha256: _article(raw, "正文一")}, Known(), formats={}, warnings={}, flow_run_id="run-1",
        now=NOW, extractor_version="test", article_ids={raw.sha256: "given-id"},
    )  # fmt: skip
    assert plan.articles[0]["article_id"] == "given-id"


def test_new_document_lands_as_version_one():
    raw = RawDocument("a.txt", b"one")
    plan = _plan([raw], {raw.sha256: _article(raw, "正文一")})
    assert [o.outcome for o in plan.outcomes] == ["new"]
    assert plan.articles[0]["version"] == 1 and plan.articles[0]["supersedes"] is None
    doc = plan.documents[0]
    assert len(plan.documents) == 1 and unpack(doc["raw"], doc["raw_codec"]) == b"one"


def test_landing_stores_the_bytes_the_workers_compressed():
    raw = RawDocument("a.txt", b"one")
    handed = raw.without_data()
    plan = plan_landing(
        [handed], {raw.sha256: _article(raw, "正文一")}, Known(), formats={}, warnings={}, flow_run_id="run-1",
        now=NOW, extractor_version="test", stored={raw.sha256: pack(b"one")},
    )  # fmt: skip
    doc = plan.documents[0]
    assert unpack(doc["raw"], doc["raw_codec"]) == b"one" and doc["byte_size"] == 3


def test_an_input_whose_bytes_were_dropped_and_not_returned_is_an_error_not_an_empty_raw():
    raw = RawDocument("a.txt", b"one").without_data()
    with pytest.raises(ValueError, match=r"a\.txt"):
        _plan([raw], {raw.sha256: _article(raw, "正文一")})


def test_dropping_the_bytes_keeps_digest_size_and_truncation():
    whole = RawDocument("a.txt", b"0123456789")
    sample = RawDocument("big.txt", b"0123", full_size=10, full_sha256="f" * 64)
    for raw in (whole, sample):
        dropped = raw.without_data()
        assert dropped.data == b"" and dropped.dropped and not raw.dropped
        assert (dropped.sha256, dropped.byte_size, dropped.truncated, dropped.held) == (
            raw.sha256, raw.byte_size, raw.truncated, raw.held,
        )  # fmt: skip
    assert sample.without_data().truncated and not whole.without_data().truncated


def test_same_bytes_under_same_name_is_unchanged_and_writes_nothing():
    raw = RawDocument("a.txt", b"one")
    plan = _plan([raw], {}, Known(documents={raw.sha256: ("a.txt", "art")}))
    assert [o.outcome for o in plan.outcomes] == ["unchanged"]
    assert not (plan.documents or plan.articles or plan.duplicates or plan.quarantine)


def test_same_bytes_under_another_name_is_recorded_once():
    raw = RawDocument("copy.txt", b"one")
    known = Known(documents={raw.sha256: ("a.txt", "art-1")})
    plan = _plan([raw], {}, known)
    assert plan.duplicates[0]["duplicate_of"] == "art-1" and plan.duplicates[0]["reason"] == "same-bytes"
    assert plan.outcomes[0].outcome == "duplicate"
    again = _plan([raw], {}, Known(known.documents, {(raw.sha256, "copy.txt")}))
    assert again.duplicates == [] and again.outcomes[0].outcome == "unchanged"


def test_same_bytes_twice_in_one_batch_lands_once():
    a, b = RawDocument("a.txt", b"x"), RawDocument("b.txt", b"x")
    plan = _plan([a, b], {a.sha256: _article(a, "正文")})
    assert [o.outcome for o in plan.outcomes] == ["new", "duplicate"]
    assert len(plan.articles) == 1 and len(plan.documents) == 1


def test_other_bytes_same_text_is_a_duplicate_not_an_article():
    a, b = RawDocument("a.txt", b"utf8"), RawDocument("a-gbk.txt", b"gbk")
    plan = _plan([a, b], {a.sha256: _article(a, "同一正文"), b.sha256: _article(b, "同一 正文")})
    assert [o.outcome for o in plan.outcomes] == ["new", "duplicate"]
    assert plan.duplicates[0]["reason"] == "same-text"
    assert len(plan.documents) == 2  # both raw inputs are kept


def test_changed_file_becomes_a_new_version():
    raw = RawDocument("a.txt", b"edited")
    known = Known(documents={}, articles={"old"}, latest={"a.txt": ("old", 1)})
    plan = _plan([raw], {raw.sha256: _article(raw, "改过的正文")}, known)
    assert plan.articles[0]["version"] == 2 and plan.articles[0]["supersedes"] == "old"
    assert plan.outcomes[0].outcome == "new version" and plan.outcomes[0].detail.startswith("version 2")


def test_rejection_is_quarantined_with_its_reasons_and_raw_kept():
    raw = RawDocument("empty.txt", b"")
    plan = _plan([raw], {raw.sha256: Rejection("empty.txt", raw.sha256, "decode", ["empty input"])})
    assert plan.quarantine[0]["reasons"] == ["empty input"] and plan.quarantine[0]["stage"] == "decode"
    assert plan.documents[0]["source"] == "empty.txt"
    assert plan.count("quarantined") == 1


def test_every_input_gets_exactly_one_outcome():
    raws = [RawDocument(f"{i}.txt", bytes([i % 3])) for i in range(9)]
    results = {r.sha256: _article(r, f"正文{r.data!r}") for r in raws}
    plan = _plan(raws, results)
    assert len(plan.outcomes) == 9
    assert plan.count("new") + plan.count("duplicate") + plan.count("quarantined") == 9
    assert {o.outcome for o in plan.outcomes} <= set(OUTCOMES)
