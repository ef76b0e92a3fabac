"""The explorable table of all admissions: one row per admission, filters with every value, a
link to each admission's place in its paragraph; plain inline script, still one file."""

from __future__ import annotations

import re

from speechlens import analyze, compare
from speechlens.output.reporting import render_report


def test_table_has_a_row_per_admission_with_filters_and_links(demo_analyses):
    c = compare(demo_analyses).to_dict()
    html = render_report(demo_analyses, c, pictures=False)
    table = html[html.index('<table id="ptable">'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr data-unit=", table)
    assert len(rows) == sum(len(a.admissions) for a in demo_analyses)
    # Every admission links to its mark in its paragraph.
    links = re.findall(r'href="#(p-\d+-\d+)"', table)
    ids = set(re.findall(r'<mark[^>]* id="(p-\d+-\d+)"', html))
    assert len(links) == len(rows) and set(links) <= ids
    # The shared-group column names the group of every member of a shared group.
    grouped = re.findall(r'data-group="([^"]+)"', table)
    assert len(grouped) == sum(g["count"] for g in c["shared_problems"])
    for col in ("unit", "year", "themes", "sub", "spec", "group"):
        assert f'data-col="{col}"' in html
    assert '<option value="formulaic">套话</option>' in html
    assert '<input id="q" type="search"' in html
    assert "<script src" not in html and "http" not in html.split("<script>")[1]


def test_hostile_unit_and_text_stay_inert_in_the_table():
    evil = '存在的问题：一是"><img src=x onerror=alert(1)>招商引资不力。'
    a = analyze(evil, unit='"><script>alert(2)</script>')
    html = render_report([a], None, pictures=False)
    table = html[html.index('<table id="ptable">'):]
    assert "<img src=x" not in table and "<script>alert(2)" not in table
    assert "&lt;img src=x onerror=alert(1)&gt;" in table or "onerror" not in table
    assert 'data-unit="&#34;&gt;&lt;script&gt;' in table
