"""Main-text extraction benchmark: presswatch against plain trafilatura, same pages, same run.

    python bench/extraction.py [--sets cwced,magic-html,article-benchmark,readability-pages] [--path extract_html]

Per set: corpus precision, recall and F1 (metric: 4-token shingles, every CJK character a
token), the pages where presswatch scores clearly below trafilatura (F1 lower by more than 0.02),
date and author accuracy against the set's metadata gold (cwced meta-gold.json; trafilatura's own
metadata beside it, read untimed), the false quarantines (pages with a gold body that extraction
rejects or the articles suite, presswatch.validate.frames.validate_articles, blocks) and the time of each system, as CPU seconds of this process (the machine is shared, so wall
time swings with other jobs; CPU time much less) plus wall seconds. Both systems run page by page,
interleaved, so both see the same machine state. "presswatch" is what users get:
presswatch.extract.document.extract_document on RawDocument(source=path, data=bytes) - decoding, format detection,
extraction, furniture rules. "trafilatura" is plain trafilatura.extract(html_bytes, include_comments=False)
(its defaults otherwise: tables on, fallback extractors on), which decodes the bytes itself: the
baseline presswatch must never fall below. Results go to bench/results/extraction-<time>.json.

Data (bench/data/, copied from the project's eval-dev set):
  cwced/             35 Chinese pages (2000s portals, GB2312/GBK), <id>.html.gz + <id>.gold.txt
  magic-html/        27 modern Chinese pages, <sha>.html.gz + <sha>.gold.txt
  article-benchmark/ 61 mostly English pages, html/<id>.html.gz + ground-truth.json
  readability-pages/ pages from mozilla/readability's test suite (Spanish, French, Japanese, English
                     blogs), <name>.html.gz + <name>.gold.txt (see bench/data/SOURCES.md)
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from metric import authors_right, date_right, doc_pr, score  # noqa: E402

from presswatch.extract.decoding import decode  # noqa: E402
from presswatch.extract.document import extract_document  # noqa: E402
from presswatch.extract.html.main_text import extract_html  # noqa: E402
from presswatch.records import Article, RawDocument  # noqa: E402
from presswatch.validate.frames import validate_articles  # noqa: E402

DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
SETS = ("cwced", "magic-html", "article-benchmark", "readability-pages")


@dataclass
class Page:
    key: str
    path: Path
    data: bytes
    gold: str
    meta: dict[str, str] | None = None  # {"author", "date"} gold when the set has it


def load_set(name: str) -> list[Page]:
    folder = DATA / name
    if name == "article-benchmark":
        truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
        pages = []
        for key in sorted(truth):
            path = folder / "html" / f"{key}.html.gz"
            pages.append(Page(key, path, gzip.decompress(path.read_bytes()), truth[key]["articleBody"]))
        return pages
    meta_file = folder / "meta-gold.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    pages = []
    for path in sorted(folder.glob("*.html.gz")):
        key = path.name.removesuffix(".html.gz")
        gold = (folder / f"{key}.gold.txt").read_text(encoding="utf-8")
        pages.append(Page(key, path, gzip.decompress(path.read_bytes()), gold, meta.get(key)))
    return pages


def presswatch_text(page: Page, path: str) -> tuple[str, str, Article | None]:
    """(text, how, article): the article text presswatch gives for a page, the winning candidate, and
    the whole Article (None on the extract_html path or when the document is rejected)."""
    if path == "extract_html":
        ex = extract_html(decode(page.data).text)
        return ex.text, ex.method, None
    result = extract_document(RawDocument(source=str(page.path.relative_to(ROOT)), data=page.data))
    if isinstance(result, Article):
        return result.text, result.provenance.get("text", "article"), result
    return "", f"rejected:{result.stage}", None


def plain_text(data: bytes) -> str:
    """The baseline: trafilatura as it is used on its own, comments off (the held-back suite's setting)."""
    return trafilatura.extract(data, include_comments=False) or ""


def trafilatura_meta(page: Page) -> tuple[str | None, str | None]:
    """(date, author) of plain trafilatura with its metadata pass (not timed: the F1 baseline is extract())."""
    doc = trafilatura.bare_extraction(page.data, with_metadata=True)
    if doc is None:
        return None, None
    return getattr(doc, "date", None), getattr(doc, "author", None)


def meta_accuracy(pages: list[Page], articles: dict[str, Article | None]) -> dict[str, Any]:
    """Right/judged counts of dates and authors, presswatch and plain trafilatura, and the misses."""
    counts = {f"{s}_{f}": [0, 0] for s in ("presswatch", "trafilatura") for f in ("date", "author")}
    misses: dict[str, dict[str, Any]] = {}
    for page in pages:
        if not page.meta:
            continue
        article = articles.get(page.key)
        ours = (article.published_at, article.authors) if article else (None, None)
        theirs = trafilatura_meta(page)
        for field, gold, got, plain in (("date", page.meta.get("date"), ours[0], theirs[0]),
                                        ("author", page.meta.get("author"), ours[1], theirs[1])):
            judge = date_right if field == "date" else authors_right
            right = judge(gold, got)  # type: ignore[arg-type]
            if right is None:
                continue
            counts[f"presswatch_{field}"][0] += right
            counts[f"presswatch_{field}"][1] += 1
            counts[f"trafilatura_{field}"][0] += bool(judge(gold, plain))
            counts[f"trafilatura_{field}"][1] += 1
            if not right:
                misses.setdefault(page.key, {})[field] = {"gold": gold, "presswatch": got, "trafilatura": plain}
    return {"counts": counts, "misses": misses}


def false_quarantines(pages: list[Page], articles: dict[str, Article | None],
                      methods: dict[str, str]) -> dict[str, list[str]]:
    """Pages with a gold body that the pipeline would not land: rejected by extraction, or blocked by
    the articles suite (each with its reasons)."""
    found = {p.key: [methods[p.key]] for p in pages if articles.get(p.key) is None and p.gold.strip()}
    landed = {a.doc_sha256: key for key, a in articles.items() if a is not None}
    if landed:
        outcome = validate_articles([a for a in articles.values() if a is not None])
        for sha, issues in outcome.blocked.items():
            found[landed[sha]] = [issue.expectation for issue in issues]
    return found


def run_set(name: str, path: str) -> dict[str, Any]:
    pages = load_set(name)
    gold = {p.key: p.gold for p in pages}
    ours: dict[str, str] = {}
    plain: dict[str, str] = {}
    methods: dict[str, str] = {}
    articles: dict[str, Article | None] = {}
    cpu = {"presswatch": 0.0, "trafilatura": 0.0}
    wall = {"presswatch": 0.0, "trafilatura": 0.0}
    for page in pages:
        c0, w0 = time.process_time(), time.perf_counter()
        ours[page.key], methods[page.key], articles[page.key] = presswatch_text(page, path)
        c1, w1 = time.process_time(), time.perf_counter()
        plain[page.key] = plain_text(page.data)
        c2, w2 = time.process_time(), time.perf_counter()
        cpu["presswatch"] += c1 - c0
        cpu["trafilatura"] += c2 - c1
        wall["presswatch"] += w1 - w0
        wall["trafilatura"] += w2 - w1
    counts = dict(sorted(Counter(methods.values()).items()))
    result: dict[str, Any] = {"pages": len(pages), "path": path, "methods": counts}
    per_doc: dict[str, dict[str, Any]] = {key: {"method": methods[key]} for key in gold}
    for system, pred in (("presswatch", ours), ("trafilatura", plain)):
        precision, recall, f1, docs = score(gold, pred)
        result[system] = {"precision": precision, "recall": recall, "f1": f1,
                          "cpu_s": cpu[system], "wall_s": wall[system]}
        for key, (p, r) in docs.items():
            per_doc[key][system] = [round(p, 4), round(r, 4)]
    result["cpu_ratio"] = cpu["presswatch"] / cpu["trafilatura"] if cpu["trafilatura"] else None
    result["wall_ratio"] = wall["presswatch"] / wall["trafilatura"] if wall["trafilatura"] else None
    worse = []
    for key in gold:
        f_ours, f_plain = (_f1(*doc_pr(gold[key], pred[key])) for pred in (ours, plain))
        if f_ours < f_plain - 0.02:
            worse.append((key, round(f_ours, 3), round(f_plain, 3)))
    result["worse_than_trafilatura"] = worse
    if path == "extract_document":
        result["meta"] = meta_accuracy(pages, articles)
        result["false_quarantines"] = false_quarantines(pages, articles, methods)
    result["per_doc"] = per_doc
    return result


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _ratio(pair: list[int]) -> str:
    return f"{pair[0]}/{pair[1]} ({pair[0] / pair[1]:.0%})" if pair[1] else "-"



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated subset of " + ",".join(SETS))
    parser.add_argument("--path", choices=("extract_document", "extract_html"), default="extract_document",
                        help="the whole document path (default) or extract_html on decoded text alone")
    args = parser.parse_args(argv)
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = sorted(set(names) - set(SETS))
    if unknown:
        parser.error(f"unknown set(s): {unknown}")
    logging.disable(logging.WARNING)  # trafilatura logs a warning per odd page
    # Warm both systems (imports, trafilatura's and justext's lazy tables) outside the timing.
    warm = load_set(names[0])[0]
    presswatch_text(warm, args.path)
    plain_text(warm.data)

    results: dict[str, Any] = {"created": datetime.now(UTC).isoformat(timespec="seconds"),
                               "trafilatura": trafilatura.__version__, "sets": {}}
    header = f"{'set':18} {'system':12} {'P':>6} {'R':>6} {'F1':>6} {'cpu s':>7} {'wall s':>7}"
    print(header)
    print("-" * len(header))
    for name in names:
        res = run_set(name, args.path)
        results["sets"][name] = res
        for system in ("presswatch", "trafilatura"):
            r = res[system]
            print(f"{name:18} {system:12} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} "
                  f"{r['cpu_s']:7.2f} {r['wall_s']:7.2f}")
        print(f"{'':18} {'time ratio':12} cpu {res['cpu_ratio']:.2f}x  wall {res['wall_ratio']:.2f}x   "
              f"methods {res['methods']}")
        worse = res["worse_than_trafilatura"]
        print(f"{'':18} {'worse pages':12} {len(worse)} (F1 < trafilatura - 0.02): "
              + ", ".join(f"{k[:8]} {a}<{b}" for k, a, b in worse))
        if "meta" in res:
            c = res["meta"]["counts"]
            if c["presswatch_date"][1] or c["presswatch_author"][1]:
                print(f"{'':18} {'date right':12} presswatch {_ratio(c['presswatch_date'])}  "
                      f"trafilatura {_ratio(c['trafilatura_date'])}")
                print(f"{'':18} {'author right':12} presswatch {_ratio(c['presswatch_author'])}  "
                      f"trafilatura {_ratio(c['trafilatura_author'])}")
            fq = res["false_quarantines"]
            print(f"{'':18} {'quarantined':12} {len(fq)} of {res['pages']} gold pages: "
                  + "; ".join(f"{k[:8]} {','.join(v)}" for k, v in fq.items()))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"extraction-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nresults: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
