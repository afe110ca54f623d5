"""HTTP GET for feeds and article pages: the only module in presswatch that touches the network.

Policy:
- http and https only: any other scheme (file, ftp, data...) is refused before any I/O, on the first
  URL and on every redirect hop.
- Redirects are followed by hand so each hop is checked: a URL seen twice is a redirect loop, more than
  `max_redirects` hops is an error; both name the chain.
- The body is streamed and abandoned once past `max_bytes` (counted after content decoding, so a
  compressed bomb is caught too); a Content-Length above the cap is refused before reading.
- One in-process limiter keeps `host_interval_s` between the starts of two requests to one host,
  across threads (Prefect runs tasks in threads), so feeds and pages of one site are fetched politely.
- Conditional GET: a stored ETag / Last-Modified goes out as If-None-Match / If-Modified-Since, and a
  304 answer comes back as `not_modified=True` with an empty body.
- Errors are raised, never returned: `TransientFetchError` (timeouts, connection errors, 5xx, 408, 429)
  may succeed later, so callers retry it (Prefect task retries, `fetch_with_retries`);
  `PermanentFetchError` (other 4xx, refused scheme, over the cap, redirect loop, too many redirects,
  malformed URL or content) will not, and is never retried.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit

import httpx

from flows.settings import Settings, get_settings

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

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> FetchPolicy:
        s = settings or get_settings()
        # Fields the settings module may not define yet fall back to this class's defaults.
        defaults = cls(user_agent=s.user_agent, max_bytes=s.max_input_bytes)
        return cls(
            user_agent=s.user_agent,
            connect_timeout_s=getattr(s, "fetch_connect_timeout_s", defaults.connect_timeout_s),
            read_timeout_s=getattr(s, "fetch_read_timeout_s", defaults.read_timeout_s),
            total_timeout_s=getattr(s, "fetch_total_timeout_s", defaults.total_timeout_s),
            max_bytes=getattr(s, "fetch_max_bytes", defaults.max_bytes),
            max_redirects=getattr(s, "fetch_max_redirects", defaults.max_redirects),
            host_interval_s=getattr(s, "fetch_host_interval_s", defaults.host_interval_s),
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


class Fetcher:
    """One HTTP client (connection pool) with the policy above. Use as a context manager."""

    def __init__(self, policy: FetchPolicy | None = None, limiter: HostRateLimiter | None = None) -> None:
        self.policy = policy or FetchPolicy.from_settings()
        self.limiter = limiter if limiter is not None else PROCESS_LIMITER
        p = self.policy
        self._client = httpx.Client(
            timeout=httpx.Timeout(
                connect=p.connect_timeout_s,
                read=p.read_timeout_s,
                write=p.read_timeout_s,
                pool=p.total_timeout_s,
            ),
            follow_redirects=False,
            headers={"User-Agent": p.user_agent},
            # Proxies and certificates come from settings, not from whatever the environment holds.
            trust_env=False,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        check_url(url)
        started = time.monotonic()
        deadline = started + self.policy.total_timeout_s
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        chain = [url]
        current = url
        for _ in range(self.policy.max_redirects + 1):
            self.limiter.wait(check_url(current), self.policy.host_interval_s)
            location = self._request(url, current, conditional, deadline, chain, started)
            if isinstance(location, FetchResult):
                return location
            if location in chain:
                raise PermanentFetchError(url, "redirect loop: " + " -> ".join([*chain, location]))
            chain.append(location)
            current = location
        raise PermanentFetchError(
            url, f"too many redirects (more than {self.policy.max_redirects}): " + " -> ".join(chain)
        )

    def _request(
        self,
        url: str,
        current: str,
        headers: dict[str, str],
        deadline: float,
        chain: list[str],
        started: float,
    ) -> FetchResult | str:
        """One GET: a FetchResult, or the next URL when the answer is a redirect."""
        try:
            with self._client.stream("GET", current, headers=headers) as resp:
                status = resp.status_code
                if resp.has_redirect_location:
                    target = urljoin(current, resp.headers["location"])
                    try:
                        check_url(target)
                    except PermanentFetchError as exc:
                        raise PermanentFetchError(
                            url, f"redirect to {target}: {exc.reason}", status
                        ) from None
                    return target
                if status >= 500 or status in TRANSIENT_STATUSES:
                    raise TransientFetchError(url, f"HTTP {status} {resp.reason_phrase}".strip(), status)
                if status >= 400:
                    raise PermanentFetchError(url, f"HTTP {status} {resp.reason_phrase}".strip(), status)
                if status != 304 and not 200 <= status < 300:
                    raise PermanentFetchError(url, f"unexpected HTTP status {status}", status)
                body = b"" if status == 304 else self._read_capped(url, resp, deadline)
                kept = {k: resp.headers[k] for k in KEPT_HEADERS if k in resp.headers}
                return FetchResult(
                    url=url,
                    final_url=current,
                    status=status,
                    headers=kept,
                    body=body,
                    charset=charset_of(kept.get("content-type")),
                    etag=kept.get("etag"),
                    last_modified=kept.get("last-modified"),
                    not_modified=status == 304,
                    elapsed=time.monotonic() - started,
                    redirects=tuple(chain[1:]),
                )
        except httpx.TimeoutException as exc:
            kind = type(exc).__name__.replace("Timeout", " timeout").lower().strip()
            raise TransientFetchError(url, f"{kind} from {current}") from exc
        except httpx.DecodingError as exc:
            raise PermanentFetchError(url, f"undecodable content encoding: {exc}") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise PermanentFetchError(url, f"malformed URL: {exc}") from exc
        except httpx.TransportError as exc:
            raise TransientFetchError(url, f"{type(exc).__name__}: {exc or 'connection failed'}") from exc

    def _read_capped(self, url: str, resp: httpx.Response, deadline: float) -> bytes:
        cap = self.policy.max_bytes
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise PermanentFetchError(
                url, f"body too large: Content-Length {declared} > cap {cap} bytes", resp.status_code
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise PermanentFetchError(
                    url, f"body too large: over the cap of {cap} bytes", resp.status_code
                )
            if time.monotonic() > deadline:
                raise TransientFetchError(
                    url, f"total timeout: body not read within {self.policy.total_timeout_s:g} s"
                )
            chunks.append(chunk)
        return b"".join(chunks)


def fetch_with_retries(
    fetcher: Fetcher,
    url: str,
    attempts: int = 3,
    backoff_s: float = 1.0,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    """Fetch, retrying transient failures with exponential backoff; for work inside one task (pages)."""
    for attempt in range(attempts):
        try:
            return fetcher.fetch(url, etag=etag, last_modified=last_modified)
        except TransientFetchError:
            if attempt == attempts - 1:
                raise
            time.sleep(backoff_s * 2**attempt)
    raise AssertionError("unreachable")
