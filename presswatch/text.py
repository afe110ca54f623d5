"""The one text-normalisation module every stage uses: Han character class, OpenCC tables, simplification.

Three forms of "simplified" exist on purpose, each with one implementation here:
- `to_simplified`: OpenCC's full t2s conversion (phrase rules included); the text is otherwise untouched.
- `to_simplified_keep_length`: t2s's character table only, one character for one, so offsets into the
  original stay valid (figures) and the conversion is ~25x faster (stories' MinHash over 1M articles).
  OpenCC's 277 phrase rules (瞭解 -> 了解) change 0.14 % of characters on seed 004, which neither needs.
- `normalise_for_match`: NFKC (full-width Latin -> ASCII), case folded, then `to_simplified`: the form
  watchlist, term and search matching run on; `normalise_for_match_with_offsets` maps it back.

OpenCC's dictionary files are parsed once per process (cached); opencc is imported only on first use.
No I/O beyond those bundled files, no Prefect.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from presswatch.codepoints import SHORT, code_points, code_table, from_code_points
from presswatch.codepoints import nfkc as nfkc

# CJK Unified Ideographs with extension A, the compatibility block, and the supplementary planes'
# extensions B-G plus compatibility supplement. Inclusive code point ranges.
HAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3134F),
)
# The same ranges as the inside of a regex character class: f"[{HAN_CLASS}]".
HAN_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in HAN_RANGES)
HAN = re.compile(f"[{HAN_CLASS}]")


def is_han(ch: str) -> bool:
    return any(lo <= ord(ch) <= hi for lo, hi in HAN_RANGES)


# ---------------------------------------------------------------------------------------- OpenCC tables


def _dictionary_folder() -> Path:
    import opencc  # the pure-Python reimplementation ships its dictionaries as text files

    return Path(opencc.__file__).parent / "dictionary"


@lru_cache(maxsize=4)
def opencc_table(name: str) -> dict[str, tuple[str, ...]]:
    """One of OpenCC's dictionary files (e.g. "TSCharacters.txt"): key -> candidates, best first."""
    table: dict[str, tuple[str, ...]] = {}
    for line in (_dictionary_folder() / name).read_text(encoding="utf-8").splitlines():
        key, _, values = line.partition("\t")
        if key and values.split():
            table[key] = tuple(values.split())
    return table


@lru_cache(maxsize=1)
def t2s_changed_chars() -> frozenset[str]:
    """Characters OpenCC's t2s character table turns into another character."""
    return frozenset(k for k, v in opencc_table("TSCharacters.txt").items() if v[0] != k)


@lru_cache(maxsize=1)
def _t2s_char_map() -> dict[int, str]:
    return {ord(k): v[0] for k, v in opencc_table("TSCharacters.txt").items() if len(k) == 1 and len(v[0]) == 1}


@lru_cache(maxsize=1)
def _t2s_phrase_triggers() -> tuple[str, ...]:
    """Phrases t2s changes that hold no changed character: the only way unchanged characters can change."""
    chars = t2s_changed_chars()
    return tuple(
        k for k, v in opencc_table("TSPhrases.txt").items() if v[0] != k and not chars.intersection(k)
    )


@lru_cache(maxsize=1)
def script_marker_sets() -> tuple[frozenset[str], frozenset[str]]:
    """Characters written only in traditional script, and only in simplified script.

    A traditional character that converts to something else and is never itself a simplified form (and the
    reverse). Characters shared by both scripts are not evidence of either.
    """
    ts = opencc_table("TSCharacters.txt")
    st = opencc_table("STCharacters.txt")
    simplified_forms = {c for v in ts.values() for c in v} | set(st)
    traditional_forms = {c for v in st.values() for c in v} | set(ts)
    trad_only = {k for k, v in ts.items() if set(v) != {k}} - simplified_forms
    simp_only = {k for k, v in st.items() if set(v) != {k}} - traditional_forms
    return frozenset(trad_only), frozenset(simp_only)


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


# ------------------------------------------------------------------------------------------- conversion


def to_simplified(text: str) -> str:
    """OpenCC's full traditional -> simplified conversion (phrases too); may change the length.

    Text holding no character or phrase that t2s changes converts to itself; most articles are simplified
    already, and skipping the pure-Python converter for them saves ~8 ms per article.
    """
    try:
        chars, triggers = t2s_changed_chars(), _t2s_trigger_pattern()
    except OSError:  # dictionary files missing: convert always
        return str(_t2s().convert(text))
    if chars.isdisjoint(text) and not triggers.search(text):
        return text
    return _convert_t2s(text)


def literal_trie(keys: Iterable[str]) -> dict[str, Any]:
    """The keys as nested dicts, one level per character; "" marks the end of a key (regex tries)."""
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}
    return trie


def _trie_pattern(keys: list[str]) -> str:
    """One regex for literal keys, shaped as a trie (a position fails after one character, ~1/9 of the
    time of an alternation of 71 keys), longer continuations before a key's end: the longest key at a
    position matches, as in a longest-first alternation."""
    trie = literal_trie(keys)

    def render(node: dict[str, Any]) -> str:
        alternatives = [re.escape(ch) + render(node[ch]) for ch in sorted(k for k in node if k)]
        alternatives += [""] if "" in node else []
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return render(trie) if trie else "(?!)"


@lru_cache(maxsize=1)
def _t2s_trigger_pattern() -> re.Pattern[str]:
    return re.compile(_trie_pattern(list(_t2s_phrase_triggers())))


@lru_cache(maxsize=1)
def _t2s_phrase_rules() -> tuple[re.Pattern[str], dict[str, str]]:
    phrases = {k: v[0] for k, v in opencc_table("TSPhrases.txt").items() if len(k) > 1}
    return re.compile(_trie_pattern(list(phrases))), phrases


def _convert_t2s(text: str) -> str:
    """OpenCC's t2s (maximum forward matching over its phrase and character tables) without the
    pure-Python converter: phrases found by one regex, longest first at each position, and the text between
    them translated character by character. Same output as opencc's convert() on every phrase key in
    context and on the seeds' paragraphs (tests/test_incremental.py), ~15x faster."""
    pattern, phrases = _t2s_phrase_rules()
    # The character table keeps length, so the text between phrases is cut from one translation of the whole.
    translated = to_simplified_keep_length(text)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(translated[last : match.start()])
        out.append(phrases[match.group()])
        last = match.end()
    out.append(translated[last:])
    return "".join(out)


def to_simplified_keep_length(text: str) -> str:
    """Traditional -> simplified character by character (t2s's character table, no phrase rules).

    Length-preserving, so offsets into the original stay valid; ~25x faster than `to_simplified`.
    Long texts go through a numpy array of code points (str.translate makes an int object per character:
    ~0.4 ms for a 4,000-character article, against ~0.03 ms).
    """
    if len(text) < SHORT:
        return text.translate(_t2s_char_map())
    codes = code_points(text)
    table = _t2s_code_table()
    if int(codes.max()) >= len(table):
        return text.translate(_t2s_char_map())
    return from_code_points(table[codes])


@lru_cache(maxsize=1)
def _t2s_code_table() -> Any:
    """_t2s_char_map() as an array: code point -> code point, up to its largest key."""
    return code_table(_t2s_char_map())


def normalise_for_match(text: str, *, fold_case: bool = True) -> str:
    """The text matching runs on: NFKC (full-width Latin -> ASCII), case folded, simplified script."""
    out = nfkc(text)
    return to_simplified(out.casefold() if fold_case else out)


@lru_cache(maxsize=1)
def _one_for_one() -> frozenset[str]:
    """Characters that NFKC or case folding may not map to exactly one character of their own: text
    without them normalises character by character (full-width punctuation, Han, Latin do)."""
    seconds = set()  # characters that can compose with the one before them
    for code in range(0x30000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    seconds |= {chr(c) for c in (*range(0x1160, 0x1200), *range(0xD7B0, 0xD800))}  # Hangul vowels, finals
    unsafe = set()
    for code in range(0x30000):
        ch = chr(code)
        out = nfkc(ch)
        if (len(out) != 1 or len(out.casefold()) != 1 or len(ch.casefold()) != 1 or unicodedata.combining(ch)
                or unicodedata.combining(out) or ch in seconds or out in seconds):  # fmt: skip
            unsafe.add(ch)
    return frozenset(unsafe)


@lru_cache(maxsize=1)
def _marks() -> dict[int, str]:
    return dict.fromkeys(map(ord, _one_for_one()), "\0")


_MARKED = re.compile("\0+")


def _not_one_for_one(text: str) -> Iterator[re.Match[str]]:
    """Runs of characters in `_one_for_one()` (found on a marked copy: a character class this large makes
    the regex engine test its members one by one)."""
    return _MARKED.finditer(text.translate(_marks()))


def normalise_for_match_with_offsets(text: str, *, fold_case: bool = True) -> tuple[str, list[int]]:
    """`normalise_for_match(text)` plus, for each of its characters, the index in `text` it came from.

    NFKC and case folding may change length (ﬁ -> fi, ß -> ss), so they run per base character with its
    combining marks, keeping a map back to the original. OpenCC t2s keeps length for Chinese text; if it
    ever does not, the characters are converted one by one so the map stays exact.
    """
    pieces: list[str] = []
    offsets: list[int] = []
    done = 0
    # Runs of characters that normalise one for one go whole (30x faster); the others, with the character
    # before them (the base their combining marks belong to), one base character at a time.
    for run in _not_one_for_one(text):
        lo = max(run.start() - 1, done)
        pieces.append(nfkc(text[done:lo]).casefold() if fold_case else nfkc(text[done:lo]))
        offsets.extend(range(done, lo))
        start = lo
        for i in range(lo + 1, run.end() + 1):
            if i < run.end() and unicodedata.combining(text[i]):
                continue
            piece = nfkc(text[start:i])
            if fold_case:
                piece = piece.casefold()
            pieces.append(piece)
            offsets.extend([start] * len(piece))
            start = i
        done = run.end()
    pieces.append(nfkc(text[done:]).casefold() if fold_case else nfkc(text[done:]))
    offsets.extend(range(done, len(text)))
    folded = "".join(pieces)
    converted = to_simplified(folded)
    if len(converted) != len(folded):
        converted = "".join(c if len(c) == 1 else ch for ch in folded for c in [str(_t2s().convert(ch))])
    return converted, offsets
