"""The whole-document corpus (``corpora/documents``): documents labelled unit by unit.

A part file holds one JSON document per line: ``{"id", "genre", "title", "sentences": [{"text",
"sep", "themes", "problem"}]}``; the document text is the concatenation of each unit's text and
separator, so every label has exact offsets. Blind second-pass labels (``annotations/second/``)
and third-pass decisions on the disagreements (``annotations/third/``) are applied by majority.
``gold_for_table`` maps unit labels onto the sentences speechlens itself finds, the way the
real-text scorer does (a sentence takes the labels of the units it mostly covers).
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from speechlens.labels import GENRES, LABELS
from speechlens.errors import SpeechlensError
from speechlens.model.metrics import cohen_kappa, prf


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    themes: tuple[str, ...]
    problem: bool


@dataclass(frozen=True)
class LabelledDocument:
    id: str
    genre: str
    text: str
    units: tuple[Unit, ...]
    part: str


def _read_annotations(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """{document id: [{"themes", "problem"} or None per unit]} from every JSONL file in ``folder``."""
    out: dict[str, list[dict[str, Any]]] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                out[rec["id"]] = rec["labels"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise SpeechlensError(f"{path}:{n}: bad annotation line ({exc})") from None
    return out


def _read_conventions(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """{(document id, unit index): labels} of units relabelled after adjudication to follow a
    convention of the real-text guidelines that the annotators read differently (each line names
    its rule)."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    if not path.is_file():
        return out
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rec = json.loads(line)
                out[(rec["id"], int(rec["k"]))] = rec
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise SpeechlensError(f"{path}:{n}: bad convention line ({exc})") from None
    return out


def _vote(first: dict[str, Any], others: Sequence[dict[str, Any] | None]) -> tuple[tuple[str, ...], bool]:
    """Each theme and the problem flag by majority of the available passes (first pass wins ties)."""
    passes = [first] + [o for o in others if o]
    if len(passes) == 1:
        return tuple(l for l in LABELS if l in first["themes"]), bool(first["problem"])
    need = len(passes) / 2
    themes = tuple(l for l in LABELS
                   if sum(l in p["themes"] for p in passes) > need
                   or (sum(l in p["themes"] for p in passes) == need and l in first["themes"]))
    votes = sum(bool(p["problem"]) for p in passes)
    problem = votes > need or (votes == need and bool(first["problem"]))
    return themes, problem


def load_documents(corpus_dir: str | Path) -> list[LabelledDocument]:
    """Every document of ``corpus_dir/parts/*.jsonl`` with its adjudicated unit labels."""
    root = Path(corpus_dir)
    parts = sorted((root / "parts").glob("*.jsonl"))
    if not parts:
        raise SpeechlensError(f"{root}: no parts/*.jsonl files of labelled documents")
    second = _read_annotations(root / "annotations" / "second")
    third = _read_annotations(root / "annotations" / "third")
    conventions = _read_conventions(root / "annotations" / "conventions.jsonl")
    docs = []
    for path in parts:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                units = d["sentences"]
                doc_id, genre = d["id"], d["genre"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise SpeechlensError(f"{path}:{n}: not a labelled document ({exc})") from None
            if genre not in GENRES:
                raise SpeechlensError(f"{path}:{n}: genre {genre!r} is not one of {', '.join(GENRES)}")
            s2, s3 = second.get(doc_id), third.get(doc_id)
            text, out = "", []
            for k, u in enumerate(units):
                others = [s[k] if s and k < len(s) else None for s in (s2, s3)]
                themes, problem = _vote(u, others)
                fixed = conventions.get((doc_id, k))
                if fixed is not None:
                    themes = tuple(l for l in LABELS if l in fixed["themes"])
                    problem = bool(fixed["problem"])
                a = len(text)
                text += u["text"]
                out.append(Unit(a, len(text), themes, problem))
                text += u.get("sep", "")
            docs.append(LabelledDocument(doc_id, genre, text, tuple(out), path.stem))
    return docs


def _first_passes(root: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((root / "parts").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out[d["id"]] = d["sentences"]
    return out


def document_agreement(corpus_dir: str | Path) -> dict[str, Any]:
    """Agreement of the writers' labels (first pass) with the blind second pass over the units
    both labelled: per-label F1 and Cohen's kappa, the problem flag, and how many units the
    third pass decided."""
    root = Path(corpus_dir)
    first, second = _first_passes(root), _read_annotations(root / "annotations" / "second")
    third = _read_annotations(root / "annotations" / "third")
    pairs = [(u, v) for i, units in first.items() if i in second
             for u, v in zip(units, second[i]) if v is not None]
    if not pairs:
        return {"units": 0}

    out: dict[str, Any] = {"units": len(pairs), "documents": sum(i in second for i in first)}
    for l in LABELS:
        a = np.array([l in u["themes"] for u, _ in pairs])
        b = np.array([l in v["themes"] for _, v in pairs])
        out[l] = {"f1": round(prf(a, b)[2], 4), "kappa": cohen_kappa(a, b)}
    out["macro_f1"] = round(float(np.mean([out[l]["f1"] for l in LABELS])), 4)
    a = np.array([bool(u["problem"]) for u, _ in pairs])
    b = np.array([bool(v["problem"]) for _, v in pairs])
    out["problem"] = {"f1": round(prf(a, b)[2], 4), "kappa": cohen_kappa(a, b)}
    out["disagreements"] = int(sum(set(u["themes"]) != set(v["themes"]) or bool(u["problem"]) != bool(v["problem"])
                                   for u, v in pairs))
    out["third_pass_units"] = int(sum(x is not None for labels in third.values() for x in labels))
    return out


def unit_rows(docs: Sequence[LabelledDocument]) -> list[dict[str, Any]]:
    """The units as sentence-corpus records (for the sentence classifier)."""
    rows = []
    for d in docs:
        for u in d.units:
            text = d.text[u.start:u.end].strip()
            if len(text) >= 2:
                rows.append({"text": text, "themes": list(u.themes), "problem": u.problem, "part": d.part})
    return rows


def gold_for_table(doc: LabelledDocument, starts: Sequence[int], ends: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(themes (n, 4), problem (n,)) for sentences at the given offsets: the union of the labels
    of the units each one covers by at least half of the shorter of the two."""
    n = len(starts)
    Y = np.zeros((n, len(LABELS)), dtype=np.int64)
    P = np.zeros(n, dtype=np.int64)
    ustarts = [u.start for u in doc.units]
    for i, (a, b) in enumerate(zip(starts, ends)):
        k = max(0, bisect.bisect_right(ustarts, a) - 1)
        while k < len(doc.units) and doc.units[k].start < b:
            u = doc.units[k]
            ov = min(b, u.end) - max(a, u.start)
            if ov > 0 and ov >= 0.5 * min(b - a, u.end - u.start):
                for j, l in enumerate(LABELS):
                    Y[i, j] |= l in u.themes
                P[i] |= u.problem
            k += 1
    return Y, P


__all__ = ["LabelledDocument", "Unit", "load_documents", "unit_rows", "gold_for_table", "document_agreement"]
