"""Tidy tables for pandas (``to_pandas()``) and compact notebook views (``_repr_html_``).

One row per thing, one column per variable, numbers as numbers, lists as lists (Parquet list
columns), metadata as real columns; ``document`` and ``shared_problem`` columns join the tables.
pandas is an optional extra (``pip install "speechlens[pandas]"``), imported only here.
"""

from __future__ import annotations

import html
from typing import Any, Iterable, Mapping, Sequence

from speechlens.labels import LABELS, THEME_NAMES
from speechlens.errors import SpeechlensError


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise SpeechlensError('to_pandas() needs pandas: pip install "speechlens[pandas]"') from None
    return pandas


def _doc_id(a: Any) -> str | None:
    d = a.document
    return d.id or d.path


def _frame(rows: list[dict[str, Any]], columns: Sequence[str], dtypes: Mapping[str, str]) -> Any:
    pd = _pandas()
    df = pd.DataFrame(rows, columns=list(dict.fromkeys([*columns, *(k for r in rows for k in r)])))
    for col, dtype in dtypes.items():
        if col in df:
            df[col] = df[col].astype(dtype)
    return df


_INT = "Int64"      # pandas' nullable integer: a missing year stays missing, not 0 or a float
_STR = "string"


def analysis_frames(analyses: Iterable[Any]) -> dict[str, Any]:
    """documents, sentences, problems (flagged sentences) and admissions of analysed documents."""
    docs, sents, probs, adms = [], [], [], []
    for a in analyses:
        d = a.document
        doc = _doc_id(a)
        row = {"document": doc, "path": d.path, "unit": d.unit, "year": d.year, "genre": a.genre,
               "role": d.role, "person": d.person, "characters": len(d.text), "model": a.model}
        row.update({f"theme_{l}": float(a.themes.get(l, 0.0)) for l in LABELS})
        row["admissions"] = len(a.admissions)
        for k, v in d.meta.items():
            row.setdefault(str(k), v)
        docs.append(row)
        for i, t in enumerate(a.sentences):
            s = t.sentence
            r = {"document": doc, "index": i, "start": s.start, "end": s.end, "text": s.text,
                 "section": s.section, "heading": bool(s.is_heading), "themes": list(t.themes),
                 "subtheme": t.subtheme, "problem": bool(t.problem), "problem_score": float(t.problem_score)}
            r.update({f"score_{l}": float(t.scores.get(l, 0.0)) for l in LABELS})
            sents.append(r)
        for i, p in enumerate(a.problems):
            probs.append({"document": doc, "unit": d.unit, "year": d.year, "index": i, "text": p.text,
                          "start": p.start, "end": p.end, "sentence": p.sentence_index, "themes": list(p.themes),
                          "subtheme": p.subtheme, "cues": list(p.cues), "section": p.section,
                          "specificity": p.specificity, "score": float(p.score)})
        for i, x in enumerate(a.admissions):
            adms.append({"document": doc, "unit": d.unit, "year": d.year, "index": i, "text": x.text,
                         "start": x.start, "end": x.end, "sentences": len(x.parts), "themes": list(x.themes),
                         "subtheme": x.subtheme, "cues": list(x.cues), "section": x.section,
                         "specificity": x.specificity, "score": float(x.score)})
    common = {"document": _STR, "unit": _STR, "year": _INT, "text": _STR, "section": _STR,
              "subtheme": _STR, "specificity": _STR, "start": "int64", "end": "int64", "index": "int64"}
    return {
        "documents": _frame(docs, ["document"], {"document": _STR, "path": _STR, "unit": _STR, "year": _INT,
                                                 "genre": _STR, "role": _STR, "person": _STR,
                                                 "characters": "int64", "admissions": "int64"}),
        "sentences": _frame(sents, ["document", "index"], {**common, "heading": "bool", "problem": "bool"}),
        "problems": _frame(probs, ["document", "index"], {**common, "sentence": "int64"}),
        "admissions": _frame(adms, ["document", "index"], {**common, "sentences": "int64"}),
    }


def comparison_frames(c: Mapping[str, Any]) -> dict[str, Any]:
    """The comparison (its ``to_dict()``) as tidy tables."""
    units = []
    for g, info in c["units"].items():
        row = {"group": g, "documents": info["documents"], "admissions": info["problems"],
               "problem_sentences": info.get("problem_sentences"), "formulaic_share": info.get("formulaic_share"),
               "characters": info["characters"], "years": list(info.get("years") or [])}
        row.update({f"theme_{l}": info["themes"][l] for l in LABELS})
        units.append(row)
    matrix = [{"group": g, "theme": t, "admissions": n}
              for g, row in c["problem_matrix"]["themes"].items() for t, n in row.items()]
    matrix_sub = [{"group": g, "subtheme": t, "admissions": n}
                  for g, row in c["problem_matrix"]["subthemes"].items() for t, n in row.items()]
    shared = [{"shared_problem": g.get("id", k), "label": g["label"], "units": list(g["units"]),
               "n_units": len(g["units"]), "admissions": g["count"], "themes": list(g["themes"]),
               "subtheme": g["subtheme"]} for k, g in enumerate(c["shared_problems"])]
    adms = [{"document": str(x["document"]) if x["document"] is not None else None, "group": x.get("group"),
             "unit": x.get("unit"), "year": x.get("year"), "start": x["start"], "end": x["end"],
             "text": x["text"], "themes": list(x["themes"]), "subtheme": x["subtheme"],
             "specificity": x["specificity"], "sentences": x.get("sentences"),
             "shared_problem": x.get("shared_problem")} for x in c.get("admissions") or []]
    keyness = [{"group": g, "term": r["term"], "g2": r["g2"], "p": r["p"], "target": r["target"],
                "reference": r["reference"]} for g, rows in c["keyness"].items() for r in rows]
    sim = [{"group": a, "other": b, "cosine": v} for a, row in c["similarity"].items() for b, v in row.items()]
    changes = []
    for ch in c.get("year_changes") or []:
        for l in LABELS:
            changes.append({"unit": ch["unit"], "from": ch["from"], "to": ch["to"], "theme": l,
                            "share_from": ch["themes_from"][l], "share_to": ch["themes_to"][l],
                            "change": ch["theme_change"][l], "admissions_from": ch["admissions_from"],
                            "admissions_to": ch["admissions_to"], "new": len(ch["new"]),
                            "recurring": len(ch["recurring"]), "dropped": len(ch["dropped"])})
    docs = [dict(d) for d in c.get("documents") or []]
    n = {"documents": "int64", "admissions": "int64", "characters": "int64"}
    return {
        "units": _frame(units, ["group"], {"group": _STR, "problem_sentences": _INT, "formulaic_share": "float64",
                                           **n}),
        "documents": _frame(docs, ["document"], {"document": _STR, "unit": _STR, "group": _STR, "year": _INT,
                                                 "genre": _STR, "admissions": "int64", "formulaic": "int64",
                                                 "formulaic_share": "float64"}),
        "admissions": _frame(adms, ["document", "start"], {"document": _STR, "group": _STR, "unit": _STR,
                                                           "year": _INT, "start": "int64", "end": "int64",
                                                           "text": _STR, "subtheme": _STR, "specificity": _STR,
                                                           "sentences": _INT, "shared_problem": _INT}),
        "problem_matrix": _frame(matrix, ["group", "theme", "admissions"], {"group": _STR, "theme": _STR,
                                                                          "admissions": "int64"}),
        "problem_matrix_subthemes": _frame(matrix_sub, ["group", "subtheme", "admissions"],
                                           {"group": _STR, "subtheme": _STR, "admissions": "int64"}),
        "shared_problems": _frame(shared, ["shared_problem"], {"shared_problem": "int64", "label": _STR,
                                                               "n_units": "int64", "admissions": "int64",
                                                               "subtheme": _STR}),
        "keyness": _frame(keyness, ["group", "term"], {"group": _STR, "term": _STR, "g2": "float64",
                                                       "p": "float64", "target": "int64", "reference": "int64"}),
        "similarity": _frame(sim, ["group", "other", "cosine"], {"group": _STR, "other": _STR, "cosine": "float64"}),
        "year_changes": _frame(changes, ["unit", "from", "to", "theme"], {"unit": _STR, "from": "int64",
                                                                        "to": "int64", "theme": _STR}),
    }


# -- notebooks -----------------------------------------------------------------------------------
def _bar(share: float) -> str:
    return (f'<span style="display:inline-block;width:{share * 80:.0f}px;height:8px;'
            f'background:#888;margin-right:4px"></span>{share:.0%}')


def analysis_html(a: Any, *, limit: int = 8) -> str:
    """A compact view of one Analysis: its title, theme shares and first admissions."""
    d = a.document
    e = html.escape
    title = " · ".join(str(x) for x in (d.unit, d.year, a.genre) if x) or (d.path or d.id or "text")
    themes = "".join(f"<tr><td>{THEME_NAMES[l]} {l}</td><td>{_bar(float(a.themes.get(l, 0.0)))}</td></tr>"
                     for l in LABELS)
    items = a.admissions
    lis = "".join(f"<li>[{e('/'.join(x.themes) or '—')} · {e(x.specificity)}] {e(x.text[:80])}"
                  f"{'…' if len(x.text) > 80 else ''}</li>" for x in items[:limit])
    more = f"<li>… {len(items) - limit} more</li>" if len(items) > limit else ""
    return (f"<div><b>{e(title)}</b> — {len(a.sentences)} sentences, {len(d.text):,} characters"
            f"<table>{themes}</table><div>{len(items)} admitted problems</div><ol>{lis}{more}</ol></div>")


def comparison_html(c: Mapping[str, Any], *, limit: int = 8) -> str:
    """A compact view of a comparison: the groups' table and the most shared problems."""
    e = html.escape
    head = "".join(f"<th>{THEME_NAMES[l]}</th>" for l in LABELS)
    rows = "".join(
        f"<tr><td>{e(g)}</td><td>{info['documents']}</td>"
        + "".join(f"<td>{info['themes'][l]:.0%}</td>" for l in LABELS)
        + f"<td>{info['problems']}</td></tr>" for g, info in c["units"].items())
    shared = "".join(f"<li>{e(g['label'])} [{len(g['units'])} units, {g['count']} admissions]: "
                     f"{e('、'.join(g['units']))}</li>" for g in c["shared_problems"][:limit])
    return (f"<div><b>Comparison by {e(str(c.get('by', 'unit')))}</b><table><tr><th>group</th><th>docs</th>"
            f"{head}<th>problems</th></tr>{rows}</table><div>{len(c['shared_problems'])} shared problems</div>"
            f"<ol>{shared}</ol></div>")
