"""Pipeline benchmark: the whole ingest flow against a plain trafilatura.extract loop, same files, same run.

    .venv/bin/python bench/pipeline.py [--pages 1000] [--workers 2] [--batch-size N] [--keep]

Inputs, written to a temp folder: --pages distinct HTML files made by cycling the dev pages in bench/data/
(each copy gets an ASCII marker paragraph after its longest <p>, so no two files share bytes and most copies
extract to a distinct body; ASCII reads the same in UTF-8 and GBK, so each page keeps its own encoding),
plus the seed documents from seeds/. Every run below goes over all of them:
  warm-up           a flow run over the seeds alone (embedded Prefect server start-up, GX import, first
                    DuckDB file) and the extraction pool's start-up: printed apart, never compared
  trafilatura       trafilatura.extract(raw_bytes) in a loop, one process: the baseline
  extract_document  presswatch.extract.pool.extract_one (extract_document, size cap) in a loop, one process
  stages            the flow's own stage functions called without Prefect, batch by batch, each timed:
                    prepare, read, skip-known, extract (extract_many on --workers processes), validate
                    (GX), land (DuckDB), finish, data-docs (GX Data Docs, into the temp folder)
  ingest_flow       flows.ingest.ingest_flow, a real Prefect flow run (embedded server), files only
Figures: wall seconds, pages/s, and wall time as a multiple of the trafilatura loop's. CPU seconds of the
whole process tree (this process, the extraction workers, the Prefect server) stand beside them, since the
machine is shared and wall time moves with other jobs. The task-run times the Prefect API recorded for the
flow run show where the flow's own time went. The load average is taken before and after each run.
Prefect uses a fresh PREFECT_HOME in the temp folder unless --prefect-home is given.
Results: bench/results/pipeline.json.
"""

from __future__ import annotations

import argparse
import atexit
import gzip
import hashlib
import inspect
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from presswatch.extract.pool import MIN_DOCS_PER_WORKER, extract_many, extract_one  # noqa: E402
from presswatch.ingest.sources import discover_files, read_file  # noqa: E402
from presswatch.records import RawDocument  # noqa: E402
from presswatch.settings import load_settings  # noqa: E402

DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
STAGES = ("prepare", "read", "skip-known", "extract", "validate", "land", "finish", "data-docs")
T = TypeVar("T")
Figures = dict[str, dict[str, Any]]  # run or stage -> {"wall_s", "cpu_s", "load_before", "load_after"}

# A <p> element with no other <p> opening inside it; its text length picks the paragraph to follow.
_PARAGRAPH = re.compile(rb"<p(?:\s[^>]*)?>(?:(?!<p[\s>]).)*?</p\s*>", re.I | re.S)
_TAG = re.compile(rb"<[^>]*>")


def dev_pages() -> list[tuple[str, bytes]]:
    """(set-id, html bytes) of every page under bench/data/, decompressed, in a stable order."""
    pages = []
    for path in sorted(DATA.rglob("*.html.gz")):
        data = gzip.decompress(path.read_bytes())
        if b"\x00" in data:  # UTF-16/32: an ASCII marker would break the page
            continue
        pages.append((f"{path.relative_to(DATA).parts[0]}-{path.name.removesuffix('.html.gz')[:12]}", data))
    return pages


def marker_offset(html: bytes) -> int:
    """Where a copy's marker goes: after the longest paragraph (nearly always inside the article, so the
    marker reaches the extracted body), else before </body>, else at the end."""
    best = max(_PARAGRAPH.finditer(html), key=lambda m: len(_TAG.sub(b"", m.group()).strip()), default=None)
    if best is not None:
        return best.end()
    body_end = html.lower().rfind(b"</body")
    return body_end if body_end >= 0 else len(html)


def build_inputs(folder: Path, n_pages: int) -> list[Path]:
    pages = dev_pages()
    offsets = [marker_offset(html) for _, html in pages]
    (folder / "pages").mkdir(parents=True)
    for i in range(n_pages):
        name, html = pages[i % len(pages)]
        at = offsets[i % len(pages)]
        marker = f"<p>Benchmark copy {i:05d}: this paragraph makes copy {i} of the page distinct.</p>"
        # Numbered first so every batch mixes the three sets, as real input would.
        data = html[:at] + marker.encode("ascii") + html[at:]
        (folder / "pages" / f"{i:05d}-{name}.html").write_bytes(data)
    seeds_dir = load_settings().seeds_dir
    for src in discover_files(seeds_dir):
        dest = folder / "seeds" / src.relative_to(seeds_dir)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
    inputs = discover_files(folder)
    if len({hashlib.sha256(p.read_bytes()).digest() for p in inputs}) != len(inputs):
        raise SystemExit("benchmark inputs are not all distinct")
    return inputs


def tree_cpu() -> float:
    """CPU seconds (user + system, incl. reaped children) of this process and every live descendant."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        stats[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)
    wanted, total, frontier = {os.getpid()}, 0.0, [os.getpid()]
    while frontier:
        pid = frontier.pop()
        total += stats.get(pid, (0, 0.0))[1]
        children = [c for c, (ppid, _) in stats.items() if ppid == pid and c not in wanted]
        wanted.update(children)
        frontier.extend(children)
    return total


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


@contextmanager
def clock(into: Figures, key: str) -> Iterator[None]:
    """Adds this block's wall and process-tree CPU seconds to into[key], and notes the load around it."""
    load, wall, cpu = loadavg(), time.perf_counter(), tree_cpu()
    yield
    entry = into.setdefault(key, {"wall_s": 0.0, "cpu_s": 0.0, "load_before": load})
    entry["wall_s"] += time.perf_counter() - wall
    entry["cpu_s"] += tree_cpu() - cpu
    entry["load_after"] = loadavg()


def timed(into: Figures, key: str, fn: Callable[[], T]) -> T:
    with clock(into, key):
        return fn()


def staged_run(inputs: list[Path], db: Path, workers: int, batch_size: int) -> tuple[Figures, dict[str, int]]:
    """The flow's batches and stage functions (the tasks' own .fn), minus Prefect, each stage clocked."""
    from flows import tasks
    from flows.ingest import COUNT_KEYS, OUTCOME_COUNTER
    from presswatch.store import db as warehouse
    from presswatch.validate.datadocs import build_data_docs

    stages: Figures = {}
    counts = dict.fromkeys(COUNT_KEYS, 0)
    run_id, max_bytes = "bench-staged", load_settings().max_input_bytes
    with clock(stages, "prepare"), warehouse.connection(db) as con:
        warehouse.migrate(con)
        warehouse.refresh_views(con)
        warehouse.start_run(con, run_id, "bench-staged", {}, datetime.now(UTC))
    paths = [str(p) for p in inputs]
    for start in range(0, len(paths), batch_size):
        with clock(stages, "read"):
            raws, unreadable = tasks.read_batch.fn(paths[start : start + batch_size])
        with clock(stages, "skip-known"):
            fresh = tasks.unknown_only.fn(str(db), raws)
        with clock(stages, "extract"):
            results = extract_many(fresh, workers=workers, max_bytes=max_bytes) if fresh else {}
        with clock(stages, "validate"):
            checked = tasks.validate_batch.fn(fresh, results) if results else (results, {}, [])
            results, warnings, rows = checked
        with clock(stages, "land"):
            outcomes = tasks.land.fn(str(db), raws, results, warnings, rows, run_id, unreadable)
        for _, outcome, _ in outcomes:
            counts[OUTCOME_COUNTER[outcome]] += 1
        counts["inputs_seen"] += len(outcomes)
    with clock(stages, "finish"):
        tasks.finish.fn(str(db), run_id, counts, "completed")
    with clock(stages, "data-docs"):  # also hands the flow run below only its own suite runs
        build_data_docs(run_name=run_id)
    return {k: stages[k] for k in STAGES}, counts


def flow_task_times(flow_run_id: str, wait_s: float = 30.0) -> dict[str, dict[str, float]]:
    """Task-run seconds per task name as the Prefect API recorded them (states arrive a little late)."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + wait_s
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)])), limit=200
            )
            if all(r.end_time for r in runs) or time.monotonic() > deadline:
                break
            time.sleep(1)
    times: dict[str, dict[str, float]] = {}
    for run in runs:
        name = run.name.rsplit("-", 1)[0]  # "extract-batch-3" -> "extract-batch"
        entry = times.setdefault(name, {"runs": 0, "seconds": 0.0})
        entry["runs"] += 1
        if run.start_time and run.end_time:
            entry["seconds"] += (run.end_time - run.start_time).total_seconds()
    return times


def row(label: str, pages: int, t: dict[str, Any], base: dict[str, Any]) -> str:
    wall, cpu = t["wall_s"], t["cpu_s"]
    return (
        f"{label:34} {pages:6d} {wall:8.1f} {pages / wall:8.1f} {wall / base['wall_s']:7.2f}x {cpu:8.1f}"
        f" {cpu / base['cpu_s']:7.2f}x {cpu / wall:6.2f}   {t.get('load_before')} -> {t.get('load_after')}"
    )


def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Every run over the same inputs, in order; returns the figures as saved to pipeline.json."""
    import prefect
    import trafilatura

    from flows.ingest import ingest_flow

    # Files only: configured feeds would be polled over the network and mix into the figures.
    only_files = {"include_feeds": False}
    if "include_feeds" not in inspect.signature(ingest_flow.fn).parameters:
        only_files = {}
    # After Prefect has set up logging: trafilatura logs a line per odd page (and per non-HTML seed).
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

    inputs = build_inputs(work / "inputs", args.pages)
    raws: list[RawDocument] = [read_file(p) for p in inputs]
    max_bytes, workers = load_settings().max_input_bytes, args.workers
    print(f"{len(inputs)} inputs ({args.pages} pages + {len(inputs) - args.pages} seeds,"
          f" {sum(len(r.data) for r in raws) / 1e6:.0f} MB) in {work}; workers {workers},"
          f" batch size {args.batch_size}; load {loadavg()}", flush=True)

    warm: Figures = {}
    seeds_only = {"seeds_dir": str(work / "inputs" / "seeds"), "db_path": str(work / "warmup.duckdb")}
    timed(warm, "flow over the seeds", lambda: ingest_flow(**seeds_only, workers=workers, **only_files))
    first = raws[: 2 * MIN_DOCS_PER_WORKER * workers]
    timed(warm, "extraction pool", lambda: extract_many(first, workers=workers, max_bytes=max_bytes))
    trafilatura.extract(raws[0].data)  # its lazy tables, outside the timing
    # What the idle tree (mostly the Prefect server's services) burns, to read the CPU columns against.
    timed(warm, "idle 5 s", lambda: time.sleep(5))
    for name, t in warm.items():
        print(f"warm-up, {name}: {t['wall_s']:.1f} s wall, {t['cpu_s']:.1f} s cpu", flush=True)

    runs: Figures = {}
    timed(runs, "trafilatura", lambda: [trafilatura.extract(r.data) for r in raws])
    print(f"trafilatura loop: {runs['trafilatura']['wall_s']:.1f} s", flush=True)
    timed(runs, "extract_document", lambda: [extract_one(r, max_bytes) for r in raws])
    print(f"extract_document loop: {runs['extract_document']['wall_s']:.1f} s", flush=True)
    stages, staged_counts = staged_run(inputs, work / "staged.duckdb", workers, args.batch_size)
    runs["stages"] = {k: sum(s[k] for s in stages.values()) for k in ("wall_s", "cpu_s")}
    runs["stages"] |= {"load_before": stages[STAGES[0]]["load_before"],
                       "load_after": stages[STAGES[-1]]["load_after"]}
    print(f"stages without Prefect: {runs['stages']['wall_s']:.1f} s", flush=True)
    everything = {"seeds_dir": str(work / "inputs"), "db_path": str(work / "flow.duckdb")}
    summary = timed(runs, "ingest_flow", lambda: ingest_flow(
        **everything, batch_size=args.batch_size, workers=workers, **only_files))

    base = runs["trafilatura"]
    # Copies whose marker did not reach the extracted body land as same-text duplicates; say so.
    not_landed = Counter(f"{o}: {re.sub(r'[0-9a-f]{12,}', '…', d)}" for _, o, d in summary.outcomes
                         if o != "landed")
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {"trafilatura": trafilatura.__version__, "prefect": prefect.__version__},
        "inputs": len(inputs), "pages": args.pages, "workers": workers, "batch_size": args.batch_size,
        "cpu_count": os.cpu_count(), "warmup": warm, "runs": runs, "stages": stages,
        "flow_tasks": flow_task_times(summary.flow_run_id),
        "ratios_wall_vs_trafilatura": {k: v["wall_s"] / base["wall_s"] for k, v in runs.items()},
        "ratios_cpu_vs_trafilatura": {k: v["cpu_s"] / base["cpu_s"] for k, v in runs.items()},
        "extract_many_speedup": runs["extract_document"]["wall_s"] / stages["extract"]["wall_s"],
        "prefect_overhead_wall_s": runs["ingest_flow"]["wall_s"] - runs["stages"]["wall_s"],
        "prefect_overhead_cpu_s": runs["ingest_flow"]["cpu_s"] - runs["stages"]["cpu_s"],
        "flow_counts": summary.counts, "staged_counts": staged_counts, "flow_run_id": summary.flow_run_id,
        "not_landed": dict(not_landed.most_common()),
    }


def report(r: dict[str, Any]) -> None:
    n, runs, stages, base = r["inputs"], r["runs"], r["stages"], r["runs"]["trafilatura"]
    print(f"\n{'run':34} {'inputs':>6} {'wall s':>8} {'pages/s':>8} {'× traf':>8} {'cpu s':>8}"
          f" {'× traf':>8} {'cores':>6}   load before -> after")
    print(row("trafilatura.extract loop (1 proc)", n, base, base))
    print(row("extract_document loop (1 proc)", n, runs["extract_document"], base))
    for stage in STAGES:
        print(row(f"  extract_many ({r['workers']} workers)" if stage == "extract" else f"  {stage}",
                  n, stages[stage], base))
    print(row("stages without Prefect (sum)", n, runs["stages"], base))
    print(row("ingest_flow (Prefect)", n, runs["ingest_flow"], base))
    print(f"\nextract_many vs extract_document loop: {r['extract_many_speedup']:.2f}x faster"
          f" on {r['workers']} workers; Prefect orchestration ≈ {r['prefect_overhead_wall_s']:+.1f} s wall,"
          f" {r['prefect_overhead_cpu_s']:+.1f} s cpu over the bare stages")
    tasks = sorted(r["flow_tasks"].items(), key=lambda kv: -kv[1]["seconds"])
    print("flow task runs (Prefect API), seconds/runs: "
          + ", ".join(f"{k} {v['seconds']:.1f}/{v['runs']}" for k, v in tasks))
    print(f"flow counts {r['flow_counts']}; stages counts {r['staged_counts']}")
    print("not landed: " + ("; ".join(f"{count} {why}" for why, count in r["not_landed"].items()) or "none"))


def main(argv: list[str] | None = None) -> int:
    raw_help = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw_help)
    parser.add_argument("--pages", type=int, default=1000, help="HTML inputs to build, plus the seeds")
    parser.add_argument("--workers", type=int, default=load_settings().workers, help="extraction processes")
    parser.add_argument("--batch-size", type=int, default=load_settings().batch_size, help="inputs per batch")
    parser.add_argument("--prefect-home", help="PREFECT_HOME to use (default: fresh, in the temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (inputs, warehouses)")
    parser.add_argument("--verbose", action="store_true", help="show Prefect's INFO logs")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="presswatch-bench-pipeline-"))
    if not args.keep:
        # Registered before Prefect is imported, so it runs after Prefect's own exit hook stops the server.
        atexit.register(shutil.rmtree, work, ignore_errors=True)
    # Set before Prefect is imported: its home, its log level; and the runs' GX Data Docs kept out of the
    # project's own site.
    os.environ["PREFECT_HOME"] = args.prefect_home or str(work / "prefect-home")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if args.verbose else "WARNING")
    os.environ["PRESSWATCH_DATA_DOCS"] = str(work / "data-docs")
    result = measure(args, work)
    report(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pipeline.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"results: {(RESULTS / 'pipeline.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
