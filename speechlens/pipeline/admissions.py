"""Admissions: one admitted problem as its writer enumerated it, with its elaboration.

The extractor flags sentences (``Analysis.problems``); a numbered item whose headline and the
sentences that explain it are flagged one by one would count as several problems, so counts
would follow writing style instead of what was admitted. ``admissions_of(analysis)`` joins
them back, downstream of the extractor, by these rules, in this order:

1. a flagged sentence that opens an enumerated item (一是, （二）, 3. …) or is a heading starts
   a new admission;
2. a flagged sentence inside the section a heading admission opened (``1、茶叶产业大而不强``
   then its explanation) belongs to that admission;
3. a flagged sentence right after the admission's last sentence, in the same paragraph, belongs
   to it, unless it opens a new point (对照……, 同时, 此外, 另外, 作为……, 我本人 …);
a stated cause (究其原因……) never continues an earlier admission.

Anything else starts a new admission. A flagged lead-in that only says shortcomings exist
(还存在一些不足，主要表现在：) names none and is left out. The sentence flags themselves are left
as they are.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from speechlens.labels import LABELS
from speechlens.text.specificity import specificity

if TYPE_CHECKING:  # the records hold admissions (Analysis.admissions); only their types are needed here
    from speechlens.pipeline.results import Analysis, Problem

# A sentence opening with one of these raises a point of its own rather than explaining the last.
_NEW_POINT = re.compile(
    r"^(?:对照|同时|此外|另外|另一方面|还有|其次|再次|最后|与此同时|需要指出的是|必须承认|坦率地讲|"
    r"作为|我本人|本人|从自身看|从班子看|就我个人|在[^，。]{1,12}(?:上|方面)，)")


@dataclass(frozen=True)
class Admission:
    """One admitted problem: an enumerated item or a flagged sentence with its elaboration.

    ``start``/``end`` span from its first to its last flagged sentence in the document's text
    (what lies between is part of the item); ``parts`` are the flagged sentences it joins.
    """

    text: str
    start: int
    end: int
    themes: tuple[str, ...]
    subtheme: str | None
    cues: tuple[str, ...]
    section: str | None
    specificity: str
    score: float
    parts: tuple[Problem, ...]
    document: str | None = None
    unit: str | None = None
    year: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "themes": list(self.themes),
                "subtheme": self.subtheme, "cues": list(self.cues), "section": self.section,
                "specificity": self.specificity, "score": round(self.score, 4),
                "sentences": len(self.parts), "document": self.document, "unit": self.unit,
                "year": self.year}


def admissions_of(analysis: Analysis) -> tuple[Admission, ...]:
    """The admissions of one analysed document, in text order (rules in the module docstring)."""
    problems = sorted(analysis.problems, key=lambda p: (p.start, p.end))
    if not problems:
        return ()
    sentences = analysis.sentences
    text = analysis.document.text
    groups: list[list[Problem]] = []
    head_section: str | None = None  # the section a heading admission opened, if the current one did
    for p in problems:
        s = sentences[p.sentence_index].sentence if p.sentence_index < len(sentences) else None
        if s is not None and is_lead_in(s.norm):
            continue
        marked = s is not None and (s.marker is not None or s.is_heading)
        if groups and not marked and _continues(groups[-1][-1], p, s, head_section, sentences, text):
            groups[-1].append(p)
            continue
        groups.append([p])
        head_section = s.section if s is not None and s.is_heading else None
    d = analysis.document
    doc_id = d.id or d.path
    return tuple(_admission(g, text, doc_id, d.unit, d.year) for g in groups)


# A lead-in that only says shortcomings exist ("还存在一些不足，主要表现在：") states a problem under
# the guidelines, so its sentence is flagged, but it names none: it opens the list that follows
# and is not counted as an admission of its own.
_LEAD_IN = re.compile(
    r"(?:存在|有)着?(?P<q>一些|不少|许多|诸多|很多|较多|以下|如下|一定的?|很大的?|较大的?|明显的?|不小的?|"
    r"[一二三四五六七八九十几两\d]+个?方面的?)?(?:突出|明显|不容忽视|不可忽视|亟待解决)?的?"
    r"(?:问题|不足(?:之处)?|差距|距离|短板|弱项|困难|矛盾|薄弱环节)(?:[和与及、](?:问题|不足(?:之处)?|差距|短板|弱项|困难))?")
_LEAD_IN_TAIL = re.compile(
    r"^[，,：:。；;！\s]*(?:(?:主要|具体|集中)?(?:表现|体现)(?:在|为)?(?:以下几个方面|以下方面|如下)?"
    r"|(?:主要)?(?:有|是)(?:以下几点|如下|以下几个方面)?)?[：:。，,；;！\s]*$")


def is_lead_in(text: str) -> bool:
    """True for a sentence that says shortcomings exist without naming one ("还存在一些不足：",
    "但也存在一些不容忽视的问题。"); "招商引资还存在短板" names its area and is not one."""
    last = None
    for last in _LEAD_IN.finditer(text):
        pass
    if last is None:
        return False
    tail = text[last.end():]
    if not _LEAD_IN_TAIL.match(tail):
        return False
    return bool(last.group("q")) or "：" in tail or ":" in tail or "表现" in tail or "体现" in tail


# A stated cause opens an admission of its own, even inside the last item's section.
_CAUSE = re.compile(r"^(?:究其原因|分析原因|原因分析|深究原因|主要原因|其原因)")


def _continues(last: Problem, p: Problem, s: Any, head_section: str | None,
               sentences: Sequence[Any], text: str) -> bool:
    if s is None or _CAUSE.search(s.norm):
        return False
    if head_section is not None and s.section is not None and (
            s.section == head_section or s.section.startswith(head_section + " / ")):
        return True
    if p.sentence_index != last.sentence_index + 1:
        return False
    prev = sentences[last.sentence_index].sentence
    if "\n" in text[prev.end:s.start]:
        return False
    return not _NEW_POINT.search(s.norm)


def _admission(parts: list[Problem], text: str, doc_id: str | None, unit: str | None,
               year: int | None) -> Admission:
    start, end = parts[0].start, parts[-1].end
    span = text[start:end]
    themes = {t for p in parts for t in p.themes}
    # The longest part says most about what the admission is about (a headline is a few words).
    main = max(parts, key=lambda p: (len(p.text), -p.start))
    subs = Counter(p.subtheme for p in parts if p.subtheme)
    subtheme = main.subtheme if main.subtheme else (subs.most_common(1)[0][0] if subs else None)
    cues: list[str] = []
    for p in parts:
        cues += [c for c in p.cues if c not in cues]
    return Admission(text=span, start=start, end=end, themes=tuple(l for l in LABELS if l in themes),
                     subtheme=subtheme, cues=tuple(cues), section=parts[0].section,
                     specificity=specificity(span), score=max(p.score for p in parts),
                     parts=tuple(parts), document=doc_id, unit=unit, year=year)
