"""The page-metadata XPaths as Python walks: same elements and values, same order, a fraction of the CPU.

libxml2 evaluates `//meta[@a='x' or ...]/@content` by gathering every node of the page (text nodes
included) under `descendant-or-self::node()` and testing each one's children: on the bench pages these
few expressions cost 5 % of extraction CPU (py-spy --native, 2026-11-26), author links alone 1.8 %.
`root.iter("meta", "time")` skips in C to the few elements that can match. The mirrored expressions
are kept here as text (EXPRESSIONS), and tests/test_extract_metapaths.py checks each walk against its
XPath on the dev pages and crafted markup. Rules followed: `//x` reads the whole document whatever the
context element; `@a='v'` is true when the attribute exists with that value; `contains(@a, s)` on a
missing attribute is false; a union comes back in document order, each node once.
"""

from __future__ import annotations

from typing import Any

from lxml.html import HtmlElement

EXPRESSIONS = {
    "meta_dates": (
        "//meta[@property='article:published_time' or @name='article:published_time' or @itemprop='datePublished'"
        " or @name='pubdate' or @name='publishdate' or @name='PubDate' or @name='publish_date' or @name='date'"
        " or @property='og:published_time' or @name='og:published_time']/@content"
        " | //time[@itemprop='datePublished' or @pubdate]/@datetime"
    ),
    "hint_meta_dates": (
        "//meta[@property='article:published_time' or @name='pubdate' or @name='publishdate'"
        " or @itemprop='datePublished' or @name='PubDate' or @property='og:published_time']/@content"
    ),
    "author_links": (
        "//a[contains(@href, '?author=') or contains(@href, '&author=') or contains(@href, '/author/')"
        " or @rel='author']"
    ),
    "json_ld": './/script[@type="application/ld+json" or @type="application/settings+json"]',
    "hidden": "//*[@hidden] | //*[contains(translate(@style, ' ', ''), 'display:none')]",
}

_DATE_PROPERTIES = frozenset({"article:published_time", "og:published_time"})
_DATE_NAMES = frozenset({"article:published_time", "pubdate", "publishdate", "PubDate", "publish_date", "date",
                         "og:published_time"})
_HINT_NAMES = frozenset({"pubdate", "publishdate", "PubDate"})
_JSON_TYPES = frozenset({"application/ld+json", "application/settings+json"})


def _document(tree: HtmlElement) -> HtmlElement:
    return tree.getroottree().getroot()


def meta_dates(tree: HtmlElement) -> list[str]:
    """EXPRESSIONS["meta_dates"]: publication-date meta contents and <time itemprop/pubdate> datetimes."""
    found = []
    for el in _document(tree).iter("meta", "time"):
        if el.tag == "meta":
            if (el.get("property") in _DATE_PROPERTIES or el.get("name") in _DATE_NAMES
                    or el.get("itemprop") == "datePublished"):
                value = el.get("content")
                if value is not None:
                    found.append(value)
        elif el.get("itemprop") == "datePublished" or el.get("pubdate") is not None:
            value = el.get("datetime")
            if value is not None:
                found.append(value)
    return found


def hint_meta_dates(tree: HtmlElement) -> list[str]:
    """EXPRESSIONS["hint_meta_dates"]."""
    found = []
    for el in _document(tree).iter("meta"):
        if (el.get("property") in _DATE_PROPERTIES or el.get("name") in _HINT_NAMES
                or el.get("itemprop") == "datePublished"):
            value = el.get("content")
            if value is not None:
                found.append(value)
    return found


def author_links(tree: HtmlElement) -> list[HtmlElement]:
    """EXPRESSIONS["author_links"]: links to an author page, or marked rel="author"."""
    found = []
    for el in _document(tree).iter("a"):
        href = el.get("href")
        if (href and ("?author=" in href or "&author=" in href or "/author/" in href)) or el.get("rel") == "author":
            found.append(el)
    return found


def hidden(elements: list[Any]) -> list[HtmlElement]:
    """EXPRESSIONS["hidden"] over a document whose nodes are `elements` (all of them, in document order)."""
    return [el for el in elements if isinstance(el.tag, str) and (
        el.get("hidden") is not None or "display:none" in (el.get("style") or "").replace(" ", ""))]


class JsonLdScripts:
    """Stands in for the tree in trafilatura.metadata.extract_meta_json, which only asks it
    `.xpath(EXPRESSIONS["json_ld"])`: answered by a walk; any other expression goes to the tree."""

    def __init__(self, tree: HtmlElement) -> None:
        self.tree = tree

    def xpath(self, expression: str, **kwargs: Any) -> Any:
        if expression != EXPRESSIONS["json_ld"] or kwargs:
            return self.tree.xpath(expression, **kwargs)
        return [el for el in self.tree.iterdescendants("script") if el.get("type") in _JSON_TYPES]
