"""Keyword in context (KWIC) across documents, as quanteda's ``kwic()`` shows it."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable

from speechlens.records import Document
from speechlens.text.normalization import to_simplified
from speechlens.text.structure import table_of


@dataclass(frozen=True)
class Hit:
    """One occurrence of the term: its document, unit, section and context."""

    document: str | None
    unit: str | None
    section: str | None
    start: int
    end: int
    left: str
    keyword: str
    right: str

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def kwic(documents: Iterable[Document], term: str, *, window: int = 15) -> list[Hit]:
    """Every occurrence of ``term`` (matched in simplified script, so 鄉鎮 finds 乡镇) with
    ``window`` characters of context on each side, its unit and section."""
    if not term.strip():
        return []
    key = to_simplified(term)
    hits: list[Hit] = []
    for doc in documents:
        text = doc.text
        simp = to_simplified(text)
        tab = table_of(doc)
        starts, ends, sections = tab.starts, tab.ends, tab.sections
        pos = simp.find(key, doc.body_start)
        while pos >= 0:
            end = pos + len(key)
            # The sentence holding the hit, by binary search over the sentence starts (they are
            # in order): a scan of every sentence per hit made a long document quadratic.
            k = bisect.bisect_right(starts, pos) - 1
            section = sections[k] if k >= 0 and pos < ends[k] else None
            left = " ".join(text[max(doc.body_start, pos - window):pos].split())
            right = " ".join(text[end:end + window].split())
            hits.append(Hit(document=doc.id or doc.path, unit=doc.unit, section=section, start=pos,
                            end=end, left=left, keyword=text[pos:end], right=right))
            pos = simp.find(key, end)
    return hits
