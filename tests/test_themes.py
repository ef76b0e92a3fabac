"""ThemeClassifier: fitting, prediction, data-only persistence, and the shipped model."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from speechlens import LABELS, ThemeClassifier
from speechlens.errors import ModelError
from speechlens.model.persistence import DEFAULT_MODEL

from conftest import ROOT, TINY


def test_predict_shapes_and_labels(tiny_classifier):
    proba = tiny_classifier.predict_proba(["新签约招商项目5个", "谢谢大家"])
    assert proba.shape == (2, 4)
    assert ((proba >= 0) & (proba <= 1)).all()
    labels = tiny_classifier.predict(["新签约招商项目5个，工业园区产值增长"])
    assert isinstance(labels[0], tuple)
    assert set(labels[0]) <= set(LABELS)


def test_fit_learns_the_training_labels(tiny_classifier):
    texts = [t for t, *_ in TINY]
    gold = [set(l) for _, l, *_ in TINY]
    pred = [set(p) for p in tiny_classifier.predict(texts)]
    assert sum(p == g for p, g in zip(pred, gold)) >= len(TINY) * 0.8


def test_fit_is_deterministic():
    from speechlens import Segmenter

    texts, labels, subs, probs = zip(*TINY)
    a = ThemeClassifier(min_df=1, cv_folds=2, segmenter=Segmenter(backend="jieba")).fit(texts, labels, subs, probs)
    b = ThemeClassifier(min_df=1, cv_folds=2, segmenter=Segmenter(backend="jieba")).fit(texts, labels, subs, probs)
    assert a.vocabulary_ == b.vocabulary_
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)


def test_save_and_load_round_trip_as_data_only(tiny_classifier, tmp_path):
    tiny_classifier.save(tmp_path / "m")
    files = {p.name for p in (tmp_path / "m").iterdir()}
    assert {"model.json", "weights.npz"} <= files
    with np.load(tmp_path / "m" / "weights.npz", allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)
    json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    loaded = ThemeClassifier.load(tmp_path / "m", segmenter=tiny_classifier.segmenter)
    texts = ["排查整改安全隐患", "发展党员6名", "新增就业岗位"]
    np.testing.assert_allclose(loaded.predict_proba(texts), tiny_classifier.predict_proba(texts), rtol=1e-5)


def test_loading_a_pickle_disguised_as_weights_fails(tiny_classifier, tmp_path):
    import pickle

    tiny_classifier.save(tmp_path / "m")
    (tmp_path / "m" / "weights.npz").write_bytes(pickle.dumps({"coef_": [1, 2]}))
    with pytest.raises(ModelError):
        ThemeClassifier.load(tmp_path / "m")


def test_missing_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="speechlens train"):
        ThemeClassifier.load(tmp_path / "none")


def test_unfitted_classifier_says_so():
    with pytest.raises(ModelError, match="not fitted"):
        ThemeClassifier().predict(["测试"])


def test_shipped_model_loads_and_tags_plain_sentences():
    clf = ThemeClassifier.load()
    pred = clf.predict([
        "今年全镇签约亿元以上招商项目6个，工业园区新开工标准厂房8万平方米。",
        "新建社区养老服务中心2个，为困难老人提供助餐服务。",
        "开展安全生产大检查，整改消防隐患137处。",
        "严格落实全面从严治党主体责任，开展警示教育4次。",
        "同志们，下面我讲几点意见。",
    ])
    assert pred == [("development",), ("livelihood",), ("safety",), ("party",), ()]
    assert (ThemeClassifier.load().predict_proba(["开展安全生产大检查"]) ==
            clf.predict_proba(["开展安全生产大检查"])).all()


def test_shipped_model_card_reports_metrics():
    from importlib import resources

    from speechlens.model.persistence import DEFAULT_MODEL

    d = resources.files("speechlens.models").joinpath(DEFAULT_MODEL)
    card = json.loads(d.joinpath("metrics.json").read_text(encoding="utf-8"))
    assert card["test"]["macro_f1"] > card["baseline_test"]["macro_f1"]
    assert "sha256" in card["training_data"] and "sha256" in card["documents"]
    # The context stage is measured against the sentence classifier read alone, over whole documents.
    assert card["context_cv"]["themes"]["macro_f1"] > card["sentence_alone_cv"]["themes"]["macro_f1"]
    text = d.joinpath("MODEL.md").read_text(encoding="utf-8")
    assert "Known weaknesses" in text and "Real documents" in text


def test_model_env_variable_points_to_a_user_model(tiny_classifier, tmp_path, monkeypatch):
    tiny_classifier.save(tmp_path / "mine")
    monkeypatch.setenv("SPEECHLENS_MODEL", str(tmp_path / "mine"))
    clf = ThemeClassifier.load()
    assert clf.info_["source"] == str(tmp_path / "mine")


def test_inference_does_not_import_scikit_learn(tmp_path):
    code = ("import sys, speechlens; a = speechlens.analyze('全镇招商引资签约项目12个。存在的问题：一是理论学习不够深入。'); "
            "assert a.sentences; print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "False"


# Run from a checkout as a notebook or `python -c` started in its root runs: the checkout's
# package first on sys.path, and no installed or editable speechlens.models to fall back on.
_FROM_CHECKOUT = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in repr(f)]; "
    "import speechlens, speechlens.model.persistence as p; "
    "assert speechlens.__file__.startswith({root!r}), speechlens.__file__; "
    "a = speechlens.analyze('全镇招商引资签约项目12个。存在的问题：一是理论学习不够深入。'); "
    "print(len(a.problems), p.default_model_dir())"
)


def test_the_shipped_model_loads_from_a_source_checkout():
    root = str(ROOT)
    env = {k: v for k, v in os.environ.items() if k != "SPEECHLENS_MODEL"}
    env["PYTHONPATH"] = root
    out = subprocess.run([sys.executable, "-c", _FROM_CHECKOUT.format(root=root)], capture_output=True,
                         text=True, cwd=root, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    count, where = out.stdout.split()
    assert int(count) >= 1 and where == str(ROOT / "models" / DEFAULT_MODEL)


def test_the_shipped_model_loads_from_the_installed_package(tmp_path):
    code = ("import speechlens, speechlens.model.persistence as p; "
            "a = speechlens.analyze('全镇招商引资签约项目12个。存在的问题：一是理论学习不够深入。'); "
            "print(len(a.problems), p.shipped_models().joinpath(p.DEFAULT_MODEL).joinpath('model.json').is_file())")
    env = {k: v for k, v in os.environ.items() if k not in ("SPEECHLENS_MODEL", "PYTHONPATH")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    count, found = out.stdout.split()
    assert int(count) >= 1 and found == "True"


def test_import_has_no_side_effects(tmp_path):
    code = ("import sys, logging; import speechlens; "
            "print(any(m in sys.modules for m in ('jieba', 'sklearn', 'numpy', 'opencc')), "
            "logging.getLogger().handlers)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "False []"


def test_fast_inference_features_equal_the_training_features():
    """The index path used at inference builds exactly the matrix the training path builds."""
    from speechlens import Segmenter
    from speechlens.model.features import IndexFeaturizer, Vectorizer, sentence_features

    clf = ThemeClassifier.load()
    seg = Segmenter(backend="jieba")
    texts = [t for t, *_ in TINY] + ["鄉鎮黨委書記帶頭發展經濟", "全镇1-7月财政收入2.3亿元，同比增长5%", "", "**镇 XX村"]
    tokens = [seg.cut(t) for t in texts]
    feats = [sentence_features(tk, t, char_ngrams=clf.char_ngrams) for tk, t in zip(tokens, texts)]
    slow = Vectorizer(clf.vocabulary_, clf.idf_).transform(feats)
    fast = IndexFeaturizer(clf.vocabulary_, clf.idf_, char_ngrams=clf.char_ngrams).transform(tokens, texts)
    key = lambda m: sorted(zip(m[0].tolist(), m[1].tolist(), np.round(m[2], 10).tolist()))
    assert key(slow) == key(fast)
    assert slow[3] == fast[3] == len(texts)


def test_the_batch_path_builds_the_same_matrix_as_the_sentence_path(demo_files):
    from speechlens import Segmenter, read_document
    from speechlens.model.features import IndexFeaturizer
    from speechlens.text.structure import split_sentences

    clf = ThemeClassifier.load()
    seg = Segmenter(backend="jieba")
    norms = [s.norm for p in demo_files[:4] for s in split_sentences(read_document(p).text)]
    norms += ["", "鄉鎮黨委書記帶頭發展經濟", "全镇1-7月财政收入2.3亿元，同比增长5%", "**镇 XX村", ""]
    fz = IndexFeaturizer(clf.vocabulary_, clf.idf_, char_ngrams=clf.char_ngrams)
    per_sentence = fz.transform([seg.cut(t) for t in norms], norms)
    joined = fz.transform_joined(seg.cut_joined(norms), norms)
    for a, b in zip(per_sentence, joined):
        assert np.array_equal(a, b)


_SHIPPED = None
_LEX_PIECES = None


def _shipped():
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = ThemeClassifier.load()
    return _SHIPPED


def _lexicon_pieces():
    """Pieces to build tricky sentences from: theme keywords, sub-theme terms (the ones that are
    not two or three Chinese characters all kept), their first characters, plain characters."""
    global _LEX_PIECES
    if _LEX_PIECES is None:
        import re

        from speechlens.model.features import lexicon, subtheme_lexicon

        terms = sorted(set(subtheme_lexicon()) | {w for ws in lexicon().values() for w in ws})
        odd = [t for t in terms if not re.fullmatch("[\u4e00-\u9fff]{2,3}", t)]
        some = terms[::25] + odd[::7] + [t for t in odd if len(t) < 2 or not re.fullmatch("[\u4e00-\u9fff]+", t)]
        heads = [t[:k] for t in some[::3] for k in (1, 2, 3) if len(t) > k]
        _LEX_PIECES = sorted(set(some)) + sorted(set(heads)) + list("的了在和镇村级AG5，。 \udc80") + ["\u9fa6\u9fff", "\u4dff"]
    return _LEX_PIECES


@pytest.mark.parametrize("char_ngrams, word_pairs, use_lexicon",
                         [(3, True, True), (2, True, True), (0, False, True), (3, True, False)])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_index_path_finds_the_lexicon_and_ngram_features_the_string_path_finds(char_ngrams, word_pairs, use_lexicon, data):
    """Terms that overlap, run into each other, start a longer term, hold Latin letters or figures,
    or are a single character; sentences that are empty or one character long: the index path
    builds the string path's matrix, for any choice of feature families."""
    from speechlens.model.features import IndexFeaturizer, Vectorizer, sentence_features

    clf = _shipped()
    pieces = _lexicon_pieces()
    texts = data.draw(st.lists(st.lists(st.sampled_from(pieces), max_size=8), min_size=1, max_size=6))
    tokens = [[t for p in part for t in (p[:2], p[2:]) if t] for part in texts]
    norms = ["".join(tk) for tk in tokens]
    options = dict(char_ngrams=char_ngrams, word_pairs=word_pairs, use_lexicon=use_lexicon)
    slow = Vectorizer(clf.vocabulary_, clf.idf_).transform(
        [sentence_features(tk, t, **options) for tk, t in zip(tokens, norms)])
    fast = IndexFeaturizer(clf.vocabulary_, clf.idf_, **options).transform(tokens, norms)
    # The same entries; the values to within rounding (the string path sums its squares in
    # another order, so a value can differ in its last bits).
    order = lambda m: np.lexsort((m[1], m[0]))
    s, f = order(slow), order(fast)
    assert slow[0][s].tolist() == fast[0][f].tolist() and slow[1][s].tolist() == fast[1][f].tolist()
    np.testing.assert_allclose(fast[2][f], slow[2][s], rtol=1e-12, atol=0)
    assert fast[3] == len(norms)


def test_key_index_finds_keys_pushed_far_from_their_slot_and_past_the_end():
    """Keys that all hash to the last slot (pushed round to the first slots) or to the first
    slots, asked for with absent keys that hash to the same slots."""
    from speechlens.model.features import KeyIndex

    mult, size = 0x9E3779B97F4A7C15, 256  # 40 keys: 256 slots
    slot = lambda k: ((k * mult) % 2**64) >> 56
    last = [k for k in range(1, 200_000) if slot(k) == size - 1][:20]
    first = [k for k in range(1, 200_000) if slot(k) < 2][:30]
    keys = last[:12] + first[:20] + [0] + list(range(10**12, 10**12 + 7))
    index = KeyIndex(np.array(keys, dtype=np.uint64), np.arange(len(keys), dtype=np.int64) * 3)
    asked = keys + last[12:] + first[20:] + [1, 2**64 - 1]
    assert index.get(np.array(asked, dtype=np.uint64)).tolist() == [i * 3 for i in range(len(keys))] + [-1] * (len(asked) - len(keys))
    assert index.get(np.zeros(0, dtype=np.uint64)).tolist() == []


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=2**64 - 1), max_size=300),
       st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=300))
def test_key_index_finds_exactly_the_keys_it_holds(keys, queries):
    from speechlens.model.features import KeyIndex

    keys = sorted(keys)
    table = {k: i * 7 for i, k in enumerate(keys)}
    index = KeyIndex(np.array(keys, dtype=np.uint64), np.array([table[k] for k in keys], dtype=np.int64))
    asked = queries + keys[::3]
    got = index.get(np.array(asked, dtype=np.uint64)).tolist()
    assert got == [table.get(q, -1) for q in asked]
    assert len(index) == len(keys)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_sparse_product_equals_the_dense_product(seed):
    from speechlens.model.features import sparse_dot_columns

    rng = np.random.default_rng(seed)
    n, f, k = 40, 300, 7
    dense = (rng.random((n, f)) < 0.05) * rng.random((n, f))
    dense[[3, 17, 39]] = 0.0  # rows without features
    rows, cols = np.nonzero(dense)
    w = rng.standard_normal((f, k))
    assert np.allclose(sparse_dot_columns(rows, cols, dense[rows, cols], n, np.ascontiguousarray(w.T)), dense @ w)
    assert sparse_dot_columns(rows[:0], cols[:0], dense[rows[:0], cols[:0]], n, w.T).shape == (n, k)


@pytest.mark.parametrize("k, dtype", [(5, np.float64), (36, np.float32)])
def test_the_sparse_product_gathering_whole_rows_is_the_column_loop_bit_for_bit(k, dtype):
    """With the untransposed weights, whole rows are gathered (for k > 8 in pieces of about
    SMALL_DOT_ENTRIES entries cut at row starts): the same sums, in the same order, as one
    column at a time, whatever the number of entries."""
    from speechlens.model import features

    rng = np.random.default_rng(k)
    f = 5_000
    w = rng.standard_normal((f, k)).astype(dtype)
    for n, per_row in ((1, 9), (30, 12), (900, 40), (2_000, 23)):  # 9 to 46,000 entries
        lengths = rng.integers(0, 2 * per_row, n)
        rows = np.repeat(np.arange(n), lengths)
        cols = rng.integers(0, f, len(rows))
        vals = rng.random(len(rows))
        loop = features.sparse_dot_columns(rows, cols, vals, n, np.ascontiguousarray(w.T))
        whole = features.sparse_dot_columns(rows, cols, vals, n, np.ascontiguousarray(w.T), lambda: w)
        assert loop.tobytes() == whole.tobytes(), (n, len(rows))


def _row_lengths(rng, n, per_row):
    lengths = rng.integers(0, 2 * per_row, n)
    return np.repeat(np.arange(n), lengths)


@pytest.mark.parametrize("seed", [0, 1])
def test_packed_weights_give_each_head_the_column_loops_bits(seed):
    """Theme (float64) and sub-theme (float32) weights packed in one row per feature: each head's
    product is the column loop's, bit for bit, at every size (pieces cut at row starts, a last
    row running over a piece boundary, rows without entries, an empty matrix)."""
    from speechlens.model import features

    rng = np.random.default_rng(seed)
    f = 3_000
    heads = [rng.standard_normal((f, 5)), rng.standard_normal((f, 36)).astype(np.float32)]
    packed = features.PackedWeights(heads)
    shapes = [(1, 9), (30, 12), (900, 40), (2_000, 23), (60, 300)]  # up to 600 entries a row
    cases = [(n, _row_lengths(rng, n, per_row)) for n, per_row in shapes]
    cases.append((3, np.repeat(np.arange(3), [9_990, 0, 40])))  # the last row starts before 10,000, ends after
    cases.append((4, np.zeros(0, dtype=np.int64)))
    for n, rows in cases:
        cols = rng.integers(0, f, len(rows))
        vals = rng.random(len(rows))
        got = packed.dot(rows, cols, vals, n)
        for w, g in zip(heads, got):
            loop = features.sparse_dot_columns(rows, cols, vals, n, np.ascontiguousarray(w.T))
            assert g.shape == loop.shape and g.dtype == loop.dtype
            assert g.tobytes() == loop.tobytes(), (n, len(rows))


def test_the_sparse_product_cuts_pieces_when_the_last_row_runs_over_a_boundary():
    """A last row starting before a multiple of SMALL_DOT_ENTRIES and ending after it (this once
    raised IndexError: the cut looked for a row start after the boundary)."""
    from speechlens.model import features

    rows = np.repeat(np.arange(3), [9_990, 5, 20])
    cols = np.arange(len(rows)) % 50
    w = np.arange(50 * 36, dtype=np.float32).reshape(50, 36) / 7
    vals = np.linspace(0.1, 1.0, len(rows))
    loop = features.sparse_dot_columns(rows, cols, vals, 3, np.ascontiguousarray(w.T))
    whole = features.sparse_dot_columns(rows, cols, vals, 3, np.ascontiguousarray(w.T), lambda: w)
    assert loop.tobytes() == whole.tobytes()


def test_a_pickled_classifier_leaves_its_lookup_tables_behind_and_scores_the_same(tiny_classifier):
    import pickle

    texts = [t for t, *_ in TINY]
    before = tiny_classifier.predict_proba(texts)  # builds the featurizer and stacked weights
    blob = pickle.dumps(tiny_classifier)
    back = pickle.loads(blob)
    assert not hasattr(back, "_featurizer") and not hasattr(back, "_heads")
    assert np.array_equal(back.predict_proba(texts), before)


_TERMS = None


def _some_terms():
    global _TERMS
    if _TERMS is None:
        from speechlens.model.features import subtheme_lexicon

        _TERMS = sorted(subtheme_lexicon())[::40]
    return _TERMS


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.integers(0, 200), st.sampled_from("改厕所村路\udc80\n，。 ")), max_size=12),
                min_size=1, max_size=6))
def test_subtheme_rows_are_the_sub_themes_each_text_holds(parts):
    """One automaton pass over the joined texts (lone surrogates included) finds, for each text,
    the sub-themes of exactly the lexicon terms it contains."""
    from speechlens.model.features import subtheme_lexicon, subtheme_rows

    terms = _some_terms()
    texts = ["".join(terms[p % len(terms)] if isinstance(p, int) else p for p in part).replace("\n", "")
             for part in parts]
    rows, subs, names = subtheme_rows(texts)
    got = sorted(zip(rows.tolist(), (names[k] for k in subs.tolist())))
    lex = subtheme_lexicon()
    want = sorted({(i, sub) for i, t in enumerate(texts) for term, sub in lex.items() if term in t})
    assert got == want


def test_prepare_on_an_unfitted_classifier_names_the_problem():
    from speechlens import ThemeClassifier
    from speechlens.errors import ModelError

    with pytest.raises(ModelError, match="not fitted"):
        ThemeClassifier().prepare()


def test_an_analyzer_once_loaded_builds_no_lookup_table_while_analysing(tiny_classifier, monkeypatch):
    # Worker processes are forked after load(): what they would build on first use they would
    # each build again, in memory of their own.
    import pickle

    import speechlens.model.themes as themes_module
    from speechlens import Analyzer

    clf = pickle.loads(pickle.dumps(tiny_classifier))  # the learned state only, as a worker gets it
    built = []
    real = themes_module.IndexFeaturizer

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(themes_module, "IndexFeaturizer", counting)
    az = Analyzer(model=clf).load()
    assert len(built) == 1
    az.analyze("全镇落实安全生产责任。群众反映道路破损问题较多。")
    list(az.pipe(["开展安全生产大检查。", "党建引领乡村振兴。"]))
    assert len(built) == 1
