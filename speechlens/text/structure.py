"""Sentences, headings and enumerations, with offsets into the original text.

``split_sentences(text)`` returns Sentence spans such that ``text[s.start:s.end] == s.text``;
each knows the heading path of its section ("三、筑牢安全底线 / （一）抓好安全生产").
"""

from __future__ import annotations

import re
from typing import Any

from speechlens.records import Document, Sentence
from speechlens.text.normalization import NOISE, clean_span, to_simplified

_CN_NUM = "一二三四五六七八九十"
# (level, pattern) for markers that open a line; the first match wins.
MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"[{_CN_NUM}]{{1,3}}[、.．]|第[{_CN_NUM}]{{1,3}}(?:部分|章|篇|节)[、，\s　]?")),
    (2, re.compile(rf"[（(][{_CN_NUM}]{{1,3}}[)）][、.．]?")),
    (3, re.compile(r"(?:\d{1,2}|[０-９]{1,2})(?:[、．]|\.(?![\d０-９]))")),
    (4, re.compile(r"[（(](?:\d{1,2}|[０-９]{1,2})[)）]|[⑴-⒇①-⑳⒈-⒛]")),
)
INLINE_ENUM = re.compile(rf"(?:[{_CN_NUM}]是|[{_CN_NUM}]要|首先|其次|再次|此外|另外|还有(?=[，,])|第[{_CN_NUM}]，)")
_ENUM_SPLIT = re.compile(rf"(?<=[，,；;：:])\s*(?=[{_CN_NUM}]是|其次[，,]|再次[，,]|最后[，,])")
# _ENUM_SPLIT with its comma matched instead of looked back at, so the engine skips to it: wherever
# _ENUM_SPLIT cuts a sentence at i, this matches at i - 1 in the whole text. sentence_table uses it
# only to find the sentences worth handing to enumeration_items.
_ENUM_CUT = re.compile(rf"[，,；;：:]\s*(?=[{_CN_NUM}]是|其次[，,]|再次[，,]|最后[，,])")
TERMINATORS = "。！？!?；;…"
_ENDS_LINE = TERMINATORS + "：:"  # a line ending in one of these never runs on to the next
CLOSERS = "”’」』）)》】\"'"
# A sentence ends at …… or …, a run of 。！？；, or a full stop between Chinese characters, with
# any closing quotes. Written to open with one character class (then checked by looking back at
# it), which lets the regex engine skip to candidates: four times faster than the alternation.
SENT_END = re.compile(rf"[…。！？!?；;.](?:(?<=…)…?|(?<=[。！？!?；;])[。！？!?；;]*|"
                       rf"(?<=[\u4e00-\u9fff]\.)(?=[\u4e00-\u9fff\s]|$))[{re.escape(CLOSERS)}]*")
PAGE_ONLY = re.compile(r"[ \t　]*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*共\s*\d+\s*页)?|\d{1,3})[ \t　]*")
TITLE_WORDS = ("报告", "讲话", "总结", "发言", "材料", "致辞")
WS = " \t\r\n　\ufeff"


_MARKER_ANY = re.compile("|".join(f"(?P<m{level}>{pat.pattern})" for level, pat in MARKERS)
                         + f"|(?P<m5>{INLINE_ENUM.pattern})")


# Every marker starts with one of these characters (or a decimal digit, which ``\d`` matches).
_MARKER_FIRST = frozenset(_CN_NUM + "第（(首其再此另还" + "".join(chr(c) for c in range(0x2460, 0x249C)))


def marker_at(s: str) -> tuple[int, str] | None:
    """The heading/enumeration marker at the start of ``s`` as (level, marker), or None."""
    return _marker_in(s, 0, len(s))


def _marker_in(text: str, start: int, end: int) -> tuple[int, str] | None:
    """``marker_at(text[start:end])`` without the copy."""
    if start >= end or (text[start] not in _MARKER_FIRST and not text[start].isdecimal()):
        return None
    m = _MARKER_ANY.match(text, start, end)
    if m is None:
        return None
    return int(m.lastgroup[1:]), m.group(0)  # type: ignore[index]


class SentenceTable:
    """The sentences of one text as parallel columns; ``sentence(i)`` builds a Sentence.

    The pipeline passes this around instead of thousands of small objects; ``norms`` are the
    analysis forms, ``sections`` the heading paths, ``markers`` the enumeration markers.
    """

    _COLUMNS = ("starts", "ends", "norms", "sections", "headings", "markers")

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.norms: list[str] = []
        self.sections: list[str | None] = []
        self.headings: list[bool] = []
        self.markers: list[str | None] = []

    def __len__(self) -> int:
        packed = self.__dict__.get("_packed")
        return len(packed["starts"]) if packed is not None else len(self.starts)

    def __getstate__(self) -> dict[str, Any]:
        # Compact for the trip from worker processes: a few arrays, not 10^4 objects; the
        # norms are recomputed from the text on first use.
        from array import array

        names: dict[str | None, int] = {}
        return {"text": self.text, "starts": array("q", self.starts), "ends": array("q", self.ends),
                "sections": array("q", [names.setdefault(x, len(names)) for x in self.sections]),
                "section_names": list(names), "headings": bytes(self.headings),
                "markers": {i: m for i, m in enumerate(self.markers) if m is not None}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.text = state["text"]
        self._packed = state  # unpacked on first use: a batch's parent process may never need it

    def __getattr__(self, name: str) -> Any:  # only called for attributes not set
        packed = self.__dict__.get("_packed")
        if packed is None or name not in self._COLUMNS:
            raise AttributeError(name)
        self._unpack(packed)
        return getattr(self, name)

    def _unpack(self, state: dict[str, Any]) -> None:
        n = len(state["starts"])
        self.starts = state["starts"].tolist()
        self.ends = state["ends"].tolist()
        simp = to_simplified(self.text) if n else ""
        self.norms = [clean_span(simp[a:b]) for a, b in zip(self.starts, self.ends)]  # as _add made them
        names = state["section_names"]
        self.sections = [names[k] for k in state["sections"]]
        self.headings = [bool(b) for b in state["headings"]]
        markers = state["markers"]
        self.markers = [markers.get(i) for i in range(n)]
        del self.__dict__["_packed"]

    def sentence(self, i: int) -> Sentence:
        a, b = self.starts[i], self.ends[i]
        return Sentence(start=a, end=b, text=self.text[a:b], norm=self.norms[i], section=self.sections[i],
                        is_heading=self.headings[i], marker=self.markers[i], index=i)

    def sentences(self) -> list[Sentence]:
        return [self.sentence(i) for i in range(len(self.starts))]

    def _add(self, simp: str, start: int, end: int, section: str | None, heading: bool,
             marker: str | None) -> None:
        text = self.text
        if start < end and (text[start] in WS or text[end - 1] in WS):
            seg = text[start:end]
            stripped = seg.lstrip(WS)
            start += len(seg) - len(stripped)
            end = start + len(stripped.rstrip(WS))
        self.starts.append(start)
        self.ends.append(end)
        self.norms.append(clean_span(simp[start:end]))
        self.sections.append(section)
        self.headings.append(heading)
        self.markers.append(marker)


def split_sentences(text: str, *, start: int = 0, simplified: str | None = None) -> list[Sentence]:
    """Split ``text[start:]`` into sentences and headings with offsets and section paths."""
    return sentence_table(text, start=start, simplified=simplified).sentences()


def sentence_table(text: str, *, start: int = 0, simplified: str | None = None) -> SentenceTable:
    """``split_sentences`` as columns (see SentenceTable).

    Sentence ends and enumeration cuts are found by one scan of the whole text, and the columns
    of a paragraph's sentences written here rather than through ``_add``: the table is built once
    per document on every path, and per-block scans and calls were a sixth of ``pipe``.
    tests/test_structure_tables.py holds the plain block-by-block definition it must equal.
    """
    simp = simplified if simplified is not None else to_simplified(text)
    tab = SentenceTable(text)
    add = tab._add
    t_starts = tab.starts
    append_start, append_end, append_norm = t_starts.append, tab.ends.append, tab.norms.append
    append_section, append_heading, append_marker = tab.sections.append, tab.headings.append, tab.markers.append
    noise, marker_match = NOISE.search, _MARKER_ANY.match
    # One scan of the whole text each for sentence ends and for places an enumeration may be cut:
    # no match holds a line break and blocks are whole lines, so a block's matches are the ones
    # sentence_spans would find in it; every cut enumeration_items makes is among ``cuts``.
    sent_ends = [m.end() for m in SENT_END.finditer(text, start)]
    sent_ends.append(len(text) + 1)
    cuts = [m.start() + 1 for m in _ENUM_CUT.finditer(text, start)]
    cuts.append(len(text) + 1)
    k = q = 0
    path: list[tuple[int, str]] = []
    section: str | None = None
    first = True
    top_blocks: list[list[int]] = []  # per top-level section: index of the first sentence of each paragraph
    for b_start, b_end, kind in _blocks(text, start):
        if kind == "text" and path and path[0][0] == 1 and top_blocks:
            top_blocks[-1].append(len(t_starts))
        if kind == "heading":
            block = text[b_start:b_end]
            m = marker_at(block)
            level = m[0] if m and m[0] <= 4 else 1
            if first and not m and any(w in block for w in TITLE_WORDS):
                add(simp, b_start, b_end, None, True, None)
                first = False
                continue
            path = [p for p in path if p[0] < level] + [(level, block.strip(WS))]
            section = section_path(path)
            if level == 1:
                top_blocks.append([])
            add(simp, b_start, b_end, section, True, m[1] if m else None)
            first = False
            continue
        if kind == "noise":
            add(simp, b_start, b_end, section, False, None)
            continue
        first = False
        # sentence_spans(text, b_start, b_end) over the matches found above
        while sent_ends[k] <= b_start:
            k += 1
        spans = []
        pos = seen = b_start
        s_end = sent_ends[k]
        while s_end <= b_end:
            if text[seen:s_end].strip(SPAN_STRIP):  # else nothing but punctuation: joins the next
                spans.append((pos, s_end))
                pos = s_end
            seen = s_end
            k += 1
            s_end = sent_ends[k]
        if text[pos:b_end].strip(WS):
            spans.append((pos, b_end))
        if len(spans) > 1:
            m = _marker_in(text, b_start, b_end)
            if m and m[0] <= 4:
                h_start, h_end = spans[0]
                if h_end - h_start - len(m[1]) <= 30:
                    level = m[0]
                    path = [p for p in path if p[0] < level] + [(level, text[h_start:h_end].strip(WS))]
                    section = section_path(path)
                    add(simp, h_start, h_end, section, True, m[1])
                    spans = spans[1:]
        for s_start, s_end in spans:
            while cuts[q] <= s_start:
                q += 1
            items = enumeration_items(text, s_start, s_end) if cuts[q] < s_end else ((s_start, s_end),)
            for i_start, i_end in items:
                # _marker_in and _add, written out: this runs once per sentence
                c = text[i_start]
                mk = None
                if c in _MARKER_FIRST or c.isdecimal():
                    mm = marker_match(text, i_start, i_end)
                    if mm is not None:
                        mk = mm.group(0)
                if c in WS or text[i_end - 1] in WS:
                    seg = text[i_start:i_end]
                    stripped = seg.lstrip(WS)
                    i_start += len(seg) - len(stripped)
                    i_end = i_start + len(stripped.rstrip(WS))
                append_start(i_start)
                append_end(i_end)
                norm = simp[i_start:i_end]
                append_norm(clean_span(norm) if noise(simp, i_start, i_end) else norm)
                append_section(section)
                append_heading(False)
                append_marker(mk)
    closing_remarks(tab, top_blocks)
    return tab


def closing_remarks(tab: SentenceTable, top_blocks: list[list[int]]) -> None:
    """Paragraphs after the last numbered part are closing remarks, not part of it.

    Speeches end with remarks that follow the last numbered part without a heading of their own.
    When the last top-level part holds more paragraphs than any earlier part, the paragraphs
    beyond that count are taken as closing remarks and belong to no section, except that an
    enumeration (一是……二是……, （一）, 1.) runs on to its last item: a long list of problems
    as the last part is no closing remark.
    """
    if len(top_blocks) < MIN_TOP_PARTS:
        return
    usual = max(len(b) for b in top_blocks[:-1])
    last = top_blocks[-1]
    if usual == 0 or len(last) <= usual:
        return
    items = [k for k, first in enumerate(last) if first < len(tab) and tab.markers[first] is not None]
    keep = max(usual, items[-1] + 1 if items else 0)
    if keep >= len(last):
        return
    cut = last[keep]
    tab.sections[cut:] = [None] * (len(tab) - cut)


def sentences_of(doc: Document) -> list[Sentence]:
    """Sentences of a Document's body (front matter excluded)."""
    return split_sentences(doc.text, start=doc.body_start)


def table_of(doc: Document) -> SentenceTable:
    """``sentences_of`` as columns."""
    return sentence_table(doc.text, start=doc.body_start)


def section_path(path: list[tuple[int, str]]) -> str | None:
    return " / ".join(p[1].rstrip(TERMINATORS + "：:") for p in path) if path else None


# The loose numbers of sentence and heading splitting, named.
HEADING_MAX_CHARS = 40       # a longer line is never a heading
BARE_HEADING_MAX_CHARS = 24  # a heading without an enumeration marker is at most this long
TOP_MARKER_LEVEL = 4         # a line opened by an enumeration marker of level 1-4 (see MARKERS) may be a heading
WRAPPED_LINE_CHARS = 18      # a line at least this long that breaks mid-sentence was wrapped (PDF)
MIN_TOP_PARTS = 3            # closing remarks are looked for only in a text of at least this many parts


def _heading_line_at(lines: list[str], i: int) -> bool:
    """Whether line ``i`` is a heading: short, no sentence end, and a bare one not the first
    part of a long line a PDF wrapped in mid-sentence."""
    s = lines[i].strip(WS)
    if not s or len(s) > HEADING_MAX_CHARS:
        return False
    if s[-1] in TERMINATORS + "：:，,、" or s[-1] in CLOSERS and len(s) > 1 and s[-2] in TERMINATORS:
        return False
    m = marker_at(s)
    if m:
        return m[0] <= TOP_MARKER_LEVEL and not SENT_END.search(s)
    if len(s) > BARE_HEADING_MAX_CHARS or SENT_END.search(s):
        return False
    return not (i + 1 < len(lines) and len(s) >= WRAPPED_LINE_CHARS and soft_break(s, lines[i + 1]))


def _blocks(text: str, start: int) -> list[tuple[int, int, str]]:
    """Paragraph blocks: hard-wrapped lines joined, page-number lines skipped, headings apart."""
    n_text = len(text)
    if start >= n_text:
        return []
    lines = text[start:].split("\n")
    firsts = []  # where each line starts in text
    pos = start
    for line in lines:
        firsts.append(pos)
        pos += len(line) + 1
    if firsts[-1] == n_text:  # text ends with a line break: no line after it
        lines.pop()
        firsts.pop()
    out = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        cur = line.rstrip(WS)
        if not cur:
            i += 1
            continue
        a = firsts[i]
        if cur[-1] in _ENDS_LINE:
            # The common line: ends a sentence, so it is no heading, no page number and
            # never continues on the next line (see _heading_line_at, soft_break).
            out.append((a, a + len(line), "text"))
            i += 1
            continue
        if PAGE_ONLY.fullmatch(line):
            out.append((a, a + len(line), "noise"))
            i += 1
            continue
        if _heading_line_at(lines, i):
            out.append((a, a + len(line), "heading"))
            i += 1
            continue
        j = i
        while True:
            k = j + 1
            while k < n and PAGE_ONLY.fullmatch(lines[k]) and lines[k].strip(WS):
                k += 1
            if k >= n or not soft_break(lines[j], lines[k]):
                break
            j = k
        out.append((a, firsts[j] + len(lines[j]), "text"))
        i = j + 1
    return out


def soft_break(line: str, nxt: str) -> bool:
    """Whether the line break between ``line`` and ``nxt`` is a hard wrap inside a sentence."""
    cur = line.rstrip(WS)
    follow = nxt.strip(WS)
    if not cur or not follow:
        return False
    if cur[-1] in _ENDS_LINE or (cur[-1] in CLOSERS and len(cur) > 1 and cur[-2] in TERMINATORS):
        return False
    if marker_at(follow):
        return False
    return len(cur.strip(WS)) >= WRAPPED_LINE_CHARS


SPAN_STRIP = WS + TERMINATORS + CLOSERS


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``; a span of nothing but punctuation joins the next
    (so a block that opens with stray punctuation keeps it in its first sentence)."""
    out = []
    pos = start  # where the open span starts
    seen = start  # how far the open span has been looked at
    content = False  # whether text[pos:seen] holds more than punctuation
    for m in SENT_END.finditer(text, start, end):
        s_end = m.end()
        # Only the stretch since the last match is new: looking again at the whole open span
        # would make a run of bare punctuation ("。 。 。", "……", "”。") quadratic.
        content = content or bool(text[seen:s_end].strip(SPAN_STRIP))
        seen = s_end
        if content:
            out.append((pos, s_end))
            pos = s_end
            content = False
    if text[pos:end].strip(WS):
        out.append((pos, end))
    return out


def enumeration_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a sentence holding 一是……，二是…… into one span per item."""
    seg = text[start:end]
    if "是" not in seg and "其次" not in seg and "再次" not in seg:
        return [(start, end)]
    cuts = [m.start() for m in _ENUM_SPLIT.finditer(seg)]
    if not cuts:
        return [(start, end)]
    out = []
    prev = 0
    for c in cuts:
        if seg[prev:c].strip(_ITEM_STRIP):
            out.append((start + prev, start + c))
            prev = c
    out.append((start + prev, end))
    return out


_ITEM_STRIP = WS + "，,；;：:"
