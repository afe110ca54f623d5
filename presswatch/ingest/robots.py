"""robots.txt: fetch only where the site allows the presswatch user agent (RFC 9309).

The file is fetched through the Fetcher (so the address policy, size cap and per-host pace apply), parsed
with urllib.robotparser and cached per origin (scheme, host, port) for a day. As RFC 9309 says: a 4xx
answer means no rules (allow all); a 5xx answer or an unreachable site means disallow all for now, and is
cached for a shorter time so the site is looked at again soon.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from presswatch.ingest.fetch import Fetcher, FetchError, PermanentFetchError, RefusedURLError

TTL_S = 24 * 3600.0
UNREACHABLE_TTL_S = 1800.0


@dataclass(frozen=True)
class RobotsRules:
    origin: str
    parser: RobotFileParser | None  # None: no rules apply (allow or disallow everything, per `allow_all`)
    allow_all: bool
    note: str  # how the rules were obtained: "robots.txt", "HTTP 404: no rules", "HTTP 503: disallow all"
    fetched_at: float  # time.monotonic()
    sitemaps: tuple[str, ...] = ()
    transient: bool = False  # disallowed only because robots.txt failed in a way that may pass (5xx, timeout)

    def allows(self, url: str, user_agent: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return self.parser.can_fetch(user_agent, url)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str | None  # why not, for the entry's record: "robots.txt disallows ... for presswatch"
    temporary: bool = False  # no rules could be read for now (5xx, timeout): ask again at a later poll


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets
    return f"{parts.scheme.lower()}://{host}{port}"


def parse_robots(origin: str, body: bytes, fetched_at: float | None = None) -> RobotsRules:
    parser = RobotFileParser(origin + "/robots.txt")
    # RFC 9309 asks crawlers to read at least 500 KiB; a longer file is cut, not refused.
    parser.parse(body[:512_000].decode("utf-8", errors="replace").splitlines())
    sitemaps = tuple(parser.site_maps() or ())
    return RobotsRules(origin, parser, True, "robots.txt", fetched_at or time.monotonic(), sitemaps)


def fetch_rules(fetcher: Fetcher, origin: str) -> RobotsRules:
    """The origin's rules from its robots.txt; raises only RefusedURLError (an origin never to fetch)."""
    now = time.monotonic()
    try:
        result = fetcher.fetch(origin + "/robots.txt")
    except RefusedURLError:
        raise  # the address policy refuses the whole origin: say so, not "robots.txt unreachable"
    except PermanentFetchError as exc:
        if exc.status is not None and 400 <= exc.status < 500:
            return RobotsRules(origin, None, True, f"HTTP {exc.status}: no rules", now)
        return RobotsRules(origin, None, False, f"robots.txt unreachable ({exc.reason}): disallow all", now)
    except FetchError as exc:  # transient: 5xx, timeouts, connection errors
        note = f"robots.txt unreachable ({exc.reason}): disallow all"
        return RobotsRules(origin, None, False, note, now, transient=True)
    return parse_robots(origin, result.body, now)


@dataclass
class RobotsCache:
    """Rules per origin with expiry, shared by threads (each feed task has its own Fetcher)."""

    ttl_s: float = TTL_S
    unreachable_ttl_s: float = UNREACHABLE_TTL_S
    _rules: dict[str, RobotsRules] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rules(self, fetcher: Fetcher, url: str) -> RobotsRules:
        origin = origin_of(url)
        with self._lock:
            cached = self._rules.get(origin)
        if cached is not None and time.monotonic() - cached.fetched_at < self._ttl(cached):
            return cached
        fresh = fetch_rules(fetcher, origin)
        with self._lock:
            self._rules[origin] = fresh
        return fresh

    def check(self, fetcher: Fetcher, url: str) -> Verdict:
        """May `url` be fetched by this fetcher's user agent? Non-http(s) URLs are left to the fetcher."""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            return Verdict(True, None)
        agent = fetcher.policy.user_agent
        rules = self.rules(fetcher, url)
        if rules.allows(url, agent):
            return Verdict(True, None)
        token = agent.split("/")[0].split()[0] if agent.strip() else agent
        if rules.parser is None:
            return Verdict(False, f"robots.txt: {rules.note}", temporary=rules.transient)
        return Verdict(False, f"robots.txt disallows {urlsplit(url).path or '/'} for {token}")

    def _ttl(self, rules: RobotsRules) -> float:
        return self.ttl_s if rules.allow_all or rules.parser is not None else self.unreachable_ttl_s

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()


# Shared by every poll in the process, like the host limiter: one robots.txt request per site a day.
PROCESS_ROBOTS = RobotsCache()


class RobotsDisallowed(PermanentFetchError):
    """robots.txt forbids this URL to our user agent: not fetched, and not retried."""


class RobotsUnavailable(RobotsDisallowed):
    """The site's robots.txt failed in a way that may pass (5xx, timeout, refused connection): nothing of the
    site is fetched for now (RFC 9309), and a page is tried again at a later poll rather than marked
    disallowed for good. A site that cannot answer at all (no such host) stays disallowed."""


def ensure_allowed(fetcher: Fetcher, url: str, robots: RobotsCache | None) -> None:
    """Raise RobotsDisallowed when `robots` (None: no robots check) forbids `url`."""
    if robots is None:
        return
    verdict = robots.check(fetcher, url)
    if not verdict.allowed:
        refusal = RobotsUnavailable if verdict.temporary else RobotsDisallowed
        raise refusal(url, verdict.reason or "robots.txt disallows it")
