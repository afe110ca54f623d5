"""Whole-text character maps through numpy arrays of code points: NFKC, and tables a caller builds.

str.translate and unicodedata make a Python object per character; a 4,000-character Chinese article
costs ~0.4-0.5 ms that way, ~0.03-0.04 ms as one array lookup. Short texts (under SHORT characters) take
the plain calls, whose set-up is cheaper. numpy is imported on first use: importing presswatch.text stays
light. presswatch.text is the module every stage calls (its `nfkc` is this one's).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

SHORT = 64  # characters: below this the plain per-character calls beat numpy's set-up


def code_points(text: str) -> Any:
    import numpy as np  # imported on first use, like opencc: this module has no heavy imports

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def from_code_points(codes: Any) -> str:
    return str(codes.tobytes().decode("utf-32-le", "surrogatepass"))


NFKC_LIMIT = 0x30000  # code points with tables for the fast NFKC; texts holding any above take the plain path


@lru_cache(maxsize=1)
def nfkc_tables() -> tuple[Any, Any]:
    """(one, unsafe) over code points below NFKC_LIMIT, for nfkc() (~0.15 s, once per process).

    A boundary character (NFKC leaves it alone, combining class 0, never the second of a canonical pair)
    starts a segment that normalises on its own: NFKC(a + b) = NFKC(a) + NFKC(b) when b starts with one.
    `one` maps a character whose NFKC is a single boundary character to it (full-width Latin and
    punctuation, ideographic space: compatibility-equivalent, so the text's NFKC is unchanged); `unsafe`
    marks the other characters that are not boundaries, which unicodedata normalises with the character
    before them."""
    import numpy as np

    # Every character's NFKC in one call: NUL neither composes nor reorders with a neighbour (NUL itself
    # and the surrogates, which cannot be encoded, are written as "x" here and judged apart).
    chars = [chr(c) if c and not 0xD800 <= c < 0xE000 else "x" for c in range(NFKC_LIMIT)]
    forms = unicodedata.normalize("NFKC", "\0".join(chars)).split("\0")
    forms[0] = "\0"
    seconds = {0xD7B0 + i for i in range(0x50)} | {0x1160 + i for i in range(0xA0)}  # Hangul vowels, finals
    for ch in chars:
        parts = unicodedata.decomposition(ch).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    boundary = [form == ch and not unicodedata.combining(ch) for form, ch in zip(forms, chars, strict=True)]
    boundary[0] = True
    boundary[0xD800:0xE000] = [False] * 0x800  # surrogates: left to unicodedata
    for c in seconds:
        boundary[c] = False
    one = np.arange(NFKC_LIMIT, dtype=np.uint32)
    unsafe = np.zeros(NFKC_LIMIT, dtype=bool)
    for c in (c for c, ok in enumerate(boundary) if not ok):
        form = forms[c]
        if len(form) == 1 and ord(form) < NFKC_LIMIT and boundary[ord(form)] and not 0xD800 <= c < 0xE000:
            one[c] = ord(form)
        else:
            unsafe[c] = True
    return one, unsafe


def nfkc(text: str) -> str:
    """unicodedata's NFKC. Chinese copy is full of full-width punctuation, which sends unicodedata down
    its slow path for the whole text (~0.5 ms per 4,000 characters); long texts are mapped through
    nfkc_tables() instead and only the rare characters left unsafe go to unicodedata, with the boundary
    character before them (~0.04 ms). Equal to unicodedata on every code point in context, on random
    strings of the characters the tables treat specially, and on every article of the benchmarks."""
    if len(text) < SHORT or text.isascii():
        return unicodedata.normalize("NFKC", text)
    codes = code_points(text)
    if int(codes.max()) >= NFKC_LIMIT:
        return unicodedata.normalize("NFKC", text)
    import numpy as np

    one, unsafe = nfkc_tables()
    mapped = one[codes]
    out = from_code_points(mapped)
    marked = np.flatnonzero(unsafe[mapped])
    if not marked.size:
        return out
    breaks = np.flatnonzero(np.diff(marked) > 1)
    starts = [int(marked[0]), *(marked[breaks + 1]).tolist()]
    ends = [*(marked[breaks] + 1).tolist(), int(marked[-1]) + 1]
    pieces: list[str] = []
    done = 0
    for start, end in zip(starts, ends, strict=True):
        lo = max(start - 1, 0)
        pieces += (out[done:lo], unicodedata.normalize("NFKC", out[lo:end]))
        done = end
    pieces.append(out[done:])
    return "".join(pieces)


def code_table(mapping: Mapping[int, str]) -> Any:
    """A one-for-one character map as an array: code point -> code point, up to its largest key."""
    import numpy as np

    table = np.arange(max(mapping) + 1, dtype=np.uint32)
    table[list(mapping)] = [ord(v) for v in mapping.values()]
    return table


ALNUM_LIMIT = 0x30000  # code points in the table of alnum_only(); texts holding any above take the regex


@lru_cache(maxsize=1)
def alnum_table() -> Any:
    """str.isalnum() of every code point below ALNUM_LIMIT (~0.05 s, once per process)."""
    import numpy as np

    return np.fromiter((chr(cp).isalnum() for cp in range(ALNUM_LIMIT)), dtype=bool, count=ALNUM_LIMIT)


# Python's \w is str.isalnum() or "_": removing these leaves exactly the characters isalnum() accepts.
_NOT_ALNUM = re.compile(r"[\W_]+")


def alnum_only(text: str) -> str:
    """The letters and digits of `text` (str.isalnum()), in order: punctuation, spaces and symbols removed.
    Short texts and texts with code points beyond the table take the regex, where numpy's set-up or the
    table do not pay."""
    if len(text) < SHORT:
        return _NOT_ALNUM.sub("", text)
    codes = code_points(text)
    if int(codes.max()) >= ALNUM_LIMIT:
        return _NOT_ALNUM.sub("", text)
    return from_code_points(codes[alnum_table()[codes]])
