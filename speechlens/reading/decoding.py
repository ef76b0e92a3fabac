"""Bytes to text: size limits, encoding detection (BOMs, UTF-8/16, the GB family), .docx."""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any

from speechlens.reading.wordxml import WordXmlError, docx_xml_text
from speechlens.errors import BinaryDocumentError, DecodingError, DocumentError, EmptyDocumentError, SpeechlensError


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


# The loose numbers of reading, named.
DEFAULT_MAX_BYTES = 64_000_000   # largest file read unless $SPEECHLENS_MAX_BYTES says otherwise


SAMPLE_CHARS = 20_000            # decoded characters the text checks look at


DETECT_BYTES = 200_000           # bytes charset detection looks at


MIN_CJK_SHARE = 0.3              # a decoding is text when at least this share of its sample is CJK


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


def docx_text(path: Path, data: bytes) -> str:
    """The text of a .docx file's bytes (paragraphs, then tables, as python-docx gives them). The
    unpacked sizes are checked first; the XML is then streamed, never held whole."""
    import io
    import zipfile
    import zlib

    if not data:
        raise EmptyDocumentError(path, "empty file (no bytes)")
    _check_unpacked_size(path, io.BytesIO(data))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            text = docx_xml_text(z)
    except (zipfile.BadZipFile, WordXmlError) as exc:
        raise BinaryDocumentError(path, f"not a valid .docx file ({exc})") from None
    except (OSError, EOFError, RuntimeError, NotImplementedError, zlib.error) as exc:  # a damaged or encrypted member
        raise DocumentError(path, f"not a readable .docx file ({type(exc).__name__}: {exc})") from None
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


def special_kind(mode: int) -> str | None:
    """What a non-regular file is ("a FIFO", "a character device", ...), or None for a regular file."""
    import stat

    for test, what in ((stat.S_ISREG, None), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "not a regular file"
