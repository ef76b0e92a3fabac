"""Scoring text-reuse detection against a gold file (``corpora/reuse/gold.jsonl``).

Pairs are scored as unordered document pairs; spans character by character on both sides of
each pair, counting only letters, digits and Chinese characters (so a passage is not wrong for
taking in the comma between two copied clauses); stock formulas character by character per
document. Independent pairs are every pair of documents the gold does not link.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Mapping

from speechlens.comparison.textreuse import Reuse, reuse
from speechlens.reading.loading import read_document


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def _chars(text: str, spans: Iterable[tuple[int, int]]) -> set[int]:
    return {k for s, e in spans for k in range(s, e) if text[k].isalnum()}


def score_reuse(result: Reuse, gold: Iterable[Mapping[str, Any]], texts: Mapping[str, str]) -> dict[str, Any]:
    """Pair, direction, span and stock-formula scores of ``result`` against ``gold`` records."""
    gold = list(gold)
    gpairs = {frozenset((g["a"], g["b"])): g for g in gold if g["type"] == "pair"}
    ppairs = {frozenset((p.a, p.b)): p for p in result.pairs}
    tp = len(gpairs.keys() & ppairs.keys())
    directed = [k for k in gpairs.keys() & ppairs.keys() if gpairs[k]["source"]]
    right = sum(ppairs[k].source == gpairs[k]["source"] for k in directed)
    # spans: characters of each document, keyed by the pair they are shared in
    g_chars = p_chars = hit = 0
    for key in gpairs.keys() | ppairs.keys():
        g = gpairs.get(key)
        p = ppairs.get(key)
        for side in sorted(key):
            gs: set[int] = set()
            ps: set[int] = set()
            if g is not None:
                which = "a" if g["a"] == side else "b"
                gs = _chars(texts[side], g[f"{which}_spans"])
            if p is not None:
                spans = [(x.a_start, x.a_end) if p.a == side else (x.b_start, x.b_end) for x in p.passages]
                ps = _chars(texts[side], spans)
            g_chars += len(gs)
            p_chars += len(ps)
            hit += len(gs & ps)
    # stock formulas: characters inside clauses marked as stock, per document
    stock_gold = {g["id"]: g["spans"] for g in gold if g["type"] == "stock"}
    sg = sp = sh = 0
    predicted = {d.id: d.stock_spans for d in result.documents}
    for doc_id, spans in stock_gold.items():
        gs = _chars(texts[doc_id], spans)
        ps = _chars(texts[doc_id], predicted.get(doc_id, []))
        sg += len(gs)
        sp += len(ps)
        sh += len(gs & ps)
    n = len(texts)
    independent = n * (n - 1) // 2 - len(gpairs)
    return {
        "documents": n, "gold_pairs": len(gpairs), "predicted_pairs": len(ppairs),
        "pairs": _prf(tp, len(ppairs), len(gpairs)),
        "direction": {"directed_pairs_found": len(directed), "right": right},
        "spans": _prf(hit, p_chars, g_chars),
        "stock": _prf(sh, sp, sg),
        "independent_pairs": independent,
        "independent_pairs_flagged": len(ppairs.keys() - gpairs.keys()),
    }


def evaluate_reuse(corpus_dir: str | Path, **kwargs: Any) -> dict[str, Any]:
    """Run :func:`speechlens.reuse` on ``corpus_dir``/*.txt and score it with its gold.jsonl."""
    d = Path(corpus_dir)
    docs = [read_document(p) for p in sorted(d.glob("*.txt"))]
    gold = [json.loads(line) for line in (d / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    result = reuse(docs, **kwargs)
    return score_reuse(result, gold, {doc.id: doc.text for doc in docs})
