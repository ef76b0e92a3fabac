"""The report as a Word document (python-docx): the same sections, tables and charts as the HTML
page, in the format organisation departments edit and circulate."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

from speechlens.pipeline.results import Analysis
from speechlens.errors import MissingDependencyError
from speechlens.output.reporting import report_content
from speechlens.output.files import write_bytes_atomic

_HIGHLIGHT = "YELLOW"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EAST_ASIAN_FONT = "SimSun"  # Word substitutes the reader's own Song/Ming face when absent


def _set_east_asian_font(doc: Any, name: str) -> None:
    from docx.oxml.ns import qn

    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Table Grid"):
        try:
            style = doc.styles[style_name]
        except KeyError:
            continue
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), name)


def _table(doc: Any, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Any:
    from docx.shared import Pt

    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(_x(text))
        run.bold = True
    for row in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = _x(text)
    for row in t.rows:
        for cell in row.cells:
            for para in cell.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(9.5)
    # Keep each row on one page, the header repeated when a table runs on.
    from docx.oxml.ns import qn

    for i, row in enumerate(t.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(trpr.makeelement(qn("w:cantSplit"), {}))
        if i == 0:
            trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))
    return t


def _x(text: object) -> str:
    """Text Word's XML can hold: control characters (a PDF's form feeds, say) removed."""
    return _NOT_XML.sub("", str(text))


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def render_docx(content: Mapping[str, Any]) -> bytes:
    """A .docx file's bytes from ``reporting.report_content``'s result."""
    try:
        import docx
        from docx.enum.text import WD_COLOR_INDEX
        from docx.shared import Cm, Pt
    except ImportError:  # pragma: no cover - a runtime dependency

        raise MissingDependencyError("python-docx", "docx", "writing Word reports") from None
    w, names, labels = content["w"], content["names"], content["labels"]
    c = content["comparison"]
    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    doc.styles["Normal"].font.size = Pt(10.5)
    _set_east_asian_font(doc, _EAST_ASIAN_FONT)
    doc.add_heading(_x(content["title"]), level=0)
    doc.add_paragraph(f"speechlens {content['version']} · {w['model']} {content['model'] or w['default_model']}"
                      f" · {w['documents_n'].format(n=len(content['documents']))}")
    if c:
        doc.add_heading(w["overview"], level=1)
        _table(doc, [w["unit"], w["docs"]] + [names[l] for l in labels] + [w["problems"]],
               [[u, info["documents"]] + [_pct(info["themes"][l]) for l in labels] + [info["problems"]]
                for u, info in c["units"].items()])
        doc.add_heading(w["matrix"], level=1)
        doc.add_paragraph(w["matrix_note"])
        rows = []
        for u, row in c["problem_matrix"]["themes"].items():
            nd = max(1, c["units"].get(u, {}).get("documents", 1))
            rows.append([u] + [f"{row[l]}" + (f" ({row[l] / nd:.1f})" if nd > 1 else "")
                               for l in labels + ["none"]])
        _table(doc, [w["unit"]] + [names[l] for l in labels] + [names["none"]], rows)
        doc.add_heading(w["shared"], level=1)
        for g in c["shared_problems"]:
            doc.add_heading(_x(f"{g['label']} — {w['units_n'].format(n=len(g['units']))}：{'、'.join(g['units'])}"),
                            level=3)
            for u, ex in g["examples"].items():
                p = doc.add_paragraph(style="List Bullet")
                p.add_run(_x(f"{u}：")).bold = True
                p.add_run(_x(ex["text"]))
        if not c["shared_problems"]:
            doc.add_paragraph(w["no_shared"])
        if c.get("speech"):
            doc.add_heading(w["speech"], level=1)
            _table(doc, [w["criticism"], w["admitted_by"]],
                   [[p["text"], "、".join(p["addressed_by"]) or w["nobody"]]
                    for p in c["speech"]["points"] if p["kind"] == "criticism"])
        doc.add_heading(w["keyness"], level=1)
        _table(doc, [w["unit"], w["terms"]],
               [[u, "  ".join(f"{r['term']} {r['g2']:.1f}" for r in rows)] for u, rows in c["keyness"].items()])
        if content["charts"]:
            doc.add_heading(w["charts"], level=1)
            for chart in content["charts"]:
                doc.add_picture(io.BytesIO(chart["png"]), width=Cm(16.5))
                doc.add_paragraph(chart["alt"])
    reuse = content.get("reuse")
    if reuse:
        doc.add_heading(w["reuse"], level=1)
        doc.add_paragraph(w["reuse_note"].format(n=len(reuse["pairs"]), c=reuse["min_chars"]))
        _table(doc, [w["file"], w["reused"], w["stock"], w["shared_with"]],
               [[d["name"], f"{d['reused_share']:.1%}", f"{d['boilerplate_share']:.1%}", d["shared_with"]]
                for d in reuse["documents"]])
        for pair in reuse["pairs"]:
            doc.add_heading(_x(pair["title"]), level=3)
            for x in pair["passages"]:
                for side in ("a", "b"):
                    p = doc.add_paragraph(style="List Bullet")
                    p.add_run(_x(x[f"{side}_before"]))
                    p.add_run(_x(x[f"{side}_text"])).font.highlight_color = getattr(WD_COLOR_INDEX, _HIGHLIGHT)
                    p.add_run(_x(x[f"{side}_after"]))
                doc.add_paragraph(w["passage_n"].format(n=x["chars"], s=f"{x['similarity']:.2f}"))
    doc.add_heading(w["by_unit"], level=1)
    for d in content["documents"]:
        doc.add_heading(_x(f"{d['unit'] or d['id'] or ''}  {d['year'] or ''} · {d['genre']} · {d['file']}"), level=2)
        doc.add_paragraph("  ".join(f"{names[l]} {_pct(d['themes'].get(l, 0.0))}" for l in labels))
        if d["cloud"]:
            doc.add_picture(io.BytesIO(d["cloud"]), width=Cm(7))
        for para in d["paragraphs"]:
            if para["heading"]:
                h = doc.add_paragraph()
                r = h.add_run(_x(f"{w['heading']}：{para['heading']}"))
                r.bold = True
                r.font.size = Pt(9)
            p = doc.add_paragraph()
            for x in para["pieces"]:
                run = p.add_run(_x(x["text"]))
                if x.get("tag"):
                    run.font.highlight_color = getattr(WD_COLOR_INDEX, _HIGHLIGHT)
                    tag = p.add_run(f"〔{x['tag']}〕")
                    tag.font.size = Pt(8)
                    tag.bold = True
        if not d["paragraphs"]:
            doc.add_paragraph(w["no_problem"])
    single = content["single"]
    if single:
        doc.add_heading(w["outline"], level=1)
        for h in single["outline"]:
            doc.add_paragraph(_x(h), style="List Bullet")
        doc.add_heading(w["fulltext"], level=1)
        for para in single["paragraphs"]:
            p = doc.add_paragraph()
            for s in para:
                run = p.add_run(_x(s["text"]))
                if s["problem"]:
                    run.font.highlight_color = getattr(WD_COLOR_INDEX, _HIGHLIGHT)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_docx_report(path: str | Path, analyses: Sequence[Analysis], comparison: dict[str, Any] | None = None,
                      **options: Any) -> None:
    """Write the Word report of ``analyses`` to ``path`` (options as for ``render_report``)."""
    write_bytes_atomic(path, render_docx(report_content(analyses, comparison, **options)))  # whole or not at all
