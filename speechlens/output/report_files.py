"""Writing a report file in the format its name asks for: .html or .docx."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from speechlens.errors import SpeechlensError
from speechlens.output.reporting import render_report, write_report
from speechlens.output.wordreport import write_docx_report
from speechlens.pipeline.results import Analysis


def report_format(path: str | Path) -> str:
    """``docx`` or ``html``, as ``path``'s suffix names it; any other suffix is refused in one line."""
    suffix = Path(path).suffix.lower()
    if suffix == ".docx":
        return "docx"
    if suffix in (".html", ".htm", ""):
        return "html"
    raise SpeechlensError(f"{path}: reports are written as .html or .docx, not {suffix!r}")


def write_any_report(path: str | Path, analyses: Sequence[Analysis], comparison: dict[str, Any] | None = None,
                     **options: Any) -> None:
    """Write the report in the format ``path``'s suffix names: ``.docx`` (Word) or HTML, whole or
    not at all."""
    if report_format(path) == "docx":
        write_docx_report(path, analyses, comparison, **options)
    else:
        write_report(path, render_report(analyses, comparison, **options))
