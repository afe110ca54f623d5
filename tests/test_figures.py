"""Ledger of figures: number forms, what a figure counts, what is skipped, and the seeds' ledger.

Figures are read with the shipped subject vocabulary (seeds/vocabulary.yaml)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from presswatch.settings import SEEDS_DIR
from presswatch.summaries.figures import figures
from presswatch.summaries.figures.figures import Conflict, Figure, ValueGroup
from presswatch.summaries.figures.vocabulary import load_vocabulary

SEEDS = Path(__file__).parent / "fixtures" / "summaries" / "seeds"
VOCABULARY = load_vocabulary(SEEDS_DIR / "vocabulary.yaml")
Rows = Sequence[tuple[str, str | None, Figure]]


def extract_figures(text: str) -> list[Figure]:
    return figures.extract_figures(text, VOCABULARY)


def find_conflicts(rows: Rows, rel_tolerance: float = 0.0) -> list[Conflict]:
    return figures.find_conflicts(list(rows), VOCABULARY, rel_tolerance)


def find_agreements(rows: Rows) -> list[ValueGroup]:
    return figures.find_agreements(list(rows), VOCABULARY)


def group_values(rows: Rows) -> list[ValueGroup]:
    return figures.group_values(list(rows), VOCABULARY)


def only(text: str) -> Figure:
    figures = extract_figures(text)
    assert len(figures) == 1, figures
    return figures[0]


@pytest.fixture(scope="module")
def seed_rows() -> list[tuple[str, str | None, Figure]]:
    meta = json.loads((SEEDS / "meta.json").read_text(encoding="utf-8"))
    return [
        (path.stem, meta[path.stem]["outlet"], figure)
        for path in sorted(SEEDS.glob("*.txt"))
        for figure in extract_figures(path.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize(
    ("text", "value", "unit", "raw"),
    [
        ("训练成本为557.6万美元。", 5_576_000, "USD", "557.6万美元"),
        ("訓練成本為557.6萬美元。", 5_576_000, "USD", "557.6萬美元"),
        ("预算达1037.192亿卢比。", 103_719_200_000, "INR", "1037.192亿卢比"),
        ("預算達1037.192億盧比。", 103_719_200_000, "INR", "1037.192億盧比"),
        ("公司收入为1,600,000美元。", 1_600_000, "USD", "1,600,000美元"),
        ("净利润为人民币93，708，580元。", 93_708_580, "CNY", "人民币93，708，580元"),
        ("该公司融资$5.5 million。", 5_500_000, "USD", "$5.5 million"),
        ("共花费三百万元人民币。", 3_000_000, "CNY", "三百万元人民币"),
        ("投入五千万元打造新片。", 50_000_000, "CNY", "五千万元"),
        ("应用累计下载一千六百万次。", 16_000_000, "downloads", "一千六百万次"),
        ("印度用户占比达百分之十五点六。", 15.6, "percent", "百分之十五点六"),
        ("其中印度佔15.6％。", 15.6, "percent", "15.6％"),
        ("营收增长2.5个百分点。", 2.5, "points", "2.5个百分点"),
        ("部署了2000块GPU。", 2000, "GPU", "2000块"),
        ("印度現有18600個高性能GPU。", 18600, "GPU", "18600個"),
        ("基于2000亿Token训练量。", 200_000_000_000, "tokens", "2000亿Token"),
        ("模型拥有6710亿个参数。", 671_000_000_000, "parameters", "6710亿个参数"),
        ("完整训练只需2.788M H800 GPU小时。", 2_788_000, "GPU_hours", "2.788M H800 GPU小时"),
        ("每小时1.29美元。", 1.29, "USD/hour", "1.29美元"),
    ],
)
def test_number_forms_parse_to_base_units(text: str, value: float, unit: str, raw: str) -> None:
    figure = only(text)
    assert (figure.value, figure.unit, figure.raw) == (value, unit, raw)
    assert text[figure.start : figure.start + len(raw)] == raw


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("DeepSeek-V3的训练成本仅为557万美元。", "training_cost"),
        ("DeepSeek R1以557.6萬美元的訓練成本打破了行業困局。", "training_cost"),
        ("他们仅用了550万美元，就开发出一个非常强大的模型。", "training_cost"),
        ("DeepSeek仅用两个月就完成了训练，成本为550万美元。", "training_cost"),
        ("一个拥有1000万美元预算的小团队。", "budget"),
        ("有600万美元资金的公司。", "funding"),
        ("公司计划投资650亿美元扩建数据中心。", "investment"),
        ("英伟达市值蒸发近6000亿美元。", "market_value"),
        ("累计下载量已突破1600万次。", "downloads"),
        ("印度下载量占所有平台下载总量的15.6%。", "download_share"),
        ("印度貢獻了15.6%的跨平台下載量。", "download_share"),
        ("DeepSeek是在2000个GPU上训练完成的。", "gpu_count"),
        ("购买了48.5万块英伟达旗舰产品Hopper芯片。", "gpu_count"),
        ("上线20天日活突破2000万。", "users"),
        ("计划招募近1200人。", "staff"),
        ("事故造成73人死亡。", "people"),
        ("有140家法国参展商参加。", "organisations"),
        ("该数据无关任何关键词，共300元。", "other"),
    ],
)
def test_sentence_context_names_the_quantity(text: str, quantity: str) -> None:
    assert only(text).quantity == quantity


def test_conversion_in_brackets_keeps_the_quantity_and_is_approximate() -> None:
    budget, converted = extract_figures("预算达1037.192亿卢比（约合人民币86亿元）。")
    assert (budget.quantity, budget.unit) == ("budget", "INR")
    assert (converted.quantity, converted.unit, converted.value) == ("budget", "CNY", 8_600_000_000)
    assert converted.qualifier == "approx" and converted.approx


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("他们只花了约600万美元。", "approx"),
        ("他們只花了約600萬美元。", "approx"),
        ("集群规模达到10万颗GPU左右。", "approx"),
        ("印度有超过18000个GPU。", "over"),
        ("平台上已有100多个模型。", "over"),
        ("招募近1200人。", "under"),
        ("月销售额不超过3万元。", "under"),
        ("训练成本为557万美元。", None),
    ],
)
def test_hedges_are_recorded(text: str, qualifier: str | None) -> None:
    figure = only(text)
    assert figure.qualifier == qualifier
    assert figure.approx is (qualifier is not None)


@pytest.mark.parametrize(
    "text",
    [
        "2025年1月20日，DeepSeek发布新模型。",
        "发布时间2025-01-27 01:22:24。",
        "GPT-4和GPT-3.5都不如它。",
        "DeepSeek-R1和DeepSeek-V3已经发布。",
        "该模型在H800上训练，可与OpenAI o1相媲美。",
        "单卡支持DeepSeek-R1 1.5B/7B/8B/14B/32B/70B。",
        "AMD将模型集成到Instinct MI300X上。",
        "他获得第3名。",
        "请拨打13812345678咨询。",
        "价格仅为GPT-4的1/10。",
        "计划在未来10个月内开发本土模型，仅用18天。",
    ],
)
def test_dates_versions_model_names_and_ids_are_not_figures(text: str) -> None:
    assert extract_figures(text) == []


def test_gpu_model_number_is_not_a_gpu_count() -> None:
    assert [f.value for f in extract_figures("该模型使用英伟达H800 GPU训练，共2000块。")] == [2000]


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("DeepSeek在18天内下载量达1600萬次。", "DeepSeek"),
        ("其中，印度下载量占所有平台下载总量的15.6%。", "印度"),
        ("DeepSeek-V3完整训练的成本仅为557万美元。", "DeepSeek"),
        ("据彭博社报道，累计下载量已突破1600万次。", None),
        ("中国工程师称，他们只花了约600万美元就训练了新模型。", None),
        ("几乎是OpenAI的ChatGPT首次发布时900万次下载量的两倍。", "ChatGPT"),
    ],
)
def test_subject_is_the_nearest_named_entity_before_the_figure(text: str, subject: str | None) -> None:
    assert only(text).subject == subject


def test_seeds_report_five_training_costs(seed_rows: list[tuple[str, str | None, Figure]]) -> None:
    costs = {(a, f.value) for a, _, f in seed_rows if f.quantity == "training_cost" and f.unit == "USD"}
    assert costs == {
        ("000", 5_500_000), ("001", 5_500_000), ("002", 5_570_000), ("002", 5_580_000),
        ("003", 6_000_000), ("004", 5_576_000),
    }


def test_seed_training_costs_are_one_conflict(seed_rows: list[tuple[str, str | None, Figure]]) -> None:
    conflicts = [c for c in find_conflicts(seed_rows) if c.quantity == "training_cost"]
    assert len(conflicts) == 1
    cost = conflicts[0]
    assert (cost.subject, cost.unit, cost.min, cost.max) == ("DeepSeek", "USD", 5_500_000, 6_000_000)
    assert cost.spread == pytest.approx(0.0909, abs=1e-3)
    assert sorted(cost.article_ids) == ["000", "001", "002", "003", "004"]
    assert {"时代周报", "观察者网", "纽约时报中文网", "中國工業報"} == set(cost.outlets)
    by_value = {g.value: g.article_ids for g in cost.groups}
    assert sorted(by_value[5_500_000]) == ["000", "001"]


def test_seed_download_figure_is_an_agreement_not_a_conflict(
    seed_rows: list[tuple[str, str | None, Figure]],
) -> None:
    assert not [c for c in find_conflicts(seed_rows) if c.quantity == "downloads"]
    agreed = {(g.quantity, g.value): g for g in find_agreements(seed_rows)}
    downloads = agreed[("downloads", 16_000_000)]
    assert sorted(downloads.article_ids) == ["000", "001"]
    assert sorted(downloads.outlets) == ["时代周报", "观察者网"]
    share = agreed[("download_share", 15.6)]
    assert share.subject == "印度" and sorted(share.article_ids) == ["000", "001"]


def test_tolerance_absorbs_a_spread_below_it(seed_rows: list[tuple[str, str | None, Figure]]) -> None:
    assert not [c for c in find_conflicts(seed_rows, rel_tolerance=0.1) if c.quantity == "training_cost"]


def row(article: str, text: str) -> tuple[str, str | None, Figure]:
    return (article, f"outlet-{article}", only(text))


def test_same_value_in_both_scripts_is_one_value() -> None:
    rows = [row("a", "DeepSeek的训练成本为557.6万美元。"), row("b", "DeepSeek的訓練成本為557.6萬美元。")]
    assert find_conflicts(rows) == []
    (group,) = group_values(rows)
    assert group.article_ids == ["a", "b"] and group.value == 5_576_000


def test_figures_about_no_one_are_not_compared() -> None:
    rows = [row("a", "共有10家公司参与。"), row("b", "共有18家公司参与。")]
    assert find_conflicts(rows) == []


def test_one_article_with_two_values_is_no_conflict_alone() -> None:
    rows = [
        ("a", "x", only("DeepSeek的训练成本为557万美元。")),
        ("a", "x", only("DeepSeek的训练成本约为558万美元。")),
        ("b", "y", only("DeepSeek的训练成本为557万美元。")),
    ]
    assert find_conflicts(rows) == []


def test_different_subjects_are_not_compared() -> None:
    rows = [row("a", "DeepSeek的下载量达1600万次。"), row("b", "ChatGPT的下载量达900万次。")]
    assert find_conflicts(rows) == []
    assert {g.subject for g in group_values(rows)} == {"DeepSeek", "ChatGPT"}
