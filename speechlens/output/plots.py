"""Pictures: theme shares per unit, the problem heat map, and word clouds, in a CJK font.

matplotlib is used through its object API (no pyplot, no global state); word clouds are drawn
from word frequencies of the governance-aware segmentation with stopwords removed, so wordcloud
never glues words into collocations of its own.
"""

from __future__ import annotations

import functools
import io
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping

from speechlens.labels import LABELS
from speechlens.records import Document
from speechlens.output.files import file_name_part
from speechlens.output.fonts import find_font
from speechlens.output.display import theme_name, words
from speechlens.pipeline.results import Analysis
from speechlens.comparison.grouping import group_key
from speechlens.text.names import NamedSegmenter, names_of, statistics_words
from speechlens.resources import read_lines, stopwords as shipped
from speechlens.text.segmentation import default_segmenter
from speechlens.text.structure import sentences_of
from speechlens.errors import SpeechlensError

COLORS = {"development": "#d9822b", "livelihood": "#2b8a3e", "safety": "#1c7ed6", "party": "#c92a2a"}


LABEL_PX = 13  # font size of every label on a chart, in pixels at the chart's own size
CHART_WIDTH_PX = 1000  # sized for a report page (about A4 width at 96 dpi plus margins)
_DPI = 100


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | Path | None, fmt: str = "png") -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, bbox_inches="tight", dpi=_DPI)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _luminance(rgb: Any) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Any, b: Any) -> float:
    """WCAG contrast ratio of two RGB colours (components 0-1); 4.5 is readable body text."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_on(background: Any) -> tuple[float, float, float]:
    """Black or white, whichever reads better on ``background``."""
    black, white = (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)
    return black if contrast(black, background) >= contrast(white, background) else white


def _pt(px: float) -> float:
    return px * 72 / _DPI


def share_order(comparison: Mapping[str, Any]) -> list[str]:
    """Units in the order of the theme-share chart: by development share, largest first."""
    units = comparison["units"]
    return sorted(units, key=lambda u: (-units[u]["themes"]["development"], u))


def problem_order(comparison: Mapping[str, Any]) -> list[str]:
    """Units in the order of the heat map: admitted problems per document, most first."""
    units = comparison["units"]
    m = comparison["problem_matrix"]["themes"]

    def per_doc(u: str) -> float:
        return units[u]["problems"] / max(1, units[u]["documents"])

    return sorted(m, key=lambda u: (-per_doc(u) if u in units else 0.0, u))


def theme_shares_figure(comparison: Mapping[str, Any], *, font: str | None = None, lang: str = "zh") -> Any:
    """Stacked horizontal bars of each unit's theme shares, each segment labelled with its
    percentage, units ordered by development share; a matplotlib Figure."""
    from matplotlib.colors import to_rgb
    from matplotlib.font_manager import FontProperties


    w = words(lang)
    units = share_order(comparison)
    names = [theme_name(l, lang) for l in LABELS]
    fp = FontProperties(fname=find_font(font, needed="".join(units) + "".join(names) + w["share_axis"]),
                        size=_pt(LABEL_PX))
    fig = _figure(CHART_WIDTH_PX / _DPI, 0.42 * len(units) + 1.3)
    ax = fig.add_subplot(111)
    left = [0.0] * len(units)
    for l, name in zip(LABELS, names):
        vals = [comparison["units"][u]["themes"][l] for u in units]
        ax.barh(range(len(units)), vals, left=left, color=COLORS[l], label=name, height=0.75)
        for i, (x, v) in enumerate(zip(left, vals)):
            if v >= 0.06:
                ax.text(x + v / 2, i, f"{v:.0%}", ha="center", va="center", color=ink_on(to_rgb(COLORS[l])),
                        fontsize=_pt(LABEL_PX))
        left = [a + b for a, b in zip(left, vals)]
    ax.set_yticks(range(len(units)))
    ax.set_yticklabels(units, fontproperties=fp)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.tick_params(labelsize=_pt(LABEL_PX))
    ax.set_xlabel(w["share_axis"], fontproperties=fp)
    ax.legend(prop=fp, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def theme_shares_chart(comparison: Mapping[str, Any], path: str | Path | None = None, *,
                       font: str | None = None, fmt: str = "png", lang: str = "zh") -> bytes:
    """The theme-share chart (see ``theme_shares_figure``) as PNG or SVG bytes."""
    return _save(theme_shares_figure(comparison, font=font, lang=lang), path, fmt)


def problem_heatmap_figure(comparison: Mapping[str, Any], *, font: str | None = None, lang: str = "zh") -> Any:
    """Admitted problems per document, unit x theme (raw counts in brackets where a unit has
    several documents), units with most problems per document first; a matplotlib Figure."""
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.font_manager import FontProperties


    w = words(lang)
    m = comparison["problem_matrix"]["themes"]
    units = problem_order(comparison)
    docs = [max(1, comparison["units"].get(u, {}).get("documents", 1)) for u in units]
    names = [theme_name(l, lang) for l in LABELS]
    fp = FontProperties(fname=find_font(font, needed="".join(units) + "".join(names) + w["heat_title"]),
                        size=_pt(LABEL_PX))
    counts = np.array([[m[u][l] for l in LABELS] for u in units], dtype=float).reshape(len(units), len(LABELS))
    data = counts / np.array(docs, dtype=float)[:, None] if len(units) else np.zeros((1, len(LABELS)))
    fig = _figure(CHART_WIDTH_PX / _DPI * 0.75, 0.45 * len(units) + 1.5)
    ax = fig.add_subplot(111)
    cmap = colormaps["Reds"]
    vmax = max(1.0, float(data.max()) if data.size else 1.0)
    ax.imshow(data, cmap=cmap, vmin=0, vmax=vmax, aspect="auto")
    ax.set_xticks(range(len(LABELS)))
    ax.set_xticklabels(names, fontproperties=fp)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(units)))
    ax.set_yticklabels(units, fontproperties=fp)
    for i in range(len(units)):
        for j in range(len(LABELS)):
            v, n = data[i, j], int(counts[i, j])
            label = f"{v:.1f}".rstrip("0").rstrip(".") + (f" ({n})" if docs[i] > 1 else "")
            ax.text(j, i, label, ha="center", va="center", fontsize=_pt(LABEL_PX),
                    color=ink_on(cmap(v / vmax)))
    ax.set_title(w["heat_title"], fontproperties=fp, pad=_pt(LABEL_PX) * 2.5)
    return fig


def problem_heatmap(comparison: Mapping[str, Any], path: str | Path | None = None, *,
                    font: str | None = None, fmt: str = "png", lang: str = "zh") -> bytes:
    """The heat map (see ``problem_heatmap_figure``) as PNG or SVG bytes."""
    return _save(problem_heatmap_figure(comparison, font=font, lang=lang), path, fmt)


# Dark, distinct colours: every one reads on white (contrast >= 4.5).
CLOUD_PALETTE = ("#1c3f6e", "#8a2a0a", "#1f5e2c", "#6b1d5c", "#7a4a00", "#0b5563", "#3d3d3d", "#a61e4d")
# Common surnames, to tell a person's name before 同志 (周立新同志) from other words.
_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
                "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
                "戴莫孔向汤")
_NAME_BEFORE = re.compile(r"([\u4e00-\u9fff]{2,3}?)(?=同志|书记|镇长|乡长|主任|代表)")
_NAME_AFTER = re.compile(r"(?:书记|镇长|乡长|主任|县长|市长|区长)[\s　:：]*([\u4e00-\u9fff]{2,3})(?=[\s　，,、。：:（(]|$)")


@functools.lru_cache(maxsize=1)
def _famous_names() -> frozenset[str]:
    """Full names of public figures in jieba's own dictionary (tag ``nrfg``: 习近平, ...)."""
    from importlib import resources

    try:
        text = resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):  # pragma: no cover - jieba is a dependency
        return frozenset()
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line.endswith(" nrfg"))


def person_names(documents: Iterable[Document]) -> set[str]:
    """Names of people in ``documents``: metadata persons, public figures, and names written
    next to a title or 同志 (周立新同志, 党委书记 周立新)."""
    names = set(_famous_names())
    for doc in documents:
        if doc.person:
            names.add(doc.person)
        for m in list(_NAME_BEFORE.finditer(doc.text)) + list(_NAME_AFTER.finditer(doc.text)):
            name = m.group(1)
            if name[0] in _SURNAMES:
                names.add(name)
    return names


def trend_figure(comparison: Mapping[str, Any], *, font: str | None = None, lang: str = "zh") -> Any:
    """Each unit reporting in several years: its theme shares (lines) and admissions (labels)
    year by year, one panel per unit; a matplotlib Figure, or None when no unit has two years."""
    from matplotlib.font_manager import FontProperties


    w = words(lang)
    units = {u: info["by_year"] for u, info in comparison["units"].items() if info.get("by_year")}
    if not units:
        return None
    names = {l: theme_name(l, lang) for l in LABELS}
    fp = FontProperties(fname=find_font(font, needed="".join(units) + "".join(names.values())
                                        + w["share_axis"] + w["trend_title"]))
    fig = _figure(3.2 * min(len(units), 3), 2.8 * ((len(units) + 2) // 3))
    for k, (u, years) in enumerate(units.items()):
        ax = fig.add_subplot((len(units) + 2) // 3, min(len(units), 3), k + 1)
        xs = [int(y) for y in years]
        for l in LABELS:
            ax.plot(xs, [years[y]["themes"][l] for y in years], marker="o", color=COLORS[l], label=names[l])
        for x, y in zip(xs, years):
            ax.annotate(f"{years[y]['problems']}", (x, 0.02), ha="center", fontsize=8)
        ax.set_xticks(xs)
        ax.set_ylim(0, max(0.6, max(years[y]["themes"][l] for y in years for l in LABELS) + 0.05))
        ax.set_title(u, fontproperties=fp)
        if k == 0:
            ax.set_ylabel(w["share_axis"], fontproperties=fp)
            ax.legend(prop=fp, fontsize=7)
    fig.suptitle(w["trend_title"], fontproperties=fp, y=1.04)
    return fig


def trend_chart(comparison: Mapping[str, Any], path: str | Path | None = None, *,
                font: str | None = None, fmt: str = "png", lang: str = "zh") -> bytes | None:
    """The year-over-year chart (see ``trend_figure``) as PNG or SVG bytes; None when no unit
    has two years."""
    fig = trend_figure(comparison, font=font, lang=lang)
    return None if fig is None else _save(fig, path, fmt)


def word_frequencies(documents: Iterable[Document], segmenter: Any = None, *,
                     by: str | None = None, keep_names: bool = False, drop_names: bool = False,
                     stopwords: Iterable[str] | None = None,
                     default_stopwords: bool = True) -> dict[str, Counter[str]]:
    """Word counts for word clouds, overall or per group (``by`` as in ``compare``: unit, year,
    any metadata key). Removed: stopwords (the shipped list and the genre's stock words, plus
    ``stopwords``; only those with ``default_stopwords=False``), single characters, figures, and
    people's names unless ``keep_names``. The documents' unit, person and place names count as
    whole words; ``drop_names`` leaves those out too."""
    docs = list(documents)
    names = names_of(docs)
    seg = NamedSegmenter(segmenter or default_segmenter(), names)
    stop = frozenset(stopwords or ())
    if default_stopwords:
        stop |= shipped() | {w for w in read_lines("cloud_stopwords.txt") if not w.startswith("#")}
    if not keep_names:
        people = person_names(docs)
        # The segmenter may cut a name it does not know (吴海峰 -> 吴 / 海峰): drop the given name too.
        stop |= people | {n[1:] for n in people if len(n) == 3}
    if drop_names:
        stop |= names
    key_of = group_key(by) if by else None
    out: dict[str, Counter[str]] = {}
    for doc in docs:
        key = key_of(Analysis(document=doc, themes={}, sentences=(), problems=())) if key_of else "all"
        c = out.setdefault(key, Counter())
        for s in sentences_of(doc):
            c.update(statistics_words(seg, s.norm, stop))
    return out


def _palette_color(word: str, *args: Any, **kwargs: Any) -> str:
    import zlib

    return CLOUD_PALETTE[zlib.crc32(word.encode("utf-8")) % len(CLOUD_PALETTE)]


def word_cloud(freqs: Mapping[str, int], path: str | Path | None = None, *, font: str | None = None,
               width: int = 900, height: int = 520, max_words: int = 150) -> tuple[bytes, list[str]]:
    """A PNG word cloud of ``freqs`` in dark colours that read on white; returns the image and
    the words actually drawn."""
    from wordcloud import WordCloud

    top = dict(Counter(freqs).most_common(max_words))
    if not top:
        raise SpeechlensError("no words to draw: the documents hold no Chinese words after stopwords")
    font_path = find_font(font, needed="".join(top))
    wc = WordCloud(font_path=font_path, width=width, height=height, background_color="white",
                   collocations=False, max_words=max_words, random_state=0, prefer_horizontal=0.95,
                   color_func=_palette_color)
    wc.generate_from_frequencies(top)
    drawn = [w for (w, _), *_ in wc.layout_]
    buf = io.BytesIO()
    wc.to_image().save(buf, format="PNG")
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data, drawn


CHARTS = ("theme-shares", "problem-heatmap", "year-trend")  # the report's charts, by file name
CHART_FORMATS = ("png", "svg")


def chart_files(folder: str | Path) -> list[Path]:
    """Every file ``report --plots FOLDER`` may write (each is claimed before any work)."""
    return [Path(folder) / f"{chart}.{fmt}" for chart in CHARTS for fmt in CHART_FORMATS]


def comparison_charts(comparison: Mapping[str, Any], *, font: str | None = None, lang: str = "zh") -> dict[str, bytes]:
    """The report's charts of a comparison as {file name: bytes} (PNG and SVG; the year trend
    only when there are several years)."""
    out: dict[str, bytes] = {}
    for fmt in CHART_FORMATS:
        out[f"theme-shares.{fmt}"] = theme_shares_chart(comparison, font=font, fmt=fmt, lang=lang)
        out[f"problem-heatmap.{fmt}"] = problem_heatmap(comparison, font=font, fmt=fmt, lang=lang)
        trend = trend_chart(comparison, font=font, fmt=fmt, lang=lang)
        if trend is not None:
            out[f"year-trend.{fmt}"] = trend
    return out


def cloud_files(output: str | Path, keys: Iterable[str], grouped: bool) -> dict[str, Path]:
    """The file of each word cloud: ``output`` itself, or with ``grouped`` one file a group,
    ``OUT-<group>.png`` (``-2``, ``-3`` when two group names clean up alike)."""
    out = Path(output)
    targets: dict[str, Path] = {}
    for key in keys:
        target = out
        if grouped:
            part = file_name_part(key)
            target = out.with_name(f"{out.stem}-{part}{out.suffix or '.png'}")
            n = 2
            while target in targets.values():  # two groups whose names clean up alike
                target = out.with_name(f"{out.stem}-{part}-{n}{out.suffix or '.png'}")
                n += 1
        targets[key] = target
    return targets
