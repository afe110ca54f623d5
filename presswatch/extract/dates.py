"""Date candidates printed on a page, in the order they appear, beyond the ISO and 年月日 forms.

- `printed_dates`: every full date of a text, in page order: ISO-like, 2025年1月24日, and the US form
  'M/D/YYYY h:mm:ss AM/PM' that ASP/IIS portals print after a 发布日期/发布时间/日期 label (a bare
  '5/7/2005' is ambiguous, so only labelled or with AM/PM).
- `issue_month`: '——《北京之春》1998年3月号', the magazine issue a reprinted article closes with: a month,
  used only when the page gives no full date at all.
Never from furniture: callers pass the header zone (around the headline) or the article's closing lines.
Pure functions.
"""

from __future__ import annotations

import re
from datetime import datetime

from presswatch.extract.metadata import ParsedDate, date_span, parse_date

_US_DATE = re.compile(
    r"(?:(?P<label>(?:发布|發佈|发表|發表|更新|出版)?(?:日期|时间|時間))\s*[:：]?\s*)?"
    r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ap>[AaPp][Mm])?)?"
)
_ISSUE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月(?:号|號|刊)")
ISSUE_TAIL = 200  # characters at the end of the text where an issue line is read


def _us_date(match: re.Match[str]) -> ParsedDate | None:
    if not (match.group("label") or match.group("ap")):
        return None
    hour = int(match.group("H") or 0)
    ap = (match.group("ap") or "").lower()
    if ap == "pm" and hour < 12:
        hour += 12
    elif ap == "am" and hour == 12:
        hour = 0
    try:
        value = datetime(int(match.group("y")), int(match.group("m")), int(match.group("d")), hour,
                         int(match.group("M") or 0), int(match.group("S") or 0))
    except ValueError:
        return None
    return ParsedDate(value, match.group("H") is not None)


def printed_dates(text: str) -> list[ParsedDate]:
    """Full dates printed in `text`, in order of position."""
    found: list[tuple[int, ParsedDate]] = []
    offset = 0
    rest = text
    while (span := date_span(rest)) is not None:
        if (parsed := parse_date(rest[span[0] : span[1]])) is not None:
            found.append((offset + span[0], parsed))
        offset += span[1]
        rest = rest[span[1] :]
    for match in _US_DATE.finditer(text):
        if (parsed := _us_date(match)) is not None:
            found.append((match.start("m"), parsed))
    return [parsed for _, parsed in sorted(found, key=lambda item: item[0])]


def issue_month(text: str) -> str | None:
    """'1998-03-01' for a closing '《北京之春》1998年3月号' (the first of the issue's month)."""
    match = _ISSUE.search(text[-ISSUE_TAIL:])
    if not match:
        return None
    year, month = int(match.group("y")), int(match.group("m"))
    return f"{year:04d}-{month:02d}-01" if 1 <= month <= 12 else None
