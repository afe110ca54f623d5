"""Stories across outlets: near-duplicate grouping of articles, across simplified and traditional script.

Each text is normalised (NFKC, traditional→simplified, lower case, only letters and digits kept), cut
into character shingles of SHINGLE_K characters and summarised by a datasketch MinHash. Candidate pairs
come from LSH banding over the signatures; a pair is linked when the MinHash estimate of its Jaccard
similarity reaches the threshold; linked articles form one story (union-find).

Measured (exact Jaccard of the shingle sets; "distinct" = the five seeds, all different articles on one
topic, plus the 62 unrelated Chinese texts of eval-dev/zh-news, 2,211 pairs; "copies" = a traditional
copy of simplified seed 000, a simplified copy of traditional seed 004, and seed 001 republished with a
new header, one paragraph removed and one added):
  k   max Jaccard, distinct pairs   min Jaccard, copies
  3            0.044                      0.910
  4            0.024                      0.906
  5            0.019                      0.903
  6            0.018                      0.901
  8            0.017                      0.897
Replacing the last 10/20/30/40/50 % of seed 001's paragraphs with another article's: 0.81/0.71/0.59/
0.48/0.39 at k = 5. MinHash estimates (128 permutations): at most 0.031 for distinct pairs, at least
0.875 for the copies.
SHINGLE_K = 5: shorter shingles let shared topic wording show (the two India articles, seeds 000 and
001, score 0.044 at k = 3 and 0.015 at k = 5); longer ones gain nothing on distinct pairs and lose a
little on copies. THRESHOLD = 0.5 sits in the wide gap: a copy still links with about a third of it
rewritten, and the estimate's standard error near 0.5 (~0.045) cannot carry a distinct pair (≤ 0.03)
across it.

LSH: datasketch's MinHashLSH picks the bands (b, r), but the banding itself is done with numpy:
MinHashLSH keeps a Python set per bucket, measured at 855 MB and 15.7 s to insert 100,000 signatures,
which rules it out for the 1,000,000-article target. The numpy banding keeps one uint64 key per article
and band: grouping 1,000,000 stored signatures (1 % planted copies) took 70 s on this 2-core machine
while shared (load average 5.5; 26 s in an earlier run on a quieter machine) and 0.74 GB above the signatures themselves
(512 MB as uint32). Computing a signature: ~0.5 ms for a 3,800-character article on one core (the
analyses' NFKC form given).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from presswatch.text import nfkc, to_simplified_keep_length

SHINGLE_K = 5
NUM_PERM = 128
THRESHOLD = 0.5
# Candidates are searched below the link threshold: at 0.33 datasketch picks 27 bands of 3 rows, which
# makes a pair at Jaccard 0.5 a candidate with probability 0.97 (0.9986 at 0.6; 0.0034 at 0.05). Every
# candidate is then confirmed against THRESHOLD.
LSH_SLACK = 0.66
SEED = 1
SCHEME = "affine32"
# Every pair sharing a bucket is a candidate, so a pair's link never depends on which other articles exist
# (the incremental index in store/stories_index.py finds exactly the same links). Buckets bigger than this
# (many empty or boilerplate-only texts) first fold identical signatures together, then pair the rest.
MAX_BUCKET_PAIRS = 64

_NON_WORD = re.compile(r"[\W_]+")
_ATTRIBUTION = re.compile(r"\s*([^:：|]+?)\s*[:：|]\s*(\S.*?)\s*$")
_SOURCE_KINDS = frozenset(
    {"source", "outlet", "via", "来源", "稿源", "出处", "本文来源", "文章来源", "转载自", "转自"}
)
_TITLE_KINDS = frozenset({"original_title", "原标题", "原题", "原文标题"})


def normalise_for_similarity(text: str, *, nfkc_done: bool = False) -> str:
    # lower(), not casefold(), and the length-preserving t2s: stored signatures were computed this way.
    # nfkc_done: `text` is NFKC already (the analyses share one NFKC pass per article between steps).
    folded = to_simplified_keep_length(text if nfkc_done else nfkc(text)).lower()
    return _NON_WORD.sub("", folded)


def shingles(text: str, k: int = SHINGLE_K) -> set[str]:
    norm = normalise_for_similarity(text)
    if len(norm) <= k:
        return {norm} if norm else set()
    return {norm[i : i + k] for i in range(len(norm) - k + 1)}


def _shingle_hashes(norm: str, k: int) -> np.ndarray:
    """Stable 32-bit hashes of all k-character shingles (a polynomial over code points, vectorised)."""
    return np.unique(_every_shingle_hash(norm, k))


def _every_shingle_hash(norm: str, k: int) -> np.ndarray:
    """The hash of every shingle, repeats included: a minimum is the same over the repeats, and on news
    text (~1 % repeated shingles) dropping them (np.unique, a sort) cost more than hashing them twice."""
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if codes.size == 0:
        return np.empty(0, dtype=np.uint32)
    k = min(k, codes.size)
    n = codes.size - k + 1
    acc = np.zeros(n, dtype=np.uint64)
    for j in range(k):  # overflow wraps modulo 2**64, which is the intended arithmetic
        acc = acc * np.uint64(1_000_003) + codes[j : j + n]
    return (acc >> np.uint64(16)).astype(np.uint32)


@cache
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch's affine32 scheme applies it before permuting."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def minhash_signature(
    text: str, num_perm: int = NUM_PERM, k: int = SHINGLE_K, *, nfkc_done: bool = False
) -> np.ndarray:
    """The MinHash hash values (uint32, length num_perm) of a text: store them to re-use later, e.g. as
    `signature.tobytes()` (512 bytes) and back with `np.frombuffer(blob, dtype=np.uint32)`.

    Equal to datasketch's MinHash(scheme="affine32", seed=SEED).update_batch(shingle hashes); the
    permutation is applied here in numpy directly, 35% faster than update_batch's per-value loop.
    """
    a, b = _permutations(num_perm)
    signature = np.full(num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
    hashes = _fmix32(_every_shingle_hash(normalise_for_similarity(text, nfkc_done=nfkc_done), k))
    # One row per permutation, so that each minimum runs along contiguous memory (2.3x faster than one
    # column per permutation); chunks bound the (num_perm × chunk) scratch matrix.
    a, b = a[:, None], b[:, None]
    for start in range(0, hashes.size, 4096):
        scratch = a * hashes[None, start : start + 4096]
        scratch += b
        np.minimum(signature, scratch.min(axis=1), out=signature)
    return signature


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


@dataclass(frozen=True)
class StoryInput:
    article_id: str
    outlet: str | None
    title: str | None
    text: str
    published_at: str | None
    attributions: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoryAssignment:
    article_id: str
    story_id: str  # the article_id of the story's earliest member (then smallest id): stable as copies arrive
    similarity: float  # estimated Jaccard to the story's original (1.0 for the original itself)
    original_article_id: str | None  # None for the original and for articles without copies
    link_reason: str | None  # "attribution_source" | "attribution_title" | "earliest" | None


@cache
def band_params(threshold: float, num_perm: int) -> tuple[int, int]:
    lsh = MinHashLSH(threshold=max(0.05, threshold * LSH_SLACK), num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, bands) uint64 bucket keys: articles sharing a key in some band are candidate pairs."""
    weights = np.uint64(0x9E3779B97F4A7C15) ** np.arange(rows, dtype=np.uint64)
    keys = np.empty((signatures.shape[0], bands), dtype=np.uint64)
    for band in range(bands):
        block = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
        keys[:, band] = (block * weights).sum(axis=1, dtype=np.uint64)
    return keys


def candidate_pairs(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Index pairs (i < j) sharing at least one LSH band, as an (n, 2) array sorted by (i, j)."""
    n = signatures.shape[0]
    found: list[np.ndarray] = []
    all_keys = band_keys(signatures, bands, rows)
    for band in range(bands):
        keys = all_keys[:, band]
        order = np.argsort(keys, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(keys[order]) != 0])
        sizes = np.diff(np.r_[starts, keys.size])
        # Most shared buckets hold one pair: taken all at once, as a Python loop over them dominated at 1M.
        a, b = order[starts[sizes == 2]], order[starts[sizes == 2] + 1]
        found.append(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1))
        for start, size in zip(starts[sizes > 2], sizes[sizes > 2], strict=True):
            found.append(_bucket_pairs(np.sort(order[start : start + size]), signatures))
    pairs = np.concatenate(found).astype(np.int64) if found else np.empty((0, 2), dtype=np.int64)
    # One int64 per pair: np.unique on rows (axis=0) sorts void views and was 24 s of 46 at 100k articles.
    # Sorted, then deduplicated by neighbours: numpy 2's hash-based np.unique was slower still.
    codes = np.sort(pairs[:, 0] * n + pairs[:, 1])
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]] if codes.size else codes
    return np.stack([codes // n, codes % n], axis=1)


def _bucket_pairs(bucket: np.ndarray, signatures: np.ndarray) -> np.ndarray:
    """All pairs of a bucket; in a big one, identical signatures (similarity 1: linked whatever else is
    there) are first chained to their first holder, and only one holder per signature is paired."""
    if bucket.size > MAX_BUCKET_PAIRS:
        _, first, inverse = np.unique(signatures[bucket], axis=0, return_index=True, return_inverse=True)
        holders = bucket[first[inverse.ravel()]]
        same = np.stack([holders, bucket], axis=1)[holders != bucket]
        reps = np.sort(bucket[first])
        i, j = np.triu_indices(reps.size, k=1)
        return np.concatenate([np.sort(same, axis=1), np.stack([reps[i], reps[j]], axis=1)])
    i, j = np.triu_indices(bucket.size, k=1)
    return np.stack([bucket[i], bucket[j]], axis=1)


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _attribution(lines: Iterable[str], kinds: frozenset[str]) -> str | None:
    for line in lines:
        match = _ATTRIBUTION.match(line)
        if match and to_simplified_keep_length(match.group(1)).lower() in kinds:
            return _key(match.group(2))
    return None


def _key(text: str | None) -> str:
    return normalise_for_similarity(text or "")


def _when(published_at: str | None) -> float:
    """Seconds since the epoch; an undated article sorts last, a date without offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(published_at or "")
    except ValueError:
        return math.inf
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _chronological(item: StoryInput) -> tuple[float, str]:
    return (_when(item.published_at), item.article_id)


def _original(ordered: list[StoryInput]) -> tuple[int, str]:
    """Index (in chronological order) of the member the others copy: the one a member's attribution
    names by outlet or title, else the earliest."""
    by_outlet: dict[str, int] = {}
    by_title: dict[str, int] = {}
    for index, member in enumerate(ordered):
        by_outlet.setdefault(_key(member.outlet), index)
        by_title.setdefault(_key(member.title), index)
    for index, member in enumerate(ordered):
        source = _attribution(member.attributions, _SOURCE_KINDS)
        if source and by_outlet.get(source, index) != index:
            return by_outlet[source], "attribution_source"
        title = _attribution(member.attributions, _TITLE_KINDS)
        if title and by_title.get(title, index) != index:
            return by_title[title], "attribution_title"
    return 0, "earliest"


def group_stories(
    items: list[StoryInput],
    threshold: float = THRESHOLD,
    num_perm: int = NUM_PERM,
    signatures: Mapping[str, np.ndarray] | None = None,
) -> list[StoryAssignment]:
    """One assignment per item, in input order. `signatures` (article_id → minhash_signature) skips
    re-hashing the texts already seen."""
    if not items:
        return []
    known = signatures or {}
    sigs = np.stack(
        [np.asarray(known[i.article_id], dtype=np.uint32) if i.article_id in known
         else minhash_signature(i.text, num_perm) for i in items]
    )
    parent = list(range(len(items)))
    pairs = candidate_pairs(sigs, *band_params(threshold, num_perm))
    for start in range(0, len(pairs), 100_000):
        chunk = pairs[start : start + 100_000]
        similar = (sigs[chunk[:, 0]] == sigs[chunk[:, 1]]).mean(axis=1) >= threshold
        for a, b in chunk[similar]:
            ra, rb = _find(parent, int(a)), _find(parent, int(b))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

    roots = np.fromiter((_find(parent, i) for i in range(len(items))), dtype=np.int64, count=len(items))
    shared = np.bincount(roots, minlength=len(items))[roots] > 1
    result: list[StoryAssignment | None] = [
        None if shared[i] else StoryAssignment(item.article_id, item.article_id, 1.0, None, None)
        for i, item in enumerate(items)
    ]
    groups: dict[int, list[int]] = {}
    for index in np.flatnonzero(shared).tolist():
        groups.setdefault(int(roots[index]), []).append(index)
    for indices in groups.values():
        for i, assignment in zip(indices, describe_story([items[i] for i in indices], sigs[indices]), strict=True):
            result[i] = assignment
    return [r for r in result if r is not None]


def describe_story(members: list[StoryInput], sigs: np.ndarray) -> list[StoryAssignment]:
    """The assignments of one story's members (in the order given; `sigs` row i is members[i]'s): its id
    is the earliest member's, its original the member an attribution names, else the earliest."""
    if len(members) == 1:
        return [StoryAssignment(members[0].article_id, members[0].article_id, 1.0, None, None)]
    order = sorted(range(len(members)), key=lambda i: _chronological(members[i]))
    story_id = members[order[0]].article_id
    position, reason = _original([members[i] for i in order])
    original = order[position]
    return [
        StoryAssignment(
            article_id=member.article_id,
            story_id=story_id,
            similarity=1.0 if i == original else estimated_jaccard(sigs[i], sigs[original]),
            original_article_id=None if i == original else members[original].article_id,
            link_reason=None if i == original else reason,
        )
        for i, member in enumerate(members)
    ]
