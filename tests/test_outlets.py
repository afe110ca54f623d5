"""The outlet directory: loading and validation, resolution of real articles, the views built on it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml

from presswatch.desk.outlets import DirectoryError, load_directory, name_key, parse_directory, store_directory
from presswatch.settings import SEEDS_DIR
from presswatch.store import db as warehouse
from presswatch.store.db import insert_frame
from presswatch.summaries.report.report import write_report
from tests.deskkit import cli, query, seeds_warehouse

SEEDS_OUTLETS = {"000_": "时代周报", "001_": "观察者网", "003_": "纽约时报中文网", "004_": "中国工业报"}


@pytest.fixture(scope="module")
def db(prefect_api: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeds_warehouse(tmp_path_factory.mktemp("outlets"))


def test_the_seeds_resolve_to_directory_entries_but_the_one_naming_no_source(db: Path):
    rows = query(db, "SELECT ar.source, s.outlet_canonical, s.region FROM summary_articles s"
                     " JOIN articles ar USING (article_id)")  # fmt: skip
    resolved = {Path(src).name[:4]: (name, region) for src, name, region in rows}
    for prefix, name in SEEDS_OUTLETS.items():
        assert resolved[prefix][0] == name and resolved[prefix][1] is not None, prefix
    assert resolved["002_"] == ("(unknown)", None)  # the seed that names no source
    unknown = query(db, "SELECT outlet, articles, example_source FROM outlets_unknown")
    assert len(unknown) == 1 and unknown[0][0] == "(unknown)" and "002_" in unknown[0][2]


def test_traditional_outlet_string_resolves_to_the_simplified_entry(db: Path):
    assert query(db, "SELECT a.outlet, o.outlet_id, o.resolved_by FROM article_outlets o"
                     " JOIN articles_current a USING (article_id) WHERE a.outlet = '中國工業報'") == [
        ("中國工業報", "中国工业报", "outlet")
    ]  # fmt: skip


def test_collections_cut_volume_and_share_of_voice(db: Path):
    assert query(db, "SELECT sum(articles) FROM summary_volume_by_collection WHERE collection = 'foreign-chinese'") == [(1,)]
    shares = query(db, "SELECT day, collection, sum(share) FROM summary_share_of_voice_by_collection GROUP BY ALL")
    assert shares and all(abs(total - 1) < 1e-9 for _, _, total in shares)


def test_outlets_command_lists_unknown_names(db: Path):
    result = cli("outlets", "--unknown", "--db", str(db))
    assert result.exit_code == 0 and "(unknown)" in result.output


def test_report_has_a_section_per_saved_search_and_collections(db: Path, tmp_path: Path):
    page = write_report(db, tmp_path / "report.html").read_text(encoding="utf-8")
    for (name,) in query(db, "SELECT DISTINCT search FROM search_hits"):
        assert f'id="search-{name}"' in page
    assert "foreign-chinese" in page and "纽约时报中文网" in page


def _article(i: int, **fields: object) -> dict[str, object]:
    base = {"article_id": f"a{i}", "doc_sha256": f"d{i}", "source": f"test://{i}", "story_key": f"test://{i}",
            "version": 1, "title": "t", "title_derived": False, "text": "x", "extractor_version": "test",
            "landed_at": datetime.now(UTC), "outlet": None, "platform": None, "url": None, "authors": None}
    return base | fields


def test_domains_bylines_and_platforms_resolve_in_order(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    warehouse.prepare(db)
    frame = pd.DataFrame([
        _article(1, url="https://cn.nytimes.com/world/1/"),  # subdomain of a registered domain
        _article(2, url="https://mp.weixin.qq.com/s/abc"),  # the longest registered domain wins
        _article(3, url="https://new.qq.com/rain/a/1"),
        _article(4, platform="qq", authors=["新华社记者"]),  # a byline before the platform
        _article(5, platform="QQ"),
        _article(6, outlet="  The New York Times  Chinese ", url="https://www.sohu.com/a/1"),  # outlet first
        _article(7, outlet="某某晚报", url="https://example.com/x"),
    ])  # fmt: skip
    with warehouse.connection(db) as con:
        insert_frame(con, "articles", frame)
        store_directory(con, load_directory(SEEDS_DIR / "outlets.yaml"))
        got = dict(con.execute("SELECT article_id, outlet_id || ' by ' || resolved_by FROM article_outlets").fetchall())
        unknown = con.execute("SELECT outlet, example_host FROM outlets_unknown").fetchall()
    assert got == {
        "a1": "纽约时报中文网 by domain", "a2": "微信公众号 by domain", "a3": "腾讯新闻 by domain",
        "a4": "新华社 by byline", "a5": "腾讯新闻 by platform", "a6": "纽约时报中文网 by outlet",
    }  # fmt: skip
    assert unknown == [("某某晚报", "example.com")]


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "outlets.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


ENTRY = {"name": "测试报", "region": "mainland", "kind": "state"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (ENTRY | {"regoin": "mainland"}, "outlet '测试报': unknown keys ['regoin']"),
        (ENTRY | {"region": "europe"}, "outlet '测试报': region must be one of"),
        (ENTRY | {"kind": "blog"}, "outlet '测试报': kind must be one of"),
        (ENTRY | {"domains": ["https://x.cn/"]}, "is not a domain"),
        (ENTRY | {"aliases": [163]}, "aliases must be a list of non-empty strings"),
        (ENTRY | {"collections": ["nope"]}, "collection 'nope' is not in the top-level collections list"),
        (ENTRY | {"aliases": ["新华网"]}, "alias '新华网' already names outlet '新华社'"),
        (ENTRY | {"domains": ["news.cn"]}, "domain 'news.cn' already belongs to '新华社'"),
    ],
)
def test_a_bad_entry_is_an_error_naming_the_file_and_entry(tmp_path: Path, entry: dict, message: str):
    first = {"name": "新华社", "aliases": ["新华网"], "domains": ["news.cn"], "region": "mainland", "kind": "state"}
    path = _write(tmp_path, {"collections": {"state-media": "x"}, "outlets": [first, entry]})
    with pytest.raises(DirectoryError) as caught:
        load_directory(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_shipped_directory_covers_the_common_portals_in_both_scripts():
    directory = load_directory(SEEDS_DIR / "outlets.yaml")
    keys = directory.alias_keys()
    for spelling, outlet in {"新華網": "新华社", "人民網": "人民日报", "cctv": "央视", "中新网": "中国新闻网",
                             "環球時報": "环球时报", "The Paper": "澎湃新闻", "財新": "财新", "第一財經": "第一财经",
                             "界面": "界面新闻", "新浪": "新浪", "搜狐": "搜狐", "網易": "网易", "騰訊": "腾讯新闻",
                             "鳳凰網": "凤凰网", "36kr": "36氪", "虎嗅": "虎嗅", "聯合早報": "联合早报",
                             "bbc中文網": "BBC中文", "紐約時報中文網": "纽约时报中文网", "德國之聲": "德国之声",
                             "voa": "美国之音", "rfi": "法国国际广播电台", "香港01": "香港01", "明報": "明报",
                             "南華早報": "南华早报", "端傳媒": "端传媒", "中央社": "中央社", "聯合報": "联合报",
                             "自由時報": "自由时报", "時代周報": "时代周报", "觀察者網": "观察者网"}.items():  # fmt: skip
        assert keys.get(name_key(spelling)) == outlet, spelling
    assert parse_directory({"outlets": []}).outlets == ()


def test_materialised_outlets_equal_the_resolution_and_follow_a_directory_change(tmp_path: Path):
    from presswatch.desk.outlets_map import materialise_outlets

    db = tmp_path / "w.duckdb"
    warehouse.prepare(db)
    frame = pd.DataFrame([_article(1, url="https://cn.nytimes.com/world/1/"), _article(2, platform="QQ"),
                          _article(3, outlet="某某晚报")])  # fmt: skip
    directory = load_directory(SEEDS_DIR / "outlets.yaml")
    with warehouse.connection(db) as con:
        insert_frame(con, "articles", frame)
        store_directory(con, directory)
        resolve = "SELECT article_id, outlet_id || ' by ' || resolved_by FROM article_outlets ORDER BY 1"
        live = con.execute(resolve).fetchall()
        assert materialise_outlets(con)["outlets_resolved"] == 2
        assert con.execute("SELECT count(*) FROM article_outlets_pending").fetchall() == [(0,)]
        assert con.execute(resolve).fetchall() == live == [("a1", "纽约时报中文网 by domain"), ("a2", "腾讯新闻 by platform")]
        assert materialise_outlets(con) == {"outlets_resolved": 0, "outlets_tried": 0, "outlets_full": 0}
        insert_frame(con, "articles", pd.DataFrame([_article(4, outlet="纽约时报中文网")]))
        assert ("a4", "纽约时报中文网 by outlet") in con.execute(resolve).fetchall()  # landed since: resolved live
        trimmed = type(directory)(tuple(o for o in directory.outlets if o.name != "腾讯新闻"), directory.collections)
        store_directory(con, trimmed)
        assert materialise_outlets(con)["outlets_full"] == 1
        assert con.execute(resolve).fetchall() == [("a1", "纽约时报中文网 by domain"), ("a4", "纽约时报中文网 by outlet")]
