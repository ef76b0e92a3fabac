"""Text-reuse results as a terminal table and as tidy CSV rows."""

from __future__ import annotations

from typing import Any

from speechlens.output.tables import clip, md, pad
from speechlens.comparison.textreuse import Reuse

PASSAGE_COLUMNS = ("a", "b", "a_unit", "b_unit", "a_year", "b_year", "source", "target", "a_start", "a_end",
                   "b_start", "b_end", "chars", "similarity", "a_text", "b_text")
DOCUMENT_COLUMNS = ("id", "unit", "year", "chars", "reused_share", "boilerplate_share", "shared_with")
CSV_COLUMNS = ("table",) + PASSAGE_COLUMNS + ("reused_share", "boilerplate_share", "shared_with")


def passage_rows(r: Reuse) -> list[dict[str, Any]]:
    """One row per shared passage, with both documents and offsets into both."""
    rows = []
    for p in r.pairs:
        for x in p.passages:
            rows.append({"a": p.a, "b": p.b, "a_unit": p.a_unit, "b_unit": p.b_unit, "a_year": p.a_year,
                         "b_year": p.b_year, "source": p.source, "target": p.target, **x.to_dict()})
    return rows


def document_rows(r: Reuse) -> list[dict[str, Any]]:
    """One row per document: its reused and stock-formula shares, and where its passages recur."""
    return [{"id": d.id, "unit": d.unit, "year": d.year, "chars": d.chars,
             "reused_share": round(d.reused_share, 4), "boilerplate_share": round(d.boilerplate_share, 4),
             "shared_with": "; ".join(f"{k} {v:.1%}" for k, v in d.shared_with.items())} for d in r.documents]


def reuse_rows(r: Reuse) -> list[dict[str, Any]]:
    """Both tables in one tidy CSV: ``table`` is ``passage`` or ``document``."""
    rows = [{"table": "passage", **x} for x in passage_rows(r)]
    rows += [{"table": "document", "a": d["id"], "a_unit": d["unit"], "a_year": d["year"], "chars": d["chars"],
              "reused_share": d["reused_share"], "boilerplate_share": d["boilerplate_share"],
              "shared_with": d["shared_with"]} for d in document_rows(r)]
    return rows


def _name(doc_id: str, unit: str | None, year: int | None) -> str:
    return f"{unit} {year}" if unit and year else unit or doc_id


def reuse_text(r: Reuse, *, line: int = 100) -> str:
    """A terminal summary: pairs with their passages side by side, then per-document shares."""
    out = [f"== Text reuse: {len(r.pairs)} document pairs share passages ({len(r.documents)} documents)"]
    half = (line - 6) // 2
    for p in r.pairs:
        a, b = _name(p.a, p.a_unit, p.a_year), _name(p.b, p.b_unit, p.b_year)
        arrow = f"{a} → {b}" if p.source == p.a else f"{b} → {a}" if p.source == p.b else f"{a} ↔ {b}"
        out.append(f"-- {arrow}: {len(p.passages)} passage(s), {p.chars} characters")
        for x in p.passages:
            out.append(f"   {pad(clip(x.a_text, half), half)} | {clip(x.b_text, half)}")
            out.append(f"   [{x.a_start}:{x.a_end}] · [{x.b_start}:{x.b_end}] · similarity {x.similarity:.2f}")
    out.append("-- Per document: share found in another document · share in stock formulas (套话)")
    for d in r.documents:
        where = ", ".join(f"{k} {v:.0%}" for k, v in list(d.shared_with.items())[:3])
        out.append(f"   {pad(clip(_name(d.id, d.unit, d.year), 24), 24)} reused {d.reused_share:6.1%}  "
                   f"stock {d.boilerplate_share:6.1%}  {where}")
    if r.boilerplate:
        out.append("-- Stock formulas found in many units (first few)")
        out.extend(f"   {clip(s, line - 3)}" for s in r.boilerplate[:8])
    return "\n".join(out)


def reuse_long_rows(r: Reuse) -> list[dict[str, Any]]:
    """Reuse in the comparison's tidy long table (table, unit, item, measure, value, text)."""
    rows = []
    for p in r.pairs:
        for x in p.passages:
            direction = f"{p.source} -> {p.target}" if p.source else "same year"
            rows.append({"table": "reuse_passages", "unit": p.a_unit or p.a, "item": p.b, "measure": "shared_chars",
                         "value": x.chars, "text": f"{x.a_text} || {x.b_text} ({direction})", "item_name": p.b})
    for d in r.documents:
        for measure in ("reused_share", "boilerplate_share"):
            rows.append({"table": "reuse_documents", "unit": d.unit or d.id, "item": d.id, "measure": measure,
                         "value": round(getattr(d, measure), 4), "text": "", "item_name": d.id})
    return rows


def reuse_markdown(r: Reuse) -> str:
    """A Markdown section: shares per document, then the passages."""
    out = ["## Text reuse", "", "| document | reused | stock formulas | shared with |", "|---|---:|---:|---|"]
    for d in r.documents:
        where = ", ".join(f"{k} {v:.0%}" for k, v in list(d.shared_with.items())[:3])
        out.append(f"| {md(_name(d.id, d.unit, d.year))} | {d.reused_share:.1%} | {d.boilerplate_share:.1%} | {md(where)} |")
    out += ["", "| from | to | passage | in the other |", "|---|---|---|---|"]
    for p in r.pairs:
        a, b = _name(p.a, p.a_unit, p.a_year), _name(p.b, p.b_unit, p.b_year)
        if p.source == p.b:
            a, b = b, a
        for x in p.passages:
            first, second = (x.b_text, x.a_text) if p.source == p.b else (x.a_text, x.b_text)
            out.append(f"| {md(a)} | {md(b)} | {md(first)} | {md(second)} |")
    return "\n".join(out)
