"""presswatch.ingest.fetch against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import itertools
import pickle
import socket
from collections.abc import Iterator

import pytest
from loopback import ALLOW_LOOPBACK, LoopbackServer, Reply, etag_handler

from presswatch.ingest.fetch import (
    Fetcher,
    FetchPolicy,
    HostRateLimiter,
    PermanentFetchError,
    TransientFetchError,
    fetch_with_retries,
)

# Timeouts roomy enough for a loaded machine; the timeout test sets its own short one.
FAST = FetchPolicy(
    user_agent="presswatch-test/1.0 (+loopback)",
    connect_timeout_s=3.0,
    read_timeout_s=3.0,
    total_timeout_s=10.0,
    max_bytes=10_000,
    max_redirects=3,
    host_interval_s=0.0,
    allow_networks=ALLOW_LOOPBACK,
)


# The loopback `server` fixture is sitekit's; the fetcher here has its own, tighter policy (FAST above).
@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FAST, HostRateLimiter()) as f:
        yield f


def test_page_body_charset_and_user_agent(server: LoopbackServer, fetcher: Fetcher) -> None:
    page = "<html><body><p>深度求索</p></body></html>".encode("gb18030")
    url = server.route("/a", Reply(200, page, {"Content-Type": "text/html; charset=GB2312", "ETag": '"v1"'}))
    result = fetcher.fetch(url)
    assert result.status == 200 and result.body == page
    assert result.charset == "gb2312"
    assert result.etag == '"v1"' and not result.not_modified
    assert server.hits_for("/a")[0].headers["user-agent"] == FAST.user_agent


def test_conditional_get_sends_validators_and_304_means_unchanged(
    server: LoopbackServer, fetcher: Fetcher
) -> None:
    url = server.route("/feed", handler=etag_handler(b"<rss/>", '"abc"'))
    first = fetcher.fetch(url)
    second = fetcher.fetch(url, etag=first.etag, last_modified="Sat, 08 Feb 2025 08:00:00 GMT")
    assert second.not_modified and second.status == 304 and second.body == b""
    sent = server.hits_for("/feed")[1].headers
    assert sent["if-none-match"] == '"abc"'
    assert sent["if-modified-since"] == "Sat, 08 Feb 2025 08:00:00 GMT"


def test_404_is_permanent_with_its_status(server: LoopbackServer, fetcher: Fetcher) -> None:
    url = server.route("/gone", Reply(404, b"no"))
    with pytest.raises(PermanentFetchError) as err:
        fetcher.fetch(url)
    assert err.value.status == 404 and "HTTP 404" in err.value.reason


def test_500_is_transient(server: LoopbackServer, fetcher: Fetcher) -> None:
    url = server.route("/err", Reply(500))
    with pytest.raises(TransientFetchError) as err:
        fetcher.fetch(url)
    assert err.value.status == 500


def test_500_once_then_200_succeeds_on_retry(server: LoopbackServer, fetcher: Fetcher) -> None:
    url = server.route("/flaky", Reply(500), Reply(200, b"ok"))
    result = fetch_with_retries(fetcher, url, attempts=3, backoff_s=0.01)
    assert result.body == b"ok"
    assert len(server.hits_for("/flaky")) == 2


def test_server_slower_than_read_timeout_is_transient(server: LoopbackServer) -> None:
    url = server.route("/slow", Reply(200, b"late", delay_s=1.5))
    impatient = FetchPolicy(user_agent="t", read_timeout_s=0.3, allow_networks=ALLOW_LOOPBACK)
    with Fetcher(impatient, HostRateLimiter()) as f, pytest.raises(TransientFetchError) as err:
        f.fetch(url)
    # The read timeout, not the total deadline or the server's late answer, ended the fetch (speed: bench/).
    assert "read timeout" in err.value.reason
    assert len(server.hits_for("/slow")) == 1


def test_connection_refused_is_transient(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientFetchError):
        fetcher.fetch(f"http://127.0.0.1:{port}/nobody-here")


def test_redirect_is_followed_and_final_url_reported(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.route("/new", Reply(200, b"here"))
    url = server.route("/old", Reply(301, headers={"Location": "/new"}))
    result = fetcher.fetch(url)
    assert result.body == b"here"
    assert result.final_url == server.url("/new") and result.redirects == (server.url("/new"),)


def test_redirect_loop_is_permanent_and_names_the_chain(server: LoopbackServer, fetcher: Fetcher) -> None:
    url = server.route("/loop-a", Reply(302, headers={"Location": "/loop-b"}))
    server.route("/loop-b", Reply(302, headers={"Location": "/loop-a"}))
    with pytest.raises(PermanentFetchError) as err:
        fetcher.fetch(url)
    assert err.value.reason.startswith("redirect loop:")
    assert "/loop-a -> " in err.value.reason and err.value.reason.endswith("/loop-a")
    assert len(server.hits) == 2


def test_too_many_redirects_is_permanent(server: LoopbackServer, fetcher: Fetcher) -> None:
    for i in range(6):
        server.route(f"/hop{i}", Reply(302, headers={"Location": f"/hop{i + 1}"}))
    with pytest.raises(PermanentFetchError) as err:
        fetcher.fetch(server.url("/hop0"))
    assert "too many redirects (more than 3)" in err.value.reason
    assert len(server.hits) == 4


def test_redirect_to_file_scheme_is_refused(server: LoopbackServer, fetcher: Fetcher) -> None:
    url = server.route("/sneaky", Reply(302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(PermanentFetchError) as err:
        fetcher.fetch(url)
    assert "refused scheme file://" in err.value.reason


@pytest.mark.parametrize("send_length", [True, False], ids=["declared-length", "streamed"])
def test_body_over_the_cap_is_refused(server: LoopbackServer, fetcher: Fetcher, send_length: bool) -> None:
    url = server.route("/big", Reply(200, b"x" * 50_000, send_length=send_length))
    with pytest.raises(PermanentFetchError) as err:
        fetcher.fetch(url)
    assert "body too large" in err.value.reason and "10000" in err.value.reason


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/pub/feed.xml", "feed.xml"])
def test_non_http_urls_are_refused_before_any_io(server: LoopbackServer, fetcher: Fetcher, url: str) -> None:
    with pytest.raises(PermanentFetchError) as err:
        fetcher.fetch(url)
    assert "refused scheme" in err.value.reason and "only http and https" in err.value.reason
    assert server.hits == []


def test_requests_to_one_host_are_spaced_by_the_minimum_interval(server: LoopbackServer) -> None:
    server.route("/one", Reply(200, b"1"))
    server.route("/two", Reply(200, b"2"))
    server.route("/three", Reply(200, b"3"))
    policy = FetchPolicy(user_agent="t", host_interval_s=0.4, allow_networks=ALLOW_LOOPBACK)
    with Fetcher(policy, HostRateLimiter()) as polite:
        for path in ("/one", "/two", "/three"):
            polite.fetch(server.url(path))
    arrivals = [h.arrived for h in server.hits]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    # Slots are 0.4 s apart at the client; loopback delivery may jitter a little either way.
    assert len(gaps) == 2 and min(gaps) >= 0.35, gaps


def test_limiter_is_shared_by_threads(server: LoopbackServer) -> None:
    import threading

    server.route("/p", Reply(200, b"p"))
    limiter = HostRateLimiter()
    policy = FetchPolicy(user_agent="t", host_interval_s=0.4, allow_networks=ALLOW_LOOPBACK)

    def get() -> None:
        with Fetcher(policy, limiter) as f:
            f.fetch(server.url("/p"))

    threads = [threading.Thread(target=get) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    arrivals = sorted(h.arrived for h in server.hits)
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(gaps) == 2 and min(gaps) >= 0.3 and arrivals[-1] - arrivals[0] >= 0.75, gaps


def test_fetch_errors_keep_reason_and_status_through_pickling() -> None:
    # Prefect moves task exceptions between threads and processes by pickling them.
    err = pickle.loads(pickle.dumps(TransientFetchError("http://x/", "HTTP 503", 503)))
    assert isinstance(err, TransientFetchError) and err.reason == "HTTP 503" and err.status == 503
