"""Pipeline benchmark: `presswatch run` as a user runs it, against a plain trafilatura.extract loop.

    .venv/bin/python bench/pipeline.py [--pages 2000 4000] [--scale-pages 20000] [--repeat 2] [--workers 2]
        [--batch-size N] [--dask tcp://HOST:8786] [--prefect-home DIR] [--workdir DIR] [--keep]

Inputs, written to a work folder: distinct HTML files made by cycling the dev pages in bench/data/ (each
copy gets an ASCII marker paragraph after its longest <p>, so no two files share bytes and most copies
extract to a distinct body; ASCII reads the same in UTF-8 and GBK), plus the seed documents. Three figures,
in one run:
  1. speed: `presswatch run --no-feeds --no-summaries` on --pages pages (a fresh warehouse, the whole
     process: start-up, Prefect's embedded server, extraction workers) as a multiple of a plain
     single-process `trafilatura.extract(bytes)` loop over the same files in this process. They run back to
     back --repeat times (the machine is shared: the ratio of neighbours, never absolute seconds); each ratio
     is printed. With several sizes (the default: 2,000 and 4,000), pairs at each, and from the smallest and the largest
     what a further page costs against the loop's page (the marginal ratio) and what a run costs whatever
     its size (the fixed cost: start-up, validating and landing the last batch, Data Docs, exit).
  2. re-run: on --scale-pages pages, the first run, then an unchanged re-run, as % of the first.
  3. memory: peak RSS of the run's process tree (the CLI process, its workers, the Prefect server; sampled
     every 0.2 s, plus the CLI process's own VmHWM) at the smallest --pages against --scale-pages.
Where the time went is read from the Prefect home's own database: the flow run's wall time (start-up is the
process's wall time minus it) and the seconds of each task.
With --dask ADDRESS the runs get PRESSWATCH_DASK_ADDRESS: extraction goes to that cluster.
Prefect uses PREFECT_HOME=<workdir>/prefect-home unless --prefect-home is given; it is warmed by one run over
the seeds first (reported apart). Results: bench/results/pipeline.json.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rss import status_kb

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
SEEDS = ROOT / "seeds"

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
    """After the longest paragraph (nearly always inside the article), else before </body>, else the end."""
    best = max(_PARAGRAPH.finditer(html), key=lambda m: len(_TAG.sub(b"", m.group()).strip()), default=None)
    if best is not None:
        return best.end()
    body_end = html.lower().rfind(b"</body")
    return body_end if body_end >= 0 else len(html)


def build_inputs(folder: Path, n_pages: int) -> list[Path]:
    """n_pages distinct pages under folder/pages and the seed documents under folder/seeds."""
    pages = dev_pages()
    offsets = [marker_offset(html) for _, html in pages]
    (folder / "pages").mkdir(parents=True)
    digests = set()
    for i in range(n_pages):
        name, html = pages[i % len(pages)]
        at = offsets[i % len(pages)]
        marker = f"<p>Benchmark copy {i:05d}: this paragraph makes copy {i} of the page distinct.</p>"
        data = html[:at] + marker.encode("ascii") + html[at:]  # numbered first: every batch mixes the sets
        (folder / "pages" / f"{i:05d}-{name}.html").write_bytes(data)
        digests.add(hashlib.sha256(data).digest())
    (folder / "seeds").mkdir()
    for src in sorted(SEEDS.glob("*.txt")) + sorted(SEEDS.glob("*.md")) + sorted(SEEDS.glob("*.html")):
        shutil.copy2(src, folder / "seeds" / src.name)
        digests.add(hashlib.sha256(src.read_bytes()).digest())
    inputs = sorted(p for p in folder.rglob("*") if p.is_file())
    if len(digests) != len(inputs):
        raise SystemExit("benchmark inputs are not all distinct")
    return inputs


def build_text_inputs(folder: Path, n: int) -> list[Path]:
    """n distinct plain-text articles: the seeds, each copy with a numbered sentence in its first paragraph
    (cheap to extract, so a run of them is short and the re-run's share of it is a conservative figure)."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    (folder / "texts").mkdir(parents=True)
    for i in range(n):
        text = seeds[i % len(seeds)]
        head, sep, rest = text.partition("。")
        marker = f"（基准副本第{i}份，编号{i:06d}。）"
        (folder / "texts" / f"{i:06d}.txt").write_text(head + sep + marker + rest, encoding="utf-8")
    return sorted((folder / "texts").iterdir())


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children[ppid].append(int(entry.name))
    out, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        out.append(p)
        frontier.extend(children.get(p, []))
    return out


PROJECT = ROOT  # the checkout whose `presswatch` runs (--project: another one, e.g. before a change)


def run_cli(args: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """One `presswatch` process: wall and CPU seconds, peak RSS of its tree and of the CLI process itself."""
    load, start = loadavg(), time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "presswatch", *args], cwd=PROJECT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        tree_peak = own_peak = 0
        while True:  # wait4, not poll: it also gives the CPU seconds of the process and what it waited for
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            tree_peak = max(tree_peak, sum(status_kb(p, "VmRSS") for p in _tree(proc.pid)))
            own_peak = max(own_peak, status_kb(proc.pid, "VmHWM"))
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"presswatch {' '.join(args)} failed ({proc.returncode}): see {log}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "tree_peak_mib": tree_peak / 1024, "cli_peak_mib": own_peak / 1024,
            "load_before": load, "load_after": loadavg()}  # fmt: skip


def flow_breakdown(prefect_home: Path) -> dict[str, Any]:
    """The latest flow run's wall seconds and seconds per task name, from the Prefect home's database."""
    con = sqlite3.connect(f"file:{prefect_home / 'prefect.db'}?mode=ro", uri=True)
    try:
        run_id, start, end = con.execute(
            "SELECT id, start_time, end_time FROM flow_run ORDER BY created DESC LIMIT 1").fetchone()
        tasks: dict[str, float] = defaultdict(float)
        for name, t0, t1 in con.execute(
            "SELECT name, start_time, end_time FROM task_run WHERE flow_run_id = ?", [run_id]
        ).fetchall():
            if t0 and t1:
                tasks[name.rsplit("-", 1)[0]] += _seconds(t0, t1)
    finally:
        con.close()
    return {"flow_s": _seconds(start, end), "tasks_s": dict(sorted(tasks.items(), key=lambda kv: -kv[1]))}


def _seconds(t0: str, t1: str) -> float:
    return (datetime.fromisoformat(t1) - datetime.fromisoformat(t0)).total_seconds()


def trafilatura_loop(inputs: list[Path]) -> dict[str, Any]:
    import trafilatura

    load, wall, cpu = loadavg(), time.perf_counter(), time.process_time()
    for path in inputs:
        trafilatura.extract(path.read_bytes())
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
            "load_before": load, "load_after": loadavg()}  # fmt: skip


def speed_pairs(
    args: argparse.Namespace, work: Path, env: dict[str, str], run: list[str], n_pages: int, warm_up: bool
) -> list[dict[str, Any]]:
    """--repeat back-to-back pairs (the plain loop, then `presswatch run` on a fresh warehouse) on n_pages pages;
    `warm_up`: one run over the seeds first, so that the Prefect home is warm."""
    home = Path(env["PREFECT_HOME"])
    folder = work / f"in-{n_pages}"
    small = build_inputs(folder, n_pages)
    print(f"{len(small)} inputs ({n_pages} pages + seeds, {sum(p.stat().st_size for p in small) / 1e6:.0f} MB);"
          f" workers {args.workers}; dask {args.dask or 'no'}; load {loadavg()}", flush=True)  # fmt: skip
    if warm_up:
        warm = run_cli([*run, "--seeds", str(folder / "seeds"), "--db", str(work / "warm.duckdb")], env, work / "warm.log")
        print(f"warm-up run over the seeds: {warm['wall_s']:.1f} s (Prefect home {home})", flush=True)
        trafilatura_loop(small[:20])  # its lazy tables, outside the timing
    pairs = []
    for i in range(args.repeat):
        base = trafilatura_loop(small)
        db = work / f"speed-{n_pages}-{i}.duckdb"
        ours = run_cli([*run, "--seeds", str(folder), "--db", str(db)], env, work / f"speed-{n_pages}-{i}.log")
        ours["breakdown"] = flow_breakdown(home)
        pairs.append({"pages": n_pages, "trafilatura": base, "presswatch": ours, "ratio": ours["wall_s"] / base["wall_s"]})
        print(f"[{i + 1}/{args.repeat}] {n_pages} pages: trafilatura loop {base['wall_s']:.1f} s, presswatch run"
              f" {ours['wall_s']:.1f} s -> {pairs[-1]['ratio']:.3f}x  (load {base['load_before']} .. {ours['load_after']})",
              flush=True)  # fmt: skip
        db.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    return pairs


def marginal(speed: list[dict[str, Any]], small: int, large: int) -> dict[str, float]:
    """What each further page costs and what a run costs whatever its size, from the mean walls at two sizes:
    the run's extra seconds from `small` to `large` pages over the loop's extra seconds (its marginal ratio),
    and the run's seconds at `small` minus that slope's share (its fixed cost: start-up, the last batch, exit)."""

    def mean(n: int, side: str) -> float:
        walls = [s[side]["wall_s"] for s in speed if s["pages"] == n]
        return sum(walls) / len(walls)

    run_slope = (mean(large, "presswatch") - mean(small, "presswatch")) / (large - small)
    loop_slope = (mean(large, "trafilatura") - mean(small, "trafilatura")) / (large - small)
    return {"run_ms_per_page": 1000 * run_slope, "loop_ms_per_page": 1000 * loop_slope,
            "ratio": run_slope / loop_slope, "fixed_s": mean(small, "presswatch") - run_slope * small}  # fmt: skip


def measure(args: argparse.Namespace, work: Path, env: dict[str, str]) -> dict[str, Any]:
    run = ["run", "--no-feeds", "--no-summaries", "--workers", str(args.workers)]
    if args.batch_size:
        run += ["--batch-size", str(args.batch_size)]
    home = Path(env["PREFECT_HOME"])
    sizes = sorted(set(args.pages))
    if sizes[0] < 1 or args.repeat < 1:
        raise SystemExit("--pages and --repeat must be at least 1")
    speed: list[dict[str, Any]] = []
    for n_pages in sizes:
        speed += speed_pairs(args, work, env, run, n_pages, warm_up=not speed)
    out: dict[str, Any] = {"speed": speed}
    if len(sizes) > 1:
        out["marginal"] = marginal(speed, sizes[0], sizes[-1])
    if args.scale_pages:
        build = build_text_inputs if args.scale_kind == "text" else build_inputs
        base_rss = speed[0]["presswatch"]  # at the smallest --pages
        if args.scale_kind == "text":  # memory is compared like with like: the same kind of input at both sizes
            build(work / "scale-small", sizes[0])
            base_rss = run_cli([*run, "--seeds", str(work / "scale-small"), "--db", str(work / "scale-small.duckdb")],
                               env, work / "scale-small.log")  # fmt: skip
            shutil.rmtree(work / "scale-small", ignore_errors=True)
        big_dir = work / f"in-{args.scale_pages}"
        big = build(big_dir, args.scale_pages)
        db = work / "scale.duckdb"
        first = run_cli([*run, "--seeds", str(big_dir), "--db", str(db)], env, work / "scale-first.log")
        first["breakdown"] = flow_breakdown(home)
        print(f"{len(big)} inputs: first run {first['wall_s']:.1f} s", flush=True)
        again = run_cli([*run, "--seeds", str(big_dir), "--db", str(db)], env, work / "scale-again.log")
        again["breakdown"] = flow_breakdown(home)
        print(f"{len(big)} inputs: unchanged re-run {again['wall_s']:.1f} s", flush=True)
        out["scale"] = {"inputs": len(big), "kind": args.scale_kind, "first": first, "again": again, "small": base_rss,
                        "rerun_pct": 100 * again["wall_s"] / first["wall_s"],
                        "rss_ratio": first["tree_peak_mib"] / base_rss["tree_peak_mib"],
                        "cli_rss_ratio": first["cli_peak_mib"] / base_rss["cli_peak_mib"]}  # fmt: skip
    return out


def report(r: dict[str, Any], args: argparse.Namespace) -> None:
    print()
    for n_pages in sorted({s["pages"] for s in r["speed"]}):
        ratios = [f"{s['ratio']:.3f}x" for s in r["speed"] if s["pages"] == n_pages]
        print(f"1. speed on {n_pages} pages: presswatch run / plain trafilatura loop = {', '.join(ratios)}"
              f" ({len(ratios)} back-to-back pairs; goal <= 0.6x on >= 2,000 pages)")  # fmt: skip
    if "marginal" in r:
        m = r["marginal"]
        print(f"   each further page: {m['run_ms_per_page']:.1f} ms against the loop's {m['loop_ms_per_page']:.1f} ms"
              f" ({m['ratio']:.2f}x); fixed cost of a run {m['fixed_s']:.1f} s (start-up, the last batch, exit)")
    for s in r["speed"]:
        p = s["presswatch"]
        b = p["breakdown"]
        tasks = ", ".join(f"{k} {v:.1f}" for k, v in b["tasks_s"].items() if v >= 0.05)
        print(f"   {s['pages']} pages: run {p['wall_s']:.1f} s = start-up and exit {p['wall_s'] - b['flow_s']:.1f} s + flow {b['flow_s']:.1f} s"
              f" (tasks, s: {tasks}); cpu {p['cpu_s']:.1f} s vs loop {s['trafilatura']['cpu_s']:.1f} s")  # fmt: skip
    if "scale" in r:
        sc = r["scale"]
        first, again = sc["first"], sc["again"]
        print(f"2. unchanged re-run on {sc['inputs']} {sc['kind']} inputs: {again['wall_s']:.1f} s = {sc['rerun_pct']:.1f} % of the"
              f" first run's {first['wall_s']:.1f} s (goal <= 5 %); flow {again['breakdown']['flow_s']:.1f} s,"
              f" start-up and exit {again['wall_s'] - again['breakdown']['flow_s']:.1f} s")  # fmt: skip
        small = sc["small"]
        print(f"3. peak RSS ({sc['kind']} inputs), process tree: {small['tree_peak_mib']:.0f} MiB at {min(args.pages)},"
              f" {first['tree_peak_mib']:.0f} MiB at {sc['inputs']} -> {sc['rss_ratio']:.2f}x (goal <= 1.2x);"
              f" CLI process alone {small['cli_peak_mib']:.0f} -> {first['cli_peak_mib']:.0f} MiB"
              f" ({sc['cli_rss_ratio']:.2f}x)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="+", default=[2000, 4000],
                        help="pages for the speed figure (plus the seeds); several sizes: pairs at each, the marginal"
                        " cost of a page and the fixed cost of a run from the smallest and largest; memory at the smallest")
    parser.add_argument("--scale-pages", type=int, default=20000, help="pages for re-run and memory (0: skip)")
    parser.add_argument("--repeat", type=int, default=2, help="back-to-back speed pairs")
    parser.add_argument("--scale-kind", choices=("html", "text"), default="html",
                        help="inputs at scale: dev-page copies, or seed-text copies (faster to build and run)")
    parser.add_argument("--project", type=Path, default=ROOT, help="checkout whose presswatch runs (default: this)")
    parser.add_argument("--workers", type=int, default=2, help="extraction processes")
    parser.add_argument("--batch-size", type=int, help="inputs per batch (default: the setting's)")
    parser.add_argument("--dask", help="scheduler address: extraction on this Dask cluster")
    parser.add_argument("--prefect-home", help="PREFECT_HOME to use (default: <workdir>/prefect-home)")
    parser.add_argument("--workdir", help="work folder (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (inputs, warehouses, logs)")
    args = parser.parse_args(argv)
    global PROJECT
    PROJECT = args.project.resolve()

    work = Path(args.workdir or tempfile.mkdtemp(prefix="presswatch-bench-pipeline-"))
    work.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"PREFECT_HOME": args.prefect_home or str(work / "prefect-home"),
                        "PRESSWATCH_DATA_DOCS": str(work / "data-docs"), "PREFECT_LOGGING_LEVEL": "WARNING"}  # fmt: skip
    env.pop("PREFECT_API_URL", None)
    env.pop("PRESSWATCH_DASK_ADDRESS", None)
    if args.dask:
        env["PRESSWATCH_DASK_ADDRESS"] = args.dask
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        result = measure(args, work, env)
        report(result, args)
        RESULTS.mkdir(parents=True, exist_ok=True)
        record = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "args": vars(args),
                  "cpu_count": os.cpu_count(), **result}  # fmt: skip
        (RESULTS / "pipeline.json").write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
        print(f"results: {(RESULTS / 'pipeline.json').relative_to(ROOT)}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
