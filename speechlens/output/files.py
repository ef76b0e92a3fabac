"""Writing outputs without destroying anything: an output is never one of the inputs, an existing
file is replaced only when asked (``overwrite``), and every file appears whole or not at all
(written to a temporary file beside it, then renamed over it)."""

from __future__ import annotations

from typing import Any

import contextlib
import glob
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from speechlens.errors import MissingDependencyError, SpeechlensError


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def clashes_with_input(output: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]],
                       picked_up: Iterable[str] = ()) -> str | None:
    """The input that ``output`` would destroy or be read as, or None.

    ``inputs`` are files, folders or globs as given on the command line; ``picked_up`` are the
    suffixes of the files a folder contributes (an output with such a suffix inside an input
    folder would be read as an input by the next run).
    """
    out = Path(output)
    suffixes = {s.lower() for s in picked_up}
    for spec in inputs:
        p = Path(spec)
        if p.is_dir():
            if _inside(out, p) and out.suffix.lower() in suffixes and not out.name.startswith("."):
                return str(p)
            continue
        candidates = [p] if p.exists() else [Path(m) for m in glob.glob(str(spec), recursive=True)]
        for c in candidates:
            if c.resolve() == out.resolve() or _same(c, out):
                return str(c)
    return None


def check_output(output: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = (), *,
                 overwrite: bool = False, picked_up: Iterable[str] = ()) -> Path:
    """Refuse an output that is one of the inputs, or that exists when ``overwrite`` is off.

    Call it before any work, so that a run that cannot write its result fails at once.
    """
    out = Path(output)
    clash = clashes_with_input(out, inputs, picked_up)
    if clash is not None:
        raise SpeechlensError(f"{out}: the output is also an input ({clash}); choose another output file")
    if out.is_dir():
        raise SpeechlensError(f"{out}: is a folder; name a file to write")
    if out.exists() and not overwrite:
        raise SpeechlensError(f"{out} exists: add --overwrite to replace it, or choose another output file")
    parent = out.parent if str(out.parent) else Path(".")
    if parent.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise SpeechlensError(f"{out}: cannot write into {parent} (permission denied)")
    return out


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path`` (same suffix, so writers that go by it still do); on a
    clean exit it replaces ``path`` in one rename, on an error it is removed."""
    target = Path(path)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=parent)
    except OSError as exc:
        raise SpeechlensError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SpeechlensError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all."""
    with atomic_path(path) as tmp:
        # backslashreplace: a file name that is not UTF-8 (kept as lone surrogates) or a lone
        # surrogate from an input is written as \udcb0, displayable and, inside JSON, exact.
        with open(tmp, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())


def displayable(text: str) -> str:
    """``text`` as it can be written as UTF-8: lone surrogates (from file names that are not
    UTF-8, or from JSON inputs) become their escapes (\udcb0)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def file_name_part(name: str, limit: int = 40) -> str:
    """``name`` (a unit, from the input) as part of a file name: no folder separators, no control
    or reserved characters, at most ``limit`` characters; never empty."""
    import re

    cleaned = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "_", displayable(name)).strip(" ._")
    return cleaned[:limit].rstrip(" ._") or "unit"


# Control characters (ESC starts ANSI colour and OSC title sequences) and the bidirectional
# overrides that reorder what a terminal shows; line breaks and tabs stay.
_UNPRINTABLE = None


def printable(text: str) -> str:
    """``text`` safe to show on a terminal: control characters (but line breaks and tabs) and
    bidirectional overrides removed, so input cannot recolour, retitle or reorder the screen."""
    global _UNPRINTABLE
    if _UNPRINTABLE is None:
        import re

        _UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
    return _UNPRINTABLE.sub("", text)


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...), =cmd|...).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a string that starts like a formula gets a leading
    apostrophe (the usual spreadsheet-safe export); other values are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(row: dict[str, object]) -> dict[str, object]:
    """``csv_cell`` applied to every cell of a row."""
    return {k: csv_cell(v) for k, v in row.items()}


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike[str], *, what: str = "output") -> Iterator[Path]:
    """Hold an exclusive lock on ``path`` + ".lock" (which records this process's id) for the
    block; a second holder is refused at once with an error naming the process that holds it.

    The lock is the operating system's (``fcntl.flock``), so a process killed outright releases
    it; the lock file stays behind and means nothing while no one holds it.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: run without a lock
        yield Path(str(path) + ".lock")
        return
    lock_path = Path(str(path) + ".lock")
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise SpeechlensError(f"{lock_path}: cannot create the lock file ({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise SpeechlensError(
                f"{path}: another speechlens process (pid {holder}) is writing this {what}; wait for it "
                f"to finish or stop it (its lock: {lock_path})") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the file was replaced while we waited for it: lock the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield lock_path
    finally:
        os.close(fd)


def require_pyarrow() -> Any:
    """The pyarrow module (with parquet), or an error naming the extra to install."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise MissingDependencyError("pyarrow", "parquet", "writing Parquet") from None
    return pyarrow
