"""Page furniture, removed before and after main-text extraction: DOM blocks, table rows, notices.

Portal pages (Chinese ones especially, and 2000s table layouts) surround the article with navigation
bars, related-article lists, share/app prompts and copyright footers that extractors keep when
they sit inside the same layout table as the article. These rules remove such blocks by what any
portal's furniture looks like (link-dense, named for its role, a copyright line), never by site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from presswatch.codepoints import alnum_only
from presswatch.extract.furniture import MAX_ATTRIBUTION_LINE, opens_like_attribution
from presswatch.text import nfkc

# Roles named in class/id attributes, matched inside camelCase and dashed names ("relatedNews",
# "article-share"): only words that never name the article container itself.
_FURNITURE_WORDS = ("related", "relate-", "relate_", "recommend", "share", "comment", "footer", "copyright",
                    "breadcrumb", "crumbs", "sidebar", "side-bar", "side_bar", "hotnews", "hot-news", "hot_news",
                    "ranklist", "rank-list", "rank_list", "toolbar", "downloadapp", "download-app",
                    "download_app", "qrcode", "weixincode", "weixin-code", "weixin_code",
                    # encyclopedia apparatus (MediaWiki, Baidu Baike): fact boxes, navigation boxes,
                    # reference lists, '[编辑]' links, the contents box
                    "infobox", "navbox", "basicinfo", "basic-info", "reflist", "reference", "editsection",
                    "catalog")
_FURNITURE_NAME = re.compile("|".join(map(re.escape, _FURNITURE_WORDS)), re.I)
_STRUCTURAL = frozenset({"html", "body", "head", "article", "main"})
# Inline-ish blocks: a paragraph that is one link, or a linked phrase, is part of the text around it.
_INLINE = frozenset({"span", "font", "p", "li", "center"})
_BLOCKS = frozenset({"div", "td", "th", "tr", "table", "tbody", "ul", "ol", "dl", "section", "aside", "nav",
                     "footer", "header"}) | _INLINE
_NOISE = ("script", "style", "noscript", "template", "svg", "iframe", "canvas", "object", "embed",
          etree.Comment)
_SKIPPED = frozenset({"script", "style", "noscript", "template"})
# A footer line: copyright notice or ICP licence number (every mainland site must show one). Not
# 版权所有者/人/方 (copyright holder), which articles mention.
_FOOTER_TEXT = re.compile(r"版权所有(?![者人方])|all rights reserved|copyright\s*(?:©|\(c\)|\d)|©\s*\d{4}|icp[备证]", re.I)
_LINK_TEXT = etree.XPath(".//a//text()", smart_strings=False)
_HIDDEN_STYLE = re.compile(
    r"(?:visibility\s*:\s*hidden|display\s*:\s*none|opacity\s*:\s*0(?![.\d]))\s*;?", re.I
)
_FOOTER_MARKERS = re.compile("版权|版權|©|ICP|icp|opyright|OPYRIGHT|eserved|ESERVED")

LINK_DENSE = 0.7  # share of a block's text that sits in links, above which it is navigation
MIN_LINKS = 2  # a list of links, not one linked phrase
MAX_SHARE = 0.4  # never remove a block holding this share of the page's running text: it is the article
FOOTER_MAX_CHARS = 300
REVEAL_SHARE = 0.5  # a hidden block with this share of the page's running text is the article


def _name(el: HtmlElement) -> str:
    cls, ident = el.get("class"), el.get("id")
    return f"{cls} {ident}" if cls and ident else cls or ident or ""


def running_text(el: HtmlElement) -> int:
    """Characters of visible text outside links (whitespace ignored): what an article is made of."""
    total = text_size(el.text_content())
    hidden = sum(text_size(s.text_content()) for s in el.iter(*_SKIPPED))
    links = text_size("".join(_LINK_TEXT(el)))
    return total - hidden - links


def furniture_reason(
    el: HtmlElement, total: int, links: int, may_hold_footer: bool = True, by_name: bool = True
) -> str | None:
    """Why a block (`total` chars of text, `links` of them in links) is furniture, or None."""
    name = _name(el)
    if by_name and name and _FURNITURE_NAME.search(name):
        return "named"
    if el.tag in _INLINE:
        return None
    if total >= 8 and links >= LINK_DENSE * total and sum(1 for _ in el.iter("a")) >= MIN_LINKS:
        return "link-dense"
    if may_hold_footer and total <= FOOTER_MAX_CHARS and _FOOTER_TEXT.search(el.text_content() or ""):
        return "footer"
    return None


@dataclass
class Scan:
    furniture: list[tuple[HtmlElement, str]]  # (block, reason), innermost first
    hidden_article: list[HtmlElement]  # hidden blocks holding most of the page's running text


def scan(root: HtmlElement, by_name: bool = True) -> Scan:
    """Find furniture blocks and a script-revealed article under `root` in one bottom-up pass.

    Reversed pre-order visits every element after its descendants. A block judged furniture counts as
    empty for its ancestors, so a container is judged on what would remain without it: an article div
    stops looking link-dense once the related-links list inside it is out.
    """
    page_plain = max(running_text(root), 1)
    max_plain, reveal_plain = MAX_SHARE * page_plain, REVEAL_SHARE * page_plain
    found: list[tuple[HtmlElement, str]] = []
    hidden: list[HtmlElement] = []
    stats: dict[HtmlElement, tuple[int, int, bool]] = {}
    # The hot loop of the page: helpers inlined (every element and text node of the page passes here).
    for el in reversed(list(root.iter())):
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue  # comments and scripts: no text, and their tails are counted by the parent
        # Footer markers only matter in blocks of at most FOOTER_MAX_CHARS: longer text is not searched.
        text = el.text
        if text and not text.isspace():
            total = len("".join(text.split()))
            footer = total <= FOOTER_MAX_CHARS and _FOOTER_MARKERS.search(text) is not None
        else:
            total, footer = 0, False
        links = 0
        for child in el:
            c_total, c_links, c_footer = stats.pop(child, (0, 0, False))
            total += c_total
            links += c_links
            footer = footer or c_footer
            tail = child.tail
            if tail and not tail.isspace():
                size = len("".join(tail.split()))
                total += size
                footer = footer or (size <= FOOTER_MAX_CHARS and _FOOTER_MARKERS.search(tail) is not None)
        if tag == "a":
            links = total
        if total and tag in _BLOCKS and total - links <= max_plain:
            name = _name(el) if by_name else ""
            if name and _FURNITURE_NAME.search(name):
                reason: str | None = "named"
            elif tag in _INLINE or not (links >= LINK_DENSE * total or (footer and total <= FOOTER_MAX_CHARS)):
                reason = None
            else:
                reason = furniture_reason(el, total, links, footer, by_name)
            if reason:
                found.append((el, reason))
                total = links = 0
                footer = False
        if total - links >= reveal_plain and (style := el.get("style")) and _HIDDEN_STYLE.search(style):
            hidden.append(el)
        stats[el] = (total, links, footer)
    return Scan(found, hidden)


def strip_noise(root: HtmlElement) -> None:
    """Drop elements that never hold article text (scripts, styles, inline SVG, embeds, comments).

    One libxml2 call; every later pass (furniture scan, trafilatura, readability) then walks a
    smaller tree. Run it after reading metadata: JSON-LD lives in <script> elements."""
    etree.strip_elements(root, *_NOISE, with_tail=False)


def clean_page(root: HtmlElement, by_name: bool = True) -> tuple[int, int]:
    """Un-hide a script-revealed article and drop furniture blocks, in place: (revealed, removed).

    `by_name=False` keeps blocks whose only fault is their class/id name: on pages that are not Chinese
    forum posts and live-ticker entries carry "comment"/"share" names. On the English dev set the name
    rule changed nothing (F1 0.9792 with and without it).

    Some platforms (WeChat articles, lazy-rendering portals) ship the article hidden and reveal it by
    script; extractors rightly skip hidden blocks and would find nothing. Hidden menus and pop-ups hold
    little text, so only a hidden block with most of the page's running text is revealed.
    """
    body = root.find(".//body")
    body = body if body is not None else root
    found = scan(body, by_name)
    for el in found.hidden_article:
        el.set("style", _HIDDEN_STYLE.sub("", el.get("style", "")))
    removed = 0
    for el, _ in found.furniture:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the tail: the text after a block belongs to its parent
            removed += 1
    return len(found.hidden_article), removed



# ---- page text -----------------------------------------------------------------------------------------

_TEXT_NODES = etree.XPath(".//text()")  # smart strings: each knows its element
_BLOCK_CHARS = 2 * MAX_ATTRIBUTION_LINE  # longer blocks (bullets and brackets aside) are prose


def page_text(tree: HtmlElement) -> tuple[str, list[tuple[str, str]]]:
    """The visible text of a noise-stripped page, one line per text node with whitespace collapsed
    (a fragment without <body> is all visible); and the blocks that may be attribution lines, as
    (their lines, their text). Read before furniture removal: datelines and 责任编辑 lines often sit
    in blocks it drops. A block is a candidate only when one of its text nodes opens like an
    attribution line, so most of the page costs one string test."""
    body = tree.find(".//body")
    root = tree if body is None else body
    lines: list[str] = []
    blocks: list[tuple[int, int, str, HtmlElement]] = []  # (first node, -height, text, block)
    visited: set[HtmlElement] = set()
    for node in _TEXT_NODES(root):
        line = " ".join(node.split())
        if not line:
            continue
        lines.append(line)
        if not opens_like_attribution(line):
            continue
        el = node.getparent()
        el = el.getparent() if node.is_tail else el
        height = 0
        # Outwards while short: an element's text holds its children's, so no ancestor of a long one is short.
        while el is not None and el not in visited:
            visited.add(el)
            text = el.text_content()
            if len(text) > _BLOCK_CHARS and len(text.strip()) > _BLOCK_CHARS:
                break  # prose: attribution lines are short (bullets and brackets aside)
            if _is_block(el):
                blocks.append((len(lines), -height, text, el))
            el, height = (None if el is root else el.getparent()), height + 1
    blocks.sort(key=lambda b: b[:2])  # page order, outer blocks first
    return "\n".join(lines), [(_lines_of(el), text) for _, _, text, el in blocks]


def _is_block(el: HtmlElement) -> bool:
    """p, li, span; a div holding no paragraphs or divs of its own, or sitting in a <footer>."""
    if el.tag in ("p", "li", "span"):
        return True
    return el.tag == "div" and (
        next(el.iterdescendants("p", "div"), None) is None or next(el.iterancestors("footer"), None) is not None
    )


def _lines_of(el: HtmlElement) -> str:
    """How page_text prints an element: its non-blank text nodes, collapsed, one per line."""
    return "\n".join(" ".join(t.split()) for t in el.itertext() if t and not t.isspace())


# ---- text-level furniture ------------------------------------------------------------------------------

LAYOUT_CELLS, LAYOUT_CELL_CHARS = 3, 15  # a table row with few cells, one of them text, is page layout
NOTICE_AFTER = 0.6  # a notice this far into the text closes the article; earlier it may be quoted
_CELL_BORDER = re.compile(r"(?<!\\)\|")
_RULE_CELL = re.compile(r":?-{3,}:?")
# Notices closing a portal article: a disclaimer or rights notice opening the paragraph, or a short
# 'no reprint without permission' line.
_NOTICE = re.compile(
    r"(?:【|\[)?(?:特别声明|特別聲明|免责声明|免責聲明|版权声明|版權聲明|郑重声明|鄭重聲明|反侵权公告|反侵權公告)"
    r"|.{0,40}未经.{0,8}(?:授权|许可|同意).{0,6}(?:不得|禁止|请勿|严禁).{0,4}转载.{0,20}$"
    r"|.{0,40}未經.{0,8}(?:授權|許可|同意).{0,6}(?:不得|禁止|請勿|嚴禁).{0,4}轉載.{0,20}$"
)


def text_size(text: str | None) -> int:
    """Characters without whitespace: a length that does not depend on indentation."""
    if not text or text.isspace():  # most text nodes of a page are indentation
        return 0
    return len("".join(text.split()))


def normal_form(text: str) -> str:
    """NFKC letters and digits only: to compare texts that differ in spacing and punctuation."""
    return alnum_only(nfkc(text))


def split_table_rows(text: str) -> str:
    """'| 导航 |  | 正文…… |' -> one line per non-empty cell, for rows of layout tables.

    trafilatura renders tables as pipe rows; on table-layout pages a row mixes the article cell with
    navigation and dateline cells. A line per cell lets the edge trim and the furniture rules judge
    each on its own. A row of a data table (more than three filled cells, or only short ones) stays
    whole, and the separator rows ('|---|---|') carry nothing."""
    if "|" not in text:
        return text
    lines: list[str] = []
    for line in text.split("\n"):
        if not line.startswith("|"):
            lines.append(line)
            continue
        cells = [c.strip().replace("\\|", "|") for c in _CELL_BORDER.split(line.strip().strip("|"))]
        cells = [c for c in cells if c and not _RULE_CELL.fullmatch(c)]
        if len(cells) <= LAYOUT_CELLS and any(text_size(c) >= LAYOUT_CELL_CHARS for c in cells):
            lines.extend(cells)
        elif cells:
            lines.append(line)
    return "\n".join(lines)


def cut_closing_notices(text: str) -> str:
    """Drop the notices portals print after an article (特别声明, 免责声明, 未经授权不得转载 ...)
    and whatever follows them, when they come in the last part of the text."""
    paragraphs = text.split("\n")
    total = text_size(text)
    seen = 0
    for i, paragraph in enumerate(paragraphs):
        if i and seen >= NOTICE_AFTER * total and _NOTICE.match(paragraph.strip()):
            return "\n".join(paragraphs[:i])
        seen += text_size(paragraph)
    return text


def drop_repeated_title(text: str, title: str | None) -> str:
    """The headline is metadata: drop it when the text opens with it, or closes with it followed by at
    most a quarter as much again (a button label printed inside the headline element: '播报文章')."""
    first, _, rest = text.partition("\n")
    norm = normal_form(title or "")
    if norm and rest and normal_form(first) == norm:
        return rest
    head, _, last = text.rpartition("\n")
    if len(norm) >= 6 and head and (line := normal_form(last)).startswith(norm) and len(line) <= 1.25 * len(norm):
        return head
    return text
