"""The unit similarity table beyond 200 units: each unit's nearest units (issue 13, item 9).

``neighbours.nearest`` is checked against the brute force (every pair scored, each row sorted by
(-similarity, index)) on a few hundred random units with copies and ties: the same units, in the
same order, with the same floats. Above ``EXACT_LIMIT`` distinct vectors the neighbours come from
candidates: the similarities listed must still be the exact ones. Small comparisons keep every
pair, and say nothing more in their method. And the review speech's points, matched a block at a
time on large inputs, find the same admissions.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from speechlens.comparison import neighbours
from speechlens.comparison.clustering import vectorize


def _brute(vecs, k):
    sims = (vecs @ vecs.T).toarray()
    n = vecs.shape[0]
    index = np.zeros((n, k), dtype=np.int64)
    score = np.zeros((n, k))
    for i in range(n):
        order = sorted((j for j in range(n) if j != i), key=lambda j: (-sims[i, j], j))[:k]
        index[i], score[i] = order, sims[i, order]
    return index, score


def _random_units(seed: int, n: int):
    """tf-idf rows of random word counts (Zipf-distributed words, so a few are common), a quarter
    of them copies of another row, some empty: ties and zero rows on purpose."""
    rng = np.random.default_rng(seed)
    feats = []
    for _ in range(n):
        words = rng.zipf(1.3, size=int(rng.integers(0, 50))) % 1500
        feats.append(Counter({f"w:{w}": 1 + int(rng.integers(0, 3)) for w in words}))
    for _ in range(n // 4):
        feats[int(rng.integers(n))] = Counter(feats[int(rng.integers(n))])
    vecs, _ = vectorize(feats, [None] * n, 0.0)
    return vecs


@pytest.mark.parametrize("seed,n,k", [(0, 300, 10), (1, 450, 10), (2, 240, 3), (3, 12, 20)])
def test_nearest_is_the_brute_force(seed, n, k):
    vecs = _random_units(seed, n)
    index, score, exact = neighbours.nearest(vecs, k)
    want_index, want_score = _brute(vecs, min(k, n - 1))
    assert exact
    assert np.array_equal(index, want_index)
    assert np.array_equal(score, want_score)  # the same floats, not close ones


def test_copies_are_scored_once_and_ties_go_to_the_earlier_row():
    from scipy.sparse import csr_matrix

    vecs = csr_matrix(np.tile([[0.6, 0.8, 0.0]], (500, 1)))
    index, score, exact = neighbours.nearest(vecs, 10)
    assert exact and index[0].tolist() == list(range(1, 11)) and index[7].tolist() == [0, 1, 2, 3, 4, 5, 6, 8, 9, 10]
    assert (score == (vecs[0] @ vecs[0].T).toarray()[0, 0]).all()


@pytest.mark.parametrize("seed", [4, 5])
def test_candidate_neighbours_list_exact_similarities(seed):
    vecs = _random_units(seed, 400)
    index, score, exact = neighbours.nearest(vecs, 10, exact_limit=0)
    sims = (vecs @ vecs.T).toarray()
    assert not exact
    for i in range(vecs.shape[0]):
        assert i not in index[i] and len(set(index[i].tolist())) == 10
        assert np.array_equal(score[i], sims[i, index[i]])
        assert list(zip(-score[i], index[i])) == sorted(zip(-score[i], index[i]))
    # on these rows (fewer than the candidates share each row's heaviest words) nothing is missed
    want_index, _ = _brute(vecs, 10)
    found = sum(len(set(a) & set(b)) for a, b in zip(index.tolist(), want_index.tolist()))
    assert found / want_index.size > 0.95


def test_small_comparisons_keep_every_pair_and_their_method(demo_comparison):
    comparison = demo_comparison
    sim = comparison["similarity"]
    units = list(comparison["units"])
    assert list(sim) == units and all(list(row) == units for row in sim.values())
    assert comparison["method"]["similarity"] == "cosine similarity of the units' tf-idf word vectors"


def test_many_units_say_what_the_table_is(analyzer, monkeypatch):
    from speechlens import document_from_text
    from speechlens.comparison.comparison import compare

    texts = ["全镇新增就业{}人，就业服务还不够精准。", "安全生产隐患排查不够彻底，整改{}处。", "理论学习不够深入系统，开展学习{}次。"]
    analyses = list(analyzer.pipe([document_from_text(texts[i % 3].format(i), unit=f"第{i}镇") for i in range(210)]))
    exact = compare(analyses, segmenter=analyzer.segmenter).to_dict()
    assert "each unit with itself and its 10 most similar" in exact["method"]["similarity"]
    assert "exact" in exact["method"]["similarity"]
    monkeypatch.setattr(neighbours, "EXACT_LIMIT", 2)  # the texts give 3 distinct vectors
    near = compare(analyses, segmenter=analyzer.segmenter).to_dict()
    assert "among candidates" in near["method"]["similarity"] and "can be missing" in near["method"]["similarity"]
    for u, row in near["similarity"].items():
        assert next(iter(row)) == u and len(row) == 11
        assert all(exact["similarity"][u].get(v, s) == s or s <= min(exact["similarity"][u].values())
                   for v, s in row.items())


def test_speech_points_matched_in_blocks_give_the_same_links(demo_analyses, demo_comparison, monkeypatch):
    """Above SPEECH_DENSE_ENTRIES (points x admissions) the review speech's points are matched a
    block at a time, keeping only pairs above the threshold: on the demo, the same links."""
    from speechlens.comparison import comparison as comparison_module

    monkeypatch.setattr(comparison_module, "SPEECH_DENSE_ENTRIES", 0)
    blocked = comparison_module.compare(demo_analyses).to_dict()
    assert blocked["speech"] == demo_comparison["speech"]
    assert sum(len(p["addressed_by"]) for p in blocked["speech"]["points"]) > 20
