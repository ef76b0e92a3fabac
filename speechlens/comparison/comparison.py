"""Comparing units (townships, streets) across analysed documents.

``compare(analyses)`` builds a Comparison: per-unit theme shares and counts of admissions (an
enumerated item with its elaboration is one, see ``admissions``), unit x theme / sub-theme
matrices of admissions, shared problems (deterministic average-linkage clustering of admissions
over word and character tf-idf plus sub-theme), keyness (signed log-likelihood
G²), unit similarity, how a review speech's criticisms are echoed, and recurring problems.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from speechlens.pipeline.admissions import Admission, admissions_of
from speechlens.comparison.clustering import average_linkage, vectorize
from speechlens.labels import LABELS
from speechlens.pipeline.results import Analysis
from speechlens.comparison.keyness import keyness
from speechlens.comparison import neighbours
from speechlens.text.names import NamedSegmenter, names_of, statistics_stopwords, statistics_words
from speechlens.comparison.user_themes import user_theme_shares
from speechlens.errors import SpeechlensError
from speechlens.comparison.grouping import group_key, ordered, shares_of, unit_name, year_changes
from speechlens.text.segmentation import Segmenter, default_segmenter
from speechlens.pipeline.problems import CUES
from speechlens.pipeline.frames import comparison_frames, comparison_html
from speechlens.pipeline.analysis import analyze_paths
from speechlens.comparison.textreuse import reuse

GROUP_THRESHOLD = 0.25
SUBTHEME_WEIGHT = 0.20
SPEECH_THRESHOLD = 0.22
RECURRENCE_THRESHOLD = 0.30
_CRITICISM = re.compile(r"^(?:[一二三四五六七八九十]是|其次|再次|同时|特别是|但是?|然而)?[，,]?(?:有的|有些|部分|个别|一些|少数|不少)")
_TASK = re.compile(r"^(?:[一二三四五六七八九十]要|[一二三四五六七八九十]是要|要|必须|务必|切实|着力)")


@dataclass(frozen=True)
class Comparison:
    """The comparison of several analysed documents; ``to_dict()`` is its JSON form."""

    units: dict[str, dict[str, Any]]
    problem_matrix: dict[str, Any]
    shared_problems: list[dict[str, Any]]
    unique_problems: dict[str, list[dict[str, Any]]]
    keyness: dict[str, list[dict[str, Any]]]
    similarity: dict[str, dict[str, float]]
    speech: dict[str, Any] | None
    recurring: list[dict[str, Any]]
    method: dict[str, Any] = field(default_factory=dict)
    documents: list[dict[str, Any]] = field(default_factory=list)
    by: str = "unit"
    changes: list[dict[str, Any]] = field(default_factory=list)
    admissions: list[dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"<Comparison of {len(self.units)} groups by {self.by}: "
                f"{sum(u['problems'] for u in self.units.values())} admissions, "
                f"{len(self.shared_problems)} shared problems>")

    def _repr_html_(self) -> str:
        return comparison_html(self.to_dict())

    def to_pandas(self) -> dict[str, Any]:
        """Tidy DataFrames (``pip install "speechlens[pandas]"``): units, documents, admissions,
        problem_matrix, shared_problems, keyness, similarity, year_changes; ``id`` columns join
        them (admission -> document, admission -> shared problem)."""
        return comparison_frames(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "problem_matrix": self.problem_matrix,
            "shared_problems": self.shared_problems,
            "unique_problems": self.unique_problems,
            "keyness": self.keyness,
            "similarity": self.similarity,
            "speech": self.speech,
            "recurring_problems": self.recurring,
            "method": self.method,
            "documents": self.documents,
            "by": self.by,
            "year_changes": self.changes,
            "admissions": self.admissions,
        }


def unit_of(a: Analysis) -> str:
    """The unit a document belongs to (simplified script): its metadata, else its id or file name."""
    return unit_name(a)


def compare(analyses: Iterable[Analysis], *, segmenter: Segmenter | Any = None,
            threshold: float = GROUP_THRESHOLD, top_terms: int = 10,
            keyness_correction: str = "williams", drop_names: bool = False,
            by: str | Sequence[str] = "unit", order: Sequence[str] | None = None,
            stopwords: Iterable[str] | None = None, default_stopwords: bool = True,
            target: str | None = None, user_themes: Mapping[str, Sequence[str]] | None = None) -> Comparison:
    """Compare analysed documents by unit, or by any metadata (see the module docstring).

    ``by``: "unit" (default), "year", a metadata key ("county", "role", a ``--metadata``
    column) or several ("unit,year"); the groups come in ``order``, then by pinyin.
    ``keyness_correction``: "williams" (default), "yates" (quanteda's default for
    ``textstat_keyness(measure = "lr")``) or "none"; see ``speechlens.comparison.keyness``; ``target``:
    keyness of that group only (against all the others). The documents' unit, person and place
    names are kept whole when words are counted (``speechlens.text.names``); ``drop_names`` leaves
    them out of keyness and similarity. ``stopwords``: more words to ignore, added to the
    shipped list or, with ``default_stopwords=False``, replacing it. ``user_themes``: extra
    themes as word lists (``speechlens.comparison.user_themes``), reported beside the trained ones.
    """
    docs = list(analyses)
    names = names_of(a.document for a in docs)
    seg = NamedSegmenter(segmenter or default_segmenter(), names)
    speeches = [a for a in docs if a.genre == "speech"]
    reports = [a for a in docs if a.genre != "speech"]
    stop = statistics_stopwords(stopwords, default_stopwords=default_stopwords, names=names, drop_names=drop_names)
    key_of = group_key(by)

    def words(text: str) -> list[str]:
        return statistics_words(seg, text, stop)

    # units ----------------------------------------------------------------------------
    groups_of: dict[str, list[Analysis]] = defaultdict(list)
    for a in reports:
        groups_of[key_of(a)].append(a)
    names_in_order = ordered(groups_of, order)
    if target is not None and target not in groups_of:
        raise SpeechlensError(f"no group named {target!r} to take as keyness target; groups: "
                              + "、".join(names_in_order))
    by_unit = {u: groups_of[u] for u in names_in_order}
    admitted = {id(a): admissions_of(a) for a in reports}
    documents = [_document_row(a, admitted[id(a)], key_of(a)) for a in reports]
    units = _unit_table(reports, documents, by_unit, admitted, user_themes)

    # problem matrix ---------------------------------------------------------------------
    matrix = _problem_matrix(by_unit, admitted)

    # shared problems --------------------------------------------------------------------
    plist: list[tuple[str, Analysis, Admission]] = [(key_of(a), a, p) for a in reports for p in admitted[id(a)]]
    rows: dict[int, list[int]] = defaultdict(list)
    for k, (_, a, _) in enumerate(plist):
        rows[id(a)].append(k)
    vecs, vocab_words = _problem_vectors([p for _, _, p in plist], words)
    keys = [_canonical(x) for x in plist]
    groups = average_linkage(vecs, threshold, keys=keys, same=[(p.text, p.subtheme) for _, _, p in plist])
    position = {u: k for k, u in enumerate(names_in_order)}  # one lookup per member, not a sort of all units
    shared: list[dict[str, Any]] = []
    unique: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for members in groups:
        member_units = sorted({plist[i][0] for i in members}, key=position.__getitem__)
        if len(member_units) >= 2:
            examples = {}
            for i in sorted(members, key=lambda i: (-plist[i][2].score, keys[i])):
                u = plist[i][0]
                if u not in examples:
                    examples[u] = _problem_ref(plist[i][1], plist[i][2])
            shared.append({
                "label": _group_label([plist[i][2] for i in members], words),
                "units": member_units,
                "count": len(members),
                "themes": _top_counts(t for i in members for t in plist[i][2].themes),
                "subtheme": Counter(plist[i][2].subtheme for i in members).most_common(1)[0][0],
                "examples": dict(sorted(examples.items())),
                "members": sorted(({"document": plist[i][1].document.id or plist[i][1].document.path,
                                    "start": plist[i][2].start} for i in members),
                                  key=lambda m: (str(m["document"]), m["start"])),
                "_members": members,
            })
        else:
            for i in members:
                unique[plist[i][0]].append(_problem_ref(plist[i][1], plist[i][2]))
    shared.sort(key=lambda g: (-len(g["units"]), -g["count"], g["label"], sorted(
        (u, e["text"]) for u, e in g["examples"].items())))
    for items_u in unique.values():
        items_u.sort(key=lambda r: (str(r["document"]), r["start"], r["text"]))
    unique = {u: unique[u] for u in names_in_order if u in unique}
    group_of_item: dict[int, int] = {}
    for k, g in enumerate(shared):
        g["id"] = k
        for i in g.pop("_members"):
            group_of_item[i] = k
    admissions_table = [dict(_problem_ref(a, p), group=u, unit=unit_of(a), shared_problem=group_of_item.get(i))
                        for i, (u, a, p) in enumerate(plist)]

    # keyness and similarity ----------------------------------------------------------------
    unit_counts = {u: Counter(w for a in items for t in a.sentences for w in words(t.sentence.norm))
                   for u, items in by_unit.items()}
    key = _keyness_of_groups(unit_counts, names_in_order, target, top_terms, keyness_correction)
    similarity, nearest_only = _unit_similarity(unit_counts, names_in_order)

    speech = _speech_links(speeches, plist, vecs, words) if speeches else None
    recurring = _recurring(plist, vecs)
    changes = year_changes(reports, admitted, rows, vecs, RECURRENCE_THRESHOLD, order)
    method = _method(threshold, keyness_correction, by, nearest_only)
    return Comparison(units=units, problem_matrix=matrix, shared_problems=shared,
                      unique_problems=dict(sorted(unique.items())), keyness=key,
                      similarity=similarity, speech=speech, recurring=recurring, method=method,
                      documents=documents, by=",".join(_by_keys(by)), changes=changes,
                      admissions=admissions_table)


def _unit_table(reports: list[Analysis], documents: list[dict[str, Any]], by_unit: dict[str, list[Analysis]],
                admitted: dict[int, Any], user_themes: Mapping[str, Sequence[str]] | None) -> dict[str, dict[str, Any]]:
    """Each group's row (documents, years, theme shares, admissions, by year, user themes); adds the
    user themes to the documents' rows too."""
    units: dict[str, dict[str, Any]] = {}
    extra = {id(a): user_theme_shares(a, user_themes) for a in reports} if user_themes else {}
    for a, row in zip(reports, documents):
        if extra:
            row["user_themes"] = extra[id(a)]
    for u, items in by_unit.items():
        weights = np.array([max(1, len(a.document.text)) for a in items], dtype=float)
        per_year: dict[int, list[Analysis]] = defaultdict(list)
        for a in items:
            if a.year is not None:
                per_year[a.year].append(a)
        units[u] = {"documents": len(items),
                    "years": sorted(per_year),
                    "themes": shares_of(items),
                    "problems": sum(len(admitted[id(a)]) for a in items),
                    "problem_sentences": sum(len(a.problems) for a in items),
                    "formulaic_share": _formulaic_share([x for a in items for x in admitted[id(a)]]),
                    "characters": int(weights.sum()),
                    "by_year": {str(y): {"documents": len(per_year[y]), "themes": shares_of(per_year[y]),
                                         "problems": sum(len(admitted[id(a)]) for a in per_year[y])}
                                for y in sorted(per_year)} if len(per_year) > 1 else {}}
        if extra:
            units[u]["user_themes"] = {name: round(float(np.average([extra[id(a)][name] for a in items],
                                                                    weights=weights)), 4)
                                       for name in user_themes}
    return units


def _problem_matrix(by_unit: dict[str, list[Analysis]], admitted: dict[int, Any]) -> dict[str, Any]:
    """Admissions per group and theme, and per group and sub-theme."""
    theme_m: dict[str, dict[str, int]] = {}
    sub_m: dict[str, dict[str, int]] = {}
    for u, items in by_unit.items():
        tc = Counter()
        sc = Counter()
        for a in items:
            for p in admitted[id(a)]:
                for t in (p.themes or ("none",)):
                    tc[t] += 1
                sc[p.subtheme or "none/other"] += 1
        theme_m[u] = {t: tc.get(t, 0) for t in LABELS + ("none",)}
        sub_m[u] = dict(sorted(sc.items()))
    return {"themes": theme_m, "subthemes": sub_m}


def _keyness_of_groups(unit_counts: dict[str, Counter[str]], names_in_order: list[str], target: str | None,
                      top_terms: int, keyness_correction: str) -> dict[str, list[dict[str, Any]]]:
    """Keyness of each group (or of ``target`` only) against all the other groups."""
    key: dict[str, list[dict[str, Any]]] = {}
    total = Counter()
    for c in unit_counts.values():
        total.update(c)
    size = sum(total.values())
    for u in names_in_order:
        if target is not None and u != target:
            continue
        # The rest of the units, without building a copy of every count per unit (quadratic).
        ref = _Rest(total, unit_counts[u])
        key[u] = (keyness(unit_counts[u], ref, top=top_terms, correction=keyness_correction,
                          reference_size=size - sum(unit_counts[u].values()))
                  if len(unit_counts) > 1 else [])
    return key


def _method(threshold: float, keyness_correction: str, by: str | Sequence[str],
            nearest_only: str | None = None) -> dict[str, str]:
    """How each part of the comparison was computed, in words (the ``method`` of a Comparison)."""
    return {
        "problems": "admissions: an enumerated item or flagged sentence with the flagged sentences that "
                    "elaborate it (same item heading, or the next sentence of the same paragraph) counts once",
        "shared_problems": "average-linkage (UPGMA) clustering of admissions, the same exact method at "
                           "every size; cosine similarity over l2-normalised tf-idf (idf = ln(n/df) + 1) of "
                           "words (governance dictionary, stopwords removed) and character bigrams (weight "
                           f"{1 - SUBTHEME_WEIGHT:.2f}), plus {SUBTHEME_WEIGHT:.2f} for the same predicted "
                           f"sub-theme; groups merge while the mean similarity is >= {threshold}; computed "
                           "with scipy's linkage inside each connected component of the graph of pairs "
                           f"with similarity >= {threshold} (no group can span two); the admissions are "
                           "put in a canonical order first, so the groups do not depend on input order",
        "keyness": "signed log-likelihood G2 (2x2 table, unit vs all other units)"
                   + {"williams": ", with Williams' correction", "yates": ", with Yates' correction as quanteda "
                      "applies it", "none": ", uncorrected"}[keyness_correction] + "; p from chi-squared with 1 df; terms with p < 0.05 and at "
                   "least 2 occurrences",
        "similarity": "cosine similarity of the units' tf-idf word vectors" + (f"; {nearest_only}" if nearest_only else ""),
        "formulaic_share": "share of a document's (or unit's) admissions whose specificity is formulaic: "
                           "no figure, date or named place/project/unit; quoted stock slogans do not count",
        "speech": f"a speech criticism or task is addressed by a unit when one of its admissions has "
                  f"similarity >= {SPEECH_THRESHOLD}",
        "recurring": f"the same unit admits a problem with similarity >= {RECURRENCE_THRESHOLD} in two years",
        "groups": f"documents grouped by {', '.join(_by_keys(by))} (unit names in simplified script); "
                  "groups in the given order, then by pinyin",
        "year_changes": "each unit against itself the year before: theme shares, and admissions new, "
                        f"recurring (an earlier admission with similarity >= {RECURRENCE_THRESHOLD}) or dropped",
    }


def _formulaic_share(items: Sequence[Admission]) -> float | None:
    """The share of admissions in stock wording (套话); None when there are none."""
    return round(sum(x.specificity == "formulaic" for x in items) / len(items), 4) if items else None


def _by_keys(by: str | Sequence[str]) -> list[str]:
    return [k.strip() for k in (by.split(",") if isinstance(by, str) else by) if str(k).strip()]


def _document_row(a: Analysis, items: Sequence[Admission], group: str) -> dict[str, Any]:
    d = a.document
    return {"document": d.id or d.path, "unit": unit_of(a), "group": group, "year": d.year, "genre": a.genre,
            "admissions": len(items), "formulaic": sum(x.specificity == "formulaic" for x in items),
            "formulaic_share": _formulaic_share(items)}


class _Rest:
    """Counts of all units less one unit's, looked up term by term."""

    def __init__(self, total: Counter[str], unit: Counter[str]) -> None:
        self.total, self.unit = total, unit

    def get(self, term: str, default: int = 0) -> int:
        return self.total.get(term, 0) - self.unit.get(term, 0) or default


def _problem_ref(a: Analysis, p: Admission) -> dict[str, Any]:
    return {"text": p.text, "document": a.document.id or a.document.path, "year": a.year,
            "start": p.start, "end": p.end, "themes": list(p.themes), "subtheme": p.subtheme,
            "specificity": p.specificity, "sentences": len(p.parts)}


def _top_counts(items: Iterable[str]) -> list[str]:
    return [t for t, _ in Counter(items).most_common()]


def admission_features(text: str, words) -> Counter[str]:
    """What admissions are grouped by: their words (``w:``) and CJK character pairs (``c:``)."""
    c: Counter[str] = Counter("w:" + w for w in words(text))
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        c.update("c:" + run[i:i + 2] for i in range(len(run) - 1))
    return c


def _problem_vectors(problems: Sequence[Any], words, subtheme_weight: float = SUBTHEME_WEIGHT):
    """Rows: l2-normalised tf-idf of words and character bigrams, plus a sub-theme one-hot."""
    feats = [admission_features(getattr(p, "text", p), words) for p in problems]
    subs = [getattr(p, "subtheme", None) for p in problems]
    return _vectorize(feats, subs, subtheme_weight)


def _vectorize(feats: list[Counter[str]], subs: list[str | None], weight: float):
    return vectorize(feats, subs, weight)


def _canonical(item: tuple[str, Analysis, Admission]) -> tuple[Any, ...]:
    """A sort key of an admission that does not depend on the order of the inputs."""
    u, a, p = item
    d = a.document
    return (p.text, u, str(d.id or d.path or ""), a.year or 0, p.start)


def _group_label(problems: Sequence[Admission], words, k: int = 3) -> str:
    skip = set(CUES) | {"作为", "工作", "发展", "还有", "以上", "全镇", "全乡", "街道", "万元"}
    c: Counter[str] = Counter()
    for p in problems:
        c.update(w for w in set(words(p.text)) if w not in skip)
    if not c:
        return problems[0].text[:12]
    return " · ".join(w for w, _ in sorted(c.items(), key=lambda x: (-x[1], -len(x[0]), x[0]))[:k])


SIMILARITY_ALL_PAIRS = 200  # above this many units, each unit lists its SIMILARITY_TOP nearest
SIMILARITY_TOP = 10


def _unit_similarity(unit_counts: dict[str, Counter[str]],
                     units: list[str]) -> tuple[dict[str, dict[str, float]], str | None]:
    """Cosine similarity of units (in the order of ``units``): every pair up to
    SIMILARITY_ALL_PAIRS units; beyond, each unit with itself and its SIMILARITY_TOP most similar
    units (all pairs of 10,000 units would be 10^8 numbers), best first, ties to the unit earlier
    in ``units``: exact up to ``neighbours.EXACT_LIMIT`` distinct word vectors, among candidate
    units above (``speechlens.comparison.neighbours``). Also what the table holds, in words, when
    it is not every pair (None when it is)."""
    vecs, _ = _vectorize([Counter({"w:" + w: c for w, c in unit_counts[u].items()}) for u in units],
                         [None] * len(units), 0.0)
    n = len(units)
    if n <= SIMILARITY_ALL_PAIRS:
        sims = (vecs @ vecs.T).toarray()
        return {u: {v: round(float(sims[i, j]), 4) for j, v in enumerate(units)} for i, u in enumerate(units)}, None
    index, score, exact = neighbours.nearest(vecs, SIMILARITY_TOP)
    out: dict[str, dict[str, float]] = {}
    for i, u in enumerate(units):
        row = {u: 1.0 if vecs.indptr[i + 1] > vecs.indptr[i] else 0.0}
        row.update((units[j], round(s, 4)) for j, s in zip(index[i].tolist(), score[i].tolist()))
        out[u] = row
    how = (f"above {SIMILARITY_ALL_PAIRS} units, each unit with itself and its {SIMILARITY_TOP} most similar "
           "units, best first, ties to the unit earlier in order; ")
    if exact:
        how += "exact (every pair of distinct word vectors scored)"
    else:
        how += (f"above {neighbours.EXACT_LIMIT:,} distinct word vectors, as here, the {SIMILARITY_TOP} most "
                f"similar among candidates: the {neighbours.CANDIDATES} units that score highest on the unit's "
                f"{neighbours.TOP_TERMS} heaviest words alone; each cosine listed is exact, but a more similar "
                "unit outside the candidates can be missing")
    return out, how


def _speech_links(speeches: Sequence[Analysis], plist, vecs: np.ndarray, words) -> dict[str, Any]:
    items = []
    for a in speeches:
        for t in a.sentences:
            s = t.sentence
            if s.is_heading:
                continue
            body = s.norm
            kind = "criticism" if _CRITICISM.search(body) else "task" if _TASK.search(body) and t.themes else None
            if kind is None:
                continue
            items.append((a, t, kind))
    if not items:
        return {"speeches": [a.document.id for a in speeches], "points": [], "unaddressed": []}
    # An admission answers a point when the whole of it or one of its sentences does (a long
    # elaboration should not dilute the sentence that matches).
    texts = [p.text for _, _, p in plist]
    owner = list(range(len(plist)))
    subs = [t.subtheme for _, t, _ in items] + [p.subtheme for _, _, p in plist]
    for j, (_, _, p) in enumerate(plist):
        if len(p.parts) > 1:
            texts += [q.text for q in p.parts]
            owner += [j] * len(p.parts)
            subs += [q.subtheme for q in p.parts]
    feats = [admission_features(t.sentence.norm, words) for _, t, _ in items] + [admission_features(x, words) for x in texts]
    allv, _ = _vectorize(feats, subs, SUBTHEME_WEIGHT)
    sv, pv = allv[:len(items)], allv[len(items):]
    points = []
    for k, ((a, t, kind), matches) in enumerate(zip(items, _matches(sv, pv, owner, len(plist)))):
        addressed: dict[str, dict[str, Any]] = {}
        for j, sim in matches:
            u, da, p = plist[j]
            if u not in addressed:
                addressed[u] = {"text": p.text, "similarity": round(sim, 3)}
        points.append({"text": t.sentence.text, "kind": kind, "start": t.sentence.start,
                       "end": t.sentence.end, "themes": list(t.themes),
                       "addressed_by": dict(sorted(addressed.items()))})
    crit = [p for p in points if p["kind"] == "criticism"]
    return {"speeches": [a.document.id for a in speeches], "points": points,
            "unaddressed": [p["text"] for p in crit if not p["addressed_by"]]}


SPEECH_DENSE_ENTRIES = 4_000_000  # points x admissions held whole (the demo: ~20 x 300); above, in blocks


def _matches(sv, pv, owner: list[int], n_admissions: int):
    """For each speech point (row of ``sv``), its admissions of similarity >= SPEECH_THRESHOLD as
    (admission, similarity), best first; an admission scores its best part (rows of ``pv``, whose
    admissions are ``owner``). Up to SPEECH_DENSE_ENTRIES the whole points x admissions matrix (ties
    in numpy's sort order, as before); above, a block of points at a time keeping only the pairs
    at or above the threshold (memory linear in points, admissions and matches; ties to the
    earlier admission)."""
    owner_of = np.asarray(owner, dtype=np.int64)
    n_points = sv.shape[0]
    if n_points * max(1, n_admissions) <= SPEECH_DENSE_ENTRIES:
        sims = np.zeros((n_points, n_admissions))
        if pv.shape[0]:
            np.maximum.at(sims.T, owner_of, (sv @ pv.T).toarray().T)
        for k in range(n_points):
            found = []
            for j in np.argsort(-sims[k]) if n_admissions else []:
                if sims[k, j] < SPEECH_THRESHOLD:
                    break
                found.append((int(j), float(sims[k, j])))
            yield found
        return
    parts_t = pv.T.tocsr()
    step = max(1, SPEECH_DENSE_ENTRIES // max(1, pv.shape[0]))
    for a in range(0, n_points, step):
        block = (sv[a:a + step] @ parts_t).tocoo()
        keep = block.data >= SPEECH_THRESHOLD
        rows, js, vals = block.row[keep], owner_of[block.col[keep]], block.data[keep]
        order = np.lexsort((js, -vals, rows))
        rows, js, vals = rows[order], js[order], vals[order]
        bounds = np.searchsorted(rows, np.arange(min(step, n_points - a) + 1))
        for r in range(len(bounds) - 1):
            seen: set[int] = set()
            found = []
            for j, v in zip(js[bounds[r]:bounds[r + 1]].tolist(), vals[bounds[r]:bounds[r + 1]].tolist()):
                if j not in seen:  # an admission's best part comes first
                    seen.add(j)
                    found.append((j, v))
            yield found


def _recurring(plist, vecs: np.ndarray) -> list[dict[str, Any]]:
    out = []
    by_unit: dict[str, list[int]] = defaultdict(list)
    for i, (u, a, _) in enumerate(plist):
        if a.year is not None:
            by_unit[u].append(i)
    for u, idx in sorted(by_unit.items()):
        years = sorted({plist[i][1].year for i in idx})
        if len(years) < 2:
            continue
        used: set[int] = set()
        sim = (vecs[idx] @ vecs[idx].T).toarray()
        for a, i in enumerate(idx):
            for b, j in enumerate(idx):
                yi, yj = plist[i][1].year, plist[j][1].year
                if yi < yj and j not in used and float(sim[a, b]) >= RECURRENCE_THRESHOLD:
                    out.append({"unit": u, "years": [yi, yj],
                                "earlier": plist[i][2].text, "later": plist[j][2].text,
                                "similarity": round(float(sim[a, b]), 3)})
                    used.add(j)
                    break
    return out


def analyze_and_compare(paths: Iterable[Any], analyzer: Any, *, compare_one: bool = False, with_reuse: bool = False,
                        progress: bool = False, on_skip: Any = None,
                        **options: Any) -> tuple[list[Analysis], dict[str, Any] | None, Any]:
    """What analyze, compare and report share: the analyses of the files and folders named
    (``pipeline.analysis.analyze_paths``), their comparison as a dict when there are several (or
    always, with ``compare_one``), and their text reuse when ``with_reuse`` (None otherwise).
    ``options``: the keyword arguments of ``compare``."""
    results = analyze_paths(paths, analyzer, progress=progress, on_skip=on_skip)
    several = compare_one or len(results) > 1
    c = compare(results, segmenter=analyzer.segmenter, **options).to_dict() if several else None
    shared = reuse(results) if with_reuse and several else None
    return results, c, shared
