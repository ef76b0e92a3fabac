"""Exact alignment of two documents: blocks, the evidence that supports them, passages."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._index import SHINGLE
from ._normalize import Prepared
from ._results import MIN_CHARS, THRESHOLD, WINDOW_THRESHOLD, Passage

SEED = 6                # length of the exact k-grams that seed the alignment
GAP = 10                # largest gap (normalised characters) bridged inside one passage


def _shingles(p: Prepared, s: int, e: int) -> set[str]:
    return {p.norm[k:k + SHINGLE] for k in range(s, max(s + 1, e - SHINGLE + 1))}


def _jac(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def same_window(pa: Prepared, wa: tuple[int, ...], pb: Prepared, wb: tuple[int, ...], threshold: float) -> bool:
    """Exact check of an LSH link: Jaccard of the windows' 3-grams; for pairs of clauses, of each
    clause with its counterpart (either order), so one shared stock clause is not enough."""
    if wa[2] == 1:
        return _jac(_shingles(pa, wa[0], wa[1]), _shingles(pb, wb[0], wb[1])) >= threshold
    a1, a2 = _shingles(pa, wa[0], wa[3]), _shingles(pa, wa[3], wa[1])
    b1, b2 = _shingles(pb, wb[0], wb[3]), _shingles(pb, wb[3], wb[1])
    return min(_jac(a1, b1), _jac(a2, b2)) >= threshold or min(_jac(a1, b2), _jac(a2, b1)) >= threshold



def _blocks(a: str, b: str, k: int, skip_a: np.ndarray | None = None,
            skip_b: np.ndarray | None = None) -> list[tuple[int, int, int]]:
    """Maximal exact matches of length >= k as (a_start, b_start, length), one-to-one; no seed
    starts at a position ``skip_a``/``skip_b`` marks (text only stock formulas cover)."""
    common = {a[i:i + k] for i in range(len(a) - k + 1)} & {b[j:j + k] for j in range(len(b) - k + 1)}
    if not common:
        return []
    index: dict[str, list[int]] = {}
    for i in range(len(a) - k + 1):
        if (skip_a is None or not skip_a[i]) and a[i:i + k] in common:
            index.setdefault(a[i:i + k], []).append(i)
    run: dict[tuple[int, int], int] = {}     # (i, j) of the last seed of a block -> its start j
    found: dict[tuple[int, int], int] = {}   # (a_start, b_start) -> length
    for j in range(len(b) - k + 1):
        if skip_b is not None and skip_b[j]:
            continue
        for i in index.get(b[j:j + k], ()):
            start_j = run.pop((i - 1, j - 1), None)
            if start_j is None:
                start_j = j
            run[(i, j)] = start_j
            d = j - start_j
            found[(i - d, start_j)] = d + k
        # drop runs that cannot extend any more
        if len(run) > 4096:
            run = {key: v for key, v in run.items() if key[1] == j}
    blocks = sorted(((ai, bj, n) for (ai, bj), n in found.items()), key=lambda t: -t[2])
    used_a = np.zeros(len(a), dtype=bool)
    used_b = np.zeros(len(b), dtype=bool)
    out = []
    for ai, bj, n in blocks:
        if used_a[ai:ai + n].any() or used_b[bj:bj + n].any():
            # keep the part not yet used, if still long enough (trim from both ends)
            free = ~(used_a[ai:ai + n] | used_b[bj:bj + n])
            best, cur, best_s, cur_s = 0, 0, 0, 0
            for x, f in enumerate(free):
                if f:
                    if cur == 0:
                        cur_s = x
                    cur += 1
                    if cur > best:
                        best, best_s = cur, cur_s
                else:
                    cur = 0
            if best < k:
                continue
            ai, bj, n = ai + best_s, bj + best_s, best
        used_a[ai:ai + n] = True
        used_b[bj:bj + n] = True
        out.append((ai, bj, n))
    return sorted(out)


def _clip(blocks: list[tuple[int, int, int]], ev_a: np.ndarray, ev_b: np.ndarray) -> list[tuple[int, int, int]]:
    """Each block cut down to where it lies in evidence on both sides (dropped if nowhere)."""
    out = []
    for ai, bj, n in blocks:
        both = np.flatnonzero(ev_a[ai:ai + n] & ev_b[bj:bj + n])
        if len(both):
            lo, hi = int(both[0]), int(both[-1]) + 1
            out.append((ai + lo, bj + lo, hi - lo))
    return out


def _stock_only(n: int, windows: Any, stock: np.ndarray) -> np.ndarray:
    """Positions that stock windows cover and no other window does."""
    w = np.asarray(windows).reshape(-1, 4)
    cover = np.zeros((2, n + 1), dtype=np.int32)
    for row, sel in ((0, stock), (1, ~stock)):
        np.add.at(cover[row], w[sel, 0], 1)
        np.add.at(cover[row], w[sel, 1], -1)
    c = np.cumsum(cover, axis=1)[:, :n]
    return (c[0] > 0) & (c[1] == 0)


def _evidence(pa: Prepared, pb: Prepared, blocks: list[tuple[int, int, int]], wa: tuple[list, np.ndarray],
              wb: tuple[list, np.ndarray], window_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the windows (not stock) each side shares with the other, checked exactly."""
    ev_a = np.zeros(len(pa.norm), dtype=bool)
    ev_b = np.zeros(len(pb.norm), dtype=bool)
    arr_a, arr_b = np.asarray(wa[0]).reshape(-1, 4), np.asarray(wb[0]).reshape(-1, 4)
    for ai, bj, n in blocks:
        xs = arr_a[~wa[1] & (arr_a[:, 0] < ai + n) & (arr_a[:, 1] > ai)].tolist()
        ys = arr_b[~wb[1] & (arr_b[:, 0] < bj + n) & (arr_b[:, 1] > bj)].tolist()
        for x in xs:
            for y in ys:
                if x[2] == y[2] and same_window(pa, x, pb, y, window_threshold):
                    ev_a[x[0]:x[1]] = True
                    ev_b[y[0]:y[1]] = True
    return ev_a, ev_b


def align(pa: Prepared, pb: Prepared, *, windows_a: tuple[list, np.ndarray] | None = None,
          windows_b: tuple[list, np.ndarray] | None = None, min_chars: int = MIN_CHARS,
          threshold: float = THRESHOLD, window_threshold: float = WINDOW_THRESHOLD, k: int = SEED,
          gap: int = GAP) -> list[Passage]:
    """Passages ``pa`` and ``pb`` share: exact blocks joined across small edits and reorderings.

    ``windows_a``/``windows_b``: each document's windows and their stock flags. When given,
    only evidence counts: a window (clause, or two clauses of a sentence) that is not stock and
    whose counterpart in the other document has 3-gram Jaccard >= ``window_threshold``; blocks
    are cut to it, and matched characters inside it count towards ``min_chars``.
    """
    skip_a = skip_b = None
    if windows_a is not None and windows_b is not None:
        skip_a, skip_b = _stock_only(len(pa.norm), *windows_a), _stock_only(len(pb.norm), *windows_b)
    blocks = _blocks(pa.norm, pb.norm, k, skip_a, skip_b)
    evidence_a = evidence_b = None
    if windows_a is not None and windows_b is not None:
        evidence_a, evidence_b = _evidence(pa, pb, blocks, windows_a, windows_b, window_threshold)
        blocks = _clip(blocks, evidence_a, evidence_b)
    groups: list[list[tuple[int, int, int]]] = []
    for blk in blocks:
        ai, bj, n = blk
        if groups:
            g = groups[-1]
            a1 = max(x[0] + x[2] for x in g)
            b0 = min(x[1] for x in g)
            b1 = max(x[1] + x[2] for x in g)
            if ai - a1 <= gap and bj + n >= b0 - gap and bj <= b1 + gap:
                g.append(blk)
                continue
        groups.append([blk])
    # join neighbouring groups whose ranges touch on both sides (a longer clause moved)
    merged: list[list[tuple[int, int, int]]] = []
    for g in groups:
        if merged:
            h = merged[-1]
            a_gap = min(x[0] for x in g) - max(x[0] + x[2] for x in h)
            hb0, hb1 = min(x[1] for x in h), max(x[1] + x[2] for x in h)
            gb0, gb1 = min(x[1] for x in g), max(x[1] + x[2] for x in g)
            if a_gap <= gap and max(gb0 - hb1, hb0 - gb1) <= gap:
                h.extend(g)
                continue
        merged.append(list(g))
    groups = merged
    out = []
    for g in groups:
        a0, a1 = min(x[0] for x in g), max(x[0] + x[2] for x in g)
        b0, b1 = min(x[1] for x in g), max(x[1] + x[2] for x in g)
        matched = sum(x[2] for x in g)
        sim = matched / max(a1 - a0, b1 - b0)
        if sim < threshold or matched < min_chars:
            continue
        own = []
        for prep, ev, lo, hi, col in ((pa, evidence_a, a0, a1, 0), (pb, evidence_b, b0, b1, 1)):
            keep = np.zeros(hi - lo, dtype=bool)
            for x in g:
                keep[x[col] - lo:x[col] + x[2] - lo] = True
            # figures do not count towards a passage's length
            keep &= np.frombuffer(prep.norm[lo:hi].encode("utf-32-le"), dtype=np.uint32) != ord("0")
            if ev is not None:
                keep &= ev[lo:hi]
            own.append(int(keep.sum()))
        chars = min(own)
        if chars < min_chars:
            continue
        sa, ea = pa.span(a0, a1)
        sb, eb = pb.span(b0, b1)
        out.append(Passage(sa, ea, sb, eb, pa.text[sa:ea], pb.text[sb:eb], chars, sim))
    return out

