"""The desk's share of a summaries run after new articles (bench/search.py --maintenance).

On a COPY of a benchmark warehouse (the kept one is never written): lands `new` articles made from
existing ones (new ids and story keys, text marked so it differs; `versions` of them are new versions
of old stories instead), gives them article_terms rows as the summaries' terms analysis would, and times
each part of prepare_desk / finish_desk apart, wall and CPU (this process, DuckDB's threads included).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import shutil
import time
from pathlib import Path
from typing import Any

from presswatch.desk.gramindex import index_grams
from presswatch.desk.outlets import load_directory, store_directory
from presswatch.desk.outlets_map import materialise_outlets
from presswatch.desk.termcounts import index_terms
from presswatch.desk.textindex import index_pending
from presswatch.settings import SEEDS_DIR
from presswatch.store import db as warehouse

_LAND = """
INSERT INTO articles
SELECT md5(a.article_id || ?) AS article_id, md5(a.doc_sha256 || ?), a.source,
       CASE WHEN k.no < ? THEN a.story_key ELSE md5(a.story_key || ?) END,
       CASE WHEN k.no < ? THEN a.version + 1 ELSE 1 END,
       CASE WHEN k.no < ? THEN a.article_id END,
       a.title, a.title_derived, a.text || ? , a.published_at, a.published_utc, a.authors, a.outlet,
       a.platform, a.url || ?, a.language, a.script, a.provenance, a.attributions, a.warnings,
       a.extractor_version, a.flow_run_id, now()
FROM (SELECT article_id, row_number() OVER (ORDER BY article_id) - 1 AS no FROM (
      SELECT article_id FROM articles_current WHERE article_id IN (SELECT article_id FROM article_terms)
      ORDER BY hash(article_id || ?) LIMIT ?)) k
JOIN articles a USING (article_id)
"""


def land(con: Any, new: int, versions: int, tag: str) -> int:
    """`new` articles (the first `versions` of them new versions of old stories), with their terms."""
    before = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    con.execute(_LAND, [tag, tag, versions, tag, versions, versions, f"\n{tag}", f"#{tag}", tag, new])
    con.execute("INSERT INTO article_terms (article_id, term, n) SELECT md5(t.article_id || ?), t.term, t.n FROM article_terms t"
                " WHERE md5(t.article_id || ?) IN (SELECT article_id FROM articles WHERE rowid >= ?)",
                [tag, tag, before])  # fmt: skip
    return int(con.execute("SELECT count(*) FROM articles").fetchall()[0][0] - before)


def parts(con: Any, workers: int) -> list[tuple[str, Any]]:
    """prepare_desk's steps in its order, then finish_desk's (presswatch/desk/prepare.py)."""
    return [
        ("outlet directory", lambda: store_directory(con, load_directory(SEEDS_DIR / "outlets.yaml"))),
        ("search forms", lambda: index_pending(con, workers=workers)),
        ("postings index", lambda: index_grams(con, workers=workers)),
        ("outlet map", lambda: materialise_outlets(con)),
        ("terms copy", lambda: index_terms(con)),
        ("finish (terms)", lambda: index_terms(con)),
    ]


def run(source: Path, workdir: Path, new: int, versions: int, workers: int, profile: bool) -> dict[str, Any]:
    copy = workdir / f"maintenance-{source.stem}.duckdb"
    started = time.perf_counter()
    shutil.copyfile(source, copy)
    out: dict[str, Any] = {"copy_s": round(time.perf_counter() - started, 1)}
    try:
        with warehouse.connection(copy) as con:
            warehouse.migrate(con)
            warehouse.refresh_views(con)
            for _name, fn in parts(con, workers):  # bring the copy up to date first (nothing new)
                fn()
            for label, count, vers in (("nothing new", 0, 0), (f"{new} new", new, versions)):
                if count:
                    out["landed"] = land(con, count, vers, f"bench-new-{time.time_ns()}")
                    con.execute("CHECKPOINT")  # as the ingest run's connection does when it closes
                timings = {}
                for name, fn in parts(con, workers):
                    prof = cProfile.Profile() if profile and count else None
                    t0, c0 = time.perf_counter(), time.process_time()
                    if prof:
                        prof.enable()
                    result = fn()
                    if prof:
                        prof.disable()
                        text = io.StringIO()
                        pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(12)
                        print(f"--- profile {name}\n{text.getvalue()}", flush=True)
                    timings[name] = {"wall_s": round(time.perf_counter() - t0, 2),
                                     "cpu_s": round(time.process_time() - c0, 2), "result": result}  # fmt: skip
                total = {"wall_s": round(sum(t["wall_s"] for t in timings.values()), 2),
                         "cpu_s": round(sum(t["cpu_s"] for t in timings.values()), 2)}  # fmt: skip
                out[label] = {"parts": timings, "total": total, "load_average": os.getloadavg()[0]}
                print(f"  {label}: total {total}", flush=True)
                for name, t in timings.items():
                    print(f"    {name}: {t['wall_s']} s wall, {t['cpu_s']} s CPU  {t['result']}", flush=True)
    finally:
        copy.unlink(missing_ok=True)
        Path(f"{copy}.wal").unlink(missing_ok=True)
    return out
