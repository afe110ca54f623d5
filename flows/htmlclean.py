"""DOM-level removal of page furniture before main-text extraction.

Portal pages (Chinese ones especially, and 2000s table layouts) surround the article with navigation
bars, related-article lists, share/app prompts and copyright footers that extractors keep when
they sit inside the same layout table as the article. These rules remove such blocks by what any
portal's furniture looks like (link-dense, named for its role, a copyright line), never by site.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from lxml.html import HtmlElement

# Roles named in class/id attributes. Matched inside camelCase and dashed names ("relatedNews",
# "article-share"), so only words that never name the article container itself.
_FURNITURE_NAME = re.compile(
    r"related|relate[-_]|recommend|share|comment|footer|copyright|breadcrumb|crumbs|sidebar|side[-_]?bar|"
    r"hotnews|hot[-_]news|rank[-_]?list|toolbar|download[-_]?app|qrcode|weixin[-_]?code",
    re.I,
)
_STRUCTURAL = {"html", "body", "head", "article", "main"}
_INLINE = {"span", "font", "p", "li", "center"}
_BLOCKS = {"div", "td", "th", "tr", "table", "tbody", "ul", "ol", "dl", "section", "aside", "nav", "footer",
           "header", "p", "span", "li", "center", "font"}
# A footer line: copyright notice or ICP licence number (every mainland site must show one).
_FOOTER_TEXT = re.compile(r"版权所有(?![者人方])|all rights reserved|copyright\s*(?:©|\(c\)|\d)|©\s*\d{4}|icp[备证]", re.I)
_WS = re.compile(r"\s+")

LINK_DENSE = 0.7  # share of a block's text that sits in links, above which it is navigation
MAX_SHARE = 0.4  # never remove a block holding this share of the page's text: it may be the article
FOOTER_MAX_CHARS = 300


def _len(text: str | None) -> int:
    return len(_WS.sub("", text)) if text else 0


def text_stats(root: HtmlElement) -> dict[HtmlElement, tuple[int, int]]:
    """(text length, text length inside links) of every element, whitespace ignored, in one pass."""
    return _walk(root, None)


def _walk(root: HtmlElement, decide: Callable[[HtmlElement, int, int], bool] | None) -> dict[HtmlElement, tuple[int, int]]:
    # Reversed pre-order visits every element after all of its descendants. An element `decide`
    # marks as furniture counts as empty for its ancestors, so a container is judged on what would
    # remain after its inner furniture is gone (an article div stops looking link-dense once the
    # related-links list inside it is out).
    stats: dict[HtmlElement, tuple[int, int]] = {}
    for el in reversed(list(root.iter())):
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript"):
            stats[el] = (0, 0)
            continue
        total, links = _len(el.text), 0
        for child in el:
            c_total, c_links = stats.get(child, (0, 0))
            total += c_total + _len(child.tail)
            links += c_links
        if el.tag == "a":
            links = total
        stats[el] = (total, links)
        if decide is not None and decide(el, total, links):
            stats[el] = (0, 0)
    return stats


def _name(el: HtmlElement) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}".strip()


def furniture_blocks(root: HtmlElement) -> list[HtmlElement]:
    """Blocks that are furniture (named for it, link-dense, or a short copyright footer), inner first."""
    page = text_stats(root).get(root, (0, 0))
    page_plain = max(page[0] - page[1], 1)
    found: list[HtmlElement] = []

    def decide(el: HtmlElement, total: int, links: int) -> bool:
        if el.tag in _STRUCTURAL or total == 0:
            return False
        # The block holding most of the page's running (non-link) text is the article, whatever its name.
        if total - links > MAX_SHARE * page_plain:
            return False
        furniture = el.tag in _BLOCKS and furniture_reason(el, total, links) is not None
        if furniture:
            found.append(el)
        return furniture

    _walk(root, decide)
    return found


def furniture_reason(el: HtmlElement, total: int, links: int) -> str | None:
    """Why a block (with `total` chars of text, `links` of them in links) is furniture, or None."""
    name = _name(el)
    if name and _FURNITURE_NAME.search(name):
        return "named"
    if el.tag in _INLINE:
        return None  # a paragraph that is one link, or a linked phrase, is part of its text
    if total >= 8 and links >= LINK_DENSE * total and _count_links(el) >= 2:
        return "link-dense"
    if total <= FOOTER_MAX_CHARS and _FOOTER_TEXT.search(el.text_content() or ""):
        return "footer"
    return None


def _count_links(el: HtmlElement) -> int:
    return sum(1 for _ in el.iter("a"))


def remove(elements: Iterable[HtmlElement]) -> int:
    """Drop elements, keeping their tails (the text after them belongs to the parent)."""
    n = 0
    for el in elements:
        parent = el.getparent()
        if parent is None:
            continue
        el.drop_tree()
        n += 1
    return n


_HIDDEN_STYLE = re.compile(r"(?:visibility\s*:\s*hidden|display\s*:\s*none|opacity\s*:\s*0(?![.\d]))\s*;?", re.I)
REVEAL_SHARE = 0.5


def reveal_hidden_article(root: HtmlElement) -> int:
    """Un-hide a hidden block that holds most of the page's text.

    Some platforms (WeChat articles, lazy-rendering portals) ship the article hidden and reveal it by
    script; extractors rightly skip hidden blocks, so they find nothing. Hidden menus and pop-ups hold
    little text, so only a block with most of the page's running text is revealed.
    """
    stats = text_stats(root)
    page_plain = max(stats[root][0] - stats[root][1], 1)
    revealed = 0
    for el in root.xpath("//*[@style]"):
        style = el.get("style", "")
        if not _HIDDEN_STYLE.search(style):
            continue
        total, links = stats.get(el, (0, 0))
        if total - links >= REVEAL_SHARE * page_plain:
            el.set("style", _HIDDEN_STYLE.sub("", style))
            revealed += 1
    return revealed


def clean_furniture(root: HtmlElement) -> int:
    """Remove furniture blocks from the tree in place; returns how many were removed."""
    body = root.find(".//body")
    return remove(furniture_blocks(body if body is not None else root))
