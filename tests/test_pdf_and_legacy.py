"""The files departments hold: PDF with a text layer (page furniture removed), scanned PDF as a
one-line error, legacy .doc/.wps through LibreOffice or antiword, and ``-`` for standard input.
Every fixture is built here from text written for these tests."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

import pytest
from click.testing import CliRunner

from speechlens import analyze
from speechlens.cli import cli
from speechlens.errors import DocumentError
from speechlens.reading.loading import read_document
from speechlens.reading.pdf import join_wrapped, remove_furniture

BODY = ["东山镇党委书记 述职报告",
        "一、主要成绩",
        "全镇新建农村道路12公里，改造危旧房屋36户，新增城镇就业岗位420个。",
        "二、存在的问题",
        "一是村集体经济基础薄弱，5个村年经营性收入低于10万元，增收渠道比较单一，发展后劲明显不足，需要在下一步工作中重点加以解决。",
        "二是理论学习不够深入系统，学用结合还有差距。",
        "三、下一步打算",
        "要进一步抓好项目建设，推动产业转型升级。"]


def _pdf(path, pages, *, header="东山镇人民政府文件", footer="- {n} -", image=None):
    fpdf = pytest.importorskip("fpdf")
    from speechlens.output.fonts import FontError, find_font

    try:
        font = find_font()
    except FontError:
        pytest.skip("no CJK font to write the PDF fixture")
    pdf = fpdf.FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=font)
    for n, lines in enumerate(pages, 1):
        pdf.add_page()
        if image:
            pdf.image(str(image), x=20, y=20, w=150)
            continue
        pdf.set_font("cjk", size=11)
        pdf.set_y(8)
        pdf.cell(0, 6, header, align="C")
        pdf.set_y(25)
        pdf.multi_cell(0, 7, "\n".join(lines))
        pdf.set_y(-15)
        pdf.cell(0, 6, footer.format(n=n), align="C")
    pdf.output(str(path))
    return path


def test_pdf_text_without_furniture_and_with_wrapped_lines_joined(tmp_path):
    path = _pdf(tmp_path / "2023-东山镇-述职报告.pdf", [BODY[:4], BODY[4:], ["以上报告，请予评议。"]])
    doc = read_document(path)
    assert doc.encoding == "pdf" and doc.unit == "东山镇" and doc.year == 2023
    assert "东山镇人民政府文件" not in doc.text  # running header on every page
    assert "- 1 -" not in doc.text and "- 2 -" not in doc.text  # page numbers
    assert BODY[4] in doc.text.splitlines()  # the paragraph the page wrapped is one line again
    a = analyze(doc)
    assert len(a.problems) == 2
    for p in a.problems:
        assert doc.text[p.start:p.end] == p.text  # offsets point into the extracted text


def test_furniture_rules_keep_body_lines_that_only_look_alike():
    pages = ["机密文件\n正文第一段。\n第 1 页 共 3 页", "机密文件\n正文第二段。\n第 2 页 共 3 页",
             "机密文件\n正文第三段。\n2\n第 3 页 共 3 页"]
    kept = remove_furniture(pages)
    assert kept == [["正文第一段。"], ["正文第二段。"], ["正文第三段。"]]
    assert join_wrapped(["一是基础薄弱，增收渠道比较", "单一。", "二是学习不够。"]) == "一是基础薄弱，增收渠道比较单一。\n二是学习不够。"
    assert join_wrapped(["（一）产业发展", "（二）民生改善"]) == "（一）产业发展\n（二）民生改善"


def test_scanned_and_damaged_pdfs_are_one_line_errors(tmp_path):
    from PIL import Image

    png = tmp_path / "page.png"
    Image.new("RGB", (200, 280), "white").save(png)
    scanned = _pdf(tmp_path / "scan.pdf", [[]], image=png)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    for path, words in ((scanned, "scanned PDF with no text layer"), (broken, "not a readable PDF")):
        r = CliRunner().invoke(cli, ["analyze", str(path)])
        assert r.exit_code == 1, r.output
        lines = [l for l in r.output.splitlines() if l.strip()]
        assert len(lines) == 1 and path.name in lines[0] and words in lines[0]


def test_standard_input_is_read_for_a_dash():
    text = "\n".join(BODY).encode("gb18030")  # an old-encoding file piped in
    r = CliRunner().invoke(cli, ["analyze", "-", "--format", "json"], input=text)
    assert r.exit_code == 0, r.output
    import json

    d = json.loads(r.output)["documents"][0]  # analyze --format json is always {documents, comparison}
    assert d["id"] == "stdin" and len(d["problems"]) == 2


def _no_office(monkeypatch):
    import speechlens.reading.legacy as legacy

    monkeypatch.setattr(legacy, "_soffice", lambda: None)


def test_legacy_files_without_a_converter_say_what_to_install(tmp_path, monkeypatch):
    _no_office(monkeypatch)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for name in ("old.doc", "old.wps"):
        (tmp_path / name).write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)
        r = CliRunner().invoke(cli, ["analyze", str(tmp_path / name)])
        assert r.exit_code == 1
        lines = [l for l in r.output.splitlines() if l.strip()]
        assert len(lines) == 1 and name in lines[0] and "LibreOffice" in lines[0]
    assert "antiword" in r.output or name.endswith(".wps")


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for antiword")
def test_doc_goes_through_antiword_when_only_it_is_installed(tmp_path, monkeypatch):
    _no_office(monkeypatch)
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "antiword"
    (tmp_path / "out.txt").write_text("\n".join(BODY), encoding="utf-8")
    fake.write_text(f"#!/bin/sh\n{shutil.which('cat')} '{tmp_path / 'out.txt'}'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tools))
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)
    doc = read_document(tmp_path / "old.doc")
    assert doc.encoding == "antiword" and len(analyze(doc).problems) == 2


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_a_real_doc_file_made_by_libreoffice(tmp_path):
    import docx

    d = docx.Document()
    for line in BODY:
        d.add_paragraph(line)
    d.save(tmp_path / "src.docx")
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([office, f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path / "doc"), str(tmp_path / "src.docx")],
                   check=True, capture_output=True, timeout=180)
    doc = read_document(tmp_path / "doc" / "src.doc")
    assert BODY[4] in doc.text and len(analyze(doc).problems) == 2
    with pytest.raises(DocumentError, match="empty"):
        (tmp_path / "empty.doc").write_bytes(b"")
        read_document(tmp_path / "empty.doc")


def test_a_damaged_pdf_is_one_line_outside_pytest_too(tmp_path):
    import sys

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    run = subprocess.run([sys.executable, "-m", "speechlens.cli", "analyze", str(broken)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1
    lines = [l for l in (run.stdout + run.stderr).splitlines() if l.strip()]
    assert len(lines) == 1 and "not a readable PDF" in lines[0]  # pypdf's own log lines stay quiet
