"""A real HTTP server on 127.0.0.1 (port 0) in a thread, with scripted answers per path, for tests.

The fetcher refuses loopback addresses unless allowed: tests that fetch from this server use a policy
with `allow_networks=ALLOW_LOOPBACK` (or PRESSWATCH_FETCH_ALLOW_NETWORKS=127.0.0.1/32 for flows).
Another loopback address (`LoopbackServer("127.0.0.3")`) stands for an internal service that must
never be reached.

Each route is a list of replies served in turn (the last one repeats) or a function of the request.
Every request is logged with its arrival time (time.monotonic, same clock as the client's) and headers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# The one range tests allow the fetcher to reach: the server's default address, nothing else.
ALLOW_LOOPBACK = ("127.0.0.1/32",)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait before answering at all (a server slower than the client's read timeout)
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes


@dataclass(frozen=True)
class Hit:
    path: str  # with the query string
    arrived: float
    headers: dict[str, str]


Handler = Callable[[Hit], Reply]


class LoopbackServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self._routes: dict[str, list[Reply] | Handler] = {}
        self._served: dict[str, int] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="loopback-http",
            daemon=True,
        )

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Reply, handler: Handler | None = None) -> str:
        """Answer `path` (query ignored) with `replies` in turn, or with `handler`. Returns its URL."""
        with self._lock:
            self._routes[path] = handler if handler is not None else list(replies)
            self._served[path] = 0
        return self.url(path)

    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if urlsplit(h.path).path == path]

    def _answer(self, hit: Hit) -> Reply:
        path = urlsplit(hit.path).path
        with self._lock:
            self.hits.append(hit)
            route = self._routes.get(path)
            if route is None:
                return Reply(404, b"not found")
            if callable(route):
                handler = route
            else:
                index = min(self._served[path], len(route) - 1)
                self._served[path] += 1
                return route[index]
        return handler(hit)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hit = Hit(self.path, time.monotonic(), {k.lower(): v for k, v in self.headers.items()})
                reply = server._answer(hit)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.send_length:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    if reply.body and reply.status != 304:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout, size cap): that is what such tests check

            def log_message(self, format: str, *args: object) -> None:
                pass

        return _Handler


def etag_handler(body: bytes, etag: str, content_type: str = "application/rss+xml") -> Handler:
    """A resource that answers 304 when the client already holds `etag`."""

    def answer(hit: Hit) -> Reply:
        if hit.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(200, body, {"Content-Type": content_type, "ETag": etag})

    return answer
