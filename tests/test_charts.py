"""Charts people can read: labels of at least 11 px, readable text on every colour, counts per
document, percentages on the bars, units in a stated order."""

from __future__ import annotations

import pytest

from speechlens import compare
from speechlens.output.fonts import FontError, find_font
from speechlens.output.plots import (contrast, problem_heatmap_figure, problem_order, share_order,
                              theme_shares_figure)


@pytest.fixture(scope="module")
def demo_comparison(demo_analyses):
    try:
        find_font()
    except FontError:
        pytest.skip("no CJK font on this machine")
    return compare(demo_analyses).to_dict()


def _texts(fig):
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]


@pytest.mark.parametrize("make", [theme_shares_figure, problem_heatmap_figure])
def test_every_label_is_at_least_11_px_and_the_chart_fits_a_page(demo_comparison, make):
    fig = make(demo_comparison)
    for t in _texts(fig):
        assert t.get_fontsize() * fig.dpi / 72 >= 11, t.get_text()
    assert 700 <= fig.get_figwidth() * fig.dpi <= 1100


def test_heatmap_text_reads_on_every_cell_and_counts_per_document(demo_comparison):
    fig = problem_heatmap_figure(demo_comparison)
    ax = fig.axes[0]
    img = ax.images[0]
    data = img.get_array()
    units = problem_order(demo_comparison)
    assert [t.get_text() for t in ax.get_yticklabels()] == units
    per_doc = [demo_comparison["units"][u]["problems"] / demo_comparison["units"][u]["documents"] for u in units]
    assert per_doc == sorted(per_doc, reverse=True)
    from matplotlib.colors import to_rgb

    cells = [t for t in ax.texts]
    assert len(cells) == len(units) * 4
    for t in cells:
        j, i = (int(round(v)) for v in t.get_position())
        background = img.to_rgba(data[i, j])
        assert contrast(to_rgb(t.get_color()), background) >= 4.5, t.get_text()
    two_docs = units.index("东湖街道")  # two self-reports: per-document value with the raw count
    row = [t.get_text() for t in cells if int(round(t.get_position()[1])) == two_docs]
    m = demo_comparison["problem_matrix"]["themes"]["东湖街道"]
    assert row[0] == f"{m['development'] / 2:g} ({m['development']})"


def test_theme_bars_carry_their_percentages_in_readable_ink(demo_comparison):
    fig = theme_shares_figure(demo_comparison)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == share_order(demo_comparison)
    from matplotlib.colors import to_rgb

    labels = [t for t in ax.texts if t.get_text().endswith("%")]
    big = sum(1 for u in demo_comparison["units"].values() for v in u["themes"].values() if v >= 0.06)
    assert len(labels) == big
    for t in labels:
        x, y = t.get_position()
        bar = next(p for p in ax.patches if p.get_x() <= x <= p.get_x() + p.get_width()
                   and p.get_y() <= y <= p.get_y() + p.get_height())
        assert contrast(to_rgb(t.get_color()), bar.get_facecolor()) >= 4.5
