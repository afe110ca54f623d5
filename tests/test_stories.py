"""Stories across outlets: script conversion, near-duplicates, separation of distinct articles, originals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from presswatch.summaries import stories
from presswatch.summaries.stories import (
    StoryAssignment,
    StoryInput,
    group_stories,
    minhash_signature,
    normalise_for_similarity,
    shingles,
)

FIXTURES = Path(__file__).parent / "fixtures" / "summaries"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seeds() -> dict[str, StoryInput]:
    meta = json.loads(read(FIXTURES / "seeds" / "meta.json"))
    return {
        seed: StoryInput(seed, m["outlet"], m["title"], read(FIXTURES / "seeds" / f"{seed}.txt"), m["published_at"])
        for seed, m in meta.items()
    }


@pytest.fixture(scope="module")
def dev_texts() -> list[StoryInput]:
    return [
        StoryInput(path.stem, None, None, read(path), None)
        for path in sorted((FIXTURES / "dev_texts").glob("*.txt"))
    ]


def derived(name: str, outlet: str, published_at: str | None = None, attributions: tuple[str, ...] = ()) -> StoryInput:
    return StoryInput(name, outlet, None, read(FIXTURES / "derived" / f"{name}.txt"), published_at, attributions)


def by_id(assignments: list[StoryAssignment]) -> dict[str, StoryAssignment]:
    return {a.article_id: a for a in assignments}


def story_sets(assignments: list[StoryAssignment]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for a in assignments:
        groups.setdefault(a.story_id, set()).add(a.article_id)
    return {frozenset(g) for g in groups.values()}


def test_normalisation_folds_script_width_case_and_punctuation() -> None:
    assert normalise_for_similarity("DeepSeek 發佈：新一代ＡＩ模型，訓練成本557.6萬！") == "deepseek发布新一代ai模型训练成本5576万"


def test_shingles_are_overlapping_character_runs() -> None:
    assert shingles("訓練成本很低", k=5) == {"训练成本很", "练成本很低"}
    assert shingles("短", k=5) == {"短"}
    assert shingles("，。", k=5) == set()


def test_signature_equals_datasketch_minhash_of_the_same_shingles() -> None:
    text = read(FIXTURES / "seeds" / "002.txt")
    reference = MinHash(num_perm=128, seed=stories.SEED, scheme=stories.SCHEME, hashfunc=int)
    reference.update_batch(stories._shingle_hashes(normalise_for_similarity(text), stories.SHINGLE_K))
    assert np.array_equal(minhash_signature(text), reference.hashvalues)


def test_signature_estimate_tracks_exact_jaccard(seeds: dict[str, StoryInput]) -> None:
    original, copy = seeds["001"].text, read(FIXTURES / "derived" / "001_republished.txt")
    a, b = shingles(original), shingles(copy)
    exact = len(a & b) / len(a | b)
    assert stories.estimated_jaccard(minhash_signature(original), minhash_signature(copy)) == pytest.approx(exact, abs=0.1)


def test_traditional_copy_joins_its_simplified_original(seeds: dict[str, StoryInput]) -> None:
    result = by_id(group_stories([seeds["000"], derived("000_traditional", "某繁体转载站")]))
    assert result["000_traditional"].story_id == result["000"].story_id
    assert result["000_traditional"].similarity > 0.9


def test_simplified_copy_joins_the_traditional_seed(seeds: dict[str, StoryInput]) -> None:
    result = by_id(group_stories([seeds["004"], derived("004_simplified", "某简体转载站")]))
    assert result["004_simplified"].story_id == result["004"].story_id


def test_edited_republication_links_to_its_source_outlet(seeds: dict[str, StoryInput]) -> None:
    # The copy is dated and the original is not: only the 来源 line can name the original.
    copy = derived("001_republished", "示例财经网", "2025-02-03T09:00:00+08:00", ("来源: 观察者网",))
    result = by_id(group_stories([*seeds.values(), copy]))
    linked = result["001_republished"]
    assert linked.story_id == result["001"].story_id
    assert (linked.original_article_id, linked.link_reason) == ("001", "attribution_source")
    assert 0.5 <= linked.similarity < 0.95
    assert result["001"].original_article_id is None


def test_original_title_names_the_original(seeds: dict[str, StoryInput]) -> None:
    original = seeds["002"]
    copy = StoryInput(
        "002_retitled", "某门户", "芯片管制下的中国大模型", original.text, "2025-01-26T08:00:00+08:00",
        (f"原标题：{original.title}",),
    )
    result = by_id(group_stories([copy, original]))
    assert (result["002_retitled"].original_article_id, result["002_retitled"].link_reason) == (
        "002", "attribution_title",
    )


def test_without_attribution_the_earliest_is_the_original(seeds: dict[str, StoryInput]) -> None:
    copy = derived("000_traditional", "某繁体转载站", "2025-02-09T10:00:00+08:00")
    result = by_id(group_stories([copy, seeds["000"]]))
    assert (result["000_traditional"].original_article_id, result["000_traditional"].link_reason) == ("000", "earliest")
    assert result["000"].story_id == result["000_traditional"].story_id == "000"


def test_five_articles_on_one_topic_stay_five_stories(seeds: dict[str, StoryInput]) -> None:
    result = group_stories(list(seeds.values()))
    assert len({a.story_id for a in result}) == 5
    assert all(a.original_article_id is None for a in result)


def test_unrelated_texts_do_not_merge(dev_texts: list[StoryInput], seeds: dict[str, StoryInput]) -> None:
    items = [*dev_texts, *seeds.values()]
    assert len(items) == 67
    assert len({a.story_id for a in group_stories(items)}) == 67


def test_whole_corpus_groups_exactly_the_copies(dev_texts: list[StoryInput], seeds: dict[str, StoryInput]) -> None:
    copies = [
        derived("000_traditional", "甲"), derived("004_simplified", "乙"), derived("001_republished", "丙"),
    ]
    groups = {g for g in story_sets(group_stories([*dev_texts, *seeds.values(), *copies])) if len(g) > 1}
    assert groups == {
        frozenset({"000", "000_traditional"}), frozenset({"004", "004_simplified"}),
        frozenset({"001", "001_republished"}),
    }


def test_stored_signatures_give_the_same_stories(seeds: dict[str, StoryInput]) -> None:
    items = [*seeds.values(), derived("000_traditional", "甲")]
    stored = {i.article_id: minhash_signature(i.text) for i in items[:3]}
    assert group_stories(items, signatures=stored) == group_stories(items)


def test_assignments_come_back_in_input_order(dev_texts: list[StoryInput]) -> None:
    items = dev_texts[:10]
    assert [a.article_id for a in group_stories(items)] == [i.article_id for i in items]
    assert group_stories([]) == []
