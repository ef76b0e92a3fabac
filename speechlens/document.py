"""Immutable records that flow through the pipeline: Document, Sentence, Problem, Analysis."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

LABELS: tuple[str, ...] = ("development", "livelihood", "safety", "party")
THEME_NAMES: dict[str, str] = {"development": "发展", "livelihood": "民生", "safety": "安全", "party": "党建"}
GENRES: tuple[str, ...] = ("speech", "self_report", "work_summary", "gov_report", "self_criticism")
METADATA_KEYS: tuple[str, ...] = ("unit", "role", "person", "year", "genre")


@dataclass(frozen=True)
class Document:
    """Decoded text plus metadata. ``text`` is never altered after decoding."""

    text: str
    path: str | None = None
    id: str | None = None
    unit: str | None = None
    role: str | None = None
    person: str | None = None
    year: int | None = None
    genre: str | None = None
    encoding: str | None = None
    body_start: int = 0
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def metadata(self) -> dict[str, Any]:
        """The standard metadata fields plus any extra ones, as a plain dict."""
        out: dict[str, Any] = dict(self.meta)
        for key in METADATA_KEYS:
            out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Sentence:
    """A span of the original text: ``doc.text[start:end] == text`` always.

    ``norm`` is the analysis form (simplified script, noise removed); ``section`` is the
    heading path ("三、筑牢安全底线 / （一）…") of the section the sentence sits in.
    """

    start: int
    end: int
    text: str
    norm: str
    section: str | None = None
    is_heading: bool = False
    marker: str | None = None
    index: int = 0


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

    def to_dict(self) -> dict[str, Any]:
        return {
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


@dataclass(frozen=True)
class Analysis:
    """Everything speechlens found in one document."""

    document: Document
    themes: Mapping[str, float]
    sentences: tuple[TaggedSentence, ...]
    problems: tuple[Problem, ...]
    model: str | None = None
    sections: tuple[Mapping[str, Any], ...] = ()

    @property
    def unit(self) -> str | None:
        return self.document.unit

    @property
    def genre(self) -> str | None:
        return self.document.genre

    @property
    def year(self) -> int | None:
        return self.document.year

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape; offsets point into ``document.text``."""
        d = self.document
        return {
            "id": d.id,
            "path": d.path,
            "unit": d.unit,
            "genre": d.genre,
            "year": d.year,
            "role": d.role,
            "person": d.person,
            "characters": len(d.text),
            "model": self.model,
            "themes": {k: round(float(self.themes.get(k, 0.0)), 4) for k in LABELS},
            "sentences": [t.to_dict() for t in self.sentences],
            "problems": [p.to_dict() for p in self.problems],
            "sections": [dict(x) for x in self.sections],
        }
