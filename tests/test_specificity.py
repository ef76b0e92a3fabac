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


# The plain rules, as they read before the cheap pre-tests were added: the fast path must give
# the same answer on every string.
from hypothesis import given, settings, strategies as st  # noqa: E402

from speechlens.text import specificity as spec  # noqa: E402


def _plain_blank(text, pattern):
    return pattern.sub(lambda m: "　" * len(m.group(0)), text)


def _plain_is_name(s):
    for chunk in spec.CHUNK.split(s):
        m = spec.NAMED.match(chunk)
        prefix = m and next(g for g in m.groups() if g)
        if prefix and not spec.GENERIC_PREFIX.search(prefix) and not spec.NOT_IN_NAME.search(prefix):
            return True
    return False


def _plain_without_slogans(text):
    def repl(m):
        after = text[m.end():m.end() + 8]
        if spec.AFTER_QUOTE.search(after) or _plain_is_name(m.group(1)):
            return m.group(0)
        return "　" * len(m.group(0))
    return spec.QUOTED.sub(repl, text)


def _plain_specificity(text):
    t = _plain_without_slogans(text)
    t = _plain_blank(t, spec.formulas())
    t = _plain_blank(t, spec.VAGUE)
    if spec.FIGURE.search(t) or spec.NUMERAL_QTY.search(t):
        return spec.CONCRETE
    return spec.CONCRETE if _plain_is_name(t) else spec.FORMULAIC


_TRICKY = [
    "东坡村", "向阳村沿线", "多年来青石村", "几年来白鹭湾二期", "半年来", "近半", "过半数村民", "三会一课",
    "一岗双责", "两个维护", "“两张皮”", "“红叶”民宿", "“溪口老街”", "「桂香」茶业", "『一盘棋』", '"放管服"',
    "**", "＊＊", "XX", "ＸＸ", "××", "X", "*", "3", "３", "Ⅴ", "十二月", "十一月份", "第三名", "倒数第二",
    "三分之二", "二季度", "一些", "一是", "项目", "工程", "新区项目", "北门大桥", "南湖", "部分村", "城中村",
    "老旧小区", "我们社区", "推动项目", "的", "和", "，", "　", " ", "\n", "a", "",
]


_ALPHABET = "村镇河湖路项目工程一二两三半几多年来倒数第名近过季度月个的和，“”\"「」X*３Ⅴ　"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_TRICKY) | st.text(alphabet=_ALPHABET, max_size=6), max_size=10))
def test_the_fast_rules_give_the_plain_rules_answer(parts):
    text = "".join(parts)
    assert specificity(text) == _plain_specificity(text)


@pytest.mark.parametrize("text", [
    "城关镇的夜市改造拖了两年还没有收尾", "我们在推动项目谋划上办法不多", "大家普遍反映会议太多、文件太长",
    "“清风”品牌宣传声势大、实效小", "金沙江大桥引线工程进展迟缓", "各街道对老旧小区的物业管理缺少办法",
    "多年来柳岸村沿线的排污口一直没有封堵", "一段时间以来学习走了过场", "个别干部存在“怕慢假庸散”问题",
    "三季度的信访量比上年同期有所上升", "党员教育“一阵风”现象仍然存在", "桃源乡卫生院缺少全科医生",
    "", "　", "“”", "“村”", "的的的", "XX项目", "××公司的账目不清",
])
def test_the_fast_rules_agree_on_written_sentences(text):
    assert specificity(text) == _plain_specificity(text)
