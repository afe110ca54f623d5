"""A large search bench warehouse made by copying a smaller one (bench/search.py --replicate).

Building 1M synthetic articles and their search forms from scratch takes hours on a shared 2-core machine
(100k: ~9 min to build, ~38 min of search forms at load ~20), so the 1M warehouse is the 100k one ten times
over: copy k (1..9) of every article gets the id sha256(id || k) and story key `key#k`, with the same text,
date and outlet; its search form is copied likewise (not its article_terms rows: the desk reads its own
desk_doc_terms, copied with the index; summaries are not benched here). An interrupted replication resumes. The desk's index is copied too, document
numbers shifted by k * N (array posting lists rewritten, bitmaps kept), which is exactly what indexing the
copies would write, since the copies' texts are the originals'. The index build rate is measured on the
original (bench/search.py reports it per size).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from presswatch.desk import grams

_IDS = "CREATE OR REPLACE TEMP TABLE idmap AS SELECT article_id AS old, sha256(article_id || ?) AS new FROM base_ids"


def replicate(src: Path, dst: Path, copies: int) -> float:
    """dst = src's articles, search forms, terms and desk index, `copies` times in all."""
    started = time.perf_counter()
    if not dst.exists():
        shutil.copy(src, dst)
    con = duckdb.connect(str(dst))
    con.execute("CREATE OR REPLACE TEMP TABLE base_ids AS SELECT article_id FROM articles WHERE source NOT LIKE '%#%'")
    n = con.execute("SELECT count(*) FROM base_ids").fetchall()[0][0]
    assert n == con.execute("SELECT count(*) FROM desk_docs WHERE doc < ?", [n]).fetchall()[0][0], "index the source first"
    n_runs = con.execute("SELECT count(*) FROM desk_runs WHERE hi <= ?", [n]).fetchall()[0][0]
    done = con.execute("SELECT count(*) FROM desk_docs").fetchall()[0][0] // n
    base_postings = con.execute("SELECT gram, run, docs FROM desk_postings WHERE run < ?", [n_runs]).fetchall()
    for k in range(done, copies):
        con.execute("BEGIN")
        con.execute(_IDS, [str(k)])
        shift = k * n
        con.execute(
            "INSERT INTO articles BY NAME SELECT a.* REPLACE (m.new AS article_id, sha256(a.doc_sha256 || ?) AS doc_sha256,"
            " a.source || '#' || ? AS source, a.story_key || '#' || ? AS story_key)"
            " FROM articles a JOIN idmap m ON a.article_id = m.old",
            [str(k)] * 3,
        )
        con.execute("INSERT INTO search_text SELECT m.new, s.body FROM search_text s JOIN idmap m ON s.article_id = m.old"
                    " ORDER BY s.rowid")  # fmt: skip
        con.execute(
            "INSERT INTO desk_docs SELECT d.doc + ?, m.new, d.story_key || '#' || ?, d.version, d.current, d.day,"
            " d.published_at, d.published_utc, d.outlet, d.language, d.outlet_canonical"
            " FROM desk_docs d JOIN idmap m ON d.article_id = m.old ORDER BY d.doc",
            [shift, str(k)],
        )
        con.execute("INSERT INTO desk_article_outlets SELECT m.new, o.outlet_id, o.resolved_by FROM desk_article_outlets o"
                    " JOIN idmap m ON o.article_id = m.old")  # fmt: skip
        con.execute("INSERT INTO desk_outlets_done SELECT m.new FROM desk_outlets_done o JOIN idmap m ON o.article_id = m.old")
        con.execute("INSERT INTO desk_doc_terms SELECT doc + ?, term, n FROM desk_doc_terms WHERE doc < ? ORDER BY doc",
                    [shift, n])  # fmt: skip
        con.execute("INSERT INTO desk_terms_done SELECT doc + ? FROM desk_terms_done WHERE doc < ?", [shift, n])
        con.execute("INSERT INTO desk_runs SELECT run + ?, lo + ?, hi + ?, built_at FROM desk_runs WHERE run < ?",
                    [k * n_runs, shift, shift, n_runs])  # fmt: skip
        con.execute("INSERT INTO desk_quad_runs SELECT run + ? FROM desk_quad_runs WHERE run < ?", [k * n_runs, n_runs])
        rows = [(gram, run + k * n_runs, _shift(blob, shift)) for gram, run, blob in base_postings]
        con.register("shifted", pd.DataFrame(rows, columns=["gram", "run", "docs"]))
        con.execute("INSERT INTO desk_postings SELECT gram, run, docs FROM shifted")
        con.unregister("shifted")
        con.execute("COMMIT")
        print(f"  copy {k}: {(k + 1) * n:,} articles, {time.perf_counter() - started:.0f} s", flush=True)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE days AS SELECT day, term, (sum(n) * ?)::BIGINT AS n FROM desk_term_days GROUP BY ALL",
        [copies],
    )
    con.execute("DELETE FROM desk_term_days")
    con.execute("INSERT INTO desk_term_days SELECT * FROM days")
    # The source's row marks (presswatch/desk/marks.py) describe the source: the next run sets them anew.
    con.execute("DELETE FROM desk_state WHERE key LIKE 'rows:%' OR key IN ('terms_docs', 'outlets_mark', 'terms_mark')")
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - started


def _shift(blob: bytes, by: int) -> bytes:
    if blob[:1] == grams.BITMAP:  # relative to its pass's first document: unchanged
        return blob
    return grams.ARRAY + (np.frombuffer(blob[1:], dtype="<u4") + np.uint32(by)).astype("<u4").tobytes()
