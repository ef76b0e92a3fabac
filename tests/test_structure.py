"""Sentences and sections: offsets always point into the original text."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from speechlens import split_sentences

TRICKY = (
    "同志们：\n一、抓牢经济发展这个中心任务\n全市实现生产总值**亿元，同比增长6.2%！"
    "他说：“要抓项目。”大家鼓掌……\n（一）坚持党建引领。全镇新建党支部3个；整顿软弱涣散党组织2个。\n"
    "1.抓好项目建设。签约项目12个。\n存在的问题\n一是招商引资难度大，二是村集体经济薄弱，三是干部老化。\n"
    "这是一段被PDF硬换行打断的很长很长的句子内容，还在继续\n写下去直到句号。\n- 3 -\n"
    "鄉鎮黨委書記帶頭發展經濟。鄉(xiāng)村振兴取得成效.半角标点,也要处理;好吗?\n"
)


def test_offsets_round_trip_on_tricky_text():
    sents = split_sentences(TRICKY)
    assert sents
    for s in sents:
        assert TRICKY[s.start:s.end] == s.text


def test_headings_give_each_sentence_its_section_path():
    by_text = {s.text: s for s in split_sentences(TRICKY)}
    assert by_text["一、抓牢经济发展这个中心任务"].is_heading
    assert by_text["全市实现生产总值**亿元，同比增长6.2%！"].section == "一、抓牢经济发展这个中心任务"
    assert by_text["全镇新建党支部3个；"].section == "一、抓牢经济发展这个中心任务 / （一）坚持党建引领"
    assert by_text["签约项目12个。"].section.endswith("1.抓好项目建设")
    assert by_text["二是村集体经济薄弱，"].section == "存在的问题"


def test_closing_quote_stays_with_its_sentence():
    texts = [s.text for s in split_sentences(TRICKY)]
    assert "他说：“要抓项目。”" in texts
    assert "大家鼓掌……" in texts


def test_inline_enumeration_yields_one_item_each():
    sents = [s for s in split_sentences(TRICKY) if s.marker in ("一是", "二是", "三是")]
    assert [s.text for s in sents] == ["一是招商引资难度大，", "二是村集体经济薄弱，", "三是干部老化。"]


def test_hard_line_break_inside_a_sentence_is_joined_for_analysis():
    s = next(s for s in split_sentences(TRICKY) if s.text.startswith("这是一段"))
    assert "\n" in s.text
    assert s.norm == "这是一段被PDF硬换行打断的很长很长的句子内容，还在继续写下去直到句号。"


def test_traditional_script_and_pinyin_glosses_are_normalised_only_for_analysis():
    sents = split_sentences(TRICKY)
    trad = next(s for s in sents if s.text.startswith("鄉鎮"))
    assert trad.norm == "乡镇党委书记带头发展经济。"
    gloss = next(s for s in sents if s.text.startswith("鄉(xiāng)"))
    assert gloss.norm.startswith("乡村振兴")


def test_a_line_that_ends_a_sentence_is_no_heading_and_never_runs_on():
    text = "一、总体情况\n会议结束。\n- 3 -\n主要做法：\n这一行很长很长很长很长很长很长很长很长很长没有句号\n好。\n"
    sents = split_sentences(text)
    by_text = {s.text: s for s in sents}
    assert not by_text["会议结束。"].is_heading
    assert by_text["会议结束。"].section == "一、总体情况"
    assert not by_text["主要做法："].is_heading  # a colon ends it too: the next line is not joined
    assert "- 3 -" in by_text and "\n" not in by_text["主要做法："].text
    assert by_text["这一行很长很长很长很长很长很长很长很长很长没有句号\n好。"].norm.endswith("没有句号好。")


def test_half_width_terminators_end_sentences():
    texts = [s.text for s in split_sentences("也要处理;好吗?还有一句.结束")]
    assert texts == ["也要处理;", "好吗?", "还有一句.", "结束"]


def test_empty_and_blank_text():
    assert split_sentences("") == []
    assert split_sentences(" \n\n\t") == []


def _covered(text, sents):
    covered = set()
    for s in sents:
        covered.update(range(s.start, s.end))
    return all(i in covered for i, ch in enumerate(text) if not ch.isspace() and ch not in "\ufeff")


TEXTS = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("。！？；…，、：“”（）()!?;:,.- \n　一二三是镇乡党委发展鄉鎮黨經濟12３４*XＸ")),
        st.characters(),
    ),
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_splitting_never_raises_and_covers_every_visible_character(text):
    sents = split_sentences(text)
    for s in sents:
        assert text[s.start:s.end] == s.text
        assert s.start < s.end
    starts = [s.start for s in sents]
    assert starts == sorted(starts)
    assert _covered(text, sents)


MARKERISH = st.text(alphabet=st.sampled_from(list("一二三十是要、.．（()）1２⑴①⒈第部分，,首先其次此外还有 章节a٣")), max_size=8)


@settings(max_examples=500, deadline=None)
@given(MARKERISH)
def test_marker_lookup_agrees_with_trying_each_marker_pattern_in_order(s):
    from speechlens.text.structure import INLINE_ENUM, MARKERS, marker_at

    expected = None
    for level, pat in MARKERS:
        m = pat.match(s)
        if m:
            expected = (level, m.group(0))
            break
    else:
        m = INLINE_ENUM.match(s)
        if m:
            expected = (5, m.group(0))
    assert marker_at(s) == expected


# What a sentence end is, written as plainly as possible; structure.SENT_END is a faster form.
_PLAIN_SENT_END = r"(?:……|…|[。！？!?；;]+|(?<=[\u4e00-\u9fff])\.(?=[\u4e00-\u9fff\s]|$))[”’」』）)》】\"']*"


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("…。！？!?；;.．”’」』）)》】\"' \n镇a1")), max_size=40),
       st.integers(0, 5), st.integers(0, 5))
def test_sentence_end_pattern_finds_what_the_plain_alternation_finds(text, cut_start, cut_end):
    import re

    from speechlens.text.structure import SENT_END

    plain = re.compile(_PLAIN_SENT_END)
    start, end = min(cut_start, len(text)), max(len(text) - cut_end, 0)
    assert [m.span() for m in SENT_END.finditer(text, start, end)] == \
        [m.span() for m in plain.finditer(text, start, end)]


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("\n\r\t 　（(０９Ａｚ％．－-—–12镇a。")), max_size=12))
def test_noise_check_finds_what_the_plain_pattern_finds(text):
    import re

    from speechlens.text.normalization import NOISE

    plain = re.compile(r"[\n\r\t 　（(\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\uff0e\uff0d]|[-—–－]\s*\d")
    assert bool(NOISE.search(text)) == bool(plain.search(text))


def test_an_enumeration_in_the_last_part_keeps_its_section():
    text = "一、发展\n内容甲。\n二、民生\n内容乙。\n三、问题\n一是甲问题不够。\n二是乙问题不够。\n三是丙问题不够。\n以上报告，请批评指正。"
    sents = split_sentences(text)
    for s in sents:
        assert text[s.start:s.end] == s.text
    items = [s for s in sents if s.marker and s.marker.endswith("是")]
    assert [s.section for s in items] == ["三、问题"] * 3
    assert sents[-1].text == "以上报告，请批评指正。" and sents[-1].section is None  # still a closing remark


def test_demo_problems_all_carry_their_section(demo_analyses):
    a = next(a for a in demo_analyses if a.unit == "新港街道")
    assert [p.section for p in a.problems] == ["六、存在的问题"] * len(a.problems)
