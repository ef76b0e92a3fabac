"""Metrics: precision/recall/F1, multi-label scores, Cohen's kappa."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from speechlens.labels import LABELS


def cohen_kappa(a: Any, b: Any) -> float:
    """Cohen's kappa of two boolean labellings (1.0 when chance agreement is total)."""
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    po = float(np.mean(a == b))
    pe = a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean())
    return round((po - pe) / (1 - pe), 4) if pe < 1 else 1.0


def prf(y: Any, p: Any) -> tuple[float, float, float]:
    """Precision, recall and F1 of boolean predictions ``p`` against truth ``y``."""
    y = np.asarray(y, dtype=bool)
    p = np.asarray(p, dtype=bool)
    tp = float(np.sum(y & p))
    prec = tp / p.sum() if p.sum() else 0.0
    rec = tp / y.sum() if y.sum() else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return round(prec, 4), round(rec, 4), round(f1, 4)


def score_labels(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Per-label precision/recall/F1/support and macro-F1 of multi-label predictions."""
    out: dict[str, Any] = {}
    for l in LABELS:
        y = np.array([l in g for g in gold])
        p = np.array([l in q for q in pred])
        pr, rc, f = prf(y, p)
        out[l] = {"precision": pr, "recall": rc, "f1": f, "support": int(y.sum())}
    out["macro_f1"] = round(float(np.mean([out[l]["f1"] for l in LABELS])), 4)
    out["n"] = len(gold)
    return out
