"""The report printed on A4 and written as a Word document with the same sections."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from speechlens import compare
from speechlens.cli import cli
from speechlens.output.fonts import FontError, find_font
from speechlens.output.reporting import render_report, report_content
from speechlens.output.wordreport import render_docx

from conftest import DEMO


def test_print_stylesheet_sets_a4_keeps_tables_whole_and_hides_controls(demo_analyses):
    html = render_report(demo_analyses, compare(demo_analyses).to_dict(), pictures=False)
    css = html[html.index("<style>"):html.index("</style>")]
    assert re.search(r"@page\s*{[^}]*size:\s*A4", css)
    printed = css[css.index("@media print"):]
    assert re.search(r"table[^{]*{[^}]*break-inside:\s*avoid", printed)
    assert "break-before: page" in printed
    assert re.search(r"\.controls[^{]*{[^}]*display:\s*none", printed)


def test_word_report_has_the_sections_tables_charts_and_marked_admissions(demo_analyses):
    import docx
    from docx.enum.text import WD_COLOR_INDEX

    c = compare(demo_analyses).to_dict()
    data = render_docx(report_content(demo_analyses, c, pictures=False))
    d = docx.Document(io.BytesIO(data))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    for h in ("概览", "问题矩阵", "共性问题", "点评讲话", "关键词", "各单位承认的问题"):
        assert h in headings
    assert len(d.tables) == 4  # overview, matrix, the speech's criticisms, keyness
    assert d.tables[0].rows[0].cells[0].text == "单位" and len(d.tables[0].rows) == len(c["units"]) + 1
    marked = [r for p in d.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    assert len(marked) == sum(len(a.problems) for a in demo_analyses)
    section = d.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.1 and abs(section.page_height.cm - 29.7) < 0.1
    assert str(DEMO) not in "\n".join(p.text for p in d.paragraphs)


def test_report_command_writes_docx_and_never_overwrites_an_input(tmp_path):
    src = tmp_path / "2023-东山镇-述职报告.txt"
    src.write_text("东山镇党委书记 述职报告\n二、存在的问题\n一是村集体经济基础薄弱。二是理论学习不够深入系统。\n",
                   encoding="utf-8")
    out = tmp_path / "r.docx"
    r = CliRunner().invoke(cli, ["report", str(src), "-o", str(out), "--no-pictures"])
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:2] == b"PK"
    before = src.read_bytes()
    r = CliRunner().invoke(cli, ["report", str(src), "-o", str(src), "--no-pictures"])
    assert r.exit_code == 1 and "also an input" in r.output
    assert src.read_bytes() == before
    r = CliRunner().invoke(cli, ["report", str(src), "-o", str(tmp_path / "r.pdf"), "--no-pictures"])
    assert r.exit_code == 1 and ".html or .docx" in r.output


def test_word_report_carries_the_charts_and_one_cloud_per_unit(demo_analyses):
    import docx

    try:
        find_font()
    except FontError:
        pytest.skip("no CJK font on this machine")
    some = [a for a in demo_analyses if a.document.unit in ("东湖街道", "白沙镇", "金桥镇")]
    d = docx.Document(io.BytesIO(render_docx(report_content(some, compare(some).to_dict()))))
    assert "图表" in [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    # three charts (theme shares, heat map, and the year-over-year trend: 东湖街道 and 白沙镇 report
    # in two years), and one word cloud for each of the three units
    assert len(d.inline_shapes) == 3 + 3


def test_word_report_survives_control_characters_and_hostile_names():
    import docx

    from speechlens import analyze

    a = analyze("存在的问题：一是招商引资\x0c不力。\x0b二是<script>理论学习</script>不够深入。", unit="<b>镇\x01</b>")
    d = docx.Document(io.BytesIO(render_docx(report_content([a], None, pictures=False))))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "<script>理论学习</script>" in text and "\x0c" not in text and "<b>镇</b>" in text
