"""HTML report structure and escaping, charts, word clouds that really have Chinese glyphs."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from speechlens import analyze, compare
from speechlens.cli import cli
from speechlens.output.fonts import FontError, covers, find_font
from speechlens.output.reporting import render_report

from conftest import DEMO


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.ids = set()
        self.scripts = 0
        self.attrs = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        d = dict(attrs)
        if "id" in d:
            self.ids.add(d["id"])
        if tag == "script":
            self.scripts += 1
        self.attrs.extend(k for k, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


def _parse(html):
    p = _Page()
    p.feed(html)
    return p


def test_report_of_a_comparison_has_every_part(demo_analyses):
    html = render_report(demo_analyses, compare(demo_analyses).to_dict())
    page = _parse(html)
    assert {"overview", "matrix", "shared", "keyness", "units", "speech", "charts"} <= page.ids
    assert page.tags.count("img") >= 12  # word clouds per unit plus two charts
    assert "http://" not in html and "https://" not in html  # no network fetches
    assert "@font-face" in html


def test_hostile_text_comes_out_as_text():
    evil = '存在的问题：一是<script>alert(1)</script>理论学习不够深入。二是"onmouseover=alert(2) x="招商不力。'
    a = analyze(evil, unit='<b>镇</b>" onclick="x')
    html = render_report([a], None, pictures=False)
    page = _parse(html)
    assert page.scripts == 1  # the report's own table script, which holds no input text
    script = html[html.index("<script>"):html.index("</script>")]
    assert "alert" not in script and "onclick" not in script
    assert "onmouseover" not in page.attrs and "onclick" not in page.attrs
    assert "<script>alert(1)</script>" in "".join(page.text)


def test_single_document_report_has_outline_and_coloured_sentences():
    a = analyze((DEMO / "2023-金桥镇-述职报告.txt").read_text(encoding="utf-8"))
    page = _parse(render_report([a], None, pictures=False))
    assert {"outline", "text", "units"} <= page.ids


def test_font_really_has_the_glyphs_drawn(tmp_path):
    try:
        font = find_font()
    except FontError:
        pytest.skip("no CJK font on this machine")
    from speechlens.output.plots import word_cloud

    _, drawn = word_cloud({"招商引资": 9, "村集体经济": 7, "网格化": 5, "两个确立": 3}, tmp_path / "c.png")
    assert drawn and covers(font, drawn) == []
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_font_without_chinese_is_refused(tmp_path):
    import matplotlib

    from pathlib import Path

    latin = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    assert covers(latin, "发展")
    with pytest.raises(FontError, match="no glyphs"):
        find_font(latin)


def test_wordcloud_and_report_commands(tmp_path):
    try:
        find_font()
    except FontError:
        pytest.skip("no CJK font on this machine")
    r = CliRunner().invoke(cli, ["wordcloud", str(DEMO), "-o", str(tmp_path / "w.png"), "--by", "unit"])
    assert r.exit_code == 0, r.output
    assert len(list(tmp_path.glob("w-*.png"))) == 13  # twelve townships and the city of the speech
    r = CliRunner().invoke(cli, ["report", str(DEMO), "-o", str(tmp_path / "r.html"), "--plots", str(tmp_path / "p")])
    assert r.exit_code == 0, r.output
    assert {p.name for p in (tmp_path / "p").iterdir()} >= {"theme-shares.png", "theme-shares.svg", "problem-heatmap.png"}
