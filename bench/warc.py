"""WARC reading speed and memory: presswatch's reader against a plain warcio loop over the same archive.

Builds (once, kept in /tmp) a gzip-per-record WARC of at least --size-gb GB from the dev pages in
bench/data: every page repeated under varied URLs with a capture counter in its body (so payload digests
differ and nothing is deduplicated away), each response preceded by its request record, and an
image/png response every 50 pages - the shape of a CC-NEWS file. Then, each in a fresh process:

- warcio: `for record in ArchiveIterator(f)`, reading the payload of every response record;
- presswatch: `iter_archive(path, max_input_bytes)`, i.e. documents, skips and rejections.

Prints records/s of both, their ratio, and each process's peak RSS.
Run: .venv/bin/python bench/warc.py [--size-gb 1.0] [--path /tmp/presswatch-bench.warc.gz]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import resource
import subprocess
import sys
import time
import uuid
import zlib
from base64 import b32encode
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(2000)


def dev_pages() -> list[bytes]:
    return [gzip.decompress(p.read_bytes()) for p in sorted(DATA.rglob("*.html.gz"))]


def _record(kind: str, uri: str, block: bytes) -> bytes:
    digest = ""
    if kind == "response":
        payload = block.split(b"\r\n\r\n", 1)[-1]
        digest = f"WARC-Payload-Digest: sha1:{b32encode(hashlib.sha1(payload).digest()).decode()}\r\n"
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
        f"WARC-Date: 2025-02-08T08:00:00Z\r\nWARC-Target-URI: {uri}\r\n{digest}"
        f"Content-Type: application/http; msgtype={kind}\r\nContent-Length: {len(block)}\r\n\r\n"
    )
    member = zlib.compressobj(1, zlib.DEFLATED, 31)  # one gzip member per record, as CC-NEWS
    return member.compress(head.encode() + block + b"\r\n\r\n") + member.flush()


def build(path: Path, size_gb: float) -> None:
    pages = dev_pages()
    target = int(size_gb * 1e9)
    n = 0
    with path.open("wb") as out:
        while out.tell() < target:
            page = pages[n % len(pages)]
            uri = f"https://news{n % 97}.example.cn/{n // 97}/article-{n}.html"
            body = page.replace(b"</body>", f"<!-- capture {n} --></body>".encode(), 1)
            if body == page:
                body = page + f"<!-- capture {n} -->".encode()
            request = f"GET /{n // 97}/article-{n}.html HTTP/1.1\r\nHost: news.example.cn\r\n\r\n".encode()
            out.write(_record("request", uri, request))
            if n % 50 == 49:
                image = b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n" + PNG
                out.write(_record("response", uri.replace(".html", ".png"), image))
            http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
            out.write(_record("response", uri, http))
            n += 1


def run_warcio(path: str) -> dict[str, float]:
    from warcio.archiveiterator import ArchiveIterator

    records = docs = 0
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            records += 1
            if record.rec_type == "response":
                record.content_stream().read()
                docs += 1
    return {"records": records, "documents": docs}


def run_presswatch(path: str) -> dict[str, float]:
    from presswatch.ingest.warc import Skipped, iter_archive
    from presswatch.records import RawDocument

    records = docs = skipped = 0
    for item in iter_archive(path, 5_000_000):
        records += 1
        docs += isinstance(item, RawDocument)
        skipped += isinstance(item, Skipped)
    return {"records": records, "documents": docs, "skipped": skipped, "rejected": records - docs - skipped}


def child(which: str, path: str) -> None:
    started = time.perf_counter()
    counts = (run_warcio if which == "warcio" else run_presswatch)(path)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({**counts, "seconds": seconds, "peak_rss_mb": peak_mb}))


def measure(which: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, "--path", str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-gb", type=float, default=1.0)
    ap.add_argument("--path", type=Path, default=Path("/tmp/presswatch-bench.warc.gz"))
    ap.add_argument("--child", choices=["warcio", "presswatch"])
    args = ap.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        child(args.child, str(args.path))
        return
    if not args.path.exists() or args.path.stat().st_size < args.size_gb * 1e9:
        started = time.perf_counter()
        build(args.path, args.size_gb)
        print(f"built {args.path} in {time.perf_counter() - started:.0f} s")
    size_gb = args.path.stat().st_size / 1e9
    results = {which: measure(which, args.path) for which in ("warcio", "presswatch")}
    for which, r in results.items():
        rate = r["records"] / r["seconds"]
        print(
            f"{which:10s} {r['records']:>8,.0f} records ({r['documents']:,.0f} documents) in {r['seconds']:.1f} s"
            f" = {rate:,.0f} records/s, {r['documents'] / r['seconds']:,.0f} documents/s,"
            f" peak RSS {r['peak_rss_mb']:.0f} MB"
        )
    ratio = (results["presswatch"]["records"] / results["presswatch"]["seconds"]) / (
        results["warcio"]["records"] / results["warcio"]["seconds"]
    )
    print(f"archive {size_gb:.2f} GB; presswatch/warcio records/s ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
