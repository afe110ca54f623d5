"""The figures ledger's subject vocabulary (seeds/vocabulary.yaml): the shipped file reproduces the ledger
as it was when the vocabulary was Python code, a user's file changes what figures count, and a broken file
is an error that names the file and the entry."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from presswatch.settings import PROJECT_ROOT, SEEDS_DIR
from presswatch.summaries.analyses import AnalysisConfig, figure_rows, fingerprint
from presswatch.summaries.figures.figures import Figure, extract_figures
from presswatch.summaries.figures.ledger import ledger_frames
from presswatch.summaries.figures.vocabulary import VocabularyError, load_vocabulary

SHIPPED = SEEDS_DIR / "vocabulary.yaml"
FIXTURES = Path(__file__).parent / "fixtures" / "summaries"
GOLDEN = json.loads((FIXTURES / "figures-golden.json").read_text(encoding="utf-8"))


def _figure(f: Figure) -> dict[str, Any]:
    return {"quantity": f.quantity, "subject": f.subject, "value": f.value, "unit": f.unit, "raw": f.raw,
            "start": f.start, "qualifier": f.qualifier}  # fmt: skip


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, data: dict[str, Any] | str, name: str = "vocabulary.yaml") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def read(text: str, path: Path = SHIPPED) -> list[tuple[str, str, float, str | None, str]]:
    return [(f.quantity, f.unit, f.value, f.subject, f.raw) for f in extract_figures(text, load_vocabulary(path))]


# ---- the shipped file reproduces the ledger -----------------------------------------------------------


def test_golden_covers_the_seeds_and_dev_texts() -> None:
    texts = GOLDEN["texts"]
    assert len(texts) == 75 and sum(len(figures) for figures in texts.values()) == 638
    assert {Path(p).parts[0] for p in texts} == {"seeds", "tests"}


def test_shipped_vocabulary_reproduces_every_golden_figure() -> None:
    vocabulary = load_vocabulary(SHIPPED)
    found = {
        path: [_figure(f) for f in extract_figures((PROJECT_ROOT / path).read_text(encoding="utf-8"), vocabulary)]
        for path in GOLDEN["texts"]
    }
    differing = [path for path in found if found[path] != GOLDEN["texts"][path]]
    assert not differing, differing
    assert found == GOLDEN["texts"]


def test_shipped_vocabulary_reproduces_the_seeds_ledger() -> None:
    vocabulary = load_vocabulary(SHIPPED)
    meta = json.loads((FIXTURES / "seeds" / "meta.json").read_text(encoding="utf-8"))
    rows = [
        (path.stem, meta[path.stem]["outlet"], figure)
        for path in sorted((FIXTURES / "seeds").glob("*.txt"))
        for figure in extract_figures(path.read_text(encoding="utf-8"), vocabulary)
    ]
    values, conflicts = ledger_frames(rows, vocabulary)
    assert json.loads(json.dumps({"figure_values": values, "figure_conflicts": conflicts})) == GOLDEN["ledger"]


# ---- a user's vocabulary changes what figures count ---------------------------------------------------


def test_an_added_count_quantity_is_found(tmp_path: Path) -> None:
    data = shipped()
    data["counts"]["quantities"].append({"quantity": "charging_stations", "keywords": ["充电桩"], "unit": "stations"})
    path = write(tmp_path, data)
    text = "全国已建成充电桩250万个。"
    assert read(text) == [("other", "count", 2_500_000, None, "250万个")]
    assert read(text, path) == [("charging_stations", "stations", 2_500_000, None, "250万个")]


def test_an_added_unit_makes_its_numbers_figures(tmp_path: Path) -> None:
    data = shipped()
    data["units"].append({"unit": "doses", "pattern": "剂", "quantity": "vaccine_doses"})
    path = write(tmp_path, data)
    text = "该市已接种疫苗3400万剂。"
    assert read(text) == [("other", "count", 34_000_000, None, "3400万")]
    assert read(text, path) == [("vaccine_doses", "doses", 34_000_000, None, "3400万剂")]


def test_a_traditional_keyword_covers_both_scripts(tmp_path: Path) -> None:
    data = shipped()
    data["counts"]["quantities"].insert(0, {"quantity": "charging_stations", "keywords": ["充電樁"]})
    path = write(tmp_path, data)
    assert read("全国已建成充电桩250万个。", path)[0][0] == "charging_stations"
    assert read("全國已建成充電樁250萬個。", path)[0][0] == "charging_stations"


def test_a_generic_term_is_not_taken_for_the_subject(tmp_path: Path) -> None:
    data = shipped()
    data["generic_terms"].append("Tesla")
    path = write(tmp_path, data)
    assert read("Tesla的营收为100亿美元。")[0][3] == "Tesla"
    assert read("Tesla的营收为100亿美元。", path)[0][3] is None


def test_figure_rows_read_the_configured_vocabulary(tmp_path: Path) -> None:
    data = shipped()
    data["counts"]["quantities"].append({"quantity": "charging_stations", "keywords": ["充电桩"]})
    config = AnalysisConfig(vocabulary_path=str(write(tmp_path, data)))
    article = {"article_id": "a", "outlet": "x", "text": "全国已建成充电桩250万个。"}
    assert figure_rows([article], config)["quantity"] == ["charging_stations"]
    assert figure_rows([article], AnalysisConfig())["quantity"] == ["other"]


def test_editing_the_file_reloads_it_and_changes_the_figures_fingerprint(tmp_path: Path) -> None:
    path = write(tmp_path, shipped())
    config = AnalysisConfig(vocabulary_path=str(path))
    first, before = load_vocabulary(path), fingerprint("figures", config)
    assert load_vocabulary(path) is first  # cached per path
    data = shipped()
    data["generic_terms"].append("tesla")
    write(tmp_path, data)
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)  # a later version even on a coarse clock
    assert "tesla" in load_vocabulary(path).generic_terms
    assert fingerprint("figures", config) != before


# ---- a broken file is a clear error -------------------------------------------------------------------


def _break(data: dict[str, Any], how: str) -> None:
    if how == "unknown top-level key":
        data["quantites"] = []
    elif how == "unknown entry key":
        data["money"]["quantities"][2]["keyword"] = ["预算"]
    elif how == "missing keywords":
        del data["money"]["quantities"][2]["keywords"]
    elif how == "bad regex":
        data["counts"]["quantities"][0]["keywords"] = ["下载("]
    elif how == "unknown generic quantity":
        data["generic_quantities"].append("peple")
    elif how == "reserved unit":
        data["units"][0]["unit"] = "money"
    elif how == "keywords not a list":
        data["shares"]["kinds"][0]["keywords"] = "占比"


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("unknown top-level key", "top level: unknown key(s) ['quantites']"),
        ("unknown entry key", "money.quantities[2]: unknown key(s) ['keyword']"),
        ("missing keywords", "money.quantities[2]: missing key(s) ['keywords']"),
        ("bad regex", "counts.quantities[0] (downloads).keywords[0]: invalid regular expression '下载('"),
        ("unknown generic quantity", "generic_quantities: 'peple' is not a quantity"),
        ("reserved unit", "units[0] (money): 'money' is a unit the language grammar reads"),
        ("keywords not a list", "shares.kinds[0] (share).keywords: expected a list"),
    ],
)
def test_a_malformed_entry_is_an_error_naming_file_and_entry(tmp_path: Path, how: str, message: str) -> None:
    data = shipped()
    _break(data, how)
    path = write(tmp_path, data)
    with pytest.raises(VocabularyError) as error:
        load_vocabulary(path)
    assert str(error.value).startswith(f"{path.resolve()}: ")
    assert message in str(error.value)


def test_an_unknown_counter_is_an_error_at_first_use(tmp_path: Path) -> None:
    data = shipped()
    data["counts"]["counters"][1]["counters"] = ["家", "只"]
    path = write(tmp_path, data)
    with pytest.raises(VocabularyError, match=r"counts\.counters\[1\] \(organisations\): '只' is not a counter"):
        extract_figures("共有10家公司。", load_vocabulary(path))


def test_invalid_yaml_and_a_missing_file_name_the_file(tmp_path: Path) -> None:
    broken = write(tmp_path, "money:\n  quantities: [\n", name="broken.yaml")
    with pytest.raises(VocabularyError, match=re.escape(f"{broken.resolve()}: not valid YAML")):
        load_vocabulary(broken)
    with pytest.raises(VocabularyError, match=r"missing\.yaml: cannot read the vocabulary file"):
        load_vocabulary(tmp_path / "missing.yaml")
    with pytest.raises(VocabularyError, match="top level: expected a mapping"):
        load_vocabulary(write(tmp_path, "- just\n- a list\n", name="list.yaml"))
