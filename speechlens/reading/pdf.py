"""PDF files with a text layer: the text of every page (pypdf), without page furniture —
running headers and footers, page numbers — and with lines that a page merely wrapped joined
again, so sentences and paragraphs come out as written. Offsets of a Document read from a PDF
point into this extracted text."""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any, Sequence

from speechlens.errors import BinaryDocumentError, DocumentError, EmptyDocumentError, MissingDependencyError

PDF_SUFFIXES = (".pdf",)

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－·•]?\s*\d{1,4}\s*[-—–－·•]?|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|"
    r"\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$", re.I)
_END = "。！？；：!?;:…”’）)】》"
_MARKER = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、是要]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．]|第[一二三四五六七八九十]+|[⒈-⒛①-⑳])")
_EDGE = 2  # lines at the top and at the bottom of a page where furniture sits


def _shape(line: str) -> str:
    """A line with its figures blurred, so "第3页" and "第4页" or dated headers compare equal."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def remove_furniture(pages: Sequence[str]) -> list[list[str]]:
    """The lines of each page without running headers, footers and page numbers.

    Only the first and last two lines of a page are candidates: a page number there is dropped,
    and so is a line whose shape recurs at the edge of at least half the pages (and of two).
    """
    lines = [[l for l in (p or "").splitlines() if l.strip()] for p in pages]
    edge = Counter()
    for ls in lines:
        edge.update({_shape(l) for l in ls[:_EDGE] + ls[-_EDGE:]})
    repeated = {s for s, n in edge.items() if n >= 2 and n >= len(pages) / 2}
    out = []
    for ls in lines:
        keep = []
        for i, l in enumerate(ls):
            at_edge = i < _EDGE or i >= len(ls) - _EDGE
            if at_edge and (_PAGE_NUMBER.match(l) or _shape(l) in repeated):
                continue
            keep.append(l)
        out.append(keep)
    return out


def join_wrapped(lines: Sequence[str]) -> str:
    """Lines rejoined into paragraphs: a line that fills the page's width and does not end a
    sentence continues on the next, unless that one opens a numbered item."""
    if not lines:
        return ""
    full = max(len(l.rstrip()) for l in lines)
    out = [lines[0].rstrip()]
    last = len(out[0])  # length of the last line as printed, before any joining
    for line in lines[1:]:
        prev = out[-1]
        if prev and last >= 0.8 * full and prev[-1] not in _END and not _MARKER.match(line):
            out[-1] = prev + line.strip()
        else:
            out.append(line.rstrip())
        last = len(line.rstrip())
    return "\n".join(out)


def pdf_text(path: object, data: bytes) -> str:
    """The text layer of a PDF file's bytes, furniture removed; a one-line error for a scanned
    PDF (no text layer), an encrypted or a damaged one."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - a runtime dependency
        raise MissingDependencyError("pypdf", "pdf", "reading PDF files") from None
    if not data:
        raise EmptyDocumentError(path, "empty file (no bytes)")
    import logging
    import warnings

    # pypdf logs what it repairs ("EOF marker not found"); the one-line error below says enough.
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _pdf_text(path, data, PdfReader, PdfReadError)
    finally:
        log.setLevel(level)


def _pdf_text(path: object, data: bytes, PdfReader: Any, PdfReadError: Any) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, "encrypted PDF: remove the password (e.g. qpdf --decrypt) and try again")
        pages = [(page.extract_text() or "").replace("\x00", "") for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise BinaryDocumentError(path, f"not a readable PDF file ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise BinaryDocumentError(path, f"not a readable PDF file ({type(exc).__name__}: {exc})") from None
    if not any(re.search(r"[\u4e00-\u9fff\w]", p) for p in pages):
        raise EmptyDocumentError(
            path, f"scanned PDF with no text layer ({len(pages)} page(s) of images): run OCR on it first "
            "(e.g. ocrmypdf -l chi_sim IN.pdf OUT.pdf)")
    text = "\n".join(join_wrapped(ls) for ls in remove_furniture(pages) if ls)
    if not text.strip():
        raise EmptyDocumentError(path, "PDF holds no text besides headers, footers and page numbers")
    return text
