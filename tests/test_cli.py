"""Every command through click's CliRunner: help, README coverage, outputs and one-line errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from speechlens.cli import cli

from conftest import DEMO, ROOT

COMMANDS = sorted(cli.commands)


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(runner, name):
    r = runner.invoke(cli, [name, "--help"])
    assert r.exit_code == 0 and "Usage" in r.output
    assert f"speechlens {name}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_version(runner):
    r = runner.invoke(cli, ["--version"])
    assert r.exit_code == 0 and "speechlens" in r.output


def test_segment_text_and_json(runner):
    f = str(DEMO / "2023-金桥镇-述职报告.txt")
    r = runner.invoke(cli, ["segment", f])
    assert r.exit_code == 0 and "高质量发展" in r.output.split()
    d = json.loads(runner.invoke(cli, ["segment", f, "--format", "json"]).output)
    assert d["unit"] == "金桥镇" and d["sentences"][0]["tokens"]


def test_analyze_json_has_one_shape_for_one_file_or_many(runner):
    f = str(DEMO / "2023-金桥镇-述职报告.txt")
    d = json.loads(runner.invoke(cli, ["analyze", f, "--format", "json"]).output)
    assert set(d) == {"documents", "comparison"} and d["comparison"] is None
    doc = d["documents"][0]
    assert doc["unit"] == "金桥镇" and doc["problems"] and set(doc["themes"]) == {"development", "livelihood", "safety", "party"}


def test_analyze_folder_json_has_documents_and_comparison(runner):
    r = runner.invoke(cli, ["analyze", str(DEMO), "--format", "json"])
    d = json.loads(r.output)
    assert len(d["documents"]) == 15
    assert {"units", "problem_matrix", "shared_problems", "keyness", "similarity"} <= set(d["comparison"])


def test_analyze_table_shows_problems_and_comparison(runner):
    r = runner.invoke(cli, ["analyze", str(DEMO), "--lang", "en"])
    assert r.exit_code == 0
    for part in ("admitted problems", "Shared problems", "Keyness", "review speech"):
        assert part in r.output


def test_compare_csv_is_one_tidy_table(runner, tmp_path):
    out = tmp_path / "c.csv"
    r = runner.invoke(cli, ["compare", str(DEMO), "--format", "csv", "-o", str(out)])
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert set(rows[0]) == {"table", "unit", "item", "measure", "value", "text", "item_name"}
    tables = {r["table"] for r in rows}
    assert {"units", "problem_matrix_themes", "shared_problems", "keyness", "similarity"} <= tables


def test_compare_markdown(runner):
    r = runner.invoke(cli, ["compare", str(DEMO), "--format", "markdown"])
    assert r.exit_code == 0 and "### 共性问题" in r.output
    r = runner.invoke(cli, ["compare", str(DEMO), "--format", "markdown", "--lang", "en"])
    assert r.exit_code == 0 and "### Shared problems" in r.output


@pytest.mark.parametrize("data, words", [(b"", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00", "binary")])
def test_bad_file_is_one_line_error_without_traceback(runner, tmp_path, data, words):
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    r = runner.invoke(cli, ["analyze", str(p)])
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    lines = [l for l in r.output.splitlines() if l.strip()]
    assert len(lines) == 1 and "bad.txt" in lines[0] and words in lines[0]


def test_evaluate_scores_a_gold_file(runner, tmp_path):
    gold = tmp_path / "g.jsonl"
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"text": "全镇签约招商项目12个", "themes": ["development"]},
        {"text": "排查整改安全隐患300处", "themes": ["safety"]},
        {"text": "发展党员8名", "themes": ["party"]},
        {"text": "新建养老服务中心1个", "themes": ["livelihood"]},
    ]), encoding="utf-8")
    r = runner.invoke(cli, ["evaluate", str(gold), "--format", "json"])
    d = json.loads(r.output)
    assert d["model"]["n"] == 4 and "macro_f1" in d["keyword_baseline"]
    r = runner.invoke(cli, ["evaluate", str(gold)])
    assert "macro-F1" in r.output


def test_train_writes_a_model_with_a_card(runner, tmp_path):
    from conftest import TINY

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [json.dumps({"text": t, "themes": list(l), "subtheme": s, "problem": p}, ensure_ascii=False) for t, l, s, p in TINY]
    (corpus / "train.jsonl").write_text("\n".join(lines * 2), encoding="utf-8")
    (corpus / "test.jsonl").write_text("\n".join(lines[:8]), encoding="utf-8")
    r = runner.invoke(cli, ["train", str(corpus), "-o", str(tmp_path / "m"), "--no-cross-part"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "m" / "MODEL.md").is_file() and (tmp_path / "m" / "metrics.json").is_file()
    r = runner.invoke(cli, ["analyze", str(DEMO / "2023-金桥镇-述职报告.txt"), "--model", str(tmp_path / "m"), "--format", "json"])
    assert r.exit_code == 0


def test_batch_command_exit_code_reports_failures(runner, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("全镇新增就业800人。", encoding="utf-8")
    r = runner.invoke(cli, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "o.jsonl")])
    assert r.exit_code == 0
    (tmp_path / "in" / "b.txt").write_bytes(b"")
    r = runner.invoke(cli, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "o.jsonl"), "--resume"])
    assert r.exit_code == 3
    assert len((tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()) == 1 + 2  # header, records


def test_kwic_finds_terms_in_context(runner):
    r = runner.invoke(cli, ["kwic", "垃圾分类", str(DEMO), "--format", "json"])
    hits = json.loads(r.output)
    assert len(hits) >= 5
    assert all(h["keyword"] == "垃圾分类" for h in hits)
    assert {h["unit"] for h in hits} >= {"桃源街道", "东湖街道"}
    r = runner.invoke(cli, ["kwic", "垃圾分类", str(DEMO), "-w", "5"])
    assert "[垃圾分类]" in r.output


def test_compare_takes_the_keyness_correction(runner):
    files = [str(DEMO / f) for f in ("2023-金桥镇-述职报告.txt", "2023-白沙镇-述职报告.txt", "2023-桃源街道-述职报告.txt")]
    plain = json.loads(runner.invoke(cli, ["compare", *files, "--format", "json", "--keyness-correction", "none"]).output)
    default = json.loads(runner.invoke(cli, ["compare", *files, "--format", "json"]).output)
    assert "uncorrected" in plain["method"]["keyness"] and "Williams" in default["method"]["keyness"]
    top = plain["keyness"]["金桥镇"][0]
    corrected = {r["term"]: r["g2"] for r in default["keyness"]["金桥镇"]}
    assert corrected.get(top["term"], 0) < top["g2"]


_ONE = str(DEMO / "2023-金桥镇-述职报告.txt")
_TWO = str(DEMO / "2023-白沙镇-述职报告.txt")
_WRITERS = {
    "analyze": ["analyze", _ONE], "compare": ["compare", _ONE, _TWO], "report": ["report", _ONE, "--no-pictures"],
    "wordcloud": ["wordcloud", _ONE], "kwic": ["kwic", "项目", _ONE], "segment": ["segment", _ONE],
}


@pytest.mark.parametrize("name", sorted(_WRITERS))
def test_output_into_a_missing_folder_is_created(runner, tmp_path, name):
    # A report is written as .html or .docx, chosen by the suffix.
    target = tmp_path / "new" / "deeper" / ("out.html" if name == "report" else "out.txt")
    r = runner.invoke(cli, [*_WRITERS[name], "-o", str(target)])
    assert r.exit_code == 0, r.output
    assert target.exists() and target.stat().st_size > 0


@pytest.mark.parametrize("name", sorted(_WRITERS))
def test_output_under_a_file_fails_in_one_line(runner, tmp_path, name):
    blocker = tmp_path / "taken"
    blocker.write_text("an earlier result", encoding="utf-8")
    r = runner.invoke(cli, [*_WRITERS[name], "-o", str(blocker / "out.txt")])
    assert r.exit_code == 1
    assert r.output.strip().count("\n") == 0 and "taken" in r.output and "Traceback" not in r.output
    assert blocker.read_text(encoding="utf-8") == "an earlier result"


def test_a_progress_bar_on_a_terminal_for_several_files(monkeypatch, analyzer):
    from speechlens import cli as cli_module

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    err = Terminal()
    monkeypatch.setattr(cli_module.sys, "stderr", err)
    from speechlens.pipeline.analysis import analyze_paths

    results = analyze_paths([_ONE, _TWO], analyzer, progress=True)
    assert len(results) == 2 and "analysing" in err.getvalue() and "/2 [" in err.getvalue()


def test_the_library_functions_behind_the_thin_commands(tmp_path):
    """segment, train, evaluate and kwic call one library function each and format its result."""
    from speechlens import Document, Segmenter
    from speechlens.output.tables import evaluation_text, kwic_text
    from speechlens.comparison.concordance import kwic
    from speechlens.text.segmentation import segmented, token_lines
    from speechlens.training.trainer import DEFAULT_C, DEFAULT_MIN_DF, evaluate_gold, train_command

    doc = Document(text="推进网格化管理。存在的问题：整改不够彻底。", unit="甲镇")
    rec = segmented(doc, Segmenter(backend="jieba"))
    assert rec["unit"] == "甲镇" and [doc.text[s["start"]:s["end"]] for s in rec["sentences"]][0] == "推进网格化管理。"
    assert token_lines(rec)[0].split() == [t for t in rec["sentences"][0]["tokens"] if t.strip()]

    assert train_command("corpora/themes", "m", C=DEFAULT_C, min_df=DEFAULT_MIN_DF) == "speechlens train corpora/themes -o m"
    assert train_command("c", "m", C=4.0, min_df=3, documents="d") == "speechlens train c -o m --C 4.0 --min-df 3 --documents d"

    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps({"text": t, "themes": l}, ensure_ascii=False) for t, l in
                              [("全镇招商引资签约项目12个。", ["development"]), ("新增就业岗位300个。", ["livelihood"])]),
                    encoding="utf-8")
    result = evaluate_gold(gold)
    assert result["n"] == 2 and set(result) == {"n", "model", "keyword_baseline"}
    assert evaluation_text(result).splitlines()[0] == "2 sentences"

    hits = kwic([doc], "整改", window=5)
    assert kwic_text(hits, "整改", 5).splitlines()[0] == "1 hits for 整改" and "[整改]" in kwic_text(hits, "整改", 5)
