"""Pure helpers for article metadata: dates, titles, names, outlets, language and script.

No I/O, no Prefect, no DuckDB. Callers decide which source wins; these functions only parse and judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from presswatch import dates
from presswatch.text import HAN as _HAN
from presswatch.text import HAN_CLASS, t2s_changed_chars

# Chinese-language outlets print local time without a zone; mainland China, Hong Kong and Taiwan are UTC+8.
CHINA_OFFSET = timezone(timedelta(hours=8))
DERIVED_TITLE_MAX = 40
MIN_YEAR = 1990

_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
# Runs rather than single characters: counting by run lengths makes a match object per run, not per letter.
_HAN_RUN, _KANA_RUN, _HANGUL_RUN = (re.compile(f"[{c}]+") for c in (HAN_CLASS, "\u3040-\u30ff", "\uac00-\ud7af"))


def count_chars(runs: re.Pattern[str], text: str) -> int:
    """Characters of `text` in the class that `runs` (a '[...]+' pattern) matches."""
    return sum(map(len, runs.findall(text)))
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_ENGLISH_FUNCTION_WORDS = frozenset(
    ("the", "of", "and", "to", "in", "is", "that", "for", "it", "on", "with", "as", "was", "by", "are", "be",
     "at", "from", "this", "have", "an", "has", "not", "but")
)

_ISO = re.compile(
    r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}(?![\d:]))?"
)
_CJK_DATE = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号號]"
    r"(?:\s*(?:(?P<ap>上午|下午|晚上)\s*)?(?P<H>\d{1,2})\s*[:：时時点點]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?)?"
)


@dataclass(frozen=True)
class ParsedDate:
    value: datetime  # aware when the text gave a zone, naive otherwise
    has_time: bool

    @property
    def date_key(self) -> str:
        return self.value.strftime("%Y-%m-%d")


def _build(groups: dict[str, str | None]) -> ParsedDate | None:
    try:
        year, month, day = int(groups["y"] or 0), int(groups["m"] or 0), int(groups["d"] or 0)
        hour = int(groups.get("H") or 0)
        if groups.get("ap") in ("下午", "晚上") and hour < 12:
            hour += 12
        minute, second = int(groups.get("M") or 0), int(groups.get("S") or 0)
        if year < MIN_YEAR:
            return None
        value = datetime(year, month, day, hour, minute, second)
    except (ValueError, TypeError):
        return None
    zone = groups.get("tz")
    if zone:
        if zone == "Z":
            value = value.replace(tzinfo=UTC)
        else:
            sign = 1 if zone[0] == "+" else -1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            value = value.replace(tzinfo=timezone(sign * offset))
    # Midnight to the second is how templates print a day they know no time for ('2018/09/16 00:00'
    # beside '15:31' in the text): a day, so another source's time of that day can complete it.
    has_time = groups.get("H") is not None and (hour, minute, second) != (0, 0, 0)
    return ParsedDate(value, has_time)


def parse_date(text: str | None) -> ParsedDate | None:
    """The first full date (with time and zone when given) in `text`: ISO-like or 2025年1月24日 forms."""
    if not text:
        return None
    matches = [m for m in (_ISO.search(text), _CJK_DATE.search(text)) if m]
    for match in sorted(matches, key=lambda m: m.start()):
        parsed = _build(match.groupdict())
        if parsed:
            return parsed
    return None


def date_span(text: str) -> tuple[int, int] | None:
    """Where the first full date (and its time) sits in `text`, to judge what else the line holds."""
    matches = [m for m in (_ISO.search(text), _CJK_DATE.search(text)) if m]
    if not matches:
        return None
    first = min(matches, key=lambda m: m.start())
    return first.start(), first.end()


def aware(parsed: ParsedDate, assume_zone: timezone | None) -> tuple[datetime, bool]:
    """The datetime with a zone, and whether that zone was assumed rather than stated."""
    if parsed.value.tzinfo is not None:
        return parsed.value, False
    return parsed.value.replace(tzinfo=assume_zone or UTC), True


def is_future(parsed: ParsedDate, now: datetime, assume_zone: timezone | None) -> bool:
    """Judged on the value as it would be stored, by the one rule validation applies too."""
    stored = datetime.fromisoformat(to_iso(parsed, assume_zone))
    return dates.is_future(stored, now, has_time=parsed.has_time)


def to_iso(parsed: ParsedDate, assume_zone: timezone | None) -> str:
    """ISO 8601 in the article's local time: offset when stated or assumed, date only when no time."""
    if not parsed.has_time:
        return parsed.date_key
    value = parsed.value if parsed.value.tzinfo else parsed.value.replace(tzinfo=assume_zone)
    return value.isoformat()


# ---- titles -------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[。！？!?；;]|\.(?=\s|$)")
_CLAUSE_BREAK = re.compile(r"[，,：:、—]")
_WRAPPERS = "《》「」『』“”\"'‘’【】[]()（）"


def normalise_for_compare(text: str) -> str:
    """Letters and digits only, lower-cased: to see that two lines say the same (title repeats)."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def derive_title(first_paragraph: str, limit: int = DERIVED_TITLE_MAX) -> str:
    """A title from the opening sentence, cut at a clause break when the sentence is long."""
    text = " ".join(first_paragraph.split()).strip(_WRAPPERS + " ")
    end = _SENTENCE_END.search(text)
    sentence = text[: end.start()] if end else text
    if len(sentence) <= limit:
        return sentence.strip()
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(sentence, 0, limit + 1) if m.start() >= limit // 4]
    if breaks:
        return sentence[: breaks[-1]].strip()
    return sentence[:limit].rstrip() + "…"


# ---- people and outlets -------------------------------------------------------------------------------

_OUTLET_SUFFIXES = (
    "网", "網", "报", "報", "社", "台", "刊", "志", "誌", "新闻", "新聞", "频道", "頻道", "传媒", "傳媒",
    "媒体", "媒體", "客户端", "客戶端", "日报", "周报", "晚报", "时报", "時報", "电视", "電視", "广播", "廣播",
)
_OUTLET_WORDS = re.compile(r"\b(News|Times|Post|Daily|Press|Media|Journal|Herald|Tribune|Agency|Reuters)\b", re.I)
# "&" separates names only between spaces: "放飞&心情" is one forum handle, "Tom & Jerry" two people.
_NAME_SPLIT = re.compile(r"\s*(?:[、,，;；/]|\band\b|\s和\s)\s*|\s+&\s+")
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$|^[\u4e00-\u9fff]{1,6}[·•][\u4e00-\u9fff]{1,8}$")
# Any Latin-script name: 'Jörg Müller', 'Élodie Gaëtan', 'Ursula von der Leyen', 'José de la Cruz'.
_NAME_WORD = r"[^\W\d_][^\W\d_.'\-]*(?:[.'\-][^\W\d_]*)*\.?"
_PARTICLE = r"(?:von|van|der|den|de|del|della|des|di|da|du|dos|la|le|y|zu|ten|ter|af|al|bin|ibn)"
_LATIN_NAME = re.compile(rf"^(?=[^\W\d_])(?:{_PARTICLE}\s+)?(?!{_PARTICLE}\s){_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_NAME_WORD}){{0,3}}$")


def looks_like_outlet(text: str) -> bool:
    text = text.strip()
    if not text or len(text) > 30:
        return False
    return text.endswith(_OUTLET_SUFFIXES) or bool(_OUTLET_WORDS.search(text))


def looks_like_person(text: str) -> bool:
    text = text.strip()
    if looks_like_outlet(text):
        return False
    if _HAN_NAME.match(text):
        return True
    # Capitalised words (particles aside), not Han: a Latin-script person name.
    words = [w for w in text.split() if not re.fullmatch(_PARTICLE, w)]
    return bool(_LATIN_NAME.match(text)) and bool(words) and all(w[0].isupper() for w in words) and not _HAN.search(text)


def split_names(value: str) -> list[str]:
    """'CADE METZ, MEAGHAN TOBIN' -> two names; '张三 李四' -> two names; 'Jane Doe' stays one."""
    parts: list[str] = []
    for chunk in _NAME_SPLIT.split(value.strip()):
        chunk = chunk.strip(" \u3000()（）[]【】")
        if not chunk:
            continue
        # Chinese names never contain spaces, so spaces between Han tokens separate people.
        tokens = chunk.split()
        if len(tokens) > 1 and all(_HAN.search(tok) and not _LATIN_WORD.search(tok) for tok in tokens):
            parts.extend(tokens)
        else:
            parts.append(" ".join(tokens))
    return list(dict.fromkeys(parts))


# ---- platform ------------------------------------------------------------------------------------------

_PLATFORM_LINK = re.compile(r"^\[(?P<label>[^\]\n]{1,20})\]\((?P<url>https?://(?P<host>[^/)\s]+)[^)\s]*)\)$")


def front_matter_labels(meta: dict[str, Any]) -> set[str]:
    """Lower-cased categories/tags: archives of republished articles file them under the platform."""
    found: set[str] = set()
    for key in ("categories", "category", "tags", "platform"):
        value = meta.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.strip():
                found.add(item.strip().lower())
    return found


def platform_link(block: str, labels: set[str]) -> tuple[str, str] | None:
    """A closing '[qq](https://new.qq.com/...)' names where the article was republished, and its URL.

    Only when the label is a front-matter category/tag or part of the link's host name: a closing link
    to anything else is an ordinary link.
    """
    match = _PLATFORM_LINK.match(block.strip())
    if not match:
        return None
    label = match.group("label").strip()
    if label.lower() in labels or label.lower() in match.group("host").lower().split("."):
        return label, match.group("url")
    return None


# ---- language and script ------------------------------------------------------------------------------


def detect_language(text: str) -> str | None:
    """zh/ja/ko by character share; en by English function words; None when the text does not tell."""
    sample = text[:5000]
    han, kana, hangul = (count_chars(r, sample) for r in (_HAN_RUN, _KANA_RUN, _HANGUL_RUN))
    words = _LATIN_WORD.findall(sample)
    latin = sum(len(w) for w in words)
    letters = han + kana + hangul + latin
    if letters < 10:
        return None
    if kana >= 0.05 * letters and kana + han >= 0.3 * letters:
        return "ja"
    if hangul >= 0.3 * letters:
        return "ko"
    if han >= 0.3 * letters:
        return "zh"
    if words and sum(w.lower() in _ENGLISH_FUNCTION_WORDS for w in words) >= 0.08 * len(words):
        return "en"
    return None


def normalise_language(tag: str | None) -> str | None:
    """'zh-CN' / 'zh_Hant_TW' / 'EN' -> 'zh' / 'zh' / 'en'."""
    if not tag:
        return None
    primary = re.split(r"[-_]", tag.strip())[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


HANT_SHARE = 0.05  # simplified text has (almost) no characters that t2s changes; traditional has 15-35%


def detect_script(text: str) -> str | None:
    """'Hant' when many Han characters change under OpenCC t2s, 'Hans' otherwise; None without Han.

    Character by character: t2s's phrase rules change the share by far less than the threshold's
    margin, and a full conversion of the sample cost more than the rest of the text path."""
    sample = "".join(_HAN.findall(text[:6000]))[:1500]
    if len(sample) < 5:
        return None
    traditional = t2s_changed_chars()
    changed = sum(ch in traditional for ch in sample)
    return "Hant" if changed >= HANT_SHARE * len(sample) else "Hans"

