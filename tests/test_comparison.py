"""Comparison on the demo corpus against its gold annotations, and the keyness statistic."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest

from speechlens import compare
from speechlens.pipeline.admissions import is_lead_in
from speechlens.training.evaluation import evaluate_extraction
from speechlens.comparison.keyness import g2, keyness, p_value

from conftest import DEMO, HELDOUT


@pytest.fixture(scope="module")
def comparison(demo_comparison):
    return demo_comparison


def test_units_are_every_township_with_their_documents(comparison, demo_gold):
    units = {r["unit"] for r in demo_gold if r["genre"] != "speech"}
    assert set(comparison["units"]) == units
    assert comparison["units"]["白沙镇"]["documents"] == 2
    assert comparison["units"]["白沙镇"]["years"] == [2022, 2023]
    for info in comparison["units"].values():
        assert abs(sum(info["themes"].values()) - 1) < 1e-3


def test_problem_matrix_counts_match_the_admissions(comparison, demo_analyses):
    from speechlens.comparison.comparison import unit_of

    per_unit = defaultdict(int)
    for a in demo_analyses:
        if a.genre != "speech":
            per_unit[unit_of(a)] += len(a.admissions)
    for u, n in per_unit.items():
        assert comparison["units"][u]["problems"] == n
        assert sum(comparison["problem_matrix"]["subthemes"][u].values()) == n


def _overlap(a, b):
    return min(a[1], b[1]) - max(a[0], b[0]) > 0


def _gold_spans(doc_text, gold_problems):
    spans = []
    for g in gold_problems:
        i = doc_text.find(g["text"])
        assert i >= 0, g["text"]
        spans.append((i, i + len(g["text"])))
    return spans


def test_demo_counts_are_the_golds_admissions_per_unit(comparison, demo_analyses, demo_gold):
    """One admission = one gold item with its elaboration. The count each unit gets must be the
    gold's, up to what the sentence extractor itself gets wrong: a gold item it flags no sentence
    of is missed, and gold items it flags as one sentence can only be one admission. Both are read
    off the flagged sentences, not off the admissions under test."""
    gold = {r["file"]: r for r in demo_gold}
    expected = defaultdict(int)
    gold_count = defaultdict(int)
    for a in demo_analyses:
        if a.genre == "speech":
            continue
        r = gold[a.document.path.rsplit("/", 1)[-1]]
        spans = _gold_spans(a.document.text, r["problems"])
        gold_count[r["unit"]] += len(spans)
        # components of gold items linked through a flagged sentence they share
        parent = list(range(len(spans)))

        def find(i):
            while parent[i] != i:
                i = parent[i]
            return i

        false_alarms = 0
        hit = set()
        for p in a.problems:
            if is_lead_in(a.sentences[p.sentence_index].sentence.norm):
                continue  # a flagged lead-in (还存在一些不足：) names nothing and is no admission
            items = [k for k, g in enumerate(spans) if _overlap((p.start, p.end), g)]
            false_alarms += not items
            hit.update(items)
            for k in items[1:]:
                parent[find(k)] = find(items[0])
        expected[r["unit"]] += len({find(k) for k in hit}) + false_alarms
        # no gold item is split over two admissions
        for g in spans:
            assert sum(_overlap((x.start, x.end), g) for x in a.admissions) <= 1, (r["file"], g)
    for u, n in expected.items():
        assert comparison["units"][u]["problems"] == n, u
    exact = [u for u in expected if expected[u] == gold_count[u]]
    # The extractor's known errors on the demo with themes-v2 (still allowed for themes-v3 to themes-v6): a 河西街道 item missed, the cause
    # lead-in of 石门乡 (究其原因……：) and an achievement of 柳河镇 flagged.
    assert len(exact) >= len(expected) - 3
    assert comparison["units"]["桃源街道"]["problems"] == 6
    assert comparison["units"]["青石镇"]["problems"] == 5
    assert comparison["units"]["石门乡"]["problems"] == 11  # its ten items and the cause lead-in (究其原因……：)


def test_unique_problems_never_list_an_items_elaboration_apart(comparison):
    for u, items in comparison["unique_problems"].items():
        texts = [p["text"] for p in items]
        for t in texts:
            assert sum(t in other for other in texts) == 1, (u, t)


def _units_of_key(demo_gold, key):
    return {r["unit"] for r in demo_gold for p in r["problems"] if p["key"] == key}


@pytest.mark.parametrize("key", ["investment", "collective_economy", "waste_sorting", "cadre_ageing",
                                 "theory_study", "production_safety", "petitions"])
def test_each_gold_shared_problem_is_found_as_a_group(comparison, demo_gold, key):
    gold_units = _units_of_key(demo_gold, key)
    assert len(gold_units) >= 3
    best = max(len(gold_units & set(g["units"])) for g in comparison["shared_problems"])
    assert best >= 0.6 * len(gold_units), (key, gold_units)


def test_unique_problems_stay_out_of_large_groups(comparison, demo_gold):
    uniques = [(r["unit"], p["text"]) for r in demo_gold for p in r["problems"] if p["key"].startswith("unique_")]
    in_big_group = 0
    for unit, text in uniques:
        for g in comparison["shared_problems"]:
            ex = g["examples"].get(unit)
            if ex and (ex["text"] in text or text in ex["text"]) and len(g["units"]) >= 4:
                in_big_group += 1
    assert in_big_group <= len(uniques) // 3


def test_speech_criticisms_nobody_admits_are_reported(comparison):
    unaddressed = " ".join(comparison["speech"]["unaddressed"])
    assert "债" in unaddressed
    crit = [p for p in comparison["speech"]["points"] if p["kind"] == "criticism"]
    waste = next(p for p in crit if "垃圾分类" in p["text"])
    assert {"桃源街道", "东湖街道"} <= set(waste["addressed_by"])


def test_recurring_problems_across_years(comparison):
    rec = [r for r in comparison["recurring_problems"] if r["unit"] == "白沙镇"]
    assert rec and all(r["years"] == [2022, 2023] for r in rec)
    assert any("集体经济" in r["earlier"] and "集体经济" in r["later"] for r in rec)


def test_keyness_finds_a_units_own_vocabulary(comparison):
    terms = {r["term"] for r in comparison["keyness"]["新港街道"]}
    assert terms & {"港区", "港口", "物流", "集卡", "航运"}
    for rows in comparison["keyness"].values():
        for r in rows:
            assert r["g2"] > 0 and r["p"] < 0.05


def test_similarity_is_symmetric_with_unit_diagonal(comparison):
    sim = comparison["similarity"]
    for u in sim:
        assert sim[u][u] == pytest.approx(1.0, abs=1e-3)
        for v in sim:
            assert sim[u][v] == pytest.approx(sim[v][u])


@pytest.mark.parametrize("a, b, c, d", [(30, 10, 970, 1990), (3, 1, 5000, 60000), (12, 0, 800, 9000),
                                        (5, 40, 3000, 20000)])
def test_g2_matches_the_textbook_formula_with_and_without_williams(a, b, c, d):
    from scipy.stats import chi2_contingency

    n = a + b + c + d
    e = [(a + b) * (a + c) / n, (a + b) * (b + d) / n, (c + d) * (a + c) / n, (c + d) * (b + d) / n]
    plain = 2 * sum(o * math.log(o / x) for o, x in zip((a, b, c, d), e) if o > 0)
    sign = 1 if a / (a + c) >= b / (b + d) else -1
    assert g2(a, b, c, d, correction="none") == pytest.approx(sign * plain)
    assert abs(g2(a, b, c, d, correction="none")) == pytest.approx(
        chi2_contingency([[a, b], [c, d]], correction=False, lambda_="log-likelihood")[0])
    q = 1 + (n / (a + b) + n / (c + d) - 1) * (n / (a + c) + n / (b + d) - 1) / (6 * n)
    assert g2(a, b, c, d) == pytest.approx(sign * plain / q)  # Williams' is the default
    assert p_value(3.841459) == pytest.approx(0.05, abs=1e-4)


def test_yates_as_quanteda_applies_it():
    a, b, c, d = 5, 0, 869, 6496  # 东湖街道's 入驻: expected reference count below 5
    n = a + b + c + d
    aa, bb, cc, dd = a - 0.5, b + 0.5, c + 0.5, d - 0.5
    cells = [(aa, (aa + bb) * (aa + cc) / n), (bb, (aa + bb) * (bb + dd) / n),
             (cc, (cc + dd) * (aa + cc) / n), (dd, (cc + dd) * (bb + dd) / n)]
    assert g2(a, b, c, d, correction="yates") == pytest.approx(2 * sum(o * math.log(o / e) for o, e in cells))
    assert g2(a, b, c, d, correction="none") == pytest.approx(21.346, abs=1e-3)
    assert g2(a, b, c, d) == pytest.approx(16.604, abs=1e-3)
    assert g2(300, 200, 5000, 6000, correction="yates") == g2(300, 200, 5000, 6000, correction="none")
    with pytest.raises(ValueError):
        g2(1, 2, 3, 4, correction="bonferroni")


def test_williams_correction_is_the_default_in_the_comparison(demo_analyses):
    reports = [a for a in demo_analyses if a.unit in ("东湖街道", "金桥镇", "石门乡", "白沙镇")]
    corrected = compare(reports, top_terms=1000).to_dict()
    plain = compare(reports, top_terms=1000, keyness_correction="none").to_dict()
    n_corr = sum(len(v) for v in corrected["keyness"].values())
    n_plain = sum(len(v) for v in plain["keyness"].values())
    assert n_corr < n_plain
    for u, rows in corrected["keyness"].items():
        before = {r["term"]: r["g2"] for r in plain["keyness"][u]}
        for r in rows:
            assert r["g2"] <= before[r["term"]] + 1e-9
    assert "Williams" in corrected["method"]["keyness"]


def test_keyness_ranks_overused_terms_first():
    target = {"港口": 20, "发展": 10, "学习": 2}
    reference = {"港口": 1, "发展": 60, "学习": 12}
    rows = keyness(target, reference)
    assert rows[0]["term"] == "港口"
    assert all(r["term"] != "发展" for r in rows)


def test_extraction_on_the_demo_gold(analyzer):
    r = evaluate_extraction(DEMO, [DEMO / "gold.jsonl"], analyzer=analyzer)
    assert r["f1"] >= 0.90


@pytest.mark.slow
@pytest.mark.parametrize("folder", [HELDOUT, HELDOUT.parent / "fresh"])
def test_extraction_on_the_held_out_self_reports(analyzer, folder):
    r = evaluate_extraction(folder, [folder / "gold.jsonl"], analyzer=analyzer)
    assert r["f1"] >= 0.90
