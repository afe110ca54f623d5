"""What Great Expectations validation adds to a run: 10,000 synthetic articles made from the seed texts.

Prints the time to build the frame (derived columns in plain Python), the time of the GX run over it (one
run of the articles suite over the whole frame) and the whole `validate_articles` call, warm (GX imported
and the suite loaded beforehand; the one-off import is printed separately).

    .venv/bin/python bench/validation.py [--rows 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from presswatch.extract.formats import split_front_matter
from presswatch.records import Article
from presswatch.settings import load_settings
from presswatch.validate.frames import ARTICLES_SUITE, articles_frame, text_stats, validate_articles

NOW = datetime(2025, 3, 1, tzinfo=UTC)
T = TypeVar("T")


def seed_bodies() -> list[tuple[str, str]]:
    """(body, script) for each seed file: the text after any front matter, as a stand-in article body."""
    bodies = []
    for path in sorted(load_settings().seeds_dir.glob("*.txt")):
        _, body = split_front_matter(path.read_text(encoding="utf-8"))
        bodies.append(body)
    return [(b, "Hant" if (text_stats(b)["hant_share"] or 0) > 0.5 else "Hans") for b in bodies]


def synthetic_articles(n: int) -> list[Article]:
    """n articles cycling through the seed bodies, each cut to a different length so no two are alike;
    about 1% are given a defect (empty body, future date, bad URL) so GX has per-row failures to report."""
    bodies = seed_bodies()
    articles = []
    for i in range(n):
        body, script = bodies[i % len(bodies)]
        cut = len(body) - (i * 37) % (len(body) // 2)
        published = (NOW - timedelta(hours=i % 5000)).isoformat()
        url: str | None = f"https://news.example.cn/a/{i}.html"
        text = body[:cut]
        if i % 100 == 1:
            text = ""
        elif i % 100 == 2:
            published = (NOW + timedelta(days=30)).isoformat()
        elif i % 100 == 3:
            url = "javascript:void(0)"
        articles.append(
            Article(
                source=f"bench/{i}.txt",
                doc_sha256=hashlib.sha256(f"bench-{i}".encode()).hexdigest(),
                format="text",
                encoding="utf-8",
                title=body.strip().splitlines()[0][:60] if body.strip() else "untitled",
                title_derived=False,
                text=text,
                published_at=published,
                authors=["记者"],
                outlet="某报",
                platform=None,
                url=url,
                language="zh",
                script=script,
            )
        )
    return articles


def timed(fn: Callable[[], T], repeat: int) -> tuple[float, float, T]:
    """Median wall and CPU seconds of `repeat` calls, and the last result. CPU time is the steadier
    figure on a shared machine; wall time is what a run waits."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    articles = synthetic_articles(args.rows)
    start = time.perf_counter()
    from presswatch.validate.suites import load_suite, run_suite

    load_suite(ARTICLES_SUITE)
    validate_articles(articles[:10], now=NOW)  # first GX run also builds the context's data source
    first_use = time.perf_counter() - start

    frame_s, frame_cpu, frame = timed(lambda: articles_frame(articles, NOW), args.repeat)
    gx_s, gx_cpu, _ = timed(lambda: run_suite(ARTICLES_SUITE, frame), args.repeat)
    total_s, total_cpu, outcome = timed(lambda: validate_articles(articles, now=NOW), args.repeat)
    figures = {
        "rows": args.rows,
        "expectations": len(outcome.results),
        "blocked_rows": len(outcome.blocked),
        "warned_rows": len(outcome.warnings),
        "gx_import_and_first_run_s": round(first_use, 2),
        "frame_build_wall_s": round(frame_s, 3),
        "frame_build_cpu_s": round(frame_cpu, 3),
        "gx_run_wall_s": round(gx_s, 3),
        "gx_run_cpu_s": round(gx_cpu, 3),
        "validate_articles_wall_s": round(total_s, 3),
        "validate_articles_cpu_s": round(total_cpu, 3),
        "gx_over_frame_cpu_ratio": round(gx_cpu / frame_cpu, 2),
        "validate_ms_per_1000_rows_cpu": round(1000 * total_cpu / args.rows * 1000, 1),
    }
    for key, value in figures.items():
        print(f"{key:28s} {value}")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "validation.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
