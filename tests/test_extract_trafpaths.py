"""trafilatura's XPaths as Python matchers (presswatch.extract.html.trafpaths) and the bare_extraction that
runs them (presswatch.extract.html.fasttraf) give exactly what trafilatura's own give."""

from __future__ import annotations

import copy
import gzip
from pathlib import Path

import lxml.html
import pytest
import trafilatura
from trafilatura import settings, xpaths
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.settings import Extractor

from presswatch.extract.decoding import decode
from presswatch.extract.html.clean import strip_noise
from presswatch.extract.html.fasttraf import bare_extraction
from presswatch.extract.html.parse import load_tree
from presswatch.extract.html.trafpaths import MATCHERS, SOURCE_HASHES

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"

# Every term of every mirrored expression, with attributes in both orders, empty, upper-case and absent.
CRAFTED = """<html class="Author" id="x"><body>
<div class="a" id="comments">x<rel>me</rel></div><p><rel> me</rel></p><span><rel>me</rel>q</span>
<div id="" class="author-name">n</div><div class="" id="author">A</div><author>z</author><time>t</time>
<figure>f</figure><div style="display:none" id="hidden-x" class="cookie">h</div><div class="cookie" id="y">c</div>
<div id="reply-1" class="b">r</div><div class="reply-2" id="b">r2</div><div style="x" id="hidden">s</div>
<section class="main" role="main"></section><main></main><div data-lp-replacement-content="">d</div>
<div role="NAVigation">n</div><div class="x bottom" id="y">b</div><p id="link" class="bottom">l</p>
<div aria-hidden="true">a</div><header>h</header><a rel="author">ra</a><a itemprop="author name">ia</a>
<span data-testid="AuthorCard">ac</span><h3 class="BBL">b</h3><div class="Teaser">t</div><div id="TEASER">t</div>
<p class="caption">c</p><ul class="comment-list">u</ul><ol id="comments">o</ol><ul class="post-comments">pc</ul>
<aside class="infinite-scroll"><h1>h</h1></aside><div id="mvp-post-add-box"><h1>x</h1></div>
<section class="elementor-share-buttons">e</section><article class="text">art</article><div id="Main-Content">m</div>
<div class="Page-content">p</div><div class="fullTEXT">f</div><div class="post">p</div><div class="comments-title">ct</div>
<div id="a-footer" class="x">1</div><div class="x" id="footer">2</div><p class="CookieBanner">3</p>
<span id="ONETRUST-x">4</span><aside><footer>5</footer></aside><svg></svg><div class="footer" id="q">6</div>
<div data-component="MostPopularStories">mp</div><span data-component="Byline">by</span><div style="border:1px">bd</div>
<p class="nav-x">nv</p><div class="widget ad-slot">w</div><div id="sidebar">sb</div><div class="meta">m</div>
</body></html>"""


def _library(name: str) -> list:
    found = getattr(xpaths, name, None) or getattr(settings, name)
    return found if isinstance(found, list) else [found]


def _tree_states(html: str) -> list:
    """The trees trafilatura evaluates these expressions on: raw, noise-stripped, cleaned and converted,
    and subtrees of those (prune_unwanted_sections runs on the article's container)."""
    tree = load_tree(html)
    assert tree is not None
    states = [copy.deepcopy(tree)]
    strip_noise(tree)
    states.append(tree)
    options = Extractor(fast=True, comments=False)
    converted = convert_tags(tree_cleaning(copy.deepcopy(tree), options), options)
    states.append(converted)
    for root in (tree, converted):
        states += list(root.iter("div", "section", "article", "body", "main", "list"))[:25]
    return states


def _dev_pages(n: int) -> list[str]:
    paths = sorted(DATA.glob("magic-html/*.html.gz"))[:n] + sorted(DATA.glob("article-benchmark/html/*.html.gz"))[:n]
    paths += sorted(DATA.glob("cwced/*.html.gz"))[:n]
    return [decode(gzip.decompress(p.read_bytes())).text for p in paths]


def _same_elements(name: str, library_result: list, ours: list) -> bool:
    if name == "BODY_XPATH":  # trafilatura reads only the first element of these
        first = next((el for el in library_result if el is not None), None)
        library_result = [] if first is None else [first]
    return library_result == ours


def test_every_mirrored_expression_is_active_for_the_installed_trafilatura():
    # A trafilatura release that changes an expression falls back to its XPath: this says it happened.
    assert set(MATCHERS) == set(SOURCE_HASHES), sorted(set(SOURCE_HASHES) - set(MATCHERS))


@pytest.fixture(scope="module")
def states() -> list:
    found = _tree_states(CRAFTED)
    for html in _dev_pages(3):
        found += _tree_states(html)
    crafted = lxml.html.fromstring(CRAFTED)
    return [*found, crafted, *crafted.iter()]


@pytest.mark.parametrize("name", sorted(SOURCE_HASHES))
def test_matchers_find_the_elements_trafilatura_finds_in_the_same_order(name, states):
    assert MATCHERS[name], name
    compared = 0
    for expression, matcher in zip(_library(name), MATCHERS[name], strict=True):
        # A `//` path reads the whole document whatever the context: subtrees add nothing but time.
        absolute = expression.path.lstrip().startswith("//")
        for tree in (t for t in states if not absolute or t.getparent() is None):
            assert _same_elements(name, expression(tree), matcher(tree)), (name, expression.path[:80])
            compared += 1
    assert compared >= 30


@pytest.mark.parametrize("precise", [True, False])
def test_bare_extraction_gives_trafilaturas_text_and_leaves_the_input_tree_alone(precise):
    for html in _dev_pages(3):
        tree = load_tree(html)
        assert tree is not None
        strip_noise(tree)
        before = lxml.html.tostring(tree)
        ours = bare_extraction(tree, fast=True, favor_precision=precise, include_comments=False)
        assert lxml.html.tostring(tree) == before
        theirs = trafilatura.bare_extraction(copy.deepcopy(tree), fast=True, favor_precision=precise,
                                             include_comments=False)
        assert (ours is None) == (theirs is None)
        if ours is not None:
            assert ours.text == theirs.text
