"""Keyness statistics (pure functions): signed log-likelihood G² with chi-squared p-values, as in
quanteda's ``textstat_keyness(measure = "lr")``, with Williams' correction by default.

The 2x2 table of a term: a = its count in the target, b = in the reference, c and d = the other
tokens of target and reference, N = a + b + c + d. G² = 2 Σ O ln(O / E) (scipy's
``chi2_contingency(lambda_="log-likelihood")`` gives the same). Corrections:

- ``"williams"`` (default): G² / q with q = 1 + (N/(a+b) + N/(c+d) - 1)(N/(a+c) + N/(b+d) - 1) / (6N),
  the textbook form for a 2x2 table (Williams 1976; Sokal & Rohlf), which brings the statistic of a
  rare term closer to its chi-squared distribution. quanteda's ``correction = "williams"`` skips
  tables with an empty cell (a term the reference never uses); this one does not, as q depends
  on the margins only.
- ``"yates"``: quanteda's default for ``measure = "lr"``: when an expected count is below 5 and
  |ad - bc| > N/2, each cell moves 0.5 towards independence before G² is computed.
- ``"none"``.

p is the upper tail of chi-squared with one degree of freedom (``scipy.stats.chi2``).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

CORRECTIONS = ("williams", "yates", "none")


def _check(correction: str) -> None:
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {', '.join(CORRECTIONS)}, not {correction!r}")


def g2_array(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, *,
             correction: str = "williams") -> np.ndarray:
    """Signed G² of many 2x2 tables at once (see ``g2``)."""
    from scipy.special import xlogy

    _check(correction)
    a, b, c, d = (np.asarray(x, dtype=np.float64) for x in (a, b, c, d))
    n = a + b + c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        target_rate = np.where(a + c > 0, a / (a + c), 0.0)
        ref_rate = np.where(b + d > 0, b / (b + d), 0.0)
        if correction == "yates":
            nn = np.where(n > 0, n, 1)
            small = np.minimum.reduce([(a + b) * (a + c), (a + b) * (b + d), (c + d) * (a + c),
                                       (c + d) * (b + d)]) / nn < 5
            shift = np.where(small & (np.abs(a * d - b * c) > n / 2),
                             np.where(a * d - b * c > 0, 0.5, -0.5), 0.0)
            a, b, c, d = a - shift, b + shift, c + shift, d - shift
        total = np.zeros_like(n)
        for obs, row, col in ((a, a + b, a + c), (b, a + b, b + d), (c, c + d, a + c), (d, c + d, b + d)):
            exp = row * col / np.where(n > 0, n, 1)
            # xlogy gives 0 for an empty cell (0 · ln 0 = 0)
            total += xlogy(obs, np.where(obs > 0, obs, 1)) - xlogy(obs, np.where(exp > 0, exp, 1))
        value = 2.0 * total
        if correction == "williams":
            q = 1 + (n / (a + b) + n / (c + d) - 1) * (n / (a + c) + n / (b + d) - 1) / (6 * n)
            value = np.where(np.isfinite(q) & (q > 0), value / q, value)
    value = np.where(n > 0, np.maximum(value, 0.0), 0.0)
    return np.where(target_rate >= ref_rate, value, -value)


def g2(a: int, b: int, c: int, d: int, *, correction: str = "williams") -> float:
    """Signed G² of a 2x2 table: term count a in target, b in reference; c, d the other tokens.

    Positive when the term is over-used in the target, negative when under-used.
    ``correction``: "williams" (default), "yates" (quanteda's default) or "none".
    """
    return float(g2_array(np.array([a]), np.array([b]), np.array([c]), np.array([d]),
                          correction=correction)[0])


def p_value(stat: float | np.ndarray) -> float | np.ndarray:
    """Upper-tail probability of chi-squared with one degree of freedom."""
    from scipy.stats import chi2

    out = chi2.sf(np.maximum(np.abs(stat), 0.0), 1)
    return float(out) if np.ndim(out) == 0 else out


def keyness(target: Mapping[str, int], reference: Mapping[str, int], *, top: int | None = 10,
            min_count: int = 2, alpha: float = 0.05, correction: str = "williams",
            reference_size: int | None = None) -> list[dict[str, float | int | str]]:
    """Terms most over-used in ``target`` against ``reference`` (signed G², p < alpha), best
    first; ``top=None`` keeps every significant term. ``reference`` needs only ``get``;
    ``reference_size`` (its total count) spares summing it."""
    _check(correction)
    nt = sum(target.values())
    nr = sum(reference.values()) if reference_size is None else reference_size
    terms = [t for t, a in target.items() if a >= min_count]
    if not terms:
        return []
    a = np.array([target[t] for t in terms], dtype=np.float64)
    b = np.array([reference.get(t, 0) for t in terms], dtype=np.float64)
    stat = g2_array(a, b, nt - a, nr - b, correction=correction)
    p = p_value(stat)
    rows = [{"term": t, "g2": round(float(s), 3), "p": float(f"{float(pv):.3g}"),
             "target": int(x), "reference": int(y)}
            for t, s, pv, x, y in zip(terms, stat.tolist(), np.atleast_1d(p).tolist(), a, b)
            if s > 0 and pv < alpha]
    rows.sort(key=lambda r: (-r["g2"], r["term"]))
    return rows if top is None else rows[:top]


