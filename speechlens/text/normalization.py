"""Length-preserving and span-local normalisation of text for analysis.

The original text is never changed. ``to_simplified`` maps traditional to simplified script
character for character, so an offset into its result is an offset into the original;
``clean_span`` removes PDF noise (hard line breaks inside words, stray page numbers,
pinyin glosses) from one sentence's text for the classifier, never for display.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

_local = threading.local()
_SURROGATE = re.compile("[\ud800-\udfff]")

FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}  # ０-９
FULLWIDTH.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
FULLWIDTH.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
FULLWIDTH.update({0xFF05: ord("%"), 0xFF0E: ord("."), 0xFF0D: ord("-"), 0x3000: ord(" ")})

_FULLWIDTH_ANY = re.compile("[" + "".join(map(chr, FULLWIDTH)) + "]")

_PINYIN = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
PINYIN_GLOSS = re.compile(rf"(?<=[\u4e00-\u9fff])\s?[(（][{_PINYIN}]+[1-5]?(?:\s[{_PINYIN}]+[1-5]?)*[)）]", re.I)
_GLOSS_OPEN = re.compile(rf"[(（][{_PINYIN}]", re.I)  # where a gloss can start
PAGE_LINE = re.compile(r"\n[ \t　]*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*共\s*\d+\s*页)?|\d{1,3})[ \t　]*(?=\n)")
INLINE_PAGE = re.compile(r"(?:^|\s)[-—–－]\s+\d{1,4}\s+[-—–－](?:\s|$)")
LINE_BREAK = re.compile(r"[ \t　]*\r?\n[ \t　]*")
CJK_SPACE = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[ \t　]+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")
# Anything clean_span might change: a break, space, bracket or full-width character, or a dash
# before a figure. One character class first (then looked back at), so the engine skips to it.
_NOISE_CHARS = "\n\r\t 　（(\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\uff0e\uff0d"
NOISE = re.compile(rf"[{_NOISE_CHARS}\-—–](?:(?<=[{_NOISE_CHARS}])|\s*\d)")


def _converter():
    conv = getattr(_local, "t2s", None)
    if conv is None:
        import opencc

        conv = opencc.OpenCC("t2s")
        _local.t2s = conv
    return conv


def to_simplified(text: str) -> str:
    """Traditional to simplified script, guaranteed the same length as ``text``.

    OpenCC converts by phrase; where a phrase changes length, that line is converted
    character by character instead, so offsets stay valid.
    """
    if not text or text.isascii():
        return text
    if _SURROGATE.search(text):
        # OpenCC needs valid UTF-8: convert around lone surrogates, then put them back.
        out = list(to_simplified(_SURROGATE.sub("\ufffd", text)))
        for m in _SURROGATE.finditer(text):
            out[m.start()] = m.group(0)
        return "".join(out)
    conv = _converter()
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    lines = text.split("\n")
    fixed = []
    for line in lines:
        c = conv.convert(line)
        if len(c) != len(line):
            c = "".join(_char_t2s(ch) for ch in line)
        fixed.append(c)
    return "\n".join(fixed)


@lru_cache(maxsize=4096)
def _char_t2s(ch: str) -> str:
    c = _converter().convert(ch)
    return c if len(c) == 1 else ch


def clean_span(span: str) -> str:
    """The analysis form of one sentence: no line breaks, page numbers or pinyin glosses."""
    if not NOISE.search(span):
        return span
    s = PAGE_LINE.sub("", "\n" + span + "\n")[1:-1] if "\n" in span else span
    # Each step runs only where its pattern can match: most noisy spans hold just a bracket.
    if "-" in s or "—" in s or "–" in s or "－" in s:
        s = INLINE_PAGE.sub(" ", s)
    if "\n" in s or "\r" in s:
        s = LINE_BREAK.sub("", s)
    if _GLOSS_OPEN.search(s):
        s = PINYIN_GLOSS.sub("", s)
    if " " in s or "\t" in s or "　" in s:
        s = CJK_SPACE.sub("", s)
    if _FULLWIDTH_ANY.search(s):
        s = s.translate(FULLWIDTH)
    return s.strip()
