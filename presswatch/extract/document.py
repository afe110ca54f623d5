"""One document in, one Article (or a Rejection with reasons) out: the single extraction code path.

decode -> detect the format from the content -> paragraphs (markdown / HTML / text) -> header block ->
furniture and attribution rules -> metadata chosen by source priority, each field's source recorded.

Markdown bodies go through the markdown-aware paragraph path, not markdown-it -> HTML -> trafilatura.
Both pass the seed gold checks, but measured on the markdown seed the HTML route kept two image captions
as body paragraphs (the image syntax that marks them is gone once rendered), lost the closing platform
link the metadata needs, and took 65 ms against 12 ms. Pure function: no Prefect, no DuckDB, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from presswatch.extract import EXTRACTOR_VERSION
from presswatch.extract.bylines import desk_authors, name_line, signature_block
from presswatch.extract.dates import issue_month
from presswatch.extract.decoding import Decoded, DecodeError, decode
from presswatch.extract.formats import detect_format, split_front_matter
from presswatch.extract.furniture import Cleaned, attributions_only, clean_paragraphs
from presswatch.extract.html.main_text import extract_html
from presswatch.extract.metadata import (
    CHINA_OFFSET,
    derive_title,
    detect_language,
    detect_script,
    front_matter_labels,
    is_future,
    looks_like_outlet,
    normalise_language,
    parse_date,
    platform_link,
    split_names,
    to_iso,
)
from presswatch.extract.plaintext import (
    markdown_blocks,
    markdown_inline_text,
    split_header,
    split_paragraphs,
    strip_link_header,
)
from presswatch.records import Article, RawDocument, Rejection

DESK_TAIL = 40  # characters at the end of the last paragraph read for a run-in 编辑/来源 credit
MIN_BODY_CHARS = 30  # fewer non-space characters than this is a stub or a page without an article
CHINESE_LANGUAGES = {"zh"}

_FM_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "published": ("date", "published", "publishdate", "pubdate", "published_at", "created"),
    "authors": ("author", "authors", "byline"),
    "url": ("url", "link", "permalink", "canonical", "source_url", "original_url"),
    "outlet": ("source", "publisher", "outlet", "site_name", "sitename"),
    "language": ("lang", "language", "locale"),
}
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")


@dataclass
class _Fields:
    """First offer wins: callers offer values in priority order and the source goes to provenance."""

    values: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)

    def offer(self, name: str, value: Any, source: str) -> None:
        if value in (None, "", []) or name in self.values:
            return
        self.values[name] = value
        self.provenance[name] = source

    def get(self, name: str) -> Any:
        return self.values.get(name)


def extract_document(raw: RawDocument, now: datetime | None = None) -> Article | Rejection:
    """Never raises: undecodable bytes, empty pages and rule failures become a Rejection with reasons."""
    now = now or datetime.now(UTC)
    try:
        decoded = decode(raw.data, raw.http_charset)
    except DecodeError as exc:
        return Rejection(raw.source, raw.sha256, "decode", [f"cannot decode: {exc}"], {"byte_size": len(raw.data)})
    observed: dict[str, Any] = {"encoding": decoded.encoding, "byte_size": len(raw.data)}
    try:
        return _extract(raw, decoded, now, observed)
    except Exception as exc:  # a bug in one rule must cost one document, not the batch
        return Rejection(raw.source, raw.sha256, "extract", [f"extractor error: {type(exc).__name__}: {exc}"], observed)


def _first(meta: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {str(k).lower(): v for k, v in meta.items()}
    return next((lowered[k] for k in keys if lowered.get(k) not in (None, "", [])), None)


def _as_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip() if value not in (None, "") else None


def _as_names(value: Any) -> list[str] | None:
    if isinstance(value, list):
        names = [n for v in value for n in split_names(str(v))]
    else:
        names = split_names(str(value)) if value else []
    return names or None


def _extract(raw: RawDocument, decoded: Decoded, now: datetime, observed: dict[str, Any]) -> Article | Rejection:
    text = decoded.text
    fmt = detect_format(text)
    observed["format"] = fmt
    fields = _Fields()
    labels: set[str] = set()
    page_attributions: list[tuple[str, str]] = []
    page_lines: list[str] = []  # the attribution lines those were read from
    author_link: list[str] | None = None
    dates: list[tuple[str, str]] = []
    sitename: str | None = None
    platform: tuple[str, str] | None = None
    html_authors: tuple[list[str] | None, str] = (None, "")
    portal_rules = True  # the Chinese-portal furniture rules; off for HTML pages that are not Chinese

    if fmt == "markdown":
        front, text = split_front_matter(text)
        labels = front_matter_labels(front)
        fields.offer("title", _as_text(_first(front, _FM_KEYS["title"])), "front-matter")
        fields.offer("url", _as_text(_first(front, _FM_KEYS["url"])), "front-matter")
        fields.offer("authors", _as_names(_first(front, _FM_KEYS["authors"])), "front-matter")
        fields.offer("outlet", _as_text(_first(front, _FM_KEYS["outlet"])), "front-matter")
        fields.offer("declared_language", _as_text(_first(front, _FM_KEYS["language"])), "front-matter")
        dates.append((_as_text(_first(front, _FM_KEYS["published"])) or "", "front-matter"))

    link_title, link_url, text = strip_link_header(text)
    fields.offer("title", link_title, "link-header")
    fields.offer("url", link_url, "link-header")

    if fmt == "html":
        ex = extract_html(text, url=raw.url or fields.get("url"), now=now)
        source = ex.provenance or {}
        fields.offer("title", ex.title, source.get("title", "html"))
        fields.offer("url", ex.url, source.get("url", "html"))
        html_authors = (ex.authors, source.get("authors", "html"))
        html_date = [(ex.date or "", source.get("date", "html"))]
        time_dates = [(d, "html-time") for d in ex.hints.dates]
        if not ex.chinese_page:  # trafilatura's own author and date first (presswatch.extract.html.wrapped)
            fields.offer("authors", *html_authors)
        fields.offer("authors", ex.hints.authors, "html-address")
        fields.offer("declared_language", ex.language, source.get("language", "html"))
        dates += time_dates + html_date if ex.chinese_page else html_date + time_dates
        page_attributions = ex.hints.attributions
        page_lines, author_link = ex.hints.attribution_lines, ex.hints.author_link
        portal_rules = ex.chinese_page
        sitename = ex.sitename
        paragraphs = [p for p in ex.text.split("\n") if p.strip()]
        fields.provenance["text"] = source.get("text", ex.method)
    elif fmt == "markdown":
        paragraphs = markdown_blocks(text)
        fields.provenance["text"] = "markdown-blocks"
        if paragraphs:
            platform = platform_link(paragraphs[-1], labels)
            if platform:
                paragraphs.pop()
    else:
        paragraphs = split_paragraphs(text)
        fields.provenance["text"] = "text-lines"
    fields.provenance["encoding"] = decoded.method

    header, paragraphs = split_header(paragraphs, fields.get("title"), allow_title=fmt != "html")
    fields.offer("title", header.title, "header-line")
    if header.date_line:
        dates.append((header.date_line, "header-line"))
    signed = signature_block(paragraphs) if portal_rules else None
    if signed:  # the date an official document was signed is its date; the portal posts it later
        dates.insert(0, (signed[1], "signature"))
    cleaned = clean_paragraphs(paragraphs, fields.get("title")) if portal_rules else attributions_only(paragraphs)
    body = [markdown_inline_text(p) for p in cleaned.body] if fmt == "markdown" else cleaned.body
    body = [p for p in body if p.strip()]
    body_text = "\n".join(body)
    if len("".join(body_text.split())) < MIN_BODY_CHARS:
        removed = len(cleaned.removed) + len(header.dropped)
        reason = (
            f"no article text: {len(''.join(body_text.split()))} characters of body left in the {fmt} document "
            f"after removing {removed} header/furniture paragraphs (minimum {MIN_BODY_CHARS})"
        )
        return Rejection(raw.source, raw.sha256, "extract", [reason], observed)

    attributions = list(dict.fromkeys(cleaned.attributions + page_attributions))
    _attribution_fields(fields, attributions, sitename, platform)
    # After the attribution lines: the page's own byline guess is weaker than an explicit 作者/记者 line.
    fields.offer("authors", *html_authors)
    body, body_text = _weaker_authors(fields, body, body_text, author_link, attribution_lines(cleaned) + page_lines)
    fields.offer("authors", [signed[0]] if signed else None, "signature")  # the issuing body, last resort
    _hint_fields(fields, raw)
    title = fields.get("title")
    title_derived = title is None
    if title_derived:
        title = derive_title(body[0])
        fields.provenance["title"] = "derived-first-sentence"

    # The text itself beats a declared lang (portal templates often declare the wrong one).
    fields.offer("language", detect_language(body_text), "text-han-share")
    declared = normalise_language(fields.get("declared_language"))
    fields.offer("language", declared, fields.provenance.pop("declared_language", ""))
    language = fields.get("language")
    script = detect_script(body_text) if language in CHINESE_LANGUAGES else None
    if script:
        fields.provenance["script"] = "opencc-t2s"
    dates.append((_as_text(raw.hints.get("published")) or "", "feed"))
    dates.append((issue_month(body_text) or "", "issue-month"))  # only when nothing gave a full date
    published = _choose_date(dates, fields, now, CHINA_OFFSET if language in CHINESE_LANGUAGES else None)

    return Article(
        source=raw.source,
        doc_sha256=raw.sha256,
        format=fmt,
        encoding=decoded.encoding,
        title=title,
        title_derived=title_derived,
        text=body_text,
        published_at=published,
        authors=fields.get("authors"),
        outlet=fields.get("outlet"),
        platform=fields.get("platform"),
        url=fields.get("url"),
        language=language,
        script=script,
        provenance=fields.provenance,
        attributions=[f"{kind}: {value}" for kind, value in attributions],
        extractor_version=EXTRACTOR_VERSION,
    )


def attribution_lines(cleaned: Cleaned) -> list[str]:
    return [text for text, reason in cleaned.removed if reason == "attribution"]


def _weaker_authors(
    fields: _Fields, body: list[str], body_text: str, link: list[str] | None, lines: list[str]
) -> tuple[list[str], str]:
    """When no byline named anyone (presswatch.extract.bylines): a name alone on a line opening the
    article (then dropped from the body, as the byline it is), the one author the page links to, a
    plain 编辑 line or a 来源 line naming a person. Returns the body and its text."""
    if fields.get("authors"):
        return body, body_text
    index = name_line(body, fields.get("title"))
    if index is not None and len(body) > index + 1:
        fields.offer("authors", [body[index].strip(" \u3000|")], "name-line")
        body = body[:index] + body[index + 1 :]
        return body, "\n".join(body)
    fields.offer("authors", link, "author-link")
    # The closing credit line is often run into the last paragraph ('……增加。 来源：新闻晨报 编辑：山石').
    closing = body[-1][-DESK_TAIL:] if body else ""
    fields.offer("authors", desk_authors([*lines, closing]) or None, "desk-line")
    return body, body_text


def _attribution_fields(
    fields: _Fields, attributions: list[tuple[str, str]], sitename: str | None, platform: tuple[str, str] | None
) -> None:
    """Outlet is the original publisher (来源, a translating outlet); platform is where it was republished."""
    sources = [v for k, v in attributions if k == "source"]
    translators = [v for k, v in attributions if k == "translator" and looks_like_outlet(v)]
    authors = list(dict.fromkeys(v for k, v in attributions if k == "author"))
    fields.offer("authors", authors, "attribution-line")
    fields.offer("outlet", sources[0] if sources else None, "attribution-line")
    fields.offer("outlet", translators[0] if translators else None, "attribution-line")
    if platform:
        fields.offer("platform", platform[0], "platform-link")
        fields.offer("url", platform[1], "platform-link")
    if sitename and _DOMAIN.fullmatch(sitename):
        sitename = None  # trafilatura falls back to the URL's host name, which names no publisher
    if sitename and fields.get("outlet") and sitename != fields.get("outlet"):
        fields.offer("platform", sitename, "html-sitename")
    fields.offer("outlet", sitename, "html-sitename")


def _hint_fields(fields: _Fields, raw: RawDocument) -> None:
    """Feed-entry fields and the fetch URL only fill what the document itself did not say."""
    hints = raw.hints or {}
    fields.offer("title", _as_text(hints.get("title")), "feed")
    fields.offer("authors", _as_names(hints.get("author") or hints.get("authors")), "feed")
    feed_outlet = _as_text(hints.get("outlet") or hints.get("feed_title"))
    if feed_outlet and fields.get("outlet") and feed_outlet != fields.get("outlet"):
        fields.offer("platform", feed_outlet, "feed")
    fields.offer("outlet", feed_outlet, "feed")
    fields.offer("url", raw.url, "fetch")
    fields.offer("declared_language", _as_text(hints.get("language")), "feed")


def _choose_date(dates: list[tuple[str, str]], fields: _Fields, now: datetime, zone: Any) -> str | None:
    """Highest-priority date; a later source may add the time of that same day.

    When the document's own first-ranked date is in the future it is kept, so that validation quarantines
    the document (a wrong template or clock is a data-quality problem someone should see); a future date
    from a lower-ranked source is only a bad guess and is skipped.
    """
    parsed = [(p, source) for text, source in dates if (p := parse_date(text))]
    chosen = None
    for rank, (candidate, source) in enumerate(parsed):
        if rank > 0 and is_future(candidate, now, zone):
            fields.provenance.setdefault("published_at_rejected", f"{candidate.value.isoformat()} ({source}): in the future")
            continue
        if chosen is None:
            chosen = (candidate, source)
        elif not chosen[0].has_time and candidate.has_time and candidate.date_key == chosen[0].date_key:
            chosen = (candidate, f"{chosen[1]}+{source}")
            break
    if chosen is None:
        return None
    fields.provenance["published_at"] = chosen[1]
    return to_iso(chosen[0], zone)
