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


def _cue_counts(text: str, head: int) -> tuple[list[int], list[float], tuple[int, ...]]:
    """Occurrences of each cue in ``text`` (overlapping ones included) and whether it occurs in
    ``text[:head]``, in one pass over the text instead of one ``str.count`` per cue."""
    automaton, overlapping = _cue_automaton()
    counts = [0] * len(GENRE_CUES)
    opening = [0.0] * len(GENRE_CUES)
    for end, k in automaton.iter(text):
        counts[k] += 1
        if end < head:
            opening[k] = 1.0
    return counts, opening, overlapping




def genre_features(text: str, theme_proba: np.ndarray, problem_proba: np.ndarray) -> np.ndarray:
    """One row of document features for the genre detector: cue counts (whole text and opening)
    and the document's mean sentence scores."""
    found, opening, self_overlapping = _cue_counts(text, 120)
    for k in self_overlapping:  # str.count counts these without overlaps
        found[k] = text.count(GENRE_CUES[k])
    counts = [math.log1p(c) for c in found]
    n = len(problem_proba)
    means = (list(np.asarray(theme_proba).mean(axis=0)) if n else [0.0] * len(LABELS))
    pm = float(np.mean(problem_proba)) if n else 0.0
    size = math.log1p(len(text)) / 10
    return np.array(counts + opening + means + [pm, size], dtype=np.float64)


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
def _neighbour(a: np.ndarray, shift: int) -> np.ndarray:
    out = np.zeros_like(a)
    if shift > 0:
        out[shift:] = a[:-shift]
    else:
        out[:shift] = a[-shift:]
    return out


def _group_mean_excluding(values: np.ndarray, weights: np.ndarray, groups: np.ndarray,
                          plan: tuple[Any, ...] | None = None) -> np.ndarray:
    """For each row, the weighted mean of ``values`` over the other rows of its group (0 alone).

    ``plan``: ``_group_plan(groups, weights, values.shape[1])``, which depends only on the
    grouping and the weights, so a document's blocks and passes can share it."""
    k, m, flat, den, pos, wcol = plan or _group_plan(groups, weights, values.shape[1])
    wv = values * wcol
    # One bincount over (group, column) bins; each bin adds its rows in row order, as a
    # bincount per column would, so the sums are the same bits.
    tot = np.bincount(flat, weights=wv.ravel(), minlength=k * m).reshape(k, m)
    num = tot[groups] - wv
    return np.divide(num, den, out=np.zeros_like(num), where=pos)


def _group_plan(groups: np.ndarray, weights: np.ndarray, m: int) -> tuple[Any, ...]:
    """What ``_group_mean_excluding`` works out from the grouping and weights alone: the number
    of groups, the (group, column) bin of every value, each row's weight of the other rows of its
    group (and where that is positive), and the weights as a column."""
    k = int(groups.max()) + 1 if len(groups) else 0
    flat = (groups[:, None] * m + np.arange(m)).ravel()
    wsum = np.bincount(groups, weights=weights, minlength=k)
    den = (wsum[groups] - weights)[:, None]
    return k, m, flat, den, den > 0, weights[:, None]


def structure_columns(table: Any) -> dict[str, np.ndarray]:
    """Per-sentence structure of a SentenceTable: section ids, the governing heading, where each
    heading's section (with its sub-sections) ends, lengths, heading and marker flags."""
    n = len(table)
    sections = table.sections
    headings = np.asarray(table.headings, dtype=bool) if n else np.zeros(0, dtype=bool)
    lengths = np.array([len(x) for x in table.norms], dtype=np.float64)
    names: dict[Any, int] = {}
    sec_id = np.array([names.setdefault(s, len(names)) for s in sections], dtype=np.int64)
    head_of = np.full(n, -1, dtype=np.int64)   # the heading whose section a sentence sits in
    span_end = np.arange(1, n + 1, dtype=np.int64)  # a heading announces rows h+1 .. span_end-1
    latest: dict[Any, int] = {}
    for i in range(n):
        if headings[i] and sections[i]:
            latest[sections[i]] = i
            name, j = sections[i], i + 1
            inner = name + " / "
            while j < n and sections[j] and (sections[j] == name or sections[j].startswith(inner)):
                j += 1
            span_end[i] = j
        else:
            head_of[i] = latest.get(sections[i], -1)
    markers = np.array([m is not None for m in table.markers], dtype=bool)
    return {"sec": sec_id, "head_of": head_of, "headings": headings, "lengths": lengths, "markers": markers,
            "span_end": span_end}


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


def _bounds(st: Mapping[str, np.ndarray]) -> np.ndarray:
    """Each document's first row and the number of rows (one document unless stacked)."""
    b = st.get("bounds")  # type: ignore[union-attr]
    return np.array([0, len(st["lengths"])], dtype=np.int64) if b is None else b


def _under_heading(values: np.ndarray, weights: np.ndarray, st: Mapping[str, np.ndarray],
                   plan: tuple[Any, ...] | None = None) -> np.ndarray:
    """For a heading, the weighted mean of ``values`` over the sentences of its section and of
    its sub-sections (what it announces); for other sentences, 0. ``plan``: ``_heading_plan``."""
    out = np.zeros_like(values)
    first, last, rows, w, wcol, docs = plan or _heading_plan(weights, st)
    if not len(rows):
        return out
    cv = _running_sum(values * wcol, docs)
    out[rows] = (cv[last] - cv[first]) / w
    return out


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
    """What ``_under_heading`` works out from the structure and weights alone: for the headings
    whose span has weight, the running-sum rows to subtract, the rows to write, the span weights,
    the weights as a column, and (over a batch) the documents that hold such headings.

    A heading's span starts at row h + 1 >= 1, so the sum over rows h+1 .. e-1 is the running
    sum at e - 1 minus that at h (the subtraction a running sum with a leading zero row gave)."""
    heads = np.flatnonzero(st["headings"])
    docs = None
    bounds = st.get("bounds")  # type: ignore[union-attr]
    if len(heads) and bounds is not None and len(bounds) > 2:
        d = np.unique(st["doc"][heads])
        docs = list(zip(bounds[d].tolist(), bounds[d + 1].tolist()))
    if not len(heads):
        return heads, heads, heads, np.zeros((0, 1)), weights[:, None], docs
    cw = _running_sum(weights, docs)
    ends = st["span_end"][heads]
    w = cw[ends - 1] - cw[heads]
    ok = w > 0
    heads, ends = heads[ok], ends[ok]
    return heads, ends - 1, heads, w[ok][:, None], weights[:, None], docs


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
    out = np.empty((n, THEME_FEATURES + genre.shape[-1]), dtype=np.float64)
    _theme_features_into(out, P, genre, st)
    return out


def _theme_features_into(out: np.ndarray, P: np.ndarray, genre: np.ndarray, st: Mapping[str, np.ndarray]) -> None:
    """Write ``theme_context_features`` into ``out`` block by block (no blocks to stack; the
    document-wide columns are worked out once per document, in ``_shared``)."""
    n, m = P.shape
    sh = _shared(st)
    w, short = sh["w"], sh["short"]
    first, last = sh["first"], sh["last"]
    out[:, 0:m] = logit(P)
    out[1:, m:2 * m] = P[:-1]                      # previous sentence
    out[first, m:2 * m] = 0.0
    out[:-1, 2 * m:3 * m] = P[1:]                  # next sentence
    out[last, 2 * m:3 * m] = 0.0
    out[:, 3 * m:4 * m] = np.where(sh["has_head"][:, None], P[sh["head_row"]], 0.0)
    section = out[:, 4 * m:5 * m]
    section[:] = _group_mean_excluding(P, w, st["sec"], _plan(sh, "sec", m, st))
    document = out[:, 5 * m:6 * m]
    document[:] = _group_mean_excluding(P, w, sh["zeros"], _plan(sh, "zeros", m, st))
    out[:, 6 * m:7 * m] = _under_heading(P, w, st, _plan(sh, "heading", m, st))
    np.multiply(short, section, out=out[:, 7 * m:8 * m])
    np.multiply(short, document, out=out[:, 8 * m:9 * m])
    out[:, 9 * m:9 * m + 5] = sh["theme_flags"]
    out[:, 9 * m + 5:] = genre


def _shared(st: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Columns that every feature block of a document uses, kept in ``st`` after the first call."""
    sh = st.get("_shared")  # type: ignore[union-attr]
    if sh is None:
        lengths = st["lengths"]
        n = len(lengths)
        short = (lengths < _SHORT).astype(np.float64)[:, None]
        ones = np.ones(n)
        bounds = _bounds(st)
        nonempty = bounds[:-1] < bounds[1:]
        doc = st.get("doc")  # type: ignore[union-attr]
        sh = {"w": np.sqrt(np.maximum(lengths, 1.0)), "short": short,
              "zeros": np.zeros(n, dtype=np.int64) if doc is None else doc,  # the document each row is in
              "first": bounds[:-1][nonempty], "last": bounds[1:][nonempty] - 1,
              "has_head": st["head_of"] >= 0, "head_row": np.maximum(st["head_of"], 0),
              "theme_flags": _columns(short[:, 0], st["headings"], st["markers"], st["head_of"] >= 0, ones),
              "problem_flags": _columns(short[:, 0], st["headings"], st["markers"], ones)}
        if isinstance(st, dict):
            st["_shared"] = sh  # type: ignore[assignment]
    return sh


def _columns(*cols: np.ndarray) -> np.ndarray:
    """``np.column_stack`` of 1-d columns as float64, written into one array."""
    out = np.empty((len(cols[0]), len(cols)), dtype=np.float64)
    for j, c in enumerate(cols):
        out[:, j] = c
    return out


def _plan(sh: dict[str, Any], key: str, m: int, st: Mapping[str, np.ndarray]) -> tuple[Any, ...]:
    """The group plan (``key``: "sec" or "zeros") or heading plan ("heading") for ``m`` value
    columns, made once per document and kept with its shared columns."""
    plan = sh.get((key, m))
    if plan is None:
        if key == "heading":
            plan = _heading_plan(sh["w"], st)
        else:
            plan = _group_plan(st["sec"] if key == "sec" else sh["zeros"], sh["w"], m)
        sh[(key, m)] = plan
    return plan


def problem_context_features(table: Any, rule_z: np.ndarray, problem_proba: np.ndarray,
                             evidence: np.ndarray, genre: np.ndarray,
                             st: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """Inputs of the problem context model: the rule score and its evidence, the sentence's
    own probability, its neighbours', section's and document's rule scores, shape and genre."""
    st = st or structure_columns(table)
    z = np.minimum(np.maximum(np.asarray(rule_z, dtype=np.float64), -9.0), 9.0)[:, None] / 3.0
    n = len(z)
    if n == 0:
        return np.zeros((0, 0))
    sh = _shared(st)
    w, short = sh["w"], sh["short"]
    s = sigmoid(3.0 * z)
    ne, ng = evidence.shape[1], genre.shape[-1]
    out = np.empty((n, 8 + ne + 4 + 2 * ng), dtype=np.float64)  # the blocks of the model's order
    out[:, 0:1] = z
    out[:, 1:2] = logit(problem_proba)[:, None] / 3.0
    first, last = sh["first"], sh["last"]
    out[1:, 2:3] = z[:-1]                          # previous sentence
    out[first, 2] = 0.0
    out[:-1, 3:4] = z[1:]                          # next sentence
    out[last, 3] = 0.0
    np.multiply(s[:-1], short[1:], out=out[1:, 4:5])  # previous sentence's, for a short one
    out[first, 4] = 0.0
    section = out[:, 5:6]
    section[:] = _group_mean_excluding(s, w, st["sec"], _plan(sh, "sec", 1, st))
    out[:, 6:7] = _group_mean_excluding(s, w, sh["zeros"], _plan(sh, "zeros", 1, st))
    np.multiply(short, section, out=out[:, 7:8])
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
        x2 = np.hstack([x, theme_context_features(table, first, genre, st)])
        return sigmoid(_product(x2, self.theme_coef2, st))

    def problems(self, table: Any, rule_z: np.ndarray, problem_proba: np.ndarray, evidence: np.ndarray,
                 genre: np.ndarray, st: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Problem log-odds in context, shifted so that > 0 means an admission."""
        if not len(rule_z):
            return np.zeros(0)
        x = problem_context_features(table, rule_z, problem_proba, evidence, genre, st)
        t = min(max(self.problem_threshold, 1e-4), 1 - 1e-4)
        return _product(x, self.problem_coef, st) - math.log(t / (1 - t))

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
