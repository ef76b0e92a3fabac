"""Extra themes from the user's word lists, beside the trained four, without retraining."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from speechlens import compare
from speechlens.cli import cli
from speechlens.errors import SpeechlensError
from speechlens.comparison.user_themes import read_user_themes, user_theme_shares

from conftest import DEMO


def test_dictionary_file_and_shares(tmp_path, demo_analyses):
    f = tmp_path / "themes.txt"
    f.write_text("# mine\n生态环保: 污水 垃圾分类、河長制\n乡村振兴：集体经济 乡村振兴\n", encoding="utf-8")
    themes = read_user_themes(f)
    assert themes == {"生态环保": ("污水", "垃圾分类", "河长制"), "乡村振兴": ("集体经济", "乡村振兴")}
    taoyuan = next(a for a in demo_analyses if a.unit == "桃源街道")
    shares = user_theme_shares(taoyuan, themes)
    body = [t.sentence.norm for t in taoyuan.sentences if not t.sentence.is_heading]
    hit = sum(len(s) for s in body if "垃圾分类" in s or "污水" in s or "河长制" in s)
    assert shares["生态环保"] == pytest.approx(hit / sum(map(len, body)), abs=1e-4) and shares["生态环保"] > 0
    c = compare(demo_analyses, user_themes=themes).to_dict()
    assert set(c["units"]["桃源街道"]["user_themes"]) == {"生态环保", "乡村振兴"}
    assert c["documents"][0]["user_themes"].keys() == themes.keys()
    bad = tmp_path / "bad.txt"
    bad.write_text("没有冒号的一行\n", encoding="utf-8")
    with pytest.raises(SpeechlensError, match="bad.txt:1"):
        read_user_themes(bad)


def test_cli_themes(tmp_path):
    f = tmp_path / "themes.txt"
    f.write_text("生态环保: 污水 垃圾分类\n", encoding="utf-8")
    files = [str(DEMO / n) for n in ("2023-桃源街道-述职报告.txt", "2023-金桥镇-述职报告.txt")]
    r = CliRunner().invoke(cli, ["compare", *files, "--themes", str(f)])
    assert r.exit_code == 0 and "自定义主题" in r.output and "生态环保" in r.output
    d = json.loads(CliRunner().invoke(cli, ["compare", *files, "--themes", str(f), "--format", "json"]).output)
    assert 0 < d["units"]["桃源街道"]["user_themes"]["生态环保"] < 1
    r = CliRunner().invoke(cli, ["compare", *files, "--themes", str(tmp_path / "none.txt")])
    assert r.exit_code == 1 and "theme dictionary not found" in r.output
