"""The text of a .docx file, streamed from its zip member through expat: memory stays flat
however large the document's XML (only the text itself is kept).

The text is exactly what python-docx gives (``Document.paragraphs`` then ``Document.tables``:
each body paragraph's runs and hyperlinks, then each body table's rows as tab-joined cells, a
cell's paragraphs joined by line breaks, a horizontally merged cell repeated once per column it
spans, a vertically merged one taking the text of the cell it continues), which the tests check
against python-docx itself. A DTD is refused: Word never writes one, and it is the door to entity
expansion and external entities.
"""

from __future__ import annotations

import posixpath
from typing import IO, Any, Callable
from xml.parsers import expat

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_CHUNK = 1 << 16

# A run's inner content other than w:t, as python-docx renders it (w:br: see _run_child).
_RUN_MARKS = {"tab": "\t", "ptab": "\t", "cr": "\n", "noBreakHyphen": "-"}
_BODY = ("document", "body")
_CELL = ("document", "body", "tbl", "tr", "tc")


class WordXmlError(ValueError):
    """The package is not a Word document speechlens can read (the message says why)."""


def _refuse_dtd(*_: Any) -> None:
    raise WordXmlError("its XML declares a DTD, which Word never writes (refused: entity expansion)")


def _parser(start: Callable[..., None], end: Callable[[str], None], data: Callable[[str], None]) -> Any:
    p = expat.ParserCreate(namespace_separator=" ")
    p.buffer_text = True
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _refuse_dtd
    p.EntityDeclHandler = _refuse_dtd
    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = data
    return p


def _feed(parser: Any, fh: IO[bytes]) -> None:
    try:
        while True:
            chunk = fh.read(_CHUNK)
            parser.Parse(chunk, not chunk)
            if not chunk:
                return
    except expat.ExpatError as exc:
        raise WordXmlError(f"its XML is malformed ({exc})") from None


def main_part(z: Any) -> str:
    """The zip member name of the main document part, from the package relationships."""
    target: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{_REL} Relationship" and attrs.get("Type") == _OFFICE_DOCUMENT and not target:
            target.append(attrs.get("Target", ""))

    try:
        fh = z.open("_rels/.rels")
    except KeyError:
        raise WordXmlError("no package relationships (_rels/.rels)") from None
    with fh:
        _feed(_parser(start, lambda name: None, lambda text: None), fh)
    if not target:
        raise WordXmlError("no main document part")
    name = posixpath.normpath(target[0].lstrip("/"))
    if name not in z.namelist():
        raise WordXmlError(f"its main document part {name} is missing")
    return name


class _Lines:
    """Lines kept as a few long blocks (one str object per line costs more than its text)."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.pending: list[str] = []

    def append(self, line: str) -> None:
        self.pending.append(line)
        if len(self.pending) >= 2000:
            self.blocks.append("\n".join(self.pending))
            self.pending = []

    def parts(self) -> list[str]:
        return self.blocks + (["\n".join(self.pending)] if self.pending else [])


class _Body:
    """The expat handlers: a stack of element names and the text gathered so far."""

    def __init__(self) -> None:
        self.stack: list[str] = []        # local names of the open elements ("" outside W)
        self.paragraphs = _Lines()        # body paragraphs' text
        self.rows = _Lines()              # body tables' rows, tab-joined
        self.para: list[str] | None = None  # the text of the paragraph being read
        self.para_depth = 0
        self.in_text = False              # inside a counted run's w:t
        self.cell_paras: list[str] = []
        self.cell: dict[str, Any] = {}
        self.row: list[dict[str, Any]] = []
        self.grid_before = 0
        self.above: dict[int, tuple[str, int]] = {}  # previous row: grid offset -> (text, span)
        self.root: str | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        ns, _, local = name.rpartition(" ")
        if ns != W:
            local = ""
        st = self.stack
        n = len(st)
        if self.root is None:
            self.root = local
        if local == "p" and (tuple(st) == _BODY or tuple(st) == _CELL):
            self.para, self.para_depth = [], n + 1
        elif self.para is not None and n > self.para_depth - 1:
            rel = st[self.para_depth:]  # the path below the paragraph
            if rel == ["r"] or rel == ["hyperlink", "r"]:
                if local == "t":
                    self.in_text = True
                elif local == "br":
                    self.para.append("\n" if attrs.get(f"{W} type", "textWrapping") == "textWrapping" else "")
                elif local in _RUN_MARKS:
                    self.para.append(_RUN_MARKS[local])
        elif n >= 3 and tuple(st[:3]) == ("document", "body", "tbl"):
            self._table_start(local, st[3:], attrs)
        st.append(local)

    def _table_start(self, local: str, rel: list[str], attrs: dict[str, str]) -> None:
        val = attrs.get(f"{W} val")
        if not rel and local == "tr":
            self.row, self.grid_before = [], 0
        elif rel == ["tr", "trPr"] and local == "gridBefore":
            self.grid_before = int(val or 0)
        elif rel == ["tr"] and local == "tc":
            self.cell, self.cell_paras = {"span": 1, "vmerge": None}, []
        elif rel == ["tr", "tc", "tcPr"] and local == "gridSpan":
            self.cell["span"] = int(val or 1)
        elif rel == ["tr", "tc", "tcPr"] and local == "vMerge":
            self.cell["vmerge"] = val or "continue"

    def end(self, name: str) -> None:
        st = self.stack
        local = st.pop()
        n = len(st)
        if self.para is not None:
            if local == "t":
                self.in_text = False
            elif local == "p" and n + 1 == self.para_depth:
                text = "".join(self.para)
                self.para = None
                if tuple(st) == _BODY:
                    self.paragraphs.append(text)
                else:
                    self.cell_paras.append(text)
            return
        if n == 4 and local == "tc" and tuple(st) == _CELL[:4]:
            self.cell["text"] = "\n".join(self.cell_paras)
            self.row.append(self.cell)
        elif n == 3 and local == "tr" and tuple(st) == _CELL[:3]:
            self._row_end()
        elif n == 2 and local == "tbl" and tuple(st) == _BODY:
            self.above = {}

    def _row_end(self) -> None:
        cells: list[str] = []
        resolved: dict[int, tuple[str, int]] = {}
        offset = self.grid_before
        for c in self.row:
            if c["vmerge"] == "continue":
                if offset not in self.above:
                    raise WordXmlError("a vertically merged cell continues no cell above it")
                text, span = self.above[offset]
            else:
                text, span = c["text"], c["span"]
            resolved[offset] = (text, span)
            cells.extend([text] * span)
            offset += c["span"]
        self.rows.append("\t".join(cells))
        self.above = resolved

    def data(self, text: str) -> None:
        if self.in_text and self.para is not None:
            self.para.append(text)


def docx_xml_text(z: Any) -> str:
    """The text of the Word package open as ``zipfile.ZipFile`` ``z``, streamed (see the module doc)."""
    body = _Body()
    with z.open(main_part(z)) as fh:
        _feed(_parser(body.start, body.end, body.data), fh)
    if body.root != "document":
        raise WordXmlError("its main part is no Word document")
    return "\n".join(body.paragraphs.parts() + body.rows.parts())
