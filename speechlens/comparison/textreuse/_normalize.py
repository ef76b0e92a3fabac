"""Documents normalised for matching, with a map from every normalised character back to the original."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

_PUNCT_BREAK = set("，,。；;！!？?：:\n\r")
_SENTENCE_END = set("。；;！!？?\n\r")
# a two-character name before a place word: a village, community, reservoir, school ...
_PLACE = (r"[\u4e00-\u9fff]{2}(?<![农乡各全每本该个的和与及等政城])"   # not 农村, 乡村, 各村, 行政村 ...
          r"(?=村|社区|片区|小区|集镇|水库|园区|工业集中区|工业园|路口|小学|中学|河段)")
_FIGURE = re.compile(
    r"(?:[0-9０-９]+(?:[,，][0-9]{3}(?![0-9]))*(?:[.．][0-9０-９]+)?[万亿千百]*[%％‰]?"
    r"|(?:[*＊]{2,}|[xX×ｘＸ]{2,}|某某)[万亿千百]*"
    r"|[零〇一二三四五六七八九十两百千万亿]+)"
)
_UNIT_SUFFIX = re.compile(r"(?:街道办事处|街道|镇|乡|社区|村)$")
_SAME = {"党工委": "党委", "街道": "T", "镇": "T", "乡": "T"}


@dataclass
class Prepared:
    """A document normalised for matching, with a map back to the original text."""

    id: str
    unit: str | None
    year: int | None
    text: str
    norm: str
    starts: np.ndarray           # original offset where each normalised character begins
    ends: np.ndarray             # ... and ends
    clauses: list[tuple[int, int]]
    sentence_ends: list[bool] = field(default_factory=list)   # clause i ends a sentence

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original offsets of the normalised range [i, j)."""
        return int(self.starts[i]), int(self.ends[j - 1])


def _names(unit: str | None) -> list[str]:
    if not unit:
        return []
    out = {unit}
    stem = _UNIT_SUFFIX.sub("", unit)
    if len(stem) >= 2:
        out.add(stem)
    return sorted(out, key=len, reverse=True)


def prepare(doc_id: str, text: str, unit: str | None = None, year: int | None = None, *,
            start: int = 0) -> Prepared:
    """Normalise ``text[start:]`` for matching: the unit's own name -> U, figures and redactions
    -> 0, village and other place names -> P, 镇/乡/街道 -> T, 党工委 -> 党委, letters lower-cased,
    punctuation and spaces dropped."""
    names = _names(unit)
    pattern = re.compile(
        (f"(?P<name>{'|'.join(re.escape(n) for n in names)})|" if names else "")
        + f"(?P<fig>{_FIGURE.pattern})|(?P<place>{_PLACE})|(?P<same>{'|'.join(map(re.escape, _SAME))})")
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    clauses: list[tuple[int, int]] = []
    sentence_ends: list[bool] = []
    clause_start = 0
    pos = start
    n = len(text)

    def emit(c: str, s: int, e: int) -> None:
        chars.append(c)
        starts.append(s)
        ends.append(e)

    def plain(s: int, e: int) -> None:
        nonlocal clause_start
        for k in range(s, e):
            c = text[k]
            if c in _PUNCT_BREAK:
                if len(chars) > clause_start:
                    clauses.append((clause_start, len(chars)))
                    sentence_ends.append(c in _SENTENCE_END)
                elif c in _SENTENCE_END and sentence_ends:
                    sentence_ends[-1] = True
                clause_start = len(chars)
            elif c.isalnum():
                emit(c.lower(), k, k + 1)

    for m in pattern.finditer(text, start):
        plain(pos, m.start())
        kind = m.lastgroup
        if kind == "name":
            emit("U", m.start(), m.end())
        elif kind == "place":
            emit("P", m.start(), m.end())
        elif kind == "same":
            for c in _SAME[m.group(0)]:
                emit(c, m.start(), m.end())
        else:
            emit("0", m.start(), m.end())
        pos = m.end()
    plain(pos, n)
    if len(chars) > clause_start:
        clauses.append((clause_start, len(chars)))
        sentence_ends.append(True)
    return Prepared(doc_id, unit, year, text, "".join(chars), np.asarray(starts, dtype=np.int64),
                    np.asarray(ends, dtype=np.int64), clauses, sentence_ends)

