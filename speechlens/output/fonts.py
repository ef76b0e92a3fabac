"""Finding a font that really draws Chinese (wordcloud's and matplotlib's defaults draw boxes).

Order: an explicit path, ``$SPEECHLENS_FONT``, fontconfig (``fc-match :lang=zh``), matplotlib's
font manager, then the font shipped by the optional extra ``speechlens[fonts]``. Every candidate
is checked: its character map must hold every character asked for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from speechlens.errors import SpeechlensError

SAMPLE = "发展民生安全党建乡镇述职问题"
HELP = ("no font with Chinese glyphs found: pass --font PATH, set SPEECHLENS_FONT, "
        "install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) or pip install 'speechlens[fonts]'")


class FontError(SpeechlensError):
    """No usable CJK font."""


@lru_cache(maxsize=64)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTCollection, TTFont

    try:
        if path.lower().endswith((".ttc", ".otc")):
            font = TTCollection(path).fonts[0]
        else:
            font = TTFont(path, lazy=True)
        return frozenset(font.getBestCmap() or {})
    except Exception:
        return frozenset()


def covers(path: str | os.PathLike[str], text: Iterable[str]) -> list[str]:
    """Characters of ``text`` (non-space) that the font at ``path`` has no glyph for."""
    cmap = _cmap(os.fspath(path))
    return sorted({c for c in "".join(text) if not c.isspace() and ord(c) not in cmap})


def find_font(explicit: str | os.PathLike[str] | None = None, *, needed: str = SAMPLE) -> str:
    """Path of a font that has glyphs for every character of ``needed`` (see the module doc)."""
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise FontError(f"{p}: font file not found")
        missing = covers(p, needed)
        if missing:
            raise FontError(f"{p}: font has no glyphs for {''.join(missing[:10])}; {HELP}")
        return str(p)
    env = os.environ.get("SPEECHLENS_FONT")
    if env:
        return find_font(env, needed=needed)
    for candidate in _candidates():
        if candidate and Path(candidate).is_file() and not covers(candidate, needed):
            return candidate
    raise FontError(HELP)


def _candidates() -> Iterable[str]:
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True,
                                 text=True, timeout=10).stdout.strip()
            yield out
        except (OSError, subprocess.SubprocessError):
            pass
    try:
        from matplotlib import font_manager

        for entry in font_manager.fontManager.ttflist:
            name = entry.name.lower()
            if any(k in name for k in ("cjk", "hei", "song", "kai", "ming", "wenquanyi", "wqy", "han sans",
                                       "han serif", "noto sans sc", "noto serif sc", "droid sans fallback")):
                yield entry.fname
    except ImportError:  # pragma: no cover - matplotlib comes with wordcloud
        pass
    yield from _extra_font()


def _extra_font() -> Iterable[str]:
    import importlib.util

    spec = importlib.util.find_spec("cvttf_NotoSansCJK_Regular")
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            for f in sorted(Path(loc).glob("*.otf")):
                yield str(f)
