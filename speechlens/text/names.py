"""Names of units, people and places, kept whole when the comparison counts words.

jieba's dictionary does not know 金桥镇 or 杨德胜 (金/桥/镇, 杨/德/胜), so a unit's own name never
reached its keyness while other words filled its slots. ``names_of(documents)`` collects, from
each document's metadata, its unit (and the unit without 镇/乡/街道 …: 金桥), its person, and
known places (metadata ``places``, ``county``, ``city``, ``town``); ``NamedSegmenter`` cuts text
with those names as single tokens for one run, without touching the dictionary or the model
(the classifier keeps its own segmentation).
"""

from __future__ import annotations

import re
from collections.abc import Set
from typing import Any, Iterable, Sequence

from speechlens.resources import stopwords as shipped_stopwords
from speechlens.text.normalization import to_simplified
from speechlens.text.segmentation import is_word

# What word statistics (keyness, similarity, term matrices, clouds) count: two or more CJK characters.
STAT_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")

_UNIT_SUFFIX = re.compile(r"(?:街道办事处|街道办|街道|镇|乡|社区|村|县|市|区)$")
_PLACE_KEYS = ("places", "place", "county", "city", "town", "district")
_SPLIT = re.compile(r"[、,，;；/\s]+")


def names_of(documents: Iterable[Any]) -> frozenset[str]:
    """Unit, person and place names (simplified script) from the documents' metadata."""
    out: set[str] = set()
    for d in documents:
        meta = getattr(d, "meta", None) or {}
        values: list[str] = [getattr(d, "unit", None) or "", getattr(d, "person", None) or ""]
        for key in _PLACE_KEYS:
            v = meta.get(key)
            if isinstance(v, str):
                values += _SPLIT.split(v)
            elif isinstance(v, (list, tuple)):
                values += [str(x) for x in v]
        for v in values:
            v = to_simplified(v.strip())
            if len(v) < 2 or not re.fullmatch(r"[\u4e00-\u9fff·]+", v):
                continue
            out.add(v)
            short = _UNIT_SUFFIX.sub("", v)
            if short != v and len(short) >= 2:
                out.add(short)
    return frozenset(out)


class NamedSegmenter:
    """A segmenter's ``cut`` and ``words_of`` with the given names kept as single tokens.

    The text is split at the names (longest first, found with one Aho-Corasick pass) and the
    stretches between are cut by the wrapped segmenter.
    """

    def __init__(self, segmenter: Any, names: Iterable[str]) -> None:
        self.segmenter = segmenter
        self.names = frozenset(n for n in names if n)
        self._automaton: Any = None

    def __getattr__(self, name: str) -> Any:  # everything else is the wrapped segmenter's
        return getattr(self.__dict__["segmenter"], name)

    def _find(self, text: str) -> list[tuple[int, int]]:
        if not self.names:
            return []
        if self._automaton is None:
            import ahocorasick

            auto = ahocorasick.Automaton()
            for n in self.names:
                auto.add_word(n, len(n))
            auto.make_automaton()
            self._automaton = auto
        spans = sorted(((end - n + 1, end + 1) for end, n in self._automaton.iter(text)),
                       key=lambda s: (s[0], -(s[1] - s[0])))
        out: list[tuple[int, int]] = []
        for a, b in spans:  # leftmost, then longest, never overlapping
            if not out or a >= out[-1][1]:
                out.append((a, b))
        return out

    def cut(self, text: str) -> list[str]:
        spans = self._find(text)
        if not spans:
            return self.segmenter.cut(text)
        out: list[str] = []
        pos = 0
        for a, b in spans:
            if a > pos:
                out += self.segmenter.cut(text[pos:a])
            out.append(text[a:b])
            pos = b
        if pos < len(text):
            out += self.segmenter.cut(text[pos:])
        return out

    def words_of(self, text: str) -> list[str]:
        return [t for t in self.cut(text) if is_word(t)]


def with_names(segmenter: Any, documents: Sequence[Any]) -> NamedSegmenter:
    """``segmenter`` with the names of ``documents`` kept whole."""
    return NamedSegmenter(segmenter, names_of(documents))


def statistics_stopwords(stopwords: Iterable[str] | None = None, *, default_stopwords: bool = True,
                         names: Iterable[str] = (), drop_names: bool = False) -> frozenset[str]:
    """The words statistics ignore: the shipped list (unless ``default_stopwords=False``), the
    user's ``stopwords``, and with ``drop_names`` the documents' ``names``."""
    stop = (shipped_stopwords() if default_stopwords else frozenset()) | frozenset(stopwords or ())
    if drop_names:
        stop |= frozenset(names)
    return stop


def statistics_words(segmenter: Any, text: str, stop: Set[str]) -> list[str]:
    """The words of ``text`` that statistics count: ``STAT_WORD`` tokens not in ``stop``."""
    return [w for w in segmenter.words_of(text) if STAT_WORD.fullmatch(w) and w not in stop]
