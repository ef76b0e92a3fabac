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


def _python_docx_text(path):
    """The text the reader gave before streaming: python-docx's paragraphs, then tables' rows."""
    import docx

    d = docx.Document(str(path))
    lines = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _tricky_docx(path):
    """Runs with tabs, line, page and column breaks, a hyperlink, a field, a text box, merged
    cells in both directions, a row starting late, a nested table, and text outside the body."""
    import copy

    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "页眉不算正文"
    d.add_paragraph("白沙镇党委书记 周立新 2023年度述职报告")
    p = d.add_paragraph("一是")
    r = p.add_run("垃圾分类\t推进")
    r.add_break()
    r.add_text("不快")
    p.add_run("。").add_break(WD_BREAK.PAGE)
    p.add_run("续").add_break(WD_BREAK.COLUMN)
    p._p.append(parse_xml(f'<w:hyperlink {nsdecls("w")}><w:r><w:t>见链接</w:t></w:r><w:r><w:tab/>'
                          f'<w:noBreakHyphen/><w:cr/><w:ptab w:relativeTo="margin" w:alignment="left" w:leader="none"/>'
                          f'</w:r></w:hyperlink>'))
    p._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>7</w:t></w:r></w:fldSimple>'))
    p._p.append(parse_xml(f'<w:ins {nsdecls("w")} w:id="1" w:author="x"><w:r><w:t>修订</w:t></w:r></w:ins>'))
    d.add_paragraph("")
    d.add_paragraph("  前后空格  ")
    t = d.add_table(rows=4, cols=4)
    for i, row in enumerate(t.rows):
        for j, cell in enumerate(row.cells):
            cell.text = f"格{i}{j}"
    t.cell(0, 0).merge(t.cell(0, 1))          # across
    t.cell(1, 2).merge(t.cell(3, 2))          # down three rows
    t.cell(2, 0).merge(t.cell(3, 1))          # a block
    t.cell(1, 3).add_paragraph("第二段")
    t.cell(1, 3).add_table(rows=1, cols=2).cell(0, 0).text = "嵌套"
    late = copy.deepcopy(t._tbl.tr_lst[0])
    trPr = parse_xml(f'<w:trPr {nsdecls("w")}><w:gridBefore w:val="1"/></w:trPr>')
    late.insert(0, trPr)
    late.remove(late.tc_lst[-1])
    t._tbl.append(late)
    d.add_paragraph("表后段落。")
    d.add_table(rows=1, cols=1).cell(0, 0).text = "第二表"
    d.save(path)
    return path


@pytest.mark.parametrize("make", ["tricky", "demo"])
def test_streamed_docx_text_is_byte_for_byte_what_python_docx_gives(tmp_path, make):
    from conftest import DEMO

    path = _tricky_docx(tmp_path / "t.docx") if make == "tricky" else next(DEMO.glob("*.docx"))
    want = _python_docx_text(path)
    got = read_document(path).text
    assert got.encode("utf-8") == want.encode("utf-8")
    if make == "tricky":
        assert "页眉" not in got and "嵌套" not in got and "修订" not in got and "第二段" in got
        assert "格00\n格01\t格00\n格01\t" in got and "推进\n不快" in got


def test_a_docx_with_a_dtd_is_refused(tmp_path):
    import zipfile

    import docx

    plain = tmp_path / "plain.docx"
    d = docx.Document()
    d.add_paragraph("正文")
    d.save(plain)
    evil = tmp_path / "evil.docx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(evil, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                head, _, rest = data.partition(b"?>")
                data = head + b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + rest
                data = data.replace("正文".encode(), b"&b;")
            dst.writestr(info, data)
    with pytest.raises(DocumentError, match="evil.docx: not a valid .docx file.*DTD"):
        read_document(evil)


def test_a_large_docx_is_read_with_memory_well_below_its_xml_size(tmp_path, monkeypatch):
    import tracemalloc
    import zipfile

    import docx

    from speechlens.reading.decoding import docx_text

    plain = tmp_path / "plain.docx"
    docx.Document().save(plain)
    # Word-like markup: each paragraph's properties and run formatting outweigh its text.
    para = ('<w:p><w:pPr><w:pStyle w:val="BodyText"/><w:spacing w:before="0" w:after="120" w:line="360" '
            'w:lineRule="auto"/><w:ind w:firstLine="640"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr>'
            '<w:rFonts w:ascii="FangSong" w:eastAsia="仿宋_GB2312" w:hAnsi="FangSong"/><w:sz w:val="32"/>'
            '<w:szCs w:val="32"/></w:rPr><w:t>第{n}项工作推进不够有力。</w:t></w:r></w:p>')
    n = 60_000
    big = tmp_path / "big.docx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info, src.read(info))
                continue
            head, tail = src.read(info).decode("utf-8").split("<w:body>")
            with dst.open("word/document.xml", "w") as fh:
                fh.write((head + "<w:body>").encode("utf-8"))
                for i in range(0, n, 1000):
                    fh.write("".join(para.format(n=k) for k in range(i, i + 1000)).encode("utf-8"))
                fh.write(tail.encode("utf-8"))
            xml_size = dst.getinfo("word/document.xml").file_size
    assert xml_size > 20_000_000
    monkeypatch.setenv("SPEECHLENS_MAX_BYTES", str(10 * xml_size))
    data = big.read_bytes()
    tracemalloc.start()
    try:
        text = docx_text(big, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert text.count("\n") == n - 1 and text.endswith(f"第{n - 1}项工作推进不够有力。")
    assert peak < xml_size / 5, f"peak {peak:,} bytes for {xml_size:,} bytes of XML"
