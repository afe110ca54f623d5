"""A corpus of bad inputs: every one ends landed, duplicate or quarantined with a reason; the run balances."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest_flow

pytestmark = pytest.mark.usefixtures("prefect_api")

FUTURE_ARTICLE = """---
title: "来自未来的报道"
date: "2099-05-01 10:00:00"
---

本文来源：未来日报 作者：某人

这是一篇注明日期在未来的文章。它的正文足够长，可以通过长度检查，但发布时间在未来，这不可能是真的。
分析认为，这样的日期通常来自错误的模板或时区设置，而不是真正的发布时间，所以它必须被隔离而不是入库。
"""

NO_ARTICLE_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>首页</title></head><body>
<nav><a href="/">首页</a> <a href="/news">新闻</a> <a href="/tech">科技</a> <a href="/about">关于我们</a></nav>
<footer>版权所有 © 2025 示例网 京ICP备12345678号</footer></body></html>"""


@pytest.fixture
def bad_corpus(seeds_dir: Path) -> dict[str, Path]:
    """The seeds plus one input of every bad kind, by name."""
    seed = next(seeds_dir.glob("002_*"))
    text = seed.read_text(encoding="utf-8")
    files = {
        "empty": seeds_dir / "empty.txt",
        "png": seeds_dir / "picture.png",
        "huge": seeds_dir / "huge.txt",
        "no_article": seeds_dir / "no-article.html",
        "invalid_utf8": seeds_dir / "invalid-utf8.txt",
        "future": seeds_dir / "future.md",
        "lying_charset": seeds_dir / "lying-charset.html",
        "renamed_seed": seeds_dir / "copy-of-002.txt",
    }
    files["empty"].write_bytes(b"")
    files["png"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40)
    files["huge"].write_bytes(("这是一行很长的测试文本，用来制造一个二十兆字节的文件。\n" * 400_000).encode("utf-8")[:20_000_000])
    files["no_article"].write_text(NO_ARTICLE_HTML, encoding="utf-8")
    # Mostly GB18030 text, with a run of bytes that are valid in no common encoding of Chinese.
    files["invalid_utf8"].write_bytes(text.encode("utf-8")[:3000] + b"\xff\xfe\xfa\xc0\xc1" * 50)
    files["future"].write_text(FUTURE_ARTICLE, encoding="utf-8")
    # UTF-8 bytes under a declaration that says GB2312.
    files["lying_charset"].write_bytes(
        ('<html><head><meta charset="gb2312"><title>测试</title></head><body><article>'
         + "".join(f"<p>{p}</p>" for p in text.split("\n") if len(p) > 30)
         + "</article></body></html>").encode("utf-8")
    )  # fmt: skip
    shutil.copy(seed, files["renamed_seed"])
    return files


def test_every_bad_input_is_accounted_for(bad_corpus: dict[str, Path], db_path: Path):
    summary = ingest_flow(seeds_dir=str(next(iter(bad_corpus.values())).parent), db_path=str(db_path))
    c = summary.counts
    assert c["inputs_discovered"] == c["inputs_seen"] == 13
    assert c["inputs_seen"] == c["landed"] + c["duplicates"] + c["quarantined"]
    assert summary.balanced
    outcome = {Path(src).name: (o, d) for src, o, d in summary.outcomes}
    assert len(outcome) == 13

    with duckdb.connect(str(db_path), read_only=True) as con:
        reasons = {Path(s).name: json.loads(r) for s, r in con.execute("SELECT source, reasons FROM quarantine").fetchall()}
        balanced = con.execute("SELECT balanced FROM run_reconciliation").fetchone()[0]
        kept = con.execute("SELECT byte_size FROM documents WHERE source LIKE '%huge.txt'").fetchone()[0]
    assert balanced is True
    for name in ("empty.txt", "picture.png", "huge.txt", "no-article.html", "future.md"):
        assert outcome[name][0] == "quarantined", (name, outcome[name])
        assert reasons[name], name
    assert any("empty" in r for r in reasons["empty.txt"])
    assert any("binary" in r.lower() for r in reasons["picture.png"])
    assert any("too large" in r for r in reasons["huge.txt"])
    assert any("future" in r for r in reasons["future.md"])
    assert kept == 20_000_000  # quarantined, but the raw input is not lost
    assert outcome["copy-of-002.txt"][0] == "duplicate"
    assert outcome["lying-charset.html"][0] in {"new", "duplicate"}
    assert outcome["invalid-utf8.txt"][0] in {"new", "quarantined"}


def test_a_second_run_over_bad_inputs_adds_nothing(bad_corpus: dict[str, Path], db_path: Path):
    seeds = str(next(iter(bad_corpus.values())).parent)
    ingest_flow(seeds_dir=seeds, db_path=str(db_path))
    with duckdb.connect(str(db_path), read_only=True) as con:
        before = con.execute("SELECT (SELECT count(*) FROM quarantine), (SELECT count(*) FROM articles)").fetchone()
    again = ingest_flow(seeds_dir=seeds, db_path=str(db_path))
    with duckdb.connect(str(db_path), read_only=True) as con:
        after = con.execute("SELECT (SELECT count(*) FROM quarantine), (SELECT count(*) FROM articles)").fetchone()
    assert after == before
    assert again.counts["unchanged"] == again.counts["inputs_seen"] == 13
    assert again.counts["duplicates"] == 0 and again.balanced
