"""Golden pages: real pages (and one constructed Big5 page) with passages that must and must not come out.

Substring checks in the style of trafilatura's own tests: a few sentences of the article that have to
be there, a few pieces of page furniture that must not, and the metadata the page prints. See
tests/fixtures/pages/SOURCES.md for where each page comes from. Each page stands for a kind: a 2000s
table layout, a forum, a script-revealed WeChat article, an essay signed by a name line, a live ticker ...
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from presswatch.extract.decoding import decode
from presswatch.extract.document import extract_document
from presswatch.extract.html.main_text import HtmlExtraction, extract_html
from presswatch.records import Article, RawDocument

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


@dataclass(frozen=True)
class Golden:
    file: str
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    title: str | None = None
    date: str | None = None  # prefix of the ISO date
    authors: tuple[str, ...] = field(default_factory=tuple)
    # What the whole document path decides (weaker author sources, closing dates), when it differs.
    doc_date: str | None = None
    doc_authors: tuple[str, ...] = field(default_factory=tuple)
    not_authors: tuple[str, ...] = field(default_factory=tuple)  # editors, sources: never the author
    doc_must_not: tuple[str, ...] = field(default_factory=tuple)  # what the document path cuts besides


GOLDEN = [
    Golden(
        "gbk_sina_2005_layout_0d931936.html.gz",
        must=("人生如戏。一夜之间，它可以让一个穷光蛋成为百万富翁", "如果我能再得一次500万大奖，山庄的运作就不愁资金了"),
        must_not=("企业服务首页", "车爵仕汽车酷装美容", "一周要闻回顾", "Copyright", "发表评论"),
        title="四年前中500万现穷困潦倒 一夜暴富后如何经营",
        date="2005-03-21T11:21",
    ),
    Golden(
        "gbk_yahoo_2005_layout_2bac7fb2.html.gz",
        must=("像许多日本女性一样，顺子一直等到30岁出头才结婚", "女方抱怨性生活“不活跃”的比例有所增加"),
        must_not=("本周雅虎推荐", "西门子无绳电话", "发送给朋友", "雅虎中国著作权声明", "城市资讯"),
        # The headline printed again under the article opens a second item: the article ends there.
        doc_must_not=("第1页/共1页", "2005-04-05 06:40更新"),
        title="多数夫妻生活有名无实 日本无性婚姻问题严重(图)",
        date="2005-04-05T06:40",
    ),
    Golden(
        "gb2312_people_2022_b26fbb82.html.gz",
        must=("江苏多地日前发布通知，部署春季学期开学师生返校和疫情防控工作", "开学报到前完成第一次常态化核酸检测工作"),
        must_not=("小字号",),
        title="江苏多地要求中高风险地区师生员工暂不返校",
        date="2022-02-13T07:48",
        authors=("葛灵丹",),
    ),
    Golden(
        "utf8_notice_tail_3e1af229.html.gz",
        must=("土豆，听名字就“土”得掉渣", "成了当地支撑乡村振兴的重要产业"),
        must_not=("反侵权公告", "陈律师（法律顾问）", "Toggle navigation"),
        date="2022-02-13",
        authors=("王建宏", "张文攀"),
    ),
    Golden(
        "gbk_forum_no_html_tag_6dc2d508.html.gz",
        must=("《太行山上》主要讲述八路军总司令朱德率领刚刚改编完的八路军三个主力师东渡黄河",),
        must_not=("建议使用IE4.0或以上版本浏览",),
        authors=("放飞&心情",),  # a forum handle joined by '&' is one poster, not two names
    ),
    Golden(
        "utf8_declared_gb2312_0987b0ff.html.gz",
        must=("农历腊月初八是腊八节，腊八节要吃腊八粥", "仔细品味各种食材本身的香味，更有乐趣"),
        must_not=("健康资讯推荐", "推荐医院", "癫痫病的诊断方法", "举报/反馈"),
        title="煮一碗好吃的腊八粥，请记好这几个小窍门",
        date="2021-01-20",
    ),
    Golden(
        "wechat_hidden_article_7e99760d.html.gz",
        must=("7月29日上午，在第95个“八一”建军节来临之际，绥德县在县消防救援大队成功举行了",),
        must_not=("微信扫一扫",),
        title="绥德：33名退役军人被表彰",
        # Kind: a date set by script. The dateline element is empty; `var ct = "1659274471"` sets it.
        date="2022-07-31T21:34",
        doc_date="2022-07-31T21:34",
    ),
    Golden(
        "english_vox_16c30add.html.gz",
        must=("Another cloud of choking smoke and dust is set to descend upon the 20 million residents",
              "But what you need is political will and a bit of imagination."),
        must_not=("Share this on Facebook", "Knowledge workers” could be the most impacted",
                  "Editorial Ethics"),
        title="The law that’s helping fuel Delhi’s deadly air pollution",
        date="2019-11-08",
        authors=("Umair Irfan",),
    ),
    Golden(
        "traditional_big5_constructed.html",
        must=("2025年1月20日,DeepSeek發佈新一代推理大模型 DeepSeek-R1", "促進供需雙方的高效對接。"),
        must_not=("輝達股價大跌", "分享到臉書", "隱私權政策", "版權所有", "首頁"),
        title="DeepSeek火爆全球 人工智能或進入普惠時代",
        date="2025-02-18T10:32",
    ),
]


GOLDEN += [
    # Taiwan news page, UTF-8 traditional script: '〔記者X／台北報導〕' byline, a 責任編輯 line, and dates in
    # a hot-news list above the headline, in the comments and in the related list: none is the article's.
    Golden(
        "traditional_utf8_taiwan_constructed.html",
        must=("目前超算互聯網已連接國內14個省區市的20多家超算和智算中心", "下游應用可望在今年陸續落地。"),
        must_not=("颱風外圍環流", "算力中心的電力從哪裡來", "輝達股價大跌", "分享到臉書", "版權所有", "隱私權政策"),
        title="AI算力需求激增 超算平臺連接20多家中心",
        date="2025-02-18T10:32",
        authors=("陳嘉欣",),
        doc_authors=("陳嘉欣",),
        not_authors=("林美玲", "責任編輯"),
    ),
    # An essay reprinted from a magazine: signed by a name alone under the headline, dated only by the
    # issue it closes with ('——《北京之春》1998年3月号').
    Golden(
        "gbk_essay_name_line_issue_month_5dc3fa2d.html.gz",
        must=("当今中国最流行的是什么主义?答：犬儒主义。", "共产党的犬儒主义也就走到了它的极点。"),
        must_not=(),
        doc_date="1998-03",
        doc_authors=("胡平",),
    ),
    # ASP portal: '发布日期： 7/5/2005 9:23:57 PM' (US month/day, as IIS prints it), and a later
    # '【看中国2005年07月03日报道】' inside the text that is not the posting date.
    Golden(
        "gbk_asp_us_date_05e98007.html.gz",
        must=("张家界的春天，美得让人眩目。",),
        must_not=("公民读本与先贤论著",),
        date="2005-07-05T21:23",
    ),
    # Two byline lines under the headline: '本报实习生 甲 乙' then '本报记者 丙 丁 戊'.
    Golden(
        "gbk_two_byline_lines_ab65832c.html.gz",
        must=("为拆一幢房，断送了三条人命。",),
        must_not=(),
        authors=("刘国栋", "周炜", "王燕平", "方云凤", "柏建斌"),
    ),
    # A government portal: no byline, the item's writer is the plain 编辑 of the closing line.
    Golden(
        "utf8_desk_editor_line_500b350d.html.gz",
        must=("新征程催人奋进，新使命激荡人心。", "预祝大会圆满成功！"),
        must_not=("打印本页",),
        doc_authors=("苏亮",),
        not_authors=("巴彦淖尔日报",),
    ),
    # A blog archive page: each post closes with '| [打印] |' and the next post follows, title first.
    # The article is the first post.
    Golden(
        "gbk_blog_archive_posts_59562291.html.gz",
        must=("湘菜粤菜兵分两路，新鲜的是，湘菜浓妆淡抹，粤菜却是明艳照人。",),
        must_not=(),
        doc_must_not=("澳坛真的累了", "我真的累了. 当斑竹半年来", "[打印]"),
    ),
    # An official notice closing with its issuer and the date it was signed (落款, 成文日期): the portal's
    # own date is the day after.
    Golden(
        "utf8_official_notice_signature_e8847578.html.gz",
        must=("三、自本通告发布之日起，上述区域内新迁入的人口不享有相关补偿政策。",),
        must_not=(),
        doc_date="2022-01-27",
        doc_authors=("吉林省人民政府",),
    ),
    # Pages that are not Chinese, where Chinese-portal furniture rules cost text: ticker entries and
    # forum posts with 'share'/'comment' class names must all stay, as plain trafilatura keeps them.
    Golden(
        "german_live_ticker_constructed.html",
        must=("Abpfiff in München! Dortmund gewinnt das Spitzenspiel",
              "Tor für Dortmund! Nach einem schnellen Konter", "Der Ball rollt!"),
        must_not=("Impressum", "Alle Rechte vorbehalten", "Startseite"),
        title="Liveticker: Bayern gegen Dortmund",
        date="2024-03-30",
    ),
    Golden(
        "german_forum_thread_constructed.html",
        must=("Hallo zusammen, wir haben ein Haus aus dem Jahr 1962 gekauft",
              "Bei uns läuft seit drei Jahren eine Wärmepumpe", "Ich melde mich wieder, sobald wir ein Angebot haben."),
        must_not=("Forenregeln", "Copyright"),
        title="Welche Wärmepumpe für den Altbau?",
        authors=("Heizungsfreund",),
    ),
    Golden(
        "french_live_blog_constructed.html",
        must=("Victoire au sommet !", "Chute dans le peloton dans la descente du col !",
              "Le départ réel a été donné à Annemasse"),
        must_not=("Tous droits réservés", "Accueil"),
        authors=("Claire Dubois",),
    ),
]


GOLDEN += [
    # A real Taiwan news page (中時電子報, 2018, UTF-8 traditional script; scripts removed): the reporter is
    # marked up only as a rel="author" link beside a <time> printing midnight (the text says 15:31); the
    # article closes with '(中時 )', the desk, and the page carries a recommended-reading list, comment
    # rules, the reporter's other stories and a TOP 10.
    Golden(
        "traditional_chinatimes_2018_reduced.html.gz",
        must=("北市士林區葫蘆街一處民宅，16日下午1時48分驚傳一對97歲母親和75歲的兒子",),
        must_not=("推薦閱讀", "前鎮河驚傳男浮屍綁石頭", "請勿重覆刊登一樣的文章", "北市２０１８年國際聽障自由車環台賽交管路線",
                  "律師說法》富少空中耍大牌", "小字型", "分享至"),
        title="悲慟！北市士林年邁母子 住處上吊自殺身亡",
        date="2018-09-16T15:31",
        authors=("謝明俊",),
        doc_date="2018-09-16T15:31",
        doc_authors=("謝明俊",),
        not_authors=("中時",),
    ),
    # Pages that are not Chinese get trafilatura's text (presswatch.extract.html.wrapped). A Spanish opinion
    # column (La Nación, 2017) and a French news page (Le Monde, 2015) from mozilla/readability's tests,
    # scripts removed: the whole column, none of the ranking, comment box or related list around it.
    Golden(
        "spanish_lanacion_column_reduced.html.gz",
        must=("Abdullah Ocalan, el líder independentista kurdo, desembarcó en Italia en noviembre de 1998",
              "Pero el problema histórico del Estado argentino no fue tanto quiénes lo desafiaron como quiénes lo gobernaron."),
        must_not=("Las más leídas", "Copyright 2017", "Enviá tu comentario", "Recibí por mail", "Por qué Jerusalén está"),
        title="Una solución no violenta para la cuestión mapuche",
    ),
    Golden(
        "french_lemonde_2015_reduced.html.gz",
        must=("Les députés ont, sans surprise, adopté à une large majorité (438 contre 86 et 42 abstentions)",
              "Aucune mesure de rétorsion ne pourra viser l’agent qui aurait dénoncé des actes potentiellement illégaux."),
        must_not=("Abonnez-vous", "Loi renseignement : Urvoas", "Journaliste au Monde", "Sécurité informatique"),
        title="Le projet de loi sur le renseignement massivement approuvé à l'Assemblée",
        date="2015-05-04T13:36",
        authors=("Martin Untersinger",),
    ),
    # A Japanese page (an Aesop fable in a 2000s table layout, from mozilla/readability's tests): Han
    # characters but mostly kana, so not Chinese - the Chinese-portal rules do not apply.
    Golden(
        "japanese_fable_layout_table_reduced.html.gz",
        must=("肉をくわえたイヌが、橋を渡っていました。", "欲張るとけっきょく損をするというお話しです。"),
        must_not=(),
    ),
]

GOLDEN += [
    # Kind: a short post above an appended article (magic-html cc1897c3, 360kuai 2024). The page's own post
    # is 197 characters; under it the page prints a whole recommended article (same h1 class, byline,
    # <time>) of 1,148 characters that wins on text density. The repeated headline block ends the article.
    Golden(
        "utf8_short_post_appended_article_cc1897c3.html.gz",
        must=("载有伊朗总统的直升机发生“硬着陆”事故后，美参议院多数党领袖舒默表示", "伊朗总统莱希在直升机事故中遇难"),
        must_not=("31岁在春晚一炮而红", "如果说在中国传唱度最高的歌曲", "外婆的澎湖湾", "看了又看", "播报文章"),
        title="美官员否认伊朗直升机事故存在谋杀行为",
        date="2024-05-20T13:09",
    ),
    # Kind: encyclopedia pages. A Chinese Wikipedia article (magic-html 06586406): infobox, '[编辑]' links,
    # reference list and navigation boxes are apparatus, not text; the sections are.
    Golden(
        "utf8_wikipedia_infobox_references_06586406.html.gz",
        must=("雄安新区是中国第19个国家级新区，也是首个由中共中央、国务院印发通知成立的国家级新区",
              "考古资料显示雄安在7000年以前，就有人类在此繁衍生息"),
        must_not=("雄安新区的地理位置", "[编辑]", "邮政编码发布", "新华网. 2023-12-06", "现任党工委书记及管委会主任"),
        title="雄安新区",
    ),
    # A Baidu Baike entry (magic-html 21475f4b): the basic-info box (中文名/别名/核准面积 ...), the contents
    # box and the reference list go; the entry's summary and sections stay.
    Golden(
        "utf8_baike_infobox_21475f4b.html.gz",
        must=("河北雄安高新技术产业开发区，隶属河北省雄安新区，简称雄安高新区",
              "雄安高新区将着力构建“一核两翼三支撑”的空间格局"),
        must_not=("中文名", "核准面积", "目录", "引用日期", "规划用地超952公顷河北省同意雄安设立省级高新区"),
        title="河北雄安高新技术产业开发区",
    ),
]


def test_a_japanese_page_is_not_read_as_a_chinese_portal(extracted: dict[str, HtmlExtraction]) -> None:
    assert not extracted["japanese_fable_layout_table_reduced.html.gz"].chinese_page
    assert extracted["traditional_chinatimes_2018_reduced.html.gz"].chinese_page


def _bytes(golden: Golden) -> bytes:
    data = (PAGES / golden.file).read_bytes()
    return gzip.decompress(data) if golden.file.endswith(".gz") else data


@pytest.fixture(scope="module")
def extracted() -> dict[str, HtmlExtraction]:
    return {g.file: extract_html(decode(_bytes(g)).text) for g in GOLDEN}


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda g: g.file.split(".")[0])
def test_golden_page_keeps_article_passages_and_drops_furniture(
    golden: Golden, extracted: dict[str, HtmlExtraction]
) -> None:
    text = extracted[golden.file].text
    for passage in golden.must:
        assert passage in text, f"missing article passage {passage!r}"
    for furniture in golden.must_not:
        assert furniture not in text, f"furniture kept: {furniture!r}"


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda g: g.file.split(".")[0])
def test_golden_page_metadata(golden: Golden, extracted: dict[str, HtmlExtraction]) -> None:
    ex = extracted[golden.file]
    if golden.title:
        assert ex.title == golden.title
    if golden.date:
        assert ex.date is not None and ex.date.startswith(golden.date), ex.date
    if golden.authors:
        assert ex.authors is not None and set(golden.authors) <= set(ex.authors), ex.authors


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda g: g.file.split(".")[0])
def test_golden_page_article_through_the_whole_document_path(golden: Golden) -> None:
    result = extract_document(RawDocument(source=golden.file, data=_bytes(golden)))
    assert isinstance(result, Article), getattr(result, "reasons", result)
    for passage in golden.must:
        assert passage in result.text
    for furniture in golden.must_not + golden.doc_must_not:
        assert furniture not in result.text
    if golden.doc_date:
        assert result.published_at is not None and result.published_at.startswith(golden.doc_date)
    if golden.doc_authors:
        assert result.authors is not None and set(golden.doc_authors) <= set(result.authors), result.authors
    for name in golden.not_authors:
        assert name not in (result.authors or []), result.authors


def test_bylines_of_related_stories_beside_the_article_do_not_become_its_authors() -> None:
    golden = next(g for g in GOLDEN if g.file.startswith("english_vox"))
    result = extract_document(RawDocument(source=golden.file, data=_bytes(golden)))
    assert isinstance(result, Article)
    assert result.authors == list(golden.authors)


def test_headline_is_not_repeated_as_the_first_paragraph(extracted: dict[str, HtmlExtraction]) -> None:
    ex = extracted["traditional_big5_constructed.html"]
    assert not ex.text.startswith("DeepSeek火爆全球")


def test_name_line_signing_an_essay_gives_the_author_and_leaves_the_body() -> None:
    golden = next(g for g in GOLDEN if g.file.startswith("gbk_essay_name_line"))
    result = extract_document(RawDocument(source=golden.file, data=_bytes(golden)))
    assert isinstance(result, Article)
    assert result.provenance.get("authors") == "name-line"
    assert "胡平" not in [line.strip() for line in result.text.split("\n")[:3]]
