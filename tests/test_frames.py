"""Tidy tables: pandas reads every table without unpacking; notebook views; the README recipe."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def comparison_tables(demo_analyses):
    from speechlens import compare

    return compare(demo_analyses).to_pandas()


NUMERIC = {"year", "start", "end", "index", "characters", "admissions", "documents", "g2", "p", "target",
           "reference", "cosine", "score", "problem_score", "formulaic_share", "shared_problem", "change",
           "share_from", "share_to", "n_units", "sentence", "sentences"}


def _check_round_trip(name, df, tmp_path):
    pq = tmp_path / f"{name}.parquet"
    df.to_parquet(pq)
    back = pd.read_parquet(pq)
    assert list(back.columns) == list(df.columns) and len(back) == len(df)
    csv = tmp_path / f"{name}.csv"
    df.to_csv(csv, index=False)
    again = pd.read_csv(csv)
    for col in df.columns:
        if col in NUMERIC or col.startswith(("theme_", "score_")):
            assert pd.api.types.is_numeric_dtype(back[col]), (name, col, back[col].dtype)
            if len(df) and df[col].notna().any():
                assert pd.api.types.is_numeric_dtype(again[col]), (name, col, again[col].dtype)
    for col in ("themes", "cues", "units"):
        if col in back and len(back):
            assert all(hasattr(v, "__len__") and not isinstance(v, str) for v in back[col])


def test_every_comparison_table_reads_back_with_numbers_as_numbers(comparison_tables, tmp_path):
    assert {"units", "documents", "admissions", "problem_matrix", "shared_problems", "keyness", "similarity",
            "year_changes"} <= set(comparison_tables)
    for name, df in comparison_tables.items():
        _check_round_trip(name, df, tmp_path)


def test_analysis_tables_read_back_and_join(demo_analyses, tmp_path):
    from speechlens.pipeline.frames import analysis_frames

    tables = analysis_frames(demo_analyses)
    for name, df in tables.items():
        _check_round_trip(name, df, tmp_path)
    docs = set(tables["documents"]["document"])
    for name in ("sentences", "problems", "admissions"):
        assert set(tables[name]["document"]) <= docs
    one = demo_analyses[0].to_pandas()
    assert len(one["documents"]) == 1 and len(one["sentences"]) == len(demo_analyses[0].sentences)


def test_ids_join_admissions_to_documents_and_shared_problems(comparison_tables):
    t = comparison_tables
    adm = t["admissions"]
    assert set(adm["document"]) <= set(t["documents"]["document"])
    linked = adm.dropna(subset=["shared_problem"])
    assert set(linked["shared_problem"]) == set(t["shared_problems"]["shared_problem"])
    sizes = linked.groupby("shared_problem").size().to_dict()
    assert sizes == t["shared_problems"].set_index("shared_problem")["admissions"].to_dict()
    per_group = adm.groupby("group").size().to_dict()
    assert per_group == t["units"].set_index("group")["admissions"].to_dict()


def test_short_repr_and_compact_html(demo_analyses):
    from speechlens import compare

    a = next(x for x in demo_analyses if x.unit == "桃源街道")
    assert repr(a).startswith("<Analysis 桃源街道 2023") and len(repr(a)) < 200
    page = a._repr_html_()
    assert "桃源街道" in page and "admitted problems" in page and len(page) < 5000
    c = compare([x for x in demo_analyses if x.unit in ("桃源街道", "<b>x</b>", "金桥镇")])
    assert repr(c).startswith("<Comparison of 2 groups") and "金桥镇" in c._repr_html_()


def test_the_readme_pandas_and_group_by_recipe_runs(monkeypatch, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- test:pandas-recipe -->\n```python\n(.*?)```", readme, re.S).group(1)
    code = code.replace('Path("corpora/demo")', repr(str(ROOT / "corpora" / "demo")).join(("Path(", ")")))
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README pandas recipe", "exec"), scope)
    assert set(scope["party"]["unit"]) == {"白沙镇", "东湖街道"}
    assert (tmp_path / "keyness.parquet").exists()
    assert {"白沙镇 2022", "白沙镇 2023"} <= set(scope["tables"]["units"]["group"])


def test_compare_csv_value_column_is_numeric(demo_comparison):
    import io

    from speechlens.output.tables import comparison_rows, to_csv

    df = pd.read_csv(io.StringIO(to_csv(comparison_rows(demo_comparison))))
    assert pd.api.types.is_numeric_dtype(df["value"])
    assert {"units", "keyness", "unique_problems", "speech_criticism"} <= set(df["table"])
