"""trafilatura's BASIC_CLEAN_XPATH (baseline.basic_cleaning) as a Python matcher: same elements, same order.

trafilatura_sequence measures the page with html2txt (a copy of the raw tree, basic_cleaning, the text)
whenever its balanced-mode text is short: libxml2 then calls back into Python for the expression's two
EXSLT `re:test` terms on every element of the page, most of html2txt's cost (3 % of extraction CPU on
the bench pages, 2026-11-26). One filtered walk finds the same elements. Registered with the other
mirrors in presswatch.extract.html.trafpaths (SOURCE_HASHES guards the expression's text).
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement
from trafilatura import settings

# sha256 of settings.BASIC_CLEAN_XPATH.path, the text mirrored here
SOURCE_HASH = "db6c25acd08aef99"

# .//aside | .//fencedframe | .//footer | .//script | .//style | .//svg | .//template
_TAGS = frozenset({"aside", "fencedframe", "footer", "script", "style", "svg", "template"})
# re:test(@class|@id, ..., 'i'): lxml's EXSLT runs re.search with IGNORECASE; a missing attribute is ''
_COOKIE = re.compile(getattr(settings, "_COOKIE_CONSENT_RE", "(?!)"), re.I)


def basic_clean(tree: HtmlElement) -> list[HtmlElement]:
    """The elements BASIC_CLEAN_XPATH selects under `tree`, in document order, each once."""
    found = []
    for el in tree.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str):
            continue  # `*` selects elements only: no comments or processing instructions
        if tag in _TAGS:
            found.append(el)
            continue
        cls, ident = el.get("class"), el.get("id")
        if cls is None and ident is None:
            continue  # every other term reads @class or @id
        # div[contains(@class|@id, 'footer')]: the string value of whichever comes first on the element
        footer = tag == "div" and "footer" in _first_of(el, cls, ident)
        if footer or (cls and _COOKIE.search(cls)) or (ident and _COOKIE.search(ident)):
            found.append(el)
    return found


def _first_of(el: HtmlElement, cls: str | None, ident: str | None) -> str:
    if cls is None or ident is None:
        return cls or ident or ""
    return next(value for key, value in el.items() if key in ("class", "id"))
