"""Training and evaluating the theme model (scikit-learn is imported here only).

``train_model`` reads CORPUS_DIR/train.jsonl, fits a ThemeClassifier, scores it on the frozen
CORPUS_DIR/test.jsonl, in cross-validation, across corpus parts, and against the keyword
baseline, and writes the model with its card. ``prepare_corpus`` builds the split once.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from speechlens.records import LABELS
from speechlens.errors import SpeechlensError
from speechlens.training.evaluation import cohen_kappa, prf, score_labels
from speechlens.model.features import idf_from_df, lexicon_hits

SUBTHEME_NONE = "none/other"


# -- corpus ------------------------------------------------------------------------------
def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSONL file; a bad line is an error naming the file and line."""
    p = Path(path)
    if not p.is_file():
        raise SpeechlensError(f"{p}: no such file")
    out = []
    with p.open(encoding="utf-8-sig") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SpeechlensError(f"{p}:{n}: not valid JSON ({exc.msg})") from None
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                raise SpeechlensError(f"{p}:{n}: each line needs a \"text\" string")
            bad = [l for l in rec.get("themes", []) if l not in LABELS]
            if bad:
                raise SpeechlensError(f"{p}:{n}: unknown theme label(s) {bad}; use {', '.join(LABELS)}")
            out.append(rec)
    return out


def corpus_hash(paths: Iterable[str | Path]) -> str:
    """SHA-256 over the bytes of the given files, in order: the training-data hash."""
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def prepare_corpus(parts_dir: str | Path, out_dir: str | Path, *, test_share: int = 5,
                   near_duplicate: float = 0.8) -> dict[str, Any]:
    """Merge the parts, drop exact and near duplicates, and write the frozen split.

    A sentence goes to test.jsonl when the SHA-1 of its text is 0 mod ``test_share``; the
    split therefore never changes for a sentence, whatever else is added later.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    records: list[dict[str, Any]] = []
    for path in sorted(Path(parts_dir).glob("*.jsonl")):
        part = path.stem.rsplit("-", 1)[0] if path.stem[-2:].isdigit() else path.stem
        for rec in load_jsonl(path):
            rec = dict(rec)
            rec["part"] = part
            records.append(rec)
    seen: set[str] = set()
    unique = []
    for rec in records:
        key = "".join(ch for ch in rec["text"] if not ch.isspace())
        if key not in seen:
            seen.add(key)
            unique.append(rec)
    exact_dupes = len(records) - len(unique)
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), min_df=1)
    X = vec.fit_transform([r["text"] for r in unique])
    sims = (X @ X.T).tocsr()
    drop: set[int] = set()
    for i in range(sims.shape[0]):
        if i in drop:
            continue
        row = sims.getrow(i)
        for j, v in zip(row.indices, row.data):
            if j > i and v >= near_duplicate:
                drop.add(int(j))
    kept = [r for i, r in enumerate(unique) if i not in drop]
    out = Path(out_dir)
    stats: dict[str, Any] = {}
    ann = out / "annotations"
    if (ann / "second_pass.jsonl").is_file() and (ann / "third_pass.jsonl").is_file():
        second = {r["id"]: r for r in _read_plain_jsonl(ann / "second_pass.jsonl")}
        third = {r["id"]: r for r in _read_plain_jsonl(ann / "third_pass.jsonl")}
        stats["agreement"] = agreement(kept, second)
        kept, stats["adjudication"] = adjudicate(kept, second, third)
    if (ann / "realdev_guidelines.jsonl").is_file():
        kept, stats["guideline_changes"] = apply_guideline_changes(
            kept, _read_plain_jsonl(ann / "realdev_guidelines.jsonl"))
    train, test = [], []
    for rec in kept:
        digest = int(hashlib.sha1(rec["text"].encode("utf-8")).hexdigest(), 16)
        (test if digest % test_share == 0 else train).append(rec)
    for name, rows in (("train.jsonl", train), ("test.jsonl", test)):
        with (out / name).open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return {"written": len(records), "exact_duplicates": exact_dupes,
            "near_duplicates": len(drop), "train": len(train), "test": len(test), **stats}


def apply_guideline_changes(records: list[dict[str, Any]],
                            changes: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Relabel sentences whose adjudicated labels follow an older rule than the real-text
    guidelines (each change names its rule); the labels they replace stay in ``before_guidelines``."""
    by_id = {c["id"]: c for c in changes}
    out, n = [], 0
    for rec in records:
        c = by_id.get(rec.get("id"))
        if c is None:
            out.append(rec)
            continue
        new = dict(rec)
        new["before_guidelines"] = {"themes": rec.get("themes", []), "problem": bool(rec.get("problem"))}
        new["themes"] = [l for l in LABELS if l in c["themes"]]
        new["problem"] = bool(c["problem"])
        new["guideline_rule"] = c["rule"]
        sub = str(new.get("subtheme") or SUBTHEME_NONE)
        if sub.split("/")[0] not in new["themes"]:
            new["subtheme"] = ("party/organisation" if new["themes"] == ["party"] else
                               SUBTHEME_NONE if not new["themes"] else sub)
        out.append(new)
        n += 1
    return out, n


def _read_plain_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def agreement(records: list[dict[str, Any]], second: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Agreement of the first (writer's) and second (blind) passes: per-label F1 and Cohen's kappa."""
    pairs = [(r, second[sentence_id(r["text"])]) for r in records if sentence_id(r["text"]) in second]

    out: dict[str, Any] = {"n": len(pairs)}
    for l in LABELS:
        a = np.array([l in r.get("themes", []) for r, _ in pairs])
        b = np.array([l in s["themes"] for _, s in pairs])
        out[l] = {"f1": prf(a, b)[2], "kappa": cohen_kappa(a, b)}
    out["macro_f1"] = round(float(np.mean([out[l]["f1"] for l in LABELS])), 4)
    a = np.array([bool(r.get("problem")) for r, _ in pairs])
    b = np.array([bool(s["problem"]) for _, s in pairs])
    out["problem"] = {"f1": prf(a, b)[2], "kappa": cohen_kappa(a, b)}
    out["exact_theme_sets"] = round(float(np.mean([set(r.get("themes", [])) == set(s["themes"]) for r, s in pairs])), 4)
    return out


def sentence_id(text: str) -> str:
    """The stable id of a corpus sentence: the first 12 hex digits of the SHA-1 of its text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def adjudicate(records: list[dict[str, Any]], second: dict[str, dict[str, Any]],
               third: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Final labels by majority over three independent passes.

    Where the writer's labels (first pass) and the blind second pass agree they stand; where they
    differ, a blind third pass decides each label and the problem flag by majority. Returns the
    records and the agreement statistics reported in GUIDELINES.md.
    """
    out = []
    changed = 0
    for rec in records:
        sid = sentence_id(rec["text"])
        first_themes = set(rec.get("themes", []))
        b = second.get(sid)
        if b is None:
            out.append(rec)
            continue
        c = third.get(sid)
        themes, problem = first_themes, bool(rec.get("problem"))
        if c is not None:
            votes = [first_themes, set(b["themes"]), set(c["themes"])]
            themes = {l for l in LABELS if sum(l in v for v in votes) >= 2}
            problem = sum([bool(rec.get("problem")), bool(b["problem"]), bool(c["problem"])]) >= 2
        new = dict(rec)
        new["id"] = sid
        new["themes"] = [l for l in LABELS if l in themes]
        if problem != bool(rec.get("problem")):
            new["problem"] = problem
            new["kind"] = "admission" if problem else ("criticism" if rec.get("kind") == "criticism" else "other")
            new["specificity"] = rec.get("specificity") if problem else None
        sub = str(new.get("subtheme") or "none/other")
        main = sub.split("/")[0]
        if main not in new["themes"] and not (main == "none" and not new["themes"]):
            new["subtheme"] = "none/other" if not new["themes"] else sub
            new["subtheme_checked"] = False
        if new["themes"] != [l for l in LABELS if l in first_themes] or problem != bool(rec.get("problem")):
            changed += 1
            new["first_pass"] = {"themes": [l for l in LABELS if l in first_themes], "problem": bool(rec.get("problem"))}
        out.append(new)
    return out, {"sentences": len(records), "changed_by_adjudication": changed,
                 "third_pass": len(third)}


# -- fitting -------------------------------------------------------------------------------
def _design(clf: Any, texts: Sequence[str], vocabulary: dict[str, int] | None = None):
    from scipy import sparse

    from speechlens.model.features import Vectorizer
    from speechlens.model.themes import _norms

    norms = _norms(texts)
    seg = clf._seg()
    feats = clf.featurize(norms, [seg.cut(t) for t in norms])
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
                   subthemes: list[str] | None, problems: list[bool] | None) -> None:
    """Fit every head of ``clf`` in place (deterministic: the same data gives the same model)."""
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
        p = 1.0 / (1.0 + np.exp(-(oof[:, j] * platt[j, 0] + platt[j, 1])))
        thresholds[j] = best_threshold(p, y) if min(int(y.sum()), int(n - y.sum())) >= 30 else 0.5
        name = LABELS[j] if j < 4 else "problem"
        cv[name] = dict(zip(("precision", "recall", "f1"), prf(y.astype(bool), p >= thresholds[j])))
    cv["macro_f1"] = float(np.mean([cv[l]["f1"] for l in LABELS if l in cv]))
    clf.vocabulary_ = vocab
    clf.idf_ = idf
    clf.classes_ = LABELS
    clf.coef_ = coef[:, :4]
    clf.intercept_ = intercept[:4]
    clf.platt_ = platt[:4]
    clf.thresholds_ = thresholds[:4]
    clf.problem_coef_ = coef[:, 4:5]
    clf.problem_intercept_ = float(intercept[4])
    clf.problem_platt_ = platt[4]
    clf.problem_threshold_ = float(thresholds[4])
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
    clf.subthemes_ = tuple(classes)
    clf.sub_coef_ = np.asarray(sub_coef)
    clf.sub_intercept_ = np.asarray(sub_int)
    clf.info_ = {
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


# -- evaluation ----------------------------------------------------------------------------
def keyword_baseline(texts: Sequence[str]) -> list[tuple[str, ...]]:
    """The plain dictionary baseline: a label when any of its keywords occurs."""
    from speechlens.text.normalization import clean_span, to_simplified

    return [lexicon_hits(clean_span(to_simplified(t))) for t in texts]


def evaluate(clf: Any, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Score ``clf`` on gold records ({"text", "themes", optional "problem"})."""
    texts = [r["text"] for r in records]
    from speechlens.model.themes import _norms

    s = clf.scores(_norms(texts))
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


def train_model(corpus_dir: str | Path, out_dir: str | Path, *, C: float = 8.0,
                min_df: int = 2, cross_part: bool = True, command: str | None = None,
                documents: str | Path | None = None, folds: int = 5) -> dict[str, Any]:
    """Train on CORPUS_DIR/train.jsonl (plus the units of the whole labelled DOCUMENTS, whose
    documents also train the context stage), evaluate, and write the model and its card."""
    from speechlens.text.segmentation import Segmenter
    from speechlens.model.themes import ThemeClassifier

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
        from speechlens.training.context import base_report, cross_part_report, fit_context, out_of_fold
        from speechlens.training.doccorpus import document_agreement, load_documents, unit_rows

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


def _document_sections(card: dict[str, Any]) -> list[str]:
    """MODEL.md sections on the whole-document corpus and the context stage."""
    d, ctx, alone = card["documents"], card["context_cv"], card["sentence_alone_cv"]
    ag = d.get("agreement", {})
    lines = ["## Whole documents and the context stage", "",
             f"`{d['path']}`: {d['n_documents']} documents ({', '.join(f'{g} {n}' for g, n in d['genres'].items())}), "
             f"{d['n_units']} labelled units, {d['n_sentences']} sentences as speechlens splits them; "
             f"SHA-256 `{d['sha256']}`."]
    if ag.get("units"):
        lines += ["", f"Writer vs blind second annotator over {ag['units']} units: theme macro-F1 {ag['macro_f1']:.3f} "
                  f"(" + ", ".join(f"{l} {ag[l]['f1']:.3f}, κ {ag[l]['kappa']:.3f}" for l in LABELS) + f"); problem flag "
                  f"F1 {ag['problem']['f1']:.3f} (κ {ag['problem']['kappa']:.3f}); {ag['disagreements']} units differed and "
                  f"were decided by a blind third pass ({ag['third_pass_units']} units labelled)."]
    lines += ["", f"### Cross-validation over whole documents ({d['folds']} folds by document)", "",
              "Every document scored by a sentence classifier trained without its fold; the context stage "
              "cross-validated over the same folds. *Alone* is the sentence classifier read alone with the "
              "rule-based problem extractor, what the context stage improves on.", "",
              "| | alone | in context |", "|---|---|---|"]
    for l in LABELS:
        lines.append(f"| {l} F1 | {alone['themes'][l]['f1']:.3f} | {ctx['themes'][l]['f1']:.3f} |")
    lines += [f"| **themes macro-F1** | {alone['themes']['macro_f1']:.3f} | **{ctx['themes']['macro_f1']:.3f}** |",
              f"| short headings and items (< 30 characters, n={ctx['short']['n']}) | {alone['short']['macro_f1']:.3f} | {ctx['short']['macro_f1']:.3f} |",
              f"| body sentences (n={ctx['body']['n']}) | {alone['body']['macro_f1']:.3f} | {ctx['body']['macro_f1']:.3f} |"]
    for g, v in ctx["by_genre"].items():
        lines.append(f"| {g} | {alone['by_genre'].get(g, float('nan')):.3f} | {v:.3f} |")
    pa, pc = alone["problem"], ctx["problem"]
    lines += [f"| problems P / R / F1 (not speeches, {pc['support']} admitted) | {pa['precision']:.3f} / {pa['recall']:.3f} / {pa['f1']:.3f} "
              f"| {pc['precision']:.3f} / {pc['recall']:.3f} / {pc['f1']:.3f} |",
              f"| genre detected right | | {ctx['genre_accuracy']:.3f} |", ""]
    if card.get("context_cross_writer"):
        lines += ["### Across writers (the context stage trained without one writer's documents)", "",
                  "| held-out writer | sentences | themes macro-F1 | problems F1 |", "|---|---|---|---|"]
        for part, m in card["context_cross_writer"].items():
            pf = f"{m['problem']['f1']:.3f}" if m["problem"]["support"] else "— (speeches only)"
            lines.append(f"| {part} | {m['themes']['n']} | {m['themes']['macro_f1']:.3f} | {pf} |")
        lines.append("")
    return lines


def write_card(directory: Path, card: dict[str, Any]) -> None:
    """metrics.json (machine-readable) and MODEL.md (for people) beside the weights."""
    (directory / "metrics.json").write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n",
                                            encoding="utf-8")
    notes_path = directory / "NOTES.md"
    notes = notes_path.read_text(encoding="utf-8") if notes_path.is_file() else ""
    lines = [f"# Model card: {card['name']}", "",
             "Theme tagger of speechlens: tags each sentence with `development`, `livelihood`, "
             "`safety`, `party` (zero or more), a sub-theme, and the probability that the sentence, "
             "read alone, is an admitted problem.", "",
             "## How it was trained", "", f"    {card['command']}", "",
             f"- Model: {card['params']['model']}.",
             f"- Features: {card['params']['features']}.",
             f"- C = {card['params']['C']}, min_df = {card['params']['min_df']}, "
             f"{card['info']['n_features']} features.",
             f"- Training data: {card['training_data']['n_train']} sentences "
             f"(`{card['training_data']['train']}`)"
             + (f" and the {card['documents']['n_units']} units of {card['documents']['n_documents']} whole "
                f"documents (`{card['documents']['path']}`)" if "documents" in card else "")
             + f", test split {card['training_data']['n_test']} "
             f"sentences; SHA-256 of train+test files `{card['training_data']['sha256']}`.",
             f"- Versions: Python {card['versions']['python']}, numpy {card['versions']['numpy']}, "
             f"scikit-learn {card['versions']['sklearn']} (training only; inference needs numpy).", ""]

    def table(title: str, m: dict[str, Any]) -> list[str]:
        rows = [f"### {title}", "", "| label | precision | recall | F1 |", "|---|---|---|---|"]
        for l in LABELS:
            if l in m:
                rows.append(f"| {l} | {m[l]['precision']:.3f} | {m[l]['recall']:.3f} | {m[l]['f1']:.3f} |")
        rows.append(f"| **macro-F1** | | | **{m['macro_f1']:.3f}** |")
        if "problem" in m:
            p = m["problem"]
            rows.append(f"| problem (sentence alone) | {p['precision']:.3f} | {p['recall']:.3f} | {p['f1']:.3f} |")
        rows.append("")
        return rows

    lines += ["## Metrics", ""]
    if "test" in card:
        lines += table(f"Frozen test split ({card['test']['n']} sentences)", card["test"])
        if "subtheme_accuracy" in card["test"]:
            lines += [f"Sub-theme accuracy on the test split: {card['test']['subtheme_accuracy']:.3f}", ""]
        lines += table("Keyword-dictionary baseline on the same test split", card["baseline_test"])
    lines += table(f"{card['info']['cv_folds']}-fold cross-validation on the training split "
                   "(thresholds chosen on the same folds, so slightly optimistic)", card["info"]["cv"])
    if "cross_part" in card:
        lines += [f"### Across corpus parts (train on the other parts, test on one: a proxy for text "
                  f"written by someone else)", "", "| held-out part | n | macro-F1 |", "|---|---|---|"]
        for part, m in card["cross_part"].items():
            lines.append(f"| {part} | {m['n']} | {m['macro_f1']:.3f} |")
        lines += [f"| **mean** | | **{card['cross_part_macro_f1']:.3f}** |", ""]
    if "context_cv" in card:
        lines += _document_sections(card)
    if notes:
        lines += [notes.strip(), ""]
    (directory / "MODEL.md").write_text("\n".join(lines), encoding="utf-8")
