from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import lxml.html
import pytest

from presswatch.extract.html.appended import cut_appended_articles
from presswatch.extract.html.authors import find_authors
from presswatch.extract.html.clean import (
    clean_page,
    cut_closing_notices,
    drop_repeated_title,
    scan,
    split_table_rows,
)
from presswatch.extract.html.guard import is_chinese_page
from presswatch.extract.html.main_text import choose, extract_html, unshared_edges
from presswatch.extract.html.meta import clean_sitename, clean_title, find_date
from presswatch.extract.html.wrapped import contains, plain_text, trim_edges

NOW = datetime(2025, 3, 1, 12, 0)
ARTICLE = (
    "深度求索公司于一月二十日发布了新一代推理模型，在数学推理和代码生成任务上的表现接近业界领先水平。"
    "该公司表示，模型的训练成本远低于同类产品，并以开源方式向全球开发者提供模型权重和技术报告。"
)


def _page(body: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(f"<html><head><title>t</title></head><body>{body}</body></html>")


# ---- titles --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("四年前中500万现穷困潦倒 一夜暴富后如何经营_新浪财经", "四年前中500万现穷困潦倒 一夜暴富后如何经营"),
        ("外交部回应美方芯片出口管制 - 网易新闻", "外交部回应美方芯片出口管制"),
        ("国产大模型加速落地|凤凰网", "国产大模型加速落地"),
        ("关注青少年心理健康服务项目启动--健康·生活--人民网", "关注青少年心理健康服务项目启动"),
        ("Delhi’s deadly air pollution | Vox", "Delhi’s deadly air pollution"),
        ("DeepSeek-V3 发布", "DeepSeek-V3 发布"),  # a hyphen inside a name is not a separator
    ],
)
def test_title_loses_its_site_suffix(title: str, expected: str) -> None:
    assert clean_title(title) == expected


def test_title_segment_shown_in_the_headline_wins_over_a_longer_site_name() -> None:
    assert clean_title("雄安新区 - 维基百科，自由的百科全书", heading="雄安新区[编辑]") == "雄安新区"


def test_sitename_is_not_a_copyright_line() -> None:
    assert clean_sitename("网易版权所有") == "网易"
    assert clean_sitename("Copyright © 2017 Sohu.com Inc. All Rights Reserved.") is None
    assert clean_sitename("@SputnikInt") == "SputnikInt"


def test_headline_opening_the_text_is_dropped_but_a_text_of_one_line_is_kept() -> None:
    assert drop_repeated_title("标题一\n正文第一段", "标题一") == "正文第一段"
    assert drop_repeated_title("标题一", "标题一") == "标题一"


# ---- dates ---------------------------------------------------------------------------------------------

def test_chinese_dateline_gives_date_and_time() -> None:
    assert find_date([], "标题\n2025年01月27日 10:32 来源：新华社", None, NOW) == ("2025-01-27T10:32:00", "header-text")


def test_short_numeric_dateline_is_padded_to_iso() -> None:
    assert find_date([], "发布日期：2005-5-7 21:23:57", None, NOW)[0] == "2005-05-07T21:23:57"


def test_meta_date_without_time_takes_the_time_printed_for_the_same_day() -> None:
    date, source = find_date(["2022-02-13"], "2022年02月13日07:48 | 来源：新华日报", None, NOW)
    assert (date, source) == ("2022-02-13T07:48:00", "meta+header-text")


def test_meta_date_keeps_its_zone() -> None:
    assert find_date(["2019-11-08T15:30:00-05:00"], "", None, NOW)[0] == "2019-11-08T15:30:00-05:00"


def test_date_in_the_future_is_never_chosen() -> None:
    date, source = find_date(["2031-01-01"], "2031年5月1日 发布", "2024-12-30", NOW)
    assert (date, source) == ("2024-12-30", "htmldate")


def test_no_date_anywhere_gives_none() -> None:
    assert find_date([], "没有日期的一段文字", None, NOW) == (None, "")


# ---- authors -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("标题\n光明日报记者 王建宏 张文攀\n土豆，听名字就土得掉渣", ["王建宏", "张文攀"]),
        ("作者：马欢", ["马欢"]),
        ("本报实习生\n刘国栋 周炜", ["刘国栋", "周炜"]),
        ("2004年7月16日08:19 [ 黄宇 ] 来源：[ 国际金融报 ]", ["黄宇"]),
        ("Headline\nBy Umair Irfan\nNov 8, 2019", ["Umair Irfan"]),
        ("中青报·中青网记者 魏其濛 来源：中国青年报", ["魏其濛"]),
    ],
)
def test_byline_near_the_headline_names_the_authors(header: str, expected: list[str]) -> None:
    assert find_authors(header, "", None) == (expected, "byline")


def test_breadcrumb_word_after_jizhe_is_not_a_name() -> None:
    assert find_authors("首页 ｜ 新华社记者看东北 ｜ 人物专访", "", None) == (None, "")


def test_interview_question_marker_is_not_a_byline() -> None:
    assert find_authors("记者：首先欢迎你来到我们的节目", "", None) == (None, "")


def test_closing_byline_names_the_authors_when_the_header_has_none() -> None:
    text = f"{ARTICLE}\n过一个平安、祥和的新春佳节。（常书香 马丹阳 ）"
    assert find_authors("", text, None) == (["常书香", "马丹阳"], "closing-byline")
    assert find_authors("", f"{ARTICLE}\n（姚峰 上海报道） |", None) == (["姚峰"], "closing-byline")


def test_author_metadata_naming_software_or_the_site_is_ignored() -> None:
    assert find_authors("", ARTICLE, "Discuz! Team and Comsenz UI Team") == (None, "")
    assert find_authors("", ARTICLE, "网易", sitename="网易") == (None, "")
    assert find_authors("", ARTICLE, "Sarah E. Needleman") == (["Sarah E. Needleman"], "meta")


# ---- DOM furniture -------------------------------------------------------------------------------------

def test_navigation_bar_and_related_links_go_but_the_article_stays() -> None:
    root = _page(
        '<div><a href="/">首页</a> | <a href="/a">新闻</a> | <a href="/b">财经</a> | <a href="/c">科技</a></div>'
        f'<div id="article"><p>{ARTICLE}</p>'
        '<ul><li><a href="/1">相关新闻一则标题</a></li><li><a href="/2">相关新闻二则标题</a></li>'
        '<li><a href="/3">相关新闻三则标题</a></li></ul></div>'
    )
    clean_page(root)
    text = root.text_content()
    assert ARTICLE in text
    assert "首页" not in text and "相关新闻" not in text


def test_blocks_named_for_sharing_or_comments_go() -> None:
    root = _page(f'<p>{ARTICLE}</p><div class="article-share">分享到微博</div><div id="commentArea">网友评论：很好</div>')
    reasons = {el.get("class") or el.get("id"): why for el, why in scan(root.find("body")).furniture}
    assert reasons == {"article-share": "named", "commentArea": "named"}


def test_copyright_footer_goes_but_copyright_holder_in_the_article_stays() -> None:
    sentence = "美国唱片工会表示，播客在使用其它音乐时，一定要获得版权所有者或制作人的许可。"
    root = _page(f"<p>{ARTICLE}</p><p>{sentence}</p><div>Copyright © 2005 示例网 版权所有</div>")
    clean_page(root)
    assert sentence in root.text_content()
    assert "Copyright" not in root.text_content()


def test_block_holding_most_of_the_page_text_is_kept_whatever_its_name() -> None:
    root = _page(f'<div class="main-with-sidebar"><p>{ARTICLE}</p><p>{ARTICLE}</p></div><div>页脚</div>')
    clean_page(root)
    assert root.text_content().count(ARTICLE) == 2


def test_script_hidden_article_is_revealed_but_a_hidden_menu_is_not() -> None:
    root = _page(
        f'<div id="js_content" style="visibility: hidden;"><p>{ARTICLE}</p></div>'
        '<div id="menu" style="display:none"><a href="/x">菜单</a></div>'
    )
    found = scan(root.find("body"))
    assert [el.get("id") for el in found.hidden_article] == ["js_content"]
    clean_page(root)
    assert "hidden" not in root.get_element_by_id("js_content").get("style")
    assert "display:none" in root.get_element_by_id("menu").get("style")


# ---- text-level furniture -----------------------------------------------------------------------------

def test_layout_table_row_becomes_one_line_per_cell() -> None:
    row = "| 2005-04-05 06:40更新 来源：转载文章 | 第1页/共1页 << 上一页 \\| 下一页 >> |"
    assert split_table_rows(f"|  | {ARTICLE} |\n|---|---|\n{row}").split("\n") == [
        ARTICLE, "2005-04-05 06:40更新 来源：转载文章", "第1页/共1页 << 上一页 | 下一页 >>"
    ]


def test_data_table_rows_stay_whole() -> None:
    table = "| Pos. | Piloto | Pontos | Vitórias |\n| 1 | Kyle Busch | 5040 | 5 |\n| 原文名 | 김종국 |"
    assert split_table_rows(table) == table


def test_closing_notice_and_what_follows_it_are_cut() -> None:
    notice = "特别声明：以上内容(如有图片或视频亦包括在内)为自媒体平台用户上传并发布，本平台仅提供信息存储服务。"
    assert cut_closing_notices(f"{ARTICLE}\n{notice}\n热门推荐") == ARTICLE
    assert cut_closing_notices(f"{ARTICLE}\n39健康网(www.39.net)专稿，未经书面授权请勿转载。") == ARTICLE


def test_notice_quoted_early_in_the_article_is_kept() -> None:
    text = f"免责声明：这是文章讨论的对象。\n{ARTICLE}"
    assert cut_closing_notices(text) == text


# ---- choosing between candidates -----------------------------------------------------------------------

PARAGRAPHS = [
    "深度求索公司于一月二十日发布了新一代推理模型，在数学推理和代码生成任务上的表现接近业界领先水平。",
    "该公司表示，模型的训练成本远低于同类产品，并以开源方式向全球开发者提供模型权重和技术报告。",
    "多家芯片厂商已经宣布完成适配，开发者可以在国产算力平台上直接部署和调用这一模型。",
]


def test_navigation_rows_readability_lacks_are_trimmed_from_the_edges() -> None:
    traf = "\n".join(["| 首页 | 新闻 | 财经 |", *PARAGRAPHS, "| 相关报道：某某新闻 | 打印本文 |"])
    text, method = choose(traf, "\n".join(PARAGRAPHS))
    assert (text, method) == ("\n".join(PARAGRAPHS), "trafilatura-trimmed")


def test_list_only_trafilatura_kept_in_the_middle_stays() -> None:
    middle = "- 第一项：模型开源\n- 第二项：价格下调"
    traf = "\n".join([PARAGRAPHS[0], middle, PARAGRAPHS[1], PARAGRAPHS[2]])
    assert choose(traf, "\n".join(PARAGRAPHS)) == (traf, "trafilatura")


def test_readability_wins_when_trafilatura_found_less_than_half() -> None:
    read = "\n".join(PARAGRAPHS)
    assert choose("| 索 引 号： | 11220000013544357T |", read) == (read, "readability")


def test_trim_that_would_leave_almost_nothing_is_not_made() -> None:
    closing = "业内人士认为，开源模型的快速迭代将推动更多行业应用落地，也会加剧大模型厂商之间的价格竞争。"
    traf = "\n".join([*PARAGRAPHS, closing])
    read = PARAGRAPHS[2]  # readability picked one paragraph of four
    assert unshared_edges(traf.split("\n"), read) == (2, 3)
    assert choose(traf, read) == (traf, "trafilatura")


def test_short_edge_line_is_shared_when_its_tokens_appear_in_order() -> None:
    paragraphs = ["See tweets :", *PARAGRAPHS]
    assert unshared_edges(paragraphs, "See tweets:\n" + "\n".join(PARAGRAPHS)) == (0, 4)


# ---- whole pages ---------------------------------------------------------------------------------------

def test_page_without_html_element_is_still_extracted() -> None:
    html = f'<text id="http://bbs.example.com/1" title="帖子"><div><p>{ARTICLE}</p><p>{ARTICLE}</p></div>'
    ex = extract_html(html, now=NOW)
    assert ARTICLE in ex.text


def test_metadata_comes_with_its_provenance() -> None:
    html = (
        '<html lang="zh-CN"><head><title>国产大模型加速落地_示例财经</title>'
        '<meta property="og:site_name" content="示例财经">'
        '<link rel="canonical" href="https://finance.example.com/2025/01/27/a.html"></head><body>'
        '<div class="nav"><a href="/">首页</a> <a href="/x">财经</a> <a href="/y">科技</a></div>'
        "<h1>国产大模型加速落地</h1><div>2025年01月27日 10:32 来源：示例日报</div><div>本报记者 张三</div>"
        f"<div class='content'><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p></div>"
        "</body></html>"
    )
    ex = extract_html(html, now=NOW)
    assert (ex.title, ex.date, ex.authors) == ("国产大模型加速落地", "2025-01-27T10:32:00", ["张三"])
    assert (ex.sitename, ex.url, ex.language) == ("示例财经", "https://finance.example.com/2025/01/27/a.html", "zh-CN")
    assert ex.provenance["title"] == "h1" and ex.provenance["date"] == "header-text"
    assert ex.provenance["authors"] == "byline" and ex.provenance["text"] == ex.method
    assert ex.text.split("\n") == PARAGRAPHS


def test_timezone_aware_now_bounds_the_date_like_a_naive_one() -> None:
    html = (
        "<html><head><title>t</title></head><body><h1>国产大模型加速落地</h1>"
        f"<div>2025年03月02日 10:32 来源：示例日报</div><div><p>{ARTICLE}</p><p>{ARTICLE}</p></div></body></html>"
    )
    beijing = timezone(timedelta(hours=8))
    assert extract_html(html, now=datetime(2025, 3, 1, 20, 0, tzinfo=beijing)).date == "2025-03-02T10:32:00"
    assert extract_html(html, now=datetime(2025, 2, 27, 12, 0, tzinfo=UTC)).date is None


def test_attribution_lines_far_from_the_article_are_not_its_own() -> None:
    # Related stories with credits of their own, then more than HEADER_BEFORE characters of headlines.
    sidebar = "".join(f"<li><a href='/a{i}'>其他新闻标题第{i}条，讲述另一件事情</a><span>来源：别家日报</span></li>"
                      for i in range(5))
    headlines = "".join(f"<li><a href='/b{i}'>第{i}条要闻标题，讲述又一件完全不同的事情</a></li>" for i in range(30))
    html = (
        f"<html><head><title>t</title></head><body><ul>{sidebar}</ul><ul>{headlines}</ul>"
        f"<h1>国产大模型加速落地</h1><p>来源：示例日报</p><div><p>{ARTICLE}</p><p>{ARTICLE}</p></div>"
        "<p>责任编辑：王小明</p></body></html>"
    )
    attributions = extract_html(html, now=NOW).hints.attributions
    assert attributions == [("source", "示例日报"), ("editor", "王小明")]


# ---- pages that are not Chinese: never a fragment of what plain trafilatura keeps ---------------------

_POSTS = "".join(
    f"<div class='entry'><p>Entry {i}: the home side pressed high for most of the half, and the visitors "
    f"defended deep, waiting for a counter that came only in the closing minutes of the match.</p></div>"
    for i in range(8)
)


def test_text_of_a_page_that_is_not_chinese_holds_everything_plain_trafilatura_keeps() -> None:
    html = (f"<html lang='en'><head><title>Live</title></head><body><nav><a href='/'>Home</a> <a href='/n'>News</a>"
            f"</nav><main><h1>Live</h1>{_POSTS}</main><footer>Imprint</footer></body></html>")
    ex = extract_html(html, now=NOW)
    assert not ex.chinese_page
    for line in plain_text(html).split("\n"):
        assert line in ex.text


_BODY = [f"Paragraph {i} of the report: the council voted on the budget after a long debate about schools." for i in range(6)]
_READ = "\n".join(_BODY)
_LONG_TAIL = "Sign up for our newsletter and get the day's big stories, picks and rankings in your inbox every morning."


def test_short_edge_paragraphs_readability_lacks_are_dropped() -> None:
    text = "\n".join(["Share on Facebook", *_BODY, "Photo: Reuters"])
    assert trim_edges(text, _READ) == _READ


def test_an_opening_sentence_readability_lacks_stays_it_may_be_the_lead() -> None:
    lead = "(CNN) The council approved the city budget on Tuesday after a debate that lasted well into the night."
    text = "\n".join([lead, *_BODY])
    assert trim_edges(text, _READ, confirm=lambda: _READ) == text
    long_lead = " ".join([lead] * 3)  # a long opening run stays even when both readings lack it
    assert trim_edges("\n".join([long_lead, *_BODY]), _READ, confirm=lambda: _READ).startswith(long_lead)


def test_a_closing_run_goes_only_when_a_second_reading_lacks_it_too() -> None:
    text = "\n".join([*_BODY, _LONG_TAIL])
    assert trim_edges(text, _READ, confirm=lambda: _READ) == _READ
    assert trim_edges(text, _READ, confirm=lambda: text) == text
    assert trim_edges(text, _READ) == text  # no second reading: long paragraphs stay


def test_a_closing_run_of_half_the_text_stays_even_when_both_readings_lack_it() -> None:
    replies = [f"Reply {i}: we did the same in our house and it worked well for three winters in a row now." for i in range(6)]
    text = "\n".join([*_BODY, *replies])
    assert trim_edges(text, _READ, confirm=lambda: _READ) == text


def test_contains_means_nearly_all_of_the_part_is_in_the_text() -> None:
    assert contains(_READ + "\nMore paragraphs of the same article, found by the other reading.", _READ)
    assert not contains(_READ, "\n".join([*_BODY[:2], _LONG_TAIL, _LONG_TAIL.upper() + " again"]))


def test_comment_named_blocks_are_kept_on_pages_that_are_not_chinese() -> None:
    posts = "".join(
        f"<div class='post comment-text'><p>Post {i}: we insulated the roof first and replaced three radiators, "
        f"and the heat pump has run efficiently through two winters since.</p></div>" for i in range(4)
    )
    ex = extract_html(f"<html lang='en'><head><title>Heat pumps in old houses</title></head><body>"
                      f"<h1>Heat pumps in old houses</h1>{posts}</body></html>", now=NOW)
    assert all(f"Post {i}: we insulated" in ex.text for i in range(4))
    assert not ex.chinese_page


def test_is_chinese_page_by_han_share_of_letters() -> None:
    assert is_chinese_page("深度求索发布新模型 DeepSeek-R1，引发关注")
    assert not is_chinese_page("Die Bundesliga im Liveticker: Bayern gegen Dortmund")


def test_japanese_pages_are_not_chinese_though_they_write_in_han_characters() -> None:
    assert not is_chinese_page("肉をくわえたイヌが、橋を渡っていました。ふと下を見ると、川の中にも肉をくわえたイヌがいます。")
    assert is_chinese_page("日本首相访问北京，双方就经贸合作达成共识。「の」字招牌引发网友热议，相关话题阅读量超过一亿。")


@pytest.mark.parametrize(
    ("header", "names"),
    [
        ("新华社北京2月18日电（记者张三、李四）国家统计局今天发布", ["张三", "李四"]),
        ("本报讯（记者 王小明 通讯员李大伟）昨天上午", ["王小明", "李大伟"]),
        ("（记者陈嘉欣 北京报道）今天", ["陈嘉欣"]),
        ("〔記者陳嘉欣／台北報導〕國家超算", ["陳嘉欣"]),
        ("执笔人：闵乐夫 赵兰波", ["闵乐夫", "赵兰波"]),
        ("本报实习生 刘国栋 周炜\n本报记者 王燕平", ["刘国栋", "周炜", "王燕平"]),
    ],
)
def test_portal_bylines_name_reporters(header: str, names: list[str]) -> None:
    assert find_authors(header, "", None) == (names, "byline")


def test_responsible_editor_and_source_lines_are_not_bylines() -> None:
    assert find_authors("责任编辑：王小明\n来源：新华社", "", None) == (None, "")


@pytest.mark.parametrize(
    ("header", "names"),
    [
        ("Titel\nVon Jörg Müller\n12.03.2024", ["Jörg Müller"]),
        ("Par Élodie Martin, à Paris", ["Élodie Martin"]),
        ("Por María José García — Madrid", ["María José García"]),
        ("Von Berlin aus fährt der Zug", None),
        ("Von der Leyen sagte am Montag", None),
    ],
)
def test_european_bylines_name_people_with_accents_and_nobody_in_a_sentence(
    header: str, names: list[str] | None
) -> None:
    assert find_authors(header, "", None)[0] == names


def test_a_closing_bracket_naming_the_site_credits_the_desk_and_a_marked_up_author_link_names_the_reporter() -> None:
    text = "北市士林區一處民宅今天下午發生火警，消防局據報派出人車趕往現場。\n(中時 )"
    assert find_authors("", text, None, sitename="中時電子報") == (None, "")
    assert find_authors("", text, None, sitename="中時電子報", link=["謝明俊"]) == (["謝明俊"], "author-link")
    assert find_authors("", "火勢撲滅。\n（记者 张三 北京报道）", None, sitename="中時電子報") == (["张三"], "closing-byline")


_ARTICLE_DE = "<p>" + "Der Gemeinderat hat am Dienstag den Haushalt beschlossen, nach einer langen Debatte über die Schulen. " * 4 + "</p>"


def test_authors_of_a_page_that_is_not_chinese_come_as_trafilatura_finds_them_never_from_the_comments() -> None:
    html = (f"<html lang='de'><head><title>Haushalt beschlossen</title></head><body><article><h1>Haushalt beschlossen</h1>"
            f"<div class='byline'><span class='author'>Anna Müller</span></div>{_ARTICLE_DE}</article>"
            "<section class='comments'><div class='comment'><span class='author'>Troll42</span><p>Unsinn!</p></div>"
            "</section></body></html>")
    ex = extract_html(html, now=NOW)
    assert (ex.authors, ex.provenance.get("authors")) == (["Anna Müller"], "trafilatura-author")


def test_author_metadata_comes_first_and_a_plain_byline_line_is_the_last_resort() -> None:
    head = "<html lang='de'><head><title>Haushalt beschlossen</title>{meta}</head><body><h1>Haushalt beschlossen</h1>"
    tail = f"<p>Von Jörg Müller</p>{_ARTICLE_DE}</body></html>"
    with_meta = extract_html(head.format(meta="<meta name='author' content='Petra Schulz'>") + tail, now=NOW)
    assert with_meta.authors == ["Petra Schulz"]
    without = extract_html(head.format(meta="") + tail, now=NOW)
    assert (without.authors, without.provenance.get("authors")) == (["Jörg Müller"], "byline")


# ---- appended articles ---------------------------------------------------------------------------------

SECOND = "观众都以为他隐退了其实已经去世十年" * 3 + "。他的歌在中国家喻户晓，很多明星都翻唱过这首经典作品。" * 6


def _appended(second_head: str, opening: str = "<time>2023-06-01 00:48</time>") -> str:
    return (
        '<div class="detail"><div class="own"><h1 class="article__title">美官员否认直升机事故存在谋杀行为</h1>'
        f"<time>2024-05-20 13:09</time><p>{ARTICLE}</p></div>"
        f'<div class="more"><h1 class="article__title">{second_head}</h1>{opening}<p>{SECOND}</p></div>'
        "<div class='bottom'><a href='/1'>看了又看</a></div></div>"
    )


def test_a_second_article_in_the_same_headline_markup_is_cut_with_what_follows() -> None:
    root = _page(_appended("31岁在春晚一炮而红，观众都以为他隐退了"))
    assert cut_appended_articles(root, "美官员否认直升机事故存在谋杀行为_快资讯") == 2
    text = root.text_content()
    assert "深度求索公司" in text and "隐退了" not in text and "看了又看" not in text


def test_a_repeated_headline_without_a_dateline_is_a_section_of_the_article_and_stays() -> None:
    root = _page(_appended("第二部分：他的歌为什么流行", opening=""))
    assert cut_appended_articles(root, "美官员否认直升机事故存在谋杀行为") == 0
    assert "家喻户晓" in root.text_content()


def test_nothing_is_cut_when_no_headline_matches_the_title() -> None:
    root = _page(_appended("31岁在春晚一炮而红，观众都以为他隐退了"))
    assert cut_appended_articles(root, "某网站首页") == 0
    assert "隐退了" in root.text_content()


def test_a_large_recommended_block_after_the_post_goes_but_a_body_opening_with_prose_stays() -> None:
    post = f'<h1>一条短微博的标题文字</h1><div class="post"><p>{ARTICLE}</p></div>'
    recommended = f'<div class="recommend-wrapper"><h2><a href="/x">推荐文章的标题</a></h2><p>{SECOND * 3}</p></div>'
    root = _page(post + recommended)
    assert cut_appended_articles(root, "一条短微博的标题文字") == 1
    assert "家喻户晓" not in root.text_content() and "深度求索公司" in root.text_content()
    # The article body itself in a block whose name says 'related' opens with prose: it stays.
    root = _page(f'<h1>一条短微博的标题文字</h1><p>{ARTICLE}</p><div class="related-body"><p>{SECOND}</p></div>')
    assert cut_appended_articles(root, "一条短微博的标题文字") == 0


def test_a_page_printing_its_headline_last_with_a_button_label_drops_it() -> None:
    assert drop_repeated_title(f"{ARTICLE}\n美官员否认直升机事故存在谋杀行为播报文章", "美官员否认直升机事故存在谋杀行为") == ARTICLE
    closing = f"{ARTICLE}\n美官员否认直升机事故存在谋杀行为，这是调查人员给出的最终结论与说明。"
    assert drop_repeated_title(closing, "美官员否认直升机事故存在谋杀行为") == closing


def test_encyclopedia_apparatus_is_furniture() -> None:
    body = (f'<h2>历史<span class="mw-editsection">[编辑]</span></h2><p>{ARTICLE}</p>'
            '<table class="infobox"><tr><td>中文名</td><td>雄安新区</td></tr></table>'
            '<div class="basicInfo_x"><dl><dt>核准面积</dt><dd>952公顷</dd></dl></div>'
            '<ol class="references"><li>新华网. 2023-12-06</li></ol>')
    root = _page(body)
    clean_page(root)
    text = root.text_content()
    assert "深度求索公司" in text and "历史" in text
    for apparatus in ("[编辑]", "中文名", "核准面积", "新华网"):
        assert apparatus not in text


def test_a_publication_time_set_by_script_dates_a_page_whose_dateline_is_empty() -> None:
    from presswatch.extract.html.meta import script_date

    root = _page('<em id="publish_time"></em><script>var nickname = "x";\nvar ct = "1659274471";</script>'
                 '<script src="/x.js"></script>')
    assert script_date(root) == "2022-07-31T21:34:31+08:00"
    assert script_date(_page("<script>var publish_time = '2024-05-20 13:09';</script>")) == "2024-05-20 13:09"
    assert script_date(_page("<script>var ct = 'abc';</script>")) is None
    # A printed dateline comes first: the script time is only the fallback.
    assert find_date([], "发布时间：2024-05-19 08:00", None, NOW.replace(year=2026), True, "2022-07-31")[0] == "2024-05-19T08:00:00"
    assert find_date([], "", None, NOW.replace(year=2026), True, "2022-07-31T21:34:31+08:00")[1] == "script"


def test_a_section_heading_in_the_headline_markup_followed_by_a_date_stays() -> None:
    body = (f'<div class="article"><h1 class="t">美官员否认直升机事故存在谋杀行为</h1><p>{ARTICLE}</p>'
            f'<h1 class="t">第二部分：事故调查的进展</h1><p>2024年5月21日，{SECOND}</p></div>')
    root = _page(body)
    assert cut_appended_articles(root, "美官员否认直升机事故存在谋杀行为") == 0
    assert "家喻户晓" in root.text_content()
