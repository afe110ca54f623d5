"""One parse per page, shared by every extractor: trafilatura's load_html, with two costs taken out.

extract_html parses a page once; trafilatura, readability's fork and readability-lxml work on that tree
(each copies it only because each edits what it is given). The parser is trafilatura's, with lxml.html's
element classes resolved in C instead of by a Python method per element, and trafilatura's repair pass
skips its whole-page character filter when no such character occurs. Both give the same tree: the
extraction results on every dev page are unchanged (bench/extraction.py).
"""

from __future__ import annotations

import logging

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, INVALID_XML_CHARS, is_dubious_html

LOG = logging.getLogger(__name__)

# trafilatura's parser settings, with the element classes resolved in C: lxml.html's parser asks a Python
# method (HtmlElementClassLookup.lookup) for the class of every element proxy it creates, half a million
# calls over the dev pages, 3-4 % of extraction CPU. Every element is an HtmlElement either way; only form
# controls lose lxml.html's FormElement/InputElement subclasses, which no extractor here uses.
PARSER = etree.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
                          remove_pis=True)
PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
))


def load_tree(html: str) -> HtmlElement | None:
    """trafilatura.utils.load_html on a decoded page, step for step, with PARSER (and _repair)."""
    beginning = html[:50].lower()
    dubious = is_dubious_html(beginning)
    html = _repair(html, beginning)
    tree, bytes_tried = None, False
    try:
        tree = lxml.html.fromstring(html, parser=PARSER)
    except ValueError:  # a str with an encoding declaration: lxml wants bytes
        tree, bytes_tried = _from_bytes(html), True
    except Exception as err:  # what lxml raises on odd input
        LOG.debug("lxml parsing failed: %s", err)
    if (tree is None or len(tree) < 1) and not bytes_tried:
        tree = _from_bytes(html)
    if tree is not None and dubious and len(tree) < 2:
        return None
    return tree


_INVALID_CHARS = tuple(chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF))


def _repair(html: str, beginning: str) -> str:
    """trafilatura.utils.repair_faulty_html, step for step, except that its character filter (a regex
    substitution over the whole page, 1-2 % of extraction) runs only when such a character occurs."""
    if any(ch in html for ch in _INVALID_CHARS):
        html = INVALID_XML_CHARS.sub("", html)
    if "doctype" in beginning:  # libxml2 trips on a self-closing doctype
        firstline, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:  # a self-closing <html/> in the first lines
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", html, count=1)
    return html


def _from_bytes(html: str) -> HtmlElement | None:
    try:
        return lxml.html.fromstring(html.encode("utf8", "surrogatepass"), parser=PARSER)
    except Exception as err:  # what lxml raises on odd input
        LOG.debug("lxml parser bytestring: %s", err)
        return None


def lenient_parse(html: str) -> HtmlElement | None:
    """Parse what trafilatura refuses (a page without <html>, a crawl dump): lxml repairs it."""
    try:
        return lxml.html.document_fromstring(html, parser=PARSER)
    except (etree.ParserError, ValueError):
        return None
