"""Package data (dictionary, stopwords, lexicons) read through importlib.resources."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from speechlens.errors import ResourceError, SpeechlensError


def read_text(name: str) -> str:
    """Return the text of ``speechlens/data/<name>``; a missing file is a ResourceError."""
    try:
        return resources.files("speechlens").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        raise ResourceError(
            f"packaged resource speechlens/data/{name} is missing: reinstall speechlens"
        ) from exc


def read_user_text(path: str | os.PathLike[str], what: str,
                   error: type[SpeechlensError] = SpeechlensError) -> str:
    """The text of a file the user gives (a dictionary, a word list), read as UTF-8 (a BOM is
    dropped); a missing or unreadable file is one line of ``error`` naming the file and ``what`` it is."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read {what} as UTF-8 ({exc})") from None


def read_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a packaged word list."""
    out = []
    for line in read_text(name).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@lru_cache(maxsize=None)
def governance_terms() -> tuple[tuple[str, int | None], ...]:
    """The governance dictionary as (term, frequency or None) pairs, in file order."""
    return tuple(parse_dictionary_lines(read_lines("governance_terms.txt")))


@lru_cache(maxsize=None)
def stopwords() -> frozenset[str]:
    """Words ignored by statistics (keyness, word clouds, similarity), never for display."""
    return frozenset(read_lines("stopwords.txt"))


def parse_dictionary_lines(lines: list[str]) -> list[tuple[str, int | None]]:
    """Parse jieba-style dictionary lines ``word [freq] [tag]`` into (word, freq) pairs."""
    out: list[tuple[str, int | None]] = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        freq = None
        if len(parts) > 1 and parts[1].isdigit():
            freq = int(parts[1])
        out.append((parts[0], freq))
    return out
