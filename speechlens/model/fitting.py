"""Fitting the ThemeClassifier's heads (scikit-learn is imported here, inside the functions that use it)."""

from __future__ import annotations

import platform
from typing import Any, Sequence

import numpy as np

from speechlens.errors import SpeechlensError
from speechlens.labels import LABELS
from speechlens.model.features import Vectorizer, idf_from_df, norms, sigmoid
from speechlens.model.metrics import prf


SUBTHEME_NONE = "none/other"


# -- fitting -------------------------------------------------------------------------------
def _design(clf: Any, texts: Sequence[str], vocabulary: dict[str, int] | None = None):
    from scipy import sparse

    normed = norms(texts)
    seg = clf.feature_segmenter()
    feats = clf.featurize(normed, [seg.cut(t) for t in normed])
    if vocabulary is None:
        df: dict[str, int] = {}
        for fl in feats:
            for f in set(fl):
                df[f] = df.get(f, 0) + 1
        kept = sorted(f for f, c in df.items() if c >= clf.min_df)
        vocabulary = {f: i for i, f in enumerate(kept)}
        idf = idf_from_df(np.array([df[f] for f in kept], dtype=np.float64), len(texts))
    else:
        idf = clf.idf_
    r, c, v, n = Vectorizer(vocabulary, idf).transform(feats)
    X = sparse.csr_matrix((v, (r, c)), shape=(len(texts), len(vocabulary)))
    return X, vocabulary, idf


def _logistic(C: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, solver="liblinear", class_weight="balanced",
                              random_state=0, max_iter=1000)


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    if min(int(y.sum()), int(len(y) - y.sum())) < 30:
        return 1.0, 0.0  # too few examples to calibrate: keep the raw logistic scores
    m = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000).fit(z.reshape(-1, 1), y)
    a, b = float(m.coef_[0, 0]), float(m.intercept_[0])
    if a <= 0:  # out-of-fold scores carry no signal (tiny data): leave the scores uncalibrated
        return 1.0, 0.0
    return a, b


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The probability threshold (0.2-0.8 by 0.025) that maximises F1 of ``p`` against ``y``."""
    best, best_f = 0.5, -1.0
    for t in np.round(np.arange(0.2, 0.81, 0.025), 3):
        f = prf(y.astype(bool), p >= t)[2]
        if f > best_f + 1e-9:
            best, best_f = float(t), f
    return best


def _folds(n: int, k: int) -> list[np.ndarray]:
    order = np.random.RandomState(0).permutation(n)
    return [order[i::k] for i in range(k)]


def fit_classifier(clf: Any, texts: list[str], labels: list[tuple[str, ...]],
                   subthemes: list[str] | None, problems: list[bool] | None) -> dict[str, Any]:
    """Fit every head for ``clf``'s parameters and return the learned state (``vocabulary_``,
    ``coef_``, ... ``info_``) for the classifier to take (deterministic: the same data gives the
    same model). ``clf`` is only read: its parameters and its featurizer."""
    import sklearn

    if len(texts) != len(labels):
        raise SpeechlensError("texts and labels differ in length")
    if len(texts) < 10:
        raise SpeechlensError(f"need at least 10 labelled sentences to train, got {len(texts)}")
    X, vocab, idf = _design(clf, texts)
    Y = np.array([[l in ls for l in LABELS] for ls in labels], dtype=np.int64)
    P = np.array(problems if problems is not None else [False] * len(texts), dtype=np.int64)
    heads = np.column_stack([Y, P])
    n, k = heads.shape
    oof = np.zeros((n, k))
    folds = _folds(n, max(2, min(clf.cv_folds, n // 5)))
    for test_idx in folds:
        mask = np.ones(n, dtype=bool)
        mask[test_idx] = False
        for j in range(k):
            y = heads[mask, j]
            if y.min() == y.max():
                oof[test_idx, j] = 10.0 if y[0] else -10.0
                continue
            m = _logistic(clf.C).fit(X[mask], y)
            oof[test_idx, j] = m.decision_function(X[test_idx])
    coef = np.zeros((X.shape[1], k))
    intercept = np.zeros(k)
    platt = np.zeros((k, 2))
    thresholds = np.zeros(k)
    cv: dict[str, Any] = {}
    for j in range(k):
        y = heads[:, j]
        if y.min() == y.max():
            intercept[j] = 10.0 if y[0] else -10.0
            platt[j] = (1.0, 0.0)
            thresholds[j] = 0.5
            continue
        m = _logistic(clf.C).fit(X, y)
        coef[:, j] = m.coef_[0]
        intercept[j] = m.intercept_[0]
        platt[j] = _platt(oof[:, j], y)
        p = sigmoid(oof[:, j] * platt[j, 0] + platt[j, 1])
        thresholds[j] = best_threshold(p, y) if min(int(y.sum()), int(n - y.sum())) >= 30 else 0.5
        name = LABELS[j] if j < 4 else "problem"
        cv[name] = dict(zip(("precision", "recall", "f1"), prf(y.astype(bool), p >= thresholds[j])))
    cv["macro_f1"] = float(np.mean([cv[l]["f1"] for l in LABELS if l in cv]))
    learned: dict[str, Any] = {}
    learned["vocabulary_"] = vocab
    learned["idf_"] = idf
    learned["classes_"] = LABELS
    learned["coef_"] = coef[:, :4]
    learned["intercept_"] = intercept[:4]
    learned["platt_"] = platt[:4]
    learned["thresholds_"] = thresholds[:4]
    learned["problem_coef_"] = coef[:, 4:5]
    learned["problem_intercept_"] = float(intercept[4])
    learned["problem_platt_"] = platt[4]
    learned["problem_threshold_"] = float(thresholds[4])
    # Rows without a sub-theme (the units of whole documents) do not train the sub-theme head.
    has_sub = [i for i, s in enumerate(subthemes or []) if s]
    subs = [subthemes[i] for i in has_sub] if subthemes else []
    classes = sorted(set(subs)) or [SUBTHEME_NONE]
    if len(classes) > 1:
        from sklearn.linear_model import LogisticRegression

        sm = LogisticRegression(C=clf.C, solver="lbfgs", max_iter=3000).fit(X[has_sub], subs)
        sub_coef = sm.coef_.T if len(classes) > 2 else np.column_stack([-sm.coef_[0], sm.coef_[0]]) / 2
        sub_int = sm.intercept_ if len(classes) > 2 else np.array([-sm.intercept_[0], sm.intercept_[0]]) / 2
        classes = list(sm.classes_)
    else:
        sub_coef = np.zeros((X.shape[1], 1))
        sub_int = np.zeros(1)
    learned["subthemes_"] = tuple(classes)
    learned["sub_coef_"] = np.asarray(sub_coef)
    learned["sub_intercept_"] = np.asarray(sub_int)
    learned["info_"] = {
        "n_train": n,
        "n_features": int(X.shape[1]),
        "label_counts": {l: int(Y[:, i].sum()) for i, l in enumerate(LABELS)},
        "problem_count": int(P.sum()),
        "cv_folds": len(folds),
        "cv": cv,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }
    return learned
