"""Top terms of articles: jieba segmentation on simplified text, minus stop words, numbers and fragments.

Segmentation is jieba's algorithm and dictionary as implemented in Rust by jieba-rs (the `rjieba`
binding): 0.05x the time of the Python jieba. Its tokens differ from jieba's in one way that matters for
terms: it keeps Latin runs joined by punctuation whole ("DeepSeek-R1", "15.6%"), which Python jieba cuts
into "DeepSeek", "-", "R1"; such tokens are cut the same way here, after which the seeds give the same
term counts as with jieba (1,629 terms, none different). Watchlist names go into its dictionary so 深度求索
or 梁文锋 stay whole. Stop words come from
stopwords-iso (the `stopwordsiso` package, Chinese and English lists) plus a short list of reporting
words every Chinese news story is full of. Plain functions: no Prefect, no DuckDB.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

import rjieba
import stopwordsiso

from presswatch.summaries.watchlist import Watchlist, default_watchlist, jieba_dictionary
from presswatch.text import HAN as _HAN
from presswatch.text import normalise_for_match

MAX_HAN_TERM = 12  # longer Han tokens are glued phrases or sentences, not terms
# Frequency for watchlist words in jieba's dictionary: high enough to beat any split of the name.
USER_WORD_FREQ = 100_000

# Reporting verbs, time adverbs and connectives that fill any Chinese news copy; stopwords-iso, a general
# list, lacks them, and they would otherwise top every day's terms.
NEWS_FILLER = frozenset(
    [
        "表示", "认为", "指出", "称", "说", "报道", "据悉", "介绍", "透露", "强调", "提到", "显示", "发现", "进行",
        "已经", "没有", "目前", "此前", "日前", "近日", "当地时间", "今年", "去年", "明年", "今天", "昨天", "本周",
        "上周", "记者", "编辑", "责编", "来源", "原标题", "作者", "文章", "相关", "方面", "问题", "情况", "时候",
        "可能", "能够", "需要", "通过", "成为", "包括", "以及", "其中", "之后", "之前", "一些", "这些", "那些",
        "这种", "这样", "这一", "一种", "如何", "非常", "更加", "开始", "继续", "一直", "已", "将", "还", "并",
    ]
)

_LETTER = re.compile(r"[^\W\d_]")  # any letter, in any script
_NUMBERISH = re.compile(r"^[\d.,%]")  # quantities, dates and percentages start with a digit
# Numerals alone or with a unit: 第一, 三十, 万亿, 亿美元, 十年
_HAN_NUMBER = re.compile("^第?[〇零一二两三四五六七八九十百千万亿]+(?:[美港欧日]元|[年月日号时分秒个次位名人元块岁倍天周])?$")
# Links and mail addresses are not words (jieba would cut them into "https", "www", "com" ...). ASCII URL
# characters only: Chinese copy runs text straight on after a link, with no space to end it.
_URLISH = re.compile(r"(?:https?://|www\.)[\w\-.~:/?#@!$&'*+,;=%]+|[\w.+-]+@[\w-]+\.[\w.]+", re.ASCII)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(w.casefold() for w in stopwordsiso.stopwords(["zh", "en"])) | NEWS_FILLER


# A token mixing Latin letters or digits with punctuation (DeepSeek-R1, 15.6%, press@example): cut into
# its letter-and-digit runs and single other characters, as Python jieba does.
_MIXED = re.compile(r"[A-Za-z0-9][^\s]*[^A-Za-z0-9\u3400-\u9fff]|[^A-Za-z0-9\u3400-\u9fff][^\s]*[A-Za-z0-9]")
_PIECES = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9]")


@lru_cache(maxsize=4)
def _tokenizer(user_words: tuple[str, ...]) -> rjieba.Jieba:
    # A private tokenizer, built once per process and word list (0.3 s: the dictionary is compiled in).
    tokenizer = rjieba.Jieba()
    for word in user_words:
        tokenizer.add_word(word, USER_WORD_FREQ, None)
    return tokenizer


@lru_cache(maxsize=4)
def _prepared(watchlist: Watchlist) -> tuple[rjieba.Jieba, dict[str, str]]:
    """The tokenizer with the watchlist's words, and case-folded alias -> alias as written (so that
    NVIDIA and Nvidia count as one term, spelt one way)."""
    names = {
        normalise_for_match(alias): normalise_for_match(alias, fold_case=False)
        for entity in watchlist.entities
        for alias in entity.aliases
    }
    return _tokenizer(tuple(jieba_dictionary(watchlist))), names


def segment(text: str, watchlist: Watchlist | None = None) -> list[str]:
    """jieba tokens of the simplified text (case kept), with the watchlist in the dictionary."""
    tokenizer, _ = _prepared(watchlist if watchlist is not None else default_watchlist())
    tokens: list[str] = []
    for token in tokenizer.cut(normalise_for_match(_URLISH.sub(" ", text), fold_case=False), True):
        if not token.isalnum() and _MIXED.search(token):
            tokens.extend(_PIECES.findall(token))
        else:
            tokens.append(token)
    return tokens


def term_key(token: str, names: dict[str, str], stop: frozenset[str]) -> str | None:
    """The term a token counts as, or None when it is not a term.

    Watchlist names always count. Otherwise a term has a letter, does not start with a digit, is not a
    stop word, is longer than one character, and a Han term is at most MAX_HAN_TERM characters. Latin
    words are lower-cased, but acronyms (AI, GPU) keep their capitals, and stop-word lists do not apply to
    them: "AI" is not the English "ai".
    """
    token = token.strip()
    folded = token.casefold()
    if folded in names:
        return names[folded]
    if len(token) < 2 or not _LETTER.search(token) or _NUMBERISH.match(token) or _HAN_NUMBER.match(token):
        return None
    if _HAN.search(token):
        return None if len(token) > MAX_HAN_TERM or token in stop else token
    if token.isupper():
        return token
    return None if folded in stop else folded


_KEYS_MAX = 500_000  # tokens remembered per watchlist: the vocabulary of a year of news, ~100 MB at most


_Memo = tuple[set[str], set[str], dict[str, tuple[str, ...]], Callable[[str], tuple[str, ...]]]


@lru_cache(maxsize=4)
def _keys_of(watchlist: Watchlist) -> _Memo:
    """The terms each token counts as (term_key of its pieces), memoised: tokens that count as themselves
    alone (most words) in one set, tokens that count as nothing (stop words, numbers, punctuation) in
    another, the rest (mixed tokens, other spellings of a name) in a dict; and the function that looks a
    token up, learning it if new."""
    names, stop = _prepared(watchlist)[1], stop_words()
    same: set[str] = set()
    none: set[str] = set()
    other: dict[str, tuple[str, ...]] = {}

    def keys(token: str) -> tuple[str, ...]:
        found = other.get(token)
        if found is None:
            pieces = _PIECES.findall(token) if not token.isalnum() and _MIXED.search(token) else (token,)
            found = tuple(k for k in (term_key(p, names, stop) for p in pieces) if k is not None)
            if found == (token,):
                same.add(token)
            elif not found:
                none.add(token)
            else:
                other[token] = found
        return found

    return same, none, other, keys


def may_hold_link(text: str) -> bool:
    """False when _URLISH cannot match: a link needs "http" or "www.", a mail address "@" (a substring test
    costs a tenth of the regex's scan, and most articles hold neither)."""
    return "http" in text or "www." in text or "@" in text


def article_terms(text: str, watchlist: Watchlist | None = None, *, normalised: str | None = None) -> Counter[str]:
    """How often each term occurs in one article's text (pass title + text to count the headline).
    `normalised`: normalise_for_match(_URLISH.sub(" ", text), fold_case=False) when the caller has it.

    The same counts as counting term_key() over segment(text), computed per distinct token by C-level
    calls (Counter, a set difference) where a token is its own term (~3/4 of an article's ~1,700 distinct
    tokens); only the others, and tokens never seen before, pass through Python."""
    watchlist = watchlist if watchlist is not None else default_watchlist()
    tokenizer, _ = _prepared(watchlist)
    same, none, other, keys_of = _keys_of(watchlist)
    if len(same) + len(none) + len(other) > _KEYS_MAX:
        for memo in (same, none, other):
            memo.clear()  # only a cache: the keys are a pure function of the token
    if normalised is None:
        normalised = normalise_for_match(_URLISH.sub(" ", text) if may_hold_link(text) else text, fold_case=False)
    counts = Counter(tokenizer.cut(normalised, True))
    # Tokens that are not their own term leave; those with other terms (or not seen before) move their
    # counts to them once all have left, so that a count moved onto a token's spelling is moved only once.
    odd = [token for token in counts if token not in same]  # 1,000 articles: 0.5 s, keys() - same 0.7 s
    moved = [(token, counts[token]) for token in odd if token not in none]
    pop = counts.pop  # dict's: Counter's `del` is a Python method
    for token in odd:
        pop(token)
    for token, n in moved:
        for key in keys_of(token):
            counts[key] = counts.get(key, 0) + n
    return counts


def top_terms(counters: Iterable[Counter[str]], n: int = 20) -> list[tuple[str, int]]:
    """The n most frequent terms over several articles; ties broken alphabetically so output is stable."""
    total: Counter[str] = Counter()
    for counter in counters:
        total.update(counter)
    return sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
