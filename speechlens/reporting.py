"""A self-contained HTML report (styles inline, pictures embedded) rendered with Jinja2, which
escapes every piece of input text by default."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Sequence

from .document import LABELS, THEME_NAMES, Analysis


def _context(text: str, start: int, end: int, limit: int = 120) -> tuple[str, str]:
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    b = len(text) if b < 0 else b
    before, after = text[max(a, start - limit):start], text[end:min(b, end + limit)]
    return before, after


def render_report(analyses: Sequence[Analysis], comparison: dict[str, Any] | None = None, *,
                  pictures: bool = True, font: str | None = None, segmenter: Any = None,
                  title: str = "speechlens report") -> str:
    """The report page as a string; ``pictures`` adds charts and word clouds (needs a CJK font)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    from . import __version__

    env = Environment(loader=PackageLoader("speechlens", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    docs = []
    clouds: dict[str, str] = {}
    charts: list[dict[str, str]] = []
    if pictures:
        from .plots import problem_heatmap, theme_shares_chart, word_cloud, word_frequencies

        freqs = word_frequencies([a.document for a in analyses], segmenter, by="unit")
        for key, c in freqs.items():
            if c:
                png, _ = word_cloud(c, font=font, width=600, height=360, max_words=80)
                clouds[key] = base64.b64encode(png).decode("ascii")
        if comparison:
            charts.append({"alt": "theme shares per unit",
                           "data": base64.b64encode(theme_shares_chart(comparison, font=font)).decode("ascii")})
            charts.append({"alt": "admitted problems per unit and theme",
                           "data": base64.b64encode(problem_heatmap(comparison, font=font)).decode("ascii")})
    for a in analyses:
        d = a.document
        probs = []
        for p in a.problems:
            before, after = _context(d.text, p.start, p.end)
            probs.append({"text": p.text, "before": before, "after": after, "themes": p.themes,
                          "specificity": p.specificity})
        docs.append({"unit": d.unit, "id": d.id, "year": d.year, "genre": d.genre, "path": d.path,
                     "themes": a.themes, "problems": probs, "cloud": clouds.get(d.unit or d.id or "(unknown)")})
    single = None
    if len(analyses) == 1:
        a = analyses[0]
        sents = []
        for i, t in enumerate(a.sentences):
            s = t.sentence
            nxt = a.sentences[i + 1].sentence.start if i + 1 < len(a.sentences) else len(a.document.text)
            top = max(t.scores, key=t.scores.get) if t.themes else ""
            sents.append({"text": s.text, "css": " ".join(filter(None, [top if top in t.themes else "",
                                                                     "problem" if t.problem else ""])),
                          "title": "/".join(t.themes) or "no theme", "br": "\n" in a.document.text[s.end:nxt]})
        single = {"outline": [t.sentence.text for t in a.sentences if t.sentence.is_heading],
                  "sentences": sents}
    heat_max = 1
    if comparison:
        heat_max = max([1] + [v for row in comparison["problem_matrix"]["themes"].values() for v in row.values()])
    model = analyses[0].model if analyses else None
    page = env.get_template("report.html").render(
        title=title, version=__version__, model=model, labels=list(LABELS), names=THEME_NAMES,
        comparison=comparison, documents=docs, single=single, charts=charts, heat_max=heat_max,
        font_face="")
    face = _font_face(page, font) if pictures else ""
    if face:
        page = page.replace("</style>", face + "\n</style>", 1)
    return page


def _font_face(page: str, font: str | None) -> str:
    """An @font-face rule embedding the CJK font, cut down to the characters on the page, so
    Chinese renders even on machines without a Chinese font."""
    from fontTools import subset

    from .fonts import FontError, find_font

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
    from .outputs import write_text_atomic

    write_text_atomic(path, html)
