"""`presswatch export` on a real warehouse of the seeds: files DuckDB reads back with the same rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from presswatch.desk.export import EXPORTS, read_back_sql
from tests.deskkit import cli, query, seeds_warehouse

# What each export holds, as rows of the warehouse.
SOURCES = {
    "articles": "SELECT count(*) FROM summary_articles",
    "figures": "SELECT count(*) FROM figures",
    "stories": "SELECT count(*) FROM story_members",
    "mentions": "SELECT count(*) FROM entity_mentions",
    "alerts": "SELECT count(*) FROM alerts",
}


@pytest.fixture(scope="module")
def db(prefect_api: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeds_warehouse(tmp_path_factory.mktemp("export"))


def _read(table: str, fmt: str, out: Path) -> list[tuple]:
    return duckdb.sql(f"SELECT * FROM {read_back_sql(table, fmt, out)}").fetchall()


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("table", sorted(EXPORTS))
def test_every_table_exports_and_reads_back_with_its_rows(db: Path, tmp_path: Path, table: str, fmt: str):
    out = tmp_path / (table if table == "articles" and fmt == "parquet" else f"{table}.{fmt}")
    result = cli("export", table, "--format", fmt, "--out", str(out), "--db", str(db))
    assert result.exit_code == 0, result.output
    expected = query(db, SOURCES[table])[0][0]
    assert expected > 0, table
    assert len(_read(table, fmt, out)) == expected
    columns = [d[0] for d in duckdb.sql(f"SELECT * FROM {read_back_sql(table, fmt, out)} LIMIT 0").description]
    assert set(EXPORTS[table][1]) <= set(columns)  # every documented column is there


def test_articles_parquet_is_partitioned_by_month_and_holds_the_same_rows(db: Path, tmp_path: Path):
    out = tmp_path / "articles"
    assert cli("export", "articles", "--format", "parquet", "--out", str(out), "--db", str(db)).exit_code == 0
    months = sorted(p.name for p in out.iterdir())
    assert months and all(m.startswith("month=") for m in months)
    assert "month=2025-01" in months
    back = duckdb.sql(f"SELECT article_id, title, outlet_canonical, month FROM {read_back_sql('articles', 'parquet', out)}"
                      " ORDER BY article_id").fetchall()  # fmt: skip
    warehouse = query(db, "SELECT article_id, title, outlet_canonical, coalesce(strftime(day, '%Y-%m'), 'undated')"
                          " FROM summary_articles ORDER BY article_id")  # fmt: skip
    assert back == warehouse


def test_export_refuses_to_overwrite_and_unknown_tables(db: Path, tmp_path: Path):
    out = tmp_path / "figures.csv"
    out.write_text("keep me", encoding="utf-8")
    refused = cli("export", "figures", "--format", "csv", "--out", str(out), "--db", str(db))
    assert refused.exit_code == 2 and "--overwrite" in refused.output
    assert out.read_text(encoding="utf-8") == "keep me"
    assert cli("export", "figures", "--format", "csv", "--out", str(out), "--overwrite", "--db", str(db)).exit_code == 0
    unknown = cli("export", "documents", "--out", str(tmp_path / "x"), "--db", str(db))
    assert unknown.exit_code == 2 and "exportable: articles" in unknown.output
