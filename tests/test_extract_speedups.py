"""The cheaper stand-ins of the extraction path give exactly what they replace (issue #13).

- presswatch.extract.html.nfkc.nfkc against unicodedata's NFKC;
- presswatch.extract.html.clean.furniture_name against the case-insensitive furniture-name regex;
- fasttraf's html2txt (basic_cleaning through presswatch.extract.html.trafclean) against trafilatura's.
The matcher itself is checked with the other XPath mirrors in tests/test_extract_trafpaths.py.
"""

from __future__ import annotations

import copy
import gzip
import random
import re
import unicodedata
from pathlib import Path

import pytest
from trafilatura.baseline import html2txt as trafilatura_html2txt

from presswatch.extract.decoding import decode
from presswatch.extract.html import fasttraf
from presswatch.extract.html.clean import _FURNITURE_NAME, furniture_name, normal_form, strip_noise
from presswatch.extract.html.nfkc import _NFKC_OF, nfkc
from presswatch.extract.html.parse import load_tree

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"


def _pages(n: int) -> list[str]:
    paths = sorted(DATA.glob("cwced/*.html.gz"))[:n] + sorted(DATA.glob("magic-html/*.html.gz"))[:n]
    paths += sorted(DATA.glob("article-benchmark/html/*.html.gz"))[:n]
    return [decode(gzip.decompress(p.read_bytes())).text for p in paths]


def test_nfkc_is_unicodedata_nfkc_for_every_bmp_character_in_composing_contexts():
    # Each character alone and where it could compose or reorder with its neighbours: after a base
    # letter, before a combining accent, between half-width kana and their voicing mark, inside Hangul.
    contexts = ("{}", "a{}", "{}\u0301", "\uff76{}", "{}\uff9e", "e{}\u0301", "\uac00{}\u1161", "\u3000{}\uff0c")
    wrong = [
        (hex(point), form)
        for point in range(0x10000)
        if not 0xD800 <= point < 0xE000
        for form in contexts
        if nfkc(form.format(chr(point))) != unicodedata.normalize("NFKC", form.format(chr(point)))
    ]
    assert wrong == []


def test_nfkc_is_unicodedata_nfkc_on_random_mixes_of_compatibility_and_combining_characters():
    rnd = random.Random(13)
    pool = [*_NFKC_OF, "\u0301", "\u0327", "\u3099", "\uff9e", "e", "a", "中", "\u1161", "\u11a8", "가", " ", "\u0345"]
    texts = ["".join(rnd.choice(pool) for _ in range(rnd.randint(1, 10))) for _ in range(50_000)]
    assert [t for t in texts if nfkc(t) != unicodedata.normalize("NFKC", t)] == []


def test_normal_form_of_whole_pages_is_unchanged():
    for page in _pages(4):
        for text in (page, page[: len(page) // 3]):
            assert nfkc(text) == unicodedata.normalize("NFKC", text)
            assert normal_form(text) == re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize(
    "name",
    ["relatedNews", "article-content", "SHARE-bar", "footer", "side_bar x", "main", "post_body", "Copyright",
     "ſhare", "\u212aing", "recommend\u00e9", "热点 hotnews", "", "navbox", "InfoBox", "basicInfo", "x y z"],
)
def test_furniture_name_agrees_with_the_case_insensitive_regex(name):
    assert furniture_name(name) == (_FURNITURE_NAME.search(name) is not None)


def test_fasttraf_html2txt_gives_trafilaturas_page_text():
    assert fasttraf._BASELINE, "the BASIC_CLEAN_XPATH matcher is not active for this trafilatura"
    ours = fasttraf._BASELINE["html2txt"]
    for page in _pages(3):
        tree = load_tree(page)
        assert tree is not None
        strip_noise(tree)
        assert ours(tree) == trafilatura_html2txt(copy.deepcopy(tree))
