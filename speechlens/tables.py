"""Plain-text, Markdown and CSV renderings of analyses and comparisons (no HTML here)."""

from __future__ import annotations

import csv
import io
import unicodedata
from typing import Any, Sequence

from .document import LABELS, THEME_NAMES, Analysis
from .outputs import csv_row, printable


def width(s: str) -> int:
    """Terminal columns of ``s`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def pad(s: str, n: int) -> str:
    return s + " " * max(0, n - width(s))


def clip(s: str, n: int) -> str:
    """Cut ``s`` to ``n`` columns, with an ellipsis when cut; line breaks become spaces."""
    s = " ".join(s.split())
    if width(s) <= n:
        return s
    out, w = [], 0
    for c in s:
        cw = width(c)
        if w + cw > n - 1:
            break
        out.append(c)
        w += cw
    return "".join(out) + "…"


def bar(share: float, n: int = 10) -> str:
    full = int(round(share * n))
    return "█" * full + "·" * (n - full)


def _title(a: Analysis) -> str:
    d = a.document
    bits = [d.path or d.id or "(text)"]
    bits += [str(x) for x in (d.unit, d.year, d.genre) if x]
    return " · ".join(bits)


def analysis_text(a: Analysis, *, line: int = 100) -> str:
    """A terminal-readable summary: theme shares and the admitted problems."""
    out = [f"== {_title(a)}"]
    out.append("   themes   " + "  ".join(
        f"{THEME_NAMES[l]} {l} {bar(a.themes.get(l, 0.0))} {a.themes.get(l, 0.0):4.0%}" for l in LABELS[:2]))
    out.append("            " + "  ".join(
        f"{THEME_NAMES[l]} {l} {bar(a.themes.get(l, 0.0))} {a.themes.get(l, 0.0):4.0%}" for l in LABELS[2:]))
    parts = [p for p in a.sections if p["section"] and p["dominant"]]
    if len(parts) > 1:
        out.append("   parts    " + clip(" · ".join(f"{clip(p['section'], 14)} → {THEME_NAMES[p['dominant']]}"
                                                  for p in parts), line - 12))
    if a.problems:
        out.append(f"   admitted problems ({len(a.problems)}):")
        for i, p in enumerate(a.problems, 1):
            tag = "/".join(p.themes) or "—"
            out.append(f"   {i:2d}. [{tag} · {p.specificity}] " + clip(p.text, line - 12 - width(tag) - len(p.specificity)))
    else:
        out.append("   admitted problems: none found")
    return printable("\n".join(out))


def comparison_text(c: dict[str, Any], *, line: int = 100, keyness_top: int = 5) -> str:
    """The comparison as terminal tables: units, shared problems, matrix, keyness, speech."""
    units = c["units"]
    out = [f"== Comparison of {len(units)} units"]
    uw = max([width(u) for u in units] + [4]) + 2
    out.append(pad("unit", uw) + "docs  " + "  ".join(f"{THEME_NAMES[l]}  " for l in LABELS) + "  problems")
    for u, info in units.items():
        out.append(pad(u, uw) + f"{info['documents']:>4}  " +
                   "  ".join(f"{info['themes'][l]:4.0%}" for l in LABELS) + f"  {info['problems']:>8}")
    out.append("")
    out.append(f"-- Shared problems ({len(c['shared_problems'])} groups admitted by two or more units)")
    for g in c["shared_problems"]:
        out.append(f" * {g['label']}  [{len(g['units'])} units, {g['count']} admissions]: " + "、".join(g["units"]))
        first = next(iter(g["examples"].items()))
        out.append("     e.g. " + clip(f"{first[0]}: {first[1]['text']}", line - 9))
    out.append("")
    uniq = c["unique_problems"]
    out.append(f"-- Problems only one unit admits ({sum(len(v) for v in uniq.values())})")
    for u, items in uniq.items():
        for p in items:
            out.append(" * " + clip(f"{u}: {p['text']}", line - 3))
    out.append("")
    out.append("-- Admitted problems by theme (unit × theme)")
    m = c["problem_matrix"]["themes"]
    out.append(pad("unit", uw) + "  ".join(pad(THEME_NAMES[l], 4) for l in LABELS) + "  none")
    for u, row in m.items():
        out.append(pad(u, uw) + "  ".join(f"{row[l]:>4}" for l in LABELS) + f"  {row['none']:>4}")
    out.append("")
    out.append(f"-- Keyness: terms each unit over-uses (signed G², p < 0.05; top {keyness_top})")
    for u, rows in c["keyness"].items():
        terms = "  ".join(f"{r['term']}({r['g2']:.1f})" for r in rows[:keyness_top]) or "—"
        out.append(pad(u, uw) + clip(terms, line - uw))
    sp = c.get("speech")
    if sp:
        out.append("")
        crit = [p for p in sp["points"] if p["kind"] == "criticism"]
        out.append(f"-- The review speech: {len(crit)} criticisms, {len(sp['points']) - len(crit)} tasks")
        for p in crit:
            who = "、".join(p["addressed_by"]) or "no unit admits this"
            out.append(" * " + clip(p["text"], 56) + "  → " + who)
    rec = c.get("recurring_problems") or []
    if rec:
        out.append("")
        out.append(f"-- Admitted again year after year ({len(rec)})")
        for r in rec:
            out.append(f" * {r['unit']} {r['years'][0]}→{r['years'][1]}: " + clip(r["later"], line - 20))
    return printable("\n".join(out))


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"} | {"&": "&amp;"})


def _md(s: str) -> str:
    """Input text as inert Markdown: one line, HTML and Markdown syntax escaped, no control characters."""
    return printable(" ".join(str(s).split())).translate(_MD_SPECIAL)


def analysis_markdown(a: Analysis) -> str:
    out = [f"## {_md(_title(a))}", "", "| theme | share |", "|---|---|"]
    out += [f"| {l} ({THEME_NAMES[l]}) | {a.themes.get(l, 0.0):.1%} |" for l in LABELS]
    out += ["", f"**Admitted problems ({len(a.problems)})**", ""]
    out += [f"{i}. {_md(p.text)} — *{'/'.join(p.themes) or 'no theme'}, {p.specificity}*"
            for i, p in enumerate(a.problems, 1)]
    return "\n".join(out) + "\n"


def comparison_markdown(c: dict[str, Any]) -> str:
    out = ["## Comparison", "", "| unit | docs | " + " | ".join(LABELS) + " | problems |",
           "|---|---|" + "---|" * len(LABELS) + "---|"]
    for u, info in c["units"].items():
        out.append(f"| {_md(u)} | {info['documents']} | " +
                   " | ".join(f"{info['themes'][l]:.0%}" for l in LABELS) + f" | {info['problems']} |")
    out += ["", "### Shared problems", "", "| group | units | admissions | example |", "|---|---|---|---|"]
    for g in c["shared_problems"]:
        u, ex = next(iter(g["examples"].items()))
        out.append(f"| {_md(g['label'])} | {_md('、'.join(g['units']))} | {g['count']} | {_md(u)}: {_md(ex['text'])} |")
    out += ["", "### Problems only one unit admits", ""]
    for u, items in c["unique_problems"].items():
        out += [f"- **{_md(u)}**: {_md(p['text'])}" for p in items]
    out += ["", "### Admitted problems by theme", "", "| unit | " + " | ".join(LABELS) + " | none |",
            "|---|" + "---|" * (len(LABELS) + 1)]
    for u, row in c["problem_matrix"]["themes"].items():
        out.append(f"| {_md(u)} | " + " | ".join(str(row[l]) for l in LABELS) + f" | {row['none']} |")
    out += ["", "### Keyness (signed G², p < 0.05)", "", "| unit | terms |", "|---|---|"]
    for u, rows in c["keyness"].items():
        out.append(f"| {_md(u)} | " + ", ".join(f"{_md(r['term'])} ({r['g2']:.1f})" for r in rows[:8]) + " |")
    if c.get("speech"):
        out += ["", "### The review speech's criticisms", "", "| criticism | admitted by |", "|---|---|"]
        for p in c["speech"]["points"]:
            if p["kind"] == "criticism":
                out.append(f"| {_md(p['text'])} | {_md('、'.join(p['addressed_by']) or '—')} |")
    if c.get("recurring_problems"):
        out += ["", "### Admitted again year after year", ""]
        out += [f"- **{_md(r['unit'])}** {r['years'][0]}→{r['years'][1]}: {_md(r['later'])}"
                for r in c["recurring_problems"]]
    return "\n".join(out) + "\n"


CSV_COLUMNS = ("table", "unit", "item", "measure", "value", "text")


def comparison_rows(c: dict[str, Any]) -> list[dict[str, Any]]:
    """The comparison as one tidy long table (one fact per row)."""
    rows: list[dict[str, Any]] = []

    def add(table: str, unit: str, item: str, measure: str, value: Any, text: str = "") -> None:
        rows.append({"table": table, "unit": unit, "item": item, "measure": measure,
                     "value": value, "text": text})

    for u, info in c["units"].items():
        add("units", u, "documents", "count", info["documents"])
        add("units", u, "problems", "count", info["problems"])
        for l in LABELS:
            add("units", u, l, "share", info["themes"][l])
    for u, row in c["problem_matrix"]["themes"].items():
        for t, n in row.items():
            add("problem_matrix_themes", u, t, "count", n)
    for u, row in c["problem_matrix"]["subthemes"].items():
        for t, n in row.items():
            add("problem_matrix_subthemes", u, t, "count", n)
    for g in c["shared_problems"]:
        for u, ex in g["examples"].items():
            add("shared_problems", u, g["label"], "member_of_group_of_units", len(g["units"]), ex["text"])
    for u, items in c["unique_problems"].items():
        for p in items:
            add("unique_problems", u, p.get("subtheme") or "", "specificity", p["specificity"], p["text"])
    for u, items in c["keyness"].items():
        for r in items:
            add("keyness", u, r["term"], "g2", r["g2"], f"p={r['p']}; target={r['target']}; reference={r['reference']}")
    for u, row in c["similarity"].items():
        for v, s in row.items():
            add("similarity", u, v, "cosine", s)
    if c.get("speech"):
        for p in c["speech"]["points"]:
            for u, ex in (p["addressed_by"] or {"": {"text": ""}}).items():
                add("speech_" + p["kind"], u, p["text"], "addressed", bool(u), ex["text"])
    for r in c.get("recurring_problems") or []:
        add("recurring_problems", r["unit"], f"{r['years'][0]}-{r['years'][1]}", "similarity",
            r["similarity"], r["later"])
    return rows


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str] = CSV_COLUMNS) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(csv_row(r))  # cells that would run as spreadsheet formulas are neutralised
    return buf.getvalue()
