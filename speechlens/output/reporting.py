"""A self-contained HTML report (styles inline, pictures embedded) rendered with Jinja2, which
escapes every piece of input text by default."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Sequence

from speechlens.output.display import file_name, genre_name, specificity_name, subtheme_name, theme_names, themes_label, words
from speechlens.labels import LABELS
from speechlens.pipeline.results import Analysis, Problem
from speechlens.comparison.grouping import group_key
from speechlens import __version__
from speechlens.output.plots import problem_heatmap, theme_shares_chart, trend_chart, word_cloud, word_frequencies
from speechlens.output.fonts import FontError, find_font
from speechlens.output.files import write_text_atomic


def paragraphs_with_problems(a: Analysis, *, limit: int = 1200, lang: str = "zh") -> list[dict[str, Any]]:
    """The paragraphs of ``a`` that hold admissions, each once, cut into plain and marked pieces.

    A paragraph is a line of the original text; every admission in it is marked (with its themes
    and specificity) and the heading it sits under is kept. Paragraphs longer than ``limit``
    characters are trimmed to the stretch around their admissions.
    """
    text = a.document.text
    groups: dict[tuple[int, int], list[Problem]] = {}
    for p in sorted(a.problems, key=lambda p: (p.start, p.end)):
        lo = text.rfind("\n", 0, p.start) + 1
        hi = text.find("\n", p.start)
        groups.setdefault((lo, len(text) if hi < 0 else hi), []).append(p)
    windows: list[tuple[int, int, bool, bool, list[Problem]]] = []
    for (lo, hi), probs in groups.items():
        if hi - lo <= limit:
            windows.append((lo, hi, False, False, probs))
            continue
        # A very long paragraph (a text with few line breaks): one window per run of nearby
        # admissions, each with some context, so no stretch of text is shown twice.
        runs = [[probs[0]]]
        for p in probs[1:]:
            if p.start - runs[-1][-1].end > limit // 3:
                runs.append([p])
            else:
                runs[-1].append(p)
        for run in runs:
            lo2 = max(lo, run[0].start - limit // 6)
            hi2 = min(hi, max(p.end for p in run) + limit // 6)
            if windows and windows[-1][1] > lo2:  # touching the previous window: start after it
                lo2 = windows[-1][1]
            windows.append((lo2, hi2, lo2 > lo, hi2 < hi, run))
    out = []
    for lo, hi, head, tail, probs in windows:
        pieces: list[dict[str, Any]] = [{"text": "…"}] if head else []
        pos = lo
        for p in probs:
            s, e = max(p.start, pos), min(p.end, hi)
            if e <= s:
                continue
            if s > pos:
                pieces.append({"text": text[pos:s]})
            pieces.append({"text": text[s:e], "start": p.start, "themes": list(p.themes),
                           "theme": p.themes[0] if p.themes else "none",
                           "tag": f"{themes_label(p.themes, lang)} · {specificity_name(p.specificity, lang)}",
                           "specificity": p.specificity, "subtheme": p.subtheme or ""})
            pos = e
        if pos < hi:
            pieces.append({"text": text[pos:hi]})
        if tail:
            pieces.append({"text": "…"})
        out.append({"heading": probs[0].section or "", "pieces": pieces})
    return out


def report_content(analyses: Sequence[Analysis], comparison: dict[str, Any] | None = None, *,
                   pictures: bool = True, font: str | None = None, segmenter: Any = None,
                   title: str | None = None, lang: str = "zh", keep_names: bool = False,
                   drop_names: bool = False, by: str = "unit", stopwords: Any = None,
                   default_stopwords: bool = True, reuse: Any = None) -> dict[str, Any]:
    """What every report shows, whatever its format (HTML or Word): documents with their marked
    paragraphs, the comparison, and the pictures as PNG bytes. Word clouds are one per group
    of ``by`` (as in ``compare``), shown with the group's first document; ``reuse`` (a
    :class:`speechlens.comparison.textreuse.Reuse` of the same documents) adds its section."""
    w = words(lang)
    key_of = group_key(by)
    docs = []
    clouds: dict[str, bytes] = {}
    charts: list[dict[str, Any]] = []
    if pictures:
        freqs = word_frequencies([a.document for a in analyses], segmenter, by=by, keep_names=keep_names,
                                 drop_names=drop_names, stopwords=stopwords,
                                 default_stopwords=default_stopwords)
        for key, c in freqs.items():
            if c:
                clouds[key], _ = word_cloud(c, font=font, width=480, height=260, max_words=60)
        if comparison:
            charts.append({"alt": w["theme_shares"], "png": theme_shares_chart(comparison, font=font, lang=lang)})
            charts.append({"alt": w["heat_title"], "png": problem_heatmap(comparison, font=font, lang=lang)})
            trend = trend_chart(comparison, font=font, lang=lang)
            if trend is not None:
                charts.append({"alt": w["trend_title"], "png": trend})
    groups: dict[tuple[Any, int], str] = {}
    for g in (comparison or {}).get("shared_problems", []):
        for m in g.get("members", []):
            groups[(m["document"], m["start"])] = g["label"]
    rows = []
    for di, a in enumerate(analyses, 1):
        d = a.document
        # One row per admission; its anchor is the mark of its first flagged sentence.
        for p in a.admissions:
            rows.append({"unit": d.unit or d.id or "", "year": d.year or "", "themes": list(p.themes) or ["none"],
                         "theme_names": themes_label(p.themes, lang), "sub": p.subtheme or "",
                         "sub_name": subtheme_name(p.subtheme, lang), "spec": p.specificity,
                         "spec_name": specificity_name(p.specificity, lang),
                         "group": groups.get((d.id or d.path, p.start), ""), "text": p.text,
                         "anchor": f"p-{di}-{p.start}"})
    for a in analyses:
        d = a.document
        docs.append({"unit": d.unit, "id": d.id, "year": d.year, "genre": genre_name(a.genre, lang),
                     "file": file_name(d.path), "themes": a.themes, "n_problems": len(a.admissions),
                     "paragraphs": paragraphs_with_problems(a, lang=lang),
                     "cloud": clouds.pop(key_of(a), None)})  # once per group
    single = None
    if len(analyses) == 1:
        a = analyses[0]
        paras: list[list[dict[str, Any]]] = [[]]
        for i, t in enumerate(a.sentences):
            s = t.sentence
            nxt = a.sentences[i + 1].sentence.start if i + 1 < len(a.sentences) else len(a.document.text)
            top = max(t.scores, key=t.scores.get) if t.themes else ""
            paras[-1].append({"text": s.text, "theme": top if top in t.themes else "", "problem": t.problem,
                              "css": " ".join(filter(None, [top if top in t.themes else "",
                                                            "problem" if t.problem else ""])),
                              "title": themes_label(t.themes, lang)})
            if "\n" in a.document.text[s.end:nxt]:
                paras.append([])
        single = {"outline": [t.sentence.text for t in a.sentences if t.sentence.is_heading],
                  "paragraphs": [p for p in paras if p]}
    heat_max = 1
    if comparison:
        heat_max = max([1] + [v for row in comparison["problem_matrix"]["themes"].values() for v in row.values()])

    return {"title": title or w["title"], "version": __version__,
            "model": analyses[0].model if analyses else None, "labels": list(LABELS),
            "names": theme_names(lang), "w": w, "lang": lang, "comparison": comparison, "documents": docs,
            "single": single, "charts": charts, "heat_max": heat_max, "rows": rows,
            "reuse": _reuse_context(reuse, analyses) if reuse is not None else None,
            "choices": {k: sorted({(v, n) for r in rows for v, n in _pairs(r, k)}, key=lambda x: str(x[1]))
                        for k in ("unit", "year", "themes", "sub", "spec", "group")}}


def _pairs(row: dict[str, Any], key: str) -> list[tuple[Any, str]]:
    """(machine value, display name) pairs of one admission for one filter of the table."""
    if key == "themes":  # the template shows each label's display name
        return [(t, t) for t in row["themes"]]
    if key == "sub":
        return [(row["sub"], row["sub_name"] or row["sub"])] if row["sub"] else []
    if key == "spec":
        return [(row["spec"], row["spec_name"])]
    return [(row[key], str(row[key]))] if row[key] != "" else []


def render_report(analyses: Sequence[Analysis], comparison: dict[str, Any] | None = None, *,
                  pictures: bool = True, font: str | None = None, segmenter: Any = None,
                  title: str | None = None, lang: str = "zh", keep_names: bool = False,
                  drop_names: bool = False, by: str = "unit", stopwords: Any = None,
                  default_stopwords: bool = True, reuse: Any = None) -> str:
    """The report page as a string; ``pictures`` adds charts and word clouds (needs a CJK font);
    ``reuse`` (a :class:`speechlens.comparison.textreuse.Reuse` of the same documents) adds its section.

    Labels are in ``lang`` (Chinese by default); no local path is shown, only file names.
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    ctx = report_content(analyses, comparison, pictures=pictures, font=font, segmenter=segmenter,
                         title=title, lang=lang, keep_names=keep_names, drop_names=drop_names, by=by,
                         stopwords=stopwords, default_stopwords=default_stopwords, reuse=reuse)
    for c in ctx["charts"]:
        c["data"] = base64.b64encode(c["png"]).decode("ascii")
    for d in ctx["documents"]:
        d["cloud"] = base64.b64encode(d["cloud"]).decode("ascii") if d["cloud"] else None
    env = Environment(loader=PackageLoader("speechlens", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    page = env.get_template("report.html").render(**ctx)
    face = _font_face(page, font) if pictures else ""
    if face:
        page = page.replace("</style>", face + "\n</style>", 1)
    return page


def _context(text: str, start: int, end: int, limit: int = 120) -> tuple[str, str]:
    """Up to ``limit`` characters of the same line before and after ``text[start:end]``."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    b = len(text) if b < 0 else b
    return text[max(a, start - limit):start], text[end:min(b, end + limit)]


def _reuse_context(reuse: Any, analyses: Sequence[Analysis]) -> dict[str, Any]:
    """The reuse section: per-document shares, and each pair's passages with their context;
    documents are named by unit and year, else by file name (never a local folder)."""
    texts = {(a.document.id or a.document.path or f"doc{n}"): a.document.text for n, a in enumerate(analyses)}
    info = {(a.document.id or a.document.path or f"doc{n}"): (a.document.unit, a.document.year)
            for n, a in enumerate(analyses)}

    def name(doc_id: str, unit: str | None = None, year: int | None = None) -> str:
        if not unit and doc_id in info:
            unit, year = info[doc_id]
        return f"{unit} {year}" if unit and year else unit or file_name(doc_id) or doc_id

    pairs = []
    for p in reuse.pairs:
        a, b = name(p.a, p.a_unit, p.a_year), name(p.b, p.b_unit, p.b_year)
        title = f"{a} → {b}" if p.source == p.a else f"{b} → {a}" if p.source == p.b else f"{a} ↔ {b}"
        passages = []
        for x in p.passages:
            ab, aa = _context(texts.get(p.a, ""), x.a_start, x.a_end, 40)
            bb, ba = _context(texts.get(p.b, ""), x.b_start, x.b_end, 40)
            passages.append({"a_text": x.a_text, "b_text": x.b_text, "a_before": ab, "a_after": aa,
                             "b_before": bb, "b_after": ba, "chars": x.chars, "similarity": x.similarity})
        pairs.append({"title": title, "passages": passages})
    docs = [{"name": name(d.id, d.unit, d.year), "reused_share": d.reused_share,
             "boilerplate_share": d.boilerplate_share,
             "shared_with": ", ".join(f"{name(k)} {v:.0%}" for k, v in list(d.shared_with.items())[:4])}
            for d in reuse.documents]
    return {"pairs": pairs, "documents": docs, "min_chars": reuse.min_chars}


def _font_face(page: str, font: str | None) -> str:
    """An @font-face rule embedding the CJK font, cut down to the characters on the page, so
    Chinese renders even on machines without a Chinese font."""
    from fontTools import subset


    try:
        path = find_font(font)
    except FontError:
        return ""
    chars = {ord(c) for c in page if ord(c) > 127}
    opts = subset.Options()
    opts.flavor = None
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    try:
        f = subset.load_font(path, opts, dontLoadGlyphNames=True)
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=chars)
        sub.subset(f)
        import io

        buf = io.BytesIO()
        subset.save_font(f, buf, opts)
    except Exception:  # a font fontTools cannot subset: the page falls back to system fonts
        return ""
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    fmt = "opentype" if path.lower().endswith(".otf") else "truetype"
    return ("@font-face { font-family: 'speechlens-cjk'; "
            f"src: url(data:font/{'otf' if fmt == 'opentype' else 'ttf'};base64,{data}) format('{fmt}'); }}\n"
            "body { font-family: 'speechlens-cjk', 'Noto Sans CJK SC', sans-serif; }")


def write_report(path: str | Path, html: str) -> None:
    """Write the report whole or not at all (a temporary file renamed over ``path``)."""
    write_text_atomic(path, html)


