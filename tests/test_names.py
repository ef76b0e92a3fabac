"""Unit, person and place names count as whole words in keyness and clouds, or not at all."""

from __future__ import annotations

import json

from click.testing import CliRunner

from speechlens import Document, Segmenter, compare
from speechlens.cli import cli
from speechlens.text.names import NamedSegmenter, names_of

from conftest import DEMO


def test_names_come_from_metadata_with_short_forms_and_places():
    docs = [Document(text="x", unit="金橋鎮", person="杨德胜", meta={"places": "云雾山、清水河", "county": "澄江市"})]
    assert names_of(docs) >= {"金桥镇", "金桥", "杨德胜", "云雾山", "清水河", "澄江市", "澄江"}


def test_named_segmenter_keeps_names_whole_and_loses_no_character():
    text = "金桥镇党委书记杨德胜到金桥工业园和云雾山调研。"
    seg = NamedSegmenter(Segmenter(), {"金桥镇", "金桥", "杨德胜", "云雾山"})
    tokens = seg.cut(text)
    assert "".join(tokens) == text
    assert {"金桥镇", "杨德胜", "金桥", "云雾山"} <= set(tokens)
    plain = Segmenter().cut(text)
    assert "杨德胜" not in plain  # what the dictionary alone does


def test_a_units_name_reaches_its_keyness_and_drop_names_removes_every_name(demo_analyses, demo_comparison):
    with_names = demo_comparison
    assert {"金桥", "金桥镇"} & {r["term"] for r in with_names["keyness"]["金桥镇"]}
    dropped = compare(demo_analyses, drop_names=True).to_dict()
    names = names_of(a.document for a in demo_analyses)
    for rows in dropped["keyness"].values():
        assert not names & {r["term"] for r in rows}


def test_word_clouds_count_names_whole_or_drop_them():
    from speechlens.reading.loading import read_document
    from speechlens.output.plots import word_frequencies

    docs = [read_document(DEMO / "2023-金桥镇-述职报告.txt"), read_document(DEMO / "2023-石门乡-述职报告.txt")]
    freqs = word_frequencies(docs, Segmenter(), by="unit")
    assert freqs["金桥镇"]["金桥镇"] + freqs["金桥镇"]["金桥"] > 0
    dropped = word_frequencies(docs, Segmenter(), by="unit", drop_names=True)
    assert not {"金桥", "金桥镇", "石门", "石门乡", "杨德胜"} & (set(dropped["金桥镇"]) | set(dropped["石门乡"]))


def test_cli_drop_names():
    files = [str(DEMO / f) for f in ("2023-金桥镇-述职报告.txt", "2023-白沙镇-述职报告.txt", "2023-石门乡-述职报告.txt")]
    r = CliRunner().invoke(cli, ["compare", *files, "--format", "json", "--drop-names"])
    assert r.exit_code == 0, r.output
    terms = {t["term"] for rows in json.loads(r.output)["keyness"].values() for t in rows}
    assert not {"金桥", "金桥镇", "白沙", "白沙镇", "石门", "石门乡"} & terms
