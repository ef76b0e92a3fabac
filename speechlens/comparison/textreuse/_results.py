"""What text reuse finds: passages, pairs of documents, per-document shares; and the defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

MIN_CHARS = 15          # normalised characters a passage must share, stock formulas not counted
THRESHOLD = 0.6         # matched characters over the longer side of a passage
WINDOW_THRESHOLD = 0.5  # 3-gram Jaccard at which two windows count as the same (exact check)
BOILERPLATE_UNITS = 4   # a clause shared by this many units is a stock formula


@dataclass(frozen=True)
class Passage:
    """A passage two documents share: offsets into both original texts."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    a_text: str
    b_text: str
    chars: int          # normalised characters matched exactly (figures and stock formulas excluded)
    similarity: float   # matched characters over the longer side

    def to_dict(self) -> dict[str, Any]:
        return {"a_start": self.a_start, "a_end": self.a_end, "b_start": self.b_start,
                "b_end": self.b_end, "a_text": self.a_text, "b_text": self.b_text,
                "chars": self.chars, "similarity": round(self.similarity, 3)}


@dataclass(frozen=True)
class ReusePair:
    """Two documents sharing passages; ``source``/``target`` set when their years differ."""

    a: str
    b: str
    a_unit: str | None
    b_unit: str | None
    a_year: int | None
    b_year: int | None
    passages: tuple[Passage, ...]

    @property
    def source(self) -> str | None:
        """The earlier document's id (None when the years are equal or unknown)."""
        if self.a_year is None or self.b_year is None or self.a_year == self.b_year:
            return None
        return self.a if self.a_year < self.b_year else self.b

    @property
    def target(self) -> str | None:
        s = self.source
        return None if s is None else (self.b if s == self.a else self.a)

    @property
    def chars(self) -> int:
        return sum(p.chars for p in self.passages)

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "a_unit": self.a_unit, "b_unit": self.b_unit,
                "a_year": self.a_year, "b_year": self.b_year, "source": self.source,
                "target": self.target, "chars": self.chars,
                "passages": [p.to_dict() for p in self.passages]}


@dataclass(frozen=True)
class DocumentReuse:
    """How much of one document is found elsewhere, and how much is stock formula."""

    id: str
    unit: str | None
    year: int | None
    chars: int                       # normalised characters (punctuation and spaces left out)
    reused_share: float              # share of its characters found in another document
    boilerplate_share: float         # share inside clauses many units use (套话)
    shared_with: Mapping[str, float] = field(default_factory=dict)   # other id -> share
    stock_spans: tuple[tuple[int, int], ...] = ()   # original offsets of its stock-formula clauses

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit, "year": self.year, "chars": self.chars,
                "reused_share": round(self.reused_share, 4),
                "boilerplate_share": round(self.boilerplate_share, 4),
                "shared_with": {k: round(v, 4) for k, v in self.shared_with.items()},
                "stock_spans": [list(s) for s in self.stock_spans]}


@dataclass(frozen=True)
class Reuse:
    """The result of :func:`reuse`: document pairs with passages, and per-document shares."""

    pairs: tuple[ReusePair, ...]
    documents: tuple[DocumentReuse, ...]
    boilerplate: tuple[str, ...] = ()   # examples of the stock clauses found (first 20)
    min_chars: int = MIN_CHARS
    threshold: float = THRESHOLD
    boilerplate_units: int = BOILERPLATE_UNITS

    def to_dict(self) -> dict[str, Any]:
        return {"pairs": [p.to_dict() for p in self.pairs],
                "documents": [d.to_dict() for d in self.documents],
                "boilerplate": list(self.boilerplate),
                "settings": {"min_chars": self.min_chars, "threshold": self.threshold,
                             "boilerplate_units": self.boilerplate_units}}

