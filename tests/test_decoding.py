import gzip
import re
from pathlib import Path

import pytest

from presswatch.extract.decoding import DecodeError, decode, looks_binary, normalise_charset

FIXTURES = Path(__file__).parent / "fixtures" / "decoding"
SEEDS = Path(__file__).parents[1] / "seeds"
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def gold_passages(gold: str) -> list[str]:
    """Runs of Han characters from start, middle and end of the gold: any mojibake breaks them."""
    runs = re.findall(r"[\u4e00-\u9fff]{6,}", gold)
    assert len(runs) >= 3
    return [runs[0], runs[len(runs) // 2], runs[-1]]


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html>\n<html><head>{head}<title>t</title></head><body><p>{body}</p></body></html>\n"


@pytest.fixture(scope="module")
def simplified() -> str:
    # Seed 001 minus the one symbol (►) that GBK cannot encode.
    return seed_text("001").replace("►", ">")


@pytest.fixture(scope="module")
def traditional_big5() -> str:
    """The lines of traditional seed 004 that Big5 can represent."""
    lines = []
    for line in seed_text("004").split("\n"):
        try:
            line.encode("big5")
        except UnicodeEncodeError:
            continue
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("name", "method", "declared"),
    [
        ("gbk_meta_gb2312_05e98007", "meta", "gb2312"),
        ("gbk_wrapper_gbk_ab65832c", "wrapper", "gbk"),
        ("gbk_undeclared_caee0a34", "detector", "unset"),
    ],
)
def test_gbk_page_decodes_without_mojibake(name: str, method: str, declared: str) -> None:
    result = decode((FIXTURES / f"{name}.html").read_bytes())
    gold = (FIXTURES / f"{name}.gold.txt").read_text(encoding="utf-8")
    assert (result.encoding, result.method, result.declared) == ("gb18030", method, declared)
    for passage in gold_passages(gold):
        assert passage in result.text


@pytest.mark.parametrize("name", ["utf8_meta_gb2312_45fcfa7d", "utf8_meta_gb2312_d997d758"])
def test_utf8_page_declaring_gb2312_is_read_as_utf8(name: str) -> None:
    result = decode((FIXTURES / f"{name}.html").read_bytes())
    gold = (FIXTURES / f"{name}.gold.txt").read_text(encoding="utf-8")
    assert result.encoding == "utf-8"
    assert result.method == "utf-8"
    assert (result.declared or "").lower() == "gb2312"
    for passage in gold_passages(gold):
        assert passage in result.text


def test_big5_feed_follows_its_xml_declaration() -> None:
    result = decode((FIXTURES / "feed_xml_declaration_big5.xml").read_bytes())
    assert (result.encoding, result.method) == ("big5", "xml-declaration")
    assert "<rss>" in result.text


def test_utf16be_feed_without_bom_is_found_by_nul_pattern() -> None:
    data = (FIXTURES / "feed_utf16be_no_bom.xml").read_bytes()
    result = decode(data)
    assert result.encoding == "utf-16-be"
    assert result.text.startswith('<?xml version="1.0" encoding="utf-16be"?>')
    assert not looks_binary(data)


@pytest.mark.parametrize(
    "codec", ["gbk", "gb18030", "utf-16-le", "utf-16-be", "utf-16", "utf-8-sig", "utf-32"]
)
def test_simplified_seed_round_trips_through_encoding(simplified: str, codec: str) -> None:
    assert decode(simplified.encode(codec)).text == simplified


def test_traditional_seed_round_trips_through_big5(traditional_big5: str) -> None:
    result = decode(traditional_big5.encode("big5"))
    assert result.text == traditional_big5
    assert result.encoding == "big5"


def test_traditional_seed_round_trips_through_gbk() -> None:
    text = seed_text("004")
    assert decode(text.encode("gbk")).text == text


@pytest.mark.parametrize(("codec", "expected"), [("utf-16", "utf-16-le"), ("utf-8-sig", "utf-8")])
def test_bom_decides_and_is_removed(simplified: str, codec: str, expected: str) -> None:
    result = decode(simplified.encode(codec))
    assert (result.encoding, result.method) == (expected, "bom")
    assert not result.text.startswith("\ufeff")


def test_bom_wins_over_lying_meta(simplified: str) -> None:
    data = page(simplified, '<meta charset="gbk">').encode("utf-8-sig")
    assert decode(data).method == "bom"


def test_utf8_bytes_with_lying_gb2312_meta_decode_as_utf8(simplified: str) -> None:
    html = page(simplified, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    result = decode(html.encode("utf-8"))
    assert result.text == html
    assert (result.encoding, result.declared) == ("utf-8", "gb2312")


def test_utf8_that_also_decodes_as_gb18030_is_still_read_as_utf8() -> None:
    html = page("中国 新闻 报道 今天 发布 模型 " * 20, '<meta charset="gb2312">')
    data = html.encode("utf-8")
    data.decode("gb18030")  # the trap: two-character runs are 6 bytes, 3 valid GB18030 pairs of garbage
    result = decode(data)
    assert (result.text, result.encoding) == (html, "utf-8")


def test_gbk_bytes_with_lying_utf8_meta_decode_as_gbk(simplified: str) -> None:
    html = page(simplified, '<meta charset="utf-8">')
    result = decode(html.encode("gbk"))
    assert result.text == html
    assert (result.encoding, result.declared) == ("gb18030", "utf-8")


def test_lying_http_charset_is_overridden(simplified: str) -> None:
    utf8 = decode(page(simplified).encode("utf-8"), http_charset="iso-8859-1")
    assert (utf8.encoding, utf8.declared) == ("utf-8", "iso-8859-1")
    gbk = decode(page(simplified).encode("gbk"), http_charset="utf-8")
    assert gbk.encoding == "gb18030"
    assert gbk.text == page(simplified)


def test_true_http_charset_is_used_even_as_full_content_type(simplified: str) -> None:
    result = decode(page(simplified).encode("gbk"), http_charset="text/html; charset=GBK")
    assert (result.encoding, result.method, result.declared) == ("gb18030", "http", "GBK")


def test_gb2312_label_reads_gbk_only_characters() -> None:
    html = page("朱镕基总理", '<meta charset="gb2312">')  # 镕 is in GBK, not in GB2312
    result = decode(html.encode("gbk"))
    assert "朱镕基" in result.text
    assert result.method == "meta"


def test_big5_label_falls_back_to_hkscs() -> None:
    html = page("佢哋話㗎，香港新聞報道" * 3, '<meta charset="big5">')  # 㗎 is an HKSCS character
    result = decode(html.encode("big5hkscs"))
    assert result.text == html
    assert result.encoding == "big5hkscs"


def test_big5_page_declaring_gb2312_is_not_read_as_gbk(traditional_big5: str) -> None:
    # GB18030 accepts nearly any byte pair, so only the implausible result betrays the lie.
    html = page(traditional_big5, '<meta charset="gb2312">')
    result = decode(html.encode("big5"))
    assert result.text == html
    assert (result.encoding, result.declared) == ("big5", "gb2312")


def test_wide_charset_claimed_by_ascii_compatible_bytes_is_ignored(simplified: str) -> None:
    result = decode(page(simplified, '<meta charset="utf-16">').encode("utf-8"))
    assert result.encoding == "utf-8"


def test_crlf_is_normalised() -> None:
    assert decode("第一行\r\n第二行\r\n".encode()).text == "第一行\n第二行\n"


def test_png_bytes_raise_binary_content() -> None:
    with pytest.raises(DecodeError, match=r"binary content \(PNG image\)"):
        decode(PNG_BYTES)
    assert looks_binary(PNG_BYTES)


def test_gzipped_page_is_binary_not_text(simplified: str) -> None:
    with pytest.raises(DecodeError, match="gzip"):
        decode(gzip.compress(page(simplified).encode()))


def test_nul_laden_bytes_raise_binary_content() -> None:
    data = bytes(range(256)) * 20
    with pytest.raises(DecodeError, match="NUL bytes"):
        decode(data)
    assert looks_binary(data)


@pytest.mark.parametrize("data", [b"", b" \n\r\n\t"])
def test_empty_input_raises(data: bytes) -> None:
    with pytest.raises(DecodeError, match="empty input"):
        decode(data)


def test_plain_text_is_not_binary(simplified: str) -> None:
    assert not looks_binary(simplified.encode("utf-8"))
    assert not looks_binary(simplified.encode("gbk"))


def test_few_invalid_bytes_in_utf8_text_become_replacement_chars(simplified: str) -> None:
    head, tail = simplified[:1000].encode("utf-8"), simplified[1000:].encode("utf-8")
    broken = head + b"\xff" + tail
    result = decode(broken)
    assert result.encoding == "utf-8"
    assert result.text.count("\ufffd") == 1
    assert result.text.replace("\ufffd", "") == simplified


def test_truncated_utf8_page_declaring_utf8_keeps_its_method(simplified: str) -> None:
    data = page(simplified, '<meta charset="utf-8">').encode("utf-8")
    result = decode(data[:-40] + "中".encode()[:2])  # cut inside a multi-byte character
    assert (result.encoding, result.method) == ("utf-8", "meta")


def test_undecodable_bytes_raise_with_invalid_share() -> None:
    noise = bytes((i * 151 + 7) % 254 + 1 for i in range(5000))
    with pytest.raises(DecodeError, match=r"\d+\.\d% of characters are invalid"):
        decode(noise)


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("GB2312", "gb18030"),
        ("gbk", "gb18030"),
        ("x-gbk", "gb18030"),
        ("gb_2312-80", "gb18030"),
        ("cp936", "gb18030"),
        ("big5", "big5"),
        ("Big5-HKSCS", "big5"),
        ("utf8", "utf-8"),
        ("iso-8859-1", "cp1252"),
        ("unset", None),
        (None, None),
    ],
)
def test_charset_labels_normalise_to_decoding_codec(label: str | None, codec: str | None) -> None:
    assert normalise_charset(label) == codec
