"""Documents from standard input (``-`` on the command line): text in any encoding speechlens
detects, or a PDF piped in."""

from __future__ import annotations

import sys
from typing import Any, BinaryIO

from speechlens.records import Document
from pathlib import Path

from speechlens.reading.decoding import decode_bytes
from speechlens.reading.loading import read_document
from speechlens.reading.metadata import make_document
from speechlens.reading.pdf import pdf_text

STDIN = "-"


def read_input(path: str | Path) -> Document:
    """A Document from a file, or from standard input for ``-``."""
    return read_stream() if str(path) == STDIN else read_document(path)


def read_stream(stream: BinaryIO | None = None, *, name: str = "stdin", **metadata: Any) -> Document:
    """A Document from the bytes of ``stream`` (standard input by default); ``name`` is its id."""
    data = (stream or sys.stdin.buffer).read()
    if data.startswith(b"%PDF"):
        text, encoding = pdf_text(name, data), "pdf"
    else:
        text, encoding = decode_bytes(data, source=name)
    explicit = {k: metadata.get(k) for k in ("unit", "role", "person", "year", "genre")}
    return make_document(text, path=None, id=name, encoding=encoding, explicit=explicit, meta=None,
                         filename=None)
