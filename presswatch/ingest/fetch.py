"""HTTP GET for feeds and article pages: the only module in presswatch that touches the network.

How to fetch safely (for any new source: pages, feeds, robots.txt, sitemaps, WARC inputs):
    with Fetcher(FetchPolicy.from_settings(settings)) as fetcher:
        result = fetcher.fetch(url)            # or fetch_with_retries(fetcher, url)
    ... use result.body (bytes, at most policy.max_bytes), result.final_url, result.charset ...
Never open sockets or call httpx/urllib elsewhere: every check below lives in this one path. Catch
`FetchError` (its `.reason` is for the operator); `RefusedURLError` means the URL must not be fetched at
all and must not be retried. Nothing of a refused or failed answer is ever returned.

Policy:
- http and https only: any other scheme (file, ftp, data...) is refused before any I/O, on the first
  URL and on every redirect hop.
- Addresses (netpolicy.py): private, loopback, link-local, multicast, reserved and unspecified
  addresses are refused unless in `allow_networks` (PRESSWATCH_FETCH_ALLOW_NETWORKS). The check is made
  where the socket is opened: the host is resolved here, each address is vetted, the socket connects to
  the vetted numeric address (no second lookup, so DNS rebinding cannot swap it), and the connected
  socket's peer address is vetted again. A numeric host spelling (2130706433, 0x7f000001,
  [::ffff:127.0.0.1]) is refused before any I/O. This holds for every hop, since every hop connects
  through the same guarded backend.
- Redirects are followed by hand so each hop is checked: https -> http is refused, a URL seen twice is
  a redirect loop, more than `max_redirects` hops is an error; all name the chain.
- `total_timeout_s` is a deadline over the whole fetch (name resolution, connect, TLS, headers, every
  redirect, body): every socket operation's timeout is cut to the time left.
- The body is read raw and decoded here (gzip/deflate only, bounded.py) with the cap applied to every
  decompression step, so memory stays within `max_bytes` plus one network read; a Content-Length above
  the cap is refused before reading.
- One in-process limiter keeps `host_interval_s` between the starts of two requests to one host,
  across threads (Prefect runs tasks in threads), so feeds and pages of one site are fetched politely.
- Conditional GET: a stored ETag / Last-Modified goes out as If-None-Match / If-Modified-Since, and a
  304 answer comes back as `not_modified=True` with an empty body.
- Errors are raised, never returned: `TransientFetchError` (timeouts, connection errors, 5xx, 408, 429)
  may succeed later, so callers retry it (Prefect task retries, `fetch_with_retries`);
  `PermanentFetchError` (other 4xx, refused scheme, over the cap, redirect loop, too many redirects,
  malformed URL or content) will not, and is never retried; `RefusedURLError` (a refused address or
  downgrade) is a PermanentFetchError.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

import httpcore
import httpx

from presswatch.ingest import bounded
from presswatch.ingest.fetchtypes import (
    KEPT_HEADERS,
    PROCESS_LIMITER,
    TRANSIENT_STATUSES,
    FetchError,
    FetchPolicy,
    FetchResult,
    HostRateLimiter,
    PermanentFetchError,
    RefusedURLError,
    TransientFetchError,
    charset_of,
    check_url,
)
from presswatch.ingest.netpolicy import NetPolicy, downgrade_refusal, url_refusal

__all__ = [  # the public API, with the records and errors defined in fetchtypes.py
    "PROCESS_LIMITER", "FetchError", "FetchPolicy", "FetchResult", "Fetcher", "HostRateLimiter",
    "PermanentFetchError", "RefusedURLError", "TransientFetchError", "check_url", "fetch_with_retries",
]  # fmt: skip


class _Refused(Exception):
    """Raised inside the transport for an address the policy refuses; the Fetcher names the URL."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Deadline(threading.local):
    """The current fetch's deadline (time.monotonic), per thread: pooled streams are shared objects."""

    at: float | None = None

    def left(self, timeout: float | None, exc: type[Exception]) -> float | None:
        """`timeout` cut to the time left; `exc` (an httpcore timeout) once the deadline has passed."""
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise exc("total deadline passed")
        return left if timeout is None else min(timeout, left)


class _GuardedStream(httpcore.NetworkStream):
    """A connected stream whose every read, write and TLS handshake ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        left = self._deadline.left(timeout, httpcore.ConnectTimeout)
        return _GuardedStream(self._inner.start_tls(ssl_context, server_hostname, left), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves the host itself and connects only to addresses the policy accepts (see the top)."""

    def __init__(self, net: NetPolicy, deadline: _Deadline) -> None:
        self._net = net
        self._deadline = deadline
        self._plain = httpcore.SyncBackend()

    def _resolve(self, host: str, port: int) -> list[str]:
        try:
            ipaddress.ip_address(host.split("%")[0])
            return [host]  # already an address (zone kept): nothing to look up
        except ValueError:
            pass
        # getaddrinfo has no timeout of its own: run it aside and stop waiting at the deadline.
        box: dict[str, Any] = {}

        def lookup() -> None:
            try:
                box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError as exc:
                box["error"] = exc

        worker = threading.Thread(target=lookup, name="presswatch-resolve", daemon=True)
        worker.start()
        worker.join(self._deadline.left(None, httpcore.ConnectTimeout))
        if worker.is_alive():
            raise httpcore.ConnectTimeout(f"name resolution of {host} timed out")
        if "error" in box:
            raise httpcore.ConnectError(f"cannot resolve {host}: {box['error']}")
        return list(dict.fromkeys(str(info[4][0]) for info in box["infos"]))

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        judged = {a: self._net.refusal(ipaddress.ip_address(a.split("%")[0])) for a in self._resolve(host, port)}
        vetted = [a for a, refused in judged.items() if refused is None]
        if not vetted:
            raise _Refused(f"{host} resolves to no allowed address: " + "; ".join(filter(None, judged.values())))
        error: Exception | None = None
        for address in vetted:
            try:
                left = self._deadline.left(timeout, httpcore.ConnectTimeout)
                # A numeric address: create_connection does no second lookup, so no rebinding.
                stream = self._plain.connect_tcp(address, port, left, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            sock = stream.get_extra_info("socket")
            peer = ipaddress.ip_address(str(sock.getpeername()[0]).split("%")[0])
            refused = self._net.refusal(peer)
            if refused:
                stream.close()
                raise _Refused(refused)
            return _GuardedStream(stream, self._deadline)
        assert error is not None
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise _Refused("unix sockets are never fetched")


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose every connection goes through _GuardedBackend.

    The parent's request/response handling (and its exception mapping) works on `self._pool`; it is
    built here instead of in the parent's __init__ so no connection can be made another way. If httpx
    ever renames `_pool`, requests fail loudly (AttributeError) rather than bypass the guard.
    """

    def __init__(self, backend: _GuardedBackend) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=backend,
            http1=True,
            http2=False,
        )


class Fetcher:
    """One HTTP client (connection pool) with the policy above. Use as a context manager."""

    def __init__(self, policy: FetchPolicy, limiter: HostRateLimiter | None = None) -> None:
        self.policy = policy
        self.limiter = limiter if limiter is not None else PROCESS_LIMITER
        self.net = NetPolicy.from_cidrs(policy.allow_networks)
        self._deadline = _Deadline()
        self._client = httpx.Client(
            transport=_GuardedTransport(_GuardedBackend(self.net, self._deadline)),
            follow_redirects=False,
            # Only encodings whose decoding can be bounded (bounded.py) are asked for.
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": bounded.ACCEPT_ENCODING},
            # Proxies and certificates come from settings, not from whatever the environment holds.
            trust_env=False,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _vet(self, url: str, target: str) -> str:
        """The target's host, after the checks that need no I/O (scheme, numeric spellings)."""
        try:
            host = check_url(target)
        except PermanentFetchError as exc:
            raise PermanentFetchError(url, _hop(url, target, exc.reason)) from None
        refused = url_refusal(target, self.net)
        if refused:
            raise RefusedURLError(url, _hop(url, target, refused))
        return host

    def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        *,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET `url` under the policy; `max_bytes` may lower (never raise) the policy's cap for this call."""
        host = self._vet(url, url)
        cap = min(max_bytes, self.policy.max_bytes) if max_bytes else self.policy.max_bytes
        started = time.monotonic()
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        chain = [url]
        current = url
        self.limiter.wait(host, self.policy.host_interval_s)
        # The deadline starts once the first request may go: politeness waits are not the server's time.
        self._deadline.at = time.monotonic() + self.policy.total_timeout_s
        try:
            for hop in range(self.policy.max_redirects + 1):
                if hop:
                    self.limiter.wait(self._vet(url, current), self.policy.host_interval_s)
                answer = self._request(url, current, conditional, chain, started, cap)
                if isinstance(answer, FetchResult):
                    return answer
                if answer in chain:
                    raise PermanentFetchError(url, "redirect loop: " + " -> ".join([*chain, answer]))
                chain.append(answer)
                current = answer
        finally:
            self._deadline.at = None
        raise PermanentFetchError(
            url, f"too many redirects (more than {self.policy.max_redirects}): " + " -> ".join(chain)
        )

    def _timeout(self) -> httpx.Timeout:
        p = self.policy
        left = max(0.001, (self._deadline.at or 0) - time.monotonic())
        return httpx.Timeout(
            connect=min(p.connect_timeout_s, left),
            read=min(p.read_timeout_s, left),
            write=min(p.read_timeout_s, left),
            pool=left,
        )

    def _request(
        self, url: str, current: str, headers: dict[str, str], chain: list[str], started: float, cap: int
    ) -> FetchResult | str:
        """One GET: a FetchResult, or the next URL when the answer is a redirect."""
        try:
            with self._client.stream("GET", current, headers=headers, timeout=self._timeout()) as resp:
                status = resp.status_code
                if resp.has_redirect_location:
                    target = urljoin(current, resp.headers["location"])
                    downgrade = downgrade_refusal(current, target)
                    if downgrade:
                        raise RefusedURLError(url, downgrade, status)
                    self._vet(url, target)
                    return target
                if status >= 500 or status in TRANSIENT_STATUSES:
                    raise TransientFetchError(url, f"HTTP {status} {resp.reason_phrase}".strip(), status)
                if status >= 400:
                    raise PermanentFetchError(url, f"HTTP {status} {resp.reason_phrase}".strip(), status)
                if status != 304 and not 200 <= status < 300:
                    raise PermanentFetchError(url, f"unexpected HTTP status {status}", status)
                body = b"" if status == 304 else self._read_capped(url, resp, cap)
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
        except _Refused as exc:
            raise RefusedURLError(url, _hop(url, current, exc.reason)) from None
        except httpx.TimeoutException as exc:
            if self._deadline.at is not None and time.monotonic() >= self._deadline.at - 0.01:
                raise TransientFetchError(
                    url,
                    f"total timeout: no complete answer from {current} within "
                    f"{self.policy.total_timeout_s:g} s (connect, headers, redirects and body)",
                ) from exc
            kind = type(exc).__name__.replace("Timeout", " timeout").lower().strip()
            raise TransientFetchError(url, f"{kind} from {current}") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise PermanentFetchError(url, f"malformed URL: {exc}") from exc
        except httpx.TransportError as exc:
            raise TransientFetchError(url, f"{type(exc).__name__}: {exc or 'connection failed'}") from exc

    def _read_capped(self, url: str, resp: httpx.Response, cap: int) -> bytes:
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise PermanentFetchError(
                url, f"body too large: Content-Length {declared} > cap {cap} bytes", resp.status_code
            )
        try:
            decoder = bounded.BoundedDecoder(resp.headers.get("content-encoding"), cap)
            chunks: list[bytes] = []
            raw_size = 0
            # Raw bytes (after chunked transfer coding, before content decoding): decoded here, bounded.
            for raw in resp.iter_raw():
                raw_size += len(raw)
                if raw_size > cap:
                    raise bounded.OverCap(f"over the cap of {cap} bytes")
                chunks.append(decoder.feed(raw))
            chunks.append(decoder.flush())
        except bounded.OverCap as exc:
            raise PermanentFetchError(url, f"body too large: {exc}", resp.status_code) from None
        except (bounded.UnsupportedEncoding, bounded.CorruptEncoding) as exc:
            raise PermanentFetchError(url, f"undecodable content encoding: {exc}", resp.status_code) from None
        return b"".join(chunks)


def _hop(url: str, current: str, reason: str) -> str:
    """A reason, naming the redirect hop when it was not the first URL."""
    return reason if current == url else f"redirect to {current}: {reason}"


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
