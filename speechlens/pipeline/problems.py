"""Admitted problems: which sentences (or enumerated items) admit a shortcoming of one's own.

Evidence is combined on the log-odds scale: the classifier's probability for the sentence read
alone, the section it sits under (存在的问题, 问题与差距 …), the problem-list run it belongs to
(a lead-in such as "主要表现在：" followed by 一是/二是 items), cue words (不足, 不到位, 短板 …),
and signs that it is not an admission: a plan (要/将/下一步), an achievement (解决了…问题), a
next-steps section, or — in a speech — a criticism of others (有的乡镇…).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from speechlens.pipeline.results import Problem
from speechlens.model.context import EVIDENCE
from speechlens.model.features import logistic
from speechlens.records import Sentence
from speechlens.text.specificity import specificity as rules

PROBLEM_HEADING = re.compile(
    r"问题|不足|差距|短板|薄弱|弱项|教训|反思|原因|剖析|检视|查摆|对照检查|差距和不足|缺点|欠缺|"
    r"困难和挑战|困难与挑战|面临的困难|存在的困难|遗憾"
)
PLAN_HEADING = re.compile(
    r"下一步|打算|今后|思路|措施|努力方向|计划|目标任务|工作安排|整改措施|整改方向|主要任务|展望|意见建议|建议"
)
CUES = (
    "还不够", "不够", "不足", "不强", "不高", "不到位", "有待提高", "有待加强", "有待提升", "有待",
    "仍需", "仍然存在", "仍存在", "依然存在", "还存在", "存在", "短板", "薄弱", "滞后", "差距",
    "欠缺", "压力较大", "较为突出", "比较突出", "日益突出", "推进缓慢", "缓慢", "偏低", "偏弱",
    "偏少", "偏小", "偏大", "偏慢", "不多", "不快", "不优", "不深", "不实", "不细", "不严", "不紧",
    "不力", "不佳", "不平衡", "不充分", "不完善", "不健全", "不明显", "不理想", "不适应",
    "不相适应", "不规范", "不彻底", "不及时", "不全面", "不系统", "不扎实", "不主动", "乏力",
    "弱化", "淡化", "松懈", "懈怠", "瓶颈", "制约", "困难较多", "难度较大", "难度大", "隐患",
    "尚未", "还未", "未能", "没有完全", "较少", "较弱", "较低", "较慢", "亟待", "亟需", "缺乏",
    "缺少", "不愿", "不敢", "不会", "流于形式", "走过场", "重形式", "一定程度上", "有所下降",
    "有所放松", "时有发生", "屡禁不止", "反弹", "空置", "闲置", "低于", "未完成", "未达到",
    "没有达到", "落后", "倒数", "排名靠后", "放松", "阻力大", "阻力较大", "慢于", "问题", "仅", "只有", "不到",
)
_STRONG_CUES = frozenset(c for c in CUES if c not in ("存在", "问题", "仅", "只有", "不到", "低于", "慢于"))
_PLAN_START = re.compile(
    r"^(?:[一二三四五六七八九十]要|要|将|需要|必须|务必|力争|计划|拟|着力|着重|进一步|继续|持续|坚持|加快|加强|强化|深化|"
    r"推动|推进|确保|全力|全面|积极|努力|切实|聚焦|围绕|健全|完善|实施|抓好|做好|打造|建立|谋划|"
    r"下一步|今后|明年|新的一年|我们将|我将|本人将)"
)
_PLAN_ANY = re.compile(r"下一步|今后|明年|新的一年|将着力|将进一步|要进一步|力争|确保.{0,12}(?:完成|实现)")
_ACHIEVE = re.compile(
    r"解决了|化解了|化解.{0,6}\d|破解了|整改到位|已整改|完成整改|整改完成|整改率|已完成|得到解决|"
    r"得到有效解决|得到缓解|明显改善|有效遏制|全部销号|实现清零|办结|成功化解|彻底解决|妥善解决|"
    r"消除了|补齐了|建成|新建|新增|累计|同比增长|获评|荣获"
)
_CONCESSION = re.compile(r"(?:虽然|尽管|虽)[^。！？]{2,80}?[，,](?:但是?|然而|不过)|(?:^|[，,])(?:但是?|然而|不过)[，,]?(?=[^，,]{4})")
_GENERIC_LEAD = re.compile(
    r"(?:对照|与|离|相比|比).{0,30}(?:要求|期盼|期待|期望|目标|标准).{0,16}(?:差距|不足|问题|距离)|"
    r"(?:还|仍|也)(?:存在|有)(?:着)?(?:不少|一些|许多|较大|很大|不小|一定)的?(?:问题|不足|差距|短板)|"
    r"(?:差距|不足|问题|原因)[^。，]{0,12}[：:]\s*$|清醒地?(?:认识|看到)"
)
_ADDRESSED = re.compile(r"^(?:针对|围绕|为解决|为破解|为了解决|聚焦)[^，。]{0,30}(?:问题|不足|短板|难题|瓶颈|弱项)")
_THIRD_PERSON = re.compile(r"^(?:有的|有些|部分|个别|一些|少数|不少)|(?:有的|有些|部分|个别|一些|少数|不少)(?:乡镇|街道|镇|村|社区|同志|干部|单位|部门|地方|党组织|书记|领导|班子)")
_LEADING_CONNECTIVE = re.compile(r"^(?:此外|最后|同时|另外|其次|首先|再次|还有|另一方面|但必须承认|必须承认|坦率地讲|坦率地说|需要指出的是|同时也要清醒看到|但必须清醒看到|必须清醒看到)[，,：:]\s*")
_LEAD_IN = re.compile(
    r"(?:(?:问题|不足|差距|短板|弱项|表现在|主要是|主要有|体现在|如下)[^。]{0,6}|"
    r"(?:问题|不足|差距|短板|弱项|教训)[^。]{0,6}(?:集中在|表现在|体现在|有)?以下[^。]{0,8})[：:]\s*$")
_REFLECTION = re.compile(r"反思自身|深刻反思|自我反思|剖析自身|检视自身|深感惭愧|深感愧疚|深受震动|深感不安|痛定思痛")
_RECTIFICATION_RESULT = re.compile(r"^(?:整改情况|整改措施|整改结果|整改成效|目前已|现已|已经|已全部|已于|截至目前)")
_SECTION_TITLE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]|\d+[.、．])?\s*[^，。]{0,10}(?:存在的?问题|问题与差距|问题和不足|不足之处|短板和不足|差距和不足|原因分析|下一步|工作打算)")
_CONCRETE = re.compile(
    r"\d|[一二两三四五六七八九十百千万几][个家户名人项所座条处次件亩村组%]|"
    r"[\u4e00-\u9fff]{2,6}(?:村|社区|小区|园区|工业园|公司|项目|工程|大道|路|街|河|湖|码头|市场|学校|医院|卫生院)|"
    r"[“\"《][^”\"》]{2,12}[”\"》]"
)
_FIRST_PERSON_CAUSE = re.compile(r"究其原因|原因分析|根源在于|主要原因|深层次原因|由于我|作为.{1,12}书记，我|我本人|本人")


@dataclass(frozen=True)
class ProblemSettings:
    """Weights of the evidence (log-odds); documented in README's "How problems are found"."""

    section: float = 2.6
    lead_in_run: float = 2.2
    cue: float = 0.7
    strong_cue_cap: int = 2
    plan: float = -3.0
    plan_section: float = -2.6
    achievement: float = -1.6
    concession: float = 1.0
    criticism: float = -5.0
    cause: float = 1.2
    generic_lead: float = -6.0
    heading_in_section: float = 1.5
    rectification_item: float = 2.5
    rectification_result: float = -3.0
    reflection: float = 1.2
    addressed: float = -2.5
    enumerated_in_section: float = 1.0
    bias: float = -0.6

    @property
    def max_outside_bonus(self) -> float:
        """The most that evidence other than a problem section or list can add to a sentence."""
        return (self.cue * self.strong_cue_cap + self.concession + self.cause
                + self.rectification_item + self.reflection + 0.5)


_HEADING_FILLER = re.compile(r"存在|主要|突出|困难|方面|当前|目前|工作中|本人|我们|的|和|与|及|、|。|：|:|\s")
_ASPECT_HEADING = re.compile(r"^(?:关于)?在?[^，。]{2,20}方面[。：:]?$")
_RECTIFICATION_ITEM = re.compile(r"^(?:问题|反馈问题|巡察发现问题|存在问题)[0-9０-９一二三四五六七八九十]+[：:、.]")
_ACTION_HEADING = re.compile(r"补齐|补短板|破解|解决|化解|整改|攻坚|着力|聚焦|推动|加强|提升|筑牢|强化|做优|做强")


_FOUND_PROBLEMS = re.compile(r"(?:发现|反馈|指出|查出|交办|查摆|检视)[^，。]{0,6}问题")


def is_problem_heading(heading: str) -> bool:
    """A heading announcing problems (存在的问题, 问题与差距, 审计发现问题的整改情况), not an action
    on them (补齐短板) nor next steps (下一步打算)."""
    if PLAN_HEADING.search(heading):
        return False
    if _FOUND_PROBLEMS.search(heading):
        return True  # a rectification report lists the problems found, then what was done
    return bool(PROBLEM_HEADING.search(heading)) and not _ACTION_HEADING.search(heading)


_CUE_PATTERN = re.compile("|".join(re.escape(c) for c in sorted(set(CUES), key=len, reverse=True)))


_CUE_RANK = {c: (-len(c), CUES.index(c)) for c in set(CUES)}


def find_cues(text: str) -> tuple[str, ...]:
    """Cue words of admission found in ``text`` (longest first, no cue inside another)."""
    return _distinct_cues(_CUE_PATTERN.findall(text))


def _distinct_cues(matches: list[str]) -> tuple[str, ...]:
    hits = set(matches)
    if len(hits) <= 1:
        return tuple(hits)
    ordered = sorted(hits, key=_CUE_RANK.__getitem__)
    found: list[str] = []
    for cue in ordered:
        if not any(cue in f for f in found):
            found.append(cue)
    return tuple(found)


def specificity(text: str) -> str:
    """``concrete`` when the admission names figures, places, projects or units, else ``formulaic``
    (quoted stock slogans count as formulaic); the rules are in ``speechlens.text.specificity``."""
    return rules(text)


def _strip_marker(text: str, marker: str | None) -> int:
    if marker and text.startswith(marker):
        n = len(marker)
        while n < len(text) and text[n] in "，,、：: 　":
            n += 1
        return n
    return 0


# Cheap necessary conditions checked before the slower patterns (each pattern needs one of these).
def _leads_in(text: str) -> bool:
    """A lead-in such as "主要表现在：" (the colon check first: the pattern must end with one)."""
    t = text.rstrip()
    return bool(t) and t[-1] in "：:" and _LEAD_IN.search(text) is not None


def _may_name_others(b: str) -> bool:
    return "有的" in b or "有些" in b or "部分" in b or "个别" in b or "一些" in b or "少数" in b or "不少" in b


def _may_lead_generically(b: str) -> bool:
    return "差距" in b or "不足" in b or "问题" in b or "距离" in b or "短板" in b or "原因" in b or "清醒" in b


def _section_flags(section: str | None) -> tuple[bool, bool]:
    """(in a problem section, in a plan section): the innermost heading of either kind decides."""
    parts = section.split(" / ") if section else []
    last_problem = max((i for i, h in enumerate(parts) if is_problem_heading(h)), default=-1)
    last_plan = max((i for i, h in enumerate(parts) if PLAN_HEADING.search(h)), default=-1)
    return last_problem > last_plan, last_plan > last_problem


# The loose numbers of problem scoring, named (the learned weights are in ProblemSettings).
PROBA_CLIP = 1e-4            # the classifier's probability is kept in [1e-4, 1 - 1e-4] before its log-odds
TITLE_SCORE = -9.0           # a section title or a heading that only names the problems: never an admission
NOT_ADMISSION = -1.0         # criticism of others and generic lead-ins score at most this
HEADING_REST_CHARS = 4       # a problem heading with at most this much besides 问题/不足 is a title
PLAN_PREFIX_CHARS = 12       # a plan word this early in a sentence makes it a plan
GENERIC_LEAD_CHARS = 70      # a generic lead-in ("还有差距：") is shorter than this


def problem_scores(sentences: Sequence[Sentence] | Any, clf_proba: Sequence[float], *,
                   genre: str | None = None, settings: ProblemSettings = ProblemSettings()) -> list[float]:
    """Log-odds that each sentence is an admission (> 0 means it is): the classifier's log-odds
    for the sentence alone plus the hand-weighted evidence of ``ProblemSettings``.

    ``sentences``: Sentence objects or a ``structure.SentenceTable``.
    """
    if not hasattr(sentences, "norms"):
        sentences = _Columns([x.norm for x in sentences], [x.marker for x in sentences],
                             [x.section for x in sentences], [x.is_heading for x in sentences])
    scores = _evidence(sentences, clf_proba, genre, settings)[1]
    assert scores is not None
    return scores


@dataclass(frozen=True)
class _Columns:
    """The four sentence columns the evidence walk reads, for a plain list of Sentence objects."""

    norms: list[str]
    markers: list[str | None]
    sections: list[str | None]
    headings: list[bool]


_CONCEDED = re.compile(r"(?:虽然|尽管)[^。！？]{2,80}?[，,](?:但是?|然而|不过)[，,]?")


def _span(text: str, marker: str | None, start: int) -> tuple[int, int]:
    """The admission inside a sentence starting at ``start``: without its enumeration marker,
    the concessive clause before 但, or the closing punctuation."""
    a = _strip_marker(text, marker)
    m = _CONCEDED.match(text, a)
    if m:
        a = m.end()
    m = _LEADING_CONNECTIVE.match(text[a:])
    if m and m.end() < len(text) - a - 4:
        a += m.end()
    b = len(text)
    while b > a and text[b - 1] in "。；;！!？?，, 　\n":
        b -= 1
    if b <= a:
        a, b = 0, len(text)
    return start + a, start + b


def build_problems(tab: Any, rows: Sequence[int], doc_text: str, *, themes: Sequence[tuple[str, ...]],
                   subthemes: Sequence[str | None], scores: Sequence[float], document: str | None = None,
                   unit: str | None = None) -> list[Problem]:
    """The Problems of the sentences ``rows`` of a ``structure.SentenceTable``, read from its
    columns (no Sentence objects built), in order."""
    out = []
    starts, ends, markers, sections, norms = tab.starts, tab.ends, tab.markers, tab.sections, tab.norms
    for k, i in enumerate(rows):
        a = starts[i]
        start, end = _span(doc_text[a:ends[i]], markers[i], a)
        text = doc_text[start:end]
        out.append(Problem(text=text, start=start, end=end, themes=themes[k], subtheme=subthemes[k],
                           cues=find_cues(norms[i]), section=sections[i], specificity=specificity(text),
                           score=logistic(scores[k]), sentence_index=i, document=document, unit=unit))
    return out


_DIFFICULTY = re.compile(
    r"困难|难以|难度|压力|负债|债务|短缺|匮乏|紧张|紧缺|吃紧|不便|瓶颈|掣肘|包袱|举步维艰|捉襟见肘|"
    r"鸿沟|严重|低下|老化|破旧|不容乐观|有限|拖后腿|拖了|末位|愧疚|惭愧|不平衡|不愿|不想|留不住|"
    r"不明确|不清|模糊|淡薄|缺失|混乱|无序|失衡|下滑|下降|萎缩|流失|空心"
)
_NEGATION = re.compile(r"不|未|没|缺|无")
_FIRST_PERSON = re.compile(r"我|本人|班子|自身|自己")
_WEAK_CUES = frozenset(("存在", "问题", "仅", "只有", "不到", "低于", "慢于"))


def problem_evidence(sentences: Any) -> np.ndarray:
    """The evidence behind ``problem_scores`` as columns (``EVIDENCE`` order), for a learned
    model to weigh: where a sentence sits (problem or plan section, a problem-list run), its cue
    words, and the signs of a plan, an achievement, a cause, a criticism of others.

    ``sentences``: a ``structure.SentenceTable`` (or anything with its columns).
    """
    return _evidence(sentences)[0]


def problem_evidence_and_scores(sentences: Any, clf_proba: Sequence[float], *, genre: str | None = None,
                                settings: ProblemSettings = ProblemSettings()) -> tuple[np.ndarray, list[float]]:
    """``(problem_evidence(sentences), problem_scores(sentences, clf_proba, ...))`` in one walk
    over the sentences: the two test the same patterns on the same text, so each is tested once
    and both read the answer (each keeps its own problem-list state). The same values as the
    two functions called apart; ``tests/test_context.py`` checks it."""
    ev, z = _evidence(sentences, clf_proba, genre, settings)
    assert z is not None
    return ev, z


def _evidence(sentences: Any, clf_proba: Sequence[float] | None = None, genre: str | None = None,
              settings: ProblemSettings = ProblemSettings()) -> tuple[np.ndarray, list[float] | None]:
    norms, markers, sections, headings = sentences.norms, sentences.markers, sentences.sections, sentences.headings
    rows: list[list[Any]] = []  # plain lists, one array at the end: no numpy item writes
    flags: dict[str | None, tuple[bool, bool]] = {}
    in_run = run_plans = False
    scores: list[float] | None = None
    if clf_proba is not None:  # problem_scores' own inputs and state
        bias = settings.bias
        log = math.log
        alone = [log(q / (1 - q)) + bias
                 for q in np.clip(np.asarray(clf_proba, dtype=np.float64), PROBA_CLIP, 1 - PROBA_CLIP).tolist()]
        scores = []
        max_outside = settings.max_outside_bonus
        s_in_run = s_run_plans = False
        speech = genre == "speech"
    for i, (text, marker, section, is_heading) in enumerate(zip(norms, markers, sections, headings)):
        sf = flags.get(section)
        if sf is None:
            sf = flags[section] = _section_flags(section)
        in_section, in_plan_section = sf
        body = text[_strip_marker(text, marker):] if marker else text
        if is_heading:
            in_run = run_plans = False
        is_plan = bool(_PLAN_START.search(body)) or bool(_PLAN_ANY.search(body[:PLAN_PREFIX_CHARS]))
        if in_run and is_plan and marker:
            run_plans = True
        found = _distinct_cues(_CUE_PATTERN.findall(body))
        strong = sum(c in _STRONG_CUES for c in found)
        row: list[Any] = [0.0] * len(EVIDENCE)
        rows.append(row)
        row[0] = in_section and not run_plans
        row[1] = in_run and not run_plans and not in_section
        row[2] = in_plan_section or run_plans
        row[3] = min(strong, 3) / 3
        row[4] = any(c in _WEAK_CUES for c in found)
        row[5] = is_plan
        achieve = not strong and bool(_ACHIEVE.search(body))
        row[6] = achieve
        # Each pattern is tried only where its necessary first character or word is present.
        first = body[:1]
        rect_result = first in "整目现已截" and bool(_RECTIFICATION_RESULT.search(body))
        row[7] = rect_result
        reflection = ("反思" in body or "自身" in body or "深感" in body or "深受" in body or "痛定" in body) \
            and bool(_REFLECTION.search(body))
        row[8] = reflection
        concession = bool(("但" in body or "然而" in body or "不过" in body) and _CONCESSION.search(body))
        row[9] = concession
        cause = ("原因" in body or "根源" in body or "我" in body or "本人" in body) \
            and bool(_FIRST_PERSON_CAUSE.search(body))
        row[10] = cause
        third = bool(_may_name_others(body) and _THIRD_PERSON.search(body))
        row[11] = third
        generic = bool(len(body) < GENERIC_LEAD_CHARS and _may_lead_generically(body) and _GENERIC_LEAD.search(body)
                       and not _CONCRETE.search(body.split("差距")[-1]))
        row[12] = generic
        addressed = first in "针围为聚" and bool(_ADDRESSED.search(body))
        row[13] = addressed
        problem_word = PROBLEM_HEADING.search(body) is not None
        title = (("问题" in text or "不足" in text or "原因分析" in text or "下一步" in text or "工作打算" in text)
                 and _SECTION_TITLE.search(text) is not None)
        section_title = bool(title or (problem_word and len(_HEADING_FILLER.sub("", PROBLEM_HEADING.sub("", body))) <= HEADING_REST_CHARS)
                             or ("方面" in body and _ASPECT_HEADING.search(body)))
        row[14] = section_title
        rect_item = first in "问反巡存" and bool(_RECTIFICATION_ITEM.search(body))
        row[15] = rect_item
        leads = _leads_in(text)
        row[16] = leads
        row[17] = problem_word
        row[18] = min(len(_DIFFICULTY.findall(body)), 3) / 3
        row[19] = min(len(_NEGATION.findall(body)), 4) / 4
        row[20] = bool(_FIRST_PERSON.search(body))
        row[21] = bool(marker) and (in_section or in_run) and not run_plans and not is_plan
        if leads and not is_plan:
            in_run, run_plans = True, False
        elif not marker and not in_section and in_run and not strong and not is_heading and len(body) > 40:
            in_run = False
        if scores is None:
            continue
        # The hand-weighted score (problem_scores), step for step, from the answers above.
        z = alone[i]
        if is_heading:
            s_in_run = False
            s_run_plans = False
            if section_title or _FOUND_PROBLEMS.search(body) or not in_section:
                scores.append(TITLE_SCORE)
                continue
        elif z < -max_outside and not (in_section or s_in_run):
            scores.append(z)
            if leads:
                s_in_run, s_run_plans = True, False
            continue
        if s_in_run and is_plan and marker:
            s_run_plans = True
        if in_section and not s_run_plans:
            z += settings.section
        elif s_in_run and not s_run_plans:
            z += settings.lead_in_run
        if in_plan_section or s_run_plans:
            z += settings.plan_section
        z += settings.cue * min(strong, settings.strong_cue_cap)
        if is_plan:
            z += settings.plan
        if achieve:
            z += settings.achievement
        if rect_result:
            z += settings.rectification_result
        if reflection:
            z += settings.reflection
        if strong and concession:
            z += settings.concession
        if strong and cause:
            z += settings.cause
        if speech and third:
            z = min(z + settings.criticism, NOT_ADMISSION)
        if generic:
            z = min(z + settings.generic_lead, NOT_ADMISSION)
        if addressed:
            z += settings.addressed
        if is_heading:
            z += settings.heading_in_section
        if rect_item:
            z += settings.rectification_item
        if marker and (in_section or s_in_run) and not s_run_plans and not is_plan:
            z += settings.enumerated_in_section
        scores.append(z)
        if leads and not is_plan:
            s_in_run, s_run_plans = True, False
        elif not marker and not in_section and z <= 0 and s_in_run:
            s_in_run = False
    return np.array(rows, dtype=np.float64).reshape(len(norms), len(EVIDENCE)), scores


# -- the same walk over a whole batch of documents ------------------------------------------------
# Each pattern that cannot match across a line break (literal words, ``.``, anchors under re.M)
# is run once over the batch's bodies joined by "\n", its matches mapped back to sentences by
# offset; the others (``[^。]`` and the like, which could run on into the next sentence) run on
# the few sentences their cheap necessary condition leaves. The problem-list state runs only where
# it is not all off (from a lead-in on), over precomputed columns.
_SEP = "\n"


def _at_line_start(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``^X`` as ``\\nX``, to be run over "\\n" + the joined text: the same matches one character
    earlier (the engine skips to each line break instead of trying every position)."""
    assert pattern.pattern.startswith("^") and "^" not in pattern.pattern[1:]
    return re.compile("\n(?:" + pattern.pattern[1:] + ")")


_PLAN_START_N = _at_line_start(_PLAN_START)
_RECTIFICATION_RESULT_N = _at_line_start(_RECTIFICATION_RESULT)
_RECTIFICATION_ITEM_N = _at_line_start(_RECTIFICATION_ITEM)
_ADDRESSED_START_N = re.compile(r"\n(?:针对|围绕|为解决|为破解|为了解决|聚焦)")
_MAY_NAME_OTHERS = re.compile("有的|有些|部分|个别|一些|少数|不少")
_ENDS_WITH_COLON_M = re.compile(r"[：:][^\S\n]*$", re.M)  # text.rstrip() ends with a colon
_MAY_CONCEDE = re.compile("但|然而|不过")
_MAY_LEAD_GENERICALLY = re.compile("差距|不足|问题|距离|短板|原因|清醒")
_MAY_BE_TITLE = re.compile("问题|不足|原因分析|下一步|工作打算")
_ASPECT_WORD = re.compile("方面")


def _segments_hit(pattern: re.Pattern[str], joined: str, offsets: np.ndarray) -> np.ndarray:
    """How many matches of ``pattern`` (non-overlapping, as findall) start in each segment."""
    starts = [m.start() for m in pattern.finditer(joined)]
    if not starts:
        return np.zeros(len(offsets), dtype=np.int64)
    return np.bincount(np.searchsorted(offsets, starts, side="right") - 1, minlength=len(offsets))


def problem_evidence_batch(tables: Sequence[Any], clf_proba: Sequence[float], *, genre: str | None = None,
                           settings: ProblemSettings = ProblemSettings()) -> tuple[np.ndarray, np.ndarray]:
    """``problem_evidence_and_scores`` of each table, stacked (evidence rows and rule log-odds of
    all their sentences in order; ``clf_proba``: the probabilities of all of them): the same bits
    as table by table, with each pattern run once over the batch where that gives the same
    matches. ``tests/test_context.py`` checks it against the walk."""
    norms = [x for t in tables for x in t.norms]
    n = len(norms)
    joined_norms = _SEP.join(norms)
    if n == 0 or joined_norms.count(_SEP) != n - 1:  # a line break inside a sentence: table by table
        evs, zs = [], []
        a = 0
        for t in tables:
            b = a + len(t)
            ev, z = _evidence(t, clf_proba[a:b], genre, settings)
            evs.append(ev)
            zs.extend(z or ())
            a = b
        return (np.concatenate(evs) if evs else np.zeros((0, len(EVIDENCE)))), np.array(zs, dtype=np.float64)
    markers = [x for t in tables for x in t.markers]
    sections = [x for t in tables for x in t.sections]
    heading = np.fromiter((h for t in tables for h in t.headings), dtype=bool, count=n)
    bodies = [text[_strip_marker(text, marker):] if marker else text for text, marker in zip(norms, markers)]
    joined = _SEP.join(bodies)
    lengths = np.fromiter(map(len, bodies), dtype=np.int64, count=n)
    offsets = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=offsets[1:])
    lengths_n = np.fromiter(map(len, norms), dtype=np.int64, count=n)
    offsets_n = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths_n[:-1] + 1, out=offsets_n[1:])

    def hits(p: re.Pattern[str]) -> np.ndarray:
        return _segments_hit(p, joined, offsets)

    line_joined = _SEP + joined

    def starts_with(p: re.Pattern[str]) -> np.ndarray:  # a match at "\n" + segment k starts at offsets[k]
        return _segments_hit(p, line_joined, offsets) > 0

    def where(mask: np.ndarray) -> list[int]:
        return np.flatnonzero(mask).tolist()

    ids: dict[str | None, int] = {}
    section_ids = np.array([ids.setdefault(s, len(ids)) for s in sections], dtype=np.int64)
    section_flags = np.array([_section_flags(s) for s in ids], dtype=bool).reshape(len(ids), 2)
    in_section = section_flags[section_ids, 0]
    in_plan_section = section_flags[section_ids, 1]
    has_marker = np.array([bool(m) for m in markers], dtype=bool)

    is_plan = starts_with(_PLAN_START_N)
    is_plan |= _segments_hit(_PLAN_ANY, _SEP.join([b[:PLAN_PREFIX_CHARS] for b in bodies]),
                             _prefix_offsets(lengths)) > 0
    # cue words: the matches of each sentence, in order, as findall gives them
    cue_starts, cue_words = [], []
    for m in _CUE_PATTERN.finditer(joined):
        cue_starts.append(m.start())
        cue_words.append(m.group())
    strong = np.zeros(n, dtype=np.int64)
    weak = np.zeros(n, dtype=bool)
    if cue_starts:
        seg = np.searchsorted(offsets, cue_starts, side="right") - 1
        cut = np.flatnonzero(np.diff(seg)) + 1
        firsts = np.concatenate(([0], cut)).tolist()
        lasts = np.concatenate((cut, [len(seg)])).tolist()
        strong_cues, weak_cues = _STRONG_CUES, _WEAK_CUES
        for i, a, b in zip(seg[firsts].tolist(), firsts, lasts):
            found = _distinct_cues(cue_words[a:b])
            strong[i] = sum(c in strong_cues for c in found)
            weak[i] = any(c in weak_cues for c in found)
    achieve = (strong == 0) & (hits(_ACHIEVE) > 0)
    rect_result = starts_with(_RECTIFICATION_RESULT_N)
    reflection = hits(_REFLECTION) > 0
    concession = np.zeros(n, dtype=bool)
    for i in where(hits(_MAY_CONCEDE) > 0):
        concession[i] = _CONCESSION.search(bodies[i]) is not None
    cause = hits(_FIRST_PERSON_CAUSE) > 0
    third = np.zeros(n, dtype=bool)
    for i in where(hits(_MAY_NAME_OTHERS) > 0):
        third[i] = _THIRD_PERSON.search(bodies[i]) is not None
    generic = np.zeros(n, dtype=bool)
    for i in where((lengths < GENERIC_LEAD_CHARS) & (hits(_MAY_LEAD_GENERICALLY) > 0)):
        body = bodies[i]
        generic[i] = bool(_GENERIC_LEAD.search(body) and not _CONCRETE.search(body.split("差距")[-1]))
    addressed = np.zeros(n, dtype=bool)
    for i in where(starts_with(_ADDRESSED_START_N)):
        addressed[i] = _ADDRESSED.search(bodies[i]) is not None
    problem_word = hits(PROBLEM_HEADING) > 0
    section_title = np.zeros(n, dtype=bool)
    for i in where(_segments_hit(_MAY_BE_TITLE, joined_norms, offsets_n) > 0):
        section_title[i] = _SECTION_TITLE.search(norms[i]) is not None
    for i in where(problem_word & ~section_title):
        section_title[i] = len(_HEADING_FILLER.sub("", PROBLEM_HEADING.sub("", bodies[i]))) <= HEADING_REST_CHARS
    for i in where((hits(_ASPECT_WORD) > 0) & ~section_title):
        section_title[i] = _ASPECT_HEADING.search(bodies[i]) is not None
    rect_item = starts_with(_RECTIFICATION_ITEM_N)
    leads = np.zeros(n, dtype=bool)
    for i in where(_segments_hit(_ENDS_WITH_COLON_M, joined_norms, offsets_n) > 0):
        leads[i] = _LEAD_IN.search(norms[i]) is not None

    ev = np.empty((n, len(EVIDENCE)), dtype=np.float64)
    # the problem-list columns where no list is open (overwritten below where one is)
    ev[:, 0] = in_section
    ev[:, 1] = 0.0
    ev[:, 2] = in_plan_section
    ev[:, 3] = np.minimum(strong, 3) / 3
    ev[:, 4] = weak
    ev[:, 5] = is_plan
    ev[:, 6] = achieve
    ev[:, 7] = rect_result
    ev[:, 8] = reflection
    ev[:, 9] = concession
    ev[:, 10] = cause
    ev[:, 11] = third
    ev[:, 12] = generic
    ev[:, 13] = addressed
    ev[:, 14] = section_title
    ev[:, 15] = rect_item
    ev[:, 16] = leads
    ev[:, 17] = problem_word
    ev[:, 18] = np.minimum(hits(_DIFFICULTY), 3) / 3
    ev[:, 19] = np.minimum(hits(_NEGATION), 4) / 4
    ev[:, 20] = hits(_FIRST_PERSON) > 0
    ev[:, 21] = has_marker & in_section & ~is_plan

    # The hand-weighted score for each state of the problem list (in run, run of plans), the
    # additions in problem_scores' order.
    bias, log = settings.bias, math.log
    alone = np.array([log(q / (1 - q)) + bias for q in
                      np.clip(np.asarray(clf_proba, dtype=np.float64), PROBA_CLIP, 1 - PROBA_CLIP).tolist()],
                     dtype=np.float64).reshape(n)
    speech = genre == "speech"

    def scored(s_in_run: bool, s_run_plans: bool) -> np.ndarray:
        z = alone
        if not s_run_plans:
            z = np.where(in_section, z + settings.section, (z + settings.lead_in_run) if s_in_run else z)
        z = z + settings.plan_section if s_run_plans else np.where(in_plan_section, z + settings.plan_section, z)
        z = z + settings.cue * np.minimum(strong, settings.strong_cue_cap)
        z = np.where(is_plan, z + settings.plan, z)
        z = np.where(achieve, z + settings.achievement, z)
        z = np.where(rect_result, z + settings.rectification_result, z)
        z = np.where(reflection, z + settings.reflection, z)
        z = np.where((strong > 0) & concession, z + settings.concession, z)
        z = np.where((strong > 0) & cause, z + settings.cause, z)
        if speech:
            z = np.where(third, np.minimum(z + settings.criticism, NOT_ADMISSION), z)
        z = np.where(generic, np.minimum(z + settings.generic_lead, NOT_ADMISSION), z)
        z = np.where(addressed, z + settings.addressed, z)
        z = np.where(heading, z + settings.heading_in_section, z)
        z = np.where(rect_item, z + settings.rectification_item, z)
        if not s_run_plans:
            z = np.where(has_marker & (in_section | s_in_run) & ~is_plan, z + settings.enumerated_in_section, z)
        return z

    z_off = scored(False, False)
    title = heading & section_title
    for i in where(heading & ~section_title & in_section):
        title[i] = _FOUND_PROBLEMS.search(bodies[i]) is not None
    title |= heading & ~in_section
    outside = ~heading & (alone < -settings.max_outside_bonus) & ~in_section
    scores = np.where(title, TITLE_SCORE, np.where(outside, alone, z_off))

    starts = where(leads)
    if starts:
        _problem_lists(starts, tables, ev, scores, alone.tolist(), heading.tolist(), is_plan.tolist(),
                       has_marker.tolist(), in_section.tolist(), in_plan_section.tolist(), strong.tolist(),
                       (lengths > 40).tolist(), title.tolist(), leads.tolist(), settings.max_outside_bonus,
                       {(r, p): scored(r, p) for r in (False, True) for p in (False, True)})
    return ev, scores


def _prefix_offsets(lengths: np.ndarray) -> np.ndarray:
    """Offsets of the segments ``body[:PLAN_PREFIX_CHARS]`` joined by one separator."""
    short = np.minimum(lengths, PLAN_PREFIX_CHARS)
    out = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(short[:-1] + 1, out=out[1:])
    return out


def _problem_lists(starts: list[int], tables: Sequence[Any], ev: np.ndarray, scores: np.ndarray, alone: list[float],
                   heading: list[bool], is_plan: list[bool], marker: list[bool], in_section: list[bool],
                   in_plan_section: list[bool], strong: list[int], long: list[bool], title: list[bool],
                   leads: list[bool], max_outside: float, z_of: dict[tuple[bool, bool], np.ndarray]) -> None:
    """The problem-list state of ``_evidence`` (evidence columns 0, 1, 2, 21) and of the scores,
    walked from each lead-in sentence on until both are off again, within its document."""
    z_lists = {k: v.tolist() for k, v in z_of.items()}
    ends = np.cumsum([len(t) for t in tables]).tolist()
    doc = 0
    i = 0
    for first in starts:
        if first < i:
            continue
        while ends[doc] <= first:
            doc += 1
        end = ends[doc]
        in_run = run_plans = s_in_run = s_run_plans = False
        i = first
        while i < end:
            h, plan, mk, sec = heading[i], is_plan[i], marker[i], in_section[i]
            # evidence
            if h:
                in_run = run_plans = False
            if in_run and plan and mk:
                run_plans = True
            row = ev[i]
            row[0] = sec and not run_plans
            row[1] = in_run and not run_plans and not sec
            row[2] = in_plan_section[i] or run_plans
            row[21] = mk and (sec or in_run) and not run_plans and not plan
            lead = leads[i]
            if lead and not plan:
                in_run, run_plans = True, False
            elif not mk and not sec and in_run and not strong[i] and not h and long[i]:
                in_run = False
            # score
            z = alone[i]
            if h:
                s_in_run = s_run_plans = False
                if title[i]:
                    scores[i] = z = -9.0  # TITLE_SCORE
                    i += 1
                    if not (in_run or run_plans or s_in_run or s_run_plans):
                        break
                    continue
                z = z_lists[(False, False)][i]
            elif z < -max_outside and not (sec or s_in_run):
                scores[i] = z
                if lead:
                    s_in_run, s_run_plans = True, False
                i += 1
                if not (in_run or run_plans or s_in_run or s_run_plans):
                    break
                continue
            else:
                if s_in_run and plan and mk:
                    s_run_plans = True
                z = z_lists[(s_in_run, s_run_plans)][i]
            scores[i] = z
            if lead and not plan:
                s_in_run, s_run_plans = True, False
            elif not mk and not sec and z <= 0 and s_in_run:
                s_in_run = False
            i += 1
            if not (in_run or run_plans or s_in_run or s_run_plans):
                break
