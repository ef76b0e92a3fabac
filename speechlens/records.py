"""The input records every stage reads: Document (text plus metadata) and Sentence (a span of it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from speechlens.labels import METADATA_KEYS


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


