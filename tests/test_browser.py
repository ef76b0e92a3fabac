"""The demo report in a real browser (headless Chromium, Debian's ``chromium``): Chinese glyphs
render (no tofu), the admissions table filters and searches, no horizontal page scroll at phone
and desktop widths, and printed to A4 it stays within 12 pages. Screenshots are saved to a
temporary folder whose path is printed. Marked ``browser``: ``.ci/run`` installs chromium when
missing and runs ``pytest -m browser``; the plain ``pytest`` run leaves it out."""

from __future__ import annotations

import html as htmllib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from speechlens import compare
from speechlens.output.fonts import FontError, find_font
from speechlens.output.reporting import render_report

pytestmark = pytest.mark.browser

BROWSER = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--disable-dev-shm-usage", "--mute-audio"]

# Runs inside the page: checks glyphs, layout width, the table's filter, search and sort, and
# writes its findings as JSON into <pre id="probe">, which --dump-dom prints.
PROBE = r"""
<script>
window.addEventListener("load", async function () {
  await document.fonts.ready;
  var out = {};
  var family = getComputedStyle(document.body).fontFamily;
  var canvas = document.createElement("canvas"); canvas.width = 40; canvas.height = 40;
  var ctx = canvas.getContext("2d", {willReadFrequently: true});
  function ink(ch) {
    ctx.clearRect(0, 0, 40, 40); ctx.font = "32px " + family; ctx.fillStyle = "#000";
    ctx.textBaseline = "top"; ctx.fillText(ch, 2, 2);
    var d = ctx.getImageData(0, 0, 40, 40).data, s = [];
    for (var i = 3; i < d.length; i += 4) { s.push(d[i]); }
    return s.join(",");
  }
  var notdef = [ink("\uFFFF"), ink("\uE000")];
  var blank = ink(" ");
  var chars = Array.from(new Set(Array.from(document.body.innerText))).filter(function (c) {
    return c.codePointAt(0) >= 0x2E80; });
  out.cjk_chars = chars.length;
  out.tofu = chars.filter(function (c) { var k = ink(c); return k === blank || notdef.indexOf(k) >= 0; });
  out.embedded_font = Array.from(document.fonts).filter(function (f) {
    return f.family.indexOf("speechlens-cjk") >= 0 && f.status === "loaded"; }).length;
  out.width = window.innerWidth;
  out.scroll_width = document.documentElement.scrollWidth;
  var rows = Array.from(document.querySelectorAll("#ptable tbody tr"));
  function visible() { return rows.filter(function (r) { return !r.hidden; }); }
  out.rows = rows.length;
  var spec = document.querySelector("select[data-col=spec]");
  spec.value = "formulaic"; spec.dispatchEvent(new Event("change"));
  out.formulaic_expected = rows.filter(function (r) { return r.dataset.spec === "formulaic"; }).length;
  out.formulaic_shown = visible().length;
  out.formulaic_all_match = visible().every(function (r) { return r.dataset.spec === "formulaic"; });
  out.counter = document.getElementById("shown").textContent;
  spec.value = ""; spec.dispatchEvent(new Event("change"));
  var q = document.getElementById("q");
  q.value = "理论学习"; q.dispatchEvent(new Event("input"));
  out.search_shown = visible().length;
  out.search_all_match = visible().every(function (r) { return r.textContent.indexOf("理论学习") >= 0; });
  q.value = ""; q.dispatchEvent(new Event("input"));
  out.after_reset = visible().length;
  var head = document.querySelector("#ptable th:nth-child(2)");
  head.click();
  var years = Array.from(document.querySelectorAll("#ptable tbody tr")).map(function (r) {
    return parseInt(r.cells[1].textContent, 10); });
  out.sorted = years.every(function (y, i) { return i === 0 || years[i - 1] <= y; });
  var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


@pytest.fixture(scope="module")
def report_file(demo_analyses):
    if BROWSER is None:
        pytest.skip("no chromium on this machine (Debian: apt-get install chromium)")
    try:
        find_font()
    except FontError:
        pytest.skip("no CJK font to embed")
    folder = Path(tempfile.mkdtemp(prefix="speechlens-browser-"))
    page = render_report(demo_analyses, compare(demo_analyses).to_dict())
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _chromium(*args: str, timeout: int = 180) -> str:
    profile = tempfile.mkdtemp(prefix="speechlens-chromium-")
    try:
        run = subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                             timeout=timeout, stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return run.stdout.decode("utf-8", "replace")


@pytest.mark.parametrize("width", [390, 1200])
def test_report_in_chromium(report_file, width):
    probed = report_file.with_name(f"probe-{width}.html")
    probed.write_text(report_file.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
                      encoding="utf-8")
    dom = _chromium(f"--window-size={width},900", "--virtual-time-budget=20000", "--dump-dom", probed.as_uri())
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert m, "the probe did not run: " + dom[-500:]
    out = json.loads(htmllib.unescape(m.group(1)))
    assert out["embedded_font"] == 1
    assert out["cjk_chars"] > 500 and out["tofu"] == []
    assert out["scroll_width"] <= out["width"], out  # no horizontal page scroll (tables scroll inside)
    assert out["rows"] > 50
    assert 0 < out["formulaic_shown"] == out["formulaic_expected"] < out["rows"]
    assert out["formulaic_all_match"] and out["counter"] == str(out["formulaic_shown"])
    assert 0 < out["search_shown"] < out["rows"] and out["search_all_match"]
    assert out["after_reset"] == out["rows"] and out["sorted"]
    page = report_file.read_text(encoding="utf-8")
    for name in ("top", "explore", "units", "charts"):
        # A section is brought to the top of the window by hiding the ones before it.
        view = report_file.with_name(f"view-{name}.html")
        hide = "" if name == "top" else f"<style>body > section:not(#{name}), body > h1, body > p.meta {{ display: none; }}</style>"
        view.write_text(page.replace("</head>", hide + "</head>", 1), encoding="utf-8")
        shot = report_file.with_name(f"report-{width}-{name}.png")
        _chromium(f"--window-size={width},1400", "--virtual-time-budget=5000", f"--screenshot={shot}", view.as_uri())
        assert shot.exists() and shot.stat().st_size > 10_000
        print(f"screenshot: {shot}")


def test_printed_report_fits_twelve_a4_pages(report_file):
    from pypdf import PdfReader

    pdf = report_file.with_name("report.pdf")
    _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", report_file.as_uri())
    assert pdf.exists(), "chromium printed nothing"
    reader = PdfReader(str(pdf))
    print(f"printed: {pdf} ({len(reader.pages)} pages)")
    assert 3 <= len(reader.pages) <= 12
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595) < 3 and abs(float(box.height) - 842) < 3  # A4 in points
    # The pages are not met by shrinking: a page wider than A4 makes Chromium scale everything
    # down, so the body text must still print at about 9 pt.
    sizes = []

    def size(text, cm, tm, font, font_size):
        if text.strip():
            sizes.append(abs(font_size * tm[0] * cm[0]))

    for page in reader.pages[1:3]:
        page.extract_text(visitor_text=size)
    sizes.sort()
    assert sizes and sizes[len(sizes) // 2] >= 8.5, f"body text printed at {sizes[len(sizes) // 2]:.1f} pt"
    text = "".join(p.extract_text() for p in reader.pages)
    assert "全部问题一览" not in text  # the interactive table is left out of print
    assert "共性问题" in text and "各单位承认的问题" in text
