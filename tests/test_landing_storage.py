"""How landed bodies are stored: ZSTD-compressed bodies (migration 013) with the same rows, keys and
defaults; raw inputs compressed before they are landed (022), older rows read as they were stored.

Real DuckDB files: a warehouse migrated without 013 and landed, then brought up to date, is compared whole.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from presswatch.records import Article, RawDocument, Rejection
from presswatch.settings import SQL_DIR
from presswatch.store import db as warehouse
from presswatch.store.landing import article_id_for
from presswatch.store.rawcodec import unpack

NOW = datetime(2025, 3, 1, tzinfo=UTC)
BODY = "深度求索周一发布推理模型，公开了权重和技术报告。业内人士认为，这说明工程改进可以部分弥补算力差距。"


def _article(raw: RawDocument, text: str) -> Article:
    return Article(
        source=raw.source, doc_sha256=raw.sha256, format="text", encoding="utf-8", title="标题",
        title_derived=False, text=text, published_at="2025-02-08T16:52:15+08:00", authors=["记者甲"],
        outlet="某某日报", platform=None, url=None, language="zh", script="Hans",
        provenance={"title": "front-matter"}, attributions=["来源：新华社"], extractor_version="test",
    )  # fmt: skip


def _land(con: duckdb.DuckDBPyConnection, tag: str, n: int) -> None:
    raws = [RawDocument(f"{tag}-{i}.txt", f"{BODY}{tag}{i}".encode()) for i in range(n)]
    raws.append(RawDocument(f"{tag}-bad.bin", bytes(range(256))))
    results: dict[str, Article | Rejection] = {r.sha256: _article(r, f"{BODY}（{tag}第{i}篇）") for i, r in enumerate(raws[:-1])}
    results[raws[-1].sha256] = Rejection(raws[-1].source, raws[-1].sha256, "decode", ["undecodable"], {"n": 1})
    warehouse.land_batch(
        con, raws, results, formats={}, warnings={}, flow_run_id=f"run-{tag}", now=NOW,
        extractor_version="test",
    )  # fmt: skip


def _table(con: duckdb.DuckDBPyConnection, name: str) -> tuple[list[Any], list[Any], list[Any]]:
    columns = con.execute(
        "SELECT column_name, data_type, column_default, is_nullable FROM duckdb_columns()"
        " WHERE table_name = ? ORDER BY column_index", [name],
    ).fetchall()  # fmt: skip
    keys = sorted(
        con.execute(
            "SELECT constraint_type, constraint_column_names FROM duckdb_constraints() WHERE table_name = ?", [name]
        ).fetchall()
    )
    return columns, keys, con.execute(f"SELECT * FROM {name}").fetchall()


def _compression(con: duckdb.DuckDBPyConnection, table: str, column: str) -> set[str]:
    rows = con.execute(
        f"SELECT DISTINCT compression FROM pragma_storage_info('{table}') WHERE column_name = ?"
        " AND segment_type NOT IN ('VALIDITY')", [column],
    ).fetchall()  # fmt: skip
    return {r[0] for r in rows} - {"Constant"}


LATER_THAN_013 = ("022_raw_codec.sql",)  # migrations a warehouse made before 013 could not have had yet


@pytest.fixture()
def before_013(tmp_path: Path) -> Path:
    """The project's migrations without 013 and the later ones that change the tables it rebuilds."""
    sql = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql)
    for name in ("013_compressed_bodies.sql", *LATER_THAN_013):
        (sql / "migrations" / name).unlink()
    return sql


TABLES_013 = ("documents", "articles", "quarantine", "run_inputs")


def test_migration_keeps_every_row_key_and_default_of_documents_and_articles(tmp_path: Path, before_013: Path) -> None:
    landed = tmp_path / "landed.duckdb"  # rows landed by today's code, copied into the older schema
    warehouse.prepare(landed)
    with warehouse.connection(landed) as con:
        _land(con, "a", 40)
    db = tmp_path / "w.duckdb"
    with warehouse.connection(db) as con:
        warehouse.migrate(con, before_013)
        con.execute(f"ATTACH '{landed}' AS landed (READ_ONLY)")
        for table in TABLES_013:
            names = con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND database_name = current_database()"
                " ORDER BY column_index", [table],
            ).fetchall()  # fmt: skip
            columns = ", ".join(n[0] for n in names)
            con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM landed.{table}")
        con.execute("DETACH landed")
        before = {t: _table(con, t) for t in TABLES_013}
    with warehouse.connection(db) as con:
        assert warehouse.migrate(con) == ["013_compressed_bodies.sql", *LATER_THAN_013]
        after = {t: _table(con, t) for t in before}
    codec = after["documents"][0].pop()  # 022 adds one column, last, NULL on the rows already there
    after["documents"] = (
        after["documents"][0],
        after["documents"][1],
        [r[:-1] for r in after["documents"][2]],
    )
    assert codec[0] == "raw_codec"
    assert after == before
    assert len(after["documents"][2]) == 41 and len(after["articles"][2]) == 40


def test_landed_bodies_are_zstd_and_keys_still_refuse_a_second_copy(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    warehouse.prepare(db)
    with warehouse.connection(db) as con:
        _land(con, "b", 60)
    with warehouse.connection(db) as con:  # a new attach: the batch was checkpointed when the last one closed
        assert _compression(con, "documents", "raw") == {"ZSTD"}
        assert _compression(con, "articles", "text") == {"ZSTD"}
        sha, raw, codec = con.execute(
            "SELECT doc_sha256, raw, raw_codec FROM documents WHERE source = 'b-3.txt'"
        ).fetchone()
        assert codec == "zstd" and bytes(raw) != f"{BODY}b3".encode()
        assert unpack(raw, codec) == f"{BODY}b3".encode()
        assert con.execute("SELECT raw_truncated FROM documents WHERE source = 'b-3.txt'").fetchone() == (False,)
        with pytest.raises(duckdb.ConstraintException):
            con.execute(
                "INSERT INTO documents (doc_sha256, source, kind, byte_size, first_seen) VALUES (?, 'x', 'file', 1, now())",
                [sha],
            )
        article_id = con.execute("SELECT article_id FROM articles LIMIT 1").fetchone()[0]
        with pytest.raises(duckdb.ConstraintException):
            con.execute(
                "INSERT INTO articles (article_id, doc_sha256, source, story_key, version, title_derived, text,"
                " extractor_version, landed_at) VALUES (?, 'd', 's', 'k', 1, false, 't', 'v', now())",
                [article_id],
            )


@pytest.mark.parametrize(
    "text",
    [
        "Plain ASCII text, already NFKC.",
        "全角标点，和ＡＢＣ全角字母。",  # not NFKC: full-width forms fold to ASCII
        "ﬁnance ① ㈱ x²",  # ligature, circled digit, parenthesised ideograph, superscript
        "Cafe\u0301 and Café",  # a combining accent composes
        "",
        # Long enough for the array paths (presswatch.codepoints): full-width forms, snake_case, digits of
        # other scripts, an emoji, a combining accent, ß (case-folds to two letters)
        "深度求索（DeepSeek）周一发布ＡＢＣ模型，参数量６７１０亿_训练成本５５７万美元。 snake_case ٣٤ 😀 Cafe\u0301 Straße ①" * 3,
        "正文" * 40 + "\U00030000 a character beyond the tables' range",
    ],
)
def test_article_id_equals_the_full_normalisation_whether_or_not_text_is_already_nfkc(text: str) -> None:
    import hashlib

    reference = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())
    assert article_id_for(text) == hashlib.sha256(reference.encode("utf-8")).hexdigest()


def test_raw_bytes_round_trip_whatever_they_hold(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    warehouse.prepare(db)
    inputs = [b"", bytes(range(256)) * 50, "正文".encode("gb18030"), b"<html>" + b"x" * 300_000]
    raws = [RawDocument(f"r-{i}.bin", data) for i, data in enumerate(inputs)]
    results: dict[str, Article | Rejection] = {
        r.sha256: Rejection(r.source, r.sha256, "decode", ["undecodable"], {}) for r in raws
    }
    with warehouse.connection(db) as con:
        warehouse.land_batch(
            con, raws, results, formats={}, warnings={}, flow_run_id="run", now=NOW, extractor_version="test"
        )
    with warehouse.connection(db) as con:
        stored = con.execute("SELECT source, raw, raw_codec FROM documents ORDER BY source").fetchall()
        reread = {r.source: r.data for r in warehouse.open_quarantine_documents(con)}
    assert [unpack(raw, codec) for _, raw, codec in stored] == inputs
    assert len(stored[3][1]) < 10_000  # the page of 300 kB is stored compressed
    assert reread == {r.source: r.data for r in raws}  # what re-extraction after a release reads


def test_rows_landed_before_022_are_read_as_stored(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    warehouse.prepare(db)
    page = "<p>深度求索</p>".encode()
    with warehouse.connection(db) as con:
        con.execute(
            "INSERT INTO documents (doc_sha256, source, kind, byte_size, raw, first_seen) VALUES ('d1', 'old.html',"
            " 'file', ?, ?, ?)", [len(page), page, NOW],
        )  # fmt: skip
        con.execute(
            "INSERT INTO quarantine (doc_sha256, source, stage, reasons, extractor_version, quarantined_at)"
            " VALUES ('d1', 'old.html', 'extract', '[\"x\"]', 'v', ?)", [NOW],
        )  # fmt: skip
        assert [r.data for r in warehouse.open_quarantine_documents(con)] == [page]
    assert unpack(page, None) == page
    with pytest.raises(ValueError, match="raw_codec 'lz4'"):
        unpack(page, "lz4")
