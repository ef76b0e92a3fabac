"""Word clouds worth looking at: no stock words of the genre, no person names unless asked, dark
colours that read on white, small enough for the report."""

from __future__ import annotations

import io
from collections import Counter

import pytest

from speechlens import analyze
from speechlens.output.fonts import FontError, find_font
from speechlens.reading.loading import document_from_text
from speechlens.output.plots import CLOUD_PALETTE, contrast, person_names, word_cloud, word_frequencies

# Written for this test.
TEXT = ("白鹭镇党委书记 吴海峰 述职报告\n在习近平新时代中国特色社会主义思想指引下，我镇群众满意度提高，企业项目达到以上水平，"
        "万元以上项目较多。茶园面积扩大到三千亩，茶园采摘节吸引游客。会上，吴海峰同志强调茶园管护。\n")


def test_stock_words_and_names_are_dropped_and_kept_on_request():
    doc = document_from_text(TEXT)
    words = word_frequencies([doc])["all"]
    assert words["茶园"] == 3
    for stock in ("群众", "企业", "项目", "以上", "达到", "万元"):
        assert stock not in words
    assert "习近平" not in words and "吴海峰" not in words
    kept = word_frequencies([doc], keep_names=True)["all"]
    # Kept names count whole (the document's person is one token, speechlens.text.names), not cut into 吴 / 海峰.
    assert kept["习近平"] == 1 and kept["吴海峰"] == 2 and "海峰" not in words and "海峰" not in kept


def test_person_names_come_from_metadata_titles_and_public_figures():
    doc = document_from_text("会议由张建华同志主持。\n", person="刘晓梅")
    names = person_names([doc])
    assert {"张建华", "刘晓梅", "习近平"} <= names
    assert "会议" not in names


def test_cloud_colours_read_on_white():
    white = (1.0, 1.0, 1.0)
    from matplotlib.colors import to_rgb

    for c in CLOUD_PALETTE:
        assert contrast(to_rgb(c), white) >= 4.5, c
    try:
        find_font()
    except FontError:
        pytest.skip("no CJK font on this machine")
    from PIL import Image

    png, drawn = word_cloud({"茶园": 9, "民宿": 7, "网格化": 5, "集体经济": 4}, width=480, height=260)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (480, 260)
    # The solid (not anti-aliased) ink of the words is palette colours only.
    counts = Counter(img.getpixel((x, y)) for x in range(img.size[0]) for y in range(img.size[1]))
    palette = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in CLOUD_PALETTE}
    ink = [(px, n) for px, n in counts.most_common(12) if px != (255, 255, 255) and n > 200]
    assert ink and all(px in palette for px, _ in ink)


def test_report_clouds_are_small(demo_analyses):
    try:
        find_font()
    except FontError:
        pytest.skip("no CJK font on this machine")
    from PIL import Image

    from speechlens.output.reporting import report_content

    content = report_content(demo_analyses[:1], None)
    img = Image.open(io.BytesIO(content["documents"][0]["cloud"]))
    assert img.size[0] <= 480
