"""The fetch policy against real loopback servers: internal addresses are never reached, in any spelling.

Tests allow 127.0.0.1/32 (where the legitimate site listens) and nothing else; the "internal" service
listens on 127.0.0.3 and records every request, so each refused spelling must leave it with zero hits.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from loopback import ALLOW_LOOPBACK, LoopbackServer, Reply
from warehousekit import all_warehouse_text

from presswatch.ingest.bounded import BoundedDecoder, OverCap, UnsupportedEncoding
from presswatch.ingest.fetch import (
    Fetcher,
    FetchPolicy,
    HostRateLimiter,
    PermanentFetchError,
    RefusedURLError,
    TransientFetchError,
)
from presswatch.ingest.netpolicy import NetPolicy, category, downgrade_refusal, literal_address
from presswatch.settings import load_settings

SECRET = b"INTERNAL-SECRET-7f3a: metadata credentials"
INTERNAL_HOST = "127.0.0.3"
POLICY = FetchPolicy(
    user_agent="presswatch-test",
    connect_timeout_s=2.0,
    read_timeout_s=3.0,
    total_timeout_s=10.0,
    max_bytes=100_000,
    host_interval_s=0.0,
    allow_networks=ALLOW_LOOPBACK,
)


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def internal() -> Iterator[LoopbackServer]:
    with LoopbackServer(INTERNAL_HOST) as srv:
        srv.route("/secret", Reply(200, SECRET, {"Content-Type": "text/html"}))
        yield srv


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(POLICY, HostRateLimiter()) as f:
        yield f


def port_of(server: LoopbackServer) -> int:
    return int(server.base.rsplit(":", 1)[1])


# Every way of writing 127.0.0.3 that resolvers or URL parsers accept.
SPELLINGS = {
    "dotted": "127.0.0.3",
    "decimal": "2130706435",
    "hex": "0x7f000003",
    "octal-dotted": "0177.0.0.3",
    "octal-whole": "017700000003",
    "trailing-dot": "127.0.0.3.",
    "ipv4-mapped": "[::ffff:127.0.0.3]",
    "ipv4-mapped-hex": "[::ffff:7f00:3]",
}


@pytest.mark.parametrize("host", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_every_spelling_of_an_internal_address_is_refused_with_zero_hits(
    internal: LoopbackServer, fetcher: Fetcher, host: str
) -> None:
    with pytest.raises(RefusedURLError) as err:
        fetcher.fetch(f"http://{host}:{port_of(internal)}/secret")
    assert "refused address" in err.value.reason and "(loopback)" in err.value.reason
    assert "PRESSWATCH_FETCH_ALLOW_NETWORKS" in err.value.reason
    assert internal.hits == []


@pytest.mark.parametrize("host", ["127.0.0.3", "2130706435", "[::ffff:127.0.0.3]"])
def test_redirect_from_the_allowed_site_into_the_internal_host_is_refused(
    site: LoopbackServer, internal: LoopbackServer, fetcher: Fetcher, host: str
) -> None:
    target = f"http://{host}:{port_of(internal)}/secret"
    url = site.route("/go", Reply(302, headers={"Location": target}))
    with pytest.raises(RefusedURLError) as err:
        fetcher.fetch(url)
    assert err.value.reason.startswith(f"redirect to {target}: refused address")
    assert internal.hits == [] and len(site.hits_for("/go")) == 1


def test_a_name_is_judged_by_the_address_it_resolves_to_at_connect_time(site: LoopbackServer) -> None:
    # Nothing allowed: "localhost" resolves to 127.0.0.1, where `site` listens, and must not reach it.
    url = site.route("/page", Reply(200, b"should not be read"))
    strict = FetchPolicy(user_agent="t", host_interval_s=0.0)
    with Fetcher(strict, HostRateLimiter()) as f, pytest.raises(RefusedURLError) as err:
        f.fetch(url.replace("127.0.0.1", "localhost"))
    assert err.value.reason.startswith("localhost resolves to no allowed address: refused address 127.0.0.1")
    assert site.hits == []


def test_localhost_reaches_only_the_allowed_range_never_the_internal_host(
    internal: LoopbackServer, fetcher: Fetcher
) -> None:
    # localhost is 127.0.0.1 here (allowed), so the request goes there, not to 127.0.0.3.
    resolved = {info[4][0] for info in socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)}
    assert not any(ipaddress.ip_address(a) == ipaddress.ip_address(INTERNAL_HOST) for a in resolved)
    with pytest.raises((RefusedURLError, TransientFetchError)):
        fetcher.fetch(f"http://localhost:{port_of(internal)}/secret")
    assert internal.hits == []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://[::1]:9/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://0.0.0.0:9/", "unspecified"),
        ("http://10.1.2.3/", "private"),
        ("http://[fe80::1]/", "link-local"),
    ],
)
def test_addresses_outside_the_allowed_range_are_refused_before_connecting(
    fetcher: Fetcher, url: str, kind: str
) -> None:
    # Refused as a literal, before the limiter, resolution or any socket: no timeout can be involved.
    with pytest.raises(RefusedURLError) as err:
        fetcher.fetch(url)
    assert f"({kind})" in err.value.reason


def test_a_legitimate_page_from_the_allowed_host_still_arrives(site: LoopbackServer, fetcher: Fetcher) -> None:
    url = site.route("/article.html", Reply(200, "<p>深度求索</p>".encode(), {"Content-Type": "text/html"}))
    assert fetcher.fetch(url).body == "<p>深度求索</p>".encode()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("64:ff9b::7f00:1", "loopback"),  # NAT64
        ("2002:7f00:1::", "loopback"),  # 6to4
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("::ffff:192.168.0.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not globally routable"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_categories(address: str, kind: str | None) -> None:
    assert category(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("[::1]", "::1"),
        ("localhost", None),
        ("example.com", None),
        ("1password.com", None),
    ],
)
def test_numeric_spellings_are_read_as_addresses_names_are_not(host: str, address: str | None) -> None:
    found = literal_address(host)
    assert found == (ipaddress.ip_address(address) if address else None)


def test_allowed_ranges_let_through_only_what_they_cover() -> None:
    net = NetPolicy.from_cidrs(["127.0.0.1/32", "0.0.0.0/0"])
    assert net.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert net.refusal(ipaddress.ip_address("::ffff:127.0.0.1")) is None
    assert net.refusal(ipaddress.ip_address("0.0.0.0")) is not None  # reaches the local host: never
    assert NetPolicy.from_cidrs(["127.0.0.1/32"]).refusal(ipaddress.ip_address("127.0.0.3")) is not None


def test_policy_from_settings_carries_the_allowed_networks() -> None:
    settings = load_settings({"PRESSWATCH_FETCH_ALLOW_NETWORKS": "10.0.0.0/8, 127.0.0.1"})
    assert FetchPolicy.from_settings(settings).allow_networks == ("10.0.0.0/8", "127.0.0.1/32")
    assert FetchPolicy.from_settings(load_settings({})).allow_networks == ()


def test_https_to_http_redirect_is_a_downgrade() -> None:
    assert downgrade_refusal("https://a.example/x", "http://a.example/y") is not None
    assert downgrade_refusal("http://a.example/x", "https://a.example/y") is None
    assert downgrade_refusal("https://a.example/x", "https://b.example/y") is None


def test_total_deadline_covers_a_redirect_chain(site: LoopbackServer) -> None:
    for i in range(4):
        site.route(f"/hop{i}", Reply(302, headers={"Location": f"/hop{i + 1}"}, delay_s=0.4))
    site.route("/hop4", Reply(200, b"finally"))
    policy = FetchPolicy(user_agent="t", read_timeout_s=5.0, total_timeout_s=1.0, host_interval_s=0.0,
                         allow_networks=ALLOW_LOOPBACK)  # fmt: skip
    with Fetcher(policy, HostRateLimiter()) as f, pytest.raises(TransientFetchError) as err:
        f.fetch(site.url("/hop0"))
    assert err.value.reason.startswith("total timeout") and "redirects" in err.value.reason
    assert site.hits_for("/hop4") == []


def test_total_deadline_cuts_a_body_trickled_under_the_read_timeout() -> None:
    """A server that sends one byte every 0.1 s never trips a 3 s read timeout; the deadline stops it."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            while not stop.is_set():
                try:
                    conn.sendall(b"x")
                except OSError:
                    return
                time.sleep(0.1)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    policy = FetchPolicy(user_agent="t", read_timeout_s=3.0, total_timeout_s=0.8, host_interval_s=0.0,
                         allow_networks=ALLOW_LOOPBACK)  # fmt: skip
    try:
        with Fetcher(policy, HostRateLimiter()) as f, pytest.raises(TransientFetchError) as err:
            f.fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/")
        assert err.value.reason.startswith("total timeout")
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


def test_a_gzip_bomb_is_refused_without_expanding_it_in_memory(site: LoopbackServer) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # ~50 KB on the wire
    url = site.route("/bomb", Reply(200, bomb, {"Content-Encoding": "gzip", "Content-Type": "text/html"}))
    policy = FetchPolicy(user_agent="t", max_bytes=1_000_000, host_interval_s=0.0,
                         allow_networks=ALLOW_LOOPBACK)  # fmt: skip
    with Fetcher(policy, HostRateLimiter()) as f:
        tracemalloc.start()
        try:
            with pytest.raises(PermanentFetchError) as err:
                f.fetch(url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert "body too large" in err.value.reason and "gzip" in err.value.reason
    # The cap plus a network read or two, not the 50 MB inside.
    assert peak < 8_000_000, peak


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
    ],
    ids=["gzip", "zlib-deflate", "raw-deflate"],
)
def test_compressed_pages_are_decoded(
    site: LoopbackServer, fetcher: Fetcher, encoding: str, pack: Callable[[bytes], bytes]
) -> None:
    page = "<p>深度求索发布新模型</p>".encode() * 50
    url = site.route("/z", Reply(200, pack(page), {"Content-Encoding": encoding}))
    assert fetcher.fetch(url).body == page
    assert site.hits_for("/z")[0].headers["accept-encoding"] == "gzip, deflate"


def test_an_encoding_that_cannot_be_bounded_is_refused(site: LoopbackServer, fetcher: Fetcher) -> None:
    url = site.route("/br", Reply(200, b"\x8b\x02\x80hello\x03", {"Content-Encoding": "br"}))
    with pytest.raises(PermanentFetchError) as err:
        fetcher.fetch(url)
    assert "unsupported content encoding 'br'" in err.value.reason


def test_bounded_decoder_never_returns_more_than_the_cap_from_one_chunk() -> None:
    decoder = BoundedDecoder("gzip", cap=1000)
    with pytest.raises(OverCap):
        decoder.feed(gzip.compress(b"a" * 10_000_000))
    assert decoder.total <= 1001
    with pytest.raises(UnsupportedEncoding):
        BoundedDecoder("gzip, br", cap=10)


def internal_links(site: LoopbackServer, internal: LoopbackServer) -> list[str]:
    """Feed links into internal addresses: every spelling, IPv6 loopback, cloud metadata, a redirect."""
    port = port_of(internal)
    redirect = site.route("/go", Reply(302, headers={"Location": f"http://127.0.0.3:{port}/secret"}))
    spelled = [f"http://{host}:{port}/secret" for host in SPELLINGS.values()]
    return [*spelled, f"http://[::1]:{port}/secret", "http://169.254.169.254/latest/meta-data/", redirect]


@pytest.mark.usefixtures("prefect_api")
def test_a_run_with_hostile_feed_links_lands_the_real_article_and_quarantines_the_rest(
    site: LoopbackServer,
    internal: LoopbackServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import duckdb
    from feedkit import Item, rss, seed_articles

    from flows.ingest import ingest_flow

    monkeypatch.setenv("PRESSWATCH_FETCH_ALLOW_NETWORKS", ",".join(ALLOW_LOOPBACK))
    monkeypatch.setenv("PRESSWATCH_FETCH_HOST_INTERVAL", "0")
    article = seed_articles()[0]
    page = site.route("/news/real.html", Reply(200, article.page(), {"Content-Type": "text/html; charset=utf-8"}))
    hostile = internal_links(site, internal)
    # Full text in the feed must not stand in for a refused page: the link itself is the problem.
    items = [Item(article.title, page)] + [
        Item(f"内部 {i}", link, content="<p>feed text of a hostile entry</p>") for i, link in enumerate(hostile)
    ]
    feed = site.route("/feed.xml", Reply(200, rss(items), {"Content-Type": "application/rss+xml"}))
    internal_feed = f"http://0x7f000003:{port_of(internal)}/feed.xml"
    empty = tmp_path / "no-seeds"
    empty.mkdir()
    db = str(tmp_path / "w.duckdb")

    summary = ingest_flow(seeds_dir=str(empty), db_path=db, feeds=[feed, internal_feed])

    assert internal.hits == []
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT url FROM articles").fetchall() == [(page,)]
        quarantined = con.execute("SELECT source, stage, reasons FROM quarantine ORDER BY source").fetchall()
        refused = con.execute("SELECT raw_link, error FROM feed_entries WHERE outcome = 'refused'").fetchall()
        health = con.execute(
            "SELECT last_status, last_error FROM feed_health WHERE url = ?", [internal_feed]
        ).fetchall()
        polled = con.execute("SELECT status, error FROM feed_polls WHERE feed_url = ?", [internal_feed]).fetchall()
        balanced = con.execute("SELECT balanced FROM run_reconciliation").fetchall()
    assert {raw for raw, _ in refused} == set(hostile)
    assert all("refused address" in error for _, error in refused)
    assert len(quarantined) == len(hostile) and all(stage == "fetch" for _, stage, _ in quarantined)
    assert all("refused address" in reasons for _, _, reasons in quarantined)
    in_outcomes = {source for source, outcome, detail in summary.outcomes if "refused address" in detail}
    assert len(in_outcomes) == len(hostile)
    # The feed on an internal address: a failed poll whose reason shows in feed health and the poll log.
    assert health[0][0] == "failed" and "refused address 127.0.0.3 (loopback)" in health[0][1]
    assert polled[0][0] == "failed" and "refused address 127.0.0.3 (loopback)" in polled[0][1]
    assert balanced == [(True,)]  # every refused link is accounted for in the run's reconciliation
    text = all_warehouse_text(db)
    assert SECRET.decode() not in text and "feed text of a hostile entry" not in text
