"""Scoring: multi-label theme metrics and admitted-problem extraction against gold files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from speechlens.errors import SpeechlensError
from speechlens.model.metrics import prf
from speechlens.pipeline.analysis import default_analyzer
from speechlens.reading.loading import read_document


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    """Gold problem annotations: one JSON line per document with "file" and "problems"."""
    p = Path(path)
    rows = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SpeechlensError(f"{p}:{n}: not valid JSON ({exc.msg})") from None
    return rows


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def extraction_report(analysis: Any, gold_problems: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Sentence-level match of one analysis against its gold admissions.

    A sentence (or enumerated item) is a gold admission when a gold span covers at least half
    of it or it covers at least half of a gold span; it is predicted when flagged ``problem``.
    """
    text = analysis.document.text
    spans = []
    for g in gold_problems:
        i = text.find(g["text"])
        if i < 0:
            raise SpeechlensError(f"gold text not found in {analysis.document.path}: {g['text'][:30]}")
        spans.append((i, i + len(g["text"])))
    y, p, rows = [], [], []
    for t in analysis.sentences:
        s = t.sentence
        span = (s.start, s.end)
        length = max(1, s.end - s.start)
        is_gold = any(_overlap(span, g) * 2 >= min(length, g[1] - g[0]) for g in spans)
        y.append(is_gold)
        p.append(t.problem)
        if is_gold != t.problem:
            rows.append({"text": s.text, "gold": is_gold, "predicted": t.problem,
                         "score": t.problem_score, "section": s.section})
    found = sum(1 for g in spans if any(_overlap((q.start, q.end), g) > 0 for q in analysis.problems))
    return {"y": y, "p": p, "errors": rows, "gold_items": len(spans), "gold_items_found": found}


def evaluate_extraction(docs_dir: str | Path, gold_paths: Sequence[str | Path], *,
                        analyzer: Any = None) -> dict[str, Any]:
    """Precision/recall/F1 of admitted-problem sentences over gold-annotated documents."""
    az = analyzer or default_analyzer()
    ys: list[bool] = []
    ps: list[bool] = []
    per_doc = {}
    errors = []
    items = found = 0
    for gp in gold_paths:
        for row in load_gold(gp):
            if row.get("genre") == "speech" or not row.get("problems") and row.get("criticisms"):
                continue
            doc = read_document(Path(docs_dir) / row["file"])
            rep = extraction_report(az.analyze(doc), row.get("problems", []))
            ys += rep["y"]
            ps += rep["p"]
            items += rep["gold_items"]
            found += rep["gold_items_found"]
            per_doc[row["file"]] = dict(zip(("precision", "recall", "f1"), prf(rep["y"], rep["p"])))
            errors += [dict(e, file=row["file"]) for e in rep["errors"]]
    pr, rc, f = prf(ys, ps)
    return {"precision": pr, "recall": rc, "f1": f, "sentences": len(ys),
            "gold_sentences": int(sum(ys)), "gold_items": items,
            "gold_item_recall": round(found / items, 4) if items else 0.0,
            "documents": per_doc, "errors": errors}
