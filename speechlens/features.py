"""Sentence features shared by training and inference: words, word pairs, character pairs,
theme-lexicon hits. Pure Python + numpy, so inference never imports scikit-learn."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

import numpy as np

from .document import LABELS
from .resources import read_text

_NUM = re.compile(r"^[0-9０-９.%\-]+$")
_RED = re.compile(r"^(?:[*＊×xX]+|XX|xx)$")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_PUNCT = set("，。！？、；：“”‘’（）《》【】…—·,.!?;:\"'()[]<>-_/\\|~`@#$^&+=　 \t\r\n")


@lru_cache(maxsize=None)
def lexicon() -> dict[str, tuple[str, ...]]:
    """Theme keyword lexicon (the keyword baseline and a classifier feature)."""
    data = json.loads(read_text("theme_keywords.json"))
    return {label: tuple(data[label]) for label in LABELS}


@lru_cache(maxsize=None)
def _lexicon_patterns() -> tuple[tuple[str, "re.Pattern[str]"], ...]:
    lex = lexicon()
    return tuple((label, re.compile("|".join(re.escape(k) for k in sorted(lex[label], key=len, reverse=True))))
                 for label in LABELS)


def lexicon_hits(text: str) -> tuple[str, ...]:
    """Labels whose keywords occur in ``text``."""
    return tuple(label for label, pat in _lexicon_patterns() if pat.search(text))


def normalise_token(tok: str) -> str | None:
    """Map figures to <NUM>, redactions to <RED>, drop punctuation and whitespace."""
    if not tok.strip() or all(c in _PUNCT for c in tok):
        return None
    if _NUM.match(tok):
        return "<NUM>"
    if _RED.match(tok):
        return "<RED>"
    return tok


def sentence_features(tokens: Sequence[str], norm: str, *, char_ngrams: int = 3,
                      word_pairs: bool = True, use_lexicon: bool = True) -> list[str]:
    """Feature strings of one sentence (with repeats; counts become term frequencies)."""
    words = [w for w in (normalise_token(t) for t in tokens) if w is not None]
    feats = ["w:" + w for w in words]
    if word_pairs:
        feats.extend("b:" + a + "|" + b for a, b in zip(words, words[1:]))
    if char_ngrams >= 2:
        for run in _CJK.findall(norm):
            feats.extend("c:" + run[i:i + 2] for i in range(len(run) - 1))
            if char_ngrams >= 3:
                feats.extend("t:" + run[i:i + 3] for i in range(len(run) - 2))
    if use_lexicon:
        feats.extend("k:" + label for label in lexicon_hits(norm))
    return feats


class Vectorizer:
    """Feature strings to l2-normalised, sublinear tf-idf rows over a fixed vocabulary."""

    def __init__(self, vocabulary: Mapping[str, int], idf: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float64)

    def transform(self, feature_lists: Iterable[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Coordinate form (rows, cols, vals, n_rows) of the tf-idf matrix."""
        vocab = self.vocabulary
        rows: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        n = 0
        for i, feats in enumerate(feature_lists):
            n = i + 1
            tf: dict[int, int] = {}
            for f in feats:
                j = vocab.get(f)
                if j is not None:
                    tf[j] = tf.get(j, 0) + 1
            if tf:
                rows.extend([i] * len(tf))
                cols.extend(tf.keys())
                counts.extend(tf.values())
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        v = (1.0 + np.log(np.asarray(counts, dtype=np.float64))) * self.idf[c] if len(c) else np.zeros(0)
        if len(v):
            norms = np.sqrt(np.bincount(r, weights=v * v, minlength=n))
            v = v / norms[r]
        return r, c, v, n


def sparse_dot(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int,
               weights: np.ndarray) -> np.ndarray:
    """(n, k) = sparse rows times dense ``weights`` (n_features, k), with numpy only."""
    k = weights.shape[1]
    out = np.zeros((n, k), dtype=np.float64)
    if len(rows) == 0:
        return out
    contrib = weights[cols].astype(np.float64) * vals[:, None]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    out[rows[starts]] = np.add.reduceat(contrib, starts, axis=0)
    return out


def idf_from_df(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's TfidfTransformer computes it."""
    return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


__all__ = ["Vectorizer", "sentence_features", "lexicon", "lexicon_hits", "sparse_dot",
           "idf_from_df", "sigmoid", "softmax"]
