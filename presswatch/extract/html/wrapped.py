"""Text, authors of a page that is not Chinese: trafilatura's own answer, changed only where measured better.

presswatch wraps trafilatura; on pages the Chinese-portal rules were not made for it must never do
worse than trafilatura does on its own (comments off, tables on). On a held-back suite of 990 mostly
German, English, Spanish and French pages the portal rules and second opinions kept fragments where
trafilatura kept the article (162 of 1,923 characters on a sports page, 373 of 13,391 on a forum
thread). So here the page is not cleaned of furniture, and trafilatura's text (its default balance,
comments off) is kept except:

- trafilatura found less than half of what readability's fork found: the fork's text, which is what
  trafilatura's own fallback (`compare_extraction`) prints too;
- readability-lxml (asked when the fork found clearly more) holds nearly all of trafilatura's text and
  half as much again: readability-lxml's text (a page where trafilatura kept the first 45 %);
- the text is short (under PLAIN_MIN_CHARS): plain trafilatura's full run, with its justext rescue,
  replaces it when longer (the quick pass skips trafilatura's fallback to save its cost);
- lines at either edge that readability lacks and that are no sentence ('Share', 'Photo: Reuters'), and
  a closing run that both readability versions lack, up to EDGE_SHARE of the text (newsletter boxes,
  related links, reprint notices). A long opening run stays: the one such run on the English dev set
  was a CNN lead. A sentence at an edge stays unless a closing run is confirmed.
A text of SURE_CHARS or more is trafilatura's, with no second opinion asked (none changed one on the
English dev set). Each rule was measured on the English article-benchmark (61 pages, F1 0.976 against
0.962 for plain trafilatura; with edge trims of any length 0.959, recall 0.938) and on the readability-
pages set (Spanish, French, Japanese, English blogs: 0.926 against 0.913).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import trafilatura
from lxml.html import HtmlElement

from presswatch.extract.html.authors import find_authors
from presswatch.extract.html.clean import normal_form, text_size
from presswatch.extract.html.fasttraf import bare_extraction
from presswatch.extract.html.guard import trafilatura_author

LOG = logging.getLogger(__name__)

MIN_CHARS = 40  # a candidate with fewer non-space characters found no article
SHORTER_THAN_OTHER = 0.5  # trafilatura's own switch to its readability fallback (len_algo > 2 * len_text)
PLAIN_MIN_CHARS = 250  # trafilatura's min_extracted_size: below it, its justext rescue may find more
EDGE_MAX_CHARS = 100  # a line readability lacks at an edge goes unconfirmed up to this size, if no sentence
SURE_CHARS = 5000  # trafilatura found this much (non-space characters): no second opinion is asked
ASK_FULL = 1.15  # the fork found this much more than trafilatura: readability-lxml (better at blocks) is asked
LONGER = 1.5  # readability-lxml's text replaces trafilatura's only when it holds all of it and this much more
CONTAINED = 0.9  # share of trafilatura's characters in paragraphs the other text has, for 'holds all of it'
EDGE_SHARE = 0.4  # an unshared edge run up to this share of the text goes when both readings lack it


def wrapped_text(
    tree: HtmlElement, html: str, quick: Callable[[], str], full: Callable[[], str]
) -> tuple[str, str]:
    """(text, method) for a noise-stripped tree that was not cleaned of furniture. `quick` gives the
    text of readability's fork for the same tree (the one trafilatura itself falls back on), `full` that
    of readability-lxml; each is asked only when needed, readability-lxml at most once."""
    asked: dict[str, str] = {}

    def full_text() -> str:
        if "full" not in asked:
            asked["full"] = full()
        return asked["full"]

    traf = trafilatura_text(tree)
    n_traf = text_size(traf)
    if n_traf >= SURE_CHARS:
        return traf, "trafilatura"
    quick_text = quick()
    n_quick = text_size(quick_text)
    if n_quick >= MIN_CHARS and n_traf < SHORTER_THAN_OTHER * n_quick:
        return quick_text, "readability"
    if n_traf and n_quick > ASK_FULL * n_traf:
        fuller = full_text()
        if text_size(fuller) >= LONGER * n_traf and contains(fuller, traf):
            return fuller, "readability-contains"
    if n_traf < PLAIN_MIN_CHARS:
        plain = plain_text(html)
        if text_size(plain) > n_traf:
            return plain, "trafilatura-plain"
    if n_quick:
        trimmed = trim_edges(traf, quick_text, full_text)
        if trimmed != traf:
            return trimmed, "trafilatura-edges"
    return traf, "trafilatura"


def trafilatura_text(tree: HtmlElement) -> str:
    """trafilatura's default balance without its fallback pass (readability is run by the caller)."""
    doc = bare_extraction(tree, fast=True, include_comments=False)
    return str(getattr(doc, "text", "") or "") if doc is not None else ""


def plain_text(html: str) -> str:
    """trafilatura exactly as used on its own: the baseline, fallback extractors included."""
    try:
        return trafilatura.extract(html, include_comments=False) or ""
    except Exception as err:  # trafilatura raises what lxml raises on odd pages
        LOG.debug("plain trafilatura failed: %s", err)
        return ""


def trim_edges(text: str, other: str, confirm: Callable[[], str] | None = None) -> str:
    """`text` without the paragraphs opening and closing it that `other` does not have:
    - at either edge, short lines that are not sentences ('Share on Facebook', 'Photo: Reuters',
      'Advertisement'), from the outside in, up to EDGE_SHARE of the text;
    - at the end, the whole unshared run, whatever its paragraphs, when it is at most EDGE_SHARE of the
      text and `confirm` (a second reading, asked only then) lacks it too: newsletter boxes, related
      links, reprint notices. A long opening run stays: a lead readability missed is still the article.
    A sentence stays at either edge unless confirmed: a teaser or a live-ticker entry is article text."""
    paragraphs = text.split("\n")
    other_norm = normal_form(other)
    unshared = [not is_shared(p, other_norm) for p in paragraphs]
    sizes = [text_size(p) for p in paragraphs]
    budget = EDGE_SHARE * sum(sizes)
    end = len(paragraphs)
    head = next((i for i, u in enumerate(unshared) if not u), end)
    tail = next((i + 1 for i in range(end - 1, head - 1, -1) if not unshared[i]), head)

    def lacked(first: int, last: int) -> bool:  # the second reading lacks paragraphs[first:last] too
        if confirm is None or not 0 < sum(sizes[first:last]) <= budget:
            return False
        confirm_norm = normal_form(confirm())
        return not any(is_shared(p, confirm_norm) for p in paragraphs[first:last])

    def furniture_line(i: int) -> bool:
        return sizes[i] <= EDGE_MAX_CHARS and not _SENTENCE.search(paragraphs[i])

    start, dropped = 0, 0
    while start < head and furniture_line(start) and dropped + sizes[start] <= budget:
        dropped += sizes[start]
        start += 1
    stop = tail if tail > start and lacked(tail, end) else end
    while stop > max(tail, start) and furniture_line(stop - 1) and dropped + sizes[stop - 1] <= budget:
        dropped += sizes[stop - 1]
        stop -= 1
    if start >= stop or (start, stop) == (0, end):
        return text
    return "\n".join(paragraphs[start:stop])


# A sentence: six words or more (or fifteen CJK characters) ending with a full stop, ! or ?, quotes aside.
_SENTENCE = re.compile(r"(?:\S+\s+){5,}\S*[.!?…][\"'”»)]*\s*$|[\u3040-\u9fff]{15,}.*[。！？][」』”）)]*\s*$")


PIECE = 8  # characters per piece (punctuation and spaces removed) when comparing two candidates' texts
SUPPORTED = 0.5  # share of a paragraph's pieces found in the other text for it to count as shared


def is_shared(paragraph: str, other_norm: str) -> bool:
    """Most of the paragraph's 8-character pieces occur in the other text (`normal_form` of it)."""
    text = normal_form(paragraph)
    if len(text) < 2 * PIECE:
        return bool(text) and text in other_norm
    pieces = [text[i : i + PIECE] for i in range(0, len(text) - PIECE + 1, PIECE)]
    return sum(1 for piece in pieces if piece in other_norm) >= SUPPORTED * len(pieces)


def contains(text: str, part: str) -> bool:
    """Nearly all of `part` (CONTAINED of its characters, paragraph by paragraph) is in `text`."""
    text_norm = normal_form(text)
    paragraphs = [p for p in part.split("\n") if p.strip()]
    total = sum(text_size(p) for p in paragraphs)
    return total > 0 and sum(text_size(p) for p in paragraphs if is_shared(p, text_norm)) >= CONTAINED * total


def page_authors(
    tree: HtmlElement, header: str, text: str, meta_author: str | None, sitename: str | None
) -> tuple[list[str] | None, str]:
    """Authors as trafilatura finds them - its author metadata (meta tags, JSON-LD), else its byline
    XPaths - and presswatch's byline patterns ('By', 'Von', 'Par', 'Por' lines) only when both name
    nobody. On the held-back suite the byline patterns first found authors on 206 of 538 pages where
    trafilatura found 320. Prunes `tree` (trafilatura_author): call it last."""
    names = [n.strip() for n in (meta_author or "").split(";") if n.strip() and n.strip() != sitename]
    if names:
        return names, "meta"
    if byline := trafilatura_author(tree):
        return byline, "trafilatura-author"
    return find_authors(header, text, None, sitename)
