"""Metadata helpers and the choice of metadata, on small made-up documents."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest

from presswatch.extract.bylines import author_link, desk_authors, is_person_name, name_line, signature_block
from presswatch.extract.dates import issue_month, printed_dates
from presswatch.extract.document import extract_document
from presswatch.extract.metadata import (
    CHINA_OFFSET,
    derive_title,
    detect_language,
    detect_script,
    is_future,
    looks_like_outlet,
    parse_date,
    platform_link,
    split_names,
    to_iso,
)
from presswatch.records import Article, RawDocument

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BODY = (
    "本市今天发布新的公共交通优化方案，涉及全市四十余条公交线路的调整，预计下月起陆续实施。\n"
    "市交通局负责人表示，此次调整主要针对早晚高峰客流集中的走廊，新增多条大站快线，缩短通勤时间。\n"
    "市民李女士说，她每天换乘两次才能到单位，希望新线路开通后能够一车直达。\n"
)


def _article(text: str) -> Article:
    result = extract_document(RawDocument("made-up.txt", text.encode("utf-8")), now=NOW)
    assert isinstance(result, Article), result
    return result


def test_iso_date_with_time_keeps_the_local_time_and_gets_the_china_offset() -> None:
    parsed = parse_date("2024-03-05 08:09:10")
    assert parsed is not None and parsed.has_time
    assert to_iso(parsed, CHINA_OFFSET) == "2024-03-05T08:09:10+08:00"


def test_chinese_date_with_afternoon_time_is_parsed_on_the_24_hour_clock() -> None:
    parsed = parse_date("发布时间：2024年3月5日 下午3:20")
    assert parsed is not None
    assert to_iso(parsed, CHINA_OFFSET) == "2024-03-05T15:20:00+08:00"


def test_date_without_time_stays_a_date() -> None:
    parsed = parse_date("2024/03/05")
    assert parsed is not None and not parsed.has_time
    assert to_iso(parsed, CHINA_OFFSET) == "2024-03-05"


def test_explicit_offset_is_kept() -> None:
    parsed = parse_date("2024-03-05T08:09:10+09:00")
    assert parsed is not None
    assert to_iso(parsed, CHINA_OFFSET) == "2024-03-05T08:09:10+09:00"


def test_future_dates_are_recognised_relative_to_now() -> None:
    assert is_future(parse_date("2099-01-01 00:00:00"), NOW, CHINA_OFFSET)  # type: ignore[arg-type]
    assert not is_future(parse_date("2025-06-01 18:00:00"), NOW, CHINA_OFFSET)  # type: ignore[arg-type]


def test_header_date_line_becomes_the_publication_time() -> None:
    article = _article("公交线路优化方案发布\n2025-05-20 14:03:00\n\n" + BODY)
    assert article.title == "公交线路优化方案发布"
    assert article.published_at == "2025-05-20T14:03:00+08:00"
    assert article.provenance["published_at"] == "header-line"


def test_future_stated_date_is_kept_for_validation_to_quarantine() -> None:
    article = _article("公交线路优化方案发布\n2099-05-20 14:03:00\n\n" + BODY)
    assert article.published_at is not None and article.published_at.startswith("2099-05-20T14:03:00")


def test_date_inside_a_related_news_list_is_not_the_article_date() -> None:
    furniture = "热门推荐\n某地暴雨预警升级...\n- 2025年05月09日\n- 05:35\n"
    article = _article("公交线路优化方案发布\n\n" + BODY + furniture)
    assert article.published_at is None
    assert "2025年05月09日" not in article.text


def test_event_date_in_the_first_sentence_is_not_the_publication_date() -> None:
    article = _article("2025年1月20日,市交通局发布新的公共交通优化方案，涉及全市四十余条公交线路。\n" + BODY)
    assert article.published_at is None
    assert article.text.startswith("2025年1月20日")


def test_missing_title_is_derived_from_the_first_sentence_and_marked() -> None:
    article = _article(BODY)
    assert article.title_derived is True
    assert article.title and BODY.startswith(article.title)
    assert article.provenance["title"] == "derived-first-sentence"


def test_long_first_sentence_gives_a_title_cut_at_a_clause_break() -> None:
    title = derive_title("市交通局负责人今天在新闻发布会上表示，此次公交线路调整主要针对早晚高峰客流集中的走廊，并将新增大站快线。")
    assert title == "市交通局负责人今天在新闻发布会上表示"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("這項計劃將於下個月開始實施，預計會讓數十萬名通勤者受惠。", "Hant"),
        ("这项计划将于下个月开始实施，预计会让数十万名通勤者受惠。", "Hans"),
        ("The plan takes effect next month and will help commuters.", None),
    ],
)
def test_script_is_decided_by_opencc_conversion(text: str, script: str | None) -> None:
    assert detect_script(text) == script


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("这项计划将于下个月开始实施，预计会让数十万名通勤者受惠。", "zh"),
        ("The city said the plan takes effect next month and that it will help commuters.", "en"),
        ("12345 67890 ---", None),
    ],
)
def test_language_from_character_share(text: str, language: str | None) -> None:
    assert detect_language(text) == language


def test_names_are_split_on_separators_and_between_chinese_names_only() -> None:
    assert split_names("CADE METZ, JANE ROE") == ["CADE METZ", "JANE ROE"]
    assert split_names("王五 赵六") == ["王五", "赵六"]
    assert split_names("张三、李四") == ["张三", "李四"]


def test_outlets_are_told_from_people() -> None:
    assert looks_like_outlet("北方日报") and looks_like_outlet("某某中文网") and looks_like_outlet("Daily News")
    assert not looks_like_outlet("熊小然")


def test_closing_link_names_the_platform_only_when_it_matches_a_label_or_host() -> None:
    assert platform_link("[sina](https://news.sina.com.cn/a/1.html)", set()) == (
        "sina",
        "https://news.sina.com.cn/a/1.html",
    )
    assert platform_link("[门户](https://example.com/x)", {"门户"}) == ("门户", "https://example.com/x")
    assert platform_link("[原文链接](https://example.com/x)", set()) is None


# ---- weaker author sources and printed dates (presswatch.extract.bylines / .dates) ---------------------


def test_person_names_open_with_a_common_surname() -> None:
    assert is_person_name("胡平") and is_person_name("陳嘉欣") and is_person_name("欧阳修文")
    assert not is_person_name("前言") and not is_person_name("新华社") and not is_person_name("责任编辑")


def test_plain_editor_and_person_source_lines_name_authors_but_responsible_editors_do_not() -> None:
    assert desk_authors(["来源：巴彦淖尔日报 编辑：苏亮"]) == ["苏亮"]
    assert desk_authors(["来源: 尹娟"]) == ["尹娟"]
    assert desk_authors(["责任编辑：王小明", "責編：陳大文", "主编：李四", "来源：新华社"]) == []


def test_name_line_under_the_headline_is_found_only_among_the_first_lines() -> None:
    assert name_line(["犬儒病(上)", "胡平", "当今中国最流行的是什么主义?"]) == 1
    assert name_line(["第一段正文。", "第二段。", "第三段。", "王五"]) is None


def test_us_dates_after_a_label_or_with_am_pm_are_month_first() -> None:
    dates = printed_dates("作者：\n发布日期： 9/17/2004 5:54:13 AM\n【看中国2005年07月03日报道】")
    assert [d.value for d in dates] == [datetime(2004, 9, 17, 5, 54, 13), datetime(2005, 7, 3)]
    assert printed_dates("比分 3/4/2005 之间") == []  # unlabelled and no AM/PM: ambiguous, skipped


def test_magazine_issue_closing_the_text_dates_it_to_the_month() -> None:
    assert issue_month("……走到了它的极点。\n——《北京之春》1998年3月号") == "1998-03-01"
    assert issue_month("2025年3月，公司发布了新模型，正文很长。" + "正文" * 200) is None


def test_a_header_clock_showing_today_is_not_a_publication_date() -> None:
    header = "大家论坛\n2006年12月27日（京港台时间）\nSaturday, September 10th, 2005 10:56 am\n播客热潮迅速蔓延"
    assert [d.value for d in printed_dates(header)] == [datetime(2005, 9, 10, 10, 56)]
    assert printed_dates("今天是2025年2月18日 星期二") == []


def test_english_month_names_are_read_only_when_asked() -> None:
    assert [d.value for d in printed_dates("Posted 10 Sep 2005")] == [datetime(2005, 9, 10)]
    assert printed_dates("Posted 10 Sep 2005", month_names=False) == []


def test_an_official_document_is_signed_by_its_issuer_and_dated_by_its_signing_day() -> None:
    text = ["为做好工程建设，现就有关事项通告如下：", "特此通告。", "吉林省人民政府", "2022年1月27日"]
    assert signature_block(text) == ("吉林省人民政府", "2022年1月27日")
    assert signature_block(["正文第一段。", "记者 张三", "2022年1月27日"]) is None


def test_the_author_a_blog_links_to_most_is_its_poster() -> None:
    owner = "".join(f"<a href='/?pc={i}&author=102'>分类{i}</a>" for i in range(4))
    page = lxml.html.fromstring(f"<div><a href='/?author=102'>太小心</a>{owner}<a href='/?author=7'>路人</a></div>")
    assert author_link(page) == ["太小心"]


def test_a_page_linking_to_several_authors_alike_names_none() -> None:
    page = lxml.html.fromstring("<div><a href='/author/jane/'>Jane Doe</a><a href='/author/bob/'>Bob Roe</a></div>")
    assert author_link(page) is None


def test_midnight_to_the_second_is_a_day_without_a_time_so_another_source_can_give_the_time() -> None:
    midnight = parse_date("2018/09/16 00:00")
    assert midnight is not None and not midnight.has_time and midnight.date_key == "2018-09-16"
    late = parse_date("2018-09-16 00:00:07")
    assert late is not None and late.has_time
    html = (
        "<html><head><meta property='article:published_time' content='2018-09-16T15:31:57+08:00'></head>"
        "<body><article><time datetime='2018/09/16 00:00'>2018年09月16日 15:31</time><p>"
        + "北市士林區一處民宅今天下午發生火警，消防局據報派出人車趕往現場搶救，火勢在半小時內撲滅，沒有人員受傷。" * 3
        + "</p></article></body></html>"
    )
    result = extract_document(RawDocument(source="midnight.html", data=html.encode()))
    assert isinstance(result, Article)
    assert result.published_at == "2018-09-16T15:31:57+08:00"
