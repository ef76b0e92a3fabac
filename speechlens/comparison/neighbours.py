"""Each row's nearest rows by dot product (the unit similarity table of a comparison).

``nearest(vecs, k)`` gives, for every row i of a sparse matrix of non-negative rows, the k other
rows j with the largest dot product, in the order (-dot, j), ties to the lower index. Rows with
identical entries are scored once, so ten thousand copies of one vector cost one row.

- **Exact** while there are at most ``EXACT_LIMIT`` distinct rows: every distinct pair is scored
  (scipy's sparse product, in blocks of rows, memory linear), so the rows and the floats are those
  of sorting each row of ``vecs @ vecs.T``. This part grows with the square of the distinct rows.
  Pruning it exactly (skipping rows that provably cannot reach the k-th score, bounded by the
  weights of the terms a row does not share) was tried and pruned little on varied text: tf-idf
  rows of short texts (8 theme-corpus sentences each) reach their 10th neighbour at a cosine of
  about 0.23, mostly through words of middle frequency, and a bound that keeps the answer exact
  then still has to score about 40% of the rows, at a higher cost per pair than the plain product.
- **Candidates** above that: each row is scored exactly only against its candidate rows, the
  ``CANDIDATES`` rows that score highest on the row's ``TOP_TERMS`` heaviest terms alone, as many
  of them as meet at most ``POSTINGS`` rows (so the cost is at most rows x ``POSTINGS``: linear).
  The scores listed are still exact dot products; a nearer row that shares none of those terms, or
  ranks below the candidates on them, can be missed. ``nearest`` says which way it went.
"""

from __future__ import annotations

import numpy as np

EXACT_LIMIT = 10_000  # distinct rows scored pair by pair; above, each row against its candidates
TOP_TERMS = 32  # a row's heaviest terms, through which its candidates are found
CANDIDATES = 200  # candidate rows scored exactly per row
POSTINGS = 20_000  # at most this many rows met through a row's heaviest terms (its candidates' pool)
BLOCK_ENTRIES = 4_000_000  # similarities held at a time in the exact part (~32 MB)


def nearest(vecs, k: int, *, exact_limit: int | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
    """(index, score, exact): two n x min(k, n-1) arrays, row i holding the k other rows of largest
    dot product with row i (best first, ties to the lower index) and those dot products; ``exact``
    is False when the rows were found among candidates (more than ``exact_limit`` distinct rows,
    default ``EXACT_LIMIT``)."""
    from scipy.sparse import csr_matrix

    vecs = csr_matrix(vecs)
    vecs.sort_indices()
    n = vecs.shape[0]
    k = max(0, min(k, n - 1))
    index = np.zeros((n, k), dtype=np.int64)
    score = np.zeros((n, k), dtype=np.float64)
    if k == 0:
        return index, score, True
    rep_of, reps = _distinct_rows(vecs)
    counts = np.bincount(rep_of, minlength=len(reps))
    by_rep = np.argsort(rep_of, kind="stable")  # members of each distinct row, lowest index first
    starts = np.concatenate(([0], np.cumsum(counts)))
    top = _Top(counts, [by_rep[starts[d]:starts[d] + min(counts[d], k + 1)] for d in range(len(reps))], k + 1, n)
    d_vecs = vecs[np.asarray(reps, dtype=np.int64)]
    exact = len(reps) <= (EXACT_LIMIT if exact_limit is None else exact_limit)
    best = _exact(d_vecs, top) if exact else _candidates(d_vecs, top)
    for d, (units, sims) in enumerate(best):
        for i in by_rep[starts[d]:starts[d + 1]]:
            keep = units != i
            index[i] = units[keep][:k]
            score[i] = sims[keep][:k]
    return index, score, exact


def _distinct_rows(vecs) -> tuple[np.ndarray, list[int]]:
    """Each row's number among the distinct rows (equal columns and equal floats), and the first
    row of each."""
    ip, ix, data = vecs.indptr, vecs.indices, vecs.data
    seen: dict[tuple[bytes, bytes], int] = {}
    reps: list[int] = []
    rep_of = np.empty(vecs.shape[0], dtype=np.int64)
    for i in range(vecs.shape[0]):
        a, b = ip[i], ip[i + 1]
        d = seen.setdefault((ix[a:b].tobytes(), data[a:b].tobytes()), len(reps))
        if d == len(reps):
            reps.append(i)
        rep_of[i] = d
    return rep_of, reps


class _Top:
    """The best ``need`` units (rows of the input) for a distinct row, from distinct rows and their
    scores; a distinct row stands for its copies (``members``: the lowest ``need`` of them)."""

    def __init__(self, counts: np.ndarray, members: list[np.ndarray], need: int, n: int) -> None:
        self.counts, self.members, self.need, self.n = counts, members, need, n

    def __call__(self, rows: np.ndarray, sims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        positive = sims > 0
        rows, sims = rows[positive], sims[positive]
        order = np.argsort(-sims, kind="stable")
        reached = int(np.searchsorted(np.cumsum(self.counts[rows[order]]), self.need))
        if reached < len(order):  # every row scoring at least the need-th unit's score
            keep = sims >= sims[order[reached]]
            rows, sims = rows[keep], sims[keep]
        units = (np.concatenate([self.members[r] for r in rows]) if len(rows)
                 else np.zeros(0, dtype=np.int64))
        unit_sims = np.repeat(sims, [len(self.members[r]) for r in rows]) if len(rows) else np.zeros(0)
        order = np.lexsort((units, -unit_sims))[:self.need]
        units, unit_sims = units[order], unit_sims[order]
        if len(units) < self.need:  # fewer units score above 0: the rest by index, at 0
            taken = set(units.tolist())
            fill = [j for j in range(min(self.n, self.need + len(units) + 1)) if j not in taken]
            fill = np.asarray(fill[:self.need - len(units)], dtype=np.int64)
            units = np.concatenate((units, fill))
            unit_sims = np.concatenate((unit_sims, np.zeros(len(fill))))
        return units, unit_sims


def _exact(d_vecs, top: _Top):
    """Every distinct pair, a block of rows at a time."""
    m = d_vecs.shape[0]
    step = max(1, BLOCK_ENTRIES // max(1, m))
    every = np.arange(m)
    transposed = d_vecs.T.tocsr()
    for a in range(0, m, step):
        sims = (d_vecs[a:a + step] @ transposed).toarray()
        for r in range(sims.shape[0]):
            row = sims[r]
            need = min(top.need, m)
            # the need best distinct rows and every row tied with the last of them
            kth = np.partition(row, m - need)[m - need]
            pick = every[row >= kth] if kth > 0 else every[row > 0]
            yield top(pick, row[pick])


def _candidates(d_vecs, top: _Top):
    """Each distinct row against its candidates (see the module docstring)."""
    m = d_vecs.shape[0]
    heavy = _heaviest(d_vecs, TOP_TERMS)
    transposed = d_vecs.T.tocsr()
    step = 256
    for a in range(0, m, step):
        partial = (heavy[a:a + step] @ transposed).tocsr()
        rows_of, pairs = [], []
        for r in range(partial.shape[0]):
            lo, hi = partial.indptr[r], partial.indptr[r + 1]
            cols, vals = partial.indices[lo:hi], partial.data[lo:hi]
            if len(cols) > CANDIDATES:
                cols = cols[np.argpartition(-vals, CANDIDATES - 1)[:CANDIDATES]]
            if len(cols) < top.need:  # too few share a heavy term: add the first rows by index
                cols = np.union1d(cols, np.arange(min(m, top.need + len(cols) + 1)))
            cols = np.union1d(cols, [a + r])
            rows_of.append(np.full(len(cols), a + r))
            pairs.append(cols)
        left, right = np.concatenate(rows_of), np.concatenate(pairs)
        # exact dot products of the pairs: products of matching entries, added in column order
        dots = d_vecs[left].multiply(d_vecs[right]).tocsr()
        dots.sort_indices()
        sims = dots @ np.ones(d_vecs.shape[1])
        bounds = np.concatenate(([0], np.cumsum([len(p) for p in pairs])))
        for r in range(len(pairs)):
            yield top(pairs[r], sims[bounds[r]:bounds[r + 1]])


def _heaviest(d_vecs, t: int):
    """The rows kept to their ``t`` largest entries, fewer where those terms' postings would add
    up to more than ``POSTINGS`` rows (a short row of common words; its heaviest term is kept)."""
    from scipy.sparse import csr_matrix

    ip, ix, data = d_vecs.indptr, d_vecs.indices, d_vecs.data
    df = np.bincount(ix, minlength=d_vecs.shape[1])
    keep = np.zeros(len(data), dtype=bool)
    for r in range(d_vecs.shape[0]):
        a, b = ip[r], ip[r + 1]
        order = np.argsort(-data[a:b], kind="stable")[:t]
        within = np.cumsum(df[ix[a:b][order]]) <= POSTINGS
        within[:1] = True
        keep[a + order[within]] = True
    rows = np.repeat(np.arange(d_vecs.shape[0]), np.diff(ip))
    return csr_matrix((data[keep], (rows[keep], ix[keep])), shape=d_vecs.shape)
