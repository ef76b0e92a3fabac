"""Comparing units (townships, streets) across analysed documents.

``compare(analyses)`` builds a Comparison: per-unit theme shares and problem counts, unit x
theme / sub-theme problem matrices, shared problems (deterministic average-linkage clustering
of admissions over word and character tf-idf plus sub-theme), keyness (signed log-likelihood
G²), unit similarity, how a review speech's criticisms are echoed, and recurring problems.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from .document import LABELS, Analysis, Problem
from .keyness import keyness
from .resources import stopwords
from .segmentation import Segmenter, default_segmenter

GROUP_THRESHOLD = 0.25
SUBTHEME_WEIGHT = 0.20
SPEECH_THRESHOLD = 0.22
RECURRENCE_THRESHOLD = 0.30
_CRITICISM = re.compile(r"^(?:[一二三四五六七八九十]是|其次|再次|同时|特别是|但是?|然而)?[，,]?(?:有的|有些|部分|个别|一些|少数|不少)")
_TASK = re.compile(r"^(?:[一二三四五六七八九十]要|[一二三四五六七八九十]是要|要|必须|务必|切实|着力)")
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")


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
        }


def unit_of(a: Analysis) -> str:
    """The unit a document belongs to: its metadata, else its id or file name."""
    d = a.document
    return d.unit or d.id or (d.path and d.path.rsplit("/", 1)[-1]) or "(unknown)"


def compare(analyses: Iterable[Analysis], *, segmenter: Segmenter | None = None,
            threshold: float = GROUP_THRESHOLD, top_terms: int = 10) -> Comparison:
    """Compare analysed documents by unit (see the module docstring for each part)."""
    docs = list(analyses)
    seg = segmenter or default_segmenter()
    speeches = [a for a in docs if a.genre == "speech"]
    reports = [a for a in docs if a.genre != "speech"]
    stop = stopwords()

    def words(text: str) -> list[str]:
        return [w for w in seg.words_of(text) if _WORD.fullmatch(w) and w not in stop]

    # units ----------------------------------------------------------------------------
    by_unit: dict[str, list[Analysis]] = defaultdict(list)
    for a in reports:
        by_unit[unit_of(a)].append(a)
    units: dict[str, dict[str, Any]] = {}
    for u, items in sorted(by_unit.items()):
        weights = np.array([max(1, len(a.document.text)) for a in items], dtype=float)
        shares = {l: round(float(np.average([a.themes.get(l, 0.0) for a in items], weights=weights)), 4)
                  for l in LABELS}
        units[u] = {"documents": len(items),
                    "years": sorted({a.year for a in items if a.year is not None}),
                    "themes": shares,
                    "problems": sum(len(a.problems) for a in items),
                    "characters": int(weights.sum())}

    # problem matrix ---------------------------------------------------------------------
    theme_m: dict[str, dict[str, int]] = {}
    sub_m: dict[str, dict[str, int]] = {}
    for u, items in sorted(by_unit.items()):
        tc = Counter()
        sc = Counter()
        for a in items:
            for p in a.problems:
                for t in (p.themes or ("none",)):
                    tc[t] += 1
                sc[p.subtheme or "none/other"] += 1
        theme_m[u] = {t: tc.get(t, 0) for t in LABELS + ("none",)}
        sub_m[u] = dict(sorted(sc.items()))
    matrix = {"themes": theme_m, "subthemes": sub_m}

    # shared problems --------------------------------------------------------------------
    plist: list[tuple[str, Analysis, Problem]] = [(unit_of(a), a, p) for a in reports for p in a.problems]
    vecs, vocab_words = _problem_vectors([p for _, _, p in plist], words)
    groups = _average_linkage(vecs, threshold)
    shared: list[dict[str, Any]] = []
    unique: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for members in groups:
        member_units = sorted({plist[i][0] for i in members})
        if len(member_units) >= 2:
            examples = {}
            for i in sorted(members, key=lambda i: -plist[i][2].score):
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
            })
        else:
            for i in members:
                unique[plist[i][0]].append(_problem_ref(plist[i][1], plist[i][2]))
    shared.sort(key=lambda g: (-len(g["units"]), -g["count"], g["label"]))

    # keyness and similarity ----------------------------------------------------------------
    unit_counts = {u: Counter(w for a in items for t in a.sentences for w in words(t.sentence.norm))
                   for u, items in by_unit.items()}
    key: dict[str, list[dict[str, Any]]] = {}
    total = Counter()
    for c in unit_counts.values():
        total.update(c)
    size = sum(total.values())
    for u in sorted(unit_counts):
        # The rest of the units, without building a copy of every count per unit (quadratic).
        ref = _Rest(total, unit_counts[u])
        key[u] = keyness(unit_counts[u], ref, top=top_terms,
                         reference_size=size - sum(unit_counts[u].values())) if len(unit_counts) > 1 else []
    similarity = _unit_similarity(unit_counts)

    speech = _speech_links(speeches, plist, vecs, words) if speeches else None
    recurring = _recurring(plist, vecs)
    method = {
        "shared_problems": "average-linkage clustering of admissions; cosine similarity over "
                           "l2-normalised tf-idf of words (governance dictionary, stopwords removed) and "
                           f"character bigrams (weight {1 - SUBTHEME_WEIGHT:.2f}), plus {SUBTHEME_WEIGHT:.2f} for the same predicted sub-theme; groups merge while "
                           f"the mean similarity is >= {threshold}; ties broken by input order",
        "keyness": "signed log-likelihood G2 (2x2 table, unit vs all other units), p from chi-squared "
                   "with 1 df; terms with p < 0.05 and at least 2 occurrences",
        "similarity": "cosine similarity of the units' tf-idf word vectors",
        "speech": f"a speech criticism or task is addressed by a unit when one of its admissions has "
                  f"similarity >= {SPEECH_THRESHOLD}",
        "recurring": f"the same unit admits a problem with similarity >= {RECURRENCE_THRESHOLD} in two years",
    }
    return Comparison(units=units, problem_matrix=matrix, shared_problems=shared,
                      unique_problems=dict(sorted(unique.items())), keyness=key,
                      similarity=similarity, speech=speech, recurring=recurring, method=method)


class _Rest:
    """Counts of all units less one unit's, looked up term by term."""

    def __init__(self, total: Counter[str], unit: Counter[str]) -> None:
        self.total, self.unit = total, unit

    def get(self, term: str, default: int = 0) -> int:
        return self.total.get(term, 0) - self.unit.get(term, 0) or default


def _problem_ref(a: Analysis, p: Problem) -> dict[str, Any]:
    return {"text": p.text, "document": a.document.id or a.document.path, "year": a.year,
            "start": p.start, "end": p.end, "themes": list(p.themes), "subtheme": p.subtheme,
            "specificity": p.specificity}


def _top_counts(items: Iterable[str]) -> list[str]:
    return [t for t, _ in Counter(items).most_common()]


def _features(text: str, words) -> Counter[str]:
    c: Counter[str] = Counter("w:" + w for w in words(text))
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        c.update("c:" + run[i:i + 2] for i in range(len(run) - 1))
    return c


def _problem_vectors(problems: Sequence[Any], words, subtheme_weight: float = SUBTHEME_WEIGHT):
    """Rows: l2-normalised tf-idf of words and character bigrams, plus a sub-theme one-hot."""
    feats = [_features(getattr(p, "text", p), words) for p in problems]
    subs = [getattr(p, "subtheme", None) for p in problems]
    return _vectorize(feats, subs, subtheme_weight)


def _vectorize(feats: list[Counter[str]], subs: list[str | None], weight: float):
    """Rows as a sparse matrix (memory grows with the features present, not rows x vocabulary)."""
    from scipy import sparse

    vocab: dict[str, int] = {}
    df: Counter[str] = Counter()
    for f in feats:
        df.update(f.keys())
    for term in sorted(df):
        vocab[term] = len(vocab)
    sub_names = sorted({s for s in subs if s})
    sub_index = {name: len(vocab) + k for k, name in enumerate(sub_names)}
    n = len(feats)
    indptr, indices, data = [0], [], []
    for i, f in enumerate(feats):
        cols = sorted(vocab[term] for term in f)
        row = np.zeros(len(cols))
        terms = sorted(f, key=vocab.__getitem__)
        for k, term in enumerate(terms):
            row[k] = (1 + math.log(f[term])) * (math.log((1 + n) / (1 + df[term])) + 1)
        norm = np.linalg.norm(row)
        if norm:
            row /= norm
        row *= math.sqrt(1 - weight)
        indices.extend(cols)
        data.extend(row.tolist())
        if subs[i]:
            indices.append(sub_index[subs[i]])
            data.append(math.sqrt(weight))
        indptr.append(len(indices))
    m = sparse.csr_matrix((np.asarray(data, dtype=float), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
                          shape=(n, len(vocab) + len(sub_names)))
    return m, vocab


def _dense_sims(a: Any, b: Any) -> np.ndarray:
    """Cosine similarities of the rows of two sparse matrices, as a dense array."""
    return np.asarray((a @ b.T).todense()) if a.shape[0] and b.shape[0] else np.zeros((a.shape[0], b.shape[0]))


def _average_linkage(vecs: np.ndarray, threshold: float) -> list[list[int]]:
    """Deterministic average-linkage clusters of rows whose mean cosine stays >= threshold."""
    n = vecs.shape[0]
    if n == 0:
        return []
    if n > 2000:  # quadratic memory beyond this: fall back to leader clustering in input order
        return _leader_clusters(vecs, threshold)
    sim = _dense_sims(vecs, vecs)
    np.fill_diagonal(sim, -np.inf)
    clusters: dict[int, list[int]] = {i: [i] for i in range(n)}
    sizes = np.ones(n)
    active = np.ones(n, dtype=bool)
    while True:
        masked = np.where(active[:, None] & active[None, :], sim, -np.inf)
        flat = int(np.argmax(masked))
        i, j = divmod(flat, n)
        if masked[i, j] < threshold:
            break
        i, j = min(i, j), max(i, j)
        new = (sim[i] * sizes[i] + sim[j] * sizes[j]) / (sizes[i] + sizes[j])
        sim[i, :] = new
        sim[:, i] = new
        sim[i, i] = -np.inf
        sizes[i] += sizes[j]
        active[j] = False
        clusters[i].extend(clusters.pop(j))
    return [sorted(clusters[k]) for k in sorted(clusters)]


def _leader_clusters(vecs: Any, threshold: float, block: int = 256) -> list[list[int]]:
    """Each row joins the most similar earlier leader at >= threshold, else leads a new group.

    Rows go in blocks: one sparse product gives a block's similarities to every earlier leader,
    another those within the block, and the rows are then placed in order from those numbers
    (one product per row cost a millisecond of overhead each)."""
    leaders: list[int] = []
    groups: list[list[int]] = []
    n = vecs.shape[0]
    for a in range(0, n, block):
        rows = vecs[a:a + block]
        old = _dense_sims(rows, vecs[leaders]) if leaders else np.zeros((rows.shape[0], 0))
        inner = _dense_sims(rows, rows)
        fresh: list[int] = []  # block positions of the leaders made in this block
        for r in range(rows.shape[0]):
            sims = np.concatenate([old[r], inner[r, fresh]]) if fresh else old[r]
            best = int(np.argmax(sims)) if len(sims) else -1
            if best >= 0 and sims[best] >= threshold:
                groups[best].append(a + r)
            else:
                leaders.append(a + r)
                groups.append([a + r])
                fresh.append(r)
    return groups


def _group_label(problems: Sequence[Problem], words, k: int = 3) -> str:
    from .problems import CUES

    skip = set(CUES) | {"作为", "工作", "发展", "还有", "以上", "全镇", "全乡", "街道", "万元"}
    c: Counter[str] = Counter()
    for p in problems:
        c.update(w for w in set(words(p.text)) if w not in skip)
    if not c:
        return problems[0].text[:12]
    return " · ".join(w for w, _ in sorted(c.items(), key=lambda x: (-x[1], -len(x[0]), x[0]))[:k])


SIMILARITY_ALL_PAIRS = 200  # above this many units, each unit lists its SIMILARITY_TOP nearest
SIMILARITY_TOP = 10


def _unit_similarity(unit_counts: dict[str, Counter[str]]) -> dict[str, dict[str, float]]:
    """Cosine similarity of units: every pair up to SIMILARITY_ALL_PAIRS units; beyond, each unit
    with itself and its SIMILARITY_TOP most similar units (all pairs of 10,000 units would be
    10^8 numbers), computed in blocks of rows so memory stays linear."""
    units = sorted(unit_counts)
    vecs, _ = _vectorize([Counter({"w:" + w: c for w, c in unit_counts[u].items()}) for u in units],
                         [None] * len(units), 0.0)
    n = len(units)
    if n <= SIMILARITY_ALL_PAIRS:
        sims = _dense_sims(vecs, vecs)
        return {u: {v: round(float(sims[i, j]), 4) for j, v in enumerate(units)} for i, u in enumerate(units)}
    out: dict[str, dict[str, float]] = {}
    k = min(SIMILARITY_TOP + 1, n)
    for a in range(0, n, 256):
        sims = _dense_sims(vecs[a:a + 256], vecs)
        for r in range(sims.shape[0]):
            i = a + r
            sims[r, i] = np.inf  # a unit first, then its nearest others
            top = np.argpartition(-sims[r], k - 1)[:k]
            top = sorted(top, key=lambda j: (-sims[r, j], j))
            sims[r, i] = 1.0 if vecs[i].nnz else 0.0
            out[units[i]] = {units[j]: round(float(sims[r, j]), 4) for j in top}
    return out


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
    feats = [_features(t.sentence.norm, words) for _, t, _ in items]
    feats += [_features(p.text, words) for _, _, p in plist]
    subs = [t.subtheme for _, t, _ in items] + [p.subtheme for _, _, p in plist]
    allv, _ = _vectorize(feats, subs, SUBTHEME_WEIGHT)
    sv, pv = allv[:len(items)], allv[len(items):]
    sims = _dense_sims(sv, pv)
    points = []
    for k, (a, t, kind) in enumerate(items):
        addressed: dict[str, dict[str, Any]] = {}
        for j in np.argsort(-sims[k]) if sims.shape[1] else []:
            if sims[k, j] < SPEECH_THRESHOLD:
                break
            u, da, p = plist[j]
            if u not in addressed:
                addressed[u] = {"text": p.text, "similarity": round(float(sims[k, j]), 3)}
        points.append({"text": t.sentence.text, "kind": kind, "start": t.sentence.start,
                       "end": t.sentence.end, "themes": list(t.themes),
                       "addressed_by": dict(sorted(addressed.items()))})
    crit = [p for p in points if p["kind"] == "criticism"]
    return {"speeches": [a.document.id for a in speeches], "points": points,
            "unaddressed": [p["text"] for p in crit if not p["addressed_by"]]}


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
        sims = _dense_sims(vecs[idx], vecs[idx])
        for a, i in enumerate(idx):
            for b, j in enumerate(idx):
                yi, yj = plist[i][1].year, plist[j][1].year
                if yi < yj and j not in used and float(sims[a, b]) >= RECURRENCE_THRESHOLD:
                    out.append({"unit": u, "years": [yi, yj],
                                "earlier": plist[i][2].text, "later": plist[j][2].text,
                                "similarity": round(float(sims[a, b]), 3)})
                    used.add(j)
                    break
    return out
