"""The document-term matrix export (--dtm) for R/quanteda and scikit-learn."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from speechlens.cli import cli
from speechlens.output.dtm import document_term_matrix

from conftest import DEMO

FILES = [str(DEMO / f) for f in ("2023-金桥镇-述职报告.txt", "2023-白沙镇-述职报告.txt")]


def test_counts_match_the_words_of_each_document(demo_analyses):
    two = [a for a in demo_analyses if a.unit in ("金桥镇", "石门乡")]
    m, docs, terms = document_term_matrix(two)
    assert m.shape == (2, len(terms)) and len(docs) == 2
    k = terms.index("金桥镇")  # names count as whole words
    row = docs.index(next(a.document.id for a in two if a.unit == "金桥镇"))
    text = next(a for a in two if a.unit == "金桥镇").document.text
    assert 0 < m[row, k] <= text.count("金桥镇")
    assert "的" not in terms and "以上" not in terms  # stopwords are out


def test_cli_writes_matrix_market_and_long_tables(tmp_path):
    scipy_io = pytest.importorskip("scipy.io")
    runner = CliRunner()
    out = tmp_path / "dtm" / "m.mtx"
    r = runner.invoke(cli, ["compare", *FILES, "--dtm", str(out), "-o", str(tmp_path / "c.json"), "--format", "json"])
    assert r.exit_code == 0, r.output
    m = scipy_io.mmread(str(out))
    terms = (tmp_path / "dtm" / "m.terms.txt").read_text(encoding="utf-8").split()
    docs = list(csv.DictReader((tmp_path / "dtm" / "m.documents.tsv").open(encoding="utf-8"), delimiter="\t"))
    assert m.shape == (2, len(terms)) and [d["unit"] for d in docs] == ["金桥镇", "白沙镇"]
    r = runner.invoke(cli, ["compare", *FILES, "--dtm", str(tmp_path / "m.csv")])
    rows = list(csv.DictReader((tmp_path / "m.csv").open(encoding="utf-8")))
    assert sum(int(x["count"]) for x in rows) == int(m.sum())
    r = runner.invoke(cli, ["compare", *FILES, "--dtm", str(tmp_path / "m.xlsx")])
    assert r.exit_code == 1 and ".mtx, .parquet or .csv" in r.output
