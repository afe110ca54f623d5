"""JSON Feed 1.0/1.1 (jsonfeed.org) as a feed kind, without I/O: feedparser 6.0 does not read it."""

from __future__ import annotations

import json
from typing import Any

from presswatch.ingest.feedentries import FeedEntry, ParsedFeed, absolute_link, iso_date

VERSION_PREFIX = "https://jsonfeed.org/version/"


def looks_like_json_feed(body: bytes) -> bool:
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b"jsonfeed.org/version" in body[:4096]


def _author(item: dict[str, Any], feed: dict[str, Any]) -> str | None:
    authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
    if not authors:
        authors = feed.get("authors") or ([feed["author"]] if isinstance(feed.get("author"), dict) else [])
    names = [str(a.get("name")).strip() for a in authors if isinstance(a, dict) and a.get("name")]
    return ", ".join(names) or None


def _entry(item: dict[str, Any], feed: dict[str, Any], base: str) -> FeedEntry:
    link = item.get("url") or item.get("external_url")
    if not link and str(item.get("id") or "").startswith(("http://", "https://")):
        link = item.get("id")
    content = item.get("content_html") or None
    if not content and item.get("content_text"):
        content = "".join(f"<p>{p}</p>" for p in str(item["content_text"]).split("\n") if p.strip())
    return FeedEntry(
        link=absolute_link(base, str(link).strip()) if link else None,
        entry_id=str(item["id"]) if item.get("id") is not None else None,
        title=str(item.get("title") or "").strip() or None,
        published=iso_date(item.get("date_published")) or iso_date(item.get("date_modified")),
        author=_author(item, feed),
        summary=item.get("summary") or None,
        content=content,
        language=item.get("language") or None,
    )


def parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return ParsedFeed([], True, f"unreadable JSON Feed: {type(exc).__name__}: {exc}", version="json")
    if not isinstance(doc, dict) or not str(doc.get("version") or "").startswith(VERSION_PREFIX):
        return ParsedFeed([], True, "not a JSON Feed: no jsonfeed.org version", version="json")
    items = doc.get("items")
    if not isinstance(items, list):
        return ParsedFeed([], True, "JSON Feed without an items list", version="json")
    entries = [_entry(i, doc, url) for i in items if isinstance(i, dict)]
    skipped = len(items) - len(entries)
    return ParsedFeed(
        entries,
        bool(skipped),
        f"{skipped} item(s) not objects" if skipped else None,
        title=str(doc.get("title") or "").strip() or None,
        language=doc.get("language") or None,
        version="json" + doc["version"].removeprefix(VERSION_PREFIX).replace(".", ""),
        encoding="utf-8",
    )
