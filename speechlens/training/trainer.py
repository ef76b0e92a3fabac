"""Training and evaluating the theme model.

``train_model`` reads CORPUS_DIR/train.jsonl, fits a ThemeClassifier, scores it on the frozen
CORPUS_DIR/test.jsonl, in cross-validation, across corpus parts, and against the keyword
baseline, and writes the model with its card. The corpus itself (``prepare_corpus`` builds the
split once) is ``training.corpus``; the fitting is ``model.fitting``.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from speechlens.errors import SpeechlensError
from speechlens.model.metrics import prf, score_labels
from speechlens.model.features import lexicon_hits, norms
from speechlens.model.fitting import SUBTHEME_NONE
from speechlens.text.normalization import clean_span, to_simplified
from speechlens.text.segmentation import Segmenter
from speechlens.model.themes import ThemeClassifier
from speechlens.training.corpus import corpus_hash, load_jsonl
from speechlens.training.context import base_report, cross_part_report, fit_context, out_of_fold
from speechlens.training.doccorpus import document_agreement, load_documents, unit_rows


# -- corpus ------------------------------------------------------------------------------
DEFAULT_C = 8.0      # inverse regularisation of the logistic heads
DEFAULT_MIN_DF = 2   # a feature must occur in at least this many training sentences


def train_command(corpus_dir: str | Path, output: str | Path, *, C: float = DEFAULT_C, min_df: int = DEFAULT_MIN_DF,
                  documents: str | Path | None = None) -> str:
    """The ``speechlens train`` command line that trains this model (for the model card)."""
    return (f"speechlens train {corpus_dir} -o {output}" + (f" --C {C}" if C != DEFAULT_C else "")
            + (f" --min-df {min_df}" if min_df != DEFAULT_MIN_DF else "")
            + (f" --documents {documents}" if documents else ""))


# -- evaluation ----------------------------------------------------------------------------
def keyword_baseline(texts: Sequence[str]) -> list[tuple[str, ...]]:
    """The plain dictionary baseline: a label when any of its keywords occurs."""
    return [lexicon_hits(clean_span(to_simplified(t))) for t in texts]


def evaluate(clf: Any, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Score ``clf`` on gold records ({"text", "themes", optional "problem"})."""
    texts = [r["text"] for r in records]

    s = clf.scores(norms(texts))
    pred = clf.labels_from_proba(s["themes"])
    out = score_labels([r.get("themes", []) for r in records], pred)
    if any("problem" in r for r in records):
        y = np.array([bool(r.get("problem")) for r in records])
        pr, rc, f = prf(y, s["problem"] >= clf.problem_threshold_)
        out["problem"] = {"precision": pr, "recall": rc, "f1": f, "support": int(y.sum())}
    if any(r.get("subtheme") for r in records):
        subs = [clf.subthemes_[i] for i in s["subthemes"].argmax(axis=1)]
        gold_s = [r.get("subtheme") or SUBTHEME_NONE for r in records]
        out["subtheme_accuracy"] = round(float(np.mean([a == b for a, b in zip(subs, gold_s)])), 4)
    return out


def train_model(corpus_dir: str | Path, out_dir: str | Path, *, C: float = DEFAULT_C,
                min_df: int = DEFAULT_MIN_DF, cross_part: bool = True, command: str | None = None,
                documents: str | Path | None = None, folds: int = 5) -> dict[str, Any]:
    """Train on CORPUS_DIR/train.jsonl (plus the units of the whole labelled DOCUMENTS, whose
    documents also train the context stage), evaluate, and write the model and its card."""
    corpus = Path(corpus_dir)
    train_path, test_path = corpus / "train.jsonl", corpus / "test.jsonl"
    train = load_jsonl(train_path)
    test = load_jsonl(test_path) if test_path.is_file() else []
    seg = Segmenter(backend="jieba")

    def fit(rows: list[dict[str, Any]], subthemes: bool = True) -> ThemeClassifier:
        return ThemeClassifier(C=C, min_df=min_df, segmenter=seg).fit(
            [r["text"] for r in rows], [r.get("themes", []) for r in rows],
            [r.get("subtheme") for r in rows] if subthemes else None, [bool(r.get("problem")) for r in rows])

    doc_card: dict[str, Any] = {}
    context = None
    units: list[dict[str, Any]] = []
    if documents is not None:
        docs = load_documents(documents)
        units = unit_rows(docs)
        # The fold classifiers only score documents for the context stage: no sub-theme head.
        scored = out_of_fold(docs, train, lambda rows: fit(rows, subthemes=False), folds)
        context, report = fit_context(scored, folds)
        doc_files = sorted(Path(documents).rglob("*.jsonl"))
        doc_card = {"documents": {
            "path": str(documents), "n_documents": len(docs), "n_units": len(units),
            "n_sentences": report["themes"]["n"], "folds": folds,
            "sha256": corpus_hash(doc_files),
            "genres": {g: sum(d.genre == g for d in docs) for g in sorted({d.genre for d in docs})},
            "agreement": document_agreement(documents)},
            "context_cv": report, "sentence_alone_cv": base_report(scored)}
        doc_card["context_cross_writer"] = cross_part_report(scored, folds)
    clf = fit(train + units)
    clf.context_ = context
    card: dict[str, Any] = {
        "name": Path(out_dir).name,
        "command": command or f"speechlens train {corpus_dir} -o {out_dir}",
        "training_data": {
            "train": str(train_path), "test": str(test_path) if test else None,
            "sha256": corpus_hash([train_path] + ([test_path] if test else [])),
            "train_sha256": corpus_hash([train_path]),
            "n_train": len(train), "n_test": len(test),
        },
        "params": {"C": C, "min_df": min_df, "features": "jieba words (governance dictionary, HMM off; "
                   "figures and redactions folded), word pairs, character 2- and 3-grams, theme-keyword hits, "
                   "sub-theme lexicon hits (data/theme_lexicon.tsv) and their themes; sublinear tf-idf, l2",
                   "model": "one-vs-rest logistic regression (liblinear, balanced), Platt-calibrated "
                   "on out-of-fold scores, per-label thresholds maximising out-of-fold F1; "
                   "multinomial logistic regression for sub-themes"
                   + ("; then the context stage: per-label logistic regressions over the sentence's own, "
                      "heading's, neighbours', section's and document's scores, its shape and the detected "
                      "genre, and a problem model over the rule evidence in context, trained on out-of-fold "
                      "scores of whole documents, thresholds maximising cross-validated F1" if documents else "")},
        "info": clf.info_,
        **doc_card,
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "sklearn": clf.info_["sklearn"], "platform": sys.platform},
    }
    if test:
        card["test"] = evaluate(clf, test)
        card["baseline_test"] = score_labels([r.get("themes", []) for r in test],
                                             keyword_baseline([r["text"] for r in test]))
    if cross_part:
        parts = sorted({r.get("part") for r in train if r.get("part")})
        if len(parts) > 2:
            per_part = {}
            for part in parts:
                held = [r for r in train if r.get("part") == part]
                rest = [r for r in train if r.get("part") != part]
                per_part[part] = evaluate(fit(rest), held)
            card["cross_part"] = per_part
            card["cross_part_macro_f1"] = round(float(np.mean([v["macro_f1"] for v in per_part.values()])), 4)
    clf.save(out_dir, card=card)
    return card


def evaluate_gold(gold: str | Path, model: Any = None) -> dict[str, Any]:
    """Score a model (directory, ThemeClassifier or the shipped one) on a GOLD.jsonl of
    {"text", "themes"} lines, beside the keyword baseline: {"n", "model", "keyword_baseline"}."""
    records = load_jsonl(gold)
    if not records:
        raise SpeechlensError(f"{gold}: no records")
    if any("themes" not in r for r in records):
        raise SpeechlensError(f"{gold}: every line needs a \"themes\" list")
    clf = model if isinstance(model, ThemeClassifier) else ThemeClassifier.load(model)
    return {"n": len(records), "model": evaluate(clf, records),
            "keyword_baseline": score_labels([r["themes"] for r in records], keyword_baseline([r["text"] for r in records]))}
