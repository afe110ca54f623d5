"""extract_document end to end: legacy encodings, inputs that must become Rejections, HTML metadata, hints."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from presswatch.extract.document import EXTRACTOR_VERSION, extract_document
from presswatch.records import Article, RawDocument, Rejection

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, tzinfo=UTC)
SIMPLIFIED = ["000_37f1612f59599686.txt", "001_a2149f3f7c9a4d24.txt", "002_54e1f791036312f9.txt", "003_fc04806a584b63a5.txt"]
TRADITIONAL = "004_37b952b5fae0f489.txt"
PARAGRAPHS = [
    "本市今天发布新的公共交通优化方案，涉及全市四十余条公交线路的调整，预计下月起陆续实施。",
    "市交通局负责人表示，此次调整主要针对早晚高峰客流集中的走廊，新增多条大站快线，缩短通勤时间。",
    "市民李女士说，她每天换乘两次才能到单位，希望新线路开通后能够一车直达，节省路上的时间。",
]


def _seed_text(seed: str) -> str:
    text = (ROOT / "seeds" / seed).read_text(encoding="utf-8")
    # Big5 (even HKSCS) has no 爲, only its standard form 為; swap it so the same text exists in both encodings.
    return text.replace("爲", "為") if seed == TRADITIONAL else text


def _extract(data: bytes, **kwargs: object) -> Article | Rejection:
    return extract_document(RawDocument("input", data, **kwargs), now=NOW)  # type: ignore[arg-type]


def _article(data: bytes, **kwargs: object) -> Article:
    result = _extract(data, **kwargs)
    assert isinstance(result, Article), result
    return result


# GB18030 is the GBK superset that also holds ► and ・ (two simplified seeds use them); Big5-HKSCS likewise for Big5.
ENCODED = [(seed, "gb18030") for seed in SIMPLIFIED] + [(TRADITIONAL, "big5hkscs")]
ENCODED += [(seed, "utf-16") for seed in [*SIMPLIFIED, TRADITIONAL]]
ENCODED += [("003_fc04806a584b63a5.txt", "gbk")]


@pytest.mark.parametrize(("seed", "encoding"), ENCODED, ids=[f"{s[:3]}-{e}" for s, e in ENCODED])
def test_seed_reencoded_in_a_legacy_encoding_gives_the_same_article(seed: str, encoding: str) -> None:
    text = _seed_text(seed)
    reference = _article(text.encode("utf-8"))
    article = _article(text.encode(encoding))
    assert article.text == reference.text
    assert (article.title, article.published_at, article.outlet, article.authors) == (
        reference.title,
        reference.published_at,
        reference.outlet,
        reference.authors,
    )
    assert article.encoding != "utf-8"


def test_empty_file_is_rejected_at_decode_with_a_reason() -> None:
    result = _extract(b"")
    assert isinstance(result, Rejection)
    assert result.stage == "decode"
    assert "empty" in result.reasons[0]


def test_png_bytes_are_rejected_as_binary() -> None:
    result = _extract(b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert isinstance(result, Rejection)
    assert result.stage == "decode"
    assert "PNG" in result.reasons[0]


def test_html_page_without_article_text_is_rejected_at_extract() -> None:
    page = (
        "<html><head><title>首页</title></head><body><nav><a href='/'>首页</a> <a href='/b'>财经</a>"
        " <a href='/c'>科技</a></nav><footer>版权所有 © 某某门户 2025</footer></body></html>"
    )
    result = _extract(page.encode("utf-8"))
    assert isinstance(result, Rejection)
    assert result.stage == "extract"
    assert "no article text" in result.reasons[0]
    assert result.observed["format"] == "html"


def test_text_of_only_furniture_is_rejected() -> None:
    result = _extract("热门推荐\n某球队主场逆转取胜...\n2025-05-09 10:48\n扫码下载APP\n".encode())
    assert isinstance(result, Rejection)
    assert result.stage == "extract"


def test_republished_html_page_credits_the_original_outlet_and_the_portal() -> None:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS * 2)
    page = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>公交方案发布_某某门户</title>
        <meta property="og:site_name" content="某某门户"><meta property="og:title" content="公交线路优化方案发布">
        <meta property="article:published_time" content="2025-05-20T14:03:00+08:00"></head><body>
        <nav><a href="/">首页</a> <a href="/news">新闻</a></nav>
        <article><h1>公交线路优化方案发布</h1><p>来源：华东晨报 作者：周小七</p>{body}<p>责任编辑：王小明</p></article>
        <div><h3>相关阅读</h3><ul><li><a href="/a">某地暴雨预警升级...</a></li></ul></div>
        <footer>版权所有 © 某某门户</footer></body></html>"""
    article = _article(page.encode("utf-8"))
    assert (article.outlet, article.platform, article.authors) == ("华东晨报", "某某门户", ["周小七"])
    assert article.published_at == "2025-05-20T14:03:00+08:00"
    assert "editor: 王小明" in article.attributions
    assert article.text.split("\n")[0] == PARAGRAPHS[0]
    assert "来源" not in article.text and "责任编辑" not in article.text
    assert article.provenance["outlet"] == "attribution-line"


def test_feed_hints_and_fetch_url_fill_only_what_the_document_lacks() -> None:
    raw = "\n".join(PARAGRAPHS).encode("utf-8")
    hints = {"title": "公交线路优化方案发布", "published": "2025-05-20T08:00:00+08:00", "outlet": "华东晨报"}
    article = _article(raw, kind="feed-entry", url="https://news.example.cn/a/1.html", hints=hints)
    assert article.title == "公交线路优化方案发布" and article.title_derived is False
    assert article.published_at == "2025-05-20T08:00:00+08:00"
    assert article.url == "https://news.example.cn/a/1.html"
    assert (article.provenance["title"], article.provenance["url"], article.provenance["published_at"]) == (
        "feed",
        "fetch",
        "feed",
    )


def test_every_article_carries_the_extractor_version() -> None:
    assert _article("\n".join(PARAGRAPHS).encode("utf-8")).extractor_version == EXTRACTOR_VERSION
