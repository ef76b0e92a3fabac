"""Reports for the people who read them: Chinese labels by default, no local paths, each
paragraph once with every admission in it marked."""

from __future__ import annotations

import csv
import io
import re

import pytest
from click.testing import CliRunner

from speechlens import analyze, compare
from speechlens.cli import cli
from speechlens.output.display import file_name, genre_name, specificity_name, theme_name
from speechlens.output.reporting import paragraphs_with_problems, render_report
from speechlens.output.tables import analysis_text, comparison_rows, comparison_text

from conftest import DEMO

# Two admissions in one paragraph, under a heading; written for this test.
TWO_IN_ONE = ("东山镇党委书记 述职报告\n一、主要成绩\n全镇新建道路12公里。\n二、存在的问题\n"
              "一是村集体经济基础薄弱，5个村年经营性收入低于10万元；二是理论学习不够深入系统。\n"
              "三、下一步打算\n要进一步抓好项目建设。\n")


def _visible(html: str) -> str:
    """The page's text as a reader sees it (tags, styles and attributes removed)."""
    html = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_display_names_default_to_chinese():
    assert theme_name("development") == "发展" and theme_name("development", "en") == "development"
    assert genre_name("self_report") == "述职报告" and genre_name("self_report", "en") == "self-report"
    assert specificity_name("formulaic") == "套话" and specificity_name("concrete") == "具体"
    assert file_name("/home/someone/archive/2023-东山镇-述职报告.txt") == "2023-东山镇-述职报告.txt"
    assert file_name(r"C:\\Users\\x\\报告.docx") == "报告.docx"


def test_report_labels_are_chinese_by_default_and_english_on_request(demo_analyses):
    c = compare(demo_analyses).to_dict()
    zh = _visible(render_report(demo_analyses, c, pictures=False))
    for word in ("概览", "问题矩阵", "共性问题", "述职报告", "具体", "套话", "发展", "15 份文档"):
        assert word in zh
    for word in ("self_report", "formulaic", "concrete", "document(s)", "Shared problems", "speechlens report"):
        assert word not in zh
    en = _visible(render_report(demo_analyses, c, pictures=False, lang="en"))
    for word in ("Overview", "Shared problems", "self-report", "formulaic", "15 document(s)"):
        assert word in en


def test_terminal_tables_and_csv_names_follow_the_language(demo_analyses):
    c = compare(demo_analyses).to_dict()
    zh = analysis_text(demo_analyses[0]) + comparison_text(c)
    assert "共性问题" in zh and "承认的问题" in zh and "Shared problems" not in zh
    assert "development" not in zh and "formulaic" not in zh
    en = analysis_text(demo_analyses[0], lang="en") + comparison_text(c, lang="en")
    assert "Shared problems" in en and "development" in en
    rows = comparison_rows(c)
    dev = next(r for r in rows if r["table"] == "units" and r["item"] == "development")
    assert dev["item_name"] == "发展"  # machine name kept, display name beside it
    assert next(r for r in comparison_rows(c, "en") if r["item"] == "development")["item_name"] == "development"


def test_cli_lang_option(tmp_path):
    r = CliRunner().invoke(cli, ["compare", str(DEMO), "--format", "csv"])
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert {"发展", "民生", "文档数"} <= {x["item_name"] for x in rows}
    r = CliRunner().invoke(cli, ["analyze", str(DEMO / "2023-白沙镇-述职报告.txt"), "--lang", "fr"])
    assert r.exit_code == 2


def test_no_local_paths_in_reports_or_tables(demo_analyses):
    c = compare(demo_analyses).to_dict()
    folder = str(DEMO)
    html = render_report(demo_analyses, c, pictures=False)
    assert folder not in html and "2023-白沙镇-述职报告.txt" in html
    text = "\n".join(analysis_text(a) for a in demo_analyses)
    assert folder not in text and "2023-白沙镇-述职报告.txt" in text


def test_each_paragraph_once_with_every_admission_marked():
    a = analyze(TWO_IN_ONE)
    assert len(a.problems) == 2
    paras = paragraphs_with_problems(a)
    assert len(paras) == 1
    marked = [x for x in paras[0]["pieces"] if x.get("tag")]
    assert len(marked) == 2
    assert "".join(x["text"] for x in paras[0]["pieces"]) == a.document.text.splitlines()[4]
    assert paras[0]["heading"].startswith("二、存在的问题")
    html = render_report([a], None, pictures=False)
    units = html[html.index('id="units"'):html.index('id="outline"')]
    assert units.count("5个村年经营性收入") == 1 and units.count("一是") == 1  # the paragraph is shown once, not once per admission
    assert units.count("<mark") == 2
    assert "二、存在的问题" in units and "具体" in units and "套话" in units


@pytest.mark.parametrize("name", ["2023-白沙镇-述职报告.txt"])
def test_demo_paragraphs_are_not_repeated(demo_analyses, name):
    a = next(x for x in demo_analyses if x.document.path.endswith(name))
    paras = paragraphs_with_problems(a)
    marks = sum(1 for p in paras for x in p["pieces"] if x.get("tag"))
    assert marks == len(a.problems)
    texts = ["".join(x["text"] for x in p["pieces"]) for p in paras]
    assert len(texts) == len(set(texts))


def test_single_document_view_has_paragraphs_and_a_legend_beside_the_text():
    a = analyze(TWO_IN_ONE)
    html = render_report([a], None, pictures=False)
    text = html[html.index('<section id="text">'):]
    text = text[:text.index("</section>")]
    assert text.index('class="legend"') < text.index('class="sent')  # the legend sits above the text
    assert text.count("<p>") == len([l for l in TWO_IN_ONE.splitlines() if l.strip()])  # one per paragraph
    assert "<br>" not in text


def test_a_text_without_line_breaks_is_shown_around_its_admissions_not_whole():
    filler = "全镇新建农村道路12公里，改造危旧房屋36户。" * 60  # about 1,300 characters of achievements
    text = ("东山镇述职报告。" + filler + "存在的问题：一是村集体经济基础薄弱，5个村年经营性收入低于10万元。" + filler
            + "二是理论学习不够深入系统。" + filler)
    a = analyze(text)
    assert len(a.problems) == 2 and "\n" not in text
    paras = paragraphs_with_problems(a)
    shown = ["".join(x["text"] for x in p["pieces"]) for p in paras]
    assert len(paras) == 2 and all(len(s) < 1000 for s in shown)
    assert sum(1 for p in paras for x in p["pieces"] if x.get("tag")) == 2
    assert shown[0].startswith("…") and shown[1].endswith("…")
