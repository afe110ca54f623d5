"""Test material for feeds: article pages made from the project's seeds, and RSS/Atom documents."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


@dataclass(frozen=True)
class SeedArticle:
    slug: str
    title: str
    date: str
    paragraphs: list[str]

    def page(self, encoding: str = "utf-8") -> bytes:
        """The article as a news page, encoded (and declared) in `encoding`."""
        esc = html.escape
        body = "\n".join(f"<p>{esc(p)}</p>" for p in self.paragraphs)
        doc = (
            f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="{encoding}"><title>{esc(self.title)}</title>'
            f'<meta property="article:published_time" content="{esc(self.date)}"></head>\n'
            f"<body><header><nav><a href='/'>首页</a></nav></header>\n"
            f"<article><h1>{esc(self.title)}</h1>\n{body}\n</article>\n<footer>版权所有</footer></body></html>\n"
        )
        return doc.encode(encoding, errors="xmlcharrefreplace")


def _plain(line: str) -> str:
    line = re.sub(r"<[^>]+>", " ", line)
    line = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", line)  # markdown links and images -> their text
    return " ".join(line.strip("#>-*► ").split())


def seed_articles() -> list[SeedArticle]:
    """Every seed as title, date and body paragraphs (front matter when it has one, else its first line)."""
    articles = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        meta: dict[str, object] = {}
        if text.startswith("---"):
            _, front, text = text.split("---", 2)
            meta = yaml.safe_load(front) or {}
        lines = [p for p in (_plain(line) for line in text.splitlines()) if len(p) >= 8]
        title = str(meta.get("title") or lines.pop(0))
        articles.append(SeedArticle(path.stem, title, str(meta.get("date") or "2025-01-27 08:00:00"), lines))
    return articles


@dataclass(frozen=True)
class Item:
    title: str
    link: str
    published: str = "Sat, 08 Feb 2025 16:52:15 +0800"
    summary: str = ""
    content: str = ""  # full HTML content (content:encoded / atom:content)
    author: str = ""


def rss(items: list[Item], title: str = "测试频道", encoding: str = "utf-8") -> bytes:
    esc = html.escape
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">',
        f"<channel><title>{esc(title)}</title><link>http://example.com/</link><language>zh-cn</language>",
    ]
    for it in items:
        parts.append(
            f"<item><title>{esc(it.title)}</title><link>{esc(it.link)}</link><guid>{esc(it.link)}</guid>"
            f"<pubDate>{it.published}</pubDate>"
            + (f"<description>{esc(it.summary)}</description>" if it.summary else "")
            + (f"<content:encoded><![CDATA[{it.content}]]></content:encoded>" if it.content else "")
            + (f"<dc:creator>{esc(it.author)}</dc:creator>" if it.author else "")
            + "</item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode(encoding, errors="xmlcharrefreplace")


def atom(items: list[Item], title: str = "测试 Atom") -> bytes:
    esc = html.escape
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{esc(title)}</title><id>urn:test:feed</id><updated>2025-02-09T00:00:00+08:00</updated>",
    ]
    for i, it in enumerate(items):
        parts.append(
            f"<entry><title>{esc(it.title)}</title><id>urn:test:{i}</id>"
            f'<link rel="alternate" href="{esc(it.link)}"/><published>{it.published}</published>'
            f"<updated>{it.published}</updated>"
            + (f"<author><name>{esc(it.author)}</name></author>" if it.author else "")
            + (f"<summary>{esc(it.summary)}</summary>" if it.summary else "")
            + (f'<content type="html">{esc(it.content)}</content>' if it.content else "")
            + "</entry>"
        )
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")
