"""ThemeClassifier: multi-label theme tagging (plus sub-theme and admitted-problem heads).

Inference needs numpy only; ``fit`` imports scikit-learn (see ``training``). Models are
stored as JSON + .npz through ``persistence``; nothing is ever unpickled.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from speechlens.labels import LABELS
from speechlens.errors import ModelError
from speechlens.model.features import IndexFeaturizer, PackedWeights, norms, sentence_features, sigmoid, softmax
from speechlens.model.fitting import fit_classifier
from speechlens.model.persistence import load_model, save_model
from speechlens.text.segmentation import Segmenter, default_segmenter


class ThemeClassifier:
    """Tags sentences with development / livelihood / safety / party.

    Parameters are stored unchanged (scikit-learn convention); learned state ends in ``_``.
    ``C``: inverse regularisation of the logistic models; ``char_ngrams``: longest character
    n-gram (2 or 3; 0 for none); ``word_pairs``, ``use_lexicon``: feature families; ``min_df``:
    minimum document frequency of a feature.
    """

    def __init__(self, *, C: float = 8.0, min_df: int = 2, char_ngrams: int = 3,
                 word_pairs: bool = True, use_lexicon: bool = True, cv_folds: int = 5,
                 segmenter: Segmenter | None = None) -> None:
        self.C = C
        self.min_df = min_df
        self.char_ngrams = char_ngrams
        self.word_pairs = word_pairs
        self.use_lexicon = use_lexicon
        self.cv_folds = cv_folds
        self.segmenter = segmenter

    # -- learned state -------------------------------------------------------------------
    classes_: tuple[str, ...] = LABELS
    vocabulary_: dict[str, int]
    idf_: np.ndarray
    coef_: np.ndarray          # (n_features, 4)
    intercept_: np.ndarray     # (4,)
    platt_: np.ndarray         # (4, 2): a, b of sigmoid(a * z + b)
    thresholds_: np.ndarray    # (4,)
    subthemes_: tuple[str, ...]
    sub_coef_: np.ndarray      # (n_features, n_subthemes)
    sub_intercept_: np.ndarray
    problem_coef_: np.ndarray  # (n_features, 1)
    problem_intercept_: float
    problem_platt_: np.ndarray  # (2,)
    problem_threshold_: float
    info_: dict[str, Any]
    context_: Any = None       # context.ContextModel: reads each sentence in its document (or None)

    # -- training ------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]],
            subthemes: Sequence[str] | None = None,
            problems: Sequence[bool] | None = None) -> "ThemeClassifier":
        """Learn from sentences and their label tuples (and optional sub-themes, problem flags)."""
        self._forget()
        learned = fit_classifier(self, list(texts), [tuple(l) for l in labels],
                                 None if subthemes is None else list(subthemes),
                                 None if problems is None else [bool(p) for p in problems])
        for name, value in learned.items():
            setattr(self, name, value)
        self._forget()
        return self

    _DERIVED = ("_featurizer", "_heads")  # built from the learned state on first use

    def _forget(self) -> None:
        """Drop what was derived from the learned state (featurizer, stacked weights)."""
        for k in self._DERIVED:
            self.__dict__.pop(k, None)

    def __getstate__(self) -> dict[str, Any]:
        # Sent to worker processes or a Dask cluster: the learned state only; what is derived
        # from it is rebuilt there on first use.
        return {k: v for k, v in self.__dict__.items() if k not in self._DERIVED}

    # -- features ------------------------------------------------------------------------
    def feature_segmenter(self) -> Segmenter:
        """The segmenter the features are cut with (the given one, else the shared default)."""
        return self.segmenter or default_segmenter()

    def featurize(self, norms: Sequence[str], tokens: Sequence[Sequence[str]] | None = None) -> list[list[str]]:
        """Feature strings for each text (tokens computed unless given)."""
        if tokens is None:
            seg = self.feature_segmenter()
            tokens = [seg.cut(t) for t in norms]
        return [sentence_features(tk, nm, char_ngrams=self.char_ngrams,
                                  word_pairs=self.word_pairs, use_lexicon=self.use_lexicon)
                for tk, nm in zip(tokens, norms)]

    def _index_featurizer(self) -> IndexFeaturizer:
        fz = getattr(self, "_featurizer", None)
        if fz is None:
            fz = self._featurizer = IndexFeaturizer(
                self.vocabulary_, self.idf_, char_ngrams=self.char_ngrams,
                word_pairs=self.word_pairs, use_lexicon=self.use_lexicon)
        return fz

    def _packed_heads(self) -> PackedWeights:
        heads = getattr(self, "_heads", None)
        if heads is None:
            # Themes and problem (whose scores meet thresholds) in double precision; the 36
            # sub-theme columns, of which only the largest matters, in the weights' own single
            # precision, which halves the memory traffic of the biggest product.
            heads = self._heads = PackedWeights([
                np.hstack([self.coef_, self.problem_coef_]).astype(np.float64),
                np.asarray(self.sub_coef_, dtype=np.float32)])
        return heads

    def prepare(self) -> "ThemeClassifier":
        """Build now what scoring derives from the learned state on first use (the feature
        table, the packed weights: some 45 MB, 0.3 s), so that worker processes forked
        afterwards share one copy instead of each building its own."""
        self.check_fitted()
        self._index_featurizer()
        self._packed_heads()
        return self

    def _matrix(self, norms: Sequence[str], tokens: Sequence[Sequence[str]] | None = None,
                joined: Sequence[str] | None = None):
        self.check_fitted()
        fz = self._index_featurizer()
        if joined is not None:
            return fz.transform_joined(joined, norms)
        if tokens is not None:
            return fz.transform(tokens, norms)
        return fz.transform_joined(self.feature_segmenter().cut_joined(list(norms)), norms)

    def check_fitted(self) -> None:
        """Raise ModelError unless the classifier was fitted or loaded."""
        if not hasattr(self, "coef_"):
            raise ModelError("ThemeClassifier is not fitted: call fit() or ThemeClassifier.load()")

    # -- prediction ----------------------------------------------------------------------
    def scores(self, norms: Sequence[str], tokens: Sequence[Sequence[str]] | None = None, *,
               joined: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """All heads at once: theme probabilities (n, 4), sub-theme probabilities, problem probability.

        ``tokens``: each sentence's tokens; or ``joined``: the tokens of ``"\\n".join(norms)``
        as ``Segmenter.cut_joined`` gives them (the fast path for batches).
        """
        rows, cols, vals, n = self._matrix(norms, tokens, joined)
        zz, zsub = self._packed_heads().dot(rows, cols, vals, n)
        k = len(self.classes_)
        z = zz[:, :k] + self.intercept_
        proba = sigmoid(z * self.platt_[:, 0] + self.platt_[:, 1])
        zp = zz[:, k] + self.problem_intercept_
        prob = sigmoid(zp * self.problem_platt_[0] + self.problem_platt_[1])
        sub = softmax(zsub + self.sub_intercept_)
        return {"themes": proba, "subthemes": sub, "problem": prob}

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probability of each label, shape (n, 4), columns in ``classes_`` order."""
        return self.scores(norms(texts))["themes"]

    def predict(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Label tuples (zero or more labels) using the per-label thresholds."""
        return self.labels_from_proba(self.predict_proba(texts))

    def labels_from_proba(self, proba: np.ndarray) -> list[tuple[str, ...]]:
        """Label tuples of theme probabilities, by the per-label thresholds."""
        hits = proba >= self.thresholds_
        return [tuple(l for l, h in zip(self.classes_, row) if h) for row in hits]

    # -- persistence ---------------------------------------------------------------------
    def save(self, directory: str | os.PathLike[str], *, card: dict[str, Any] | None = None) -> None:
        """Write model.json + weights.npz (+ MODEL.md when ``card`` metrics are given)."""
        save_model(self, directory, card=card)

    @classmethod
    def load(cls, directory: str | os.PathLike[str] | None = None, *,
             segmenter: Segmenter | None = None) -> "ThemeClassifier":
        """Load a saved model; default: ``$SPEECHLENS_MODEL`` or the shipped model."""
        return load_model(cls, directory, segmenter=segmenter)


