"""Date candidates printed on a page, in the order they appear, beyond the ISO and 年月日 forms.

- `printed_dates`: every full date of a text, in page order: ISO-like, 2025年1月24日, English month
  names ('Saturday, September 10th, 2005 10:56 am', '10 Sep 2005'), and the US form
  'M/D/YYYY h:mm:ss AM/PM' that ASP/IIS portals print after a 发布日期/发布时间/日期 label (a bare
  '5/7/2005' is ambiguous, so only labelled or with AM/PM). A clock in the page header showing today's
  date ('2006年12月27日（京港台时间）', '今天是……') is furniture and left out: it dated a 2005 blog post 2006.
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
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH = r"(?P<mon>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*)\.?"
_TIME = r"(?:,?\s+(?:at\s+)?(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ap>[AaPp]\.?[Mm]\.?)?)?"
# 'Saturday, September 10th, 2005 10:56 am' (WordPress's default), 'Sep 10, 2005', '10 September 2005'.
_ENGLISH_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon2>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*)\.?,?\s+(?P<y2>\d{{4}}))"
    rf"{_TIME}"
)
# A clock showing today's date in the page header ('2006年12月27日（京港台时间）', '今天是2025年2月18日'): furniture.
_CLOCK_AFTER = re.compile(r"^\s*[（(][^（()）]{0,8}(?:时间|時間)[)）]")
_CLOCK_BEFORE = re.compile(r"(?:今天是|今日是|现在是|現在是|当前时间|當前時間)[:：\s]*$")
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


def _english_date(match: re.Match[str]) -> ParsedDate | None:
    month_name = (match.group("mon") or match.group("mon2") or "").lower()
    month = next((i for i, name in enumerate(_MONTHS, 1) if name.startswith(month_name[:3])), 0)
    day, year = match.group("d") or match.group("d2"), match.group("y") or match.group("y2")
    hour = int(match.group("H") or 0)
    ap = (match.group("ap") or "").lower().replace(".", "")
    if ap == "pm" and hour < 12:
        hour += 12
    elif ap == "am" and hour == 12:
        hour = 0
    try:
        value = datetime(int(year), month, int(day), hour, int(match.group("M") or 0), int(match.group("S") or 0))
    except ValueError:
        return None
    return ParsedDate(value, match.group("H") is not None)


def _is_clock(text: str, start: int, end: int) -> bool:
    return bool(_CLOCK_AFTER.match(text[end : end + 12]) or _CLOCK_BEFORE.search(text[max(start - 8, 0) : start]))


def printed_dates(text: str, month_names: bool = True) -> list[ParsedDate]:
    """Full dates printed in `text`, in order of position; a clock showing today's date is left out."""
    found: list[tuple[int, int, ParsedDate]] = []
    offset = 0
    rest = text
    while (span := date_span(rest)) is not None:
        if (parsed := parse_date(rest[span[0] : span[1]])) is not None:
            found.append((offset + span[0], offset + span[1], parsed))
        offset += span[1]
        rest = rest[span[1] :]
    for match in _US_DATE.finditer(text):
        if (parsed := _us_date(match)) is not None:
            found.append((match.start("m"), match.end(), parsed))
    for match in _ENGLISH_DATE.finditer(text) if month_names else ():
        if (parsed := _english_date(match)) is not None:
            found.append((match.start(), match.end(), parsed))
    found = [item for item in found if not _is_clock(text, item[0], item[1])]
    return [parsed for _, _, parsed in sorted(found, key=lambda item: item[0])]


def issue_month(text: str) -> str | None:
    """'1998-03-01' for a closing '《北京之春》1998年3月号' (the first of the issue's month)."""
    match = _ISSUE.search(text[-ISSUE_TAIL:])
    if not match:
        return None
    year, month = int(match.group("y")), int(match.group("m"))
    return f"{year:04d}-{month:02d}-01" if 1 <= month <= 12 else None
