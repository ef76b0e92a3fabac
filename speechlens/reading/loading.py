"""Bytes to Document: encoding detection, .docx reading and metadata extraction."""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from speechlens.labels import GENRES, METADATA_KEYS
from speechlens.records import Document
from speechlens.errors import (
    BinaryDocumentError,
    DecodingError,
    DocumentError,
    EmptyDocumentError,
    MissingDependencyError,
    UnsupportedFormatError,
)
from speechlens.reading.legacy import legacy_text
from speechlens.reading.pdf import pdf_text
from speechlens.errors import SpeechlensError

TEXT_SUFFIXES = (".txt", ".text", ".md", "")
DOCX_SUFFIXES = (".docx",)
EXTRA_SUFFIXES = (".pdf", ".doc", ".wps")  # read by speechlens.reading.pdf and speechlens.reading.legacy
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + DOCX_SUFFIXES + EXTRA_SUFFIXES

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Detectors often name a GB file GB2312 or GBK; GB18030 is the superset that decodes them all.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936", "euc_cn", "ms936"}
_MAGIC = (
    (b"%PDF", "a PDF file: convert it to text first (e.g. pdftotext -layout FILE)"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Office (.doc) file: save it as .docx or .txt"),
    (b"{\\rtf", "an RTF file: save it as .docx or .txt"),
    (b"PK\x03\x04", "a ZIP container: only .docx files of that kind are read"),
    (b"\x89PNG", "a PNG image, not text"),
    (b"\xff\xd8\xff", "a JPEG image, not text"),
    (b"GIF8", "a GIF image, not text"),
    (b"\x7fELF", "an executable, not text"),
)


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
        text, encoding = _docx_text(p, data), "docx"
    elif suffix == ".pdf":
        text, encoding = pdf_text(p, data), "pdf"
    else:
        text, encoding = decode_bytes(data, source=p)
    explicit = {"unit": unit, "role": role, "person": person, "year": year, "genre": genre}
    return make_document(
        text, path=str(p), id=id or p.stem, encoding=encoding, explicit=explicit, meta=meta,
        filename=p.name,
    )


def special_kind(mode: int) -> str | None:
    """What a non-regular file is ("a FIFO", "a character device", ...), or None for a regular file."""
    import stat

    for test, what in ((stat.S_ISREG, None), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "not a regular file"


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


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else is refused in one line.

    The file is opened without blocking (a FIFO would wait for a writer forever) and checked to be
    a regular file; at most ``limit + 1`` bytes are read, whatever its size claims (/proc files
    and devices report 0).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise DocumentError(path, "no such file") from None
    except OSError as exc:
        raise DocumentError(path, f"cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        kind = special_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise DocumentError(path, f"is {kind}, not a regular file: only files are read")
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise DocumentError(path, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise DocumentError(
            path, f"too large (over {_size(limit)}): split it, or raise the limit with SPEECHLENS_MAX_BYTES")
    return data


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


# The loose numbers of reading, named.
DEFAULT_MAX_BYTES = 64_000_000   # largest file read unless $SPEECHLENS_MAX_BYTES says otherwise
SAMPLE_CHARS = 20_000            # decoded characters the text checks look at
DETECT_BYTES = 200_000           # bytes charset detection looks at
MIN_CJK_SHARE = 0.3              # a decoding is text when at least this share of its sample is CJK
HEADER_LINE_CHARS = 60           # a longer first line is prose, not a header with metadata


def max_bytes() -> int:
    """Largest file read (bytes): ``$SPEECHLENS_MAX_BYTES`` or 64 MB, far above any real report."""
    raw = os.environ.get("SPEECHLENS_MAX_BYTES", "").strip().replace("_", "")
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 1:
        raise SpeechlensError(f"SPEECHLENS_MAX_BYTES={os.environ['SPEECHLENS_MAX_BYTES']!r} is not a whole "
                              "number of bytes above 0 (e.g. 64000000); fix or unset it")
    return value


def decode_bytes(data: bytes, *, source: object = "<bytes>") -> tuple[str, str]:
    """Decode file bytes, detecting the encoding; return (text, encoding name)."""
    if not data.strip():
        raise EmptyDocumentError(source, "empty file (no text)")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise BinaryDocumentError(source, f"binary file: looks like {what}")
    for bom, name in BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(name)
            except UnicodeDecodeError as exc:
                raise DecodingError(
                    source, f"undecodable bytes: starts with a {name} byte-order mark but "
                    f"byte {exc.start} is invalid"
                ) from None
            return _checked(text, source), name
    if b"\x00" in data:
        raise BinaryDocumentError(
            source, "binary file: contains NUL bytes (UTF-16 text needs a byte-order mark)"
        )
    try:
        return _checked(data.decode("utf-8"), source), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(data) and exc.start > 0:
            # A file cut off in the middle of its last character: keep everything before it.
            try:
                return _checked(data[:exc.start].decode("utf-8"), source), "utf-8"
            except UnicodeDecodeError:
                pass
        damaged = data.decode("utf-8", errors="replace")
        bad = damaged.count("\ufffd")
        if bad and bad <= max(2, len(damaged) // 2000) and _mostly_text(damaged):
            # A few corrupt bytes in an otherwise UTF-8 file: keep the text, mark them U+FFFD.
            return _checked(damaged, source), f"utf-8 ({bad} undecodable bytes replaced)"
    encoding = detect_encoding(data)
    if encoding is None:
        raise DecodingError(
            source, "undecodable bytes: not UTF-8, UTF-16 or GB18030/GBK, and no other "
            "encoding fits; convert it to UTF-8 (e.g. iconv -f ENCODING -t UTF-8)"
        )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DecodingError(
            source, f"undecodable bytes: looked like {encoding} but byte {exc.start} is invalid"
        ) from None
    return _checked(text, source), encoding


def _mostly_text(text: str) -> bool:
    cjk = sum(1 for c in text[:SAMPLE_CHARS] if "\u4e00" <= c <= "\u9fff")
    return cjk >= len(text[:SAMPLE_CHARS]) * MIN_CJK_SHARE


_MIN_GUESS = 64  # bytes below which no encoding but GB is guessed: too little to tell


def detect_encoding(data: bytes) -> str | None:
    """The encoding of bytes that are not UTF-8: GB18030 when they read as ordinary GB text,
    else the detector's choice for inputs long enough to judge, else None (undecodable)."""
    try:
        decoded = data.decode("gb18030")
    except UnicodeDecodeError:
        decoded = None
    if decoded is not None and _ordinary_gb(decoded):
        return "gb18030"
    if len(data) < _MIN_GUESS:
        return None  # a guess from a few bytes is a coin toss (a 1-byte file read as EBCDIC)
    from charset_normalizer import from_bytes

    best = from_bytes(data[:DETECT_BYTES]).best()
    name = best.encoding.lower().replace("-", "_") if best is not None else None
    if name in _GB_FAMILY:
        return "gb18030" if decoded is not None else None
    return name


def _ordinary_gb(text: str) -> bool:
    """Whether GB18030-decoded text is what Chinese writing looks like: nearly all of its
    non-ASCII characters are in GB2312 (the common 6,763 hanzi and the usual punctuation).
    Random bytes and other encodings read as GB land mostly outside it."""
    sample = [c for c in text[:SAMPLE_CHARS] if ord(c) > 127]
    if not sample:
        return False
    common = 0
    for c in sample:
        try:
            c.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.9 * len(sample) and (len(sample) >= 2 or len(text) >= 4)


def _checked(text: str, source: object) -> str:
    if not text.strip():
        raise EmptyDocumentError(source, "empty file (only whitespace)")
    sample = text[:SAMPLE_CHARS]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    bad = controls + sample.count("\ufffd")
    if bad > max(8, len(sample) // 50):
        raise BinaryDocumentError(source, "binary file: too many control characters for text")
    return text


def _docx_text(path: Path, data: bytes) -> str:
    try:
        import docx  # python-docx
    except ImportError:  # pragma: no cover - a runtime dependency
        raise MissingDependencyError("python-docx", "docx", "reading .docx files") from None
    import io
    import zipfile

    if not data:
        raise EmptyDocumentError(path, "empty file (no bytes)")
    _check_unpacked_size(path, io.BytesIO(data))
    try:
        d = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise BinaryDocumentError(path, f"not a valid .docx file ({exc})") from None
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and others
        raise DocumentError(path, f"not a readable .docx file ({type(exc).__name__}: {exc})") from None
    lines = [para.text for para in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    text = "\n".join(lines)
    if not text.strip():
        raise EmptyDocumentError(path, "empty .docx file (no text)")
    return text


def _check_unpacked_size(path: Path, fh: Any) -> None:
    """Refuse a .docx whose parts unpack to more than the size limit (a decompression bomb: a
    small file holding gigabytes of XML), going by the sizes in the zip directory, before any
    part is read. Python's zip reader never yields more than an entry's declared size, so a
    directory that lies cannot get past this."""
    import zipfile

    try:
        with zipfile.ZipFile(fh) as z:
            total = sum(max(0, info.file_size) for info in z.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise BinaryDocumentError(path, f"not a valid .docx file ({exc})") from None
    limit = max_bytes()
    if total > limit:
        raise DocumentError(
            path, f"unpacks to {_size(total)}, over the limit of {_size(limit)} (a .docx this large "
            "is likely a decompression bomb); raise SPEECHLENS_MAX_BYTES if it is genuine")


def _size(n: int) -> str:
    """A byte count for messages: MB above a megabyte, else bytes."""
    return f"{n / 1e6:,.1f} MB" if n >= 1_000_000 else f"{n:,} bytes"


# --- metadata -------------------------------------------------------------------------

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?P<body>.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_UNIT = r"(?P<unit>[\u4e00-\u9fffXx×*＊]{1,12}?(?:街道|镇|乡|社区|村|县|区|市))"
_ROLE = (
    r"(?P<role>党工委书记|党委书记|党委副书记|党工委副书记|镇长|乡长|街道办事处主任|"
    r"街道办主任|办事处主任|主任|市委书记|县委书记|区委书记|市长|县长|区长|书记)"
)
_HEADER = re.compile(
    _UNIT + r"\s*" + _ROLE + r"[\s　:：]*"
    r"(?:(?P<person>[\u4e00-\u9fff·]{2,5}?)(?=[\s　,，:：]|(?:19|20)\d\d|$))?"
)
_SPEECH_OPENING = re.compile(r"\s*同志们[，,：:！!]")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_GENRE_WORDS = (
    ("gov_report", ("政府工作报告",)),
    ("self_criticism", ("对照检查", "表态发言", "整改报告", "整改情况", "自查报告", "检视剖析")),
    ("self_report", ("述职", "述责述廉", "述廉")),
    ("work_summary", ("工作总结", "总结")),
    ("speech", ("讲话", "点评", "致辞", "发言")),
)
_GENRE_ALIASES = {
    "述职报告": "self_report", "selfreport": "self_report", "report": "self_report",
    "总结": "work_summary", "summary": "work_summary", "工作总结": "work_summary",
    "讲话": "speech", "政府工作报告": "gov_report", "government_report": "gov_report",
}


def make_document(
    text: str,
    *,
    path: str | None,
    id: str | None,
    encoding: str | None,
    explicit: Mapping[str, Any],
    meta: Mapping[str, Any] | None,
    filename: str | None,
) -> Document:
    """Build a Document, filling metadata from explicit values, front matter, header, name."""
    found: dict[str, Any] = {}
    extra: dict[str, Any] = dict(meta or {})
    body_start = 0
    fm = _FRONT.match(text)
    if fm:
        body_start = fm.end()
        for line in fm.group("body").splitlines():
            if ":" in line or "：" in line:
                key, _, value = line.replace("：", ":", 1).partition(":")
                key, value = key.strip().lower(), value.strip().strip("'\"")
                if not value:
                    continue
                if key in METADATA_KEYS:
                    found[key] = value
                else:
                    extra.setdefault(key, value)
    header = _header_metadata(text[body_start:body_start + 400])
    if "genre" not in header and _SPEECH_OPENING.match(text, body_start):
        header["genre"] = "speech"  # a text that opens by addressing 同志们 is a speech
    name_meta = _name_metadata(filename) if filename else {}
    for key in METADATA_KEYS:
        value = explicit.get(key)
        if value is None and meta and meta.get(key) not in (None, ""):
            value = meta.get(key)
        if value is None:
            value = found.get(key) or header.get(key) or name_meta.get(key)
        found[key] = value
    for key in METADATA_KEYS:
        extra.pop(key, None)
    return Document(
        text=text,
        path=path,
        id=id,
        unit=found["unit"] or None,
        role=found["role"] or None,
        person=found["person"] or None,
        year=_year(found["year"], path),
        genre=_genre(found["genre"], path),
        encoding=encoding,
        body_start=body_start,
        meta=extra,
    )


def _header_metadata(head: str) -> dict[str, Any]:
    for line in head.splitlines()[:3]:
        line = line.strip()
        if not line:
            continue
        if len(line) > HEADER_LINE_CHARS:
            return {}
        out: dict[str, Any] = {}
        m = _HEADER.search(line)
        if m and m.start() < 4:
            out["unit"] = m.group("unit")
            out["role"] = m.group("role")
            if m.group("person"):
                person = m.group("person")
                # A person name never contains genre words (e.g. "述职", "年度").
                if not any(w in person for w in ("述职", "年度", "工作", "报告", "讲话")):
                    out["person"] = person
        y = _YEAR.search(line)
        if y:
            out["year"] = y.group(1)
        g = _genre_from_words(line)
        if g:
            out["genre"] = g
        return out if (m or g) else {}
    return {}


def _name_metadata(name: str) -> dict[str, Any]:
    stem = Path(name).stem
    out: dict[str, Any] = {}
    y = _YEAR.search(stem)
    if y:
        out["year"] = y.group(1)
    for part in re.split(r"[-_\s·.]+", stem):
        m = re.fullmatch(_UNIT, part)
        if m:
            out["unit"] = m.group("unit")
            break
    g = _genre_from_words(stem)
    if g:
        out["genre"] = g
    return out


def _genre_from_words(s: str) -> str | None:
    for genre, words in _GENRE_WORDS:
        if any(w in s for w in words):
            return genre
    return None


def _year(value: Any, path: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value).strip().rstrip("年"))
    except ValueError:
        raise DocumentError(path or "<text>", f"year {value!r} is not a number") from None


def _genre(value: Any, path: str | None) -> str | None:
    if value in (None, ""):
        return None
    g = str(value).strip()
    g = _GENRE_ALIASES.get(g.lower(), _GENRE_ALIASES.get(g, g))
    if g not in GENRES:
        raise DocumentError(
            path or "<text>", f"genre {value!r} is not one of {', '.join(GENRES)}"
        )
    return g
