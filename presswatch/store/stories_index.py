"""Stories kept up to date through a persistent LSH band index (story_bands). No Prefect.

New articles' band keys are looked up in story_bands instead of regrouping every signature: a candidate
is confirmed by estimated Jaccard, and the new article joins (or merges) the stories it links to. The
union-find runs over the new articles and the stories they touch, each story one node. An article that
stops being current (superseded by a new version) takes its story apart: that story's other members are
regrouped among themselves (their links to anything else would have put it in the same story).

A story's id is its earliest member's article id (stories.describe_story), so it stays when a later copy
joins, and when a new article links two stories the merged one keeps the earliest story's id. Both paths
describe a story with the same function from the same members, so incremental == full rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from presswatch.store import db as warehouse
from presswatch.store.db import transaction
from presswatch.store.summaries_incremental import Plan, log_story_changes, mark_applied
from presswatch.summaries import analyses as summaries
from presswatch.summaries.stories import (
    NUM_PERM,
    THRESHOLD,
    StoryAssignment,
    band_keys,
    band_params,
    candidate_pairs,
    describe_story,
    group_stories,
)

BANDS, ROWS = band_params(THRESHOLD, NUM_PERM)
_WRITE_CHUNK = 100_000

# The members first, then only their articles and signatures: joining the three tables whole read every
# signature (1M x 512 bytes at 1M articles; 0.15-0.5 s a call against ~0.1 s). Signatures by member number
# (migration 019), which their table is ordered by.
_MEMBER_ROWS = """
WITH m AS (SELECT member_no, article_id FROM summary_members m WHERE m.current AND {where})
SELECT m.member_no, m.article_id, a.outlet, a.title, a.published_at, a.attributions, s.signature
FROM m
JOIN (SELECT article_id, outlet, title, published_at, attributions FROM articles
      WHERE article_id IN (SELECT article_id FROM m)) a USING (article_id)
JOIN (SELECT member_no, signature FROM article_signatures WHERE member_no IN (SELECT member_no FROM m)) s
    USING (member_no)
ORDER BY m.article_id
"""

# Each table restricted to the stories' members before the joins (joined whole, the articles' and members'
# columns were read for all 1M articles: 0.46 s for a run's ~1,000 touched stories).
_DESCRIBE = """
INSERT INTO stories
WITH sm AS (SELECT * FROM story_members sm WHERE {where}),
     a AS (SELECT article_id, published_utc, landed_at, title FROM articles
           WHERE article_id IN (SELECT article_id FROM sm))
SELECT sm.story_id, any_value(o.title), min(coalesce(a.published_utc, a.landed_at)),
    max(coalesce(a.published_utc, a.landed_at)), count(DISTINCT m.outlet), count(*),
    list(DISTINCT m.outlet ORDER BY m.outlet), any_value(sm.original_article_id)
FROM sm
JOIN (SELECT article_id, outlet FROM summary_members WHERE current AND article_id IN (SELECT article_id FROM sm)) m
    ON m.article_id = sm.article_id
JOIN a ON a.article_id = sm.article_id
LEFT JOIN sm AS mo ON mo.story_id = sm.story_id AND mo.original_article_id IS NULL
LEFT JOIN a AS o ON o.article_id = mo.article_id
GROUP BY sm.story_id
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    return warehouse.dict_rows(con.execute(sql, list(params)))


def _sig_matrix(rows: list[dict[str, Any]]) -> np.ndarray:
    if not rows:
        return np.empty((0, NUM_PERM), dtype=np.uint32)
    return np.stack([np.frombuffer(r["signature"], dtype=np.uint32) for r in rows])


def _write_bands(con: duckdb.DuckDBPyConnection, member_nos: np.ndarray, sigs: np.ndarray) -> None:
    for lo in range(0, len(member_nos), _WRITE_CHUNK):
        keys = band_keys(sigs[lo : lo + _WRITE_CHUNK], BANDS, ROWS)
        nos = member_nos[lo : lo + _WRITE_CHUNK]
        frame = pd.DataFrame({
            "band": np.tile(np.arange(BANDS, dtype=np.uint8), len(nos)),
            "bucket": keys.ravel(),
            "member_no": np.repeat(nos.astype(np.int32), BANDS),
        })  # fmt: skip
        warehouse.insert_frame(con, "story_bands", frame)


def _write(con: duckdb.DuckDBPyConnection, assignments: list[StoryAssignment], story_ids: list[str] | None) -> None:
    """story_members rows of these assignments, and the stories rows of `story_ids` (None: all)."""
    warehouse.insert_frame(con, "story_members", pd.DataFrame(summaries.member_rows(assignments)))
    if story_ids is None:
        con.execute(_DESCRIBE.format(where="true"))
    elif story_ids:
        con.execute(_DESCRIBE.format(where="sm.story_id IN (SELECT unnest(?))"), [story_ids])


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    n, shared = con.execute("SELECT count(*), count(*) FILTER (WHERE n_articles > 1) FROM stories").fetchall()[0]
    return {"stories": int(n), "stories_with_copies": int(shared)}


def rebuild_stories(con: duckdb.DuckDBPyConnection, p: Plan, now: datetime) -> dict[str, int]:
    """Group every current article by its stored signature; rebuild the band index with it."""
    rows = _rows(con, _MEMBER_ROWS.format(where="true"))
    sigs = _sig_matrix(rows)
    signatures = {r["article_id"]: sigs[i] for i, r in enumerate(rows)}
    assignments = group_stories(summaries.story_inputs(rows), signatures=signatures)
    member_nos = np.array([r["member_no"] for r in rows], dtype=np.int64)
    del rows, signatures
    with transaction(con):
        for table in ("story_members", "stories", "story_bands"):
            con.execute(f"DELETE FROM {table}")
        _write(con, assignments, None)
        _write_bands(con, member_nos, sigs)
        mark_applied(con, p, now)
    return {"articles": len(assignments)} | _counts(con)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _confirmed(sigs_a: np.ndarray, sigs_b: np.ndarray) -> np.ndarray:
    # Counted, not averaged: mean() would convert (pairs x 128) booleans to floats first.
    return np.count_nonzero(sigs_a == sigs_b, axis=1) >= THRESHOLD * NUM_PERM


# Candidate pairs of the new articles: one row per shared band, as one int64 (new << 32 | other) so that
# numpy, not a SQL DISTINCT over millions of rows, removes the repeats.
# The new articles' own band keys come from their signatures (new_bands), so story_bands is read once.
_PAIRS = """
SELECT n.member_no::BIGINT * 4294967296 + b.member_no AS code FROM new_bands n
JOIN story_bands b ON b.band = n.band AND b.bucket = n.bucket AND b.member_no <> n.member_no
"""
# By rowid: matching member numbers reads one integer column; a plain semi-join read every signature too
# (1M x 512 bytes at 1M articles), 0.47 s from a cold cache against 0.04 s.
_SIGNATURES = """
SELECT member_no, signature FROM article_signatures
WHERE rowid IN (SELECT rowid FROM article_signatures WHERE member_no IN (SELECT unnest(?))) ORDER BY member_no
"""
_OTHERS_CHUNK = 100_000  # candidates' signatures held at once (51 MB): memory bounded however many
_PAIRS_CHUNK = 50_000  # bounds the (pairs x 128) comparison


def _linked_pairs(
    con: duckdb.DuckDBPyConnection, new_keys: np.ndarray, new_sigs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """(new member_no, other member_no) of the pairs that share a band with a new article and reach the
    threshold, and how many candidates were compared. `new_sigs` row i is member new_keys[i]'s."""
    if not len(new_keys):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), 0
    keys = band_keys(new_sigs, BANDS, ROWS)
    con.register("new_bands", pd.DataFrame({
        "band": np.tile(np.arange(BANDS, dtype=np.uint8), len(new_keys)),
        "bucket": keys.ravel(),
        "member_no": np.repeat(new_keys.astype(np.int32), BANDS),
    }))  # fmt: skip
    try:
        codes = np.sort(con.execute(_PAIRS).fetchnumpy()["code"].astype(np.int64))
    finally:
        con.unregister("new_bands")
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]] if codes.size else codes  # np.unique hashes: 10x slower
    if not codes.size:
        return codes, codes, 0
    new_nos, other_nos = codes >> 32, codes & 0xFFFFFFFF
    order = np.argsort(new_keys)
    a = order[np.searchsorted(new_keys[order], new_nos)]
    linked = np.zeros(len(codes), dtype=bool)
    distinct = np.sort(other_nos)
    distinct = distinct[np.r_[True, distinct[1:] != distinct[:-1]]]
    for lo in range(0, len(distinct), _OTHERS_CHUNK):
        chunk = distinct[lo : lo + _OTHERS_CHUNK]
        found = con.execute(_SIGNATURES, [chunk.tolist()]).fetchnumpy()
        keys = np.asarray(found["member_no"], dtype=np.int64)
        sigs = np.frombuffer(b"".join(found["signature"].tolist()), dtype=np.uint32).reshape(len(keys), NUM_PERM)
        mine = np.flatnonzero((other_nos >= chunk[0]) & (other_nos <= chunk[-1]))
        b = np.minimum(np.searchsorted(keys, other_nos[mine]), max(len(keys) - 1, 0))
        if len(keys) < len(chunk):  # a member without a signature (never expected): it links to nothing
            present = keys[b] == other_nos[mine] if len(keys) else np.zeros(len(mine), dtype=bool)
            mine, b = mine[present], b[present]
        for s in range(0, len(mine), _PAIRS_CHUNK):
            part = mine[s : s + _PAIRS_CHUNK]
            linked[part] = _confirmed(new_sigs[a[part]], sigs[b[s : s + _PAIRS_CHUNK]])
    return new_nos[linked], other_nos[linked], len(codes)


def update_stories(con: duckdb.DuckDBPyConnection, p: Plan, now: datetime) -> dict[str, int]:
    """Apply the membership changes of the plan to the stories (a full plan rebuilds them)."""
    if p.full:
        return rebuild_stories(con, p, now)
    changes = _rows(
        con,
        "SELECT c.article_id, bool_or(c.change = 'removed') AS removed, any_value(m.member_no) AS member_no,"
        " any_value(m.current) AS current FROM summary_changes c JOIN summary_members m USING (article_id)"
        " WHERE c.seq > ? AND c.seq <= ? AND c.change IN ('added', 'removed') GROUP BY c.article_id",
        [p.after_seq, p.upto_seq],
    )
    added = [c["article_id"] for c in changes if c["current"]]
    gone = [c for c in changes if not c["current"]]
    old_story = {r["article_id"]: r["story_id"] for r in _rows(
        con, "SELECT article_id, story_id FROM story_members WHERE story_id IN ("
        " SELECT story_id FROM story_members WHERE article_id IN (SELECT unnest(?)))", [[c["article_id"] for c in gone]],
    )}  # fmt: skip
    loose = [a for a in old_story if a not in {c["article_id"] for c in gone}]  # members of broken stories
    uf = _UnionFind()
    with transaction(con):
        if gone:
            con.execute("DELETE FROM story_bands WHERE member_no IN (SELECT unnest(?))", [[c["member_no"] for c in gone]])
        new_rows = _rows(con, _MEMBER_ROWS.format(where="m.article_id IN (SELECT unnest(?))"), [added])
        new_sigs = _sig_matrix(new_rows)
        _write_bands(con, np.array([r["member_no"] for r in new_rows], dtype=np.int64), new_sigs)
        loose_rows = _rows(con, _MEMBER_ROWS.format(where="m.article_id IN (SELECT unnest(?))"), [loose])
        loose_sigs = _sig_matrix(loose_rows)
        for i, j in candidate_pairs(loose_sigs, BANDS, ROWS).tolist():
            if _confirmed(loose_sigs[[i]], loose_sigs[[j]])[0]:
                uf.union("a:" + loose_rows[i]["article_id"], "a:" + loose_rows[j]["article_id"])
        # Every current article sharing a bucket with a new one (new ones included) and similar enough.
        new_keys = np.array([r["member_no"] for r in new_rows], dtype=np.int64)
        new_linked, other_linked, candidates = _linked_pairs(con, new_keys, new_sigs)
        linked_rows = {r["member_no"]: r for r in _rows(
            con, "SELECT m.member_no, m.article_id, sm.story_id FROM summary_members m"
            " LEFT JOIN story_members sm USING (article_id) WHERE m.member_no IN (SELECT unnest(?))",
            [sorted(set(other_linked.tolist()))],
        )}  # fmt: skip
        new_by_no = {r["member_no"]: r for r in new_rows}
        loose_set = set(loose)
        for i, j in zip(new_linked.tolist(), other_linked.tolist(), strict=True):
            new, other = new_by_no[i], linked_rows[j]
            if j in new_by_no or other["article_id"] in loose_set or other["story_id"] is None:
                uf.union("a:" + new["article_id"], "a:" + other["article_id"])
            else:
                uf.union("a:" + new["article_id"], "s:" + other["story_id"])
        for r in (*new_rows, *loose_rows):
            uf.find("a:" + r["article_id"])
        components: dict[str, list[str]] = {}
        for node in list(uf.parent):
            components.setdefault(uf.find(node), []).append(node)
        touched_stories = sorted({n[2:] for nodes in components.values() for n in nodes if n[0] == "s"})
        story_members = _rows(
            con, "SELECT article_id, story_id FROM story_members WHERE story_id IN (SELECT unnest(?))", [touched_stories]
        )
        old_story |= {r["article_id"]: r["story_id"] for r in story_members}
        by_story: dict[str, list[str]] = {}
        for r in story_members:
            by_story.setdefault(r["story_id"], []).append(r["article_id"])
        groups = [
            sorted({a for n in nodes for a in (by_story[n[2:]] if n[0] == "s" else [n[2:]])}) for nodes in components.values()
        ]
        everyone = sorted({a for g in groups for a in g})
        member_rows = {r["article_id"]: r for r in _rows(con, _MEMBER_ROWS.format(where="m.article_id IN (SELECT unnest(?))"), [everyone])}
        assignments: list[StoryAssignment] = []
        for group in groups:
            rows = [member_rows[a] for a in group]
            assignments += describe_story(summaries.story_inputs(rows), _sig_matrix(rows))
        affected = sorted(set(old_story) | {c["article_id"] for c in gone} | set(everyone))
        old_ids = sorted(set(old_story.values()))
        con.execute("DELETE FROM story_members WHERE article_id IN (SELECT unnest(?))", [affected])
        con.execute("DELETE FROM stories WHERE story_id IN (SELECT unnest(?))", [old_ids])
        new_ids = sorted({a.story_id for a in assignments})
        con.execute("DELETE FROM stories WHERE story_id IN (SELECT unnest(?))", [new_ids])
        _write(con, assignments, new_ids)
        moved = [a.article_id for a in assignments if old_story.get(a.article_id, a.story_id) != a.story_id]
        log_story_changes(con, moved)
        mark_applied(con, p, now)
    return {"articles": len(added), "candidates": candidates, "linked": len(new_linked), "removed": len(gone)} | _counts(con)
