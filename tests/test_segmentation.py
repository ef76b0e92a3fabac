"""The governance-aware segmenter: terms stay whole, backends agree, jieba's globals stay untouched."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from speechlens import Segmenter, segment
from speechlens.resources import governance_terms

ROOT = Path(__file__).resolve().parents[1]
CARRIERS = [
    "今年我们坚决做到两个维护，{}工作取得新成效。",
    "{}",
    "会上，书记强调{}要落到实处",
    "针对{}存在的短板，镇党委专题研究部署。",
]
TERMS = ["党政正职", "述职评议", "一线指挥部", "两个确立", "动态清零", "网格化", "铁脚板",
         "行动党支部", "软弱涣散", "招商引资", "村集体经济", "一岗双责", "主体责任", "三会一课",
         "老旧小区改造", "信访积案", "营商环境", "党建引领", "专精特新", "矛盾纠纷"]


@pytest.fixture(scope="module")
def jieba_seg():
    return Segmenter(backend="jieba")


@pytest.mark.parametrize("term", TERMS)
def test_governance_terms_stay_whole_in_carrier_sentences(jieba_seg, term):
    for carrier in CARRIERS:
        assert term in jieba_seg.cut(carrier.format(term)), carrier.format(term)


def test_vanilla_jieba_splits_most_of_these_terms():
    import jieba

    plain = jieba.Tokenizer()
    split = [t for t in TERMS if t not in plain.lcut(f"今年{t}工作", HMM=False)]
    assert len(split) >= len(TERMS) // 2


def test_dictionary_is_large_and_terms_are_unique():
    words = [w for w, _ in governance_terms()]
    assert len(words) >= 300
    assert len(words) == len(set(words))


def test_ordinary_words_are_not_split_wrongly(jieba_seg):
    assert jieba_seg.cut("我们要统一思想，把手机放下") == ["我们", "要", "统一", "思想", "，", "把", "手机", "放下"]


def test_figures_are_one_token(jieba_seg):
    toks = jieba_seg.cut("1-7月财政收入2.3亿元，同比增长5.6%")
    assert "1-7" in toks and "2.3" in toks and "5.6%" in toks


def test_jieba_global_dictionary_is_untouched(jieba_seg):
    import jieba

    jieba_seg.cut("两个确立")
    assert "两个确立" not in getattr(jieba.dt, "FREQ", {})
    assert not jieba.dt.user_word_tag_tab


def test_user_words_and_user_dictionary(tmp_path):
    d = tmp_path / "mine.txt"
    d.write_text("青蓝工程 20\n红色港湾\n", encoding="utf-8")
    seg = Segmenter(backend="jieba", user_dict=d, words=["港城融合"])
    toks = seg.cut("实施青蓝工程，打造红色港湾，推动港城融合")
    assert {"青蓝工程", "红色港湾", "港城融合"} <= set(toks)


def test_segmenter_pickles_small_and_keeps_its_dictionary(tmp_path):
    seg = Segmenter(backend="jieba", words=["港城融合"])
    seg.cut("预热")
    data = pickle.dumps(seg)
    assert len(data) < 50_000
    clone = pickle.loads(data)
    assert clone.cut("推动港城融合和两个确立") == seg.cut("推动港城融合和两个确立")


def test_a_copy_of_a_copy_keeps_the_dictionary_without_its_files(tmp_path):
    # Dask spreads scattered data by pickling a worker's unused copy again.
    words = tmp_path / "words.txt"
    words.write_text("港城融合\n", encoding="utf-8")
    seg = Segmenter(backend="jieba", user_dict=words)
    seg.cut("预热")
    copy = pickle.loads(pickle.dumps(seg))
    words.unlink()
    copy_of_copy = pickle.loads(pickle.dumps(copy))
    assert "港城融合" in copy_of_copy.cut("推动港城融合")


def test_segment_function_and_tokenize_offsets():
    text = "全镇网格化管理覆盖率100%。"
    toks = segment(text)
    assert "".join(toks) == text
    for tok, a, b in Segmenter(backend="jieba").tokenize(text):
        assert text[a:b] == tok


def _varied_text() -> str:
    parts = []
    for path in sorted((ROOT / "corpora" / "themes" / "parts").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            parts.append(json.loads(line)["text"])
    for path in sorted((ROOT / "corpora" / "problems" / "heldout").glob("*.txt")):
        parts.append(path.read_text(encoding="utf-8"))
    parts.append("Ａ股1-7月GDP增长6.5%，ｅ办通上线；㐀䶵\U00020000字；电话0571-88886666；x_y#z&w")
    return "\n".join(parts)


def test_backends_are_token_identical_on_a_large_varied_text():
    pytest.importorskip("rjieba")
    text = _varied_text()
    assert len(text) > 150_000
    a = Segmenter(backend="jieba").cut(text)
    b = Segmenter(backend="rjieba").cut(text)
    assert "".join(a) == text
    if a != b:
        i = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
        pytest.fail(f"backends differ at token {i}: {a[i-3:i+3]} vs {b[i-3:i+3]}")


def test_unknown_backend_is_a_clear_error(monkeypatch):
    from speechlens import SpeechlensError

    with pytest.raises(SpeechlensError, match="backend"):
        Segmenter(backend="nltk")
    monkeypatch.setenv("SPEECHLENS_BACKEND", "bogus")
    with pytest.raises(SpeechlensError, match="SPEECHLENS_BACKEND"):
        Segmenter()


def test_cache_lives_in_a_private_user_directory(tmp_path, monkeypatch):
    import os
    import stat

    monkeypatch.setenv("SPEECHLENS_CACHE_DIR", str(tmp_path / "cache"))
    Segmenter(backend="jieba").cut("两个确立")
    files = list((tmp_path / "cache").iterdir())
    assert files and all("jieba" in f.name and f.stat().st_mode & 0o077 == 0 for f in files)
    assert stat.S_IMODE(os.stat(tmp_path / "cache").st_mode) == 0o700


def test_a_damaged_dictionary_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("SPEECHLENS_CACHE_DIR", str(tmp_path / "cache"))
    expected = Segmenter(backend="jieba").cut("全镇推进两个确立和乡村振兴")
    for f in (tmp_path / "cache").glob("speechlens-jieba-*.cache"):
        f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])  # cut off, as a full disk would leave it
    assert Segmenter(backend="jieba").cut("全镇推进两个确立和乡村振兴") == expected
    assert Segmenter(backend="jieba").cut("全镇推进两个确立和乡村振兴") == expected  # from the rebuilt cache


TEXTS = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(list("党委书记鄉鎮，。,.;　 12.5%-"))), max_size=200)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_segmentation_never_raises_and_covers_the_text(text):
    for backend in ("jieba", "rjieba"):
        try:
            seg = _SEGS[backend]
        except KeyError:
            continue
        assert "".join(seg.cut(text)) == text


_SEGS = {"jieba": Segmenter(backend="jieba")}
try:
    import rjieba  # noqa: F401
    _SEGS["rjieba"] = Segmenter(backend="rjieba")
except ImportError:  # pragma: no cover
    pass


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_cut_many_equals_cut_one_by_one(backend):
    if backend == "rjieba":
        pytest.importorskip("rjieba")
    seg = Segmenter(backend=backend)
    texts = ["全镇1-7月财政收入2.3亿元，同比增长5.6%", "", "两个确立", "㐀䶵字和鿕龥", " 前后有空格 ", "Ａ股,x_y#z", "孤\ud800立"]
    assert seg.cut_many(texts) == [seg.cut(t) for t in texts]
    big = _varied_text().split("\n")[:3000]
    assert seg.cut_many(big) == [seg.cut(t) for t in big]


FIGURE_TEXTS = st.lists(st.sampled_from(list("0123456789.%-+#&_ax亿元增长，。 ") + ["12315", "2.3", "5.6%", "1-7月"]),
                        max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(FIGURE_TEXTS, min_size=1, max_size=6))
def test_one_call_over_many_texts_joins_figures_as_cut_does(texts):
    for backend, seg in _SEGS.items():
        expected = seg.cut(texts[0])
        for t in texts[1:]:
            expected += ["\n"] + seg.cut(t)
        assert seg.cut_joined(texts) == expected, backend


RJIEBA_ONLY_TEXTS = st.lists(st.sampled_from(list("㐀䶵鿕龥鿿豈\U00020000\U0002a6d6\U00028c52甲乙丙，。 \r0123.%-ax")
                                              + ["财政收入", "2.3亿元", "5.6%", "1-7月"]), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(RJIEBA_ONLY_TEXTS, max_size=8))
def test_texts_with_characters_only_rjieba_counts_as_chinese_cut_as_alone(texts):
    # Such a character used to send a whole batch run by run; now only its own text is.
    texts = [t.rstrip("\r") for t in texts]
    for backend, seg in _SEGS.items():
        expected = seg.cut(texts[0]) if texts else []
        for t in texts[1:]:
            expected += ["\n"] + seg.cut(t)
        assert seg.cut_joined(texts) == expected, backend


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_cut_joined_is_the_texts_tokens_with_line_breaks_between(backend):
    if backend == "rjieba":
        pytest.importorskip("rjieba")
    seg = Segmenter(backend=backend)
    texts = ["全镇1-7月财政收入2.3亿元，同比增长5.6%", "", "末尾回车\r", "两个确立", "１２.５%和12.5%"]
    expected = seg.cut(texts[0])
    for t in texts[1:]:
        expected += ["\n"] + seg.cut(t)
    assert seg.cut_joined(texts) == expected


def test_remembered_runs_cut_as_jieba_cuts_the_whole_text(monkeypatch):
    import re

    import speechlens.text.segmentation as segmentation

    # Without split figures to join, the segmenter's tokens are exactly jieba's own call's.
    text = re.sub(r"(?<=[0-9])[.%\-]", "", _varied_text())
    monkeypatch.setattr(segmentation, "BLOCK_CACHE_SIZE", 50)  # cleared many times over the text
    seg = Segmenter(backend="jieba")
    reference = seg.tokenizer().lcut(text, HMM=False)
    assert seg.cut(text) == reference
    assert 0 < len(seg.block_cache) <= 50
    assert seg.cut(text) == reference  # now partly from remembered runs
    assert seg.cut_joined(text.split("\n")) == reference
    assert pickle.loads(pickle.dumps(seg)).block_cache == {}  # not carried to workers
    # With figures: the same tokens with and without remembering
    figures = _varied_text()
    remembered = seg.cut(figures), seg.cut(figures)
    monkeypatch.setattr(segmentation, "BLOCK_CACHE_SIZE", 0)
    assert remembered[0] == remembered[1] == Segmenter(backend="jieba").cut(figures)
