"""Text reuse over an archive (``speechlens batch --reuse``) without holding all texts in memory.

One pass reads the inputs (the batch's own item reader), keeps per document only its windows'
LSH band keys, and writes each text into a temporary SQLite file; the alignment then fetches the
two texts of each candidate pair back from it (with a small cache). The result is written as
``OUT.reuse.csv``: the tidy table of ``speechlens reuse --format csv``, replaced atomically.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterator, Sequence

from speechlens.errors import SpeechlensError
from speechlens.comparison.textreuse import BOILERPLATE_UNITS, MIN_CHARS, THRESHOLD, Prepared, Reuse, prepare, reuse_prepared
from speechlens.batch.items import analyzer_input, iter_items, read_metadata
from speechlens.records import Document
from speechlens.reading.loading import document_from_text
from speechlens.output.reuse_output import CSV_COLUMNS, reuse_rows
from speechlens.output.tables import to_csv
from speechlens.output.files import write_text_atomic


def reuse_path(out: Path) -> Path:
    """``OUT.reuse.csv`` beside the batch output ``OUT.*``."""
    return out.with_name(f"{out.stem}.reuse.csv")


class _TextStore:
    """Texts on disk, keyed by their position in the stream; a few prepared ones cached."""

    def __init__(self, path: Path, cache: int = 256) -> None:
        self.db = sqlite3.connect(str(path))
        self.db.execute("CREATE TABLE docs (n INTEGER PRIMARY KEY, id TEXT, unit TEXT, year INTEGER, "
                        "start INTEGER, text TEXT)")
        self.cache: OrderedDict[int, Prepared] = OrderedDict()
        self.size = cache

    def put(self, n: int, doc_id: str, unit: str | None, year: int | None, start: int, text: str) -> None:
        self.db.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", (n, doc_id, unit, year, start, text))

    def get(self, n: int) -> Prepared:
        p = self.cache.get(n)
        if p is None:
            doc_id, unit, year, start, text = self.db.execute(
                "SELECT id, unit, year, start, text FROM docs WHERE n = ?", (n,)).fetchone()
            p = prepare(doc_id, text, unit, year, start=start)
            self.cache[n] = p
            if len(self.cache) > self.size:
                self.cache.popitem(last=False)
        else:
            self.cache.move_to_end(n)
        return p

    def close(self) -> None:
        self.db.close()


def reuse_archive(inputs: Sequence[str], output: str | Path, *, text_column: str = "text",
                  id_column: str | None = "id", metadata_file: str | None = None,
                  min_chars: int = MIN_CHARS, threshold: float = THRESHOLD,
                  boilerplate_units: int = BOILERPLATE_UNITS) -> tuple[Reuse, str]:
    """Find text reuse across every readable input document; write ``OUT.reuse.csv``.

    Documents that cannot be read are left out (the batch run records their errors). Returns the
    result (pairs and per-document shares; no texts are kept in it beyond the passages) and the
    path written.
    """
    out = reuse_path(Path(output))
    metadata = read_metadata(metadata_file) if metadata_file else None
    with tempfile.TemporaryDirectory(prefix="speechlens-reuse-") as tmp:
        store = _TextStore(Path(tmp) / "texts.sqlite")

        def stream() -> Iterator[Prepared]:
            n = 0
            for item in iter_items(inputs, text_column=text_column, id_column=id_column, metadata=metadata):
                doc: Any = analyzer_input(item.payload)
                if isinstance(doc, tuple):
                    rid, text, md = doc
                    doc = document_from_text(text, id=str(rid), unit=md.get("unit"), year=md.get("year"))
                if not isinstance(doc, Document) or not doc.text.strip():
                    continue   # unreadable: the batch records it
                doc_id = doc.id or doc.path or item.key
                store.put(n, doc_id, doc.unit, doc.year, doc.body_start, doc.text)
                yield prepare(doc_id, doc.text, doc.unit, doc.year, start=doc.body_start)
                n += 1

        try:
            result = reuse_prepared(stream(), store.get, min_chars=min_chars, threshold=threshold,
                                    boilerplate_units=boilerplate_units, stock_spans=False, spill=tmp)
        finally:
            store.close()
    if not result.documents:
        raise SpeechlensError("reuse: no readable documents in the inputs")

    write_text_atomic(out, to_csv(reuse_rows(result), CSV_COLUMNS))  # whole or not at all; cells neutralised
    return result, str(out)
