"""The shared text rules (presswatch.text), the future-date rule (presswatch.dates) and the size cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from presswatch import dates
from presswatch.limits import over_size_cap
from presswatch.text import (
    HAN,
    is_han,
    normalise_for_match,
    normalise_for_match_with_offsets,
    opencc_table,
    script_marker_sets,
    t2s_changed_chars,
    to_simplified,
    to_simplified_keep_length,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_traditional_converts_to_simplified():
    assert to_simplified("英偉達發佈新一代晶片") == "英伟达发布新一代晶片"  # script only, not TW vocabulary


def test_full_conversion_applies_phrase_rules_but_keep_length_does_not():
    assert to_simplified("瞭解") == "了解"
    kept = to_simplified_keep_length("我們瞭解")
    assert len(kept) == 4 and kept.startswith("我们")


def test_keep_length_conversion_preserves_offsets():
    text = "台積電：ＡＩ晶片訂單，英偉達H100。"
    simple = to_simplified_keep_length(text)
    assert len(simple) == len(text) and simple.index("英伟达") == text.index("英偉達")


def test_simplified_text_is_returned_unchanged():
    text = "深度求索发布模型，训练成本557.6万美元。DeepSeek"
    assert to_simplified(text) is text


def test_match_normalisation_folds_full_width_and_case():
    assert normalise_for_match("ＤｅｅｐＳｅｅｋ與Straße") == "deepseek与strasse"
    assert normalise_for_match("ＤｅｅｐＳｅｅｋ", fold_case=False) == "DeepSeek"


def test_match_offsets_point_back_into_the_original():
    text = "ﬁrst 英偉達 Straße"
    normalised, offsets = normalise_for_match_with_offsets(text)
    assert normalised == normalise_for_match(text) == "first 英伟达 strasse"
    assert len(offsets) == len(normalised)
    assert text[offsets[normalised.index("英伟达")]] == "英"
    assert offsets[normalised.index("ss")] == text.index("ß")


def test_han_class_covers_extension_b_and_compatibility_but_not_kana_or_latin():
    for ch in ("中", "㐀", "\U00020000", "\U0002a6d6", "豈"):
        assert HAN.fullmatch(ch) and is_han(ch), hex(ord(ch))
    for ch in ("あ", "ア", "한", "A", "。", "１"):
        assert not HAN.fullmatch(ch) and not is_han(ch), ch


def test_opencc_table_is_parsed_once_per_process():
    assert opencc_table("TSCharacters.txt") is opencc_table("TSCharacters.txt")
    assert opencc_table("TSCharacters.txt")["發"][0] == "发"


def test_script_markers_exclude_characters_shared_by_both_scripts():
    trad_only, simp_only = script_marker_sets()
    assert "們" in trad_only and "们" in simp_only
    assert "中" not in trad_only | simp_only
    assert "們" in t2s_changed_chars() and "们" not in t2s_changed_chars()


def test_future_rule_allows_clock_skew_for_stated_offsets():
    assert not dates.is_future(NOW + timedelta(minutes=5), NOW)
    assert dates.is_future(NOW + timedelta(minutes=30), NOW)
    eight = timezone(timedelta(hours=8))
    assert not dates.is_future(datetime(2025, 3, 1, 20, 5, tzinfo=eight), NOW)  # 12:05 UTC
    assert dates.is_future(datetime(2025, 3, 1, 21, 0, tzinfo=eight), NOW)


def test_future_rule_for_local_time_waits_for_the_latest_zone_on_earth():
    assert not dates.is_future(datetime(2025, 3, 2, 1, 0), NOW)  # 13 h ahead of UTC: already so in UTC+14
    assert dates.is_future(datetime(2025, 3, 2, 3, 0), NOW)


def test_future_rule_for_a_bare_date_is_the_whole_day():
    assert not dates.is_future(datetime(2025, 3, 2), NOW, has_time=False)  # already 2 March in UTC+14
    assert dates.is_future(datetime(2025, 3, 3), NOW, has_time=False)
    assert dates.iso_has_time("2025-03-01T12:00:00+08:00") and not dates.iso_has_time("2025-03-01")


def test_extraction_and_validation_agree_on_future_dates():
    from presswatch.extract.metadata import CHINA_OFFSET, is_future, parse_date, to_iso
    from presswatch.validate.frames import published_fields

    for text in ("2025-03-01 20:05:00", "2025-03-01 23:00:00", "2025-03-02", "2025-03-03", "2025-03-01T12:30:00Z"):
        parsed = parse_date(text)
        assert parsed is not None
        for zone in (CHINA_OFFSET, None):
            stored = to_iso(parsed, zone)
            assert is_future(parsed, NOW, zone) == published_fields(stored, NOW)["is_future"], (text, zone)


def test_size_cap_gives_a_reason_only_above_the_cap():
    assert over_size_cap(5_000_000, 5_000_000) is None
    reason = over_size_cap(5_000_001, 5_000_000)
    assert reason is not None and "too large" in reason and "5,000,000" in reason
