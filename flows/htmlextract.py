"""Main text and metadata from one decoded HTML page.

First version: a plain trafilatura wrapper with the final interface. Improved candidates follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import trafilatura


@dataclass
class HtmlExtraction:
    text: str  # main text, paragraphs joined by "\n"
    title: str | None
    date: str | None
    authors: list[str] | None
    sitename: str | None
    url: str | None
    language: str | None
    provenance: dict[str, str] = field(default_factory=dict)
    method: str = "trafilatura"


def extract_html(html: str, url: str | None = None) -> HtmlExtraction:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if doc is None:
        return HtmlExtraction("", None, None, None, None, url, None, {}, "none")
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    authors = [a.strip() for a in (d.get("author") or "").split(";") if a.strip()] or None
    prov = {k: "trafilatura" for k in ("title", "date", "authors", "sitename", "url", "language")}
    return HtmlExtraction(
        text=d.get("text") or "",
        title=d.get("title"),
        date=d.get("date"),
        authors=authors,
        sitename=d.get("sitename"),
        url=d.get("url") or url,
        language=d.get("language"),
        provenance=prov,
        method="trafilatura",
    )
