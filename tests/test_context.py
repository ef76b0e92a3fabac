"""The context stage: whole-document corpus, problem evidence, context features and model, genre."""

from __future__ import annotations

import json

import numpy as np
import pytest

from speechlens.model.context import (ContextModel, GenreModel, GENRE_CUES, genre_vector,
                                problem_context_features, structure_columns, theme_context_features)
from speechlens.training.doccorpus import gold_for_table, load_documents
from speechlens.labels import LABELS
from speechlens.errors import ModelError
from speechlens.model.context import EVIDENCE
from speechlens.pipeline.problems import problem_evidence
from speechlens.text.structure import sentence_table


def _write_doc(path, doc_id, genre, units):
    line = {"id": doc_id, "genre": genre, "title": None,
            "sentences": [{"text": t, "sep": sep, "themes": list(th), "problem": p} for t, sep, th, p in units]}
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")


REPORT = [
    ("一、主要工作", "\n", ("development", "livelihood"), False),
    ("全镇新签约招商项目6个，总投资9亿元。", "", ("development",), False),
    ("新建卫生院1所，改造农村厕所420户。", "\n", ("livelihood",), False),
    ("二、存在的问题", "\n", ("development", "party"), False),
    ("一是产业结构单一。", "", ("development",), True),
    ("二是理论学习不够深入。", "\n", ("party",), True),
    ("三、下一步打算", "\n", ("development",), False),
    ("一要抓好项目建设。", "", ("development",), False),
]


@pytest.fixture()
def corpus(tmp_path):
    (tmp_path / "parts").mkdir()
    _write_doc(tmp_path / "parts" / "w1-test.jsonl", "w1-001", "self_report", REPORT)
    return tmp_path


def test_document_text_and_unit_offsets_come_from_the_units(corpus):
    (doc,) = load_documents(corpus)
    assert doc.text == "".join(t + sep for t, sep, _, _ in REPORT)
    for u, (t, *_rest) in zip(doc.units, REPORT):
        assert doc.text[u.start:u.end] == t


def test_second_and_third_passes_decide_by_majority(corpus):
    second = [{"themes": list(th), "problem": p} for _, _, th, p in REPORT]
    second[4] = {"themes": ["development", "livelihood"], "problem": False}   # disagrees on unit 4
    third = [None] * len(REPORT)
    third[4] = {"themes": ["livelihood"], "problem": False}
    for name, labels in (("second", second), ("third", third)):
        folder = corpus / "annotations" / name
        folder.mkdir(parents=True)
        (folder / "w1.jsonl").write_text(json.dumps({"id": "w1-001", "labels": labels}) + "\n", encoding="utf-8")
    (doc,) = load_documents(corpus)
    # development: first + second (2 of 3); livelihood: second + third; problem: second + third say no.
    assert doc.units[4].themes == ("development", "livelihood")
    assert doc.units[4].problem is False
    assert doc.units[5].themes == ("party",) and doc.units[5].problem is True


def test_gold_labels_map_onto_our_own_sentences(corpus):
    (doc,) = load_documents(corpus)
    tab = sentence_table(doc.text)
    Y, P = gold_for_table(doc, tab.starts, tab.ends)
    by_text = {tab.norms[i]: (tuple(l for l, y in zip(LABELS, Y[i]) if y), bool(P[i])) for i in range(len(tab))}
    assert by_text["一是产业结构单一。"] == (("development",), True)
    assert by_text["二、存在的问题"] == (("development", "party"), False)
    assert by_text["一要抓好项目建设。"] == (("development",), False)


def test_a_bad_genre_in_the_corpus_names_the_file_and_line(tmp_path):
    from speechlens.errors import SpeechlensError

    (tmp_path / "parts").mkdir()
    _write_doc(tmp_path / "parts" / "w9.jsonl", "w9-001", "poem", REPORT)
    with pytest.raises(SpeechlensError, match=r"w9.jsonl:1: genre 'poem'"):
        load_documents(tmp_path)


def _evidence(text):
    tab = sentence_table(text)
    ev = problem_evidence(tab)
    return {tab.norms[i]: dict(zip(EVIDENCE, ev[i].tolist())) for i in range(len(tab))}


def test_problem_evidence_knows_sections_lists_and_plans():
    ev = _evidence("二、存在的问题\n一是产业结构单一。二是村级债务沉重。\n三、下一步打算\n一要抓好项目建设。")
    assert ev["一是产业结构单一。"]["problem_section"] == 1.0
    assert ev["二是村级债务沉重。"]["enumerated_in_run"] == 1.0
    assert ev["二是村级债务沉重。"]["difficulty"] > 0
    assert ev["一要抓好项目建设。"]["plan_section"] == 1.0
    assert ev["一要抓好项目建设。"]["plan"] == 1.0
    assert ev["二、存在的问题"]["section_title"] == 1.0


@pytest.mark.parametrize("sentence, column", [
    ("有的乡镇招商引资办法不多。", "third_person"),
    ("究其原因，主要是我对分管工作督促不够。", "cause"),
    ("解决了群众反映强烈的停车难问题。", "achievement"),
    ("虽然取得了一些成绩，但村集体经济仍然薄弱。", "concession"),
])
def test_problem_evidence_marks_each_kind_of_sign(sentence, column):
    assert _evidence(sentence)[sentence][column] == 1.0


def test_a_list_after_a_lead_in_is_a_problem_run_even_without_a_heading():
    ev = _evidence("对照上级要求，主要表现在：\n一是产业结构单一。\n二是人才留不住。")
    assert ev["二是人才留不住。"]["lead_in_run"] == 1.0


def test_a_heading_reads_what_it_announces_and_items_read_their_heading():
    tab = sentence_table("二、民生事业\n新建卫生院1所，改造农村厕所420户。\n新增城镇就业800人。\n三、安全稳定\n化解信访积案5件。")
    st = structure_columns(tab)
    P = np.zeros((len(tab), 4))
    P[1, 1] = P[2, 1] = 0.9      # the two body sentences read as livelihood
    P[4, 2] = 0.9                # the last as safety
    x = theme_context_features(tab, P, np.zeros(0), st)
    under = x[:, 24:28]          # the "what it announces" block
    head = x[:, 12:16]           # the governing heading's scores
    assert under[0, 1] == pytest.approx(0.9) and under[0, 2] == 0.0
    assert under[3, 2] == pytest.approx(0.9) and under[3, 1] == 0.0
    assert st["head_of"].tolist() == [-1, 0, 0, -1, 3]
    assert head[4].tolist() == P[3].tolist()


def _tiny_context(n_genres=2, n_evidence=len(EVIDENCE)):
    from speechlens.model.context import PROBLEM_FEATURES, THEME_FEATURES

    genre = GenreModel(["speech", "self_report"][:n_genres], np.zeros((len(GENRE_CUES) * 2 + 6, n_genres)),
                       np.zeros(n_genres))
    theme = np.zeros((THEME_FEATURES + n_genres, 4))
    theme[:4, :] = np.eye(4)     # own scores only
    problem = np.zeros(PROBLEM_FEATURES + n_evidence + 2 * n_genres)
    problem[0] = 3.0             # the rule score only
    return ContextModel(theme, np.full(4, 0.5), problem, 0.5, genre, {"test": True})


def test_context_model_round_trips_through_json_and_checks_what_it_loads():
    m = _tiny_context()
    back = ContextModel.from_json(json.loads(json.dumps(m.to_json())), n_evidence=len(EVIDENCE))
    assert np.array_equal(back.theme_coef, m.theme_coef) and back.genre.genres == m.genre.genres
    bad = m.to_json()
    bad["problem_coef"] = bad["problem_coef"][:-1]
    with pytest.raises(ValueError, match="problem weights have shape"):
        ContextModel.from_json(bad, n_evidence=len(EVIDENCE))
    bad = m.to_json()
    bad["theme_coef"][0][0] = float("nan")
    with pytest.raises(ValueError, match="not all finite"):
        ContextModel.from_json(bad, n_evidence=len(EVIDENCE))


def test_a_model_directory_with_a_broken_context_file_fails_at_load(tiny_classifier, tmp_path):
    from speechlens import ThemeClassifier

    tiny_classifier.context_ = _tiny_context()
    try:
        tiny_classifier.save(tmp_path / "m")
    finally:
        tiny_classifier.context_ = None
    loaded = ThemeClassifier.load(tmp_path / "m")
    assert loaded.context_ is not None and loaded.context_.info == {"test": True}
    (tmp_path / "m" / "context.json").write_text('{"format": "speechlens-context", "format_version": 1}')
    with pytest.raises(ModelError, match="context.json is not a valid context model"):
        ThemeClassifier.load(tmp_path / "m")


def test_the_rule_score_passes_through_a_context_model_that_only_reads_it(tiny_classifier):
    """With weights that read only the rule score, the context stage flags what the rules flag."""
    from speechlens import Analyzer
    from speechlens.model.context import logit

    tiny_classifier.context_ = _tiny_context()
    try:
        a = Analyzer(model=tiny_classifier).analyze("二、存在的问题\n一是理论学习不够深入系统。\n二是干部队伍年龄偏大。")
        b = Analyzer(model=tiny_classifier, context=0).analyze("二、存在的问题\n一是理论学习不够深入系统。\n二是干部队伍年龄偏大。")
    finally:
        tiny_classifier.context_ = None
    assert [s.problem for s in a.sentences] == [s.problem for s in b.sentences]
    assert a.detected_genre is None          # a detector without weights is unsure: nothing reported
    assert a.to_dict()["detected_genre"] is None
    assert logit(np.array([0.5]))[0] == 0.0


def test_metadata_genre_beats_the_detector():
    assert genre_vector("speech", np.array([0.1, 0.9]), ("speech", "self_report")).tolist() == [1.0, 0.0]
    assert genre_vector(None, np.array([0.1, 0.9]), ("speech", "self_report")).tolist() == [0.1, 0.9]
    assert genre_vector(None, None, ("speech", "self_report")).tolist() == [0.5, 0.5]


def test_problem_features_have_the_width_the_loader_expects():
    from speechlens.model.context import PROBLEM_FEATURES

    tab = sentence_table("一是产业结构单一。二是人才留不住。")
    n = len(tab)
    x = problem_context_features(tab, np.zeros(n), np.full(n, 0.5), problem_evidence(tab), np.array([0.5, 0.5]))
    assert x.shape == (n, PROBLEM_FEATURES + len(EVIDENCE) + 4)


# -- the shipped model's context stage on hand-written documents ---------------------------------
REPORT_TEXT = """白沙镇2023年度述职报告
一、主要工作
（一）民生保障
新建卫生院1所，改造农村厕所420户，发放低保金380万元。
（二）安全稳定
化解信访积案5件，排查整治自建房安全隐患126处。
二、存在的问题
一是村级集体经济薄弱。
二是干部队伍年龄偏大。
三是防汛基础设施欠账多。
三、下一步打算
一要壮大村级集体经济。
二要加强年轻干部培养。"""


@pytest.fixture(scope="module")
def report_analysis():
    from speechlens import analyze

    return analyze(REPORT_TEXT)


def _by_text(a):
    return {s.sentence.text: s for s in a.sentences}


@pytest.mark.parametrize("sentence, theme", [
    ("（一）民生保障", "livelihood"),
    ("（二）安全稳定", "safety"),
    ("一是村级集体经济薄弱。", "development"),
    ("二是干部队伍年龄偏大。", "party"),
])
def test_short_headings_and_items_get_the_theme_they_carry_in_context(report_analysis, sentence, theme):
    assert theme in _by_text(report_analysis)[sentence].themes


@pytest.mark.parametrize("sentence, problem", [
    ("一是村级集体经济薄弱。", True),            # an item of a problem list
    ("三是防汛基础设施欠账多。", True),          # a shortcoming stated without a cue word
    ("二、存在的问题", False),                   # a heading that only names the section
    ("一要壮大村级集体经济。", False),            # a plan
    ("化解信访积案5件，排查整治自建房安全隐患126处。", False),   # an achievement
])
def test_the_shipped_model_finds_admissions_in_context(report_analysis, sentence, problem):
    assert _by_text(report_analysis)[sentence].problem is problem


def test_the_genre_is_detected_when_metadata_does_not_give_it(report_analysis):
    from speechlens import analyze

    assert report_analysis.detected_genre == "self_report" and report_analysis.genre == "self_report"
    speech = analyze("同志们：\n今天召开全县述职评议会议。刚才，十二位乡镇党委书记作了述职，大家讲成绩实事求是，"
                     "讲问题直截了当。下面，我讲三点意见。一要抓好项目建设，盯紧招商引资不放松。二要兜牢民生底线，"
                     "办好群众身边的实事。三要守住安全红线，抓好防汛和安全生产。")
    assert speech.detected_genre == "speech"
    # Too short to tell: no genre is reported, so a comparison never moves it among the speeches.
    assert analyze("安全生产隐患排查不够彻底，整改2处。").genre is None
    assert analyze(REPORT_TEXT, genre="work_summary").genre == "work_summary"


def test_a_batch_reads_each_document_in_context_bit_for_bit_as_alone(analyzer):
    """pipe/batch run the context stage over a whole batch (features stacked, cut at document
    boundaries, one product per document) and assemble the results over the batch: every
    document's result is the same bits as alone, whatever the batch size, including documents
    without sentences and with headings."""
    from pathlib import Path

    from speechlens import read_document

    root = Path(__file__).resolve().parents[1] / "corpora"
    paths = sorted(p for folder in ("demo", "problems/heldout", "problems/fresh")
                   for p in (root / folder).iterdir() if p.suffix in (".txt", ".docx"))
    docs = [read_document(p) for p in paths]
    texts = [*docs, "", "一、存在的问题\n", "全镇招商引资签约。", *docs[:3]]
    def exact(a):  # to_dict rounds; the sentences' and problems' scores are the unrounded floats
        return (json.dumps(a.to_dict(), ensure_ascii=False, sort_keys=True),
                [(list(t.scores.values()), t.problem_score) for t in a.sentences], a.problems)

    alone = [exact(analyzer.analyze(t)) for t in texts]
    for batch_chars in (2_000, 60_000, 10_000_000):
        assert [exact(a) for a in analyzer.pipe(texts, batch_chars=batch_chars)] == alone


_LIST_PIECES = ["主要表现在：", "问题主要有以下几个方面：", "存在的问题：", "一是产业结构单一，发展不足。", "二是要进一步加强。",
                "三是村级债务沉重，压力较大。", "（一）存在的问题", "二、存在的问题", "三、下一步打算", "一要抓好项目建设。",
                "虽然取得成绩，但是差距仍然存在。", "有的乡镇干部作风不实。", "针对群众反映的问题，我们加强整改。",
                "究其原因，主要是本人学习不够。", "整改情况：已全部整改到位。", "问题1：资金使用不规范。",
                "全镇招商引资签约12个项目，同比增长15%。", "对照上级要求还有差距：", "清醒地认识到存在的不足。",
                "在产业发展方面。", "四、工作打算", "我们将继续努力，确保完成全年目标任务。", "反思自身，深感惭愧。",
                "此外，基础设施建设滞后，群众反映强烈，道路破旧，学校缺少老师，医院设备老化，这些问题长期存在没有解决。",
                "1.基层党建工作薄弱。", "2.下一步要强化措施。", "（3）矛盾纠纷化解不及时。", "今后，我们要加强学习。",
                "一、2023年工作回顾", "存在问题2、安全生产隐患较多。", "但是，", "主要是：  ", ""]


def test_the_rule_evidence_of_a_batch_is_the_walk_of_each_document_bit_for_bit():
    """problem_evidence_batch (each pattern once over the batch's joined text, the problem-list
    state only from lead-ins on) gives every document the evidence and rule scores of the walk,
    to the bit: documents full of lead-ins, items, plans and headings, in batches of any size,
    any genre and weights, and a sentence holding a line break (read table by table)."""
    import random

    from speechlens.pipeline import problems as P

    rng = random.Random(7)
    texts = []
    for _ in range(150):
        lines: list[str] = []
        for _ in range(rng.randint(0, 30)):
            piece = rng.choice(_LIST_PIECES)
            if lines and rng.random() < 0.5:
                lines[-1] += piece
            else:
                lines.append(piece)
        texts.append("\n".join(lines))
    tables = [sentence_table(t) for t in texts]
    broken = sentence_table("存在的问题：\n一是基础薄弱。")
    broken.norms[1] = "一是基础\n薄弱。"
    tables.append(broken)
    assert sum(n.endswith(("：", ":")) for t in tables for n in t.norms) > 50  # lead-ins open lists
    for genre, settings in ((None, P.ProblemSettings()), ("speech", P.ProblemSettings(bias=1.3, lead_in_run=4.0))):
        proba = [np.array([rng.random() ** rng.choice((0.3, 1, 3, 8)) for _ in range(len(t))]) for t in tables]
        k = 0
        while k < len(tables):
            size = rng.choice((1, 2, 7, 40))
            group, pr = tables[k:k + size], proba[k:k + size]
            k += size
            ev, z = P.problem_evidence_batch(group, np.concatenate(pr), genre=genre, settings=settings)
            walk = [P.problem_evidence_and_scores(t, p, genre=genre, settings=settings) for t, p in zip(group, pr)]
            assert ev.tobytes() == np.concatenate([w[0] for w in walk]).tobytes()
            assert z.tobytes() == np.array([x for w in walk for x in w[1]], dtype=np.float64).tobytes()


import math  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(GENRE_CUES), st.sampled_from("我镇自批评与\udc80，。\n ")), max_size=40))
def test_genre_cue_counts_are_str_count_and_the_opening_is_the_first_120_characters(parts):
    """The one automaton pass gives each cue's overlapping occurrences (str.count for the one
    cue that can overlap itself, as genre_features counts it) and whether it ends in the opening."""
    from speechlens.model.context import genre_features

    text = "".join(parts)
    x = genre_features(text, np.zeros((0, len(LABELS))), np.zeros(0))
    n = len(GENRE_CUES)

    def occurrences(t, cue):
        return sum(t.startswith(cue, i) for i in range(len(t)))

    overlapping = [k for k, c in enumerate(GENRE_CUES) if any(c[:j] == c[-j:] for j in range(1, len(c)))]
    want = [text.count(c) if k in overlapping else occurrences(text, c) for k, c in enumerate(GENRE_CUES)]
    assert x[:n].tolist() == [math.log1p(c) for c in want]
    assert x[n:2 * n].tolist() == [float(c in text[:120]) for c in GENRE_CUES]


def _means_by_hand(values, weights, sections, documents):
    """The section and document means of the context features, added up one row at a time in
    row order (what one bincount per block and column does)."""
    n, m = values.shape
    out = np.zeros((n, 2, m))
    for b, groups in enumerate((sections, documents)):
        for i in range(n):
            others = 0.0
            for r in range(n):
                if groups[r] == groups[i]:
                    others += float(weights[r])
            others -= float(weights[i])
            if others > 0:
                for j in range(m):
                    total = 0.0
                    for r in range(n):
                        if groups[r] == groups[i]:
                            total += float(values[r, j] * weights[r])
                    out[i, b, j] = (total - float(values[i, j] * weights[i])) / others
    return out


@pytest.mark.parametrize("seed", range(6))
def test_section_and_document_means_are_row_order_sums_whatever_shares_the_call(seed):
    """section_document_means takes both blocks and any number of columns in one bincount:
    each (block, column) bin still adds its rows in row order, so the means are the bits of a
    sum taken row by row; a section may come back after another (opening and closing remarks),
    and a batch stacks documents of one or more rows (or none)."""
    from speechlens.model.context import section_document_means, shared_plans, stack_structure

    rng = np.random.default_rng(seed)
    columns = []
    for _ in range(rng.integers(1, 5)):
        n = int(rng.integers(0, 9))
        columns.append({"sec": rng.integers(0, 3, n).astype(np.int64), "head_of": np.full(n, -1, dtype=np.int64),
                        "headings": np.zeros(n, dtype=bool), "lengths": rng.integers(0, 80, n).astype(np.float64),
                        "markers": np.zeros(n, dtype=bool), "span_end": np.arange(1, n + 1, dtype=np.int64)})
    for st in [*columns, stack_structure(columns)]:
        n = len(st["lengths"])
        if not n:
            continue
        values = rng.random((n, int(rng.integers(1, 6)))) ** 3
        means, weighted = section_document_means(values, shared_plans(st), st)
        w = np.sqrt(np.maximum(st["lengths"], 1.0))
        documents = st.get("doc", np.zeros(n, dtype=np.int64))
        assert means.tobytes() == _means_by_hand(values, w, st["sec"], documents).tobytes()
        assert weighted[:, 1].tobytes() == (values * w[:, None]).tobytes()


_ONE_SENTENCE = ["全镇招商引资签约。", "一、总体情况", "（二）存在的不足", "一是村里的道路还没有硬化。", "存在的问题：",
                 "过去一年，我们坚持以项目建设为抓手，新开工重点项目十二个，完成固定资产投资四十多亿元，同比增长百分之九。",
                 "2.排查整治隐患三百余处"]


def test_reading_a_document_at_once_gives_the_bits_of_its_two_heads_apart(analyzer):
    """ContextModel.read (the pipeline's path: the section and document means of the first theme
    pass and of the problem features from one call, one-sentence documents without the blocks
    that are zero) gives the bits of themes and problems called apart, for documents alone,
    of one sentence, and stacked in batches."""
    import random

    from speechlens.model.context import stack_structure
    from speechlens.pipeline.problems import problem_evidence_and_scores

    ctx = analyzer.classifier.context_
    rng = random.Random(11)
    texts = ["\n".join(rng.choice(_LIST_PIECES + _ONE_SENTENCE) for _ in range(rng.randint(1, 25))) for _ in range(40)]
    texts += _ONE_SENTENCE + ["\n".join(_ONE_SENTENCE), REPORT_TEXT]
    rows = []
    for k, text in enumerate(texts):
        tab = sentence_table(text)
        if not len(tab):
            continue
        sc = analyzer.sentence_scores(list(tab.norms))
        ev, rz = problem_evidence_and_scores(tab, sc["problem"])
        detected = np.array([rng.random() for _ in ctx.genre.genres])
        genre = genre_vector(rng.choice([None, "speech"]), detected / detected.sum() if k % 3 else None,
                             ctx.genre.genres)
        rows.append((tab, sc, ev, np.asarray(rz, dtype=np.float64), genre))
    assert sum(len(r[0]) == 1 for r in rows) >= len(_ONE_SENTENCE)
    for tab, sc, ev, rz, genre in rows:
        themes, problems = ctx.read(tab, sc["themes"], rz, sc["problem"], ev, genre, structure_columns(tab))
        assert themes.tobytes() == ctx.themes(tab, sc["themes"], genre, structure_columns(tab)).tobytes()
        assert problems.tobytes() == ctx.problems(tab, rz, sc["problem"], ev, genre, structure_columns(tab)).tobytes()
    for size in (2, 5, 40):
        for k in range(0, len(rows), size):
            group = rows[k:k + size]
            st = stack_structure([structure_columns(r[0]) for r in group])
            g = np.repeat(np.array([r[4] for r in group]), np.diff(st["bounds"]), axis=0)
            P = np.concatenate([r[1]["themes"] for r in group])
            p = np.concatenate([r[1]["problem"] for r in group])
            ev, rz = np.concatenate([r[2] for r in group]), np.concatenate([r[3] for r in group])
            themes, problems = ctx.read(None, P, rz, p, ev, g, st)
            st2 = stack_structure([structure_columns(r[0]) for r in group])
            assert themes.tobytes() == ctx.themes(None, P, g, st2).tobytes()
            assert problems.tobytes() == ctx.problems(None, rz, p, ev, g, st2).tobytes()
