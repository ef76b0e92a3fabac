"""Keyness statistics (pure functions): signed log-likelihood G² with chi-squared p-values,
as in quanteda's ``textstat_keyness(measure = "lr")``."""

from __future__ import annotations

import math
from collections import Counter
from typing import Mapping


def g2(a: int, b: int, c: int, d: int) -> float:
    """Signed G² of a 2x2 table: term count a in target, b in reference; c, d the other tokens.

    Positive when the term is over-used in the target, negative when under-used.
    """
    n = a + b + c + d
    if n == 0:
        return 0.0
    total = 0.0
    for obs, row, col in ((a, a + b, a + c), (b, a + b, b + d), (c, c + d, a + c), (d, c + d, b + d)):
        exp = row * col / n
        if obs > 0 and exp > 0:
            total += obs * math.log(obs / exp)
    value = 2.0 * total
    target_rate = a / (a + c) if a + c else 0.0
    ref_rate = b / (b + d) if b + d else 0.0
    return value if target_rate >= ref_rate else -value


def p_value(stat: float) -> float:
    """Upper-tail probability of chi-squared with one degree of freedom."""
    return math.erfc(math.sqrt(max(stat, 0.0) / 2.0))


def keyness(target: Mapping[str, int], reference: Mapping[str, int], *, top: int = 10,
            min_count: int = 2, alpha: float = 0.05,
            reference_size: int | None = None) -> list[dict[str, float | int | str]]:
    """Terms most over-used in ``target`` against ``reference`` (signed G², p < alpha).

    ``reference`` needs only ``get``; ``reference_size`` (its total count) spares summing it."""
    nt = sum(target.values())
    nr = sum(reference.values()) if reference_size is None else reference_size
    rows = []
    for term, a in target.items():
        if a < min_count:
            continue
        b = reference.get(term, 0)
        stat = g2(a, b, nt - a, nr - b)
        if stat <= 0:
            continue
        p = p_value(stat)
        if p >= alpha:
            continue
        rows.append({"term": term, "g2": round(stat, 3), "p": float(f"{p:.3g}"),
                     "target": a, "reference": b})
    rows.sort(key=lambda r: (-r["g2"], r["term"]))
    return rows[:top]


def counts(words: list[str]) -> Counter[str]:
    return Counter(words)
