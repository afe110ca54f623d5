import gzip
from pathlib import Path

import pytest

from presswatch.extract.decoding import decode
from presswatch.extract.formats import detect_format, split_front_matter

SEEDS = Path(__file__).parents[1] / "seeds"
FIXTURES = Path(__file__).parent / "fixtures" / "decoding"
SEED_FORMATS = {"000": "markdown", "001": "text", "002": "text", "003": "html", "004": "text"}


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@pytest.mark.parametrize(("prefix", "expected"), sorted(SEED_FORMATS.items()))
def test_seed_format_is_detected_from_content(prefix: str, expected: str) -> None:
    assert detect_format(seed_text(prefix)) == expected


@pytest.mark.parametrize(
    "name",
    [
        "gbk_meta_gb2312_05e98007.html",
        "gbk_wrapper_gbk_ab65832c.html",
        "gbk_undeclared_caee0a34.html",
        "utf8_meta_gb2312_45fcfa7d.html",
        "utf8_meta_gb2312_d997d758.html",
    ],
)
def test_crawled_pages_are_html(name: str) -> None:
    assert detect_format(decode((FIXTURES / name).read_bytes()).text) == "html"


def test_gzipped_benchmark_page_is_html_once_unpacked() -> None:
    data = gzip.decompress((FIXTURES / "article_benchmark_japanese_85439e26.html.gz").read_bytes())
    assert detect_format(decode(data).text) == "html"


def test_html_fragment_after_comment_and_markdown_header_is_html() -> None:
    fragment = (
        "<!--1737684422000-->\n[标题](https://example.com/a)\n------\n\n"
        "<address>记者</address><section><p>第一段正文。</p><p>第二段正文。</p>"
        "<p>第三段正文，<span>带有</span>标签。</p><br></section>\n"
    )
    assert detect_format(fragment) == "html"


def test_markdown_without_front_matter_is_markdown() -> None:
    text = "# 标题\n\n正文第一段，见[来源](https://example.com/news)。\n\n## 小标题\n\n- 要点一\n- 要点二\n"
    assert detect_format(text) == "markdown"


def test_markdown_with_an_inline_tag_stays_markdown() -> None:
    text = "# 标题\n\n第一段<br>换行。\n\n![图](https://example.com/a.png)\n\n" + "正文。\n\n" * 20
    assert detect_format(text) == "markdown"


def test_plain_text_mentioning_a_tag_stays_text() -> None:
    text = "网页换行用<br>标签。\n" + "这是普通的新闻正文段落。\n" * 30
    assert detect_format(text) == "text"


def test_plain_text_with_dash_lists_stays_text() -> None:
    text = "热门推荐\n- 2025年03月09日\n- 05:35\n- APP专享\n股市直播\n-\n正文。\n"
    assert detect_format(text) == "text"


def test_front_matter_is_split_into_meta_and_body() -> None:
    meta, body = split_front_matter(seed_text("000"))
    assert meta["title"] == "印度要做自己的DeepSeek：有芯片也有人，10个月内搞定"
    assert meta["lang"] == ["zh-CN"]
    assert body.startswith("本文来源：时代周报")


@pytest.mark.parametrize(
    "text",
    [
        "没有前言的正文。\n",
        "---\ntitle: [未闭合\n---\n正文\n",  # invalid YAML
        "---\n- 只是\n- 列表\n---\n正文\n",  # YAML, but not a mapping
        "---\ntitle: 没有结束线\n正文\n",
        "正文\n---\ntitle: 不在开头\n---\n",
    ],
)
def test_missing_or_invalid_front_matter_returns_text_unchanged(text: str) -> None:
    assert split_front_matter(text) == ({}, text)


def test_unclosed_front_matter_is_not_markdown() -> None:
    assert detect_format("---\ntitle: 没有结束线\n正文\n") == "text"
