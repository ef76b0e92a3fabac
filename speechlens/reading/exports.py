"""Reading .jsonl and .csv exports row by row, decoded like documents: the encoding is detected
(UTF-8 with or without BOM, UTF-16 with BOM, GB18030/GBK, ...), and a row that cannot be read (bytes
not in that encoding, bad JSON, an unterminated CSV quote that swallowed the lines after it)
comes out as an error instead of stopping the export or merging rows."""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path
from typing import Any, Iterator

from speechlens.errors import SpeechlensError
from speechlens.reading.decoding import BOMS, decode_bytes, detect_encoding, max_bytes, read_limited

_HEAD = 1 << 20  # bytes looked at to choose the encoding
_UNDECODED = ("\udc80", "\udcff")  # surrogateescape turns each undecodable byte into one of these


def export_encoding(path: Path) -> str:
    """The encoding of an export, chosen from its first megabyte as ``decode_bytes`` would."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD)
    except OSError as exc:
        raise SpeechlensError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < _HEAD)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return detect_encoding(head) or "utf-8"  # undecodable rows then become error records one by one


def _undecodable(s: str) -> bool:
    return any(_UNDECODED[0] <= ch <= _UNDECODED[1] for ch in s) if not s.isascii() else False


def _lines(path: Path, encoding: str) -> Iterator[str]:
    with path.open(encoding=encoding, errors="surrogateescape", newline="") as fh:
        yield from fh


def jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, row) for each non-empty line; the row is an error message when the line is
    not a JSON object in the file's encoding."""
    enc = export_encoding(path)
    for n, line in enumerate(_lines(path, enc), 1):
        if not line.strip():
            continue
        if _undecodable(line):
            yield n, f"{path}:{n}: undecodable bytes (the file reads as {enc})"
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, f"{path}:{n}: not valid JSON ({exc.msg})"
            continue
        yield n, row if isinstance(row, dict) else f"{path}:{n}: not a JSON object"


def csv_rows(path: Path, text_column: str | None = None) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(record number, row) for each record after the header (numbered from 2, as the header is
    1); the row is an error message when its bytes are not in the file's encoding or when it has
    more or fewer fields than the header (an unterminated quote swallows the lines after it into
    one field: that record names the lines it took)."""
    enc = export_encoding(path)
    reader = csv.reader(_lines(path, enc), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise SpeechlensError(f"{path}: the header line is not valid CSV ({exc})") from None
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    if text_column is not None and text_column not in header:
        raise SpeechlensError(f"{path}: no {text_column!r} column (its columns: {', '.join(header)}); "
                              "use --text-column")
    n = 1
    line = reader.line_num
    while True:
        first = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # strict: a quote left open at the end of the file, say
            n += 1
            yield n, f"{path}:{first}-{reader.line_num}: not valid CSV ({exc}); the rest of the file is lost"
            return
        line = reader.line_num
        if not fields:  # a blank line is no record
            continue
        n += 1
        where = f"{path}:{first}" if line == first else f"{path}:{first}-{line}"
        if any(_undecodable(f) for f in fields):
            yield n, f"{where}: undecodable bytes (the file reads as {enc})"
        elif len(fields) != len(header):
            yield n, (f"{where}: {len(fields)} fields where the header has {len(header)} "
                      "(an unterminated quote?); fix the row and run again")
        else:
            yield n, dict(zip(header, fields))


def read_text_file(path: Path) -> str:
    """A whole small file (a metadata table) decoded like a document; one line on failure."""
    return decode_bytes(read_limited(path, max_bytes()), source=path)[0]
