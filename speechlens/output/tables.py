"""Plain-text, Markdown and CSV renderings of analyses and comparisons (no HTML here)."""

from __future__ import annotations

import csv
import io
import unicodedata
from typing import Any, Sequence

from speechlens.output.display import file_name, genre_name, item_name, specificity_name, theme_name, themes_label, words
from speechlens.labels import LABELS
from speechlens.pipeline.results import Analysis
from speechlens.output.files import csv_row, printable


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


def _title(a: Analysis, lang: str = "zh") -> str:
    """File name (never its folders), unit, year and genre."""
    d = a.document
    bits = [file_name(d.path) or d.id or "(text)"]
    bits += [str(x) for x in (d.unit, d.year, genre_name(a.genre, lang)) if x]
    return " · ".join(bits)


def analysis_text(a: Analysis, *, line: int = 100, lang: str = "zh") -> str:
    """A terminal-readable summary: theme shares and the admitted problems."""
    w = words(lang)
    out = [f"== {_title(a, lang)}"]
    head = pad(w["themes"], 8)
    for k, labels in enumerate((LABELS[:2], LABELS[2:])):
        out.append(f"   {head if k == 0 else ' ' * width(head)} " + "  ".join(
            f"{theme_name(l, lang)} {bar(a.themes.get(l, 0.0))} {a.themes.get(l, 0.0):4.0%}" for l in labels))
    parts = [p for p in a.sections if p["section"] and p["dominant"]]
    if len(parts) > 1:
        out.append(f"   {pad(w['parts'], 8)} " + clip(" · ".join(
            f"{clip(p['section'], 14)} → {theme_name(p['dominant'], lang)}" for p in parts), line - 12))
    admitted = a.admissions
    if admitted:
        out.append(f"   {w['admitted']} ({len(admitted)}):")
        for i, p in enumerate(admitted, 1):
            tag = f"{themes_label(p.themes, lang)} · {specificity_name(p.specificity, lang)}"
            out.append(f"   {i:2d}. [{tag}] " + clip(p.text, line - 10 - width(tag)))
    else:
        out.append(f"   {w['admitted']}: {w['none_found']}")
    return printable("\n".join(out))


def comparison_text(c: dict[str, Any], *, line: int = 100, keyness_top: int = 5, lang: str = "zh") -> str:
    """The comparison as terminal tables: units, shared problems, matrix, keyness, speech."""
    w = words(lang)
    units = c["units"]
    out = [f"== {w['comparison'].format(n=len(units))}"]
    uw = max([width(u) for u in units] + [4]) + 2
    tw = max(width(theme_name(l, lang)) for l in LABELS) + 2
    fw = max(width(w["formulaic"]), 4) + 2
    out.append(pad(w["unit"], uw) + pad(w["docs"], 8) + "".join(pad(theme_name(l, lang), tw) for l in LABELS)
               + pad(w["problems"], 10) + w["formulaic"])
    for u, info in units.items():
        share = info.get("formulaic_share")
        out.append(pad(u, uw) + pad(f"{info['documents']:>4}", 8) +
                   "".join(pad(f"{info['themes'][l]:4.0%}", tw) for l in LABELS) + pad(f"{info['problems']:>4}", 10)
                   + ("   —" if share is None else f"{share:4.0%}"))
    extra = [n for info in units.values() for n in info.get("user_themes", {})]
    if extra:
        names = list(dict.fromkeys(extra))
        out.append("")
        out.append(f"-- {w['user_themes']}")
        out.append(pad(w["unit"], uw) + "  ".join(pad(n, max(6, width(n))) for n in names))
        for u, info in units.items():
            out.append(pad(u, uw) + "  ".join(pad(f"{info['user_themes'][n]:.0%}", max(6, width(n))) for n in names))
    out.append("")
    out.append(f"-- {w['shared']} ({len(c['shared_problems'])})")
    for g in c["shared_problems"]:
        out.append(f" * {g['label']}  [{w['units_n'].format(n=len(g['units']))}, "
                   f"{w['admissions_n'].format(n=g['count'])}]: " + "、".join(g["units"]))
        first = next(iter(g["examples"].items()))
        out.append(f"     {w['eg']} " + clip(f"{first[0]}: {first[1]['text']}", line - 9))
    out.append("")
    uniq = c["unique_problems"]
    out.append(f"-- {w['unique']} ({sum(len(v) for v in uniq.values())})")
    for u, items in uniq.items():
        for p in items:
            out.append(" * " + clip(f"{u}: {p['text']}", line - 3))
    out.append("")
    out.append(f"-- {w['by_theme']}")
    m = c["problem_matrix"]["themes"]
    out.append(pad(w["unit"], uw) + "".join(pad(theme_name(l, lang), tw) for l in LABELS + ("none",)))
    for u, row in m.items():
        out.append(pad(u, uw) + "".join(pad(f"{row[l]:>4}", tw) for l in LABELS + ("none",)))
    out.append("")
    out.append(f"-- {w['keyness_head'].format(n=keyness_top)}")
    for u, rows in c["keyness"].items():
        terms = "  ".join(f"{r['term']}({r['g2']:.1f})" for r in rows[:keyness_top]) or "—"
        out.append(pad(u, uw) + clip(terms, line - uw))
    sp = c.get("speech")
    if sp:
        out.append("")
        crit = [p for p in sp["points"] if p["kind"] == "criticism"]
        out.append(f"-- {w['speech_head'].format(c=len(crit), t=len(sp['points']) - len(crit))}")
        for p in crit:
            who = "、".join(p["addressed_by"]) or w["no_unit"]
            out.append(" * " + clip(p["text"], 56) + "  → " + who)
    rec = c.get("recurring_problems") or []
    if rec:
        out.append("")
        out.append(f"-- {w['recurring']} ({len(rec)})")
        for r in rec:
            out.append(f" * {r['unit']} {r['years'][0]}→{r['years'][1]}: " + clip(r["later"], line - 20))
    return printable("\n".join(out))


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"} | {"&": "&amp;"})


def md(s: str) -> str:
    """Input text as inert Markdown: one line, HTML and Markdown syntax escaped, no control characters."""
    return printable(" ".join(str(s).split())).translate(_MD_SPECIAL)


def analysis_markdown(a: Analysis, lang: str = "zh") -> str:
    w = words(lang)
    out = [f"## {md(_title(a, lang))}", "", f"| {w['theme']} | {w['theme_shares']} |", "|---|---|"]
    out += [f"| {theme_name(l, lang)} | {a.themes.get(l, 0.0):.1%} |" for l in LABELS]
    admitted = a.admissions
    out += ["", f"**{w['admitted']} ({len(admitted)})**", ""]
    out += [f"{i}. {md(p.text)} — *{themes_label(p.themes, lang)}, {specificity_name(p.specificity, lang)}*"
            for i, p in enumerate(admitted, 1)]
    return "\n".join(out) + "\n"


def comparison_markdown(c: dict[str, Any], lang: str = "zh") -> str:
    w = words(lang)
    names = [theme_name(l, lang) for l in LABELS]
    out = [f"## {w['comparison'].format(n=len(c['units']))}", "",
           f"| {w['unit']} | {w['docs']} | " + " | ".join(names) + f" | {w['problems']} |",
           "|---|---|" + "---|" * len(LABELS) + "---|"]
    for u, info in c["units"].items():
        out.append(f"| {md(u)} | {info['documents']} | " +
                   " | ".join(f"{info['themes'][l]:.0%}" for l in LABELS) + f" | {info['problems']} |")
    out += ["", f"### {w['shared']}", "",
            f"| {w['group']} | {w['unit']} | {w['count']} | {w['eg']} |", "|---|---|---|---|"]
    for g in c["shared_problems"]:
        u, ex = next(iter(g["examples"].items()))
        out.append(f"| {md(g['label'])} | {md('、'.join(g['units']))} | {g['count']} | {md(u)}: {md(ex['text'])} |")
    out += ["", f"### {w['unique']}", ""]
    for u, items in c["unique_problems"].items():
        out += [f"- **{md(u)}**: {md(p['text'])}" for p in items]
    out += ["", f"### {w['by_theme']}", "", f"| {w['unit']} | " + " | ".join(names) + f" | {theme_name('none', lang)} |",
            "|---|" + "---|" * (len(LABELS) + 1)]
    for u, row in c["problem_matrix"]["themes"].items():
        out.append(f"| {md(u)} | " + " | ".join(str(row[l]) for l in LABELS) + f" | {row['none']} |")
    out += ["", f"### {w['keyness']} (G², p < 0.05)", "", f"| {w['unit']} | {w['terms']} |", "|---|---|"]
    for u, rows in c["keyness"].items():
        out.append(f"| {md(u)} | " + ", ".join(f"{md(r['term'])} ({r['g2']:.1f})" for r in rows[:8]) + " |")
    if c.get("speech"):
        out += ["", f"### {w['speech']}", "", f"| {w['criticism']} | {w['admitted_by']} |", "|---|---|"]
        for p in c["speech"]["points"]:
            if p["kind"] == "criticism":
                out.append(f"| {md(p['text'])} | {md('、'.join(p['addressed_by']) or '—')} |")
    if c.get("recurring_problems"):
        out += ["", f"### {w['recurring']}", ""]
        out += [f"- **{md(r['unit'])}** {r['years'][0]}→{r['years'][1]}: {md(r['later'])}"
                for r in c["recurring_problems"]]
    return "\n".join(out) + "\n"


CSV_COLUMNS = ("table", "unit", "item", "measure", "value", "text", "item_name")


def comparison_rows(c: dict[str, Any], lang: str = "zh") -> list[dict[str, Any]]:
    """The comparison as one tidy long table (one fact per row); ``value`` is always a number
    (counts, shares, G², cosines, 0/1 flags), so pandas and R read it as one numeric column;
    ``item_name`` is the item's display name in ``lang`` (发展 for the machine name ``development``)."""
    rows: list[dict[str, Any]] = []

    def add(table: str, unit: str, item: str, measure: str, value: Any, text: str = "") -> None:
        rows.append({"table": table, "unit": unit, "item": item, "measure": measure,
                     "value": value, "text": text, "item_name": item_name(item, lang)})

    for u, info in c["units"].items():
        add("units", u, "documents", "count", info["documents"])
        add("units", u, "problems", "count", info["problems"])
        if info.get("formulaic_share") is not None:
            add("units", u, "formulaic", "share", info["formulaic_share"])
        for name, share in (info.get("user_themes") or {}).items():
            add("user_themes", u, name, "share", share)
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
            add("unique_problems", u, p.get("subtheme") or "", "formulaic", int(p["specificity"] == "formulaic"),
                p["text"])
    for u, items in c["keyness"].items():
        for r in items:
            add("keyness", u, r["term"], "g2", r["g2"], f"p={r['p']}; target={r['target']}; reference={r['reference']}")
    for u, row in c["similarity"].items():
        for v, s in row.items():
            add("similarity", u, v, "cosine", s)
    if c.get("speech"):
        for p in c["speech"]["points"]:
            for u, ex in (p["addressed_by"] or {"": {"text": ""}}).items():
                add("speech_" + p["kind"], u, p["text"], "addressed", int(bool(u)), ex["text"])
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


def evaluation_text(result: dict[str, Any]) -> str:
    """The ``speechlens evaluate`` table of an ``evaluate_gold`` result: P/R/F1 per label beside
    the keyword baseline's F1."""
    m, base = result["model"], result["keyword_baseline"]
    lines = [f"{result['n']} sentences",
             f"{'label':<12}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}   baseline F1"]
    for l in LABELS:
        r = m[l]
        lines.append(f"{l:<12}{r['precision']:>10.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}{r['support']:>9}   {base[l]['f1']:.3f}")
    lines.append(f"{'macro-F1':<12}{'':>10}{'':>8}{m['macro_f1']:>8.3f}{'':>9}   {base['macro_f1']:.3f}")
    if "problem" in m:
        r = m["problem"]
        lines.append(f"{'problem':<12}{r['precision']:>10.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}{r['support']:>9}")
    return "\n".join(lines)


KWIC_COLUMNS = ("document", "unit", "section", "start", "end", "left", "keyword", "right")


def kwic_text(hits: Sequence[Any], term: str, window: int) -> str:
    """The terminal table of KWIC hits: unit, left context right-aligned, [keyword], right context."""
    lines = [f"{len(hits)} hits for {term}"]
    for h in hits:
        left = h.left[-window:]
        lines.append(f"{pad(clip(h.unit or h.document or '', 12), 12)} "
                     f"{' ' * max(0, 2 * window - width(left))}{left} [{h.keyword}] {h.right}")
    return "\n".join(lines)
