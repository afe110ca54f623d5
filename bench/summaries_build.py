"""The summaries benchmark's synthetic warehouse: seed and generated paragraphs recombined, built in DuckDB SQL."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from presswatch.extract.document import extract_document
from presswatch.ingest.sources import discover_files, read_file
from presswatch.records import Article
from presswatch.store import db as warehouse

ROOT = Path(__file__).resolve().parent.parent
# Generated paragraphs beside the seeds' (see generated_paragraphs): at least one per article, so a
# generated paragraph recurs in ~30 articles whatever the size, and SEED_PERCENT % of an article's
# paragraphs from the seeds. Measured on composed signatures (20k articles, 20k/60k generated): the
# largest LSH band bucket holds 0.16-0.18 % of the archive and an article meets ~10-19 candidates per
# million archived (30 % seeds: 0.43 % and ~90; the seeds alone: 3 % of the archive in one bucket).
MIN_GENERATED = 100_000
SEED_PERCENT = 15
OUTLETS = ["时代周报", "观察者网", "纽约时报中文网", "中國工業報"] + [f"示例媒体{i:02d}" for i in range(36)]
NOW = datetime.now(UTC)


def _one(con: Any, sql: str) -> Any:
    return con.execute(sql).fetchall()[0][0]


def seed_paragraphs() -> tuple[list[str], list[str]]:
    paragraphs, titles = [], []
    for path in discover_files(ROOT / "seeds"):
        article = extract_document(read_file(path))
        if isinstance(article, Article):
            paragraphs += [p.strip() for p in article.text.split("\n") if len(p.strip()) >= 20]
            titles.append(article.title or "")
    return paragraphs, titles


def generated_paragraphs(n: int, seed: int = 0) -> list[str]:
    """n paragraphs of dictionary words (jieba's dictionary, drawn by frequency^0.6; a comma every 6-14
    words, 3-9 clauses). Not prose, but unique text: recombining the seeds' 161 paragraphs alone made
    every unrelated pair of articles share paragraphs, so one LSH band bucket held 3 % of the archive
    (real unrelated news: estimated Jaccard <= 0.03, a handful of candidates per new article)."""
    import jieba

    words, freqs = [], []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            word, freq, *_ = line.split()
            if int(freq) >= 50 and len(word) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in word):
                words.append(word)
                freqs.append(int(freq))
    weights = np.asarray(freqs, dtype=np.float64) ** 0.6
    rng = np.random.default_rng(seed)
    clauses = rng.integers(3, 10, n)
    sizes = rng.integers(6, 15, int(clauses.sum()))
    drawn = rng.choice(len(words), int(sizes.sum()), p=weights / weights.sum())
    out, w, c = [], 0, 0
    for k in clauses.tolist():
        parts = []
        for size in sizes[c : c + k].tolist():
            parts.append("".join(words[i] for i in drawn[w : w + size].tolist()))
            w += size
        c += k
        out.append("，".join(parts) + "。")
    return out


def corpus(articles: int) -> tuple[list[str], int, list[str]]:
    """Paragraphs (the seeds' first, then generated ones), how many are the seeds', and titles."""
    seeds, titles = seed_paragraphs()
    return seeds + generated_paragraphs(max(MIN_GENERATED, articles)), len(seeds), titles


def pid_sql(base: str, pos: str, seeds: int, total: int) -> str:
    """Paragraph id of slot `pos` of article `base`: SEED_PERCENT % seed paragraphs, else generated."""
    return (f"CASE WHEN hash({base}, {pos}, 'seed') % 100 < {SEED_PERCENT} THEN hash({base}, {pos}) % {int(seeds)}"
            f" ELSE {int(seeds)} + hash({base}, {pos}) % {int(total - seeds)} END")


# Article i: an original (i % 5 != 0) or a copy of a recent original j with one paragraph dropped.
# Every choice is a hash of i (or j), so a size always gives the same warehouse.
_PLAN = """
{head}
WITH ids AS (
    SELECT i, CASE WHEN i % 5 = 0 AND i > 0
                   THEN (i - 1 - hash(i, 'src') % least(i, 400)) // 5 * 5 + 1 + hash(i, 'src2') % 4
                   ELSE i END AS base
    FROM range(?, ?) t(i)
)
SELECT i, base, 20 + hash(base, 'k') % 25 AS k,
       CASE WHEN i <> base THEN hash(i, 'drop') % (20 + hash(base, 'k') % 25) ELSE -1 END AS dropped,
       hash(i, 'outlet') % ? AS outlet_no,
       (hash(base, 'day') % 365 + CASE WHEN i <> base THEN hash(i, 'lag') % 3 ELSE 0 END)::INTEGER AS day_no,
       hash(i, 'dated') % 10 = 0 AS undated,
       hash(base, 'title') % ? AS title_no
FROM ids
"""

_ARTICLES = """
INSERT INTO {table} BY NAME
SELECT sha256(text) AS article_id, sha256(text) AS doc_sha256, 'bench://' || i AS source, 'bench://' || i AS story_key,
       1 AS version, title, false AS title_derived, text, published_at,
       CAST(published_at AS TIMESTAMPTZ) AS published_utc, outlet, 'zh' AS language, script,
       'bench' AS extractor_version, ? AS landed_at
FROM (
    SELECT p.i, string_agg(par.text, chr(10) ORDER BY pos) AS text, any_value(t.title) AS title,
           any_value(o.outlet) AS outlet,
           CASE WHEN any_value(p.undated) THEN NULL
                ELSE strftime(DATE '2025-01-01' + any_value(p.day_no), '%Y-%m-%d') || 'T'
                     || lpad((hash(p.i, 'h') % 24)::VARCHAR, 2, '0') || ':30:00+08:00' END AS published_at,
           CASE WHEN avg(par.hant::INTEGER) > 0.5 THEN 'Hant' ELSE 'Hans' END AS script
    FROM bench_plan p CROSS JOIN range(44) r(pos)
    JOIN bench_paragraphs par ON par.pid = {pid}
    JOIN bench_titles t ON t.tid = p.title_no
    JOIN bench_outlets o ON o.no = p.outlet_no
    WHERE pos < p.k AND pos <> p.dropped AND p.i >= ? AND p.i < ?
    GROUP BY p.i
)
QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY i) = 1
ON CONFLICT DO NOTHING
"""


def _articles_sql(table: str, seeds: int, total: int) -> str:
    return _ARTICLES.format(table=table, pid=pid_sql("p.base", "pos", seeds, total))


def build(db: Path, n: int, new: int, paragraphs: list[str], seeds: int, titles: list[str]) -> int:
    """A warehouse of n articles, plus `new` more held back in bench_new for the daily run."""
    warehouse.prepare(db)
    from presswatch.extract.metadata import detect_script

    with warehouse.connection(db) as con:
        con.execute("SET memory_limit = '4GB'")  # the build's joins spill rather than crowd a shared machine
        con.register("p", pd.DataFrame({"pid": range(len(paragraphs)), "text": paragraphs,
                                        "hant": [detect_script(p) == "Hant" for p in paragraphs],
                                        "seed": [i < seeds for i in range(len(paragraphs))]}))  # fmt: skip
        con.execute("CREATE OR REPLACE TABLE bench_paragraphs AS SELECT * FROM p")
        con.register("t", pd.DataFrame({"tid": range(len(titles)), "title": titles}))
        con.execute("CREATE OR REPLACE TABLE bench_titles AS SELECT * FROM t")
        con.register("o", pd.DataFrame({"no": range(len(OUTLETS)), "outlet": OUTLETS}))
        con.execute("CREATE OR REPLACE TABLE bench_outlets AS SELECT * FROM o")
        con.execute(
            _PLAN.format(head="CREATE OR REPLACE TABLE bench_plan AS"),
            [0, n + new, len(OUTLETS), len(titles)],
        )
        con.execute("CREATE OR REPLACE TABLE bench_new AS SELECT * FROM articles LIMIT 0")
        con.execute("ALTER TABLE bench_new ADD PRIMARY KEY (article_id)")
        step = 25_000  # articles per INSERT: bounds the string_agg's memory
        for start in range(0, n + new, step):
            for table, lo, hi in (
                ("articles", start, min(start + step, n)),
                ("bench_new", max(start, n), start + step),
            ):
                if lo < hi:
                    con.execute(_articles_sql(table, seeds, len(paragraphs)), [NOW, lo, min(hi, n + new)])
        return int(con.execute("SELECT count(*) FROM articles").fetchall()[0][0])


def land_new(db: Path, new: int) -> int:
    """Lands `new` articles never landed before: bench_new as built, else a fresh batch planned after it."""
    with warehouse.connection(db) as con:
        one = functools.partial(_one, con)
        if one("SELECT count(*) FROM bench_new WHERE article_id IN (SELECT article_id FROM articles)"):
            lo, titles = one("SELECT max(i) + 1 FROM bench_plan"), one("SELECT count(*) FROM bench_titles")
            con.execute(_PLAN.format(head="INSERT INTO bench_plan"), [lo, lo + new, len(OUTLETS), titles])
            con.execute("DELETE FROM bench_new")
            total, seeds = one("SELECT [count(*), count(*) FILTER (WHERE seed)] FROM bench_paragraphs")
            con.execute(_articles_sql("bench_new", seeds, total), [NOW, lo, lo + new])
        before = one("SELECT count(*) FROM articles")
        con.execute("INSERT INTO articles SELECT * FROM bench_new ON CONFLICT DO NOTHING")
        return int(one("SELECT count(*) FROM articles") - before)
