"""Specificity of an admission: ``concrete`` when it names something a reader could check, else
``formulaic`` (stock wording, 套话).

Concrete means a figure (3个村, 23%, 三分之一, 半年, a redacted ** or XX), a date (去年7月, 一季度),
or a named place, project or unit (湖滨村, 南山工业园, 滨河湿地公园项目, “青禾”大米品牌). Quoted
stock slogans and formulas ("两个维护", "四风", "放管服", "大而不强", "两张皮") are formulaic, as
are the numeral formulas of the governance dictionary (三会一课, 一岗双责) and generic places
(部分村, 城中村, 老旧小区, 重点项目). Rules, not a model: each one is written out below and
measured on ``corpora/specificity`` (README: Evaluation).
"""

from __future__ import annotations

import re
from functools import lru_cache
from speechlens.resources import governance_terms

CONCRETE = "concrete"
FORMULAIC = "formulaic"

_HAN = r"[\u4e00-\u9fff]"
QUOTED = re.compile(r"[“\"「『]([^”\"」』]{1,16})[”\"」』]")
# What a quoted name is followed by (“青禾”大米品牌, “山里人家”民宿) or ends with (“清溪夜市”).
_NAME_HEAD = "品牌|商标|字号|民宿|农家乐|米业|茶业|合作社|公司|厂|超市|酒店"
AFTER_QUOTE = re.compile(rf"^{_HAN}{{0,4}}?(?:{_NAME_HEAD})")
# A name is a chunk of its own (between punctuation or words such as 的, 和, 在) that ends in a
# place or project word; one-character place words (村, 路, 河 …) must end the chunk or be
# followed by a word that locates within the place (沿线, 片区, 二期 …).
LONG_SUFFIX = (
    "工业园|产业园|科技园|物流园|开发区|工业区|商务区|公园|广场|码头|水库|闸站|泵站|隧道|大桥|大道|"
    "社区|小区|片区|街道|夜市|市场|学堂|食堂|学校|中学|小学|幼儿园|医院|卫生院|敬老院|养老院|"
    "污水处理厂|水厂|米业|集团|公司"
)
SHORT_SUFFIX = "村|镇|乡|路|街|巷|河|湖|江|岛|湾|岭|山|厂"
NAMED = re.compile(
    rf"^(?:({_HAN}{{4,8}}?)(?:项目|工程)|({_HAN}{{2,8}}?)(?:{LONG_SUFFIX})|"
    rf"({_HAN}{{2,8}}?)(?:{SHORT_SUFFIX})(?=$|沿线|周边|一带|片区|段|口|左岸|右岸|[一二三四]期|码头|旅游|改造|扩建))")
# Characters of the prose around places (pronouns, verbs of doing and planning) that a name
# seldom holds: "我作为街道…", "推动项目谋划" are no names.
NOT_IN_NAME = re.compile(r"[我们你他为作动划取抓促推谋套惯意识求要搞做]")
CHUNK = re.compile(r"[，,、；;。：:\s　（）()“”\"「」『』]+|[的和与及至到在对从把被由因于等让向给]")
# A place word is generic when what comes before its suffix says "some", "every" or a kind:
# 部分村, 各村, 城中村, 老旧小区, 重大项目, 平台公司 (the prefix ends with one of these).
GENERIC_PREFIX = re.compile(
    r"(?:部分|个别|有的|有些|一些|少数|多数|不少|各|全|每|本|该|其他|其余|所在|周边|沿线|辖区|相关|"
    r"城中|城乡|行政|自然|农|乡|城|贫困|薄弱|空壳|软弱涣散|试点|示范|重点|老旧|开放式|封闭式|安置|"
    r"城市|工业|产业|平台|农贸|批发|集贸|偏远|山区|集体|国有|民营|小微|龙头|招商|重大|民生|基础|"
    r"配套|大|小|新|旧|老|中心|道|思|河|湖|湖泊|水|农村公|高速公|公|铁|马|出|走|门|"
    r"文旅|旅游|建设|改造|环保|治理|帮扶|惠民|实事|扶贫|续建|新建|在建|签约|落地|振兴|储备|"
    r"好|大项|小项|这个|那个|这些|那些|上述|以上|同类|类似|每个|多个|几个|各个)$")
FIGURE = re.compile(r"[0-9０-９Ⅰ-Ⅻ]|\*{2,}|＊{2,}|[XＸ×]{2,}")
_COUNTER = ("个月|个百分点|公里|万元|亿元|万人|批次|人次|户次|个|家|户|名|人|项|所|座|条|处|次|件|亩|"
            "起|宗|笔|吨|艘|台|栋|辆|间|张|元|岁|年|天|成|倍|套|部|支|只|级")
NUMERAL_QTY = re.compile(
    rf"(?<![第星万])(?:[一二两三四五六七八九十百千]+)(?:{_COUNTER})|"
    r"[一二三四五六七八九十百]+分之[一二三四五六七八九十]+|倒数第[一二三四五六七八九十]|"
    r"第[一二三四五六七八九十]+名|一半|近半|过半|半年|[一二三四]季度|"
    r"(?<![一二三四五六七八九十])(?:[一二三四五六七八九十]|十[一二])月份?")
# Numerals inside stock phrases that name no quantity.
VAGUE = re.compile(
    r"一个时期|一段时间|一时间|一些|一定|一度|一批|一系列|一体化?|一线|一致|一起|一般|一直|一味|"
    r"一方面|一律|一旦|一手|一刀切|一阵风|一盘棋|一把手|一班人|一条心|一股劲|一件事|一次性|一级抓一级|"
    r"两手抓|两张皮|两头|三心二意|七上八下|一年一度|一年来|一年多来|半年来|几年来|多年来|"
    r"一是|二是|三是|四是|五是|六是|一要|二要|三要|一来|二来")


@lru_cache(maxsize=1)
def formulas() -> re.Pattern[str]:
    """The governance dictionary's numeral formulas (两个维护, 三会一课, 一岗双责 …)."""
    terms = sorted({t for t, _ in governance_terms() if re.search("[一二两三四五六七八九十]", t)},
                   key=len, reverse=True)
    return re.compile("|".join(map(re.escape, terms)) if terms else r"(?!x)x")


# Cheap necessary conditions, tested before the costly patterns they guard: every formula and
# every numeral quantity holds one of NUMERALS (a quantity at most 3 characters from its start:
# 倒数第三), every figure one of FIGURE_CHARS, every name a place or project word (ANY_SUFFIX),
# every vague phrase starts with one of VAGUE_FIRST, every quoted slogan with QUOTE_CHARS.
NUMERALS = re.compile(r"[一二两三四五六七八九十百千半]")
FIGURE_CHARS = re.compile(r"[0-9０-９Ⅰ-Ⅻ*＊XＸ×]")
ANY_SUFFIX = re.compile(rf"项目|工程|{LONG_SUFFIX}|{SHORT_SUFFIX}")
VAGUE_FIRST = re.compile(r"[一两三七半几多二四五六]")
QUOTE_CHARS = re.compile(r"[“\"「『]")


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: "　" * len(m.group(0)), text)


def _without_slogans(text: str) -> str:
    """Quoted stretches blanked out, unless the quote is a name (“青禾”大米品牌, “清溪夜市”)."""
    if not QUOTE_CHARS.search(text):
        return text

    def repl(m: re.Match[str]) -> str:
        inner = m.group(1)
        after = text[m.end():m.end() + 8]
        if AFTER_QUOTE.search(after) or _is_name(inner):
            return m.group(0)
        return "　" * len(m.group(0))
    return QUOTED.sub(repl, text)


def _is_name(s: str) -> bool:
    if not ANY_SUFFIX.search(s, 2):
        return False
    for chunk in CHUNK.split(s):
        if not ANY_SUFFIX.search(chunk, 2):  # a name has two characters or more before its suffix
            continue
        m = NAMED.match(chunk)
        prefix = m and next(g for g in m.groups() if g)
        if prefix and not GENERIC_PREFIX.search(prefix) and not NOT_IN_NAME.search(prefix):
            return True
    return False


def specificity(text: str) -> str:
    """``concrete`` when the admission names a figure, date, place, project or unit, else
    ``formulaic`` (quoted slogans and numeral formulas count as formulaic)."""
    t = _without_slogans(text)
    numeral = NUMERALS.search(t)
    if numeral:
        t = _blank(t, formulas())
    if VAGUE_FIRST.search(t):
        t = _blank(t, VAGUE)
    if FIGURE_CHARS.search(t) and FIGURE.search(t):
        return CONCRETE
    if numeral and NUMERAL_QTY.search(t, max(numeral.start() - 3, 0)):
        return CONCRETE
    return CONCRETE if _is_name(t) else FORMULAIC
