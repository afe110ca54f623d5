"""A query answered from the search index (presswatch/desk/gramindex.py), with the full scan's results.

Each term becomes a boolean mask over document numbers: the conjunction of its literals' posting lists
(presswatch/desk/grams.py), exact for a word, two words, 2-3 Han characters, or 4 of the main CJK block
(when every pass has its 4-gram keys, migration 014); any other literal's candidates are verified with
the scan's own predicate (textindex.compile_predicate) on their search form, read by row number. NOT, AND and OR are mask operations, evaluated lazily: an AND evaluates its cheap (index-only)
children first and verifies the others only where those hold; an OR only where none has matched yet.
Articles of search_text not covered by the index yet (indexed by the next summaries run) are matched by
the scan's predicate, so the answer is always the scan's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from presswatch.desk import grams
from presswatch.desk.textindex import compile_predicate, term_literals
from presswatch.summaries.searches import And, Node, Not, Term


@dataclass
class Stats:
    keys: int = 0  # posting lists read
    verified: int = 0  # documents whose text was read to verify a literal
    tail: int = 0  # articles of search_text outside the index, matched by scan


# The candidates' search forms by row number (or by article id), the predicate evaluated on those rows
# only: a plain WHERE is pushed into the scan of search_text and runs on every row (a whole scan's
# cost whatever the candidates); inside a CASE over the candidate's column it runs after the join
# (at 100k: 0.21 s of CPU instead of 0.62 for a term in 32 % of articles).
VERIFY_BY_ROW = (
    "SELECT c.doc FROM desk_candidates c JOIN search_text s ON s.rowid = c.doc"
    " WHERE CASE WHEN c.doc >= 0 THEN {predicate} END"
)
VERIFY_BY_ID = (
    "SELECT d.doc FROM desk_docs d JOIN search_text s USING (article_id)"
    " WHERE d.doc IN (SELECT doc FROM desk_candidates) AND CASE WHEN d.doc >= 0 THEN {predicate} END"
)


@dataclass
class IndexReader:
    con: duckdb.DuckDBPyConnection
    size: int = 0  # documents [0, size) are in the index
    quads: bool = False  # whether the index holds Han 4-gram keys for all of them
    text_rows: bool = False  # whether document d's search form is row d of search_text (gramindex)
    runs: dict[int, tuple[int, int]] = field(default_factory=dict)
    stats: Stats = field(default_factory=Stats)
    _postings: dict[int, np.ndarray] = field(default_factory=dict)
    _words: dict[str, int | None] = field(default_factory=dict)
    _prefetched: bool = False

    def __post_init__(self) -> None:
        rows = self.con.execute("SELECT run, lo, hi FROM desk_runs ORDER BY lo").fetchall()
        self.runs = {run: (lo, hi) for run, lo, hi in rows}
        covered = 0
        for _, lo, hi in rows:  # the index covers a prefix of the documents; a gap ends it
            if lo != covered:
                break
            covered = hi
        self.size = covered
        try:  # 4-gram keys are read only when every pass of the index has them (migration 014, add_quads)
            with_quads = {r[0] for r in self.con.execute("SELECT run FROM desk_quad_runs").fetchall()}
        except duckdb.CatalogException:  # a warehouse not migrated yet: read-only searches do not migrate
            with_quads = set()
        self.quads = all(run in with_quads for run, lo, hi in rows if hi <= self.size)
        state = self.con.execute("SELECT value FROM desk_state WHERE key = 'text_rows'").fetchall()
        self.text_rows = bool(state) and state[0][0] == "aligned"

    def word_ids(self, words: Iterable[str]) -> dict[str, int]:
        missing = [w for w in words if w not in self._words]
        if missing:
            found = dict(self.con.execute(
                "SELECT word, word_id FROM desk_words WHERE word IN (SELECT unnest(?))", [missing]).fetchall())  # fmt: skip
            self._words |= {w: found.get(w) for w in missing}
        return {w: i for w in words if (i := self._words.get(w)) is not None}

    def prefetch(self, node: Node) -> None:
        """Read the posting lists of every literal of the query in one pass over desk_postings: each read
        is a scan of its key column (no index answers it), ~50 ms at 100k articles, ~0.4 s at 1M."""
        keys = {k for term in _terms(node) for literal in term_literals(term)
                for k in grams.literal_keys(literal, self.word_ids, self.quads).keys} - set(self._postings)  # fmt: skip
        if not keys:
            return
        masks = {key: np.zeros(self.size, dtype=bool) for key in keys}
        placeholders = ", ".join("?" for _ in keys)  # a constant list: filtered inside the scan
        for key, run, blob in self.con.execute(
                f"SELECT gram, run, docs FROM desk_postings WHERE gram IN ({placeholders})", sorted(keys)).fetchall():  # fmt: skip
            lo, hi = self.runs.get(run, (self.size, self.size))
            if hi <= self.size:
                grams.decode_into(masks[key], blob, lo, hi)
        self._postings |= masks
        self.stats.keys += len(keys)

    def posting(self, key: int) -> np.ndarray:
        if key not in self._postings:
            mask = np.zeros(self.size, dtype=bool)
            for run, blob in self.con.execute("SELECT run, docs FROM desk_postings WHERE gram = ?", [key]).fetchall():
                lo, hi = self.runs.get(run, (self.size, self.size))
                if hi <= self.size:
                    grams.decode_into(mask, blob, lo, hi)
            self._postings[key] = mask
            self.stats.keys += 1
        return self._postings[key]

    def verify(self, literal: str, candidates: np.ndarray) -> np.ndarray:
        """The candidates whose search form holds the literal (the scan's contains() test)."""
        docs = np.flatnonzero(candidates)
        found = np.zeros(self.size, dtype=bool)
        if not len(docs):
            return found
        self.stats.verified += len(docs)
        predicate, values = "contains(s.body, ?)", [literal]
        self.con.register("desk_candidates", pd.DataFrame({"doc": docs.astype(np.int64)}))
        try:
            sql = VERIFY_BY_ROW if self.text_rows else VERIFY_BY_ID
            hits = self.con.execute(sql.format(predicate=predicate), values).fetchnumpy()["doc"]
        finally:
            self.con.unregister("desk_candidates")
        found[np.asarray(hits, dtype=np.int64)] = True
        return found

    def term(self, term: Term, domain: np.ndarray) -> np.ndarray:
        """The documents of `domain` holding one of the term's literals: the exact ones from the index,
        then each other literal verified on its own candidates not matched yet, fewest first."""
        result = np.zeros(self.size, dtype=bool)
        pending: list[tuple[str, np.ndarray]] = []
        for literal in term_literals(term):
            keys = grams.literal_keys(literal, self.word_ids, self.quads)
            if keys.words:  # a word no indexed document holds
                continue
            candidates = domain.copy()
            for key in keys.keys:
                candidates &= self.posting(key)
            if keys.exact:
                result |= candidates
            else:
                pending.append((literal, candidates))
        for literal, candidates in sorted(pending, key=lambda p: int(p[1].sum())):
            result |= self.verify(literal, candidates & ~result)
        return result

    def evaluate(self, node: Node, domain: np.ndarray) -> np.ndarray:
        """The documents of `domain` the node matches."""
        if not self._prefetched:
            self._prefetched = True
            self.prefetch(node)
        if isinstance(node, Term):
            return self.term(node, domain)
        if isinstance(node, Not):
            return domain & ~self.evaluate(node.child, domain)
        children = sorted(node.children, key=lambda c: not index_only(c, self.quads))
        if isinstance(node, And):
            for child in children:
                domain = self.evaluate(child, domain)
                if not domain.any():
                    break
            return domain
        matched = np.zeros(self.size, dtype=bool)
        for child in children:
            matched |= self.evaluate(child, domain & ~matched)
        return matched


def _terms(node: Node) -> Iterable[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from _terms(node.child)
    else:
        for child in node.children:
            yield from _terms(child)


def index_only(node: Node, quads: bool = True) -> bool:
    """Whether the index answers the node without reading text (every literal is exact)."""
    if isinstance(node, Term):
        return all(grams.literal_keys(lit, lambda ws: dict.fromkeys(ws, 0), quads).exact for lit in term_literals(node))
    if isinstance(node, Not):
        return index_only(node.child, quads)
    return all(index_only(c, quads) for c in node.children)


def match_documents(con: duckdb.DuckDBPyConnection, ast: Node) -> tuple[np.ndarray, IndexReader]:
    """Document numbers (sorted) of every indexed article the query matches, and the reader (its stats)."""
    reader = IndexReader(con)
    return np.flatnonzero(reader.evaluate(ast, np.ones(reader.size, dtype=bool))), reader


def unindexed_matches(con: duckdb.DuckDBPyConnection, ast: Node, reader: IndexReader) -> list[str]:
    """Article ids of search_text outside the index that the query matches (by the scan's predicate)."""
    total = con.execute("SELECT count(*) FROM search_text").fetchall()[0][0]
    if total == reader.size:  # every article of search_text has a document number below size
        return []
    predicate, values = compile_predicate(ast, "s.body")
    rows = con.execute(
        "SELECT s.article_id FROM search_text s WHERE NOT EXISTS"
        f" (SELECT 1 FROM desk_docs d WHERE d.article_id = s.article_id AND d.doc < ?) AND {predicate}",
        [reader.size, *values],
    ).fetchall()
    reader.stats.tail = int(total - reader.size)
    return [r[0] for r in rows]
