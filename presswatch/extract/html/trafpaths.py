"""trafilatura's pruning and body XPaths as Python matchers: same elements, same order, less CPU.

libxml2 evaluates `.//*[self::div or ...][re:test(@id, ...)]` by building the node set of every
descendant and calling back into Python for each EXSLT `re:test`: about 1 µs per element and
expression. These expressions were a quarter of extraction CPU (bench/extraction.py pages, measured
2026-11-26); a filtered `iterdescendants` and a Python regex on the one or two attributes find the same
elements in a sixth to a third of the time. Each matcher mirrors one expression of trafilatura 2.3.1 (trafilatura/xpaths.py)
term for term, with XPath's rules for attributes: a missing attribute is the empty string, `@id|@class`
is whichever of the two comes first on the element, `re:test` is `re.search` (what lxml runs).
Every matcher returns a list (prune_unwanted_nodes deletes while it iterates).

`MATCHERS` maps an xpaths.py name to its matchers only when each expression's text is the one
mirrored here (SOURCE_HASHES): a trafilatura that changed an expression keeps its own XPath.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from lxml.html import HtmlElement
from trafilatura import xpaths

Matcher = Callable[[HtmlElement], list[HtmlElement]]

# sha256 of each mirrored expression's text, in list order
SOURCE_HASHES: dict[str, tuple[str, ...]] = {
    "RAW_TREE_PRUNE_XPATH": ("01e7c660fd6406f2", "3c7afe92279543d5"),
    "REMOVE_COMMENTS_AND_LISTS_XPATH": ("9cc18d34e6e2d258",),
    "REMOVE_COMMENTS_XPATH": ("5d97216ca15d0558",),
    "OVERALL_DISCARD_XPATH": ("a837e58a1b1ea116", "c1d5b70b8cd03783"),
    "TEASER_DISCARD_XPATH": ("ebb02f066626551d",),
    "PRECISION_DISCARD_XPATH": ("be67925fffa9fcb2", "53d31ea1df47920a"),
    "DISCARD_IMAGE_ELEMENTS": ("cb1ab981e44913f7",),
    "BODY_XPATH": ("caaa561ceca17064", "dffd8931d1ae8060", "6c9b5e1fdc092943", "10a7ceacc0ff8cdf",
                   "95f15d1c1b6d4052"),
    "AUTHOR_XPATHS": ("4d49fee6aa1c77f4", "6120fddc3d75e8ea", "4ff2ef32ff7c0e5f"),
    "AUTHOR_DISCARD_XPATHS": ("82f43e48c571d06b", "37a7703e19d95ea8"),
}

_BLOCKS = ("div", "section", "aside")
_COMMENT_HOLDERS = ("div", "list", "section", "details")
_DISCARDABLE = ("div", "item", "list", "p", "section", "span")
_BODIES = ("article", "div", "main", "section")


def _first(el: HtmlElement, names: tuple[str, str]) -> str:
    """XPath's string(@a|@b): the value of whichever attribute comes first on the element."""
    for key, value in el.items():
        if key in names:
            return str(value)
    return ""


# ---- raw tree and comments (trafilatura.core.trafilatura_sequence) ---------------------------------------

_MVP = re.compile(r"mvp-post-add-(?:box|wrap)")
_MVP_OR_SCROLL = re.compile(r"mvp-post-add-(?:box|wrap)|infinite-?scroll")
_COMMENT_ID = re.compile(r"^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)")
_COMMENT_LIST_ID = re.compile(r"^(?:[Cc]omment(?!ary)|comol)")
_COMMENT_CLASS = re.compile(r"^[Cc]omment(?!ary)|(?:article|post)-comments")


def raw_appended(tree: HtmlElement) -> list[HtmlElement]:
    found = []
    for el in tree.iterdescendants(*_BLOCKS):
        i, c = el.get("id") or "", el.get("class") or ""
        if (_MVP_OR_SCROLL.search(i) or _MVP_OR_SCROLL.search(c)) and (
            next(el.iterdescendants("h1"), None) is None or _MVP.search(i) or _MVP.search(c)
        ):
            found.append(el)
    return found


def raw_share_buttons(tree: HtmlElement) -> list[HtmlElement]:
    return [el for el in tree.iterdescendants(*_BLOCKS) if "elementor-share-buttons" in (el.get("class") or "")]


def comments_and_lists(tree: HtmlElement) -> list[HtmlElement]:
    found = []
    for el in tree.iterdescendants(*_COMMENT_HOLDERS, "ol", "ul"):
        i, c = el.get("id") or "", el.get("class") or ""
        in_class = _COMMENT_CLASS.search(c)
        if (_COMMENT_ID.search(i) or in_class) and (el.tag not in ("ol", "ul") or _COMMENT_LIST_ID.search(i) or in_class):
            found.append(el)
    return found


def comments(tree: HtmlElement) -> list[HtmlElement]:
    return [el for el in tree.iterdescendants(*_COMMENT_HOLDERS)
            if _COMMENT_ID.search(el.get("id") or "") or _COMMENT_CLASS.search(el.get("class") or "")]


# ---- sections (trafilatura.main_extractor.prune_unwanted_sections) ---------------------------------------

_DISCARD_ID = re.compile(
    r"^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author|^(?:jp-|dpsp-content)"
    r"|bmdh|footer|Footer|share|Share|nav|Nav|menu|related|message-container|premium|^ad-"
)
_DISCARD_CLASS = re.compile(
    r"^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author"
    r"|^(?:nav|post-nav|ZendeskForm)|subnav|avigation|navbar|navbox|menu|bar| ad |-ad-|(?:^| )ad-|dfp[Aa]d|outbrain"
    r"|taboola|criteo|paid-?content|widget|footer|Footer|byline|Byline|share-|sociable|embedded|embed|tag-list"
    r"|consent|modal-content|permission|elated|next-|-stories|most-popular|more-on|meta|rating|attachment"
    r"|timestamp|user-info|user-profile|-icon|article-infos|message-container|slide|viewport|overlay|options"
    r"|expand|obfuscated|blurred|mol-factbox|yin|zlylin|nfoline"
)
_HIDDEN_ID = re.compile(r"reader-comments|akismet")
_HIDDEN_CLASS = re.compile(
    r"^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|-hide-|hide-print| hidden| hide|noprint"
    r"|notloaded"
)
_BOTTOM = re.compile(r"(^|\s)bottom|bottom(\s|$)")
_LINK = re.compile(r"(^|\s)link(\s|$)")


def overall_discard(tree: HtmlElement) -> list[HtmlElement]:
    found = []
    for el in tree.iterdescendants(*_DISCARDABLE):
        if (
            el.get("data-lp-replacement-content") is not None
            or "nav" in (el.get("role") or "").replace("N", "n")
            or "MostPopularStories" in (el.get("data-component") or "")
            or "cookie" in _first(el, ("id", "class"))
            or _DISCARD_ID.search(el.get("id") or "")
            or _DISCARD_CLASS.search(el.get("class") or "")
        ):
            found.append(el)
    return found


def hidden_and_replies(tree: HtmlElement) -> list[HtmlElement]:
    found = []
    for el in tree.iterdescendants():
        if not isinstance(el.tag, str) or not el.keys():
            continue  # every term needs an attribute
        cls, style = el.get("class"), el.get("style") or ""
        if (
            cls == "comments-title"
            or _first(el, ("id", "class")).startswith("reply-")
            or "hidden" in _first(el, ("id", "style"))
            or "display:none" in style
            or "display: none" in style
            or _HIDDEN_ID.search(el.get("id") or "")
            or _HIDDEN_CLASS.search(cls or "")
            or el.get("aria-hidden") == "true"
        ):
            found.append(el)
    return found


def teasers(tree: HtmlElement) -> list[HtmlElement]:
    return [el for el in tree.iterdescendants(*_DISCARDABLE)
            if "teaser" in (el.get("id") or "").replace("T", "t") or "teaser" in (el.get("class") or "").replace("T", "t")]


def headers(tree: HtmlElement) -> list[HtmlElement]:
    return list(tree.iterdescendants("header"))


def bottoms_and_links(tree: HtmlElement) -> list[HtmlElement]:
    found = []
    for el in tree.iterdescendants(*_DISCARDABLE):
        first = _first(el, ("id", "class"))
        if _BOTTOM.search(first) or _LINK.search(first) or "border" in (el.get("style") or ""):
            found.append(el)
    return found


def captions(tree: HtmlElement) -> list[HtmlElement]:
    return [el for el in tree.iterdescendants(*_DISCARDABLE)
            if "caption" in (el.get("id") or "") or "caption" in (el.get("class") or "")]


# ---- the article's container (trafilatura.main_extractor._extract reads only the first match) ------------

_BODY_ID = re.compile(r"(?:entry|article|art)-content|article__content|article(?:-|__)?body|articleBody|body-text")
_BODY_CLASS = re.compile(
    r"post[-_]text|post-body|post-?entry|post[-_]?content|postContent|post_inner_wrapper|article-?text|articleText"
    r"|(?:entry|page|text|article|art)-content|article__content|article(?:-|__)?body|articleBody|ArticleContent"
    r"|body-text|article__container"
)
_STORY_ID = re.compile(r"^primary|story-body")
_FULLTEXT = re.compile(r"fulltext", re.I)
_STORY_CLASS = re.compile(
    r"^article |post-bodycopy|story-?content|(?:theme|blog|section|single)-content|single-post|main-column"
    r"|wpb_text_column|story-body|field-body"
)
_MAIN_ID = re.compile(r"content-main|content-body|contentBody")
_MAIN_CLASS = re.compile(r"content[-_]main|content(?:-|__)body")


def _first_match(tree: HtmlElement, tags: tuple[str, ...], test: Callable[[HtmlElement, str, str], object]) -> list[HtmlElement]:
    for el in tree.iterdescendants(*tags):
        if test(el, el.get("id") or "", el.get("class") or ""):
            return [el]
    return []


def body_article_content(tree: HtmlElement) -> list[HtmlElement]:
    return _first_match(tree, _BODIES, lambda el, i, c: (
        c in ("post", "entry") or el.get("itemprop") == "articleBody" or i == "articleContent"
        or _BODY_ID.search(i) or _BODY_CLASS.search(c)
    ))


def body_article(tree: HtmlElement) -> list[HtmlElement]:
    first = next(tree.iterdescendants("article"), None)
    return [] if first is None else [first]


def body_story(tree: HtmlElement) -> list[HtmlElement]:
    return _first_match(tree, _BODIES, lambda el, i, c: (
        el.get("role") == "article" or i in ("article", "story")
        or c in ("postarea", "art-postcontent", "text", "cell", "story")
        or _STORY_ID.search(i) or _FULLTEXT.search(c) or _STORY_CLASS.search(c)
    ))


def body_main_content(tree: HtmlElement) -> list[HtmlElement]:
    return _first_match(tree, _BODIES, lambda el, i, c: (
        i == "content" or c == "content" or _MAIN_ID.search(i) or _MAIN_CLASS.search(c)
        or "main-content" in i.replace("C", "c").replace("M", "m")
        or "main-content" in c.replace("C", "c").replace("M", "m")
        or "page-content" in c.replace("C", "c").replace("P", "p")
    ))


def body_main(tree: HtmlElement) -> list[HtmlElement]:
    # A union of two first matches: the earlier of the two in document order comes first.
    return _first_match(tree, (*_BODIES, "main"), lambda el, i, c: (
        el.tag == "main" or c.startswith("main") or i.startswith("main") or (el.get("role") or "").startswith("main")
    ))


# ---- bylines (trafilatura.metadata.extract_metainfo; `//` paths start at the document's root) -------------

_AUTHOR_CLASS = re.compile(r"author-?name|AuthorName|authorName")
_AUTHOR_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
_AUTHOR_CLASS_GENERIC = re.compile(r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
_ANY_AUTHOR_ID = re.compile(r"[Aa]uthor")
_ANY_AUTHOR_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
_NOT_AUTHOR_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_NOT_AUTHOR_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|article-(?:share|support)|print"
    r"|category|meta-date|meta-reviewer"
)


def _document(tree: HtmlElement) -> HtmlElement:
    return tree.getroottree().getroot()


def authors_specific(tree: HtmlElement) -> list[HtmlElement]:
    found = []
    for el in _document(tree).iter("a", "address", "div", "link", "p", "span", "strong", "author"):
        c = el.get("class")
        if el.tag == "author" or (
            el.get("rel") == "author" or el.get("id") == "author" or c == "author"
            or el.get("itemprop") == "author name"
            or any(rel.text_content() == "me" for rel in el.iterchildren("rel"))  # XPath's `rel='me'`: a child
            or el.get("data-testid") in ("AuthorCard", "AuthorURL") or _AUTHOR_CLASS.search(c or "")
        ):
            found.append(el)
    return found


def authors_generic(tree: HtmlElement) -> list[HtmlElement]:
    return [el for el in _document(tree).iter("a", "div", "h3", "h4", "p", "span")
            if el.get("class") in ("byline", "username", "byl", "BBL") or "author" in (el.get("itemprop") or "")
            or _AUTHOR_ID.search(el.get("id") or "") or _AUTHOR_CLASS_GENERIC.search(el.get("class") or "")]


def authors_anywhere(tree: HtmlElement) -> list[HtmlElement]:
    return [el for el in _document(tree).iter() if isinstance(el.tag, str) and el.keys() and (
        "Byline" in (el.get("data-component") or "") or "author" in (el.get("itemprop") or "")
        or _ANY_AUTHOR_ID.search(el.get("id") or "") or _ANY_AUTHOR_CLASS.search(el.get("class") or ""))]


def not_authors(tree: HtmlElement) -> list[HtmlElement]:
    return [el for el in tree.iterdescendants("a", "div", "section", "span")
            if el.get("id") == "comments" or el.get("class") in ("comments", "title", "date")
            or _NOT_AUTHOR_ID.search(el.get("id") or "") or _NOT_AUTHOR_CLASS.search(el.get("class") or "")
            or "Figure" in (el.get("data-component") or "")]


def times_and_figures(tree: HtmlElement) -> list[HtmlElement]:
    return list(_document(tree).iter("time", "figure"))


_MIRRORS: dict[str, list[Matcher]] = {
    "AUTHOR_XPATHS": [authors_specific, authors_generic, authors_anywhere],
    "AUTHOR_DISCARD_XPATHS": [not_authors, times_and_figures],
    "RAW_TREE_PRUNE_XPATH": [raw_appended, raw_share_buttons],
    "REMOVE_COMMENTS_AND_LISTS_XPATH": [comments_and_lists],
    "REMOVE_COMMENTS_XPATH": [comments],
    "OVERALL_DISCARD_XPATH": [overall_discard, hidden_and_replies],
    "TEASER_DISCARD_XPATH": [teasers],
    "PRECISION_DISCARD_XPATH": [headers, bottoms_and_links],
    "DISCARD_IMAGE_ELEMENTS": [captions],
    "BODY_XPATH": [body_article_content, body_article, body_story, body_main_content, body_main],
}


def _source_hashes(name: str) -> tuple[str, ...]:
    return tuple(hashlib.sha256(x.path.encode()).hexdigest()[:16] for x in getattr(xpaths, name, []))


MATCHERS: dict[str, list[Matcher]] = {
    name: matchers for name, matchers in _MIRRORS.items() if _source_hashes(name) == SOURCE_HASHES[name]
}
