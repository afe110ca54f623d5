"""The page-metadata XPaths' walks (presswatch.extract.html.metapaths) select what the XPaths select."""

from __future__ import annotations

import copy
import gzip
import inspect
from pathlib import Path

import lxml.html
import pytest
from lxml import etree
from trafilatura.metadata import extract_meta_json

from presswatch.extract.decoding import decode
from presswatch.extract.html import metapaths
from presswatch.extract.html.parse import load_tree

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"

# Every term of every expression, present, absent, empty, in other cases, nested, outside <head>.
CRAFTED = """<html><head>
<meta property="article:published_time" content="2024-01-02"><meta name="article:published_time" content="a">
<meta itemprop="datePublished" content="b"><meta name="pubdate" content=""><meta name="publishdate" content="c">
<meta name="PubDate" content="d"><meta name="pubDate" content="no"><meta name="publish_date" content="e">
<meta name="date" content="f"><meta property="og:published_time" content="g"><meta name="og:published_time">
<meta property="OG:published_time" content="no"><meta name="description" content="no">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "A headline", "author": {"@type": "Person", "name": "Jane Roe"}}</script>
<script type="application/settings+json">{"x": 1}</script><script type="text/javascript">var a;</script>
</head><body hidden>
<time itemprop="datePublished" datetime="h">t</time><time pubdate="" datetime="i"></time><time pubdate>j</time>
<time datetime="no"></time><meta name="date" content="k">
<a href="/x?author=1">A</a><a href="/x?pc=2&amp;author=3">B</a><a href="/author/jane/">C</a><a rel="author">D</a>
<a rel="Author" href="/x">no</a><a href="">no</a><a>no</a><a href="/authors/">no</a>
<div style="display: none">h1<p hidden="">h2</p></div><span style="DISPLAY:NONE">no</span><p style="x;display:none;">h3</p>
<script type="application/ld+json">[{"@type": "Person", "name": "Body Script"}]</script>
</body></html>"""


def _trees() -> list:
    pages = [CRAFTED]
    for folder in ("cwced", "magic-html", "article-benchmark/html", "readability-pages"):
        pages += [decode(gzip.decompress(p.read_bytes())).text for p in sorted(DATA.glob(f"{folder}/*.html.gz"))[:6]]
    trees = [load_tree(page) for page in pages]
    found = [t for t in trees if t is not None]
    # `//` reads the whole document whatever the context: a subtree as context must not change that.
    return found + [next(t.iter("body"), t) for t in found]


@pytest.fixture(scope="module")
def trees() -> list:
    return _trees()


@pytest.mark.parametrize("name", ["meta_dates", "hint_meta_dates", "author_links"])
def test_walks_find_what_the_xpaths_find_in_the_same_order(name, trees):
    expression = etree.XPath(metapaths.EXPRESSIONS[name], smart_strings=False)
    walk = getattr(metapaths, name)
    found = 0
    for tree in trees:
        assert walk(tree) == expression(tree), name
        found += len(walk(tree))
    assert found >= 10  # the comparison saw real matches


def test_hidden_walk_finds_what_the_hidden_xpath_finds(trees):
    expression = etree.XPath(metapaths.EXPRESSIONS["hidden"])
    found = 0
    for tree in trees[: len(trees) // 2]:
        doc = copy.deepcopy(tree)
        assert metapaths.hidden(list(doc.iter())) == expression(doc)
        found += len(expression(doc))
    assert found >= 4


def test_json_ld_scripts_stand_in_for_the_tree_in_trafilaturas_reader(trees):
    # The stand-in only answers the expression trafilatura's reader asks: this says it still asks it.
    assert repr(metapaths.EXPRESSIONS["json_ld"]) in inspect.getsource(extract_meta_json)
    expression = etree.XPath(metapaths.EXPRESSIONS["json_ld"])
    for tree in trees:
        assert metapaths.JsonLdScripts(tree).xpath(metapaths.EXPRESSIONS["json_ld"]) == expression(tree)
    crafted = trees[0]
    from trafilatura.metadata import Document

    ours = extract_meta_json(metapaths.JsonLdScripts(crafted), Document())
    theirs = extract_meta_json(crafted, Document())
    fields = ("title", "author", "url", "hostname", "description", "sitename", "date", "categories", "tags")
    assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
    assert ours.author == "Jane Roe"
    assert metapaths.JsonLdScripts(crafted).xpath("//title") == crafted.xpath("//title")  # others go to the tree


def test_a_fragment_without_html_element_is_read_whole():
    fragment = lxml.html.fromstring('<div><a rel="author">x</a><meta name="date" content="1"></div>')
    assert metapaths.author_links(fragment) == etree.XPath(metapaths.EXPRESSIONS["author_links"])(fragment)
    assert metapaths.meta_dates(fragment) == etree.XPath(metapaths.EXPRESSIONS["meta_dates"])(fragment)
