"""Sentences, headings and enumerations, with offsets into the original text.

``split_sentences(text)`` returns Sentence spans such that ``text[s.start:s.end] == s.text``;
each knows the heading path of its section ("三、筑牢安全底线 / （一）抓好安全生产").
"""

from __future__ import annotations

import re
from typing import Iterator

from .document import Document, Sentence
from .normalization import clean_span, to_simplified

_CN_NUM = "一二三四五六七八九十"
# (level, pattern) for markers that open a line; the first match wins.
_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"[{_CN_NUM}]{{1,3}}[、.．]|第[{_CN_NUM}]{{1,3}}(?:部分|章|篇|节)[、，\s　]?")),
    (2, re.compile(rf"[（(][{_CN_NUM}]{{1,3}}[)）][、.．]?")),
    (3, re.compile(r"(?:\d{1,2}|[０-９]{1,2})(?:[、．]|\.(?![\d０-９]))")),
    (4, re.compile(r"[（(](?:\d{1,2}|[０-９]{1,2})[)）]|[⑴-⒇①-⑳⒈-⒛]")),
)
_INLINE_ENUM = re.compile(rf"(?:[{_CN_NUM}]是|[{_CN_NUM}]要|首先|其次|再次|此外|另外|还有(?=[，,])|第[{_CN_NUM}]，)")
_ENUM_SPLIT = re.compile(rf"(?<=[，,；;：:])\s*(?=[{_CN_NUM}]是|其次[，,]|再次[，,]|最后[，,])")
_TERMINATORS = "。！？!?；;…"
_CLOSERS = "”’」』）)》】\"'"
_SENT_END = re.compile(rf"(?:……|…|[。！？!?；;]+|(?<=[\u4e00-\u9fff])\.(?=[\u4e00-\u9fff\s]|$))[{re.escape(_CLOSERS)}]*")
_PAGE_ONLY = re.compile(r"[ \t　]*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*共\s*\d+\s*页)?|\d{1,3})[ \t　]*")
_TITLE_WORDS = ("报告", "讲话", "总结", "发言", "材料", "致辞")
_WS = " \t\r\n　\ufeff"


def marker_at(s: str) -> tuple[int, str] | None:
    """The heading/enumeration marker at the start of ``s`` as (level, marker), or None."""
    for level, pat in _MARKERS:
        m = pat.match(s)
        if m:
            return level, m.group(0)
    m = _INLINE_ENUM.match(s)
    if m:
        return 5, m.group(0)
    return None


def split_sentences(text: str, *, start: int = 0, simplified: str | None = None) -> list[Sentence]:
    """Split ``text[start:]`` into sentences and headings with offsets and section paths."""
    simp = simplified if simplified is not None else to_simplified(text)
    out: list[Sentence] = []
    path: list[tuple[int, str]] = []
    first = True
    top_blocks: list[list[int]] = []  # per top-level section: index of the first sentence of each paragraph
    for b_start, b_end, kind in _blocks(text, start):
        block = text[b_start:b_end]
        if kind == "text" and path and path[0][0] == 1 and top_blocks:
            top_blocks[-1].append(len(out))
        if kind == "heading":
            m = marker_at(block)
            level = m[0] if m and m[0] <= 4 else 1
            if first and not m and any(w in block for w in _TITLE_WORDS):
                out.append(_make(text, simp, b_start, b_end, None, True, None, len(out)))
                first = False
                continue
            path = [p for p in path if p[0] < level] + [(level, block.strip(_WS))]
            if level == 1:
                top_blocks.append([])
            out.append(_make(text, simp, b_start, b_end, _path(path), True,
                             m[1] if m else None, len(out)))
            first = False
            continue
        if kind == "noise":
            out.append(_make(text, simp, b_start, b_end, _path(path), False, None, len(out)))
            continue
        first = False
        spans = list(_sentence_spans(text, b_start, b_end))
        m = marker_at(block)
        if m and m[0] <= 4 and len(spans) > 1:
            h_start, h_end = spans[0]
            if len(text[h_start:h_end]) - len(m[1]) <= 30:
                level = m[0]
                path = [p for p in path if p[0] < level] + [(level, text[h_start:h_end].strip(_WS))]
                out.append(_make(text, simp, h_start, h_end, _path(path), True, m[1], len(out)))
                spans = spans[1:]
        for s_start, s_end in spans:
            for i_start, i_end in _enumeration_items(text, s_start, s_end):
                mk = marker_at(text[i_start:i_end])
                out.append(_make(text, simp, i_start, i_end, _path(path), False,
                                 mk[1] if mk else None, len(out)))
    return _closing_remarks(out, top_blocks)


def _closing_remarks(out: list[Sentence], top_blocks: list[list[int]]) -> list[Sentence]:
    """Paragraphs after the last numbered part are closing remarks, not part of it.

    Speeches end with remarks that follow the last numbered part without a heading of their own.
    When the last top-level part holds more paragraphs than any earlier part, the paragraphs
    beyond that count are taken as closing remarks and belong to no section.
    """
    if len(top_blocks) < 3:
        return out
    usual = max(len(b) for b in top_blocks[:-1])
    last = top_blocks[-1]
    if usual == 0 or len(last) <= usual:
        return out
    from dataclasses import replace

    cut = last[usual]
    return out[:cut] + [replace(s, section=None) for s in out[cut:]]


def sentences_of(doc: Document) -> list[Sentence]:
    """Sentences of a Document's body (front matter excluded)."""
    return split_sentences(doc.text, start=doc.body_start)


def _path(path: list[tuple[int, str]]) -> str | None:
    return " / ".join(p[1].rstrip(_TERMINATORS + "：:") for p in path) if path else None


def _make(text: str, simp: str, start: int, end: int, section: str | None,
          heading: bool, marker: str | None, index: int) -> Sentence:
    while start < end and text[start] in _WS:
        start += 1
    while end > start and text[end - 1] in _WS:
        end -= 1
    return Sentence(start=start, end=end, text=text[start:end], norm=clean_span(simp[start:end]),
                    section=section, is_heading=heading, marker=marker, index=index)


def _lines(text: str, start: int) -> list[tuple[int, int]]:
    out = []
    pos = start
    n = len(text)
    while pos < n:
        nl = text.find("\n", pos)
        if nl == -1:
            nl = n
        out.append((pos, nl))
        pos = nl + 1
    return out


def _is_heading_line(line: str) -> bool:
    s = line.strip(_WS)
    if not s or len(s) > 40:
        return False
    if s[-1] in _TERMINATORS + "：:，,、" or s[-1] in _CLOSERS and len(s) > 1 and s[-2] in _TERMINATORS:
        return False
    m = marker_at(s)
    if m and m[0] <= 4:
        return not _SENT_END.search(s)
    if m:
        return False
    return len(s) <= 24 and not _SENT_END.search(s)


def _blocks(text: str, start: int) -> Iterator[tuple[int, int, str]]:
    """Paragraph blocks: hard-wrapped lines joined, page-number lines skipped, headings apart."""
    lines = [(a, b) for a, b in _lines(text, start)]
    i = 0
    n = len(lines)
    while i < n:
        a, b = lines[i]
        line = text[a:b]
        if not line.strip(_WS):
            i += 1
            continue
        if _PAGE_ONLY.fullmatch(line):
            yield a, b, "noise"
            i += 1
            continue
        if _is_heading_line(line) and not _continues(text, lines, i):
            yield a, b, "heading"
            i += 1
            continue
        end = b
        j = i
        while True:
            k = j + 1
            while k < n and _PAGE_ONLY.fullmatch(text[lines[k][0]:lines[k][1]]) and text[lines[k][0]:lines[k][1]].strip(_WS):
                k += 1
            if k >= n or not _soft_break(text[lines[j][0]:lines[j][1]], text[lines[k][0]:lines[k][1]]):
                break
            j = k
            end = lines[j][1]
        yield a, end, "text"
        i = j + 1


def _continues(text: str, lines: list[tuple[int, int]], i: int) -> bool:
    """A short line that a PDF wrapped in mid-sentence is not a heading."""
    line = text[lines[i][0]:lines[i][1]].strip(_WS)
    if marker_at(line):
        return False
    if i + 1 < len(lines):
        nxt = text[lines[i + 1][0]:lines[i + 1][1]]
        return len(line) >= 18 and _soft_break(line, nxt)
    return False


def _soft_break(line: str, nxt: str) -> bool:
    """Whether the line break between ``line`` and ``nxt`` is a hard wrap inside a sentence."""
    cur = line.rstrip(_WS)
    follow = nxt.strip(_WS)
    if not cur or not follow:
        return False
    if cur[-1] in _TERMINATORS + "：:" or (cur[-1] in _CLOSERS and len(cur) > 1 and cur[-2] in _TERMINATORS):
        return False
    if marker_at(follow):
        return False
    return len(cur.strip(_WS)) >= 18


def _sentence_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    for m in _SENT_END.finditer(text, start, end):
        s_end = m.end()
        if text[pos:s_end].strip(_WS + _TERMINATORS + _CLOSERS):
            yield pos, s_end
            pos = s_end
        elif pos == start and text[pos:s_end].strip(_WS):
            # A block that opens with stray punctuation keeps it in its first sentence.
            continue
    if text[pos:end].strip(_WS):
        yield pos, end


def _enumeration_items(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Split a sentence holding 一是……，二是…… into one span per item."""
    seg = text[start:end]
    if "是" not in seg and "其次" not in seg and "再次" not in seg:
        yield start, end
        return
    cuts = [m.start() for m in _ENUM_SPLIT.finditer(seg)]
    if not cuts:
        yield start, end
        return
    prev = 0
    for c in cuts:
        if seg[prev:c].strip(_WS + "，,；;：:"):
            yield start + prev, start + c
            prev = c
    yield start + prev, end
