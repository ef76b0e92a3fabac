"""The records an analysis produces: Problem, TaggedSentence(s), Analysis."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator, Mapping, Sequence

from speechlens.labels import LABELS
from speechlens.records import Document, Sentence
from speechlens.model.features import sigmoid
from speechlens.pipeline.frames import analysis_frames, analysis_html
from speechlens.pipeline.admissions import admissions_of


@dataclass(frozen=True)
class Problem:
    """An admitted problem: a span of the original text and how it was recognised."""

    text: str
    start: int
    end: int
    themes: tuple[str, ...]
    subtheme: str | None
    cues: tuple[str, ...]
    section: str | None
    specificity: str
    score: float = 0.0
    sentence_index: int = 0
    document: str | None = None  # the id (else the path) of the document it was found in
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The problem on its own: its span and labels, with the document (id, else path) and
        unit it came from, so a list of problems from many documents stays joinable."""
        return {
            "document": self.document,
            "unit": self.unit,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "themes": list(self.themes),
            "subtheme": self.subtheme,
            "cues": list(self.cues),
            "section": self.section,
            "specificity": self.specificity,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class TaggedSentence:
    """A sentence with its themes, theme scores and whether it holds an admission."""

    sentence: Sentence
    themes: tuple[str, ...]
    scores: Mapping[str, float]
    problem: bool
    problem_score: float = 0.0
    subtheme: str | None = None

    def to_dict(self) -> dict[str, Any]:
        s = self.sentence
        return {
            "start": s.start,
            "end": s.end,
            "text": s.text,
            "section": s.section,
            "heading": s.is_heading,
            "themes": list(self.themes),
            "subtheme": self.subtheme,
            "scores": {k: round(float(v), 4) for k, v in self.scores.items()},
            "problem": self.problem,
            "problem_score": round(float(self.problem_score), 4),
        }


class TaggedSentences(Sequence[TaggedSentence]):
    """The tagged sentences of one Analysis, kept as columns and built on first access.

    Batch runs read only shares and problems; building ten thousand small objects per megabyte
    (and pickling them between processes) was most of their cost. Behaves as a tuple.
    """

    __slots__ = ("_table", "_values", "_thresholds", "_names", "_items")

    def __init__(self, table: Any, proba: Any, thresholds: Sequence[float], z: Any, sub: Any,
                 names: Sequence[str]) -> None:
        import numpy as np

        self._table = table    # structure.SentenceTable
        # One array per document: theme probabilities (LABELS order), problem log-odds, sub-theme index.
        self._values = np.column_stack([proba, z, sub]).astype(np.float64)
        self._thresholds = tuple(float(t) for t in thresholds)
        self._names = tuple(names)
        self._items: tuple[TaggedSentence, ...] | None = None

    def _all(self) -> tuple[TaggedSentence, ...]:
        if self._items is None:
            import numpy as np


            values = self._values
            proba = values[:, :4]
            rows = proba.tolist()
            hits = (proba >= np.asarray(self._thresholds)).tolist()
            zs = values[:, 4]
            pscores = sigmoid(zs).tolist()
            problem = (zs > 0).tolist()
            names = self._names
            sub = values[:, 5].astype(np.int64).tolist()
            tab = self._table
            self._items = tuple(
                TaggedSentence(sentence=tab.sentence(i), themes=tuple(l for l, h in zip(LABELS, hits[i]) if h),
                               scores=dict(zip(LABELS, rows[i])), problem=problem[i],
                               problem_score=pscores[i], subtheme=names[sub[i]])
                for i in range(len(rows)))
        return self._items

    def __len__(self) -> int:
        return len(self._table)

    def __getitem__(self, i: Any) -> Any:
        return self._all()[i]

    def __iter__(self) -> Iterator[TaggedSentence]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (TaggedSentences, tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{len(self)} tagged sentences>"

    def columns(self) -> dict[str, Any]:
        """The sentences as parallel columns (see ``sentence_columns``), read straight from the
        arrays: no TaggedSentence is built."""
        import numpy as np

        tab, values = self._table, self._values
        proba = values[:, :4].T.tolist()
        hits = (values[:, :4] >= np.asarray(self._thresholds)).tolist()
        return {"start": list(tab.starts), "end": list(tab.ends), "section": list(tab.sections),
                "themes": [[l for l, h in zip(LABELS, row) if h] for row in hits],
                "scores": {l: [round(x, 4) for x in proba[k]] for k, l in enumerate(LABELS)},
                "problem": (values[:, 4] > 0).tolist()}

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if k != "_items"}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for k, v in state.items():
            setattr(self, k, v)
        self._items = None


def sentence_columns(sentences: Sequence[TaggedSentence]) -> dict[str, Any]:
    """Tagged sentences as parallel columns, one entry per sentence in order: ``start``, ``end``
    (offsets into the document's text), ``section``, ``themes`` (lists of labels), ``scores``
    (label -> list of theme probabilities, rounded to 4 places) and ``problem`` (flags).
    ``pandas.DataFrame`` reads it once ``scores`` is spread into columns."""
    if isinstance(sentences, TaggedSentences):
        return sentences.columns()
    items = list(sentences)
    return {"start": [t.sentence.start for t in items], "end": [t.sentence.end for t in items],
            "section": [t.sentence.section for t in items], "themes": [list(t.themes) for t in items],
            "scores": {l: [round(float(t.scores.get(l, 0.0)), 4) for t in items] for l in LABELS},
            "problem": [bool(t.problem) for t in items]}


@dataclass(frozen=True)
class Analysis:
    """Everything speechlens found in one document."""

    document: Document
    themes: Mapping[str, float]
    sentences: Sequence[TaggedSentence]
    problems: tuple[Problem, ...]
    model: str | None = None
    sections: tuple[Mapping[str, Any], ...] = ()
    detected_genre: str | None = None

    def __repr__(self) -> str:
        d = self.document
        bits = " ".join(str(x) for x in (d.unit, d.year, self.genre) if x) or (d.path or d.id or "text")
        top = ", ".join(f"{k} {v:.0%}" for k, v in sorted(self.themes.items(), key=lambda kv: -kv[1])[:2])
        return (f"<Analysis {bits}: {len(self.sentences)} sentences, {len(self.admissions)} admissions"
                + (f"; {top}" if top else "") + ">")

    def _repr_html_(self) -> str:
        return analysis_html(self)

    def to_pandas(self) -> dict[str, Any]:
        """Tidy DataFrames (``pip install "speechlens[pandas]"``): documents, sentences, problems,
        admissions; metadata as columns, numbers as numbers, ``document`` joins them."""
        return analysis_frames([self])

    @property
    def unit(self) -> str | None:
        return self.document.unit

    @property
    def genre(self) -> str | None:
        """The genre given in metadata, else the one the model detected from the text."""
        return self.document.genre or self.detected_genre

    @property
    def year(self) -> int | None:
        return self.document.year

    @cached_property
    def admissions(self) -> tuple[Any, ...]:
        """The admitted problems as their writer enumerated them: an item with the flagged
        sentences that elaborate it is one (``speechlens.pipeline.admissions``); ``problems`` are the
        flagged sentences."""
        return admissions_of(self)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape; offsets point into ``document.text``."""
        d = self.document
        return {
            "id": d.id,
            "path": d.path,
            "unit": d.unit,
            "genre": self.genre,
            "detected_genre": self.detected_genre,
            "year": d.year,
            "role": d.role,
            "person": d.person,
            "characters": len(d.text),
            "model": self.model,
            "themes": {k: round(float(self.themes.get(k, 0.0)), 4) for k in LABELS},
            "sentences": [t.to_dict() for t in self.sentences],
            "problems": [p.to_dict() for p in self.problems],
            "admissions": [x.to_dict() for x in self.admissions],
            "sections": [dict(x) for x in self.sections],
        }


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
