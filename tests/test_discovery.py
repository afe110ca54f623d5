"""Feed discovery on loopback sites: a feed link, a robots.txt Sitemap: line, neither (common paths);
and the `presswatch feeds` command group (health by default, `discover`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from feedkit import Item, atom, rss
from loopback import ALLOW_LOOPBACK, LoopbackServer, Reply
from sitekit import HTML, TEXT, XML, Url, home_page, migrate_for_feeds, sitemap_index, urlset
from typer.testing import CliRunner

from presswatch.cli import app
from presswatch.ingest.discovery import discover, yaml_snippet
from presswatch.ingest.feeds import FeedConfig, FeedPoll, load_feed_configs
from presswatch.ingest.fetch import Fetcher
from presswatch.ingest.robots import RobotsCache
from presswatch.store import db as warehouse
from presswatch.store import feeds as feedstore

RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
ITEMS = [
    Item("新闻一", "http://x.example/1", "Sat, 08 Feb 2025 16:52:15 +0800"),
    Item("新闻二", "http://x.example/2", "Sun, 09 Feb 2025 09:00:00 +0800"),
]


def test_site_with_feed_links_lists_them_checked(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.route(
        "/",
        Reply(
            200,
            home_page(
                [
                    ("application/rss+xml", "/rss/all.xml", "全部"),
                    ("application/atom+xml", "/atom.xml", "Atom"),
                    ("application/rss+xml", "/broken.xml", "坏的"),
                ]
            ),
            HTML,
        ),
    )
    server.route("/rss/all.xml", Reply(200, rss(ITEMS, title="环回全部"), RSS))
    server.route("/atom.xml", Reply(200, atom(ITEMS[:1]), {"Content-Type": "application/atom+xml"}))
    server.route("/broken.xml", Reply(200, b"<html><body>not here</body></html>", HTML))
    found = discover(fetcher, server.url("/"), RobotsCache())
    assert found.title == "环回首页" and found.language == "zh-CN"
    by_url = {c.url: c for c in found.candidates}
    all_xml = by_url[server.url("/rss/all.xml")]
    assert (all_xml.found_by, all_xml.kind, all_xml.title, all_xml.entries) == (
        "link rel=alternate", "rss20", "环回全部", 2
    )
    assert all_xml.newest == "2025-02-09T09:00:00+08:00"
    assert by_url[server.url("/atom.xml")].kind == "atom10"
    assert by_url[server.url("/broken.xml")].error and not by_url[server.url("/broken.xml")].works
    # The links worked: common paths were not tried.
    assert server.hits_for("/feed") == [] and server.hits_for("/sitemap.xml") == []
    assert [c.url for c in found.feeds] == [server.url("/rss/all.xml"), server.url("/atom.xml")]


def test_site_with_only_a_sitemap_line_in_robots_txt(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.route("/", Reply(200, home_page([]), HTML))
    index = server.url("/maps/index.xml")
    server.route("/robots.txt", Reply(200, f"User-agent: *\nDisallow: /admin/\nSitemap: {index}\n".encode(), TEXT))
    server.route("/maps/index.xml", Reply(200, sitemap_index([("/maps/news.xml", "2025-02-09T00:00:00+08:00")]), XML))
    found = discover(fetcher, server.url("/"), RobotsCache())
    (cand,) = found.feeds
    assert (cand.url, cand.found_by, cand.kind, cand.entries) == (index, "robots.txt Sitemap:", "sitemapindex", 1)
    assert cand.newest == "2025-02-09T00:00:00+08:00"
    assert server.hits_for("/feed") == []


def test_site_with_neither_is_found_on_common_paths(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.route("/", Reply(200, home_page([]), HTML))
    server.route("/feed", Reply(200, rss(ITEMS), RSS))
    server.route("/sitemap_news.xml", Reply(200, urlset([Url("http://x.example/1", None, "一", "2025-02-08")]), XML))
    server.route("/rss.xml", Reply(200, b"<html>soft 404</html>", HTML))
    found = discover(fetcher, server.url("/"), RobotsCache())
    assert [(c.url, c.found_by, c.kind) for c in found.candidates] == [
        (server.url("/feed"), "common path", "rss20"),
        (server.url("/sitemap_news.xml"), "common path", "sitemap-news"),
    ]
    snippet = yaml.safe_load(yaml_snippet(found))["feeds"]
    assert [f["url"] for f in snippet] == [server.url("/feed"), server.url("/sitemap_news.xml")]


def test_discovery_respects_robots_txt(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.route("/", Reply(200, home_page([("application/rss+xml", "/private/rss.xml", "x")]), HTML))
    server.route("/robots.txt", Reply(200, b"User-agent: presswatch-test\nDisallow: /private/\n", TEXT))
    server.route("/private/rss.xml", Reply(200, rss(ITEMS), RSS))
    found = discover(fetcher, server.url("/"), RobotsCache())
    blocked = found.candidates[0]
    assert blocked.url == server.url("/private/rss.xml") and "robots.txt disallows /private/rss.xml" in (
        blocked.error or ""
    )
    assert server.hits_for("/private/rss.xml") == []


def test_yaml_snippet_pastes_into_feeds_yaml(server: LoopbackServer, fetcher: Fetcher, tmp_path: Path) -> None:
    server.route("/", Reply(200, home_page([("application/rss+xml", "/rss.xml", "全部")]), HTML))
    server.route("/rss.xml", Reply(200, rss(ITEMS), RSS))
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml_snippet(discover(fetcher, server.url("/"), RobotsCache())), encoding="utf-8")
    (config,) = load_feed_configs(path)
    assert config.url == server.url("/rss.xml") and config.outlet == "环回首页" and config.language == "zh-CN"


# --- the command ----------------------------------------------------------------------------------


def test_feeds_command_prints_health_by_default_and_discovers_on_request(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "w.duckdb"
    with warehouse.connection(db) as con:
        migrate_for_feeds(con)
        from datetime import UTC, datetime

        feedstore.record_feed_polls(con, [FeedPoll(FeedConfig("http://a.example/f", "健康源"), datetime.now(UTC), "ok", 200)])
    from presswatch.cli.output import console

    monkeypatch.setattr(console, "width", 400)  # the whole table, not an 80-column squeeze
    runner = CliRunner()
    for args in (["feeds", "--db", str(db)], ["feeds", "health", "--db", str(db)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "健康源" in result.output and "Feed health" in result.output

    monkeypatch.setenv("PRESSWATCH_FETCH_ALLOW_NETWORKS", ",".join(ALLOW_LOOPBACK))
    monkeypatch.setenv("PRESSWATCH_FETCH_HOST_INTERVAL", "0")
    server.route("/", Reply(200, home_page([("application/rss+xml", "/news/all.xml", "全部")]), HTML))
    server.route("/news/all.xml", Reply(200, rss(ITEMS), RSS))
    result = runner.invoke(app, ["feeds", "discover", server.url("/")])
    assert result.exit_code == 0, result.output
    snippet = result.output.split("# paste under `feeds:` in seeds/feeds.yaml\n", 1)[1]
    assert yaml.safe_load(snippet)["feeds"][0]["url"] == server.url("/news/all.xml")

    server.route("/", Reply(200, home_page([]), HTML))
    nothing = runner.invoke(app, ["feeds", "discover", server.url("/")])
    assert nothing.exit_code == 1 and "no feed or sitemap found" in nothing.output
