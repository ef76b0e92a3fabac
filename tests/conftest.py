"""Shared fixtures: hand-made inputs, a tiny classifier fitted here, and the demo corpus analysed once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"
HELDOUT = ROOT / "corpora" / "problems" / "heldout"

# Small, hand-written training set for a classifier that does not depend on the shipped model.
TINY = [
    ("全镇完成固定资产投资12亿元，新签约招商项目8个", ("development",), "development/investment", False),
    ("工业园区新增规上企业5家，产值同比增长9%", ("development",), "development/industry", False),
    ("招商引资质量不高，亿元以上项目偏少", ("development",), "development/investment", True),
    ("要坚持项目为王，抓好重大项目建设", ("development",), "development/projects", False),
    ("乡村旅游接待游客20万人次，民宿经济加快发展", ("development",), "development/tourism", False),
    ("村集体经济薄弱，3个村经营性收入低于10万元", ("development",), "development/agriculture", True),
    ("新建幼儿园1所，新增学位360个", ("livelihood",), "livelihood/education", False),
    ("改造老旧小区4个，惠及居民1200户", ("livelihood",), "livelihood/housing", False),
    ("垃圾分类推进缓慢，居民参与率不高", ("livelihood",), "livelihood/environment", True),
    ("新增城镇就业800人，开展技能培训1500人次", ("livelihood",), "livelihood/employment", False),
    ("要办好民生实事，兜牢低保和特困人员底线", ("livelihood",), "livelihood/assistance", False),
    ("建成长者食堂3个，日均服务老人200人次", ("livelihood",), "livelihood/elderly", False),
    ("排查整改安全隐患560处，未发生较大事故", ("safety",), "safety/production", False),
    ("信访积案化解难度大，仍有2件未办结", ("safety",), "safety/petitions", True),
    ("要做好防汛抗旱各项准备，确保群众安全度汛", ("safety",), "safety/disaster", False),
    ("网格员每日巡查，化解矛盾纠纷120起", ("safety",), "safety/governance", False),
    ("安全生产隐患排查不够彻底", ("safety",), "safety/production", True),
    ("严密防范非法集资和金融风险", ("safety",), "safety/finance", False),
    ("理论学习不够深入系统", ("party",), "party/theory", True),
    ("开展主题党日活动12次，发展党员6名", ("party",), "party/organisation", False),
    ("要严守纪律规矩，落实中央八项规定精神", ("party",), "party/integrity", False),
    ("干部队伍年龄偏大，年轻干部储备不足", ("party",), "party/cadres", True),
    ("整顿软弱涣散村党组织2个", ("party",), "party/organisation", False),
    ("形式主义官僚主义问题仍然存在", ("party",), "party/style", True),
    ("落实安全生产党政同责、一岗双责", ("safety", "party"), "safety/production", False),
    ("党建引领乡村振兴，支部领办合作社6家", ("development", "party"), "party/organisation", False),
    ("同志们，今天我们召开述职评议会议", (), "none/greeting", False),
    ("下面请各位书记依次述职", (), "none/procedure", False),
    ("谢谢大家", (), "none/thanks", False),
    ("平均年龄45岁，本科以上学历占90%", (), "none/cadre_stats", False),
    ("以上述职，请予评议", (), "none/procedure", False),
    ("会议由市委副书记主持", (), "none/procedure", False),
]


@pytest.fixture(scope="session")
def tiny_classifier():
    from speechlens import Segmenter, ThemeClassifier

    texts, labels, subs, probs = zip(*TINY)
    return ThemeClassifier(C=4.0, min_df=1, cv_folds=2, segmenter=Segmenter(backend="jieba")).fit(
        list(texts), list(labels), list(subs), list(probs))


@pytest.fixture(scope="session")
def analyzer():
    """The Analyzer users get: shipped model, governance dictionary."""
    from speechlens import Analyzer

    return Analyzer()


@pytest.fixture(scope="session")
def demo_files():
    from speechlens.reading.loading import expand_paths

    return [Path(p) for p in expand_paths([DEMO])]


@pytest.fixture(scope="session")
def demo_analyses(analyzer, demo_files):
    return list(analyzer.pipe(demo_files))


@pytest.fixture(scope="session")
def demo_gold():
    return [json.loads(l) for l in (DEMO / "gold.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]


@pytest.fixture(scope="session")
def demo_comparison(demo_analyses):
    """The demo corpus compared once with the defaults, as a dict."""
    from speechlens import compare

    return compare(demo_analyses).to_dict()
