"""Great Expectations validation of article and document batches: real GX, real suite files."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import opencc
import pandas as pd
import pytest

from presswatch.records import Article
from presswatch.validate.frames import (
    ValidationOutcome,
    articles_frame,
    published_fields,
    text_stats,
    validate_articles,
    validate_documents,
)
from presswatch.validate.suites import SuiteFileError, load_suite, read_suite_file, suite_path

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

ZH_BODY = (
    "国内一家人工智能初创公司本周发布了新一代推理模型，并公开了模型权重和技术报告。\n\n"
    "公司表示，新模型在数学和代码任务上的表现接近国外同类产品，而训练成本只有对方的一小部分。"
    "多位业内人士认为，这说明算法和工程上的改进可以部分弥补算力上的差距。\n\n"
    "分析人士指出，开源模型降低了企业使用大模型的门槛，也会加快行业内的价格竞争。"
)
EN_BODY = (
    "A Chinese start-up released a new reasoning model this week and published its weights.\n\n"
    "The company said the model matched the performance of leading American systems on maths and coding "
    "tests, at a fraction of the training cost. Analysts said the release could push prices down."
)
HANT_BODY = opencc.OpenCC("s2t").convert(ZH_BODY)
LINK_LIST = "\n".join(
    f"[相关阅读：人工智能行业动态第{i}期](https://example.com/news/{i}.html)" for i in range(8)
)
TEASER_LIST = "\n".join(f"国产大模型密集发布，行业竞争进入新阶段，专家认为第{i}轮……" for i in range(6))
SHORT_POST = "快讯：国产推理模型今日发布，训练成本约五百六十万美元。"  # 27 characters
NAV_BLOCK = "\n".join(
    ["首页", "新闻", "财经", "科技", "体育", "娱乐", "汽车", "房产", "教育", "登录注册"] * 5
)


def sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def make_article(label: str, **overrides: object) -> Article:
    fields: dict[str, object] = {
        "source": f"seeds/{label}.txt",
        "doc_sha256": sha(label),
        "format": "text",
        "encoding": "utf-8",
        "title": "国产推理模型发布",
        "title_derived": False,
        "text": ZH_BODY,
        "published_at": "2025-02-08T16:52:15+08:00",
        "authors": ["记者甲"],
        "outlet": "某某日报",
        "platform": None,
        "url": "https://news.example.cn/a/20250208/1.html",
        "language": "zh",
        "script": "Hans",
    }
    fields.update(overrides)
    return Article(**fields)  # type: ignore[arg-type]


# label -> the article, the blocking expectations it must hit, the warnings it must raise
CASES: dict[str, tuple[Article, set[str], set[str]]] = {
    "clean_zh": (make_article("clean_zh"), set(), set()),
    "clean_en": (
        make_article("clean_en", text=EN_BODY, title="Start-up releases model", language="en", script=None),
        set(),
        set(),
    ),
    "clean_hant": (make_article("clean_hant", text=HANT_BODY, script="Hant"), set(), set()),
    "empty_body": (make_article("empty_body", text=""), {"body_min_chars"}, set()),
    "future_date": (
        make_article("future_date", published_at="2025-03-02T09:00:00+08:00"),
        {"published_not_in_future"},
        set(),
    ),
    # URLs are half the letters of a link list, so its Han share is also low for Chinese (a warning).
    "link_list": (
        make_article("link_list", text=LINK_LIST),
        {"body_not_link_list", "body_has_sentences"},
        {"zh_text_mostly_han"},
    ),
    "teaser_list": (
        make_article("teaser_list", text=TEASER_LIST),
        {"body_not_teaser_list", "body_has_sentences"},
        set(),
    ),
    "nav_block": (
        make_article("nav_block", text=NAV_BLOCK),
        {"body_has_sentences"},
        {"body_not_mostly_short_lines"},
    ),
    "bad_url": (make_article("bad_url", url="javascript:void(0)"), {"url_well_formed"}, set()),
    "zh_label_english_text": (make_article("zh_label_english_text", text=EN_BODY), {"zh_text_is_han"}, set()),
    "no_title": (make_article("no_title", title="  "), {"title_present"}, set()),
    "odd_language": (
        make_article("odd_language", language="zh-CN", script=None),
        {"language_allowed"},
        set(),
    ),
    "outlet_missing": (
        make_article("outlet_missing", outlet=None, attributions=["来源：新华社"]),
        set(),
        {"outlet_when_named"},
    ),
    "old_date": (
        make_article("old_date", published_at="1985-06-01T08:00:00+08:00"),
        set(),
        {"published_after_1990"},
    ),
    "script_mislabelled": (
        make_article("script_mislabelled", text=HANT_BODY),
        set(),
        {"hans_text_is_simplified"},
    ),
    "naive_today": (make_article("naive_today", published_at="2025-03-01 20:30:00"), set(), set()),
    # A short post on its own page (title, date, an address naming one item) lands, flagged as short.
    "short_post": (make_article("short_post", text=SHORT_POST), set(), {"body_short"}),
    # The same text on a section page, or without a date, is a teaser or a menu.
    "short_on_section_page": (
        make_article("short_on_section_page", text=SHORT_POST, url="https://news.example.cn/tech/"),
        {"short_body_only_on_article_page"},
        set(),
    ),
    "short_undated": (
        make_article("short_undated", text=SHORT_POST, published_at=None),
        {"short_body_only_on_article_page"},
        set(),
    ),
    "tiny_on_article_page": (make_article("tiny_on_article_page", text="页面不存在"), {"body_min_chars"}, set()),
}
DUPLICATE = make_article("dup", source="seeds/dup-a.txt")
DUPLICATE_AGAIN = make_article("dup", source="seeds/dup-b.txt")


@pytest.fixture(scope="session")
def articles_suite() -> object:
    """The GX suite loaded from expectations/articles.json (imports GX once per session)."""
    return load_suite("articles")


@pytest.fixture(scope="module")
def batch_outcome(articles_suite: object) -> ValidationOutcome:
    articles = [case[0] for case in CASES.values()] + [DUPLICATE, DUPLICATE_AGAIN]
    return validate_articles(articles, now=NOW)


def names(issues: list) -> set[str]:
    return {issue.expectation for issue in issues}


def test_suite_files_load_in_full_with_a_severity_on_every_expectation(articles_suite: object) -> None:
    for name in ("articles", "documents"):
        spec = read_suite_file(suite_path(name))
        assert set(spec.severities) <= {"block", "warn"}
        assert len(set(spec.names)) == len(spec.names)
        raw = json.loads(suite_path(name).read_text(encoding="utf-8"))
        assert all(e["meta"]["why"] for e in raw["expectations"])
        assert len(load_suite(name).expectations) == len(raw["expectations"])


def test_expectation_without_severity_is_refused(tmp_path: Path) -> None:
    raw = json.loads(suite_path("articles").read_text(encoding="utf-8"))
    del raw["expectations"][3]["meta"]["severity"]
    broken = tmp_path / "articles.json"
    broken.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(SuiteFileError, match="severity"):
        read_suite_file(broken)


def test_exactly_the_bad_rows_are_blocked_for_the_expected_reasons(batch_outcome: ValidationOutcome) -> None:
    expected = {sha(label): blocks for label, (_, blocks, _) in CASES.items() if blocks}
    expected[sha("dup")] = {"row_id_unique_in_batch"}
    assert {row: names(issues) for row, issues in batch_outcome.blocked.items()} == expected


def test_warnings_are_recorded_without_blocking(batch_outcome: ValidationOutcome) -> None:
    expected = {sha(label): warns for label, (_, _, warns) in CASES.items() if warns}
    assert {row: names(issues) for row, issues in batch_outcome.warnings.items()} == expected
    assert all(issue.severity == "warn" for issues in batch_outcome.warnings.values() for issue in issues)


def test_clean_articles_in_any_script_pass(batch_outcome: ValidationOutcome) -> None:
    for label in ("clean_zh", "clean_en", "clean_hant", "naive_today"):
        assert sha(label) not in batch_outcome.blocked
        assert sha(label) not in batch_outcome.warnings


def test_observed_values_are_the_offending_values(batch_outcome: ValidationOutcome) -> None:
    def observed(label: str, expectation: str) -> object:
        issues = batch_outcome.blocked.get(sha(label), []) + batch_outcome.warnings.get(sha(label), [])
        return next(i.observed for i in issues if i.expectation == expectation)

    assert observed("empty_body", "body_min_chars") == 0
    assert observed("future_date", "published_not_in_future") == "2025-03-02T09:00:00+08:00"
    assert observed("bad_url", "url_well_formed") == "javascript:void(0)"
    assert observed("zh_label_english_text", "zh_text_is_han") == 0.0
    assert observed("link_list", "body_not_link_list") == 1.0
    assert observed("odd_language", "language_allowed") == "zh-CN"
    assert observed("outlet_missing", "outlet_when_named") == "新华社"
    assert observed("old_date", "published_after_1990") == 1985
    assert observed("script_mislabelled", "hans_text_is_simplified") > 0.9


def test_results_hold_one_entry_per_expectation_with_counts(batch_outcome: ValidationOutcome) -> None:
    spec = read_suite_file(suite_path("articles"))
    assert [r.expectation for r in batch_outcome.results] == list(spec.names)
    failing: dict[str, int] = {}
    for _, blocks, warns in CASES.values():
        for name in blocks | warns:
            failing[name] = failing.get(name, 0) + 1
    failing["row_id_unique_in_batch"] = 2  # GX flags every copy of a duplicated id
    for r in batch_outcome.results:
        assert r.unexpected_count == failing.get(r.expectation, 0), r.expectation
        assert r.success is (r.unexpected_count == 0)
        assert r.severity in {"block", "warn"}
    by_name = {r.expectation: r for r in batch_outcome.results}
    assert by_name["body_min_chars"].element_count == len(CASES) + 2
    assert by_name["non_cjk_text_not_han"].element_count == 1  # only the English row is in scope


def test_outcome_serialises_to_json(batch_outcome: ValidationOutcome) -> None:
    json.dumps(asdict(batch_outcome), ensure_ascii=False)


def test_body_length_counts_characters_not_words() -> None:
    stats = text_stats("人工智能" * 30 + "。")
    assert stats["text_chars"] == 121
    assert stats["han_share"] == 1.0
    assert text_stats("word " * 10)["text_chars"] == 40


def test_frame_has_every_article_field_and_derived_columns() -> None:
    frame = articles_frame(
        [make_article("clean_zh"), make_article("naive", published_at="2025-03-01 20:30:00")], NOW
    )
    assert frame["row_id"].tolist() == [sha("clean_zh"), sha("naive")]
    for column in (
        "text",
        "title",
        "attributions",
        "text_chars",
        "han_share",
        "link_line_share",
        "published_utc",
    ):
        assert column in frame.columns
    assert frame["published_utc"].iloc[0] == pd.Timestamp("2025-02-08T08:52:15Z")
    assert pd.isna(frame["published_utc"].iloc[1])  # a local time without offset is no known instant
    assert frame["is_future"].tolist() == [False, False]


def test_local_time_without_offset_is_future_only_beyond_every_zone() -> None:
    assert not published_fields("2025-03-02 01:00:00", NOW)["is_future"]  # 13 h ahead: already so in UTC+14
    assert published_fields("2025-03-02 03:00:00", NOW)["is_future"]
    assert published_fields("2025-03-01T12:30:00+00:00", NOW)["is_future"]  # offset known: 10 min grace
    assert not published_fields("2025-03-01T12:05:00+00:00", NOW)["is_future"]
    assert published_fields("yesterday", NOW)["published_parsed"] is False


def test_empty_batch_validates_to_nothing() -> None:
    assert validate_articles([]) == ValidationOutcome()


def test_documents_blocked_for_size_format_and_encoding(articles_suite: object) -> None:
    frame = pd.DataFrame(
        [
            {
                "row_id": sha("ok"),
                "source": "a.html",
                "byte_size": 20_000,
                "format": "html",
                "encoding": "gb18030",
            },
            {
                "row_id": sha("empty"),
                "source": "b.txt",
                "byte_size": 0,
                "format": "text",
                "encoding": "utf-8",
            },
            {
                "row_id": sha("huge"),
                "source": "c.html",
                "byte_size": 9_000_000,
                "format": "html",
                "encoding": "utf-8",
            },
            {
                "row_id": sha("pdf"),
                "source": "d.pdf",
                "byte_size": 5_000,
                "format": "pdf",
                "encoding": "utf-8",
            },
            {
                "row_id": sha("enc"),
                "source": "e.txt",
                "byte_size": 5_000,
                "format": "text",
                "encoding": "klingon-8",
            },
            {
                "row_id": sha("tiny"),
                "source": "f.txt",
                "byte_size": 100,
                "format": "text",
                "encoding": "utf-8",
            },
        ]
    )
    outcome = validate_documents(frame, 5_000_000)  # the shipped default cap
    assert {row: names(issues) for row, issues in outcome.blocked.items()} == {
        sha("empty"): {"not_empty"},
        sha("huge"): {"within_size_cap"},
        sha("pdf"): {"format_known"},
        sha("enc"): {"encoding_known"},
    }
    assert {row: names(issues) for row, issues in outcome.warnings.items()} == {
        sha("tiny"): {"big_enough_for_an_article"},
    }
    assert outcome.blocked[sha("enc")][0].observed == "klingon-8"
    assert outcome.blocked[sha("huge")][0].observed == 9_000_000


def test_short_article_with_source_address_lines_is_not_a_link_list() -> None:
    text = (
        "国家统计局今天发布数据显示，一季度国内生产总值同比增长百分之五点三，增速比上季度加快零点一个百分点。\n"
        "原文链接：https://www.stats.gov.cn/sj/zxfb/202404/t20240416_1948000.html\n来源：www.stats.gov.cn"
    )
    assert text_stats(text)["link_line_share"] < 0.5  # line-counted it was 2/3: quarantined
    assert text_stats(LINK_LIST)["link_line_share"] == 1.0


def test_long_forum_lines_without_a_final_mark_count_as_sentences_but_teasers_do_not() -> None:
    post = (
        "楼主说的对 我家也是这样 去年装修的时候找了好几家公司 最后还是选了朋友介绍的那家 价格便宜一点 质量也还行\n"
        "不过有一点要提醒大家 签合同的时候一定要把材料品牌写清楚 不然到时候扯皮很麻烦 我就吃过这个亏"
    )
    assert text_stats(post)["sentence_density"] >= 0.2
    assert text_stats(TEASER_LIST)["sentence_density"] < 0.2
    assert text_stats(NAV_BLOCK)["sentence_density"] < 0.2
