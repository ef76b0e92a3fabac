"""Pictures: theme shares per unit, the problem heat map, and word clouds, in a CJK font.

matplotlib is used through its object API (no pyplot, no global state); word clouds are drawn
from word frequencies of the governance-aware segmentation with stopwords removed, so wordcloud
never glues words into collocations of its own.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping

from .document import LABELS, THEME_NAMES as NAMES, Document
from .fonts import find_font

COLORS = {"development": "#d9822b", "livelihood": "#2b8a3e", "safety": "#1c7ed6", "party": "#c92a2a"}
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | Path | None, fmt: str = "png") -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, bbox_inches="tight")
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def theme_shares_chart(comparison: Mapping[str, Any], path: str | Path | None = None, *,
                       font: str | None = None, fmt: str = "png") -> bytes:
    """Stacked horizontal bars: each unit's theme shares; axis labels in Chinese."""
    from matplotlib.font_manager import FontProperties

    fp = FontProperties(fname=find_font(font, needed="".join(comparison["units"]) + "发展民生安全党建单位"))
    units = list(comparison["units"])
    fig = _figure(7, 0.45 * len(units) + 1.2)
    ax = fig.add_subplot(111)
    left = [0.0] * len(units)
    for l in LABELS:
        vals = [comparison["units"][u]["themes"][l] for u in units]
        ax.barh(range(len(units)), vals, left=left, color=COLORS[l], label=f"{NAMES[l]} {l}")
        left = [a + b for a, b in zip(left, vals)]
    ax.set_yticks(range(len(units)))
    ax.set_yticklabels(units, fontproperties=fp)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("主题占比 (theme share)", fontproperties=fp)
    ax.legend(prop=fp, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return _save(fig, path, fmt)


def problem_heatmap(comparison: Mapping[str, Any], path: str | Path | None = None, *,
                    font: str | None = None, fmt: str = "png") -> bytes:
    """Unit x theme counts of admitted problems as a heat map."""
    import numpy as np
    from matplotlib.font_manager import FontProperties

    m = comparison["problem_matrix"]["themes"]
    units = list(m)
    fp = FontProperties(fname=find_font(font, needed="".join(units) + "发展民生安全党建"))
    data = np.array([[m[u][l] for l in LABELS] for u in units], dtype=float)
    fig = _figure(5.5, 0.42 * len(units) + 1.4)
    ax = fig.add_subplot(111)
    ax.imshow(data if len(units) else np.zeros((1, 4)), cmap="OrRd", aspect="auto")
    ax.set_xticks(range(len(LABELS)))
    ax.set_xticklabels([NAMES[l] for l in LABELS], fontproperties=fp)
    ax.set_yticks(range(len(units)))
    ax.set_yticklabels(units, fontproperties=fp)
    for i in range(len(units)):
        for j in range(len(LABELS)):
            ax.text(j, i, int(data[i, j]), ha="center", va="center", fontsize=9)
    ax.set_title("承认的问题 (admitted problems)", fontproperties=fp)
    return _save(fig, path, fmt)


def trend_chart(comparison: Mapping[str, Any], path: str | Path | None = None, *,
                font: str | None = None, fmt: str = "png") -> bytes | None:
    """Each unit reporting in several years: its theme shares (lines) and admissions (labels)
    year by year, one panel per unit; None when no unit has two years."""
    from matplotlib.font_manager import FontProperties

    units = {u: info["by_year"] for u, info in comparison["units"].items() if info.get("by_year")}
    if not units:
        return None
    fp = FontProperties(fname=find_font(font, needed="".join(units) + "发展民生安全党建年份主题占比承认的问题"))
    fig = _figure(3.2 * min(len(units), 3), 2.8 * ((len(units) + 2) // 3))
    for k, (u, years) in enumerate(units.items()):
        ax = fig.add_subplot((len(units) + 2) // 3, min(len(units), 3), k + 1)
        xs = [int(y) for y in years]
        for l in LABELS:
            ax.plot(xs, [years[y]["themes"][l] for y in years], marker="o", color=COLORS[l], label=NAMES[l])
        for x, y in zip(xs, years):
            ax.annotate(f"{years[y]['problems']}", (x, 0.02), ha="center", fontsize=8)
        ax.set_xticks(xs)
        ax.set_ylim(0, max(0.6, max(years[y]["themes"][l] for y in years for l in LABELS) + 0.05))
        ax.set_title(u, fontproperties=fp)
        if k == 0:
            ax.set_ylabel("主题占比 (theme share)", fontproperties=fp)
            ax.legend(prop=fp, fontsize=7)
    fig.suptitle("年度变化 (year over year; figures: admitted problems)", fontproperties=fp, y=1.04)
    return _save(fig, path, fmt)


def word_frequencies(documents: Iterable[Document], segmenter: Any = None, *,
                     by: str | None = None, drop_names: bool = False, stopwords: Iterable[str] | None = None,
                     default_stopwords: bool = True) -> dict[str, Counter[str]]:
    """Word counts for word clouds, overall or per group (``by`` as in ``compare``: unit, year,
    any metadata key); stopwords (the shipped list plus ``stopwords``, or only those with
    ``default_stopwords=False``), single characters and figures removed; the documents' unit,
    person and place names count as whole words, or not at all with ``drop_names``."""
    from .document import Analysis
    from .grouping import group_key
    from .names import NamedSegmenter, names_of
    from .resources import stopwords as shipped
    from .segmentation import default_segmenter
    from .structure import sentences_of

    documents = list(documents)
    names = names_of(documents)
    seg = NamedSegmenter(segmenter or default_segmenter(), names)
    stop = (shipped() if default_stopwords else frozenset()) | frozenset(stopwords or ())
    if drop_names:
        stop |= names
    key_of = group_key(by) if by else None
    out: dict[str, Counter[str]] = {}
    for doc in documents:
        key = key_of(Analysis(document=doc, themes={}, sentences=(), problems=())) if key_of else "all"
        c = out.setdefault(key, Counter())
        for s in sentences_of(doc):
            c.update(w for w in seg.words_of(s.norm) if _WORD.fullmatch(w) and w not in stop)
    return out


def word_cloud(freqs: Mapping[str, int], path: str | Path | None = None, *, font: str | None = None,
               width: int = 900, height: int = 520, max_words: int = 150) -> tuple[bytes, list[str]]:
    """A PNG word cloud of ``freqs``; returns the image and the words actually drawn."""
    from wordcloud import WordCloud

    top = dict(Counter(freqs).most_common(max_words))
    if not top:
        from .errors import SpeechlensError

        raise SpeechlensError("no words to draw: the documents hold no Chinese words after stopwords")
    font_path = find_font(font, needed="".join(top))
    wc = WordCloud(font_path=font_path, width=width, height=height, background_color="white",
                   collocations=False, max_words=max_words, random_state=0, prefer_horizontal=0.95)
    wc.generate_from_frequencies(top)
    drawn = [w for (w, _), *_ in wc.layout_]
    buf = io.BytesIO()
    wc.to_image().save(buf, format="PNG")
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data, drawn
