"""Authors a page names outside a 作者/记者/By byline: weaker sources, tried only when those found nobody.

In order of trust (the document path offers them after the bylines):
1. `name_line`: a person's name alone on a line opening the article, under its headline - how essays,
   magazine reprints and blog posts are signed ('犬儒病(上)' / '胡平' / body).
2. `author_link`: the one author a page links to as such (WordPress `?author=`, `/author/`, rel=author):
   blogs name their poster there. Several different names are a list of other posts: none is taken.
3. `desk_authors`: a plain 编辑 line (the desk editor who wrote the item up; never 责任编辑/责编/主编/值班编辑,
   who only sign it off) or a 来源 line whose value is a person's name rather than an outlet
   ('来源: 尹娟' on old sina pages).
A Chinese name is 2-4 Han characters opening with a common surname: that is what keeps '前言', '附件' or
'新华' (an outlet) from being taken for a person. Pure functions.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from presswatch.extract.metadata import looks_like_outlet

# The ~150 most common surnames (they cover ~90 % of people in mainland China, Hong Kong and Taiwan),
# in simplified and traditional forms, and the compound surnames still in use.
_SURNAMES = frozenset(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何林高罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖蕭"
    "田董袁潘于蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付方白邹鄒孟熊"
    "秦邱江尹薛闫閆段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯常温溫康施文牛樊葛邢安"
    "齐齊易乔喬伍庞龐颜顏倪庄莊聂聶章鲁魯岳翟殷詹申欧歐耿关關兰蘭焦俞左柳甘祝包宁寧尚符舒阮柯纪紀梅童凌"
    "毕畢单單季裴霍涂成苗谷盛曲翁冉骆駱蓝藍路游辛靳管柴蒙鲍鮑华華喻祁蒲房滕屈饶饒解牟艾尤阳陽时時穆农農"
    "司卓古吉缪繆简簡车車项項连連芦蘆麦麥褚娄婁窦竇戚岑景党黨宫宮费費卜冷晏席卫衛米柏宗瞿桂全佟应應臧闵閔"
    "苟邬鄔边邊卞姬师師和仇栾欒隋商刁沙荣榮巫寇桑郎甄丛叢仲虞敖巩鞏明佘池查麻苑迟遲邝鄺"
)
_COMPOUND_SURNAMES = ("欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "东方", "東方", "皇甫", "令狐",
                      "慕容", "夏侯", "尉迟", "尉遲", "公孙", "公孫", "长孙", "長孫", "宇文", "司徒", "端木")
_HAN_RUN = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
NAME_LINE_WITHIN = 3  # the name must be among the article's first lines

# Plain 编辑 (not 责任编辑, 责编, 主编, 值班编辑, 小编) and 来源, each followed by a separator and the value.
_DESK_KEY = re.compile(
    r"(?:(?<![责責任值班主小])(?P<editor>编辑|編輯)|(?P<source>(?<![本文稿章闻聞件])来源|(?<![本文稿章闻聞件])來源))"
    r"\s*[:：|丨｜]\s*(?P<value>[^\s:：|丨｜]{2,8})"
)
_AUTHOR_LINKS = etree.XPath(
    "//a[contains(@href, '?author=') or contains(@href, '&author=') or contains(@href, '/author/')"
    " or @rel='author']",
    smart_strings=False,
)
AUTHOR_LINK_MAX = 30  # characters of a link text that can be a name
OWNER_LINKS = 3  # the page's author is linked at least this many times as often as any other


def is_person_name(text: str) -> bool:
    """A Chinese personal name: 2-4 Han characters opening with a common (or compound) surname."""
    text = text.strip()
    if not _HAN_RUN.match(text) or looks_like_outlet(text):
        return False
    return text.startswith(_COMPOUND_SURNAMES) or (text[0] in _SURNAMES and len(text) <= 3)


def name_line(paragraphs: list[str], title: str | None = None) -> int | None:
    """Index of a line among the first NAME_LINE_WITHIN that is only a person's name (not the title)."""
    for index, line in enumerate(paragraphs[:NAME_LINE_WITHIN]):
        text = line.strip(" \u3000|")
        if is_person_name(text) and text != (title or "").strip():
            return index
    return None


def author_link(tree: HtmlElement) -> list[str] | None:
    """The author a page links to; None when it links to none, or to several about as often. Blog
    templates link the owner's profile ('?author=102'), categories and archives ('?pc=85&author=102')
    many times and a commenter or a neighbouring blog once: the owner is the author linked most, by far.
    The name is the text of the link to the author alone ('?author=102', '/author/name/')."""
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for el in _AUTHOR_LINKS(tree):
        url = urlsplit(el.get("href") or "")
        query = parse_qs(url.query)
        path_author = url.path.partition("/author/")[2].split("/")[0] if "/author/" in url.path else ""
        author = query.get("author", [path_author])[0] or "rel"
        counts[author] += 1
        name = " ".join(el.text_content().split()).strip("[]【】")
        if set(query) <= {"author"} and name and len(name) <= AUTHOR_LINK_MAX and not looks_like_outlet(name):
            names.setdefault(author, name)
    ranked = counts.most_common(2)
    if not ranked or (len(ranked) > 1 and ranked[0][1] < OWNER_LINKS * ranked[1][1]):
        return None
    owner = names.get(ranked[0][0])
    return [owner] if owner else None


def desk_authors(lines: list[str]) -> list[str]:
    """Names on plain 编辑 lines, then 来源 lines naming a person, in that order, without repeats."""
    editors: list[str] = []
    sources: list[str] = []
    for line in lines:
        for match in _DESK_KEY.finditer(line):
            value = match.group("value")
            if match.group("editor") and is_person_name(value):
                editors.append(value)
            elif match.group("source") and is_person_name(value):
                sources.append(value)
    return list(dict.fromkeys(editors + sources))


# An official document (通告, 通知, 决定) closes with its issuer and the date it was signed (落款, 成文日期).
_ISSUER = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,24}(?:人民政府|政府|委员会|委員會|办公厅|辦公廳|办公室|辦公室|指挥部|指揮部|局|厅|廳|部"
    r"|院|会|會|中心|公司|集团|集團|协会|協會|大学|大學|学校|學校)$"
)
_SIGNED_DATE = re.compile(r"^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")


def signature_block(paragraphs: list[str]) -> tuple[str, str] | None:
    """(issuer, date line) when the text ends like an official document: an organisation's name on a
    line of its own, then the date alone ('吉林省人民政府' / '2022年1月27日')."""
    lines = [p.strip() for p in paragraphs if p.strip()]
    if len(lines) < 3 or not _SIGNED_DATE.match(lines[-1]) or not _ISSUER.match(lines[-2]):
        return None
    return lines[-2], lines[-1]
