"""Furniture and attribution rules on small made-up pages (not copies of the seeds)."""

from __future__ import annotations

import pytest

from presswatch.extract.endings import article_end, is_action_line
from presswatch.extract.furniture import clean_paragraphs, line_furniture, parse_attribution

BODY = [
    "本市今天发布新的公共交通优化方案，涉及全市四十余条公交线路的调整，预计下月起陆续实施。",
    "市交通局负责人表示，此次调整主要针对早晚高峰客流集中的走廊，新增多条大站快线，缩短通勤时间。",
    "市民李女士说，她每天换乘两次才能到单位，希望新线路开通后能够一车直达，节省路上的时间。",
]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("来源：华东晨报", [("source", "华东晨报")]),
        ("來源｜南方時報", [("source", "南方時報")]),
        ("本文来源：经济观察网 作者：周小七", [("source", "经济观察网"), ("author", "周小七")]),
        ("► 文 北方日报 赵六", [("source", "北方日报"), ("author", "赵六")]),
        ("文/李四", [("author", "李四")]),
        ("（记者 张三 李四）", [("author", "张三"), ("author", "李四")]),
        ("责任编辑：王小明", [("editor", "王小明")]),
        ("責編:陳大文", [("editor", "陳大文")]),
        ("編輯：林小華 校對：陳一", [("editor", "林小華"), ("reviewer", "陳一")]),
        ("翻译：某某中文网", [("translator", "某某中文网")]),
        ("原标题：一场关于城市更新的讨论", [("original-title", "一场关于城市更新的讨论")]),
        ("By Jane Doe and John Roe", [("author", "Jane Doe"), ("author", "John Roe")]),
        # Portals print the time after the source: the outlet is the name alone.
        ("来源：人民日报2024-05-13 08:49", [("source", "人民日报")]),
        ("來源：聯合報 2023年5月20日 15:31", [("source", "聯合報")]),
    ],
)
def test_attribution_lines_are_parsed_in_both_scripts(line: str, expected: list[tuple[str, str]]) -> None:
    assert parse_attribution(line) == expected


@pytest.mark.parametrize(
    "sentence",
    ["来源于生活的艺术作品在本次展览中集中亮相。", "作者认为这一趋势在未来几年仍将持续", "编辑部收到了大量读者来信，纷纷表达对这一政策的关注和支持。"],
)
def test_sentences_that_start_like_attributions_are_not_attributions(sentence: str) -> None:
    assert parse_attribution(sentence) is None


def test_attribution_block_after_the_body_cuts_the_tail_and_is_recorded() -> None:
    page = [*BODY, "來源：城市通訊社", "責編：黃一鳴", "更多新闻请下载客户端", "某地发生一起交通事故..."]
    cleaned = clean_paragraphs(page)
    assert cleaned.body == BODY
    assert cleaned.cut_reason == "attribution-block"
    assert cleaned.attributions == [("source", "城市通訊社"), ("editor", "黃一鳴")]


def test_attribution_line_before_the_body_is_recorded_without_cutting() -> None:
    cleaned = clean_paragraphs(["本文来源：城市晚报 作者：孙八", *BODY])
    assert cleaned.body == BODY
    assert cleaned.cut_at is None
    assert ("author", "孙八") in cleaned.attributions


def test_live_stock_comment_stream_after_the_article_is_removed() -> None:
    stream = [
        "老王看盘今天 10:31:05",
        "大盘继续震荡，注意控制仓位，不要追高 -",
        "趋势猎手今天 10:29:47",
        "加入VIP直播间，每日金股推荐，点击订阅 -",
    ]
    cleaned = clean_paragraphs([*BODY, *stream])
    assert cleaned.body == BODY
    assert cleaned.cut_reason == "comment-stream"


def test_related_news_list_with_dates_is_cut_after_the_heading() -> None:
    related = [
        "相关阅读",
        "某市地铁新线今日开通试运营...",
        "记者从市轨道交通集团获悉，该线路全长二十公里，共设站点十六座，换乘...",
        "2024-05-01 09:30:12",
        "夏季用电高峰将至 电网公司提前部署...",
    ]
    cleaned = clean_paragraphs([*BODY, *related])
    assert cleaned.body == BODY
    assert cleaned.cut_reason == "section-heading"
    assert all(reason == "tail" for _, reason in cleaned.removed)


def test_recommendation_list_above_the_article_is_skipped_but_the_article_kept() -> None:
    page = ["热门推荐", "某球队主场逆转取胜...", "12,408", *BODY]
    cleaned = clean_paragraphs(page)
    assert cleaned.body == BODY
    assert cleaned.cut_at is None


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("![示意图](https://img.example.com/a.jpg)城市公交示意图", "image"),
        ("[首页](https://a.example.cn) [新闻](https://a.example.cn/news)", "links"),
        ("- 2024年05月01日", "date-or-number"),
        ("- 09:15", "date-or-number"),
        ("31,105", "date-or-number"),
        ("某市召开新闻发布会 部署夏季防汛...", "truncated-headline"),
        ("扫码下载APP 看更多精彩", "promotion"),
        ("分享到微信朋友圈", "promotion"),
        ("首页 > 财经 > 正文", "navigation"),
        ("相關閱讀：", "section-heading"),
    ],
)
def test_single_line_furniture_is_recognised(line: str, reason: str) -> None:
    assert line_furniture(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "市民张先生说，现在用手机扫码就能乘坐公交，出行方便了很多。",
        "他沉默了很久，才说：“也许吧……",
        "人工智能的下一步在哪里？",
        "2024年5月1日，新的公交方案在全市范围内正式实施，首日客流平稳。",
        "WHAT YOU NEED TO MAKE JAM",
        "Here is the other important thing …",
    ],
)
def test_body_sentences_are_not_furniture(line: str) -> None:
    assert line_furniture(line) is None


# ---- where an article ends on a page that goes on (presswatch.extract.endings) --------------------------

NEXT_POST = ["澳坛真的累了", "我真的累了。当斑竹半年来，没有功劳也有苦劳，而一切都怪我太认真，这是我写给大家的最后一篇长文章。" * 3]


@pytest.mark.parametrize("line", ["| [打印] |", "【打印本页】【关闭窗口】", "第1页/共1页 << 上一页 | 下一页 >>"])
def test_print_and_pagination_lines_are_action_lines(line: str) -> None:
    assert is_action_line(line)


@pytest.mark.parametrize("line", ["打印机的销量今年上升了三成。", "上一页内容回顾", "他在评论中说"])
def test_sentences_mentioning_actions_are_not_action_lines(line: str) -> None:
    assert not is_action_line(line)


def test_a_print_line_followed_by_the_next_post_ends_the_article_even_before_longer_prose() -> None:
    cleaned = clean_paragraphs([*BODY, "| [打印] |", *NEXT_POST])
    assert cleaned.body == BODY
    assert cleaned.cut_reason == "closing-actions"


def test_the_headline_printed_again_under_the_article_ends_it() -> None:
    cleaned = clean_paragraphs([*BODY, "某市公交方案调整", "2005-04-05 06:40更新"], title="某市公交方案调整")
    assert cleaned.body == BODY
    assert cleaned.cut_reason == "title-repeat"


def test_a_table_row_naming_the_title_does_not_end_the_article() -> None:
    assert article_end("| 某市公交方案调整 |  |  |", "某市公交方案调整") is None
