"""Batch inputs: folders, globs, JSONL and CSV exports as Items (id, source, payload), and
the one place a payload becomes what the Analyzer takes."""

from __future__ import annotations

import csv
import glob
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, Union

from speechlens.errors import SpeechlensError
from speechlens.pipeline.results import Failure
from speechlens.pipeline.workers import batched
from speechlens.reading.inputs import size_hint, to_document
from speechlens.records import Document
from speechlens.reading.exports import csv_rows, jsonl_rows, read_text_file
from speechlens.reading.loading import folder_files, read_document

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


_KNOWN = ("unit", "role", "person", "year", "genre")  # metadata that are Document fields


@dataclass(frozen=True)
class FileInput:
    """A file to read, with the metadata a ``--metadata`` CSV gives it."""

    path: Path
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """The file name without its suffix."""
        return self.path.stem

    @property
    def size(self) -> int:
        """About how many characters the file holds (a third of its bytes)."""
        return size_hint(self.path)

    def document(self) -> Document:
        """The file read into a Document, its metadata filled in (raises SpeechlensError)."""
        md = dict(self.metadata)
        known = {k: md.pop(k) for k in _KNOWN if k in md}
        return read_document(self.path, meta=md, **known)


@dataclass(frozen=True)
class TextRow:
    """A row of a .jsonl/.csv export: its id, its text and its other fields as metadata."""

    id: str
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    path = None

    @property
    def size(self) -> int:
        """How many characters the row's text holds."""
        return len(self.text)

    def document(self) -> Document:
        """The row as a Document, made as the Analyzer makes it from an (id, text, metadata) row."""
        return to_document((self.id, self.text, dict(self.metadata)))


@dataclass(frozen=True)
class BadRow:
    """An export row that cannot be analysed (not JSON, no text field): why, as an error."""

    error: str
    id = None
    path = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    size = 0

    def document(self) -> Document:
        """Always raises: a bad row has no document."""
        raise SpeechlensError(self.error)


BatchInput = Union[FileInput, TextRow, BadRow]


@dataclass(frozen=True)
class Item:
    """One document to analyse: a stable key (for resuming), what to analyse, and where it came from."""

    key: str
    payload: BatchInput
    source: str


# -- inputs -----------------------------------------------------------------------------------
def iter_items(inputs: Sequence[str], *, text_column: str = "text", id_column: str | None = "id",
               metadata: Mapping[str, Mapping[str, Any]] | None = None,
               on_skip: Callable[[str], None] | None = None) -> Iterator[Item]:
    """Items from folders (recursive), globs, files, .jsonl and .csv exports, in a stable order.

    A file named twice (say by a folder and a glob) is read once. Memory grows with the number
    of files and exports named, never with the number of rows in an export. Entries of folders
    that are not read (see folder_files) are told to ``on_skip``.

    Keys (what --resume matches) do not depend on how an input was spelled: a file in a folder
    is keyed by the folder's name and its path inside it ("00/sub/a.txt" for arch/00, ./arch/00/
    or /abs/arch/00 alike), a glob's match by its path below the glob's fixed part, a file named
    outright by its name, an export's row by the export's key, row number and id. A key that
    two different files would share falls back to the later file's absolute path.
    """
    seen: set[str] = set()
    owners: dict[str, str] = {}

    def first_time(path: Path) -> bool:
        key = str(path.resolve())
        if key in seen:
            return False
        seen.add(key)
        return True

    def keyed(path: Path, key: str) -> str:
        real = str(path.resolve())
        if owners.setdefault(key, real) != real:
            return real
        return key

    def one_file(p: Path, key: str) -> Iterator[Item]:
        key = keyed(p, key)
        if p.is_file() and p.suffix.lower() == ".jsonl":
            yield from _jsonl_items(p, text_column, id_column, metadata, key)
        elif p.is_file() and p.suffix.lower() == ".csv":
            yield from _csv_items(p, text_column, id_column, metadata, key)
        else:  # a document, or named outright but no regular file (a FIFO): its record says so
            yield _file_item(p, metadata, key)

    def expand(spec: str) -> Iterator[Item]:
        p = Path(spec)
        if p.is_dir():
            root = p.resolve().name
            for f in folder_files(p, on_skip):
                if first_time(f):
                    yield _file_item(f, metadata, keyed(f, f"{root}/{f.relative_to(p).as_posix()}"))
        elif p.exists():
            if first_time(p):
                yield from one_file(p, p.name)
        else:
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                raise SpeechlensError(f"{spec}: no such file, folder or matching glob")
            base = _fixed_part(spec)
            for m in matches:
                mp = Path(m)
                if mp.is_file():
                    if first_time(mp):
                        yield from one_file(mp, os.path.relpath(mp, base).replace(os.sep, "/"))
                elif not mp.is_dir() and on_skip is not None:
                    on_skip(f"{m}: not a regular file")

    for spec in inputs:
        yield from expand(spec)


def _fixed_part(spec: str) -> str:
    """The folder a glob starts from: its path up to the first part holding a wildcard."""
    parts = Path(spec).parts
    fixed = []
    for part in parts[:-1]:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return str(Path(*fixed)) if fixed else "."


def _meta_for(metadata: Mapping[str, Mapping[str, Any]] | None, *keys: str) -> dict[str, Any]:
    if not metadata:
        return {}
    for k in keys:
        if k in metadata:
            return dict(metadata[k])
    return {}


def _file_item(path: Path, metadata, key: str) -> Item:
    md = _meta_for(metadata, str(path), path.name, path.stem)
    return Item(key=key, payload=FileInput(path, md), source=str(path))


def _row_item(source: Path, n: int, row: Mapping[str, Any], text_column: str, id_column: str | None,
              metadata, key: str) -> Item:
    if text_column not in row:
        return Item(key=f"{key}:{n}:", payload=BadRow(f"{source}:{n}: no {text_column!r} field (use --text-column)"),
                    source=f"{source}:{n}")
    rid = str(row.get(id_column) or "") if id_column else ""
    rid = rid or f"{source.name}:{n}"
    md = {k: v for k, v in row.items() if k not in (text_column, id_column) and v not in (None, "")}
    md.update(_meta_for(metadata, rid))
    text = row[text_column]
    return Item(key=f"{key}:{n}:{rid}", payload=TextRow(rid, text if isinstance(text, str) else "", md),
                source=f"{source}:{n}")


def _jsonl_items(path: Path, text_column: str, id_column: str | None, metadata, key: str) -> Iterator[Item]:
    for n, row in jsonl_rows(path):
        if isinstance(row, str):
            yield Item(key=f"{key}:{n}:", payload=BadRow(row), source=f"{path}:{n}")
        else:
            yield _row_item(path, n, row, text_column, id_column, metadata, key)


def _csv_items(path: Path, text_column: str, id_column: str | None, metadata, key: str) -> Iterator[Item]:
    for n, row in csv_rows(path, text_column):
        if isinstance(row, str):
            yield Item(key=f"{key}:{n}:", payload=BadRow(row), source=f"{path}:{n}")
        else:
            yield _row_item(path, n, row, text_column, id_column, metadata, key)


def read_metadata(path: str | Path) -> dict[str, dict[str, Any]]:
    """A metadata CSV keyed by its first column (id, file name or path)."""
    import io

    p = Path(path)
    if not p.exists():
        raise SpeechlensError(f"{p}: metadata file not found")
    reader = csv.DictReader(io.StringIO(read_text_file(p), newline=""))
    if not reader.fieldnames:
        raise SpeechlensError(f"{p}: empty metadata CSV")
    key = reader.fieldnames[0]
    try:
        return {row[key]: {k: v for k, v in row.items() if k != key and v not in (None, "")} for row in reader}
    except csv.Error as exc:
        raise SpeechlensError(f"{p}:{reader.line_num}: not valid CSV ({exc})") from None


def analyzer_input(inp: BatchInput) -> Any:
    """What the Analyzer takes for one batch input, decided here only: a file's Document (read
    here, so a file that cannot be read is a Failure in its place), a row as an (id, text,
    metadata) row, a bad row as its Failure."""
    if isinstance(inp, BadRow):
        return Failure(id=None, path=None, error=inp.error)
    if isinstance(inp, FileInput):
        md = dict(inp.metadata)
        known = {k: md.pop(k) for k in _KNOWN if k in md}
        try:
            return read_document(inp.path, meta=md, **known)
        except SpeechlensError as exc:
            return Failure(id=inp.id, path=str(inp.path), error=str(exc), metadata=md)
    return (inp.id, inp.text, dict(inp.metadata))


def failure_of(inp: BatchInput, error: str) -> Failure:
    """The Failure record of a batch input that never got a result (timed out, worker lost)."""
    return Failure(id=inp.id, path=None if inp.path is None else str(inp.path), error=error,
                   metadata=dict(inp.metadata))


def _item_size(item: Item) -> int:
    """About how many characters an item holds."""
    return item.payload.size


def item_batches(items: Iterable[Item], jobs: int = 1) -> Iterator[list[Item]]:
    """Items in batches of about 60,000 characters (smaller first when several processes share them)."""
    return batched(items, _item_size, 60_000, max_items=500, ramp=jobs)
