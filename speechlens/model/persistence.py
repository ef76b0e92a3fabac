"""Saving and loading models as JSON + .npz (never pickle); the only module that knows where
models live. A model directory holds model.json, weights.npz, metrics.json and MODEL.md."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from speechlens.errors import ModelError
from speechlens.model.model_check import check_arrays, check_meta
from speechlens.model.card import write_card
from speechlens.model.context import ContextModel, EVIDENCE

FORMAT = "speechlens-theme-model"
FORMAT_VERSION = 1
DEFAULT_MODEL = "themes-v6"
_ARRAYS = ("idf_", "coef_", "intercept_", "platt_", "thresholds_", "sub_coef_",
           "sub_intercept_", "problem_coef_", "problem_platt_")


# In a source checkout the shipped models sit in top-level models/, beside the package folder
# (setup.cfg installs that folder as the package speechlens.models).
CHECKOUT_MODELS = Path(__file__).resolve().parents[2] / "models"


def shipped_models() -> Any:
    """The folder of shipped models: the package ``speechlens.models`` when installed, else
    ``models/`` beside the package in a source checkout (the checkout root, a notebook there)."""
    try:
        return resources.files("speechlens.models")
    except ModuleNotFoundError:
        pass
    if (CHECKOUT_MODELS / DEFAULT_MODEL).is_dir():
        return CHECKOUT_MODELS
    raise ModelError(
        "the shipped model is missing: the package speechlens.models is not installed and there is "
        f"no {CHECKOUT_MODELS / DEFAULT_MODEL}; reinstall speechlens, or pass --model DIR / set "
        "SPEECHLENS_MODEL"
    )


def default_model_dir() -> Any:
    """``$SPEECHLENS_MODEL`` if set, else the shipped model (see ``shipped_models``)."""
    env = os.environ.get("SPEECHLENS_MODEL")
    if env:
        return Path(env)
    return shipped_models().joinpath(DEFAULT_MODEL)


def save_model(clf: Any, directory: str | os.PathLike[str], *, card: dict[str, Any] | None = None) -> None:
    clf.check_fitted()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    vocab = sorted(clf.vocabulary_, key=clf.vocabulary_.__getitem__)
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "classes": list(clf.classes_),
        "subthemes": list(clf.subthemes_),
        "params": {k: getattr(clf, k) for k in ("C", "min_df", "char_ngrams", "word_pairs",
                                                 "use_lexicon", "cv_folds")},
        "problem_intercept": float(clf.problem_intercept_),
        "problem_threshold": float(clf.problem_threshold_),
        "info": clf.info_,
        "vocabulary": vocab,
    }
    (out / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=0), encoding="utf-8")
    arrays = {k: np.asarray(getattr(clf, k), dtype=np.float32 if k.endswith("coef_") else np.float64)
              for k in _ARRAYS}
    np.savez(out / "weights.npz", **arrays)  # uncompressed: loads in a tenth of the time
    context = getattr(clf, "context_", None)
    if context is not None:
        (out / "context.json").write_text(json.dumps(context.to_json(), ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    if card is not None:
        write_card(out, card)


def load_model(cls: Any, directory: str | os.PathLike[str] | None, *, segmenter: Any = None) -> Any:
    src = default_model_dir() if directory is None else Path(directory)
    try:
        meta_text = src.joinpath("model.json").read_text(encoding="utf-8")
        with src.joinpath("weights.npz").open("rb") as fh:
            with np.load(fh, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        raise ModelError(
            f"{src}: no model there (needs model.json and weights.npz); train one with "
            "`speechlens train CORPUS_DIR -o DIR` or unset SPEECHLENS_MODEL"
        ) from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{src}: model files are damaged ({exc})") from None
    try:
        meta = json.loads(meta_text)
    except json.JSONDecodeError as exc:
        raise ModelError(f"{src}/model.json is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{src}: not a {FORMAT} v{FORMAT_VERSION} model")
    missing = [k for k in _ARRAYS if k not in arrays]
    if missing:
        raise ModelError(f"{src}/weights.npz lacks {', '.join(missing)}")
    check_meta(src, meta)
    check_arrays(src, meta, arrays)
    params = meta["params"]
    clf = cls(segmenter=segmenter, **params)
    clf.classes_ = tuple(meta["classes"])
    clf.subthemes_ = tuple(meta["subthemes"])
    clf.vocabulary_ = {f: i for i, f in enumerate(meta["vocabulary"])}
    for k in _ARRAYS:
        setattr(clf, k, arrays[k])
    clf.problem_intercept_ = float(meta["problem_intercept"])
    clf.problem_threshold_ = float(meta["problem_threshold"])
    clf.info_ = dict(meta.get("info", {}), source=str(src), name=Path(str(src)).name)
    clf.context_ = _load_context(src)
    n = len(clf.vocabulary_)
    if clf.coef_.shape != (n, len(clf.classes_)) or clf.sub_coef_.shape[0] != n:
        raise ModelError(f"{src}: weights do not match the vocabulary ({clf.coef_.shape} vs {n})")
    return clf


def _load_context(src: Any) -> Any:
    """The context stage of a model directory (None for a model trained without one)."""
    path = src.joinpath("context.json")
    if not path.is_file():
        return None
    try:
        return ContextModel.from_json(json.loads(path.read_text(encoding="utf-8")), n_evidence=len(EVIDENCE))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{src}/context.json is not a valid context model ({exc})") from None
