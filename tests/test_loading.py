"""Reading documents: encodings, .docx, metadata, and a clear error for each bad input."""

from __future__ import annotations

import codecs

import pytest

from speechlens import SpeechlensError, read_document
from speechlens.errors import (BinaryDocumentError, DecodingError, DocumentError,
                               EmptyDocumentError, UnsupportedFormatError)

TEXT = "白沙镇党委书记 周立新 2023年度述职报告\n\n一、发展经济\n全镇招商引资签约项目12个，“两个确立”深入人心。鄉鎮黨委（測試）\n"


@pytest.mark.parametrize("encoding, prefix", [
    ("utf-8", b""),
    ("utf-8", codecs.BOM_UTF8),
    ("gb18030", b""),
    ("gbk", b""),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
])
def test_every_encoding_decodes_to_the_same_text(tmp_path, encoding, prefix):
    text = TEXT if encoding != "gbk" else TEXT.replace("“", "\"").replace("”", "\"")
    path = tmp_path / "doc.txt"
    path.write_bytes(prefix + text.encode(encoding))
    assert read_document(path).text == text


def test_gb_text_that_detectors_may_call_gb2312_uses_gb18030(tmp_path):
    # 㑇 and 镕 are outside GB2312; a GB2312 decode would fail on them.
    text = "朱镕基同志到㑇村调研，要求做好乡村振兴工作。" * 3
    path = tmp_path / "gb.txt"
    path.write_bytes(text.encode("gb18030"))
    doc = read_document(path)
    assert doc.text == text
    assert doc.encoding == "gb18030"


def test_docx_is_read_paragraph_by_paragraph(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("桃源街道党工委书记 陈静 2022年度述职报告")
    d.add_paragraph("一是垃圾分类推进不快。")
    path = tmp_path / "report.docx"
    d.save(path)
    doc = read_document(path)
    assert doc.text == "桃源街道党工委书记 陈静 2022年度述职报告\n一是垃圾分类推进不快。"
    assert (doc.unit, doc.person, doc.year, doc.genre) == ("桃源街道", "陈静", 2022, "self_report")


def test_header_line_gives_metadata(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text(TEXT, encoding="utf-8")
    doc = read_document(path)
    assert (doc.unit, doc.role, doc.person, doc.year, doc.genre) == ("白沙镇", "党委书记", "周立新", 2023, "self_report")


def test_front_matter_beats_header_and_explicit_beats_both(tmp_path):
    path = tmp_path / "2021-柳河镇-工作总结.txt"
    path.write_text("---\nunit: 青石镇\nyear: 2022\nsource: archive-7\n---\n" + TEXT, encoding="utf-8")
    doc = read_document(path)
    assert (doc.unit, doc.year) == ("青石镇", 2022)
    assert doc.person == "周立新"  # not in the front matter: from the header line
    assert doc.meta["source"] == "archive-7"
    assert doc.text.startswith("---")  # the text is never altered
    assert doc.text[doc.body_start:].startswith("白沙镇")
    assert read_document(path, unit="金桥镇", year=2020).unit == "金桥镇"


def test_file_name_gives_metadata_when_the_text_does_not(tmp_path):
    path = tmp_path / "2021-柳河镇-工作总结.txt"
    path.write_text("今年以来，我们围绕中心工作，做了以下几件事。", encoding="utf-8")
    doc = read_document(path)
    assert (doc.unit, doc.year, doc.genre) == ("柳河镇", 2021, "work_summary")


@pytest.mark.parametrize("name, data, error, words", [
    ("empty.txt", b"", EmptyDocumentError, "empty"),
    ("blank.txt", b" \n\t\r\n", EmptyDocumentError, "empty"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), BinaryDocumentError, "binary"),
    ("nul.txt", b"abc\x00\x00\x01\x02" * 50, BinaryDocumentError, "binary"),
    ("junk.txt", bytes(range(1, 32)) * 40, BinaryDocumentError, "binary"),
    ("bad-utf16.txt", codecs.BOM_UTF16_LE + b"\x00\xd8\x41", DecodingError, "undecodable"),
    ("report.pdf", b"%PDF-1.4 ...", BinaryDocumentError, "not a readable PDF"),
    ("report.xls", b"\xd0\xcf\x11\xe0...", UnsupportedFormatError, "unsupported format"),
    ("fake.docx", b"not a zip at all", DocumentError, ".docx"),
    ("pdf-named-txt.txt", b"%PDF-1.7\n...", BinaryDocumentError, "PDF"),
])
def test_bad_input_gets_a_clear_error_naming_the_file(tmp_path, name, data, error, words):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(error) as info:
        read_document(path)
    assert isinstance(info.value, SpeechlensError)
    assert name in str(info.value)
    assert words in str(info.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DocumentError, match="no such file"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(DocumentError, match="folder"):
        read_document(tmp_path)


def test_bad_metadata_value_is_an_error(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("---\ngenre: poem\n---\n正文内容。", encoding="utf-8")
    with pytest.raises(DocumentError, match="genre"):
        read_document(path)


def test_file_cut_off_inside_its_last_character_is_read(tmp_path):
    data = "全镇招商引资签约项目12个。".encode("utf-8")
    path = tmp_path / "cut.txt"
    path.write_bytes(data[:-2])  # the final 。 is cut in half
    assert read_document(path).text == "全镇招商引资签约项目12个"


def test_a_few_corrupt_bytes_do_not_lose_the_document(tmp_path):
    text = "全镇招商引资签约项目12个，两个确立深入人心。" * 200
    data = bytearray(text.encode("utf-8"))
    data[300] = 0xFF
    path = tmp_path / "damaged.txt"
    path.write_bytes(bytes(data))
    doc = read_document(path)
    assert 1 <= doc.text.count("\ufffd") <= 3
    assert "replaced" in doc.encoding


def test_a_text_opening_with_tongzhimen_is_a_speech(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("同志们：\n今天召开述职评议会。", encoding="utf-8")
    assert read_document(path).genre == "speech"
    assert read_document(path, genre="self_report").genre == "self_report"


def test_an_enormous_file_is_refused_with_the_limit_named(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    path.write_text("全镇招商引资签约项目12个。" * 1000, encoding="utf-8")
    monkeypatch.setenv("SPEECHLENS_MAX_BYTES", "10000")
    with pytest.raises(DocumentError, match="too large.*SPEECHLENS_MAX_BYTES"):
        read_document(path)
