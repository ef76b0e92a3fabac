"""File to Document: which files are read (suffixes, folder walks), and reading one file or text
(decoding in ``decoding``, metadata in ``metadata``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from speechlens.records import Document
from speechlens.errors import DocumentError, UnsupportedFormatError
from speechlens.reading.decoding import decode_bytes, docx_text, max_bytes, read_limited, special_kind
from speechlens.reading.legacy import legacy_text
from speechlens.reading.metadata import make_document
from speechlens.reading.pdf import pdf_text
from speechlens.errors import SpeechlensError

TEXT_SUFFIXES = (".txt", ".text", ".md", "")
DOCX_SUFFIXES = (".docx",)
EXTRA_SUFFIXES = (".pdf", ".doc", ".wps")  # read by speechlens.reading.pdf and speechlens.reading.legacy
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + DOCX_SUFFIXES + EXTRA_SUFFIXES


def read_document(
    path: str | os.PathLike[str],
    *,
    unit: str | None = None,
    role: str | None = None,
    person: str | None = None,
    year: int | str | None = None,
    genre: str | None = None,
    id: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Document:
    """Read a .txt (UTF-8/16, GB18030/GBK, any BOM), .docx, .pdf (text layer), .doc or .wps file
    into a Document.

    Metadata comes from, in order of precedence: the keyword arguments, a front-matter
    block, a header line ("XX镇党委书记 张三 2023年度述职报告"), the file name.
    """
    p = Path(path)
    if p.is_dir():
        raise DocumentError(p, "is a folder, not a file")
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormatError(
            p, f"unsupported format {suffix!r}: speechlens reads .txt, .docx, .pdf, .doc and .wps files"
        )
    # Every file is checked (a regular file, within the size limit) and read without blocking.
    data = read_limited(p, max_bytes())
    if suffix in (".doc", ".wps"):
        text, encoding = legacy_text(p)
        return make_document(text, path=str(p), id=id or p.stem, encoding=encoding,
                             explicit={"unit": unit, "role": role, "person": person, "year": year,
                                       "genre": genre}, meta=meta, filename=p.name)
    if suffix in DOCX_SUFFIXES:
        text, encoding = docx_text(p, data), "docx"
    elif suffix == ".pdf":
        text, encoding = pdf_text(p, data), "pdf"
    else:
        text, encoding = decode_bytes(data, source=p)
    explicit = {"unit": unit, "role": role, "person": person, "year": year, "genre": genre}
    return make_document(
        text, path=str(p), id=id or p.stem, encoding=encoding, explicit=explicit, meta=meta,
        filename=p.name,
    )


def expand_paths(paths: Iterable[str | Path], on_skip: Callable[[str], None] | None = None) -> list[str]:
    """Files named, and the readable files inside folders named, in sorted order (entries of a
    folder that are passed over are told to ``on_skip``); ``-`` (standard input) is passed through."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if str(p) == "-":  # standard input
            out.append("-")
        elif path.is_dir():
            found = [str(f) for f in folder_files(path, on_skip)]
            if not found:
                raise SpeechlensError(f"{p}: folder holds no .txt, .docx, .pdf, .doc or .wps files")
            out.extend(found)
        elif not path.exists():
            raise SpeechlensError(f"{p}: no such file or folder")
        else:
            out.append(str(path))
    return out


def folder_files(folder: str | Path, on_skip: Callable[[str], None] | None = None) -> list[Path]:
    """The documents in ``folder`` and its sub-folders, sorted: files with a readable suffix, not
    hidden. Entries passed over are told to ``on_skip("path: reason")``: special files (FIFOs,
    devices, sockets), links to nothing, and sub-folders that cannot be listed."""
    found: list[Path] = []
    seen: set[str] = set()
    tell = on_skip or (lambda _: None)

    def unreadable(exc: OSError) -> None:
        tell(f"{exc.filename}: folder cannot be read ({exc.strerror or exc})")

    for dirpath, dirnames, filenames in os.walk(folder, onerror=unreadable, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a link back up the tree
            dirnames.clear()
            continue
        seen.add(real)
        dirnames.sort()
        base = Path(dirpath)
        for name in filenames:
            f = base / name
            if name.startswith(".") or not f.suffix or f.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            try:
                kind = special_kind(f.stat().st_mode)
            except FileNotFoundError:
                tell(f"{f}: link to nothing")
                continue
            except OSError as exc:
                tell(f"{f}: cannot be read ({exc.strerror or exc})")
                continue
            if kind is None:
                found.append(f)
            else:
                tell(f"{f}: {kind}, not a regular file")
    return sorted(found)


def document_from_text(
    text: str,
    *,
    unit: str | None = None,
    role: str | None = None,
    person: str | None = None,
    year: int | str | None = None,
    genre: str | None = None,
    id: str | None = None,
    path: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Document:
    """Wrap already-decoded text in a Document, reading front matter and header line."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    explicit = {"unit": unit, "role": role, "person": person, "year": year, "genre": genre}
    return make_document(
        text, path=path, id=id, encoding=None, explicit=explicit, meta=meta,
        filename=Path(path).name if path else None,
    )
