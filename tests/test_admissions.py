"""Admissions: an enumerated item and the flagged sentences that elaborate it count once."""

from __future__ import annotations

import pytest

from speechlens import Document

ITEMS = ("二〇二三年度述职报告\n一、主要工作\n全镇完成固定资产投资8亿元，同比增长6%。\n"
         "二、存在的问题\n"
         "1.招商引资成效不明显。全年新引进项目只有2个，投资额都不足5000万元，缺少带动力强的龙头企业。\n"
         "2.干部队伍年龄偏大。镇机关干部平均年龄48岁，年轻干部储备明显不足。\n"
         "3.理论学习还不够深入系统。\n"
         "三、下一步打算\n要加大招商引资力度，着力引进龙头企业。\n")

PARAGRAPH = ("二〇二三年度述职报告\n一、主要工作\n全镇完成固定资产投资8亿元，同比增长6%。\n"
             "二、存在的问题\n"
             "村干部老化问题比较突出，全镇12个村党组织书记中55岁以上的有7人，后备力量储备不足。"
             "对照上级要求，我本人理论学习还不够深入，学用结合不紧。\n"
             "三、下一步打算\n要加强村干部队伍建设。\n")


def _analysis(analyzer, text):
    return analyzer.analyze(Document(text=text, unit="青山镇", genre="self_report", id="t"))


def test_an_items_headline_and_its_elaboration_are_one_admission(analyzer):
    a = _analysis(analyzer, ITEMS)
    assert len(a.problems) > 3  # the extractor flags headlines and elaborations one by one
    texts = [x.text for x in a.admissions]
    assert len(texts) == 3, texts
    assert texts[0].startswith("招商引资成效不明显。全年新引进项目") and "龙头企业" in texts[0]
    assert texts[1].startswith("干部队伍年龄偏大。") and "储备明显不足" in texts[1]
    assert texts[2].startswith("理论学习")
    for x in a.admissions:
        assert a.document.text[x.start:x.end] == x.text
        assert [p.text in x.text for p in x.parts] == [True] * len(x.parts)
    assert a.to_dict()["admissions"][0]["sentences"] == len(a.admissions[0].parts)


def test_a_new_point_in_the_same_paragraph_is_an_admission_of_its_own(analyzer):
    a = _analysis(analyzer, PARAGRAPH)
    texts = [x.text for x in a.admissions]
    assert len(texts) == 2, texts
    assert texts[0].startswith("村干部老化") and texts[1].startswith("对照上级要求")


def test_the_comparison_counts_admissions(analyzer):
    from speechlens import compare

    other = analyzer.analyze(Document(text=PARAGRAPH, unit="绿水乡", genre="self_report", id="u"))
    c = compare([_analysis(analyzer, ITEMS), other]).to_dict()
    assert c["units"]["青山镇"]["problems"] == 3
    assert sum(c["problem_matrix"]["themes"]["青山镇"][t] for t in ("development", "livelihood", "safety",
                                                                 "party", "none")) >= 3
    assert sum(c["problem_matrix"]["subthemes"]["青山镇"].values()) == 3


@pytest.mark.parametrize("text, lead_in", [
    ("回顾这一年，我们也清楚地看到还存在一些问题和不足。", True),
    ("虽然做了一些工作，但对照区委的要求，还存在不少差距，主要表现在：", True),
    ("工作中也有三个方面的明显短板：", True),
    ("对照群众期待，我们还有不小的差距。", True),
    ("但离县委的要求还有不小距离。", True),
    ("虽然做了一些工作，但还存在一些不足之处", True),
    ("项目储备还存在短板。", False),                         # names its area: an admission
    ("但也存在一些问题：一是村级财务公开不及时。", False),     # names one after the colon
    ("二、存在的问题", False),                               # a heading, not a lead-in
    ("河道沿线普遍存在乱堆乱放问题。", False),
])
def test_a_lead_in_is_told_from_an_admission(text, lead_in):
    from speechlens.pipeline.admissions import is_lead_in

    assert is_lead_in(text) is lead_in
