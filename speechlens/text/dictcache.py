"""The on-disk cache of jieba's prefix dictionary with speechlens's words added: trusted only in
a folder this user owns that no one else may write to, checked against the dictionary it was
built from before use (a wrong or damaged file is rebuilt, never blamed on documents), and kept
to a few entries."""

from __future__ import annotations

import marshal
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Sequence

MAGIC = "speechlens-jieba-cache"
VERSION = 1
KEEP = 3  # cache files kept (one per distinct dictionary, about 9 MB each); the oldest go first


def trusted_folder(path: Path) -> Path | None:
    """``path`` made (mode 0700) or tightened to 0700 when this user owns it; None when another
    user owns it, or it cannot be made: files planted there are never read."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
        return None
    if st.st_mode & 0o077:
        try:
            os.chmod(path, 0o700)
        except OSError:
            return None
    return path


def _trusted_file(path: Path) -> bool:
    try:
        st = path.lstat()
    except OSError:
        return False
    mine = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return stat.S_ISREG(st.st_mode) and mine and not st.st_mode & 0o022


def load(path: Path, digest: str, words: Sequence[str]) -> tuple[dict[str, int], int] | None:
    """(FREQ, total) from a cache file built from the dictionary ``digest`` names, or None when
    the file is missing, not this user's, damaged, or built from something else."""
    if not _trusted_file(path):
        return None
    try:
        magic, version, built_from, freq, total = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if (magic, version, built_from) != (MAGIC, VERSION, digest) or not isinstance(freq, dict) \
            or not isinstance(total, int) or total <= 0 or any(w not in freq for w in words):
        return None
    try:
        os.utime(path)  # recently used: kept when older entries are evicted
    except OSError:
        pass
    return freq, total


def save(path: Path, digest: str, freq: dict[str, int], total: int) -> None:
    """Write the cache file whole (temporary file, then rename), then evict all but KEEP."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(marshal.dumps((MAGIC, VERSION, digest, freq, total)))
        os.replace(tmp, path)
    except OSError:  # a read-only cache folder only costs speed
        return
    evict(path.parent, keep=KEEP)


def evict(folder: Path, *, keep: int = KEEP) -> None:
    """Remove all but the ``keep`` most recently used speechlens cache files in ``folder``."""
    files = []
    for p in folder.glob("speechlens-jieba-*.cache"):
        try:
            files.append((p.stat().st_mtime, p))
        except OSError:
            pass
    for _, p in sorted(files, reverse=True)[keep:]:
        try:
            p.unlink()
        except OSError:
            pass


def private_tmp() -> Any:
    """A private temporary folder, for jieba's own cache when the cache folder is not trusted."""
    return tempfile.TemporaryDirectory(prefix="speechlens-")
