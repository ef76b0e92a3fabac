"""Shared problems: one exact method at every size, independent of the input order."""

from __future__ import annotations

import dataclasses
import random

import pytest

from speechlens import compare


def _copies(analyses, k):
    out = []
    for n in range(k):
        for a in analyses:
            d = a.document
            out.append(dataclasses.replace(a, document=dataclasses.replace(d, id=f"{d.id}-copy{n}")))
    return out


def _groups(c):
    return sorted((g["label"], tuple(g["units"])) for g in c["shared_problems"])


@pytest.fixture(scope="module")
def reports(demo_analyses):
    return [a for a in demo_analyses if a.genre != "speech"]


@pytest.fixture(scope="module")
def once(demo_comparison):
    return demo_comparison


def test_groups_do_not_depend_on_the_input_order(reports, once):
    shuffled = list(reports)
    random.Random(3).shuffle(shuffled)
    other = compare(shuffled).to_dict()
    assert other["shared_problems"] == once["shared_problems"]
    assert other["unique_problems"] == once["unique_problems"]


def test_the_same_groups_above_two_thousand_admissions(reports, once):
    """The corpus copied 28 times (over 2,000 admissions) groups exactly as the corpus once: the old
    code switched to an order-dependent leader pass above 2,000 and split groups."""
    k = 28
    many = compare(_copies(reports, k)).to_dict()
    assert sum(u["problems"] for u in many["units"].values()) > 2000
    assert _groups(many) == _groups(once)
    counts = {g["label"]: g["count"] for g in once["shared_problems"]}
    assert {g["label"]: g["count"] for g in many["shared_problems"]} == {l: n * k for l, n in counts.items()}
    assert "same exact method at every size" in many["method"]["shared_problems"]


def _naive_upgma(sim, threshold):
    """Average linkage by its definition: merge the two groups of highest mean similarity
    while that mean is >= threshold."""
    groups = [[i] for i in range(len(sim))]
    while len(groups) > 1:
        best, pair = None, None
        for x in range(len(groups)):
            for y in range(x + 1, len(groups)):
                m = sum(sim[i][j] for i in groups[x] for j in groups[y]) / (len(groups[x]) * len(groups[y]))
                if best is None or m > best:
                    best, pair = m, (x, y)
        if best < threshold:
            break
        x, y = pair
        groups[x] = sorted(groups[x] + groups[y])
        del groups[y]
    return sorted(groups)


def _clustered_rows(rng, centres: int, dim: int, n: int, spread: float):
    """n unit-length rows scattered around a few random centres (a clustering test's input)."""
    import numpy as np

    points = rng.random((centres, dim)) ** 3
    rows = np.vstack([points[rng.integers(centres)] + spread * rng.random(dim) ** 3 for _ in range(n)])
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.mark.parametrize("seed", range(6))
def test_average_linkage_matches_the_definition(seed):
    import numpy as np
    from scipy.sparse import csr_matrix

    from speechlens.comparison.clustering import average_linkage

    rng = np.random.default_rng(seed)
    rows = _clustered_rows(rng, centres=4, dim=12, n=40, spread=0.35)
    sim = rows @ rows.T
    for t in (0.5, 0.7, 0.85):
        expected = _naive_upgma(sim.tolist(), t)
        assert sorted(average_linkage(csr_matrix(rows), t)) == expected
        perm = rng.permutation(len(rows))
        keys = [tuple(r) for r in rows.round(12).tolist()]
        got = average_linkage(csr_matrix(rows[perm]), t, keys=[keys[i] for i in perm])
        assert sorted(sorted(int(perm[i]) for i in g) for g in got) == expected


@pytest.mark.parametrize("seed", range(4))
def test_copies_weigh_as_their_count_in_average_linkage(seed):
    import numpy as np
    from scipy.sparse import csr_matrix

    from speechlens.comparison.clustering import average_linkage

    rng = np.random.default_rng(seed)
    distinct = _clustered_rows(rng, centres=3, dim=10, n=12, spread=0.4)
    copies = rng.integers(1, 6, size=len(distinct))  # a point's weight changes which groups merge
    which = np.repeat(np.arange(len(distinct)), copies)
    rows = distinct[which]
    sim = rows @ rows.T
    for t in (0.5, 0.7, 0.85):
        expected = _naive_upgma(sim.tolist(), t)
        assert sorted(average_linkage(csr_matrix(rows), t, same=which.tolist())) == expected


def test_many_copies_of_a_few_texts_cluster_in_little_memory():
    import tracemalloc

    import numpy as np
    from scipy.sparse import csr_matrix

    from speechlens.comparison.clustering import average_linkage

    texts = np.array([[1.0, 0.0, 0.1], [1.0, 0.05, 0.0], [0.9, 0.1, 0.1], [0.0, 1.0, 0.0]])
    texts /= np.linalg.norm(texts, axis=1, keepdims=True)
    which = np.arange(6000) % 4  # 6,000 admissions, four distinct texts, three of them alike
    vecs = csr_matrix(texts[which])
    tracemalloc.start()
    try:
        groups = average_linkage(vecs, 0.8, same=which.tolist())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sorted(len(g) for g in groups) == [1500, 4500]
    assert peak < 20_000_000, f"{peak:,} bytes: the items were compared pairwise"  # pairwise: 6000² × 8 = 288 MB
