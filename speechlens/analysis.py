"""The pipeline: Document -> sentences -> tokens -> themes and problems -> Analysis.

``Analyzer`` holds the loaded pieces (segmenter, model, problem settings); ``analyze`` and
``analyze_many`` are conveniences over one lazily built default Analyzer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .document import LABELS, Analysis, Document, TaggedSentence
from .errors import SpeechlensError
from .features import sigmoid
from .loading import document_from_text, read_document
from .problems import ProblemSettings, build_problem, problem_scores
from .segmentation import Segmenter
from .structure import sentences_of

InputItem = Any  # path, Document, (id, text, metadata) row, or text


@dataclass(frozen=True)
class Failure:
    """A document that could not be read or analysed, kept in batch output as a record."""

    id: str | None
    path: str | None
    error: str
    metadata: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "path": self.path, "error": self.error,
                "metadata": dict(self.metadata or {})}


class Analyzer:
    """Loaded segmenter + theme model + problem extractor; analyse one document or many.

    ``segmenter``: a Segmenter (default: governance dictionary, backend from the environment);
    ``model``: a ThemeClassifier or a model directory (default: ``$SPEECHLENS_MODEL`` or the
    shipped model); ``context``: weight of the section heading's theme scores in each sentence's.
    """

    def __init__(self, *, segmenter: Segmenter | None = None, model: Any = None,
                 backend: str | None = None, context: float = 0.25,
                 problem_settings: ProblemSettings | None = None) -> None:
        self.segmenter = segmenter or Segmenter(backend=backend)
        self.model = model
        self.context = context
        self.problem_settings = problem_settings or ProblemSettings()
        self._clf: Any = None

    @property
    def classifier(self) -> Any:
        """The ThemeClassifier, loaded on first use."""
        if self._clf is None:
            from .themes import ThemeClassifier

            if isinstance(self.model, ThemeClassifier):
                self._clf = self.model
                if self._clf.segmenter is None:
                    self._clf.segmenter = self.segmenter
            else:
                self._clf = ThemeClassifier.load(self.model, segmenter=self.segmenter)
        return self._clf

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if not (self.model is not None and not isinstance(self.model, (str, os.PathLike))):
            state["_clf"] = None  # reload from its path in the other process
        return state

    # -- one document -----------------------------------------------------------------
    def analyze(self, item: InputItem, *, unit: str | None = None, genre: str | None = None,
                year: int | None = None, id: str | None = None) -> Analysis:
        """Analyse text (a str is text here), a Document, a Path, or an (id, text, metadata) row."""
        doc = to_document(item, text_is_path=False, unit=unit, genre=genre, year=year, id=id)
        return self._analyze_document(doc)

    def _analyze_document(self, doc: Document) -> Analysis:
        clf = self.classifier
        sents = sentences_of(doc)
        if not sents:
            return Analysis(document=doc, themes={l: 0.0 for l in LABELS}, sentences=(),
                            problems=(), model=clf.info_.get("name"))
        seg = self.segmenter
        norms = [s.norm for s in sents]
        tokens = seg.cut_many(norms)
        sc = clf.scores(norms, tokens)
        proba = _with_context(sents, sc["themes"], self.context)
        labels = clf.labels_from_proba(proba)
        z = problem_scores(sents, sc["problem"], genre=doc.genre, settings=self.problem_settings)
        names = clf.subthemes_
        subthemes = [names[k] for k in sc["subthemes"].argmax(axis=1).tolist()]
        zs = np.asarray(z, dtype=np.float64)
        pscores = sigmoid(zs).tolist()
        rows = proba.tolist()
        tagged = []
        problems = []
        for i, s in enumerate(sents):
            is_problem = zs[i] > 0
            tagged.append(TaggedSentence(sentence=s, themes=labels[i], scores=dict(zip(LABELS, rows[i])),
                                         problem=bool(is_problem), problem_score=pscores[i],
                                         subtheme=subthemes[i]))
            if is_problem:
                row = rows[i]
                best = max(range(len(LABELS)), key=row.__getitem__)
                themes = labels[i] or ((LABELS[best],) if row[best] >= 0.25 else ())
                problems.append(build_problem(s, doc.text, themes=themes, subtheme=subthemes[i],
                                              score=float(zs[i])))
        return Analysis(document=doc, themes=theme_shares(tagged), sentences=tuple(tagged),
                        problems=tuple(problems), model=clf.info_.get("name"),
                        sections=section_shares(tagged))

    # -- many documents -----------------------------------------------------------------
    def pipe(self, inputs: Iterable[InputItem], *, jobs: int = 1, on_error: str = "raise",
             chunksize: int = 4) -> Iterator[Analysis | Failure]:
        """Analyse many inputs in order, with ``jobs`` worker processes.

        A str or Path is a file path here. ``on_error``: "raise" stops at the first bad
        document, "record" yields a Failure in its place, "skip" drops it.
        """
        if on_error not in ("raise", "record", "skip"):
            raise ValueError("on_error must be 'raise', 'record' or 'skip'")
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        if jobs == 1:
            results: Iterable[Analysis | Failure] = (self._safe(item) for item in inputs)
        else:
            results = self._parallel(inputs, jobs, chunksize)
        for r in results:
            if isinstance(r, Failure):
                if on_error == "raise":
                    raise SpeechlensError(r.error)
                if on_error == "skip":
                    continue
            yield r

    def _safe(self, item: InputItem) -> Analysis | Failure:
        try:
            doc = to_document(item, text_is_path=True)
        except SpeechlensError as exc:
            return Failure(id=_item_id(item), path=_item_path(item), error=str(exc),
                           metadata=_item_meta(item))
        try:
            return self._analyze_document(doc)
        except SpeechlensError as exc:
            return Failure(id=doc.id, path=doc.path, error=str(exc), metadata=doc.metadata)
        except Exception as exc:  # an analysis bug must not lose the rest of a batch
            return Failure(id=doc.id, path=doc.path,
                           error=f"{doc.path or doc.id}: analysis failed ({type(exc).__name__}: {exc})",
                           metadata=doc.metadata)

    def _parallel(self, inputs: Iterable[InputItem], jobs: int, chunksize: int) -> Iterator[Analysis | Failure]:
        import multiprocessing as mp

        self.classifier  # load once here so a bad model fails before workers start
        ctx = mp.get_context("spawn" if os.name == "nt" else "fork")
        with ctx.Pool(jobs, initializer=_init_worker, initargs=(self,)) as pool:
            yield from pool.imap(_work, _rows(inputs), chunksize=chunksize)


_worker: Analyzer | None = None


def _init_worker(analyzer: Analyzer) -> None:
    global _worker
    _worker = analyzer
    analyzer.classifier  # dictionary and model load once per worker, not once per document
    analyzer.segmenter.cut("预热")


def _work(item: InputItem) -> Analysis | Failure:
    assert _worker is not None
    return _worker._safe(item)


def _rows(inputs: Iterable[InputItem]) -> Iterator[InputItem]:
    for item in inputs:
        yield str(item) if isinstance(item, Path) else item


def to_document(item: InputItem, *, text_is_path: bool, **meta: Any) -> Document:
    """Turn any accepted input into a Document (explicit metadata wins)."""
    explicit = {k: v for k, v in meta.items() if v is not None}
    if isinstance(item, Document):
        if explicit:
            from dataclasses import replace

            return replace(item, **explicit)
        return item
    if isinstance(item, Path) or (isinstance(item, str) and text_is_path):
        return read_document(item, **explicit)
    if isinstance(item, str):
        return document_from_text(item, **explicit)
    if isinstance(item, (tuple, list)) and len(item) in (2, 3):
        rid, text = item[0], item[1]
        md = dict(item[2]) if len(item) == 3 and item[2] else {}
        if not isinstance(text, str) or not text.strip():
            raise SpeechlensError(f"{rid}: empty text")
        known = {k: md.pop(k) for k in ("unit", "role", "person", "year", "genre") if k in md}
        known.update(explicit)
        return document_from_text(text, id=str(rid), meta=md, **known)
    raise SpeechlensError(f"cannot analyse an input of type {type(item).__name__}")


def _item_id(item: InputItem) -> str | None:
    if isinstance(item, (str, Path)):
        return Path(item).stem
    if isinstance(item, Document):
        return item.id
    if isinstance(item, (tuple, list)) and item:
        return str(item[0])
    return None


def _item_path(item: InputItem) -> str | None:
    if isinstance(item, (str, Path)):
        return str(item)
    if isinstance(item, Document):
        return item.path
    return None


def _item_meta(item: InputItem) -> dict[str, Any]:
    if isinstance(item, (tuple, list)) and len(item) == 3 and isinstance(item[2], Mapping):
        return dict(item[2])
    return {}


def _with_context(sents: Sequence[Any], proba: np.ndarray, weight: float) -> np.ndarray:
    """Blend each sentence's theme scores with those of the heading it sits under."""
    if weight <= 0:
        return proba
    out = proba.copy()
    heading_of: dict[str, int] = {}
    for i, s in enumerate(sents):
        if s.is_heading and s.section:
            heading_of[s.section] = i
        elif s.section:
            h = heading_of.get(s.section)
            if h is not None:
                out[i] = (1 - weight) * proba[i] + weight * proba[h]
    return out


def theme_shares(tagged: Sequence[TaggedSentence]) -> dict[str, float]:
    """Share of each theme: characters of sentences tagged with it over all tagged characters."""
    totals = {l: 0.0 for l in LABELS}
    for t in tagged:
        if t.sentence.is_heading:
            continue
        n = len(t.sentence.norm)
        for l in t.themes:
            totals[l] += n
    s = sum(totals.values())
    return {l: (totals[l] / s if s else 0.0) for l in LABELS}


def section_shares(tagged: Sequence[TaggedSentence]) -> tuple[dict[str, Any], ...]:
    """Theme shares of each top-level part in document order (opening and closing remarks,
    which sit under no heading, are parts with ``section`` None)."""
    parts: list[tuple[str | None, list[TaggedSentence]]] = []
    for t in tagged:
        top = t.sentence.section.split(" / ")[0] if t.sentence.section else None
        if not parts or parts[-1][0] != top:
            parts.append((top, []))
        parts[-1][1].append(t)
    out = []
    for top, items in parts:
        shares = theme_shares(items)
        body = [t for t in items if not t.sentence.is_heading]
        out.append({"section": top, "start": items[0].sentence.start, "end": items[-1].sentence.end,
                    "sentences": len(body), "themes": {l: round(v, 4) for l, v in shares.items()},
                    "dominant": max(shares, key=shares.get) if any(shares.values()) else None})
    return tuple(out)


_default: Analyzer | None = None


def default_analyzer() -> Analyzer:
    """The lazily built process-wide Analyzer behind ``analyze`` and ``analyze_many``."""
    global _default
    if _default is None:
        _default = Analyzer()
    return _default


def analyze(text: InputItem, *, unit: str | None = None, genre: str | None = None,
            year: int | None = None) -> Analysis:
    """Analyse one text (or Document): sentences, themes, shares and admitted problems."""
    return default_analyzer().analyze(text, unit=unit, genre=genre, year=year)


def analyze_many(inputs: Iterable[InputItem], *, jobs: int = 1, on_error: str = "raise",
                 analyzer: Analyzer | None = None) -> Iterator[Analysis | Failure]:
    """Analyse paths, Documents or (id, text, metadata) rows in input order with ``jobs`` processes."""
    return (analyzer or default_analyzer()).pipe(inputs, jobs=jobs, on_error=on_error)
