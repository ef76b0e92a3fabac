"""Text reuse: normalisation keeps offsets, copied passages are found with edits and direction,
stock formulas are not copying, and the evaluation corpus and demo corpus give what they should."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import speechlens
from speechlens.cli import cli
from speechlens.reading.loading import document_from_text
from speechlens.comparison.reuse_evaluation import evaluate_reuse
from speechlens.comparison.textreuse import align, prepare, reuse

from conftest import DEMO, ROOT

REUSE = ROOT / "corpora" / "reuse"

# a source passage, and the same copied with a new name, new figures, 我镇 -> 我街道 and two
# clauses swapped
SOURCE = ("2022年，我镇投入860万元改造白沙老街供水管网，由镇领导逐段包干推进，"
          "沿街商户和居民用上了干净的自来水，老街夏季停水的老问题得到根本解决。")
COPY = ("2023年，我街道投入1200万元改造青石老街供水管网，沿街商户和居民用上了干净的自来水，"
        "由街道领导逐段包干推进，老街夏季停水的老问题得到根本解决。")
FILLER_A = "今年重点抓了三件事：建成一座污水提升泵站，开通两条城乡公交线路，新办一所公办托育园。"
FILLER_B = "我们把主要精力放在产业上，新引进的纺织项目已经投产，带动附近村民三百多人就业。"


def doc(text: str, unit: str, year: int, id: str):
    return document_from_text(text, unit=unit, year=year, id=id)


def test_prepare_maps_every_character_back_into_the_original():
    text = "白沙镇2023年完成**亿元投资，沙湾村新建泵站3座；我镇党委书记接访62人次。"
    p = prepare("x", text, "白沙镇")
    assert len(p.norm) == len(p.starts) == len(p.ends)
    assert all(0 <= s < e <= len(text) for s, e in zip(p.starts, p.ends))
    assert p.norm.startswith("U0年完成0元投资P村新建泵站0座")
    # another unit's report with its own name, figures, a redaction and 我街道 reads the same
    q = prepare("y", "青石街道2022年完成3.5亿元投资，塘头村新建泵站12座；我街道党工委书记接访9人次。", "青石街道")
    assert p.norm == q.norm


def test_window_signatures_are_datasketch_minhashes_bit_for_bit():
    import numpy as np
    from datasketch import MinHash

    from speechlens.comparison.textreuse import window_signatures, windows_of

    p = prepare("x", FILLER_A + SOURCE + "上面千条线，下面一根针。", "白沙镇")
    w = windows_of(p)
    ref = MinHash.bulk([[p.norm[k:k + 3].encode("utf-8") for k in range(s, max(s + 1, e - 2))] for s, e, *_ in w],
                       num_perm=32, seed=1)
    assert np.array_equal(window_signatures(p, w), np.vstack([m.hashvalues for m in ref]))


def test_prepare_skips_front_matter_and_keeps_offsets_for_the_body():
    d = document_from_text("---\nunit: 白沙镇\nyear: 2023\n---\n" + SOURCE)
    p = prepare("x", d.text, d.unit, d.year, start=d.body_start)
    assert "unit" not in p.norm and int(p.starts[0]) >= d.body_start


def test_copied_passage_with_edits_is_found_with_offsets_and_direction():
    docs = [doc(FILLER_A + SOURCE, "白沙镇", 2022, "a"), doc(FILLER_B + COPY, "青石街道", 2023, "b")]
    r = reuse(docs)
    assert len(r.pairs) == 1
    pair = r.pairs[0]
    assert (pair.source, pair.target) == ("a", "b")
    texts = {"a": docs[0].text, "b": docs[1].text}
    for x in pair.passages:
        assert texts[pair.a][x.a_start:x.a_end] == x.a_text
        assert texts[pair.b][x.b_start:x.b_end] == x.b_text
    covered_b = sum(x.b_end - x.b_start for x in pair.passages)
    assert covered_b >= 0.8 * len(COPY) - 10
    assert all(x.b_start >= len(FILLER_B) for x in pair.passages)   # the filler is not part of it
    share = {d.id: d for d in r.documents}
    assert share["b"].reused_share > 0.5 and share["b"].shared_with.keys() == {"a"}


def test_same_year_pair_has_no_direction():
    r = reuse([doc(SOURCE, "白沙镇", 2023, "a"), doc(COPY, "青石街道", 2023, "b")])
    assert len(r.pairs) == 1 and r.pairs[0].source is None


STOCK = "坚持以习近平新时代中国特色社会主义思想为指导，严格落实全面从严治党主体责任。"
OWN = [
    "今年我们在河口新修了一座码头，渔船靠岸再也不用排队。",
    "山上的茶园去年遭了冻害，今年补种了八百亩新苗。",
    "镇上的老供销社改成了便民超市，周边老人买菜方便多了。",
    "新建的污水站试运行三个月，出水一直稳定达标。",
    "中学食堂换了新灶具，学生排队打饭的时间缩短了一半。",
]


def test_a_stock_formula_many_units_use_is_boilerplate_not_copying():
    docs = [doc(OWN[k] + STOCK, f"{'东南西北中'[k]}岭镇", 2023, str(k)) for k in range(5)]
    r = reuse(docs)
    assert r.pairs == ()
    assert all(d.boilerplate_share > 0.4 for d in r.documents)
    assert any("两个" in s or "从严治党" in s or "思想" in s for s in r.boilerplate)
    # with fewer units than boilerplate_units the same formula is shared text, not stock
    r3 = reuse(docs[:3], boilerplate_units=4)
    assert all(d.boilerplate_share == 0 for d in r3.documents) and r3.pairs


def test_alignment_joins_swapped_clauses_into_one_passage():
    a = prepare("a", "甲：" + SOURCE, "白沙镇")
    b = prepare("b", "乙：" + COPY, "青石街道")
    passages = align(a, b)
    assert len(passages) == 1 and passages[0].similarity > 0.8


def test_rows_and_documents_are_accepted():
    r = reuse([("a", FILLER_A + SOURCE, {"unit": "白沙镇", "year": 2022}),
               ("b", FILLER_B + COPY, {"unit": "青石街道", "year": 2023})])
    assert [(p.a, p.b) for p in r.pairs] == [("a", "b")]
    with pytest.raises(speechlens.SpeechlensError):
        reuse([42])


def test_public_api_exports_reuse():
    assert speechlens.reuse is reuse and "reuse" in speechlens.__all__


# -- the evaluation corpus ------------------------------------------------------------------------

def test_evaluation_corpus_is_as_described():
    files = sorted(REUSE.glob("*.txt"))
    assert len(files) >= 40
    assert all(400 <= len(f.read_text(encoding="utf-8")) <= 900 for f in files)
    gold = [json.loads(x) for x in (REUSE / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    pairs = [g for g in gold if g["type"] == "pair"]
    assert len(pairs) >= 20 and any(g["source"] for g in pairs) and any(g["source"] is None for g in pairs)
    edits = {e for g in pairs for e in g["edits"]}
    assert {"names", "figures", "unit_type", "reorder", "partial"} <= edits
    texts = {f.stem: f.read_text(encoding="utf-8") for f in files}
    for g in pairs:
        for side in "ab":
            assert all(0 <= s < e <= len(texts[g[side]]) for s, e in g[f"{side}_spans"])


def test_evaluation_corpus_scores_above_floors_and_flags_no_independent_pair():
    m = evaluate_reuse(REUSE)
    assert m["pairs"]["precision"] >= 0.9 and m["pairs"]["recall"] >= 0.9
    assert m["spans"]["precision"] >= 0.85 and m["spans"]["recall"] >= 0.85
    assert m["direction"]["right"] == m["direction"]["directed_pairs_found"] > 0
    assert m["independent_pairs"] > 1000 and m["independent_pairs_flagged"] == 0
    assert m["stock"]["recall"] >= 0.8


# -- the demo corpus --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_reuse():
    return reuse(sorted(str(p) for p in DEMO.glob("*.txt")))


@pytest.mark.parametrize("unit, passage", [("白沙镇", "地区生产总值"), ("东湖街道", "东湖花园拆迁安置遗留的3件信访事项")])
def test_demo_recurring_passages_run_from_2022_to_2023(demo_reuse, unit, passage):
    r = demo_reuse
    pair = next(p for p in r.pairs if {p.a, p.b} == {f"2022-{unit}-述职报告", f"2023-{unit}-述职报告"})
    assert pair.source == f"2022-{unit}-述职报告" and pair.target == f"2023-{unit}-述职报告"
    assert any(passage in x.a_text and passage in x.b_text for x in pair.passages)


# -- the command ------------------------------------------------------------------------------------

def test_reuse_command_table_json_csv_and_errors(tmp_path):
    (tmp_path / "2022-白沙镇-述职报告.txt").write_text(FILLER_A + SOURCE, encoding="utf-8")
    (tmp_path / "2023-青石街道-述职报告.txt").write_text(FILLER_B + COPY, encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["reuse", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "白沙镇 2022 → 青石街道 2023" in res.output
    res = runner.invoke(cli, ["reuse", str(tmp_path), "--format", "json"])
    data = json.loads(res.output)
    assert data["pairs"][0]["source"] == "2022-白沙镇-述职报告"
    out = tmp_path / "reuse.csv"
    res = runner.invoke(cli, ["reuse", str(tmp_path), "--format", "csv", "-o", str(out)])
    assert res.exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("table,a,b") and sum(x.startswith("passage,") for x in lines) >= 1
    assert sum(x.startswith("document,") for x in lines) == 2
    res = runner.invoke(cli, ["reuse", str(tmp_path / "missing.txt")])
    assert res.exit_code == 1 and "missing.txt: no such file" in res.output
    src = tmp_path / "2022-白沙镇-述职报告.txt"
    before = src.read_text(encoding="utf-8")
    res = runner.invoke(cli, ["reuse", str(tmp_path), "-o", str(src)])
    assert res.exit_code == 1 and "also an input" in res.output
    assert src.read_text(encoding="utf-8") == before


# -- the archive version ----------------------------------------------------------------------------

def test_batch_reuse_agrees_with_reuse_and_reads_exports(tmp_path):
    from speechlens.batch.reuse_archive import reuse_archive
    from speechlens.output.reuse_output import CSV_COLUMNS, reuse_rows
    from speechlens.output.tables import to_csv

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "2022-白沙镇-述职报告.txt").write_text(FILLER_A + SOURCE, encoding="utf-8")
    (tmp_path / "in" / "broken.txt").write_bytes(b"")   # unreadable: left to the batch's error records
    rows = [{"id": "qs", "text": FILLER_B + COPY, "unit": "青石街道", "year": 2023},
            {"id": "other", "text": OWN[0] + OWN[1], "unit": "北岭镇", "year": 2023}]
    export = tmp_path / "rows.jsonl"
    export.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result, path = reuse_archive([str(tmp_path / "in"), str(export)], tmp_path / "out" / "run.csv")
    assert path == str(tmp_path / "out" / "run.reuse.csv")
    direct = reuse([str(tmp_path / "in" / "2022-白沙镇-述职报告.txt"),
                    ("qs", rows[0]["text"], {"unit": "青石街道", "year": 2023}),
                    ("other", rows[1]["text"], {"unit": "北岭镇", "year": 2023})])
    assert result.pairs == direct.pairs
    assert [(d.id, d.reused_share, d.boilerplate_share) for d in result.documents] == \
        [(d.id, d.reused_share, d.boilerplate_share) for d in direct.documents]
    assert (tmp_path / "out" / "run.reuse.csv").read_text(encoding="utf-8") == to_csv(reuse_rows(direct), CSV_COLUMNS)
    assert [(p.source, p.target) for p in result.pairs] == [("2022-白沙镇-述职报告", "qs")]


def test_batch_command_writes_the_reuse_table(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "2022-白沙镇-述职报告.txt").write_text(FILLER_A + SOURCE, encoding="utf-8")
    (tmp_path / "in" / "2023-青石街道-述职报告.txt").write_text(FILLER_B + COPY, encoding="utf-8")
    res = CliRunner().invoke(cli, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "o.jsonl"), "--reuse"])
    assert res.exit_code == 0, res.output
    table = (tmp_path / "o.reuse.csv").read_text(encoding="utf-8")
    assert "passage,2022-白沙镇-述职报告,2023-青石街道-述职报告" in table
    from speechlens.batch.run import read_journal

    assert len(list(read_journal(tmp_path / "o.jsonl"))) == 2   # the batch itself intact (after its header line)


# -- the report ----------------------------------------------------------------------------------------

def test_report_has_a_reuse_section_with_both_passages_marked(analyzer):
    from speechlens.output.reporting import render_report

    docs = [doc(FILLER_A + SOURCE + "<script>x</script>", "白沙镇", 2022, "a"), doc(FILLER_B + COPY, "青石街道", 2023, "b")]
    analyses = [analyzer.analyze(d) for d in docs]
    html = render_report(analyses, None, pictures=False, reuse=reuse(analyses))
    section = html[html.index('<section id="reuse">'):]
    section = section[:section.index("</section>")]
    assert "白沙镇 2022 → 青石街道 2023" in section
    assert section.count("<mark>") >= 2 and "沿街商户和居民用上了干净的自来水" in section
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<section id="reuse">' not in render_report(analyses, None, pictures=False)


def test_the_word_report_carries_the_reuse_section_too(analyzer):
    """The Word report has the HTML page's sections (issue15), the reuse section among them."""
    import io

    import docx

    from speechlens.output.reporting import report_content
    from speechlens.output.wordreport import render_docx

    docs = [doc(FILLER_A + SOURCE, "白沙镇", 2022, "a"), doc(FILLER_B + COPY, "青石街道", 2023, "b")]
    analyses = [analyzer.analyze(d) for d in docs]
    d = docx.Document(io.BytesIO(render_docx(report_content(analyses, None, pictures=False,
                                                            reuse=reuse(analyses)))))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert "文本复用" in headings and "白沙镇 2022 → 青石街道 2023" in headings
    assert any("沿街商户和居民用上了干净的自来水" in p.text for p in d.paragraphs)
    plain = docx.Document(io.BytesIO(render_docx(report_content(analyses, None, pictures=False))))
    assert "文本复用" not in [p.text for p in plain.paragraphs]


def test_compare_ends_with_reuse_unless_asked_not_to(tmp_path):
    (tmp_path / "2022-白沙镇-述职报告.txt").write_text(FILLER_A + SOURCE, encoding="utf-8")
    (tmp_path / "2023-青石街道-述职报告.txt").write_text(FILLER_B + COPY, encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["compare", str(tmp_path), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["reuse"]["pairs"][0]["target"] == "2023-青石街道-述职报告"
    res = runner.invoke(cli, ["compare", str(tmp_path), "--format", "csv"])
    assert "reuse_passages,白沙镇,2023-青石街道-述职报告,shared_chars" in res.output
    res = runner.invoke(cli, ["compare", str(tmp_path), "--format", "markdown", "--no-reuse"])
    assert res.exit_code == 0 and "Text reuse" not in res.output
