"""What the library accepts as one document, and the one place it becomes a Document.

A str is TEXT in every entry point (analyze, pipe, analyze_many); a pathlib.Path is a file to
read; or a Document, or an (id, text, metadata) row."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from speechlens.errors import SpeechlensError
from speechlens.reading.loading import document_from_text, read_document
from speechlens.records import Document


# What the Analyzer takes, in every entry point alike: a str is TEXT; a pathlib.Path is a file to read;
# or a Document, or an (id, text, metadata) row.
InputItem = Any


def size_hint(item: InputItem) -> int:
    """About how many characters an input holds (files: a third of their bytes)."""
    if isinstance(item, Document):
        return len(item.text)
    if isinstance(item, Path):
        try:
            return os.path.getsize(item) // 3
        except OSError:
            return 0
    if isinstance(item, str):
        return len(item)
    if isinstance(item, (tuple, list)) and len(item) >= 2 and isinstance(item[1], str):
        return len(item[1])
    return 0


def to_document(item: InputItem, **meta: Any) -> Document:
    """Turn any accepted input into a Document (explicit metadata wins): a str is text, a Path a file."""
    explicit = {k: v for k, v in meta.items() if v is not None}
    if isinstance(item, Document):
        if explicit:
            return replace(item, **explicit)
        return item
    if isinstance(item, Path):
        return read_document(item, **explicit)
    if isinstance(item, str):
        return document_from_text(item, **explicit)
    if isinstance(item, (tuple, list)) and len(item) in (2, 3):
        rid, text = item[0], item[1]
        md = dict(item[2]) if len(item) == 3 and item[2] else {}
        if not isinstance(text, str) or not text.strip():
            raise SpeechlensError(f"{rid}: empty text")
        known = {k: md.pop(k) for k in ("unit", "role", "person", "year", "genre") if k in md}
        known.update(explicit)
        return document_from_text(text, id=str(rid), meta=md, **known)
    raise SpeechlensError(f"cannot analyse an input of type {type(item).__name__}")


def item_id(item: InputItem) -> str | None:
    """The id of an input (a file's name without suffix, a row's id, a Document's id)."""
    if isinstance(item, Path):
        return Path(item).stem
    if isinstance(item, Document):
        return item.id
    if isinstance(item, (tuple, list)) and item:
        return str(item[0])
    return None


def item_path(item: InputItem) -> str | None:
    """The path of an input (a file's, a Document's), else None."""
    if isinstance(item, Path):
        return str(item)
    if isinstance(item, Document):
        return item.path
    return None


def item_meta(item: InputItem) -> dict[str, Any]:
    """The metadata a row carries (else empty)."""
    if isinstance(item, (tuple, list)) and len(item) == 3 and isinstance(item[2], Mapping):
        return dict(item[2])
    return {}
