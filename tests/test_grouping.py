"""Groups by any metadata and by year, year-over-year changes, pinyin order, the user's stopwords."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner

from speechlens import compare
from speechlens.cli import cli
from speechlens.comparison.grouping import ordered

from conftest import DEMO


def test_units_come_in_pinyin_order_or_the_users(demo_comparison, demo_analyses):
    units = list(demo_comparison["units"])
    assert units[:3] == ["白沙镇", "东湖街道", "河西街道"] and units[-1] == "新港街道"
    assert list(demo_comparison["problem_matrix"]["themes"]) == units
    assert list(demo_comparison["keyness"]) == units
    assert ordered(["白沙镇", "金桥镇", "东湖街道"], ["金橋鎮"]) == ["金桥镇", "白沙镇", "东湖街道"]
    mine = compare([a for a in demo_analyses if a.unit in ("金桥镇", "白沙镇", "石门乡")], order=["石门乡"]).to_dict()
    assert list(mine["units"]) == ["石门乡", "白沙镇", "金桥镇"]


def test_traditional_unit_names_are_the_same_unit(demo_analyses):
    a = next(x for x in demo_analyses if x.unit == "金桥镇")
    trad = dataclasses.replace(a, document=dataclasses.replace(a.document, unit="金橋鎮", id="trad", year=2022))
    other = next(x for x in demo_analyses if x.unit == "石门乡")
    c = compare([a, trad, other]).to_dict()
    assert set(c["units"]) == {"金桥镇", "石门乡"} and c["units"]["金桥镇"]["documents"] == 2


def test_year_over_year_changes_for_units_reporting_twice(demo_comparison):
    changes = {c["unit"]: c for c in demo_comparison["year_changes"]}
    assert set(changes) == {"白沙镇", "东湖街道"}
    for unit, c in changes.items():
        assert (c["from"], c["to"]) == (2022, 2023)
        assert c["admissions_to"] == len(c["new"]) + len(c["recurring"])
        assert c["admissions_from"] >= len(c["dropped"])
        for l, d in c["theme_change"].items():
            assert d == pytest.approx(c["themes_to"][l] - c["themes_from"][l], abs=1e-3)
    assert any("集体经济" in r["text"] and "集体经济" in r["earlier"] for r in changes["白沙镇"]["recurring"])
    assert demo_comparison["units"]["白沙镇"]["by_year"].keys() == {"2022", "2023"}


def test_group_by_year_and_by_unit_and_year(demo_analyses):
    by_year = compare(demo_analyses, by="year", target="2022").to_dict()
    assert list(by_year["units"]) == ["2022", "2023"] and by_year["by"] == "year"
    assert list(by_year["keyness"]) == ["2022"]
    both = compare(demo_analyses, by="unit,year").to_dict()
    assert {"白沙镇 2022", "白沙镇 2023", "东湖街道 2022", "东湖街道 2023"} <= set(both["units"])
    assert all(d["group"] in both["units"] for d in both["documents"])


def test_group_by_any_metadata_key(demo_analyses):
    reports = [a for a in demo_analyses if a.genre != "speech"]
    tagged = [dataclasses.replace(a, document=dataclasses.replace(
        a.document, meta={"county": "云台区" if a.unit and a.unit.endswith("街道") else "青山县"})) for a in reports]
    c = compare(tagged, by="county").to_dict()
    assert list(c["units"]) == ["青山县", "云台区"]  # qing < yun
    assert sum(u["documents"] for u in c["units"].values()) == len(reports)
    with pytest.raises(Exception):
        compare(tagged, by="county", target="火星县")


def test_the_users_stopwords_add_to_or_replace_the_shipped_list(tmp_path):
    files = [str(DEMO / f) for f in ("2023-金桥镇-述职报告.txt", "2023-白沙镇-述职报告.txt", "2023-石门乡-述职报告.txt")]
    runner = CliRunner()
    base = json.loads(runner.invoke(cli, ["compare", *files, "--format", "json"]).output)
    top = base["keyness"]["金桥镇"][0]["term"]
    words = tmp_path / "stop.txt"
    words.write_text(f"# mine\n{top}\n", encoding="utf-8")
    r = runner.invoke(cli, ["compare", *files, "--format", "json", "--stopwords", str(words)])
    assert top not in {t["term"] for t in json.loads(r.output)["keyness"]["金桥镇"]}
    r = runner.invoke(cli, ["compare", *files, "--format", "json", "--stopwords", str(words), "--replace-stopwords"])
    terms = {t["term"] for rows in json.loads(r.output)["keyness"].values() for t in rows}
    assert top not in terms and "一个" in terms  # a shipped stopword, no longer applied
    r = runner.invoke(cli, ["compare", *files, "--stopwords", str(tmp_path / "none.txt")])
    assert r.exit_code == 1 and "stopword file not found" in r.output


def test_cli_by_year_and_wordcloud_by_any_key(tmp_path):
    runner = CliRunner()
    files = [str(DEMO / f) for f in ("2022-白沙镇-述职报告.txt", "2023-白沙镇-述职报告.txt", "2023-金桥镇-述职报告.txt")]
    d = json.loads(runner.invoke(cli, ["compare", *files, "--format", "json", "--by", "year"]).output)
    assert list(d["units"]) == ["2022", "2023"]
    r = runner.invoke(cli, ["wordcloud", *files, "--by", "year", "-o", str(tmp_path / "c.png")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "c-2022.png").exists() and (tmp_path / "c-2023.png").exists()


def test_trend_chart_of_units_reporting_in_several_years(demo_comparison, demo_analyses):
    from speechlens.output.fonts import FontError, find_font
    from speechlens.output.plots import trend_chart

    try:
        find_font()
    except FontError:
        pytest.skip("no CJK font on this machine")
    png = trend_chart(demo_comparison)
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
    single = compare([a for a in demo_analyses if a.unit in ("金桥镇", "石门乡")]).to_dict()
    assert trend_chart(single) is None


def test_ordering_many_groups_by_a_given_order_is_linear():
    import time

    names = [f"第{i}镇" for i in range(30_000)]
    t = time.perf_counter()
    assert ordered(names, names) == names  # each name placed once, not checked against all placed ones
    assert time.perf_counter() - t < 3.0  # quadratic: 30,000 × a set of 30,000 per name, over 20 s
