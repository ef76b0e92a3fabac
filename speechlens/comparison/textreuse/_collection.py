"""Text reuse over a collection: index every document, then align the candidate pairs."""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable

import numpy as np

from speechlens.errors import SpeechlensError
from ._align import align
from ._index import ClauseIndex, window_signatures, windows_of
from ._normalize import Prepared, prepare
from ._results import BOILERPLATE_UNITS, MIN_CHARS, THRESHOLD, WINDOW_THRESHOLD, DocumentReuse, Reuse, ReusePair
from speechlens.pipeline.results import Analysis
from speechlens.records import Document
from speechlens.reading.loading import document_from_text, read_document


def _as_prepared(x: Any, n: int) -> Prepared:
    if isinstance(x, Prepared):
        return x
    if isinstance(x, Analysis):
        x = x.document
    if isinstance(x, (str, os.PathLike)):
        x = read_document(x)
    if isinstance(x, tuple) and len(x) == 3:
        doc_id, text, meta = x
        meta = dict(meta or {})
        x = document_from_text(text, id=str(doc_id), unit=meta.get("unit"), year=meta.get("year"))
    if not isinstance(x, Document):
        raise SpeechlensError(f"reuse: cannot read a {type(x).__name__}; pass paths, Documents or Analyses")
    doc_id = x.id or x.path or f"doc{n}"
    return prepare(str(doc_id), x.text, x.unit, x.year, start=x.body_start)


def reuse(analyses_or_paths: Iterable[Any], *, min_chars: int = MIN_CHARS, threshold: float = THRESHOLD,
          boilerplate_units: int = BOILERPLATE_UNITS, window_threshold: float = WINDOW_THRESHOLD) -> Reuse:
    """Find passages documents share (with direction by year) and each document's reused and
    stock-formula (套话) shares.

    ``analyses_or_paths``: paths, Documents, Analyses or (id, text, metadata) rows.
    ``min_chars``: normalised characters a passage must share beyond stock formulas;
    ``threshold``: its least similarity (matched characters over its longer side);
    ``boilerplate_units``: how many units must share a clause for it to count as a stock formula;
    ``window_threshold``: 3-gram Jaccard at which two clauses count as the same.
    """
    docs = [_as_prepared(x, n) for n, x in enumerate(analyses_or_paths)]
    return reuse_prepared(docs, lambda i: docs[i], min_chars=min_chars, threshold=threshold,
                          boilerplate_units=boilerplate_units, window_threshold=window_threshold)


def reuse_prepared(docs: Iterable[Prepared], fetch: Callable[[int], Prepared], *, min_chars: int = MIN_CHARS,
                   threshold: float = THRESHOLD, boilerplate_units: int = BOILERPLATE_UNITS,
                   window_threshold: float = WINDOW_THRESHOLD, stock_spans: bool = True,
                   spill: str | None = None) -> Reuse:
    """:func:`reuse` over a stream of prepared documents; ``fetch(i)`` gives back document i.

    The stream is read once (per document only its windows' offsets and band keys are kept);
    documents are fetched again, a pair at a time, for the alignment, so a caller can keep texts
    on disk (``speechlens batch --reuse``, which also leaves out ``stock_spans``: the offsets of
    every document's stock clauses, whose mapping back needs each document once more, and passes
    ``spill``, a folder for the band keys).
    """
    index = ClauseIndex(spill=spill)
    units: dict[str, int] = {}
    meta: list[tuple[str, str | None, int | None, int]] = []
    windows: list[np.ndarray] = []   # per document, rows (start, end, clauses, end of first clause)
    for n, p in enumerate(docs):
        u = units.setdefault(p.unit or f"\0{p.id}", len(units))
        w = windows_of(p)
        index.add(n, u, window_signatures(p, w), [x[2] for x in w])
        windows.append(np.asarray(w, dtype=np.int32).reshape(-1, 4))
        meta.append((p.id, p.unit, p.year, len(p.norm)))
    stock, cand = index.search(boilerplate_units=boilerplate_units)
    del index   # the band keys are no longer needed
    offsets = np.cumsum([0] + [len(w) for w in windows])

    def stock_of(i: int) -> tuple[np.ndarray, np.ndarray]:
        return windows[i], stock[offsets[i]:offsets[i + 1]]

    covered: dict[int, np.ndarray] = {}
    shared: dict[int, dict[int, int]] = {}
    pairs = []
    for i, j in sorted(cand):
        pi, pj = fetch(i), fetch(j)
        # LSH only proposes the pair; the evidence is then checked exactly, window by window
        passages = align(pi, pj, windows_a=stock_of(i), windows_b=stock_of(j), min_chars=min_chars,
                         threshold=threshold, window_threshold=window_threshold)
        if not passages:
            continue
        pairs.append(ReusePair(pi.id, pj.id, pi.unit, pj.unit, pi.year, pj.year, tuple(passages)))
        for d, p, side in ((i, pi, "a"), (j, pj, "b")):
            cov = covered.setdefault(d, np.zeros(len(p.norm), dtype=bool))
            one = np.zeros(len(p.norm), dtype=bool)
            for ps in passages:
                s, e = (ps.a_start, ps.a_end) if side == "a" else (ps.b_start, ps.b_end)
                one[np.searchsorted(p.starts, s):np.searchsorted(p.starts, e)] = True
            cov |= one
            shared.setdefault(d, {})[j if d == i else i] = int(one.sum())
    out_docs = []
    examples: dict[str, str] = {}
    for i, (doc_id, unit, year, n) in enumerate(meta):
        w, st = stock_of(i)
        clause_stock = [(int(x[0]), int(x[1])) for x, f in zip(w, st) if f and x[2] == 1]
        spans: tuple[tuple[int, int], ...] = ()
        if clause_stock and (stock_spans or len(examples) < 20):
            p = fetch(i)
            spans = tuple(p.span(s, e) for s, e in clause_stock)
            for (s, e), (a, b) in zip(clause_stock, spans):
                if len(examples) < 20:
                    examples.setdefault(p.norm[s:e], p.text[a:b])
            if not stock_spans:
                spans = ()
        denom = max(n, 1)
        cov = covered.get(i)
        out_docs.append(DocumentReuse(
            doc_id, unit, year, n,
            float(cov.sum()) / denom if cov is not None else 0.0,
            sum(e - s for s, e in clause_stock) / denom,
            {meta[j][0]: c / denom for j, c in sorted(shared.get(i, {}).items(), key=lambda t: -t[1])},
            spans))
    pairs.sort(key=lambda p: -p.chars)
    return Reuse(tuple(pairs), tuple(out_docs), tuple(examples.values()), min_chars, threshold, boilerplate_units)
