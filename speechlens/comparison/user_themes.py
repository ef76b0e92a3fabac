"""Extra themes defined by the user's dictionary, reported beside the four trained ones.

A file has one theme a line: its name, a colon, and its words (separated by spaces, commas or
、), e.g. ``生态环保: 污水 垃圾分类 河长制 生态``. A sentence belongs to a theme when it contains
one of its words (in simplified script); a document's share of the theme is the characters of
its body sentences that do, over all its body characters. No model is retrained: these are
word lists, and the shares say so (they need not sum to anything).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping, Sequence

from speechlens.errors import SpeechlensError
from speechlens.resources import read_user_text
from speechlens.text.normalization import to_simplified

_SEP = re.compile(r"[\s,，、;；]+")


def read_user_themes(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Themes of a dictionary file (``name: word word …`` per line, # comments)."""
    text = read_user_text(path, "theme dictionary")
    themes: dict[str, tuple[str, ...]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, colon, words = line.replace("：", ":").partition(":")
        found = tuple(dict.fromkeys(to_simplified(w) for w in _SEP.split(words) if w))
        if not colon or not name.strip() or not found:
            raise SpeechlensError(f"{path}:{n}: write a theme as 'name: word word ...'")
        themes[name.strip()] = found
    if not themes:
        raise SpeechlensError(f"{path}: no themes in the dictionary")
    return themes


def user_theme_shares(analysis: Any, themes: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """Each user theme's share of the document's body characters (sentences naming its words)."""
    body = [t.sentence.norm for t in analysis.sentences if not t.sentence.is_heading]
    total = sum(len(s) for s in body)
    out = {}
    for name, words in themes.items():
        hit = sum(len(s) for s in body if any(w in s for w in words))
        out[name] = round(hit / total, 4) if total else 0.0
    return out
