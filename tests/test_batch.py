"""Batch tagging: pipe agrees with analyze, bad documents become records, resume never loses or
duplicates a record, CSV/Parquet tables, and the Dask engine on a real local cluster."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from speechlens import Analyzer
from speechlens.pipeline.results import Failure
from speechlens.batch.run import read_journal, recover_journal, run_batch

from conftest import DEMO


def _dicts(results):
    return [r.to_dict() for r in results]


@pytest.mark.parametrize("jobs", [1, 2])
def test_pipe_gives_exactly_what_analyze_gives(analyzer, demo_files, jobs):
    one_by_one = [analyzer.analyze(Path(p)) for p in demo_files]
    assert _dicts(analyzer.pipe(demo_files, jobs=jobs)) == _dicts(one_by_one)


def test_a_document_scores_bit_for_bit_the_same_alone_and_in_any_batch(analyzer, demo_files):
    from speechlens import read_document

    docs = [read_document(p) for p in demo_files]
    alone = [analyzer.analyze(d) for d in docs]
    for batch in (docs, docs[::-1], docs[3:] + docs[:3]):
        together = {a.document.path: a for a in analyzer._analyze_batch(batch)}
        for a in alone:
            b = together[a.document.path]
            assert [t.scores for t in b.sentences] == [t.scores for t in a.sentences]  # exact floats
            assert [t.problem_score for t in b.sentences] == [t.problem_score for t in a.sentences]
            assert b.problems == a.problems and b.themes == a.themes and b.sections == a.sections


def test_results_do_not_depend_on_the_batch_size(analyzer, demo_files):
    small = _dicts(analyzer.pipe(demo_files, batch_chars=1))
    assert small == _dicts(analyzer.pipe(demo_files, batch_chars=10**9))


def test_lazy_sentences_behave_as_a_tuple_and_survive_pickling(analyzer, demo_files):
    import pickle

    a = analyzer.analyze(Path(demo_files[0]))
    eager = tuple(a.sentences)
    assert len(a.sentences) == len(eager) and a.sentences[0] == eager[0] and a.sentences[-1] == eager[-1]
    assert a.sentences == eager and list(a.sentences[1:3]) == list(eager[1:3])
    assert all(a.document.text[t.sentence.start:t.sentence.end] == t.sentence.text for t in a.sentences)
    fresh = analyzer.analyze(Path(demo_files[0]))
    back = pickle.loads(pickle.dumps(fresh))  # not yet materialised: the columns travel
    assert back.to_dict() == a.to_dict() and back == a
    assert [t.sentence for t in back.sentences] == [t.sentence for t in eager]  # norms rebuilt exactly


def test_an_analysis_error_in_a_batch_fails_only_that_document(analyzer, monkeypatch):
    import speechlens.pipeline.analysis as analysis

    real = analysis.problem_evidence_and_scores  # the default analyzer reads problems in context
    real_batch = analysis.problem_evidence_batch  # ... over a whole batch at once in pipe

    def flaky(tab, *args, **kwargs):
        if "触发故障" in tab.text:
            raise RuntimeError("boom")
        return real(tab, *args, **kwargs)

    def flaky_batch(tables, *args, **kwargs):
        if any("触发故障" in tab.text for tab in tables):
            raise RuntimeError("boom")
        return real_batch(tables, *args, **kwargs)

    monkeypatch.setattr(analysis, "problem_evidence_and_scores", flaky)
    monkeypatch.setattr(analysis, "problem_evidence_batch", flaky_batch)
    rows = [("a", "全镇签约项目5个。", {}), ("b", "这一句会触发故障。", {}), ("c", "理论学习不够深入。", {})]
    out = list(analyzer.pipe(rows, on_error="record"))
    assert [type(o).__name__ for o in out] == ["Analysis", "Failure", "Analysis"]
    assert "b" in out[1].error and "RuntimeError" in out[1].error
    assert out[2].document.id == "c" and out[2].sentences


def test_pipe_accepts_rows_and_documents_in_order(analyzer):
    from speechlens import read_document

    rows = [("a", "全镇签约项目5个。", {"unit": "甲镇", "year": "2022"}),
            read_document(sorted(DEMO.glob("*.txt"))[0]),
            ("c", "理论学习不够深入。", {})]
    out = list(analyzer.pipe(rows, jobs=2))
    assert [o.document.id for o in out][0] == "a" and out[0].unit == "甲镇" and out[0].year == 2022
    assert out[2].document.id == "c"


def test_a_bad_document_becomes_a_failure_record(analyzer, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "ok.txt").write_text("全镇新增就业800人。", encoding="utf-8")
    out = list(analyzer.pipe([tmp_path / "empty.txt", tmp_path / "ok.txt"], on_error="record"))
    assert isinstance(out[0], Failure) and "empty" in out[0].error
    assert out[1].sentences
    assert len(list(analyzer.pipe([tmp_path / "empty.txt", tmp_path / "ok.txt"], on_error="skip"))) == 1


def _archive(tmp_path, n=40):
    src = tmp_path / "archive"
    (src / "sub").mkdir(parents=True)
    texts = sorted(DEMO.glob("*.txt"))
    for i in range(n):
        data = texts[i % len(texts)].read_bytes()
        (src / ("sub" if i % 3 else "") / f"doc{i:03d}.txt").write_bytes(data)
    (src / "broken.txt").write_bytes(b"\x00\x01binary junk\x00" * 20)
    return src


def _keys(path):
    return [r["key"] for r in read_journal(path)]


def test_batch_jsonl_has_one_record_per_document_and_errors_inline(analyzer, tmp_path):
    src = _archive(tmp_path, 8)
    s = run_batch([str(src)], tmp_path / "out.jsonl", analyzer=analyzer)
    recs = list(read_journal(tmp_path / "out.jsonl"))
    assert len(recs) == 9 and s.documents == 9 and s.failures == 1
    bad = [r for r in recs if r["error"]]
    assert len(bad) == 1 and "broken.txt" in bad[0]["error"] and "binary" in bad[0]["error"]
    good = next(r for r in recs if not r["error"])
    assert set(good["themes"]) == {"development", "livelihood", "safety", "party"}
    assert good["problem_count"] == len(good["problems"])


def test_resume_after_a_partial_last_line(analyzer, tmp_path):
    src = _archive(tmp_path, 6)
    out = tmp_path / "out.jsonl"
    run_batch([str(src)], out, analyzer=analyzer)
    full = out.read_text(encoding="utf-8").splitlines()  # the header line, then the records
    out.write_text("\n".join(full[:4]) + "\n" + full[4][:40], encoding="utf-8")  # killed mid-write
    assert len(recover_journal(out)) == 3
    run_batch([str(src)], out, analyzer=analyzer, resume=True)
    assert _keys(out) == [json.loads(l)["key"] for l in full[1:]]


def test_refuses_to_clobber_without_resume_or_overwrite(analyzer, tmp_path):
    from speechlens import SpeechlensError

    src = _archive(tmp_path, 2)
    run_batch([str(src)], tmp_path / "o.jsonl", analyzer=analyzer)
    with pytest.raises(SpeechlensError, match="--resume"):
        run_batch([str(src)], tmp_path / "o.jsonl", analyzer=analyzer)


def test_kill_9_then_resume_loses_and_duplicates_nothing(tmp_path):
    src = _archive(tmp_path, 60)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "speechlens.cli", "batch", str(src), "-o", str(out), "--quiet", "--backend", "jieba"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    deadline = time.time() + 60
    while time.time() < deadline and (not out.exists() or len(out.read_bytes().splitlines()) < 6):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(recover_journal(out))
    assert 0 < partial < 61
    subprocess.run(cmd + ["--resume"], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    keys = _keys(out)
    assert len(keys) == 61 and len(set(keys)) == 61
    for line in out.read_text(encoding="utf-8").splitlines():
        json.loads(line)


def test_csv_output_and_problems_table(analyzer, tmp_path):
    src = _archive(tmp_path, 5)
    meta = tmp_path / "meta.csv"
    meta.write_text("id,region\ndoc000,east\n", encoding="utf-8")
    run_batch([str(src)], tmp_path / "out.csv", analyzer=analyzer, metadata_file=str(meta))
    with (tmp_path / "out.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with (tmp_path / "out.problems.csv").open(encoding="utf-8") as fh:
        probs = list(csv.DictReader(fh))
    assert len(rows) == 6
    assert sum(int(r["problem_count"] or 0) for r in rows) == len(probs)
    doc0 = next(r for r in rows if r["id"] == "doc000")
    assert json.loads(doc0["metadata"])["region"] == "east"


def test_parquet_output(analyzer, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    src = _archive(tmp_path, 4)
    run_batch([str(src)], tmp_path / "out.parquet", analyzer=analyzer)
    t = pq.read_table(tmp_path / "out.parquet")
    assert t.num_rows == 5
    probs = pq.read_table(tmp_path / "out.problems.parquet")
    assert probs.num_rows > 0
    assert str(probs.schema.field("themes").type).startswith("list<")
    assert all(isinstance(v, list) for v in probs.column("cues").to_pylist())


def test_jsonl_and_csv_exports_as_input(analyzer, tmp_path):
    rows = [{"id": "x1", "text": "全镇新建幼儿园2所。存在的问题：一是垃圾分类推进缓慢。", "unit": "甲镇"},
            {"id": "x2", "text": "", "unit": "乙镇"}]
    jl = tmp_path / "in.jsonl"
    jl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n", encoding="utf-8")
    s = run_batch([str(jl)], tmp_path / "o.jsonl", analyzer=analyzer)
    recs = list(read_journal(tmp_path / "o.jsonl"))
    assert [r["id"] for r in recs[:2]] == ["x1", "x2"]
    assert recs[0]["unit"] == "甲镇" and recs[0]["problem_count"] >= 1
    assert recs[1]["error"] and recs[2]["error"]
    assert s.failures == 2
    cs = tmp_path / "in.csv"
    cs.write_text("doc,body\nk1,全镇排查隐患300处。\n", encoding="utf-8")
    run_batch([str(cs)], tmp_path / "o2.jsonl", analyzer=analyzer, text_column="body", id_column="doc")
    assert next(read_journal(tmp_path / "o2.jsonl"))["id"] == "k1"


@pytest.mark.slow
def test_dask_engine_matches_local_and_uses_our_dictionary_and_model(tiny_classifier, tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    from speechlens import Segmenter

    tiny_classifier.save(tmp_path / "model")
    udict = tmp_path / "words.txt"
    udict.write_text("港城融合\n", encoding="utf-8")
    az = Analyzer(segmenter=Segmenter(backend="jieba", user_dict=udict), model=str(tmp_path / "model"))
    src = _archive(tmp_path, 6)
    run_batch([str(src)], tmp_path / "local.jsonl", analyzer=az)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the workers start here, where "words.txt" does not exist
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        monkeypatch.chdir(tmp_path)
        # A fresh analyzer naming its dictionary by a path only this process can resolve: the
        # entries must travel with it.
        az = Analyzer(segmenter=Segmenter(backend="jieba", user_dict="words.txt"), model=str(tmp_path / "model"))
        run_batch([str(src)], tmp_path / "dask.jsonl", analyzer=az, engine="dask", scheduler=cluster.scheduler_address)
        with Client(cluster) as client:
            fut = client.scatter(az, broadcast=True)
            probe = client.submit(lambda a: (a.segmenter.cut("推动港城融合和两个确立"),
                                             a.classifier.info_["source"], os.getpid()), fut).result()
    assert (tmp_path / "local.jsonl").read_text(encoding="utf-8") == (tmp_path / "dask.jsonl").read_text(encoding="utf-8")
    tokens, source, pid = probe
    assert "港城融合" in tokens and "两个确立" in tokens
    assert source == str(tmp_path / "model")
    assert pid != os.getpid()


def test_a_file_named_twice_is_analysed_once(analyzer, tmp_path):
    src = _archive(tmp_path, 5)
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps({"id": f"r{i}", "text": "全镇新增就业800人。"}, ensure_ascii=False) + "\n"
                              for i in range(3)), encoding="utf-8")
    out = tmp_path / "o.jsonl"
    run_batch([str(src), str(src / "*.txt"), str(src / "sub" / ".." / "doc000.txt"), str(export), str(export)],
              out, analyzer=analyzer)
    keys = _keys(out)
    assert len(keys) == len(set(keys)) == 5 + 1 + 3  # five documents, the junk file, three rows


def test_batches_group_by_size_and_start_small_for_several_workers():
    from speechlens.pipeline.workers import batched

    sizes = lambda batches: [len(b) for b in batches]
    assert sizes(batched(range(10), lambda i: 10, 30)) == [3, 3, 3, 1]
    assert sizes(batched(range(10), lambda i: 10, 30, ramp=2)) == [2, 2, 3, 3]
    assert sizes(batched(range(5), lambda i: 0, 30, max_items=2)) == [2, 2, 1]
    assert [x for b in batched(range(7), lambda i: i, 5, ramp=3) for x in b] == list(range(7))
    assert list(batched([], lambda i: 1, 5)) == []


def test_scores_of_a_long_document_do_not_depend_on_how_it_is_chunked(analyzer, demo_files):
    import numpy as np

    from speechlens import read_document
    from speechlens.text.structure import table_of

    norms = [n for p in demo_files[:5] for n in table_of(read_document(p)).norms]
    whole = analyzer.sentence_scores(norms, chunk_chars=10**9)
    pieces = analyzer.sentence_scores(norms, chunk_chars=300)
    assert set(whole) == set(pieces) and len(whole["themes"]) == len(norms)
    assert all(np.array_equal(whole[k], pieces[k]) for k in whole)
    assert analyzer.sentence_scores([]) == {}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_bad_dictionary_fails_at_once_and_leaves_no_output(tmp_path, jobs):
    # A worker whose start-up fails is replaced by the pool forever; the parent must fail first. With
    # one process the dictionary used to load with the first document: an error record per document
    # and exit 3. Either way nothing may be left that blocks the corrected run.
    src = _archive(tmp_path, 3)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "speechlens.cli", "batch", str(src), "-o", str(out),
           "--jobs", str(jobs), "--user-dict", str(tmp_path / "missing.txt"), "--backend", "jieba", "--quiet"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "missing.txt: user dictionary not found" in r.stderr
    assert "ForkPoolWorker" not in r.stderr
    assert not out.exists() and not list(tmp_path.glob("out.*"))
    (tmp_path / "missing.txt").write_text("乡村振兴示范带 5\n", encoding="utf-8")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 3, r.stderr  # the corrected run needs no --overwrite; broken.txt is an error record
    records = list(read_journal(out))
    assert len(records) == 4 and sum(bool(rec.get("error")) for rec in records) == 1


def _kill_worker_on(marker, monkeypatch):
    """Make a worker process die outright (as the system kills one out of memory) on a document
    holding ``marker``; forked workers inherit the patch, this process never dies of it."""
    me = os.getpid()
    real = Analyzer._analyze_batch

    def analyze_batch(self, docs):
        if os.getpid() != me and any(marker in d.text for d in docs):
            os._exit(9)
        return real(self, docs)

    monkeypatch.setattr(Analyzer, "_analyze_batch", analyze_batch)


def test_a_worker_killed_mid_batch_loses_only_its_document(analyzer, demo_files, monkeypatch):
    _kill_worker_on("致命文档", monkeypatch)
    from speechlens import read_document

    texts = [read_document(p).text for p in demo_files[:6]]
    rows = [(f"d{i}", t, {}) for i, t in enumerate(texts)]
    rows.insert(3, ("killer", texts[0] + "致命文档", {"unit": "某镇"}))
    rows.insert(5, ("killer2", texts[1] + "致命文档", {}))  # a second death, in the same window
    out = list(analyzer.pipe(rows, jobs=2, on_error="record", batch_chars=4_000))
    assert [r.id if isinstance(r, Failure) else r.document.id for r in out] == [r[0] for r in rows]
    failures = [r for r in out if isinstance(r, Failure)]
    assert [f.id for f in failures] == ["killer", "killer2"]
    assert all("worker process" in f.error for f in failures) and failures[0].metadata == {"unit": "某镇"}
    kept = [r for r in rows if not r[0].startswith("killer")]
    assert [r.to_dict() for r in out if not isinstance(r, Failure)] == [analyzer.analyze(r).to_dict() for r in kept]


def test_batch_goes_on_when_a_worker_is_killed(analyzer, tmp_path, monkeypatch):
    _kill_worker_on("致命文档", monkeypatch)
    src = _archive(tmp_path, 8)
    (src / "killer.txt").write_text("全镇招商引资签约项目12个。致命文档", encoding="utf-8")
    s = run_batch([str(src)], tmp_path / "out.jsonl", analyzer=analyzer, jobs=2)
    recs = list(read_journal(tmp_path / "out.jsonl"))
    assert len(recs) == 10 and len({r["key"] for r in recs}) == 10 and s.failures == 2
    killed = next(r for r in recs if r["key"].endswith("killer.txt"))
    assert "worker process" in killed["error"] and killed["id"] == "killer"
    assert sum(1 for r in recs if r["error"] is None) == 8


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_workers_leave_when_the_batch_process_is_killed(tmp_path):
    src = _archive(tmp_path, 300)
    cmd = [sys.executable, "-m", "speechlens.cli", "batch", str(src), "-o", str(tmp_path / "out.jsonl"),
           "--quiet", "--backend", "jieba", "--jobs", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)

    def children() -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == proc.pid:  # the parent pid, after the state field
                found.append(int(stat.parent.name))
        return found

    deadline = time.time() + 60
    while time.time() < deadline and len(children()) < 2:
        time.sleep(0.05)
    workers = children()
    assert len(workers) >= 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.1)
    alive = []
    for w in workers:
        try:
            state = Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(w)
    assert not alive, "worker processes outlived the killed batch"


@pytest.mark.slow
def test_the_readme_dask_bag_recipe_runs_on_a_local_cluster(tiny_classifier, tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    pytest.importorskip("pyarrow")
    import re

    import pyarrow.parquet as pq
    from dask.distributed import Client, LocalCluster

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- test:dask-recipe -->\n```python\n(.*?)```", readme, re.S).group(1)
    tiny_classifier.save(tmp_path / "model")
    (tmp_path / "terms.txt").write_text("港城融合\n", encoding="utf-8")
    src = _archive(tmp_path, 6)
    monkeypatch.chdir(tmp_path)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        code = (code.replace('Client("tcp://scheduler:8786")', "Client(cluster)")
                .replace('"/shared/models/mine"', repr(str(tmp_path / "model")))
                .replace('"/shared/archive/**/*.txt"', repr(str(src / "**" / "*.txt")))
                .replace("npartitions=200", "npartitions=3"))
        scope = {"cluster": cluster}
        exec(compile(code, "README dask recipe", "exec"), scope)
        scope["client"].close()
    docs = pq.read_table(tmp_path / "results" / "documents.parquet").to_pylist()
    probs = pq.read_table(tmp_path / "results" / "documents.problems.parquet")
    assert len(docs) == 7 and len({d["path"] for d in docs}) == 7
    assert sum(d["error"] is not None for d in docs) == 1
    assert probs.schema.field("start").type == "int64"
    assert str(probs.schema.field("themes").type).startswith("list<")  # a list column, not "a;b"


def test_batch_inputs_are_small_types_that_give_id_path_metadata_size_and_document(tmp_path):
    from speechlens import SpeechlensError
    from speechlens.batch import BadRow, FileInput, TextRow, analyzer_input, iter_items

    (tmp_path / "2023-甲镇-述职报告.txt").write_text("全镇新增就业300人。存在的问题：一是学习不够深入。", encoding="utf-8")
    (tmp_path / "rows.jsonl").write_text(
        json.dumps({"id": "r1", "text": "安全生产隐患排查整改12处。", "county": "乙县"}, ensure_ascii=False)
        + "\n{not json\n" + json.dumps({"id": "r3", "body": "无正文"}, ensure_ascii=False) + "\n", encoding="utf-8")
    items = list(iter_items([str(tmp_path / "2023-甲镇-述职报告.txt"), str(tmp_path / "rows.jsonl")]))
    kinds = [type(i.payload) for i in items]
    assert kinds == [FileInput, TextRow, BadRow, BadRow]
    f, row, bad = items[0].payload, items[1].payload, items[2].payload
    assert (f.id, f.path.name, f.size > 0) == ("2023-甲镇-述职报告", "2023-甲镇-述职报告.txt", True)
    assert f.document().unit == "甲镇" and f.document().year == 2023
    assert (row.id, row.path, dict(row.metadata), row.size) == ("r1", None, {"county": "乙县"}, 14)
    assert row.document().id == "r1" and row.document().meta["county"] == "乙县"
    assert (bad.id, bad.path, bad.size) == (None, None, 0)
    with pytest.raises(SpeechlensError):
        bad.document()
    # one place decides what the Analyzer gets
    assert analyzer_input(f).text == f.document().text
    assert analyzer_input(row) == ("r1", "安全生产隐患排查整改12处。", {"county": "乙县"})
    assert isinstance(analyzer_input(bad), Failure) and analyzer_input(bad).error == bad.error


def _table(path):
    if path.suffix == ".csv":
        with path.open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_sentence_table_has_every_sentence_of_every_document_joined_by_path(analyzer, tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    src = _archive(tmp_path, 4)
    out = tmp_path / f"out.{fmt}"
    s = run_batch([str(src)], out, analyzer=analyzer)
    sentences_table = tmp_path / f"out.sentences.{fmt}"
    assert str(sentences_table) in s.tables
    docs, sents = _table(out), _table(sentences_table)
    paths = {d["path"] for d in docs}
    assert len(paths) == 5 and {r["path"] for r in sents} <= paths
    for d in docs:
        mine = [r for r in sents if r["path"] == d["path"]]
        if d["error"]:
            assert mine == []
            continue
        a = analyzer.analyze(Path(d["path"]))
        assert [int(r["index"]) for r in mine] == list(range(len(a.sentences)))
        for r, t in zip(mine, a.sentences):
            want = t.to_dict()
            assert r["id"] == d["id"] and (int(r["start"]), int(r["end"])) == (want["start"], want["end"])
            assert (r["section"] or None) == want["section"]
            themes = r["themes"] if fmt == "parquet" else [x for x in r["themes"].split(";") if x]
            assert themes == want["themes"]
            assert {l: float(r[f"theme_{l}"]) for l in want["scores"]} == want["scores"]
            assert r["problem"] in (want["problem"], str(want["problem"]))
        flagged = sum(r["problem"] in (True, "True") for r in mine)
        assert flagged == sum(t.problem for t in a.sentences) and flagged > 0
    if fmt == "parquet":
        import pyarrow.parquet as pq

        schema = pq.read_schema(sentences_table)
        assert str(schema.field("themes").type).startswith("list<")
        assert str(schema.field("problem").type) == "bool" and str(schema.field("start").type) == "int64"


def test_the_sentence_table_holds_each_sentence_once_after_a_kill_and_resume(analyzer, tmp_path):
    src = _archive(tmp_path, 6)
    out = tmp_path / "out.csv"
    run_batch([str(src)], out, analyzer=analyzer)
    whole = _table(tmp_path / "out.sentences.csv")
    journal = tmp_path / "out.csv.journal.jsonl"
    lines = journal.read_text(encoding="utf-8").splitlines()
    journal.write_text("\n".join(lines[:4]) + "\n" + lines[4][:60], encoding="utf-8")  # killed mid-write
    for t in ("out.csv", "out.problems.csv", "out.sentences.csv"):
        (tmp_path / t).unlink()
    run_batch([str(src)], out, analyzer=analyzer, resume=True)
    again = _table(tmp_path / "out.sentences.csv")
    key = lambda r: (r["path"], int(r["index"]))  # noqa: E731
    assert len({key(r) for r in again}) == len(again) == len(whole)
    assert sorted(again, key=key) == sorted(whole, key=key)


def test_the_batch_tables_have_one_path_column(analyzer, tmp_path):
    src = _archive(tmp_path, 2)
    rows = tmp_path / "in.jsonl"
    rows.write_text(json.dumps({"id": "r1", "text": "存在的问题：一是垃圾分类推进缓慢。"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    run_batch([str(src), str(rows)], tmp_path / "out.csv", analyzer=analyzer)
    for name in ("out.csv", "out.problems.csv", "out.sentences.csv"):
        with (tmp_path / name).open(encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        assert header[0] == "path" and not {"key", "source"} & set(header), name
    docs = _table(tmp_path / "out.csv")
    assert sorted(d["path"] for d in docs) == sorted(
        [str(src / "doc000.txt"), str(src / "sub" / "doc001.txt"), str(src / "broken.txt"), f"{rows}:1"])
    assert {p["path"] for p in _table(tmp_path / "out.problems.csv")} <= {d["path"] for d in docs}
