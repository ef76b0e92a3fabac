"""Adversarial inputs and outputs (issue 13): nothing lost, nothing hangs, no output destroys an
input, one line for every expected failure."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from speechlens.batch.run import run_batch

from conftest import DEMO


@contextlib.contextmanager
def _deadline(seconds: float):
    """Fail (instead of hanging for minutes) when the block runs past a generous bound."""
    def expired(signum, frame):
        raise AssertionError(f"still running after {seconds} s: not linear")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _write_rows(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# -- 1. quadratic sentence splitting -------------------------------------------------------------
ADVERSARIAL_RUNS = ["。 ", "……", "”。", "。”……！？；", "！！？？", ".。", "；\u3000"]


@pytest.mark.parametrize("run", ADVERSARIAL_RUNS)
def test_runs_of_bare_punctuation_split_in_linear_time(run):
    from speechlens.text.structure import sentence_table

    text = "开头一句。" + run * (400_000 // len(run)) + "结尾一句。"
    with _deadline(20):  # linear: well under a second; the old scan needed minutes
        tab = sentence_table(text)
    assert tab.starts[0] == 0 and tab.ends[-1] == len(text)
    assert all(text[a:b].strip() for a, b in zip(tab.starts, tab.ends))


def _spans_reference(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The old, quadratic definition of sentence spans, kept here as the specification."""
    from speechlens.text.structure import SENT_END, SPAN_STRIP, WS

    out, pos = [], start
    for m in SENT_END.finditer(text, start, end):
        if text[pos:m.end()].strip(SPAN_STRIP):
            out.append((pos, m.end()))
            pos = m.end()
    if text[pos:end].strip(WS):
        out.append((pos, end))
    return out


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=list("。！？；…”’」）.!?; \u3000\n甲乙"), max_size=60))
def test_linear_span_scan_gives_the_spans_of_the_definition(text):
    from speechlens.text.structure import sentence_spans

    assert sentence_spans(text, 0, len(text)) == _spans_reference(text, 0, len(text))


def test_batch_turns_a_runaway_document_into_an_error_record(analyzer, tmp_path, monkeypatch):
    import speechlens.pipeline.analysis as analysis

    real = analysis.Analyzer._analyze_batch

    def slow(self, docs):
        if any("卡住" in d.text for d in docs):
            time.sleep(30)
        return real(self, docs)

    monkeypatch.setattr(analysis.Analyzer, "_analyze_batch", slow)
    rows = _write_rows(tmp_path / "rows.jsonl", [
        {"id": "a", "text": "全镇签约项目5个。"}, {"id": "b", "text": "这一篇会卡住。"},
        {"id": "c", "text": "理论学习不够深入。"}])
    out = tmp_path / "out.jsonl"
    started = time.monotonic()
    summary = run_batch([str(rows)], out, analyzer=analyzer, doc_timeout=1)
    assert time.monotonic() - started < 25
    recs = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    recs = [r for r in recs if "key" in r]
    assert [r["id"] for r in recs] == ["a", "b", "c"]
    assert [bool(r["error"]) for r in recs] == [False, True, False]
    assert "took longer than 1 s" in recs[1]["error"] and summary.failures == 1


# -- 4. outputs that destroy inputs or earlier results ---------------------------------------------
ROW = {"id": "r1", "text": "全镇新增就业800人。就业服务还不够精准。"}


def test_batch_refuses_an_output_that_is_its_input_even_with_resume(analyzer, tmp_path):
    from speechlens import SpeechlensError

    rows = _write_rows(tmp_path / "rows.jsonl", [ROW])
    before = rows.read_bytes()
    for flags in ({}, {"resume": True}, {"overwrite": True}):
        with pytest.raises(SpeechlensError, match="also an input"):
            run_batch([str(rows)], rows, analyzer=analyzer, **flags)
    assert rows.read_bytes() == before


def test_resume_refuses_a_file_that_is_no_speechlens_journal(analyzer, tmp_path):
    from speechlens import SpeechlensError

    rows = _write_rows(tmp_path / "rows.jsonl", [ROW])
    unrelated = _write_rows(tmp_path / "notes.jsonl", [{"note": "我的笔记"}, {"key": "x"}])
    before = unrelated.read_bytes()
    with pytest.raises(SpeechlensError, match="not a speechlens batch journal"):
        run_batch([str(rows)], unrelated, analyzer=analyzer, resume=True)
    assert unrelated.read_bytes() == before


def test_overwrite_with_a_bad_model_keeps_the_earlier_results(tmp_path):
    from speechlens import Analyzer, SpeechlensError

    rows = _write_rows(tmp_path / "rows.jsonl", [ROW])
    out = tmp_path / "out.jsonl"
    run_batch([str(rows)], out, analyzer=Analyzer())
    before = out.read_bytes()
    with pytest.raises(SpeechlensError):
        run_batch([str(rows)], out, analyzer=Analyzer(model=str(tmp_path / "typo")), overwrite=True)
    with pytest.raises(SpeechlensError):
        run_batch([str(tmp_path / "missing.jsonl")], out, analyzer=Analyzer(), overwrite=True)
    assert out.read_bytes() == before


def test_batch_csv_refuses_to_replace_an_existing_table_without_a_flag(analyzer, tmp_path):
    from speechlens import SpeechlensError

    rows = _write_rows(tmp_path / "rows.jsonl", [ROW])
    table = tmp_path / "out.csv"
    table.write_text("my,own\n1,2\n", encoding="utf-8")
    with pytest.raises(SpeechlensError, match="exists"):
        run_batch([str(rows)], table, analyzer=analyzer)
    assert table.read_text(encoding="utf-8") == "my,own\n1,2\n"


@pytest.mark.parametrize("command", [["analyze"], ["segment"], ["compare"], ["kwic", "就业"]])
def test_every_output_option_refuses_its_input_and_an_existing_file(command, tmp_path):
    from click.testing import CliRunner

    from speechlens.cli import cli

    doc = tmp_path / "a.txt"
    doc.write_text("全镇新增就业800人。就业服务还不够精准。", encoding="utf-8")
    before = doc.read_bytes()
    runner = CliRunner()
    r = runner.invoke(cli, command + [str(doc), "-o", str(doc)])
    assert r.exit_code != 0 and "also an input" in r.output and doc.read_bytes() == before
    out = tmp_path / "out.txt"
    out.write_text("earlier result", encoding="utf-8")
    r = runner.invoke(cli, command + [str(doc), "-o", str(out)])
    assert r.exit_code != 0 and "--overwrite" in r.output and out.read_text(encoding="utf-8") == "earlier result"
    r = runner.invoke(cli, command + [str(doc), "-o", str(out), "--overwrite"])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8") != "earlier result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "out.txt"]  # no temporary file left


def test_report_and_train_refuse_to_replace_without_overwrite(tmp_path):
    from click.testing import CliRunner

    from speechlens.cli import cli

    doc = tmp_path / "a.txt"
    doc.write_text("全镇新增就业800人。就业服务还不够精准。", encoding="utf-8")
    html = tmp_path / "r.html"
    html.write_text("earlier", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(cli, ["report", str(doc), "-o", str(html), "--no-pictures"])
    assert r.exit_code != 0 and "--overwrite" in r.output and html.read_text(encoding="utf-8") == "earlier"
    model = tmp_path / "m"
    model.mkdir()
    (model / "model.json").write_text("{}", encoding="utf-8")
    r = runner.invoke(cli, ["train", str(tmp_path), "-o", str(model)])
    assert r.exit_code != 0 and "--overwrite" in r.output


def test_an_atomic_write_that_fails_leaves_the_old_file(tmp_path):
    from speechlens.output.files import atomic_path

    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old" and sorted(tmp_path.iterdir()) == [target]


# -- 5. one writer per output ------------------------------------------------------------------------
def test_a_second_writer_is_refused_naming_the_running_one(analyzer, tmp_path):
    import subprocess
    import sys

    from speechlens import SpeechlensError

    rows = _write_rows(tmp_path / "rows.jsonl", [ROW])
    out = tmp_path / "out.jsonl"
    run_batch([str(rows)], out, analyzer=analyzer)
    before = out.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom speechlens.output.files import exclusive_lock\n"
         f"with exclusive_lock({str(out)!r}):\n    print('held', flush=True)\n    time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        for flags in ({"resume": True}, {"overwrite": True}):
            with pytest.raises(SpeechlensError, match=f"pid {holder.pid}"):
                run_batch([str(rows)], out, analyzer=analyzer, **flags)
        assert out.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    run_batch([str(rows)], out, analyzer=analyzer, resume=True)  # the lock dies with its holder


# -- 3. file names that are not UTF-8, lone surrogates -------------------------------------------------
def _gbk_archive(tmp_path: Path) -> Path:
    src = tmp_path / "gbk"
    src.mkdir()
    text = "白沙镇党委书记述职报告\n全镇新增就业800人。存在的问题：一是就业服务还不够精准。\n"
    (src / "ok.txt").write_text(text, encoding="utf-8")
    name = "白沙镇.txt".encode("gbk")  # an archive unzipped with GBK names
    with open(bytes(src) + b"/" + name, "wb") as fh:
        fh.write(text.encode("utf-8"))
    return src


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_batch_keeps_a_file_name_that_is_not_utf8_and_resumes_past_it(analyzer, tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    from speechlens.batch.run import read_journal

    src = _gbk_archive(tmp_path)
    out = tmp_path / f"out.{fmt}"
    summary = run_batch([str(src)], out, analyzer=analyzer)
    journal = out if fmt == "jsonl" else Path(str(out) + ".journal.jsonl")
    recs = list(read_journal(journal))
    assert summary.failures == 0 and len(recs) == 2
    gbk = next(r for r in recs if r["key"] != "gbk/ok.txt")
    assert Path(gbk["path"]).exists() and gbk["problem_count"] >= 1  # the name is kept exactly
    again = run_batch([str(src)], out, analyzer=analyzer, resume=True)
    assert again.documents == 0 and again.skipped == 2


def test_a_lone_surrogate_in_an_export_row_is_recorded_not_a_crash(analyzer, tmp_path):
    from speechlens.batch.run import read_journal

    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"id": "s\\ud800", "unit": "\\udc00镇", "text": "全镇新增就业800人。就业服务\\ud800还不够精准。"}\n',
                    encoding="utf-8")
    out = tmp_path / "out.csv"
    run_batch([str(rows)], out, analyzer=analyzer)
    rec = next(read_journal(Path(str(out) + ".journal.jsonl")))
    assert rec["id"] == "s\ud800" and rec["error"] is None and rec["problem_count"] == 1
    assert "\\ud800" in out.read_text(encoding="utf-8")  # shown as its escape in the table


def test_analyze_and_report_write_outputs_for_names_that_are_not_utf8(tmp_path):
    from click.testing import CliRunner

    from speechlens.cli import cli

    src = _gbk_archive(tmp_path)
    runner = CliRunner()
    for args in (["analyze", str(src), "--format", "json", "-o", str(tmp_path / "a.json")],
                 ["analyze", str(src), "--format", "jsonl"],
                 ["report", str(src), "--no-pictures", "-o", str(tmp_path / "r.html")]):
        r = runner.invoke(cli, args)
        assert r.exit_code == 0, (args, r.output, r.exception)
    d = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert sorted(Path(x["path"]).exists() for x in d["documents"]) == [True, True]  # exact names


# -- 2. .docx decompression bomb ------------------------------------------------------------------------
def test_a_docx_that_unpacks_past_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    import zipfile

    import docx

    from speechlens import read_document
    from speechlens.errors import DocumentError

    plain = tmp_path / "plain.docx"
    d = docx.Document()
    d.add_paragraph("全镇新增就业800人。")
    d.save(plain)
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("customXml/item9.xml", "<a>" + " " * 3_000_000 + "</a>")  # 3 MB of XML, 3 KB packed
    assert bomb.stat().st_size < 100_000
    monkeypatch.setenv("SPEECHLENS_MAX_BYTES", "1000000")
    assert "800" in read_document(plain).text
    with pytest.raises(DocumentError, match=r"bomb.docx: unpacks to 3\.\d MB, over the limit of 1\.0 MB"):
        read_document(bomb)


# -- 11. special files -----------------------------------------------------------------------------------
def test_devices_and_fifos_are_refused_in_one_line_without_reading(tmp_path):
    import os

    from speechlens import read_document
    from speechlens.errors import DocumentError

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with _deadline(20):  # opening a FIFO used to wait for a writer forever
        with pytest.raises(DocumentError, match=r"pipe.txt: is a FIFO \(named pipe\), not a regular file"):
            read_document(fifo)
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")
    with pytest.raises(DocumentError, match="zero.txt: is a character device"):
        read_document(zero)


def test_the_size_limit_holds_whatever_size_a_file_claims(tmp_path, monkeypatch):
    from speechlens.errors import DocumentError
    from speechlens.reading.decoding import read_limited

    f = tmp_path / "a.txt"
    f.write_bytes(b"x" * 2001)
    assert read_limited(f, 2001) == b"x" * 2001
    with pytest.raises(DocumentError, match=r"too large \(over 2,000 bytes\)"):
        read_limited(f, 2000)


def test_batch_reports_the_entries_it_passes_over(analyzer, tmp_path, monkeypatch):
    import os

    from speechlens.batch.run import read_journal

    src = tmp_path / "arch"
    (src / "locked").mkdir(parents=True)
    (src / "a.txt").write_text("全镇新增就业800人。", encoding="utf-8")
    (src / "locked" / "b.txt").write_text("全镇新增就业900人。", encoding="utf-8")
    os.mkfifo(src / "pipe.txt")
    (src / "gone.txt").symlink_to(src / "nothing.txt")
    real_scandir = os.scandir

    def scandir(path="."):  # a folder this user may not list (chmod 0 does not stop root)
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with _deadline(60):
        summary = run_batch([str(src)], tmp_path / "out.jsonl", analyzer=analyzer)
    assert [r["key"] for r in read_journal(tmp_path / "out.jsonl")] == ["arch/a.txt"]
    text = summary.text()
    assert "3 entries passed over" in text
    assert "pipe.txt: a FIFO (named pipe), not a regular file" in text
    assert "gone.txt: link to nothing" in text and "locked: folder cannot be read (Permission denied)" in text


# -- 7. CSV formula injection ----------------------------------------------------------------------------
FORMULA_TEXT = "全镇新增就业800人。存在的问题：一是就业服务还不够精准。"


def _csv_cells(path: Path) -> list[str]:
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def test_batch_csv_tables_neutralise_cells_that_start_like_formulas(analyzer, tmp_path):
    import pyarrow.parquet as pq

    rows = _write_rows(tmp_path / "rows.jsonl", [
        {"id": '=HYPERLINK("http://x","点我")', "unit": "=cmd|' /C calc'!A0", "text": FORMULA_TEXT},
        {"id": "@SUM(1)", "unit": "+甲镇", "text": "-" + FORMULA_TEXT}])
    run_batch([str(rows)], tmp_path / "out.csv", analyzer=analyzer)
    cells = _csv_cells(tmp_path / "out.csv") + _csv_cells(tmp_path / "out.problems.csv")
    assert '\'=HYPERLINK("http://x","点我")' in cells and "'=cmd|' /C calc'!A0" in cells and "'+甲镇" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    run_batch([str(rows)], tmp_path / "out.parquet", analyzer=analyzer)
    assert pq.read_table(tmp_path / "out.parquet").column("id").to_pylist()[0] == '=HYPERLINK("http://x","点我")'


def test_compare_and_kwic_csv_neutralise_formulas(tmp_path):
    from click.testing import CliRunner

    from speechlens.cli import cli

    for i, unit in enumerate(["=cmd|calc", "@甲镇"]):
        (tmp_path / f"{i}.txt").write_text(f"---\nunit: {unit}\n---\n{FORMULA_TEXT}\n", encoding="utf-8")
    runner = CliRunner()
    for args in (["compare", str(tmp_path), "--format", "csv"], ["kwic", "就业", str(tmp_path), "--format", "csv"]):
        r = runner.invoke(cli, args)
        assert r.exit_code == 0, r.output
        import csv
        import io

        cells = [c for row in csv.reader(io.StringIO(r.output)) for c in row]
        assert "'=cmd|calc" in cells and "'@甲镇" in cells
        assert not [c for c in cells if c.startswith(("=", "+", "@"))]


# -- 8. one bad export row never stops the archive -----------------------------------------------------
def test_a_row_without_the_text_field_is_an_error_record_and_resume_goes_past_it(analyzer, tmp_path):
    from speechlens.batch.run import read_journal

    rows = _write_rows(tmp_path / "rows.jsonl", [ROW, {"id": "no-text", "body": "别的字段"},
                                                 {"id": "r3", "text": "全镇排查隐患300处。"}])
    out = tmp_path / "out.jsonl"
    summary = run_batch([str(rows)], out, analyzer=analyzer)
    recs = list(read_journal(out))
    assert [bool(r["error"]) for r in recs] == [False, True, False] and summary.failures == 1
    assert "rows.jsonl:2: no 'text' field" in recs[1]["error"]
    assert run_batch([str(rows)], out, analyzer=analyzer, resume=True).documents == 0


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_exports_and_metadata_are_decoded_like_documents(analyzer, tmp_path, encoding):
    from speechlens.batch.run import read_journal

    jl = tmp_path / "rows.jsonl"
    jl.write_text(json.dumps(ROW, ensure_ascii=False) + "\n", encoding=encoding)
    cs = tmp_path / "rows.csv"
    cs.write_text("id,text\nc1,全镇排查隐患300处。\n", encoding=encoding)
    meta = tmp_path / "meta.csv"
    meta.write_text("id,区域\nr1,东部\n", encoding=encoding)
    out = tmp_path / "out.jsonl"
    run_batch([str(jl), str(cs)], out, analyzer=analyzer, metadata_file=str(meta))
    recs = list(read_journal(out))
    assert [(r["id"], r["error"]) for r in recs] == [("r1", None), ("c1", None)]
    assert recs[0]["metadata"]["区域"] == "东部"


def test_an_undecodable_row_is_an_error_record(analyzer, tmp_path):
    from speechlens.batch.run import read_journal

    jl = tmp_path / "rows.jsonl"
    jl.write_bytes((json.dumps(ROW, ensure_ascii=False) + "\n").encode("utf-8") + b'{"id": "x", "text": "\xff\xfe"}\n'
                   + (json.dumps({"id": "r3", "text": "全镇排查隐患300处。"}, ensure_ascii=False) + "\n").encode("utf-8"))
    run_batch([str(jl)], tmp_path / "out.jsonl", analyzer=analyzer)
    recs = list(read_journal(tmp_path / "out.jsonl"))
    assert [bool(r["error"]) for r in recs] == [False, True, False]
    assert "rows.jsonl:2: undecodable bytes" in recs[1]["error"]


def test_an_unterminated_csv_quote_is_an_error_record_not_a_merge(analyzer, tmp_path):
    from speechlens.batch.run import read_journal

    cs = tmp_path / "rows.csv"
    cs.write_text('id,text,unit\n'
                  'a,全镇新增就业800人。,甲镇\n'
                  'b,"引号没有关上。,乙镇\n'
                  'c,全镇排查隐患300处。,丙镇\n'
                  'd,"理论学习不够深入。",丁镇\n', encoding="utf-8")
    run_batch([str(cs)], tmp_path / "out.jsonl", analyzer=analyzer)
    recs = list(read_journal(tmp_path / "out.jsonl"))
    assert recs[0]["id"] == "a" and recs[0]["error"] is None
    assert all(r["error"] for r in recs[1:]) and "rows.csv:3-" in recs[1]["error"]
    assert not any(r["id"] in ("b", "c") and r["error"] is None for r in recs)  # no silent merge


# -- 6. resume keys do not depend on how a path was spelled ----------------------------------------------
def test_resume_with_the_input_spelled_otherwise_redoes_nothing(analyzer, tmp_path, monkeypatch):
    from speechlens.batch.run import read_journal

    arch = tmp_path / "arch" / "00"
    (arch / "sub").mkdir(parents=True)
    for i, where in enumerate(["", "sub/"]):
        (arch / f"{where}d{i}.txt").write_text(f"全镇新增就业{800 + i}人。", encoding="utf-8")
    export = _write_rows(tmp_path / "arch" / "rows.jsonl", [ROW])
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.jsonl"
    run_batch(["arch/00", "arch/rows.jsonl"], out, analyzer=analyzer)
    keys = [r["key"] for r in read_journal(out)]
    assert keys == ["00/d0.txt", "00/sub/d1.txt", "rows.jsonl:1:r1"]
    again = run_batch([str(arch.resolve()) + "/", str(export.resolve())], out, analyzer=analyzer, resume=True)
    assert again.documents == 0 and again.skipped == 3
    again = run_batch(["./arch/00/../00", "arch/*.jsonl"], out, analyzer=analyzer, resume=True)
    assert again.documents == 0


def test_two_folders_of_the_same_name_keep_distinct_keys(analyzer, tmp_path):
    from speechlens.batch.run import read_journal

    for side in ("east", "west"):
        (tmp_path / side / "00").mkdir(parents=True)
        (tmp_path / side / "00" / "a.txt").write_text(f"{side}全镇新增就业800人。", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run_batch([str(tmp_path / "east" / "00"), str(tmp_path / "west" / "00")], out, analyzer=analyzer)
    keys = [r["key"] for r in read_journal(out)]
    assert len(set(keys)) == 2 and keys[0] == "00/a.txt"
    assert run_batch([str(tmp_path / "east" / "00"), str(tmp_path / "west" / "00")], out, analyzer=analyzer,
                     resume=True).documents == 0


# -- 10. models are validated when loaded --------------------------------------------------------------
MODEL_DAMAGE = [
    ("json", lambda d: d.pop("subthemes"), "lacks 'subthemes'"),
    ("json", lambda d: d["params"].update(gamma=1), "unknown params 'gamma'"),
    ("json", lambda d: d.update(problem_threshold="high"), "'problem_threshold' must be a number from 0 to 1"),
    ("json", lambda d: d.update(vocabulary=d["vocabulary"] + ["多余特征"]), r"idf_ has shape \(\d+,\), the model needs"),
    ("json", lambda d: d["params"].update(min_df="2"), "params 'min_df' must be"),
    ("npz", lambda a: a.update(coef_=a["coef_"][:-1]), "coef_ has shape"),
    ("npz", lambda a: a["coef_"].__setitem__((0, 0), float("nan")), "coef_ holds inf or NaN"),
    ("npz", lambda a: a["platt_"].__setitem__((1, 0), float("inf")), "platt_ holds inf or NaN"),
    ("npz", lambda a: a.update(intercept_=a["intercept_"].astype("int64")), "intercept_ holds int64"),
]


@pytest.mark.parametrize("part, damage, message", MODEL_DAMAGE)
def test_a_damaged_model_fails_at_load_in_one_line(tiny_classifier, tmp_path, part, damage, message):
    import numpy as np
    from click.testing import CliRunner

    from speechlens.cli import cli
    from speechlens.errors import ModelError
    from speechlens.model.persistence import save_model
    from speechlens.model.themes import ThemeClassifier

    model = tmp_path / "m"
    save_model(tiny_classifier, model)
    if part == "json":
        d = json.loads((model / "model.json").read_text(encoding="utf-8"))
        damage(d)
        (model / "model.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    else:
        with np.load(model / "weights.npz") as z:
            arrays = {k: z[k].copy() for k in z.files}
        damage(arrays)
        np.savez(model / "weights.npz", **arrays)
    with pytest.raises(ModelError, match=message):
        ThemeClassifier.load(model)
    doc = tmp_path / "a.txt"
    doc.write_text("全镇新增就业800人。", encoding="utf-8")
    r = CliRunner().invoke(cli, ["analyze", str(doc), "--model", str(model)])
    assert r.exit_code == 1 and str(model) in r.output and re.search(message, r.output)
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


# -- 15. smaller things -----------------------------------------------------------------------------------
def test_nul_bytes_anywhere_make_a_file_binary(tmp_path):
    from speechlens import read_document
    from speechlens.errors import BinaryDocumentError

    f = tmp_path / "late.txt"
    f.write_bytes("全镇新增就业800人。\n".encode("utf-8") * 400 + b"\x00" * 10 + "结尾。".encode("utf-8"))
    with pytest.raises(BinaryDocumentError, match="NUL"):
        read_document(f)


@pytest.mark.parametrize("data", [b"\xc1", b"\xe4\xb8", bytes([0x9a, 0xfe, 0x41, 0x8f, 0x30, 0x81]),
                                  bytes([0x83, 0x35, 0xc7, 0x31, 0xd4, 0x99, 0x8a, 0x40, 0xb5, 0x62])])
def test_a_few_undecodable_bytes_are_undecodable_not_guessed(tmp_path, data):
    from speechlens import read_document
    from speechlens.errors import DocumentError

    f = tmp_path / "tiny.txt"
    f.write_bytes(data)
    with pytest.raises(DocumentError, match="undecodable|binary"):
        read_document(f)


def test_a_short_gbk_file_still_reads_as_gb18030(tmp_path):
    from speechlens import read_document

    f = tmp_path / "short.txt"
    f.write_bytes("东部片区。".encode("gbk"))
    doc = read_document(f)
    assert doc.text == "东部片区。" and doc.encoding == "gb18030"


def test_a_bad_size_limit_is_an_error_and_small_limits_read_plainly(tmp_path, monkeypatch):
    from speechlens import SpeechlensError, read_document
    from speechlens.errors import DocumentError

    f = tmp_path / "a.txt"
    f.write_text("全镇新增就业800人。" * 100, encoding="utf-8")
    monkeypatch.setenv("SPEECHLENS_MAX_BYTES", "abc")
    with pytest.raises(SpeechlensError, match="SPEECHLENS_MAX_BYTES='abc' is not a whole number"):
        read_document(f)
    monkeypatch.setenv("SPEECHLENS_MAX_BYTES", "500")
    with pytest.raises(DocumentError, match=r"too large \(over 500 bytes\)"):
        read_document(f)


def test_retry_errors_redoes_failed_documents_and_keeps_one_record_each(analyzer, tmp_path):
    from speechlens.batch.run import read_journal

    src = tmp_path / "arch"
    src.mkdir()
    (src / "a.txt").write_text("全镇新增就业800人。", encoding="utf-8")
    (src / "b.txt").write_bytes(b"")
    out = tmp_path / "out.jsonl"
    assert run_batch([str(src)], out, analyzer=analyzer).failures == 1
    (src / "b.txt").write_text("全镇排查隐患300处。", encoding="utf-8")
    assert run_batch([str(src)], out, analyzer=analyzer, resume=True).documents == 0  # errors count as done
    again = run_batch([str(src)], out, analyzer=analyzer, resume=True, retry_errors=True)
    assert again.documents == 1 and again.failures == 0
    recs = list(read_journal(out))
    assert sorted(r["key"] for r in recs) == ["arch/a.txt", "arch/b.txt"] and not any(r["error"] for r in recs)


def test_a_bad_line_inside_the_journal_is_refused_not_cut_with_what_follows(analyzer, tmp_path):
    from speechlens import SpeechlensError

    rows = _write_rows(tmp_path / "rows.jsonl", [ROW, {"id": "r2", "text": "全镇排查隐患300处。"}])
    out = tmp_path / "out.jsonl"
    run_batch([str(rows)], out, analyzer=analyzer)
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text(lines[0] + "garbage\n" + "".join(lines[1:]), encoding="utf-8")
    before = out.read_bytes()
    with pytest.raises(SpeechlensError, match=r"out.jsonl:2: not a batch record"):
        run_batch([str(rows)], out, analyzer=analyzer, resume=True)
    assert out.read_bytes() == before


# -- 12. one line where a traceback was ----------------------------------------------------------------
def test_standard_output_on_a_full_device_is_one_line(tmp_path):
    import subprocess
    import sys

    doc = tmp_path / "a.txt"
    doc.write_text("全镇新增就业800人。", encoding="utf-8")
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "speechlens.cli", "segment", str(doc)], stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "Exception ignored" not in r.stderr
    assert r.stderr.strip() == "Error: cannot write the output: No space left on device"


def test_an_output_that_cannot_be_created_is_one_line(tmp_path):
    from click.testing import CliRunner

    from speechlens.cli import cli

    doc = tmp_path / "a.txt"
    doc.write_text("全镇新增就业800人。", encoding="utf-8")
    r = CliRunner().invoke(cli, ["segment", str(doc), "-o", str(doc / "out.txt")])  # under a file
    assert r.exit_code == 1 and r.output.startswith("Error: ") and len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize("where", ["journal", "tables"])
def test_a_full_disk_during_a_batch_is_one_line_and_keeps_the_records(analyzer, tmp_path, monkeypatch, where):
    import errno

    import speechlens.batch.run as batch
    from speechlens import SpeechlensError

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch.Journal if where == "journal" else batch, "write" if where == "journal" else "write_tables", full)
    rows = _write_rows(tmp_path / "rows.jsonl", [ROW])
    with pytest.raises(SpeechlensError, match="No space left on device.*--resume"):
        run_batch([str(rows)], tmp_path / "out.csv", analyzer=analyzer)
    assert not list(tmp_path.glob("*.tmp"))


def test_a_malformed_scheduler_address_is_one_line(analyzer, tmp_path):
    pytest.importorskip("dask.distributed")
    from speechlens import SpeechlensError

    rows = _write_rows(tmp_path / "rows.jsonl", [ROW])
    with pytest.raises(SpeechlensError, match="not a scheduler address"):
        run_batch([str(rows)], tmp_path / "out.jsonl", analyzer=analyzer, engine="dask", scheduler="tcp://host:port")


def test_wordcloud_by_unit_makes_file_names_of_any_unit(tmp_path):
    from click.testing import CliRunner

    from speechlens.cli import cli

    units = ["甲镇/乙村", "很" * 100 + "长的镇"]
    for i, unit in enumerate(units):
        (tmp_path / f"{i}.txt").write_text(f"---\nunit: {unit}\n---\n" + "全镇新增就业岗位，推进乡村振兴，落实安全生产。" * 5,
                                           encoding="utf-8")
    out = tmp_path / "out" / "cloud.png"
    out.parent.mkdir()
    r = CliRunner().invoke(cli, ["wordcloud", str(tmp_path), "--by", "unit", "-o", str(out)])
    assert r.exit_code == 0, (r.output, r.exception)
    names = sorted(p.name for p in out.parent.iterdir())
    assert names == sorted(["cloud-甲镇_乙村.png", "cloud-" + "很" * 40 + ".png"])


# -- 14. raw input in the other renderers --------------------------------------------------------------
HOSTILE_UNIT = "\x1b]0;owned\x07\x1b[31m甲镇\u202e"
HOSTILE_TEXT = "全镇新增就业800人。存在的问题：一是<img src=x onerror=alert(1)>就业服务还不够精准[点我](javascript:x)。"


def _hostile_analyses(analyzer):
    from speechlens import document_from_text

    docs = [document_from_text(f"---\nunit: {u}\n---\n{HOSTILE_TEXT}") for u in (HOSTILE_UNIT, "乙镇")]
    return [analyzer.analyze(d) for d in docs]


def test_markdown_escapes_html_and_markdown_from_the_input(analyzer):
    from speechlens.comparison.comparison import compare
    from speechlens.output.tables import analysis_markdown, comparison_markdown

    results = _hostile_analyses(analyzer)
    md = analysis_markdown(results[0]) + comparison_markdown(compare(results, segmenter=analyzer.segmenter).to_dict())
    assert "\\<img" in md and not re.search(r"(?<!\\)<img", md)  # shown as text, never an element
    assert not re.search(r"(?<!\\)\]\(javascript", md)  # never a link
    assert "\x1b" not in md and "\u202e" not in md


def test_terminal_tables_strip_control_sequences_from_the_input(analyzer):
    from speechlens.comparison.comparison import compare
    from speechlens.output.tables import analysis_text, comparison_text

    results = _hostile_analyses(analyzer)
    text = analysis_text(results[0]) + comparison_text(compare(results, segmenter=analyzer.segmenter).to_dict())
    assert "甲镇" in text and not any(c in text for c in "\x1b\x07\u202e")


# -- 9. comparison and KWIC stay near-linear ------------------------------------------------------------
def test_unit_similarity_of_many_units_keeps_each_units_nearest(analyzer):
    from speechlens import document_from_text
    from speechlens.comparison.comparison import SIMILARITY_TOP, compare

    texts = ["全镇新增就业{}人，就业服务还不够精准。", "安全生产隐患排查不够彻底，整改{}处。", "理论学习不够深入系统，开展学习{}次。"]
    docs = [document_from_text(texts[i % 3].format(i), unit=f"第{i}镇") for i in range(240)]
    c = compare(analyzer.pipe(docs), segmenter=analyzer.segmenter).to_dict()
    sim = c["similarity"]
    assert len(sim) == 240 and all(len(row) == SIMILARITY_TOP + 1 for row in sim.values())  # not 240 x 240
    row = sim["第0镇"]
    assert next(iter(row)) == "第0镇" and row["第0镇"] == 1.0
    assert all(int(u[1:-1]) % 3 == 0 for u in row)  # its nearest are the units that wrote alike


def test_kwic_over_a_long_document_is_linear_and_finds_each_section():
    from speechlens import document_from_text
    from speechlens.comparison.concordance import kwic

    part = "全镇抓好安全生产，排查隐患。\n"
    text = "一、安全工作\n" + part * 60_000 + "二、民生工作\n" + part * 3
    with _deadline(20):  # the old per-hit scan of every sentence took minutes here
        hits = kwic([document_from_text(text)], "安全生产")
    assert len(hits) == 60_003
    assert hits[0].section == "一、安全工作" and hits[-1].section == "二、民生工作"


# -- 13. the dictionary cache is verified, private and bounded -------------------------------------------
def _cached_segmenter(tmp_path, monkeypatch, folder):
    from speechlens import Segmenter

    monkeypatch.setenv("SPEECHLENS_CACHE_DIR", str(folder))
    return Segmenter(backend="jieba", words=["港城融合发展区"])


def test_a_wrong_cache_file_is_rebuilt_not_loaded(tmp_path, monkeypatch):
    import marshal

    folder = tmp_path / "cache"
    seg = _cached_segmenter(tmp_path, monkeypatch, folder)
    assert "港城融合发展区" in seg.cut("推进港城融合发展区建设")
    (cache,) = folder.glob("speechlens-jieba-*.cache")
    cache.write_bytes(marshal.dumps(({"推进": 5}, 5)))  # well-formed, built from nothing we know
    seg = _cached_segmenter(tmp_path, monkeypatch, folder)
    assert "港城融合发展区" in seg.cut("推进港城融合发展区建设")
    assert len(cache.read_bytes()) > 1_000_000  # rebuilt in place


def test_a_cache_folder_of_another_user_is_never_read(tmp_path, monkeypatch):
    import os

    if os.getuid() != 0:
        pytest.skip("needs root to give a folder to another user")
    folder = tmp_path / "shared"
    seg = _cached_segmenter(tmp_path, monkeypatch, folder)
    seg.cut("预热")
    (cache,) = folder.glob("speechlens-jieba-*.cache")
    planted = cache.read_bytes().replace("港城融合发展区".encode("utf-8"), "港城融合发展X".encode("utf-8"))
    cache.write_bytes(planted)
    os.chown(folder, 12345, 12345)
    os.chown(cache, 12345, 12345)
    seg = _cached_segmenter(tmp_path, monkeypatch, folder)
    assert "港城融合发展区" in seg.cut("推进港城融合发展区建设")
    assert cache.read_bytes() == planted  # neither read nor rewritten


def test_an_open_cache_folder_is_made_private_and_old_entries_are_evicted(tmp_path, monkeypatch):
    import os
    import time as _time

    folder = tmp_path / "cache"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    for i in range(5):
        old = folder / f"speechlens-jieba-0.42.1-{i:016d}.cache"
        old.write_bytes(b"old")
        os.utime(old, (_time.time() - 1000 + i, _time.time() - 1000 + i))
    _cached_segmenter(tmp_path, monkeypatch, folder).cut("预热")
    assert folder.stat().st_mode & 0o777 == 0o700
    left = sorted(p.name for p in folder.glob("speechlens-jieba-*.cache"))
    assert len(left) == 3 and "speechlens-jieba-0.42.1-0000000000000004.cache" in left
