"""Batch inputs: folders, globs, JSONL and CSV exports as Items (id, source, payload), and
the one place a payload becomes what the Analyzer takes."""

from __future__ import annotations

import csv
import glob
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from speechlens.errors import SpeechlensError
from speechlens.pipeline.analysis import Failure, batched, size_hint
from speechlens.reading.exports import csv_rows, jsonl_rows, read_text_file
from speechlens.reading.loading import folder_files, read_document

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Item:
    """One document to analyse: a stable key (for resuming) and what to analyse."""

    key: str
    payload: Any  # a file (a Path), a ("file", path, metadata) triple, an (id, text, metadata) row or ("bad", why)
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
    if md:
        return Item(key=key, payload=("file", str(path), md), source=str(path))
    return Item(key=key, payload=path, source=str(path))


def _row_item(source: Path, n: int, row: Mapping[str, Any], text_column: str, id_column: str | None,
              metadata, key: str) -> Item:
    if text_column not in row:
        return Item(key=f"{key}:{n}:", payload=("bad", f"{source}:{n}: no {text_column!r} field (use --text-column)"),
                    source=f"{source}:{n}")
    rid = str(row.get(id_column) or "") if id_column else ""
    rid = rid or f"{source.name}:{n}"
    md = {k: v for k, v in row.items() if k not in (text_column, id_column) and v not in (None, "")}
    md.update(_meta_for(metadata, rid))
    text = row[text_column]
    return Item(key=f"{key}:{n}:{rid}", payload=(rid, text if isinstance(text, str) else "", md),
                source=f"{source}:{n}")


def _jsonl_items(path: Path, text_column: str, id_column: str | None, metadata, key: str) -> Iterator[Item]:
    for n, row in jsonl_rows(path):
        if isinstance(row, str):
            yield Item(key=f"{key}:{n}:", payload=("bad", row), source=f"{path}:{n}")
        else:
            yield _row_item(path, n, row, text_column, id_column, metadata, key)


def _csv_items(path: Path, text_column: str, id_column: str | None, metadata, key: str) -> Iterator[Item]:
    for n, row in csv_rows(path, text_column):
        if isinstance(row, str):
            yield Item(key=f"{key}:{n}:", payload=("bad", row), source=f"{path}:{n}")
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


def payload_input(payload: Any) -> Any:
    """What the Analyzer takes for one item's payload: a Document, a row, or a Failure."""
    if isinstance(payload, tuple) and payload and payload[0] == "bad":
        return Failure(id=None, path=None, error=payload[1])
    if isinstance(payload, tuple) and payload and payload[0] == "file":
        md = dict(payload[2])
        known = {k: md.pop(k) for k in ("unit", "role", "person", "year", "genre") if k in md}
        try:
            return read_document(payload[1], meta=md, **known)
        except SpeechlensError as exc:
            return Failure(id=Path(payload[1]).stem, path=payload[1], error=str(exc), metadata=md)
    return payload


def _item_size(item: Item) -> int:
    """About how many characters an item holds."""
    p = item.payload
    if isinstance(p, tuple) and p and p[0] in ("file", "bad"):
        return size_hint(p[1]) if p[0] == "file" else 0
    return size_hint(p)


def item_batches(items: Iterable[Item], jobs: int = 1) -> Iterator[list[Item]]:
    """Items in batches of about 60,000 characters (smaller first when several processes share them)."""
    return batched(items, _item_size, 60_000, max_items=500, ramp=jobs)
