"""Documents from standard input (``-`` on the command line): text in any encoding speechlens
detects, or a PDF piped in."""

from __future__ import annotations

import sys
from typing import Any, BinaryIO

from speechlens.records import Document
from speechlens.reading.loading import decode_bytes, make_document

STDIN = "-"


def read_stream(stream: BinaryIO | None = None, *, name: str = "stdin", **metadata: Any) -> Document:
    """A Document from the bytes of ``stream`` (standard input by default); ``name`` is its id."""
    data = (stream or sys.stdin.buffer).read()
    if data.startswith(b"%PDF"):
        from speechlens.reading.pdf import pdf_text

        text, encoding = pdf_text(name, data), "pdf"
    else:
        text, encoding = decode_bytes(data, source=name)
    explicit = {k: metadata.get(k) for k in ("unit", "role", "person", "year", "genre")}
    return make_document(text, path=None, id=name, encoding=encoding, explicit=explicit, meta=None,
                         filename=None)
