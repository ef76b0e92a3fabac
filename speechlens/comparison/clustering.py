"""Grouping admissions into shared problems: one method at every size.

Average linkage (UPGMA) over cosine similarity, stopped where the mean similarity between two
groups falls below ``threshold``. It is computed exactly, in pieces: two groups can only merge if
some pair across them has similarity >= threshold (otherwise their mean is below it), so the
connected components of the graph "similarity >= threshold" are clustered independently, each
with scipy's ``linkage(method="average")`` cut at distance 1 - threshold. The graph is built from
sparse rows in blocks, over distinct rows only (copies of one text share a row), so memory
follows the number of pairs above the threshold and the number of distinct rows in the largest
component, not n². A component holding copies is clustered over its distinct rows, each weighted
by its number of copies (``weighted_average_linkage``: the same groups as scipy on the copies
written out, tested against it), so ten thousand copies of a stock sentence cost one row. Items are put in a canonical order (by the caller's keys) first: the groups do not depend
on the input order.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Hashable, Sequence

import numpy as np

BLOCK_ENTRIES = 4_000_000  # similarities computed at a time while building the graph (~50 MB)


def vectorize(feats: Sequence[Counter[str]], subs: Sequence[str | None], weight: float):
    """Rows of l2-normalised sublinear tf-idf (idf = ln(n/df) + 1, unchanged when a corpus is
    copied) scaled by sqrt(1 - weight), plus sqrt(weight) in a one-hot column of the row's
    sub-theme; a ``scipy.sparse.csr_matrix`` and the vocabulary."""
    from scipy.sparse import csr_matrix

    df: Counter[str] = Counter()
    for f in feats:
        df.update(f.keys())
    vocab = {term: k for k, term in enumerate(sorted(df))}
    sub_names = sorted({s for s in subs if s})
    sub_col = {s: len(vocab) + k for k, s in enumerate(sub_names)}
    n = len(feats)
    idf = {t: math.log(n / c) + 1 for t, c in df.items()}
    indptr, indices, data = [0], [], []
    text_scale = math.sqrt(1 - weight)
    for f, s in zip(feats, subs):
        cols = [vocab[t] for t in f]
        vals = np.array([(1 + math.log(c)) * idf[t] for t, c in f.items()], dtype=np.float64)
        norm = float(np.sqrt((vals * vals).sum())) if len(vals) else 0.0
        if norm:
            vals = vals / norm * text_scale
        indices += cols
        data += vals.tolist()
        if s:
            indices.append(sub_col[s])
            data.append(math.sqrt(weight))
        indptr.append(len(indices))
    m = csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                    np.asarray(indptr, dtype=np.int64)), shape=(n, len(vocab) + len(sub_names)))
    m.sort_indices()
    return m, vocab


def average_linkage(vecs, threshold: float, keys: Sequence[Hashable] | None = None,
                    same: Sequence[Hashable] | None = None) -> list[list[int]]:
    """Groups (lists of row indices, each sorted, groups in canonical order) of average linkage
    over the rows' dot products, merging while the mean similarity stays >= ``threshold``.

    ``keys``: a sortable key per row giving the canonical order (default: the row index);
    ``same``: rows with equal values here have equal vectors (e.g. the text and sub-theme) and
    are compared once.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n = vecs.shape[0]
    if n == 0:
        return []
    order = sorted(range(n), key=(lambda i: keys[i]) if keys is not None else None)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    # distinct rows, numbered in canonical order
    ids: dict[Hashable, int] = {}
    row_of = np.empty(n, dtype=np.int64)
    first: list[int] = []
    for i in order:
        key = same[i] if same is not None else i
        k = ids.get(key)
        if k is None:
            k = ids[key] = len(first)
            first.append(i)
        row_of[i] = k
    u = vecs[first]
    m = len(first)
    # Components of the graph "similarity >= threshold", merged block by block so that only one
    # block's pairs are held at a time (a group of thousands of alike rows has millions of pairs).
    comp = np.arange(m)
    ut = u.T.tocsr()
    step = max(1, BLOCK_ENTRIES // m)
    for a in range(0, m, step):
        block = (u[a:a + step] @ ut).tocoo()
        keep = block.data >= threshold
        lr, lc = comp[block.row[keep] + a], comp[block.col[keep]]
        cross = lr != lc
        if not cross.any():
            continue
        pairs = np.unique(lr[cross] * m + lc[cross])
        graph = csr_matrix((np.ones(len(pairs), dtype=np.int8), (pairs // m, pairs % m)), shape=(m, m))
        _, relabel = connected_components(graph, directed=False)
        comp = relabel[comp]
    _, comp = np.unique(comp, return_inverse=True)
    n_comp = int(comp.max()) + 1
    members: list[list[int]] = [[] for _ in range(n_comp)]
    for i in order:  # canonical order inside each component
        members[comp[row_of[i]]].append(i)
    groups: list[list[int]] = []
    for items in members:
        if len(items) == 1:
            groups.append(items)
            continue
        uniq = sorted({int(row_of[i]) for i in items})
        if len(uniq) == 1:
            groups.append(items)
            continue
        where = {k: j for j, k in enumerate(uniq)}
        local = np.array([where[int(row_of[i])] for i in items])
        sim = (u[uniq] @ u[uniq].T).toarray()
        dist = np.subtract(1.0, sim, out=sim)
        np.clip(dist, 0.0, None, out=dist)
        np.fill_diagonal(dist, 0.0)
        if len(uniq) == len(items):  # no copies: scipy's average linkage on the rows themselves
            from scipy.cluster.hierarchy import fcluster, linkage
            from scipy.spatial.distance import squareform

            labels = fcluster(linkage(squareform(dist[np.ix_(local, local)], checks=False), method="average"),
                              t=1.0 - threshold, criterion="distance").tolist()
        else:  # copies of one text are one point weighted by its count (memory: distinct rows squared)
            weights = np.bincount(local, minlength=len(uniq)).astype(np.float64)
            labels = weighted_average_linkage(dist, weights, 1.0 - threshold)[local].tolist()
        split: dict[int, list[int]] = {}
        for i, lab in zip(items, labels):
            split.setdefault(lab, []).append(i)
        groups.extend(split.values())
    out = [sorted(g, key=lambda i: rank[i]) for g in groups]
    out.sort(key=lambda g: rank[g[0]])
    return [sorted(g) for g in out]


def weighted_average_linkage(dist: np.ndarray, weights: np.ndarray, cut: float) -> np.ndarray:
    """Flat clusters (a label per point) of average linkage (UPGMA) over points that stand for
    ``weights`` identical items each, cut where the mean distance exceeds ``cut``: what
    ``fcluster(linkage(d, "average"), cut, "distance")`` gives on the items written out one by
    one, with memory in the number of distinct points. Nearest-neighbour chains with the
    Lance-Williams update d(k, i+j) = (w_i d(k, i) + w_j d(k, j)) / (w_i + w_j); a point whose
    nearest neighbour is farther than ``cut`` is final (average linkage is reducible: a merger is
    never nearer to a point than the nearer of its parts). ``dist`` is overwritten."""
    m = dist.shape[0]
    parent = np.arange(m)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    w = weights.astype(np.float64).copy()
    np.fill_diagonal(dist, np.inf)
    active = np.ones(m, dtype=bool)
    remaining = m
    chain: list[int] = []
    while remaining > 1:
        if not chain:
            chain.append(int(np.flatnonzero(active)[0]))
        a = chain[-1]
        row = dist[a]
        b = int(np.argmin(row))
        if len(chain) > 1 and row[chain[-2]] <= row[b]:
            b = chain[-2]
        if row[b] > cut:  # the chain's points never merge below the cut again
            for x in chain:
                active[x] = False
                dist[x, :] = np.inf
                dist[:, x] = np.inf
            remaining -= len(chain)
            chain = []
            continue
        if len(chain) > 1 and b == chain[-2]:
            chain.pop()
            chain.pop()
            merged = (w[a] * dist[a] + w[b] * dist[b]) / (w[a] + w[b])
            merged[a] = np.inf
            dist[a, :] = merged
            dist[:, a] = merged
            dist[b, :] = np.inf
            dist[:, b] = np.inf
            w[a] += w[b]
            active[b] = False
            remaining -= 1
            parent[find(b)] = find(a)
        else:
            chain.append(b)
    return np.array([find(i) for i in range(m)])
