"""The records, errors and policy of presswatch.ingest.fetch, without any I/O.

Import them from presswatch.ingest.fetch (which re-exports them); they live here to keep that module
about the network path alone.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urlsplit

from presswatch.settings import Settings

ALLOWED_SCHEMES = frozenset({"http", "https"})
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "content-location",
    "etag",
    "last-modified",
    "date",
    "retry-after",
)
TRANSIENT_STATUSES = frozenset({408, 425, 429})


class FetchError(Exception):
    """A fetch that produced no usable answer; `reason` says why in words."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status

    def __reduce__(self) -> tuple[type, tuple[str, str, int | None]]:
        # Prefect pickles task exceptions; the default reduce would lose `reason` and `status`.
        return (type(self), (self.url, self.reason, self.status))


class TransientFetchError(FetchError):
    """May succeed if tried again later."""


class PermanentFetchError(FetchError):
    """Will not succeed by trying again."""


class RefusedURLError(PermanentFetchError):
    """Refused by policy (an address that is not public, an https -> http redirect): never fetched."""


@dataclass(frozen=True)
class FetchResult:
    url: str  # as asked
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]  # the KEPT_HEADERS present, lower-case names
    body: bytes
    charset: str | None  # from Content-Type, lower-case, when declared
    etag: str | None
    last_modified: str | None
    not_modified: bool
    elapsed: float  # seconds, including politeness waits
    redirects: tuple[str, ...] = ()  # every URL after the first


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0  # a server trickling bytes under the read timeout is cut here
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    host_interval_s: float = 1.0
    # CIDRs that may be reached although not public (an intranet; 127.0.0.1/32 in tests).
    allow_networks: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, s: Settings) -> FetchPolicy:
        return cls(
            user_agent=s.user_agent,
            connect_timeout_s=s.fetch_connect_timeout_s,
            read_timeout_s=s.fetch_read_timeout_s,
            total_timeout_s=s.fetch_total_timeout_s,
            max_bytes=s.fetch_max_bytes,
            max_redirects=s.fetch_max_redirects,
            host_interval_s=s.fetch_host_interval_s,
            allow_networks=tuple(s.fetch_allow_networks),
        )


@dataclass
class HostRateLimiter:
    """Hands out request slots per host, `interval` apart, to any number of threads."""

    _next_slot: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, host: str, interval: float) -> float:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(host, 0.0))
            self._next_slot[host] = slot + interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return delay


# Shared by every Fetcher in the process, so two feed tasks on one site still take turns.
PROCESS_LIMITER = HostRateLimiter()


def check_url(url: str) -> str:
    """The URL's host; raises PermanentFetchError for a scheme other than http(s) or no host."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise PermanentFetchError(url, f"malformed URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"{scheme}://" if scheme else "no scheme"
        raise PermanentFetchError(url, f"refused scheme {shown}: only http and https are fetched")
    if not parts.hostname:
        raise PermanentFetchError(url, "malformed URL: no host")
    return parts.hostname.lower()


def charset_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    charset = (msg.get_content_charset() or "").strip().strip("'\"").lower()
    return charset or None
