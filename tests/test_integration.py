"""Where the merged features meet: the commands and writers added beside issue 13's output rules
(reuse, report -o x.docx, compare --dtm, batch --reuse) follow them too — never an input, never an
existing file without --overwrite, CSV cells neutralised, Markdown inert."""

from __future__ import annotations

import re

from click.testing import CliRunner

from speechlens.cli import cli
from speechlens.reading.loading import document_from_text

# Written for these tests: a passage one township copied from another.
SOURCE = ("2022年，我镇投入500万元改造东岭老街排水管网，由镇领导逐段包干推进，"
          "沿街商户再也不怕夏天的内涝了，老街雨天积水的老问题得到根本解决。")
COPY = ("2023年，我街道投入900万元改造西岭老街排水管网，沿街商户再也不怕夏天的内涝了，"
        "由街道领导逐段包干推进，老街雨天积水的老问题得到根本解决。")


def _two_reports(folder):
    folder.mkdir()
    (folder / "2022-东岭镇-述职报告.txt").write_text("今年修了两座桥。" + SOURCE, encoding="utf-8")
    (folder / "2023-西岭街道-述职报告.txt").write_text("今年建了一所幼儿园。" + COPY, encoding="utf-8")
    return folder


def test_reuse_and_a_word_report_refuse_an_existing_file_without_overwrite(tmp_path):
    inputs = _two_reports(tmp_path / "in")
    runner = CliRunner()
    for command, out in ((["reuse", str(inputs)], tmp_path / "reuse.csv"),
                         (["report", str(inputs), "--no-pictures"], tmp_path / "r.docx")):
        out.write_text("an earlier result", encoding="utf-8")
        r = runner.invoke(cli, [*command, "-o", str(out)])
        assert r.exit_code == 1 and "--overwrite" in r.output, r.output
        assert out.read_text(encoding="utf-8") == "an earlier result"
        r = runner.invoke(cli, [*command, "-o", str(out), "--overwrite"])
        assert r.exit_code == 0, r.output
        assert out.read_bytes() != b"an earlier result"
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}.")]  # no temporary left


def test_compare_dtm_is_claimed_like_any_output_and_its_csv_cells_are_neutralised(tmp_path, analyzer):
    from speechlens.output.dtm import write_dtm

    inputs = _two_reports(tmp_path / "in")
    dtm = tmp_path / "counts.csv"
    dtm.write_text("an earlier result", encoding="utf-8")
    r = CliRunner().invoke(cli, ["compare", str(inputs), "--dtm", str(dtm), "--no-reuse"])
    assert r.exit_code == 1 and "--overwrite" in r.output and dtm.read_text(encoding="utf-8") == "an earlier result"
    analyses = [analyzer.analyze(document_from_text("全镇新建道路十公里，修缮校舍三处。", id="=HYPERLINK(1)"))]
    write_dtm(dtm, analyses)
    rows = dtm.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "document,term,count" and all(r.startswith("'=HYPERLINK(1)") for r in rows[1:])


def test_batch_reuse_table_is_part_of_the_batch_output(tmp_path):
    inputs = _two_reports(tmp_path / "in")
    out = tmp_path / "o.jsonl"
    table = tmp_path / "o.reuse.csv"
    table.write_text("an earlier result", encoding="utf-8")
    r = CliRunner().invoke(cli, ["batch", str(inputs), "-o", str(out), "--reuse", "-q"])
    assert r.exit_code == 1 and "--overwrite" in r.output and not out.exists()
    assert table.read_text(encoding="utf-8") == "an earlier result"
    r = CliRunner().invoke(cli, ["batch", str(inputs), "-o", str(out), "--reuse", "-q", "--overwrite"])
    assert r.exit_code == 0, r.output
    assert table.read_text(encoding="utf-8").startswith("table,")


def test_reuse_markdown_keeps_input_inert(analyzer):
    from speechlens.output.reuse_output import reuse_markdown
    from speechlens.comparison.textreuse import reuse

    docs = [document_from_text(SOURCE, unit="<img src=x onerror=alert(1)>镇", year=2022, id="a"),
            document_from_text(COPY, unit="西岭街道", year=2023, id="b")]
    md = reuse_markdown(reuse(docs))
    assert "\\<img" in md and not re.search(r"(?<!\\)<img", md)  # escaped, never a bare tag


def test_report_plots_refuse_to_replace_earlier_charts_without_overwrite(tmp_path):
    inputs = _two_reports(tmp_path / "in")
    plots = tmp_path / "plots"
    plots.mkdir()
    (plots / "problem-heatmap.svg").write_text("an earlier chart", encoding="utf-8")
    out = tmp_path / "r.html"
    r = CliRunner().invoke(cli, ["report", str(inputs), "-o", str(out), "--no-pictures", "--plots", str(plots)])
    assert r.exit_code == 1 and "--overwrite" in r.output and "problem-heatmap.svg" in r.output
    assert not out.exists() and (plots / "problem-heatmap.svg").read_text(encoding="utf-8") == "an earlier chart"


def test_every_subpackage_is_installed():
    """setup.cfg lists packages by name: a new subpackage left out works from the checkout and
    is missing after `pip install .` (speechlens.comparison.textreuse was)."""
    import configparser
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    cfg = configparser.ConfigParser()
    cfg.read(root / "setup.cfg", encoding="utf-8")
    listed = {p.strip() for p in cfg["options"]["packages"].split(",")}
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "speechlens").rglob("__init__.py")}
    assert found <= listed, found - listed
