"""Paragraph-level page furniture: what is article body, what is page chrome, and who is credited.

General rules for Chinese (and other) news pages, never strings taken from particular documents:
- attribution lines (来源/來源, 作者, 文, 责编/責編, 编辑, 翻译, 原标题, By ...) are metadata: recorded, removed;
- once a recommendation heading (相关内容, 热门推荐 ...), a live comment stream or an attribution block
  follows substantial body text, the rest of the page is furniture (tail cut) - unless far more prose
  follows than preceded, in which case what came first was a preface or sidebar;
- single lines are furniture when they are images, mostly links, only a date/time/number, a truncated
  headline ("...", "…"), an app/subscription/share prompt, or navigation.
Pure functions: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from presswatch.codepoints import alnum_only
from presswatch.extract.endings import article_end, is_title_like
from presswatch.extract.metadata import date_span, looks_like_outlet, looks_like_person, split_names

# Body text seen before a heading or attribution block for it to end the article rather than open it.
SUBSTANTIAL_BODY_CHARS = 120
# No tail cut when the text after a cut point holds this many times more prose than the text before it.
TAIL_PROSE_FACTOR = 2
MAX_ATTRIBUTION_LINE = 80
SHORT_LINE = 40

_KEYS: dict[str, tuple[str, ...]] = {
    "source": ("本文来源", "本文來源", "文章来源", "文章來源", "新闻来源", "新聞來源", "稿件来源", "来源", "來源",
               "稿源", "出处", "出處"),
    "author": ("作者", "撰文", "记者", "記者", "撰稿", "执笔人", "執筆人", "执笔", "執筆", "文"),
    "editor": ("责任编辑", "責任編輯", "值班编辑", "值班編輯", "责编", "責編", "主编", "主編", "编辑", "編輯",
               "小编", "小編"),
    "translator": ("翻译", "翻譯", "编译", "編譯", "译者", "譯者"),
    "original-title": ("原标题", "原標題", "原题", "原題"),
    "reviewer": ("审核", "審核", "校对", "校對", "监制", "監製", "出品人"),
}
_KIND_OF = {key: kind for kind, keys in _KEYS.items() for key in keys}
_KEY_ALT = "|".join(sorted(_KIND_OF, key=len, reverse=True))
_SEP = r"\s*[:：|丨｜/]\s*"
# Keys that need an explicit separator (文 alone is far too common a character to key on otherwise).
_KEY_AT = re.compile(rf"(?:^|(?<=[\s，,;；]))(?P<key>{_KEY_ALT}){_SEP}")
_LEAD_KEY = re.compile(rf"^(?P<key>{_KEY_ALT})(?:{_SEP}|\s+)")
_BY_LINE = re.compile(r"^(?:by|BY|By)\s+(?P<val>[A-Z][^:：]{1,60})$")
_BULLETS = " \t\u3000►▶▷■□●○◆◇•·*#>-–—|"
_BRACKETS = (("(", ")"), ("（", "）"), ("【", "】"), ("[", "]"), ("〔", "〕"))


@dataclass
class Cleaned:
    body: list[str]
    attributions: list[tuple[str, str]]  # (kind, value) in document order
    removed: list[tuple[str, str]] = field(default_factory=list)  # (paragraph, reason)
    cut_at: int | None = None  # index (among the non-empty paragraphs) where the tail cut began
    cut_reason: str | None = None


def _strip_line(line: str) -> str:
    text = line.strip().lstrip(_BULLETS).strip()
    for left, right in _BRACKETS:
        if text.startswith(left) and text.endswith(right):
            text = text[1:-1].strip()
    return text


# What _strip_line may take off the front of an attribution line, and the characters one then opens with.
_LEAD_NOISE = _BULLETS + "".join(left for left, _ in _BRACKETS)
_LEAD_CHARS = frozenset(key[0] for key in _KIND_OF) | {"b", "B"}


def opens_like_attribution(text: str) -> bool:
    """False when `text` (or its opening) cannot be an attribution line: a cheap test before parsing."""
    previous = None
    while text != previous:
        previous, text = text, text.strip().lstrip(_LEAD_NOISE)
    return bool(text) and text[0] in _LEAD_CHARS


def _person_or_outlet(value: str, kind: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name in split_names(value):
        if kind == "author" and looks_like_outlet(name):
            found.append(("source", name))  # '文 观察者网 熊超然': the byline names the outlet, then the writer
        elif looks_like_person(name) or kind != "author":
            found.append((kind, name))
        else:
            return []  # an author line that names nobody recognisable is probably a sentence
    return found


def parse_attribution(line: str) -> list[tuple[str, str]] | None:
    """'本文来源：时代周报 作者：马欢' -> [('source','时代周报'), ('author','马欢')]; None if not such a line."""
    text = _strip_line(line)
    if not text or len(text) > MAX_ATTRIBUTION_LINE or "。" in text:
        return None
    by = _BY_LINE.match(text)
    if by:
        names = _person_or_outlet(by.group("val"), "author")
        return names or None
    lead = _LEAD_KEY.match(text)
    if not lead:
        return None
    starts = [(lead.start(), lead.end(), lead.group("key"))]
    starts += [(m.start(), m.end(), m.group("key")) for m in _KEY_AT.finditer(text, lead.end())]
    found: list[tuple[str, str]] = []
    for i, (_, value_start, key) in enumerate(starts):
        value_end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        value = text[value_start:value_end].strip(" \t\u3000，,;；")
        kind = _KIND_OF[key]
        if not value or (kind != "original-title" and len(value) > SHORT_LINE):
            return None
        if kind in ("author", "translator"):
            pairs = _person_or_outlet(value, kind)
            if not pairs:
                return None
            found.extend(pairs)
        else:
            found.append((kind, _without_dateline(value) if kind == "source" else value))
    return found


def _without_dateline(value: str) -> str:
    """'人民日报2024-05-13 08:49' -> '人民日报': portals print the source and the time on one line."""
    span = date_span(value)
    if span is None or span[0] == 0:
        return value
    return value[: span[0]].strip(" \t\u3000-—|｜·") or value


# ---- single-line rules ----------------------------------------------------------------------------------

_HEADINGS = (
    "相关内容", "相关阅读", "相关新闻", "相关文章", "相关推荐", "相关报道", "相關內容", "相關閱讀", "相關新聞",
    "相關文章", "相關報道", "热门资讯", "热门推荐", "热门文章", "热门新闻", "热点推荐", "热点新闻", "熱門資訊",
    "熱門推薦", "熱門文章", "熱門新聞", "延伸阅读", "延伸閱讀", "推荐阅读", "推薦閱讀", "猜你喜欢", "猜你喜歡",
    "为你推荐", "為你推薦", "精彩推荐", "精彩推薦", "更多精彩", "编辑推荐", "編輯推薦", "往期回顾", "往期回顧",
    "大家都在看", "热门评论", "熱門評論", "最新评论", "網友評論", "网友评论", "股市直播", "滚动新闻", "滾動新聞",
    "今日推荐", "排行榜", "热榜", "熱榜",
)
_PROMO = re.compile(
    r"APP专享|APP專享|扫描二维码|掃描二維碼|扫码|掃碼|扫一扫|掃一掃|下载客户端|下載客戶端|下载APP|下載APP|打开APP"
    r"|打開APP|客户端|客戶端|公众号|公眾號|关注我们|關注我們|订阅|訂閱|订购|訂購|VIP|会员|會員|点击查看|點擊查看"
    r"|点击进入|點擊進入|点击这里|阅读原文|閱讀原文|阅读全文|閱讀全文|展开全文|展開全文|分享到|分享至|转发|轉發"
    r"|返回顶部|返回頂部|上一篇|下一篇|版权所有|版權所有|未经授权|未經授權|转载请|轉載請|免责声明|免責聲明"
    r"|Copyright|©|粉丝福利|粉絲福利|举报|舉報|收藏本文|点赞|點讚|责任编辑|責任編輯",
    re.I,
)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)|https?://\S+|www\.\S+")
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_NUMBER_ONLY = re.compile(r"^[\d,.\s]+(?:万|萬|亿|億|[wkKmM])?\+?$")
_FILLER = re.compile(r"[\s\-–—•·|/:：,，]")
_STREAM_HEAD = re.compile(
    r"^\S{1,20}?\s*(?:今天|昨天|前天|刚刚|剛剛|\d{1,2}月\d{1,2}日|\d{1,3}\s*(?:分钟|分鐘|小时|小時)前)"
    r"\s*\d{1,2}:\d{2}(?::\d{2})?$"
)
_TRUNCATED_END = re.compile(r"(?<!…)(?:\.{3}|…)$")
_TEASER = re.compile(r"^.{2,30}?(?:\.{3}|…)\s+\S")
_SENTENCE_END = tuple("。！？!?…”」")
_HAN_TOKEN = re.compile(r"[\u3400-\u9fff]+")
_NAV_SEP = re.compile(r"\s*(?:>|›|»|\||丨|｜)\s*")


_HEADING_EXTRA = 4  # characters a heading may carry after its words ('相关新闻：更多')
_HEADING_MAX = max(map(len, _HEADINGS)) + _HEADING_EXTRA
_DIGIT = re.compile(r"\d")
PROMO_MAX = 120  # longer paragraphs are never promotion lines


def is_section_heading(line: str) -> bool:
    norm = alnum_only(line)
    if len(norm) > _HEADING_MAX or not norm.startswith(_HEADINGS):
        return False
    return any(norm.startswith(h) and len(norm) <= len(h) + _HEADING_EXTRA for h in _HEADINGS)


def is_stream_header(line: str) -> bool:
    """A live-comment stream entry header: a user name followed by 今天 HH:MM[:SS] or similar."""
    return bool(_STREAM_HEAD.match(line.strip()))


def is_date_or_number_only(line: str) -> bool:
    text = line.replace("|", " ").strip().strip(_BULLETS)
    if not text:
        return True
    if _NUMBER_ONLY.match(text):
        return True
    if not _DIGIT.search(text):
        return False  # no date, no time
    span = date_span(text)
    rest = text[: span[0]] + text[span[1] :] if span else text
    rest = _TIME.sub("", rest)
    return (span is not None or bool(_TIME.search(text))) and not _FILLER.sub("", rest)


def _link_share(line: str) -> float:
    covered = sum(len(m.group(0)) for m in _LINK.finditer(line))
    return covered / max(1, len(line.strip()))


def _is_navigation(line: str) -> bool:
    text = line.strip()
    if len(text) > 1 and text[0] == text[-1] == "|":
        # A table row (trafilatura writes tables as | a | b |): data, unless every cell is a calendar-like stub.
        return all(len(cell.strip()) <= 2 for cell in text[1:-1].split("|"))
    parts = [p for p in _NAV_SEP.split(text) if p]
    if len(parts) >= 3 and all(len(p) <= 8 for p in parts) and len(_NAV_SEP.findall(line)) >= 2:
        return True
    # A row of short Chinese link labels (首页 新闻 体育 财经); English words are short anyway, so Han only.
    words = line.split()
    return len(words) >= 4 and all(len(w) <= 6 and _HAN_TOKEN.fullmatch(w) for w in words)


def line_furniture(line: str) -> str | None:
    """Why a single paragraph is furniture wherever it stands, or None when it may be body."""
    return _line_furniture(line.strip(), None)


def _line_furniture(text: str, heading: bool | None) -> str | None:
    """line_furniture of a stripped line, with is_section_heading's answer when already known."""
    if not text:
        return "empty"
    if _MD_IMAGE.match(text) or text.lower().startswith("<img"):
        return "image"
    if _link_share(text) >= 0.5:
        return "links"
    if is_date_or_number_only(text):
        return "date-or-number"
    if is_stream_header(text):
        return "comment-stream"
    # Cut-off teasers are how Chinese portals list headlines; English prose uses "…" for effect.
    if _HAN_TOKEN.search(text) and (
        (len(text) <= 80 and _TRUNCATED_END.search(text)) or (_TEASER.match(text) and len(text) <= 160)
    ):
        return "truncated-headline"
    # A prompt is a label ("扫码下载APP"), not a sentence; a sentence needs two prompts to count as one.
    promos = {m.group(0).upper() for m in _PROMO.finditer(text)} if len(text) <= PROMO_MAX else ()
    if promos and ((len(text) <= SHORT_LINE and not text.endswith(_SENTENCE_END)) or len(promos) >= 2):
        return "promotion"
    if is_section_heading(text) if heading is None else heading:
        return "section-heading"
    if _is_navigation(text):
        return "navigation"
    return None


def clean_paragraphs(paragraphs: list[str], title: str | None = None) -> Cleaned:
    """Split paragraphs into body and furniture, collecting attribution lines on the way. `title` (the
    page's headline) lets its repetition under the article end it (presswatch.extract.endings)."""
    texts = [p.strip() for p in paragraphs if p.strip()]
    headings = [is_section_heading(t) for t in texts]
    reasons = [_line_furniture(t, h) for t, h in zip(texts, headings, strict=True)]
    prose = [len(t) if r is None and len(t) >= SHORT_LINE else 0 for t, r in zip(texts, reasons, strict=True)]
    prose_after = [0] * (len(texts) + 1)  # prose characters from index i to the end
    for i in range(len(texts) - 1, -1, -1):
        prose_after[i] = prose_after[i + 1] + prose[i]
    result = Cleaned(body=[], attributions=[])
    body_chars = 0
    seen_body = False
    in_section = False  # inside a recommendation list that opened before the article did
    for index, text in enumerate(texts):
        attribution = parse_attribution(text)
        heading = headings[index]
        stream = is_stream_header(text)
        substantial = seen_body and body_chars >= SUBSTANTIAL_BODY_CHARS
        # When far more prose follows than precedes, what came first was a preface or sidebar.
        more_after = prose_after[index + 1] > TAIL_PROSE_FACTOR * body_chars
        if substantial and (attribution or heading or stream) and not more_after:
            reason = "attribution-block" if attribution else "section-heading" if heading else "comment-stream"
            result.cut_at, result.cut_reason = index, reason
            _collect_tail(texts[index:], result)
            return result
        ending = article_end(text, title) if substantial else None
        if ending and (not more_after or is_title_like(texts[index + 1] if index + 1 < len(texts) else None)):
            result.cut_at, result.cut_reason = index, ending
            _collect_tail(texts[index:], result)
            return result
        if attribution:
            result.attributions.extend(attribution)
            result.removed.append((text, "attribution"))
        elif heading:
            in_section = True
            result.removed.append((text, "section-heading"))
        elif in_section and not prose[index]:
            result.removed.append((text, "section-list"))
        elif reasons[index]:
            in_section = False
            result.removed.append((text, str(reasons[index])))
        else:
            in_section = False
            result.body.append(text)
            body_chars += len(text)
            seen_body = seen_body or len(text) >= SHORT_LINE
    return result


def attributions_only(paragraphs: list[str]) -> Cleaned:
    """Only attribution lines are taken out (as metadata): for pages the Chinese-portal furniture rules
    do not fit. On the English dev set those rules removed nothing but article lines ('© Reuters' of a
    photo credit, a 'VIP : 60,000₩' ticket price, a web address) and cut no tail."""
    result = Cleaned(body=[], attributions=[])
    for text in (p.strip() for p in paragraphs):
        if not text:
            continue
        attribution = parse_attribution(text)
        if attribution:
            result.attributions.extend(attribution)
            result.removed.append((text, "attribution"))
        else:
            result.body.append(text)
    return result


def _collect_tail(tail: list[str], result: Cleaned) -> None:
    """Everything after the cut is furniture; the attribution block that opens it is still metadata."""
    in_block = True
    for para in tail:
        text = para.strip()
        if not text:
            continue
        attribution = parse_attribution(text) if in_block else None
        if attribution:
            result.attributions.extend(attribution)
            result.removed.append((text, "attribution"))
        else:
            in_block = False
            result.removed.append((text, "tail"))
