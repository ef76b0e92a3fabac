"""Metadata of a document from its text and name: front matter, a header line
("XX镇党委书记 张三 2023年度述职报告"), the file name; the Document is made here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from speechlens.errors import DocumentError
from speechlens.labels import GENRES, METADATA_KEYS
from speechlens.records import Document


HEADER_LINE_CHARS = 60           # a longer first line is prose, not a header with metadata


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
