"""Training the context stage on whole documents (scikit-learn is imported here only).

The context model must learn from sentence scores such as it will meet them on new text, so
the sentence classifier that scores a training document never saw it: documents are split into
folds, and each fold is scored by a classifier trained on the sentence corpus plus the units of
the other folds. The genre detector, theme and problem context models are then fitted on those
out-of-fold scores, and their own cross-validation over whole documents is reported.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from speechlens.model.context import (GENRE_CUES, ContextModel, GenreModel, genre_features, genre_vector,
                      problem_context_features, structure_columns, theme_context_features)
from speechlens.training.doccorpus import LabelledDocument, gold_for_table, unit_rows
from speechlens.labels import GENRES, LABELS
from speechlens.model.metrics import prf
from speechlens.reading.loading import document_from_text
from speechlens.pipeline.problems import problem_evidence, problem_scores
from speechlens.text.structure import table_of
from speechlens.model.fitting import best_threshold


@dataclass
class ScoredDocument:
    """A training document read by a classifier that never saw it, with its gold labels."""

    doc: LabelledDocument
    table: Any
    structure: dict[str, np.ndarray]
    metadata_genre: str | None
    theme_proba: np.ndarray
    problem_proba: np.ndarray
    rule_z: np.ndarray
    evidence: np.ndarray
    gold_themes: np.ndarray
    gold_problem: np.ndarray
    thresholds: np.ndarray


def document_fold(doc_id: str, k: int) -> int:
    """A document's fold, from a hash of its id (stable across runs and machines)."""
    return int(hashlib.sha1(doc_id.encode("utf-8")).hexdigest(), 16) % k


def score_documents(clf: Any, docs: Sequence[LabelledDocument]) -> list[ScoredDocument]:
    """Split, score and evaluate the rule evidence of ``docs`` with the fitted ``clf``."""
    out = []
    for d in docs:
        document = document_from_text(d.text)
        tab = table_of(document)
        if not len(tab):
            continue
        sc = clf.scores(list(tab.norms))
        Y, P = gold_for_table(d, tab.starts, tab.ends)
        out.append(ScoredDocument(
            d, tab, structure_columns(tab), document.genre, sc["themes"], sc["problem"],
            np.asarray(problem_scores(tab, sc["problem"], genre=None), dtype=np.float64),
            problem_evidence(tab), Y, P, np.asarray(clf.thresholds_)))
    return out


def out_of_fold(docs: Sequence[LabelledDocument], sentence_rows: list[dict[str, Any]],
                fit: Callable[[list[dict[str, Any]]], Any], k: int) -> list[ScoredDocument]:
    """Every document scored by a classifier trained without its fold."""
    scored: list[ScoredDocument] = []
    for f in range(k):
        held = [d for d in docs if document_fold(d.id, k) == f]
        rest = [d for d in docs if document_fold(d.id, k) != f]
        if not held:
            continue
        clf = fit(sentence_rows + unit_rows(rest))
        scored += score_documents(clf, held)
    return scored


def _lr(C: float, multi: bool = False):
    from sklearn.linear_model import LogisticRegression

    if multi:
        return LogisticRegression(C=C, max_iter=5000)
    return LogisticRegression(C=C, fit_intercept=False, max_iter=5000)


def _genre_probs(scored: Sequence[ScoredDocument], k: int) -> tuple[GenreModel, np.ndarray]:
    """The genre detector fitted on all documents, and each document's out-of-fold genre
    probabilities (what the context models train on)."""
    X = np.array([genre_features(s.doc.text, s.theme_proba, s.problem_proba) for s in scored])
    present = [g for g in GENRES if any(s.doc.genre == g for s in scored)]
    y = np.array([present.index(s.doc.genre) for s in scored])
    folds = np.array([document_fold(s.doc.id, k) for s in scored])
    oof = np.zeros((len(scored), len(present)))
    for f in range(k):
        test = folds == f
        train_y = y[~test]
        if not test.any() or len(set(train_y.tolist())) < 2:
            continue
        m = _lr(1.0, multi=True).fit(X[~test], train_y)
        oof[np.ix_(test, m.classes_)] = m.predict_proba(X[test])
    final = _lr(1.0, multi=True).fit(X, y)
    coef = np.zeros((X.shape[1], len(present)))
    intercept = np.full(len(present), -30.0)
    coef[:, final.classes_] = final.coef_.T
    intercept[final.classes_] = final.intercept_
    return GenreModel(present, coef, intercept), oof


def _stack_problems(scored: Sequence[ScoredDocument], genres: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Problem context features of every document's sentences, in order."""
    return np.vstack([problem_context_features(s.table, s.rule_z, s.problem_proba, s.evidence,
                                               genre_vector(s.metadata_genre, g, names), s.structure)
                      for s, g in zip(scored, genres)])


def _fit_themes(X: np.ndarray, Y: np.ndarray, folds: np.ndarray, k: int, C: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-label weights fitted on all rows, and the out-of-fold probabilities over ``folds``."""
    coef = np.zeros((X.shape[1], Y.shape[1]))
    oof = np.zeros(Y.shape, dtype=np.float64)
    for j in range(Y.shape[1]):
        for f in range(k):
            test = folds == f
            oof[test, j] = _lr(C).fit(X[~test], Y[~test, j]).predict_proba(X[test])[:, 1]
        coef[:, j] = _lr(C).fit(X, Y[:, j]).coef_[0]
    return coef, oof


def _stack_themes(scored: Sequence[ScoredDocument], proba: np.ndarray, genres: np.ndarray,
                  names: Sequence[str]) -> np.ndarray:
    """Theme context features computed from per-sentence ``proba`` (all documents' rows in order)."""
    out, a = [], 0
    for s, g in zip(scored, genres):
        n = len(s.table)
        out.append(theme_context_features(s.table, proba[a:a + n], genre_vector(s.metadata_genre, g, names),
                                          s.structure))
        a += n
    return np.vstack(out)


def fit_context(scored: Sequence[ScoredDocument], k: int, *, C: float = 1.0) -> tuple[ContextModel, dict[str, Any]]:
    """Fit the context stage on out-of-fold scored documents; report its cross-validation."""
    genre_model, genre_oof = _genre_probs(scored, k)
    XT = _stack_themes(scored, np.vstack([s.theme_proba for s in scored]), genre_oof, genre_model.genres)
    XP = _stack_problems(scored, genre_oof, genre_model.genres)
    YT = np.vstack([s.gold_themes for s in scored])
    YP = np.concatenate([s.gold_problem for s in scored])
    folds = np.concatenate([np.full(len(s.table), document_fold(s.doc.id, k)) for s in scored])
    theme_coef, first_oof = _fit_themes(XT, YT, folds, k, C)
    # The second pass reads the first pass's out-of-fold context scores, as it will read the
    # first pass's scores of new documents.
    XT2 = np.hstack([XT, _stack_themes(scored, first_oof, genre_oof, genre_model.genres)])
    theme_coef2, theme_oof = _fit_themes(XT2, YT, folds, k, C)
    thresholds = np.array([best_threshold(theme_oof[:, j], YT[:, j]) for j in range(len(LABELS))])
    problem_oof = np.zeros(len(YP))
    for f in range(k):
        test = folds == f
        problem_oof[test] = _lr(C).fit(XP[~test], YP[~test]).predict_proba(XP[test])[:, 1]
    p_threshold = best_threshold(problem_oof, YP)
    problem_coef = _lr(C).fit(XP, YP).coef_[0]
    report = cv_report(scored, theme_oof >= thresholds, problem_oof >= p_threshold)
    report["genre_accuracy"] = round(float(np.mean(
        [genre_model.genres[int(np.argmax(g))] == s.doc.genre for g, s in zip(genre_oof, scored)])), 4)
    info = {"documents": len(scored), "sentences": int(len(YP)), "folds": k, "C": C, "cv": report}
    model = ContextModel(theme_coef, thresholds, problem_coef, p_threshold, genre_model, info, theme_coef2)
    return model, report


def cv_report(scored: Sequence[ScoredDocument], theme_pred: np.ndarray, problem_pred: np.ndarray) -> dict[str, Any]:
    """Per label, per genre, body vs short headings/items, and problems (P/R/F1)."""
    YT = np.vstack([s.gold_themes for s in scored]).astype(bool)
    YP = np.concatenate([s.gold_problem for s in scored]).astype(bool)
    genre = np.concatenate([[s.doc.genre] * len(s.table) for s in scored])
    short = np.concatenate([s.structure["lengths"] < 30 for s in scored])

    def themes(mask: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for j, l in enumerate(LABELS):
            out[l] = dict(zip(("precision", "recall", "f1"), (round(x, 4) for x in prf(YT[mask, j], theme_pred[mask, j]))))
        out["macro_f1"] = round(float(np.mean([out[l]["f1"] for l in LABELS])), 4)
        out["n"] = int(mask.sum())
        return out

    every = np.ones(len(YP), dtype=bool)
    rep: dict[str, Any] = {"themes": themes(every), "short": themes(short), "body": themes(~short)}
    rep["by_genre"] = {g: themes(genre == g)["macro_f1"] for g in sorted(set(genre.tolist()))}
    reports = genre != "speech"
    rep["problem"] = dict(zip(("precision", "recall", "f1"),
                              (round(x, 4) for x in prf(YP[reports], problem_pred[reports]))))
    rep["problem"]["support"] = int(YP[reports].sum())
    return rep


def base_report(scored: Sequence[ScoredDocument]) -> dict[str, Any]:
    """The same report for the sentence classifier read alone, with the rule-based problem
    scores: what the context stage is measured against."""
    theme_pred = np.vstack([s.theme_proba >= s.thresholds for s in scored])
    problem_pred = np.concatenate([s.rule_z for s in scored]) > 0
    return cv_report(scored, theme_pred, problem_pred)


def cross_part_report(scored: Sequence[ScoredDocument], k: int) -> dict[str, Any]:
    """The context stage trained without one writer's documents and scored on them, per writer
    (the sentence scores stay out-of-fold by document, not by writer)."""
    out: dict[str, Any] = {}
    for part in sorted({s.doc.part for s in scored}):
        train = [s for s in scored if s.doc.part != part]
        held = [s for s in scored if s.doc.part == part]
        model, _ = fit_context(train, k)
        out[part] = predict_report(model, held)
    return out


def predict_report(model: ContextModel, scored: Sequence[ScoredDocument]) -> dict[str, Any]:
    """``cv_report`` of a fitted context model on scored documents."""
    theme_pred, problem_pred = [], []
    for s in scored:
        detected = model.detect_genre(s.doc.text, s.theme_proba, s.problem_proba)
        g = genre_vector(s.metadata_genre, detected, model.genre.genres)
        theme_pred.append(model.themes(s.table, s.theme_proba, g, s.structure) >= model.theme_thresholds)
        problem_pred.append(model.problems(s.table, s.rule_z, s.problem_proba, s.evidence, g, s.structure) > 0)
    return cv_report(scored, np.vstack(theme_pred), np.concatenate(problem_pred))


__all__ = ["ScoredDocument", "score_documents", "out_of_fold", "fit_context", "cv_report", "base_report",
           "cross_part_report", "predict_report",
           "document_fold", "GENRE_CUES"]
