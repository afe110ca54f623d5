"""The byline of a page: who the text printed around the headline, the author metadata or the article's
closing line names as its author(s).

Chinese portals print '作者：张三', '本报记者 张三', '文/张三', '新华社北京2月18日电（记者张三、李四）', Taiwan
and Hong Kong ones '〔記者陳嘉欣／台北報導〕', sohu '2004年7月16日08:19 [ 黄宇 ]'; English, German, French
and Spanish pages 'By', 'Von', 'Par', 'Por'. Names are checked (presswatch.extract.metadata.looks_like_person):
organisations, domains, role words (责任编辑, 来源 ...) are never authors. Weaker sources, tried when
no byline names anyone, are in presswatch.extract.bylines. Pure functions.
"""

from __future__ import annotations

import re

from presswatch.extract.metadata import looks_like_person, split_names

NEXT_BYLINE = 40  # a second byline starting this close after the first names more authors of the article
# Words of byline labels and grammar that end a run of names: '记者 张三 来源：...' names only 张三.
_NOT_A_NAME = re.compile(r"^(?:来源|來源|编辑|編輯|责编|責編|摄影|攝影|报道|報道|记者|記者|通讯员|作者|出处|原标题)$|[的了是在和与及等]")
# A forum handle may join two words with '&' ('放飞&心情').
_HAN_NAME = r"[\u4e00-\u9fff]{2,3}(?:·[\u4e00-\u9fff]{1,6}|[&＆][\u4e00-\u9fff]{1,4})?"
_HAN_NAMES = rf"{_HAN_NAME}(?:[ \u3000、，,]+{_HAN_NAME})*"  # never across lines: names end with their element
_AFTER_NAMES = r"(?=$|[^\u4e00-\u9fff·]|报道|報道|報導|摄|攝|采写|發自|发自)"
# 作者：张三 and 文｜张三 need a separator (文 is too common a character); so does 记者, or a breadcrumb
# like '新华社记者看东北' would name 看东北. The names may sit on the next line, in their own element.
_ROLES = r"(?:通讯员|通訊員|实习生|實習生|记者|記者)"
_NAME_GAP = rf"(?:[ \u3000、，,]+|[ \u3000、，,]*{_ROLES}\s*)"  # between names: a separator or a role word
_BYLINE = re.compile(
    rf"(?:(?:作者|撰文|撰稿|执笔人?|執筆人?|文)\s*[:：/｜|]|(?:记者|記者|通讯员|通訊員|实习生|實習生)(?:\s*[:：]|\s))\s*"
    rf"(?P<zh>{_HAN_NAMES}){_AFTER_NAMES}"
    # Taiwan and Hong Kong: '〔記者陳嘉欣／台北報導〕', '記者王小明/綜合報導' (no space after 記者).
    rf"|(?:记者|記者)\s*(?P<slash>{_HAN_NAMES})\s*[／/]\s*[\u4e00-\u9fff]{{1,6}}(?:报道|報道|報導)"
    # The dateline's bracket: '新华社北京2月18日电（记者张三、李四）', '本报讯（记者 张三 通讯员李四）'.
    rf"|[（(]\s*(?:本报|本報|本台)?(?:记者|記者)\s*(?P<paren>{_HAN_NAME}(?:{_NAME_GAP}{_HAN_NAME})*)"
    r"\s*(?:[\u4e00-\u9fff]{1,6}(?:报道|報道|報導))?\s*[）)]"
    rf"|\d:\d\d(?::\d\d)?\s*[\[【]\s*(?P<bracket>{_HAN_NAMES})\s*[\]】]"  # '2004年7月16日08:19 [ 黄宇 ]'
    r"|^\s*(?:by|By|BY)\s+(?P<en>[A-Z][\w.'-]+(?:[ \t]+[A-Z][\w.'-]+){0,3})"  # 'By ...' opens its line
    # German, French, Spanish bylines ('Von Jörg Müller', 'Par Élodie Martin, à Paris'): two names or more,
    # alone on the line or before a comma or a dash, so 'Von Berlin aus ...' names nobody.
    r"|^\s*(?:Von|VON|Par|PAR|Por|POR)\s+(?P<eu>[^\W\d_][\w.'-]+(?:[ \t]+(?:(?:von|van|der|de|del|la|le|y|zu)[ \t]+)*"
    r"[^\W\d_][\w.'-]+){1,3})[ \t]*(?=$|[,|•·–—-])",
    re.M,
)
_CLOSING_BYLINE = re.compile(  # （记者 张三 李四） / （张三 北京报道） closing the article
    rf"[（(]\s*(?:[\u4e00-\u9fff]{{0,8}}(?:记者|記者)\s*)?(?P<zh>{_HAN_NAMES})\s*"
    r"(?:[\u4e00-\u9fff]{1,6}(?:报道|報道))?\s*[）)]$"
)
_NOT_A_PERSON = re.compile(
    r"[社报報网網台部局院会會委厅廳办辦处處]$|中心$|www|\.(?:com|cn|net|org)|\b(?:Team|Inc|Ltd|Publish\w*|Press|Media|"
    r"News|Group|Staff|Admin\w*|Editors?)\b",
    re.I,
)
_HANDLE = re.compile(r"^[\u4e00-\u9fff]{1,4}[&＆][\u4e00-\u9fff]{1,4}$")  # a forum poster's handle


def find_authors(
    header: str, text: str, meta_author: str | None, sitename: str | None = None,
    link: list[str] | None = None,
) -> tuple[list[str] | None, str]:
    """Byline near the headline (作者：/记者/文/By), else the author metadata (unless it names the
    site), else the one author the page marks up as such (`link`: rel="author", /author/ links), else a
    byline closing the article ('本报记者 张三', '（张三 北京报道）'). A closing bracket naming the site
    ('(中時 )' on a 中時電子報 page) credits the desk, not a person."""
    found_names: list[str] = []
    end = -1
    for found in _BYLINE.finditer(header):
        if found_names and found.start() - end > NEXT_BYLINE:
            break  # a byline line right under another ('本报实习生 甲' / '本报记者 乙 丙') adds its names
        value = found.group("zh") or found.group("slash") or found.group("paren") or found.group("bracket")
        if names := _names(value or found.group("en") or found.group("eu")):
            found_names += [n for n in names if n not in found_names]
            end = found.end()
    if found_names:
        return found_names, "byline"
    if meta_author and (names := [n for n in _names(meta_author) if n != sitename]):
        return names, "meta"
    if link:
        return link, "author-link"
    for line in reversed(text.rsplit("\n", 3)[-3:]):
        line = line.strip(" |\u3000□■")
        match = _CLOSING_BYLINE.search(line) or _BYLINE.search(line)
        names = _names(match.group("zh") or match.groupdict().get("en")) if match else []
        if names := [n for n in names if not (sitename and sitename.startswith(n))]:
            return names, "closing-byline"
    return None, ""


def _names(value: str | None) -> list[str]:
    """Person names in a byline; organisations, domains and one-letter noise dropped."""
    value = re.sub(_ROLES, " ", (value or "").replace("\u3000", " "))
    names = [n for n in split_names(value) if looks_like_person(n) or _HANDLE.match(n)]
    return [n for n in names if len(n) > 1 and not _NOT_A_PERSON.search(n) and not _NOT_A_NAME.search(n)]
