"""Reading each sentence in its document: the context stage over the sentence scores.

The sentence classifier reads one sentence alone, which fails where real documents put the
meaning elsewhere: a five-character heading takes the theme of what it announces, a list item
("二是……") the theme of its list, and an item of a problem list is an admission even without a
cue word. The context stage is a second, small linear model per head. Its inputs are the
sentence's own scores, the scores of its heading, neighbours, section and whole document, the
problem evidence of ``problems.problem_evidence``, the sentence's shape (heading, marker,
length) and the document's genre, which is detected from the text when metadata does not give
it. Trained on whole documents (``training.fit_context``); stored as JSON; numpy only here.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Mapping, Sequence

import numpy as np

from speechlens.labels import GENRES, LABELS
from speechlens.model.features import sigmoid, softmax

# Words that tell genres apart; counted over the whole text and, separately, its first 120
# characters (where titles and openings stand).
GENRE_CUES: tuple[str, ...] = (
    "述职", "述职报告", "述职述廉", "述责述廉", "述德", "抓基层党建", "履职", "本人", "我镇", "我街道",
    "我乡", "一年来", "任职以来", "对照检查", "民主生活会", "组织生活会", "检视剖析", "查摆", "剖析",
    "批评与自我批评", "表态", "表态发言", "知耻后勇", "排名", "末位", "靠后", "自查", "自查报告",
    "工作总结", "上半年", "半年", "总结", "调研", "调研报告", "对策", "建议", "基本情况", "制约因素",
    "政府工作报告", "各位代表", "人大", "审议", "过去一年", "今年工作", "讲话", "同志们", "点评",
    "讲几点", "希望大家", "大家", "我们要", "一要", "二要", "会议指出", "会议要求", "会议强调",
    "他指出", "他强调", "她强调", "指出", "强调", "通讯员", "记者", "本网讯", "来源", "责任编辑",
    "发布时间", "召开", "出席", "主持", "参加会议", "约谈", "纪委", "监委", "巡察", "反馈",
    "反馈会", "整改", "整改报告", "整改情况", "整改措施", "已整改", "整改到位", "立行立改", "审计",
    "问题清单", "存在的问题", "下一步", "原因分析", "究其原因", "我们将", "亿元", "同比",
)
_SHORT = 30  # a sentence shorter than this (characters) reads as a heading or list item
_CLIP = 6.0


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds of probabilities, clipped to ±6 so that certainty does not dominate a feature."""
    # np.minimum(np.maximum(...)): np.clip's own loop (NaN kept) without its Python layers.
    p = np.minimum(np.maximum(np.asarray(p, dtype=np.float64), 1e-4), 1 - 1e-4)
    return np.minimum(np.maximum(np.log(p / (1 - p)), -_CLIP), _CLIP)


# -- genre ---------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _cue_automaton() -> tuple[Any, tuple[int, ...]]:
    """An Aho-Corasick automaton over GENRE_CUES (value: the cue's index), and the indices of
    cues that can overlap themselves (批评与自我批评), whose occurrences str.count counts apart."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for k, cue in enumerate(GENRE_CUES):
        automaton.add_word(cue, k)
    automaton.make_automaton()
    overlapping = tuple(k for k, c in enumerate(GENRE_CUES) if any(c[:j] == c[-j:] for j in range(1, len(c))))
    return automaton, overlapping


def _cue_counts(text: str, head: int) -> tuple[dict[int, int], set[int]]:
    """The cues found in ``text``, each with its number of occurrences (overlapping ones
    included, except for a cue that can overlap itself, counted as ``str.count`` does), and the
    cues that occur in ``text[:head]``, in one pass over the text instead of one ``str.count``
    per cue."""
    automaton, overlapping = _cue_automaton()
    counts: dict[int, int] = {}
    opening: set[int] = set()
    for end, k in automaton.iter(text):
        counts[k] = counts.get(k, 0) + 1
        if end < head:
            opening.add(k)
    for k in overlapping:
        if k in counts:
            counts[k] = text.count(GENRE_CUES[k])
    return counts, opening


def genre_features(text: str, theme_proba: np.ndarray, problem_proba: np.ndarray) -> np.ndarray:
    """One row of document features for the genre detector: cue counts (whole text and opening)
    and the document's mean sentence scores."""
    found, opening = _cue_counts(text, 120)
    c = len(GENRE_CUES)
    x = np.zeros(2 * c + len(LABELS) + 2, dtype=np.float64)   # a cue not found: 0.0 = log1p(0)
    if found:
        x[list(found)] = [math.log1p(k) for k in found.values()]
    if opening:
        x[[c + k for k in opening]] = 1.0
    n = len(problem_proba)
    if n:
        P, p = np.asarray(theme_proba), np.asarray(problem_proba)
        if P.dtype == p.dtype == np.float64:
            # np.mean's own reduction and division, without its Python layers
            x[2 * c:2 * c + len(LABELS)] = np.add.reduce(P, axis=0) / n
            x[-2] = np.add.reduce(p) / n
        else:
            x[2 * c:2 * c + len(LABELS)] = list(P.mean(axis=0))
            x[-2] = float(np.mean(p))
    x[-1] = math.log1p(len(text)) / 10
    return x


class GenreModel:
    """Multinomial logistic model from ``genre_features`` to ``GENRES``."""

    def __init__(self, genres: Sequence[str], coef: np.ndarray, intercept: np.ndarray) -> None:
        self.genres = tuple(genres)
        self.coef = np.asarray(coef, dtype=np.float64)          # (n_features, n_genres)
        self.intercept = np.asarray(intercept, dtype=np.float64)

    def proba(self, text: str, theme_proba: np.ndarray, problem_proba: np.ndarray) -> np.ndarray:
        """Probabilities over ``self.genres`` (the model's order)."""
        x = genre_features(text, theme_proba, problem_proba)
        return softmax((x @ self.coef + self.intercept)[None, :])[0]

    def to_json(self) -> dict[str, Any]:
        return {"genres": list(self.genres), "coef": self.coef.tolist(), "intercept": self.intercept.tolist()}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "GenreModel":
        return cls(d["genres"], np.array(d["coef"], dtype=np.float64), np.array(d["intercept"], dtype=np.float64))


GENRE_MIN_PROBA = 0.6    # below this, or for a text shorter than GENRE_MIN_CHARS, no genre is
GENRE_MIN_CHARS = 100    # reported (the context stage still reads the probabilities)


def confident_genre(proba: np.ndarray, genres: Sequence[str], text: str) -> str | None:
    """The detected genre to report, or None when the detector is unsure or the text too short:
    comparisons set speeches apart by genre, so a wrong guess would move a report out of them."""
    k = int(np.argmax(proba))
    return genres[k] if proba[k] >= GENRE_MIN_PROBA and len(text.strip()) >= GENRE_MIN_CHARS else None


def genre_vector(genre: str | None, detected: np.ndarray | None, genres: Sequence[str]) -> np.ndarray:
    """A document's genre as a distribution over ``genres``: one-hot when metadata gives it,
    else the detector's probabilities, else uniform."""
    if genre in genres:
        v = np.zeros(len(genres))
        v[list(genres).index(genre)] = 1.0
        return v
    if detected is not None:
        return np.asarray(detected, dtype=np.float64)
    return np.full(len(genres), 1.0 / len(genres))


# -- sentence context ----------------------------------------------------------------------
def _means_plan(sh: dict[Any, Any], st: Mapping[str, np.ndarray], m: int) -> tuple[Any, ...]:
    """What ``section_document_means`` works out from the grouping and weights alone, for ``m``
    value columns, made once per document (or batch) and kept with its shared columns: the
    (row, section or document, column) bins of the values, each row's weight of the other rows of
    its section and of its document (and where that is positive), and the weights broadcast."""
    plan = sh.get(("means", m))
    if plan is None:
        base = sh.get("means")
        if base is None:
            w, sec = sh["w"], st["sec"]
            n = len(w)
            # Bin of each row's section, then of its document (numbered after the sections).
            bins = np.empty((n, 2), dtype=np.int64)
            bins[:, 0] = sec
            k = int(sec.max()) + 1 if n else 0
            doc = st.get("doc")  # type: ignore[union-attr]
            if doc is None:
                bins[:, 1] = k
            else:
                np.add(doc, k, out=bins[:, 1])
            w2 = np.repeat(w, 2)
            wsum = np.bincount(bins.ravel(), weights=w2)
            den = (wsum[bins] - w[:, None])[:, :, None]
            base = sh["means"] = (bins[:, :, None], den, den > 0, w2.reshape(n, 2, 1))
        bins3, den, pos, w3 = base
        flat3 = bins3 * m + np.arange(m)
        plan = sh[("means", m)] = (flat3.ravel(), flat3, den, pos, w3)
    return plan


def section_document_means(values: np.ndarray, sh: dict[Any, Any],
                            st: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the weighted mean of ``values`` (n, m) over the other rows of its section
    ([:, 0]) and of its document ([:, 1]), 0 where there are none, as an (n, 2, m) array; and the
    weighted values, (n, 2, m) (both halves the same), for running sums.

    One bincount over (section or document, column) bins: each bin adds its rows in row order,
    as a bincount per block and per column would, so the sums are the same bits whatever other
    blocks and columns share the call."""
    flat, flat3, den, pos, w3 = _means_plan(sh, st, values.shape[1])
    wv = values[:, None, :] * w3
    num = np.bincount(flat, weights=wv.ravel())[flat3]
    num -= wv
    return np.divide(num, den, out=np.zeros_like(num), where=pos), wv


def structure_columns(table: Any) -> dict[str, np.ndarray]:
    """Per-sentence structure of a SentenceTable: section ids, the governing heading, where each
    heading's section (with its sub-sections) ends, lengths, heading and marker flags."""
    n = len(table)
    sections = table.sections
    flags = table.headings
    headings = np.array(flags, dtype=bool) if n else np.zeros(0, dtype=bool)
    lengths = np.fromiter(map(len, table.norms), dtype=np.float64, count=n)
    names: dict[Any, int] = {}
    sec_id = np.fromiter([names.setdefault(s, len(names)) for s in sections], dtype=np.int64, count=n)
    if any(flags):
        head_of = [-1] * n   # the heading whose section a sentence sits in
        span_end = list(range(1, n + 1))  # a heading announces rows h+1 .. span_end-1
        latest: dict[Any, int] = {}
        for i, (heading, name) in enumerate(zip(flags, sections)):
            if heading and name:
                latest[name] = i
                j = i + 1
                inner = name + " / "
                while j < n and sections[j] and (sections[j] == name or sections[j].startswith(inner)):
                    j += 1
                span_end[i] = j
            elif latest:
                head_of[i] = latest.get(name, -1)
        head, end = np.array(head_of, dtype=np.int64), np.array(span_end, dtype=np.int64)
    else:  # no heading: no sentence sits under one
        head, end = np.full(n, -1, dtype=np.int64), np.arange(1, n + 1, dtype=np.int64)
    markers = np.array([m is not None for m in table.markers], dtype=bool)
    return {"sec": sec_id, "head_of": head, "headings": headings, "lengths": lengths, "markers": markers,
            "span_end": end}


def stack_structure(columns: Sequence[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The ``structure_columns`` of several documents as one batch: rows stacked, section ids and
    row pointers moved past the rows before, and ``bounds`` (each document's first row, then the
    total) so that the context features cut neighbours, document means and running sums at
    document boundaries. Features over the batch are row for row those of each document alone."""
    sizes = [len(c["lengths"]) for c in columns]
    bounds = np.zeros(len(columns) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    sec_base = np.cumsum([0] + [int(c["sec"].max()) + 1 if len(c["sec"]) else 0 for c in columns[:-1]])
    row_base = bounds[:-1]
    reps = np.asarray(sizes, dtype=np.int64)
    head_of = np.concatenate([c["head_of"] for c in columns])
    shift = np.repeat(row_base, reps)
    return {"sec": np.concatenate([c["sec"] for c in columns]) + np.repeat(sec_base, reps),
            "head_of": np.where(head_of >= 0, head_of + shift, -1),
            "headings": np.concatenate([c["headings"] for c in columns]),
            "lengths": np.concatenate([c["lengths"] for c in columns]),
            "markers": np.concatenate([c["markers"] for c in columns]),
            "span_end": np.concatenate([c["span_end"] for c in columns]) + shift,
            "doc": np.repeat(np.arange(len(columns), dtype=np.int64), reps), "bounds": bounds}


def _running_sum(a: np.ndarray, docs: list[tuple[int, int]] | None) -> np.ndarray:
    """``np.cumsum(a, axis=0)``, or, over a stacked batch, started afresh at the first row of each
    of ``docs`` (first and end row; other rows are left unset): a running sum through the rows of
    earlier documents would round differently."""
    if docs is None:
        return np.cumsum(a, axis=0)
    out = np.empty_like(a)
    for i, j in docs:
        np.cumsum(a[i:j], axis=0, out=out[i:j])
    return out


def _heading_plan(weights: np.ndarray, st: Mapping[str, np.ndarray]) -> tuple[Any, ...]:
    """What the "under its heading" block (for a heading, the weighted mean of the values over
    the sentences of its section and sub-sections, what it announces; for other rows 0) works
    out from the structure and weights alone: for the headings whose span has weight, the
    running-sum rows to subtract, the rows to write, the span weights, and (over a batch) the
    documents that hold such headings.

    A heading's span starts at row h + 1 >= 1, so the sum over rows h+1 .. e-1 is the running
    sum at e - 1 minus that at h (the subtraction a running sum with a leading zero row gave)."""
    heads = np.flatnonzero(st["headings"])
    docs = None
    bounds = st.get("bounds")  # type: ignore[union-attr]
    if len(heads) and bounds is not None and len(bounds) > 2:
        d = np.unique(st["doc"][heads])
        docs = list(zip(bounds[d].tolist(), bounds[d + 1].tolist()))
    if not len(heads):
        return heads, heads, heads, np.zeros((0, 1)), docs
    cw = _running_sum(weights, docs)
    ends = st["span_end"][heads]
    w = cw[ends - 1] - cw[heads]
    ok = w > 0
    heads, ends = heads[ok], ends[ok]
    return heads, ends - 1, heads, w[ok][:, None], docs


THEME_FEATURES = 4 * 9 + 5   # 9 blocks of four label scores, 5 flags (see theme_context_features)
PROBLEM_FEATURES = 12        # besides the evidence and the genre blocks (problem_context_features)


def theme_context_features(table: Any, theme_proba: np.ndarray, genre: np.ndarray,
                           st: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """(n, THEME_FEATURES + len(genre)) inputs of the theme context model."""
    st = st or structure_columns(table)
    P = np.asarray(theme_proba, dtype=np.float64)
    n = len(P)
    if n == 0:
        return np.zeros((0, THEME_FEATURES + genre.shape[-1]))
    out = np.zeros((n, THEME_FEATURES + genre.shape[-1]), dtype=np.float64)
    _theme_features_into(out, P, genre, st)
    return out


def _theme_features_into(out: np.ndarray, P: np.ndarray, genre: np.ndarray, st: Mapping[str, np.ndarray],
                         means: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Write ``theme_context_features`` into ``out``, which must be zeros: blocks that are zero
    for a row (no neighbour, no heading, no other sentence) are left as they are. ``means``:
    ``section_document_means`` of values whose first columns are ``P`` (worked out here if
    None), so that a caller can share one call among several passes' columns."""
    n, m = P.shape
    sh = shared_plans(st)
    R, wv = means or section_document_means(P, sh, st)
    out[:, 0:m] = logit(P)
    out[1:, m:2 * m] = P[:-1]                      # previous sentence
    out[:-1, 2 * m:3 * m] = P[1:]                  # next sentence
    if sh["stacked"]:                              # no neighbours across documents
        out[sh["first"], m:2 * m] = 0.0
        out[sh["last"], 2 * m:3 * m] = 0.0
    if len(sh["head_rows"]):                       # the governing heading
        out[sh["head_rows"], 3 * m:4 * m] = P[sh["head_src"]]
    out[:, 4 * m:6 * m].reshape(n, 2, m)[...] = R[:, :, :m]   # section, document
    first, last, rows, w, docs = _shared_heading_plan(sh, st)
    if len(rows):                                  # what a heading announces
        cv = _running_sum(wv[:, 0, :m], docs)
        out[rows, 6 * m:7 * m] = (cv[last] - cv[first]) / w
    np.multiply(sh["short"], out[:, 4 * m:6 * m], out=out[:, 7 * m:9 * m])
    out[:, 9 * m:9 * m + 5] = sh["theme_flags"]
    out[:, 9 * m + 5:] = genre


def shared_plans(st: Mapping[str, np.ndarray]) -> dict[Any, Any]:
    """Columns that every feature block of a document uses, kept in ``st`` after the first call."""
    sh = st.get("_shared")  # type: ignore[union-attr]
    if sh is None:
        lengths = st["lengths"]
        n = len(lengths)
        short = (lengths < _SHORT).astype(np.float64)[:, None]
        head_of = st["head_of"]
        has_head = head_of >= 0
        head_rows = np.flatnonzero(has_head)
        flags = np.empty((n, 5), dtype=np.float64)
        flags[:, 0] = short[:, 0]
        flags[:, 1] = st["headings"]
        flags[:, 2] = st["markers"]
        flags[:, 3] = has_head
        flags[:, 4] = 1.0
        sh = {"w": np.sqrt(np.maximum(lengths, 1.0)), "short": short, "stacked": False,
              "head_rows": head_rows, "head_src": head_of[head_rows],
              "theme_flags": flags, "problem_flags": flags[:, [0, 1, 2, 4]]}
        bounds = st.get("bounds")  # type: ignore[union-attr]
        if bounds is not None and len(bounds) > 2:
            nonempty = bounds[:-1] < bounds[1:]
            sh.update(stacked=True, first=bounds[:-1][nonempty], last=bounds[1:][nonempty] - 1)
        if isinstance(st, dict):
            st["_shared"] = sh  # type: ignore[assignment]
    return sh


def _shared_heading_plan(sh: dict[Any, Any], st: Mapping[str, np.ndarray]) -> tuple[Any, ...]:
    """``_heading_plan`` of a document (or batch), made once and kept with its shared columns."""
    plan = sh.get("heading")
    if plan is None:
        plan = sh["heading"] = _heading_plan(sh["w"], st)
    return plan


def problem_context_features(table: Any, rule_z: np.ndarray, problem_proba: np.ndarray,
                             evidence: np.ndarray, genre: np.ndarray,
                             st: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """Inputs of the problem context model: the rule score and its evidence, the sentence's
    own probability, its neighbours', section's and document's rule scores, shape and genre."""
    st = st or structure_columns(table)
    z = _clipped_z(rule_z)
    n = len(z)
    if n == 0:
        return np.zeros((0, 0))
    s = sigmoid(3.0 * z)
    return _problem_features(z, s, problem_proba, evidence, genre, st,
                             section_document_means(s, shared_plans(st), st)[0])


def _clipped_z(rule_z: np.ndarray) -> np.ndarray:
    """The rule scores as the problem features read them: clipped to ±9, over 3, as a column."""
    return np.minimum(np.maximum(np.asarray(rule_z, dtype=np.float64), -9.0), 9.0)[:, None] / 3.0


def _problem_features(z: np.ndarray, s: np.ndarray, problem_proba: np.ndarray, evidence: np.ndarray,
                      genre: np.ndarray, st: Mapping[str, np.ndarray], R: np.ndarray) -> np.ndarray:
    """``problem_context_features`` from the clipped rule scores ``z`` (n, 1), their
    probabilities ``s`` and ``R``, the section and document means of ``s`` whose last column
    is ``s``'s (see ``section_document_means``)."""
    n = len(z)
    sh = shared_plans(st)
    short = sh["short"]
    ne, ng = evidence.shape[1], genre.shape[-1]
    out = np.zeros((n, 8 + ne + 4 + 2 * ng), dtype=np.float64)  # the blocks of the model's order
    out[:, 0:1] = z
    out[:, 1:2] = logit(problem_proba)[:, None] / 3.0
    out[1:, 2:3] = z[:-1]                          # previous sentence
    out[:-1, 3:4] = z[1:]                          # next sentence
    np.multiply(s[:-1], short[1:], out=out[1:, 4:5])  # previous sentence's, for a short one
    if sh["stacked"]:                              # no neighbours across documents
        out[sh["first"], 2] = 0.0
        out[sh["last"], 3] = 0.0
        out[sh["first"], 4] = 0.0
    out[:, 5:7] = R[:, :, -1]                      # section, document
    np.multiply(short, out[:, 5:6], out=out[:, 7:8])
    out[:, 8:8 + ne] = evidence
    out[:, 8 + ne:12 + ne] = sh["problem_flags"]
    out[:, 12 + ne:12 + ne + ng] = genre
    np.multiply(genre if genre.ndim == 2 else genre[None, :], z, out=out[:, 12 + ne + ng:])
    return out


def _product(x: np.ndarray, w: np.ndarray, st: Mapping[str, np.ndarray] | None) -> np.ndarray:
    """``x @ w``, one product per document of a stacked batch: BLAS may sum in another order
    over another number of rows, so each document's rows are multiplied as they would be alone."""
    bounds = None if st is None else st.get("bounds")  # type: ignore[union-attr]
    if bounds is None or len(bounds) <= 2:
        return x @ w
    out = np.empty((len(x),) + w.shape[1:], dtype=np.result_type(x, w))
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if b > a:
            out[a:b] = x[a:b] @ w
    return out


class ContextModel:
    """The context stage: per-label theme weights, problem weights, thresholds, genre detector."""

    def __init__(self, theme_coef: np.ndarray, theme_thresholds: np.ndarray, problem_coef: np.ndarray,
                 problem_threshold: float, genre: GenreModel, info: Mapping[str, Any] | None = None,
                 theme_coef2: np.ndarray | None = None) -> None:
        self.theme_coef = np.asarray(theme_coef, dtype=np.float64)       # (n_theme_features, 4)
        # A second pass reads the first pass's context scores of the neighbours, heading and
        # section (a heading over items that are themselves only clear in context): (2 n, 4).
        self.theme_coef2 = None if theme_coef2 is None else np.asarray(theme_coef2, dtype=np.float64)
        self.theme_thresholds = np.asarray(theme_thresholds, dtype=np.float64)
        self.problem_coef = np.asarray(problem_coef, dtype=np.float64)   # (n_problem_features,)
        self.problem_threshold = float(problem_threshold)
        self.genre = genre
        self.info = dict(info or {})

    def detect_genre(self, text: str, theme_proba: np.ndarray, problem_proba: np.ndarray) -> np.ndarray:
        return self.genre.proba(text, theme_proba, problem_proba)

    def themes(self, table: Any, theme_proba: np.ndarray, genre: np.ndarray,
               st: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Theme probabilities in context, (n, 4)."""
        st = st or structure_columns(table)
        x = theme_context_features(table, theme_proba, genre, st)
        first = sigmoid(_product(x, self.theme_coef, st))
        if self.theme_coef2 is None:
            return first
        return self._second_pass(x, first, genre, st, None)

    def _second_pass(self, x: np.ndarray, first: np.ndarray, genre: np.ndarray, st: Mapping[str, np.ndarray],
                     means: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        """The second theme pass over the first pass's features ``x`` and scores ``first``
        (``means``: ``section_document_means`` of values that start with ``first``'s columns)."""
        n, f = x.shape
        x2 = np.zeros((n, 2 * f), dtype=np.float64)
        if n:
            x2[:, :f] = x
            _theme_features_into(x2[:, f:], first, genre, st, means)
        return sigmoid(_product(x2, self.theme_coef2, st))

    def problems(self, table: Any, rule_z: np.ndarray, problem_proba: np.ndarray, evidence: np.ndarray,
                 genre: np.ndarray, st: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Problem log-odds in context, shifted so that > 0 means an admission."""
        if not len(rule_z):
            return np.zeros(0)
        x = problem_context_features(table, rule_z, problem_proba, evidence, genre, st)
        return _product(x, self.problem_coef, st) - self._problem_shift()

    def _problem_shift(self) -> float:
        t = min(max(self.problem_threshold, 1e-4), 1 - 1e-4)
        return math.log(t / (1 - t))

    def read(self, table: Any, theme_proba: np.ndarray, rule_z: np.ndarray, problem_proba: np.ndarray,
             evidence: np.ndarray, genre: np.ndarray,
             st: Mapping[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(themes(...), problems(...))`` in one go, the same bits: the section and document
        means of the first theme pass and of the problem features come from one call, and the
        second pass reuses its plan (the pipeline's path; ``themes`` and ``problems`` stay for
        training and as the reference of ``tests/test_context.py``)."""
        st = st or structure_columns(table)
        P = np.asarray(theme_proba, dtype=np.float64)
        n, m = P.shape
        if n == 0 or not len(rule_z):
            return (self.themes(table, P, genre, st),
                    self.problems(table, rule_z, problem_proba, evidence, genre, st))
        z = _clipped_z(rule_z)
        if n == 1 and st.get("bounds") is None:  # type: ignore[union-attr]
            return self._read_one(P, z, problem_proba, evidence, genre, st)
        sh = shared_plans(st)
        s = sigmoid(3.0 * z)
        values = np.empty((n, m + 1), dtype=np.float64)
        values[:, :m] = P
        values[:, m:] = s
        means = section_document_means(values, sh, st)
        x = np.zeros((n, THEME_FEATURES + genre.shape[-1]), dtype=np.float64)
        _theme_features_into(x, P, genre, st, means)
        first = sigmoid(_product(x, self.theme_coef, st))
        xp = _problem_features(z, s, problem_proba, evidence, genre, st, means[0])
        problems = _product(xp, self.problem_coef, st) - self._problem_shift()
        if self.theme_coef2 is None:
            return first, problems
        values[:, :m] = first  # the last column (s) rides along unused
        return self._second_pass(x, first, genre, st, section_document_means(values, sh, st)), problems

    def _read_one(self, P: np.ndarray, z: np.ndarray, problem_proba: np.ndarray, evidence: np.ndarray,
                  genre: np.ndarray, st: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """``read`` for a document of one sentence, with the blocks that are then zero left out:
        it has no neighbour, no heading above it, no other sentence in its section or document,
        and nothing under it if it is a heading, so only its own scores, its shape and the genre
        are not zero (the same features as ``theme_context_features`` and
        ``problem_context_features``, bit for bit; ``tests/test_context.py`` checks it)."""
        m = P.shape[1]
        short = float(st["lengths"][0] < _SHORT)
        heading, marker = float(st["headings"][0]), float(st["markers"][0])
        f = THEME_FEATURES + genre.shape[-1]
        own = np.empty((1, m + 1), dtype=np.float64)   # one logit for both heads' own scores
        own[:, :m] = P
        own[:, m] = problem_proba
        own = logit(own)
        x = np.zeros((1, f), dtype=np.float64)
        x[:, 0:m] = own[:, :m]
        x[0, 9 * m:9 * m + 5] = (short, heading, marker, 0.0, 1.0)
        x[:, 9 * m + 5:] = genre
        first = sigmoid(_product(x, self.theme_coef, None))
        ne, ng = evidence.shape[1], genre.shape[-1]
        xp = np.zeros((1, 8 + ne + 4 + 2 * ng), dtype=np.float64)
        xp[:, 0:1] = z
        xp[:, 1:2] = own[:, m:] / 3.0
        xp[:, 8:8 + ne] = evidence
        xp[0, 8 + ne:12 + ne] = (short, heading, marker, 1.0)
        xp[:, 12 + ne:12 + ne + ng] = genre
        np.multiply(genre if genre.ndim == 2 else genre[None, :], z, out=xp[:, 12 + ne + ng:])
        problems = _product(xp, self.problem_coef, None) - self._problem_shift()
        if self.theme_coef2 is None:
            return first, problems
        x2 = np.zeros((1, 2 * f), dtype=np.float64)
        x2[:, :f] = x
        x2[:, f:f + m] = logit(first)
        x2[:, f + 9 * m:] = x[:, 9 * m:]
        return sigmoid(_product(x2, self.theme_coef2, None)), problems

    def to_json(self) -> dict[str, Any]:
        return {"format": "speechlens-context", "format_version": 1,
                "theme_coef": self.theme_coef.tolist(), "theme_thresholds": self.theme_thresholds.tolist(),
                "theme_coef2": None if self.theme_coef2 is None else self.theme_coef2.tolist(),
                "problem_coef": self.problem_coef.tolist(), "problem_threshold": self.problem_threshold,
                "genre": self.genre.to_json(), "info": self.info}

    @classmethod
    def from_json(cls, d: Mapping[str, Any], *, n_evidence: int) -> "ContextModel":
        """Rebuild from ``to_json`` output, checking shapes and finiteness (ValueError if wrong)."""
        if d.get("format") != "speechlens-context" or d.get("format_version") != 1:
            raise ValueError("not a speechlens-context v1 file")
        genre = GenreModel.from_json(d["genre"])
        if set(genre.genres) - set(GENRES):
            raise ValueError(f"unknown genres {sorted(set(genre.genres) - set(GENRES))}")
        m = cls(np.array(d["theme_coef"], dtype=np.float64), np.array(d["theme_thresholds"], dtype=np.float64),
                np.array(d["problem_coef"], dtype=np.float64), float(d["problem_threshold"]), genre,
                d.get("info"), None if d.get("theme_coef2") is None else np.array(d["theme_coef2"], dtype=np.float64))
        ng = len(genre.genres)
        want_theme = (THEME_FEATURES + ng, len(LABELS))
        want_problem = (PROBLEM_FEATURES + n_evidence + 2 * ng,)
        if m.theme_coef.shape != want_theme or m.theme_thresholds.shape != (len(LABELS),):
            raise ValueError(f"theme weights have shape {m.theme_coef.shape}, expected {want_theme}")
        if m.theme_coef2 is not None and m.theme_coef2.shape != (2 * want_theme[0], len(LABELS)):
            raise ValueError(f"second-pass theme weights have shape {m.theme_coef2.shape}, "
                             f"expected {(2 * want_theme[0], len(LABELS))}")
        if m.problem_coef.shape != want_problem:
            raise ValueError(f"problem weights have shape {m.problem_coef.shape}, expected {want_problem}")
        if genre.coef.shape != (len(GENRE_CUES) * 2 + len(LABELS) + 2, ng) or genre.intercept.shape != (ng,):
            raise ValueError("genre weights do not match the genre cues")
        arrays = [("theme", m.theme_coef), ("problem", m.problem_coef), ("genre", genre.coef),
                  ("thresholds", m.theme_thresholds)]
        if m.theme_coef2 is not None:
            arrays.append(("second-pass theme", m.theme_coef2))
        for name, a in arrays:
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name} weights are not all finite")
        return m


__all__ = ["ContextModel", "GenreModel", "stack_structure", "GENRE_CUES", "genre_features", "genre_vector", "confident_genre",
           "theme_context_features", "problem_context_features", "structure_columns", "logit"]


EVIDENCE = ("problem_section", "lead_in_run", "plan_section", "strong_cues", "weak_cue", "plan",
            "achievement", "rectification_result", "reflection", "concession", "cause",
            "third_person", "generic_lead", "addressed", "section_title", "rectification_item",
            "leads_in", "problem_word", "difficulty", "negation", "first_person", "enumerated_in_run")
