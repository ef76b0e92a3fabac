"""Specificity: figures, dates and named places make an admission concrete; quoted slogans do not."""

from __future__ import annotations

import json

import pytest

from speechlens.text.specificity import specificity

from conftest import DEMO, ROOT

SPEC = ROOT / "corpora" / "specificity"


def _rows(path):
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


@pytest.mark.parametrize("text", [
    '落实"两个维护"还不够到位', '"四风"问题仍有反弹', '"放管服"改革推进不够有力',
    '楼宇经济"量增质不优"', '农业"大而不强"', "学习与工作“两张皮”的现象依然存在",
    "“三会一课”制度落实不够规范", "部分村“造血”功能仍然较弱", "老旧小区改造后的管理跟不上",
    "部分重点项目推进缓慢，开工率不高", "一段时间以来，部分干部的工作热情有所下降",
])
def test_stock_wording_is_formulaic(text):
    assert specificity(text) == "formulaic"


@pytest.mark.parametrize("text", [
    "全镇仍有4个村集体经营性收入低于10万元", "七个村的垃圾中转站仍未建成", "全年只化解了积案中的三分之一",
    "柳溪村、石桥村的饮水工程老化，夏季经常断水", "滨河湿地公园项目因征地问题至今未能开工",
    "“青禾”大米品牌注册已经五年，在县外几乎没有知名度", "“清溪夜市”占道经营问题群众反映了两年仍未根治",
    "XX村的集体资产清查至今没有完成", "湖区部分断面水质仍在Ⅴ类徘徊",
    "“三会一课”检查中发现4个支部的记录存在补记现象",
])
def test_figures_names_and_dates_are_concrete(text):
    assert specificity(text) == "concrete"


def test_the_labelled_set_has_two_passes_and_the_rules_agree_with_it():
    rows = _rows(SPEC / "admissions.jsonl")
    assert len(rows) >= 300
    assert {r["label"] for r in rows} == {"concrete", "formulaic"}
    agree = sum(r["first_pass"] == r["second_pass"] for r in rows) / len(rows)
    assert agree >= 0.95
    acc = sum(specificity(r["text"]) == r["label"] for r in rows) / len(rows)
    assert acc >= 0.97  # the rules were written against this set: README gives the clean figures


@pytest.mark.parametrize("path, floor", [(SPEC / "fresh.jsonl", 0.93), (DEMO / "gold.jsonl", 0.93)])
def test_specificity_on_sets_the_rules_were_not_written_on(path, floor):
    rows = _rows(path)
    if "problems" in rows[0]:
        rows = [{"text": p["text"], "label": p["specificity"]} for r in rows for p in r["problems"]]
    acc = sum(specificity(r["text"]) == r["label"] for r in rows) / len(rows)
    assert acc >= floor


def test_the_comparison_gives_each_documents_share_of_stock_wording(demo_comparison):
    c = demo_comparison
    docs = {d["document"]: d for d in c["documents"]}
    nanling = docs["2023-南岭镇-述职报告"]
    assert nanling["formulaic_share"] == 1.0 and nanling["admissions"] == 5
    for d in c["documents"]:
        assert d["formulaic"] <= d["admissions"]
    assert 0 < c["units"]["青石镇"]["formulaic_share"] < 1
