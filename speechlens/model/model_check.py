"""Checks a theme model's files at load time, so that a damaged or hand-edited model fails once,
in one line naming the model and what is wrong, instead of failing every document (wrong shapes)
or giving silently wrong output (inf/NaN weights)."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from speechlens.errors import ModelError

# model.json: key -> (what it must be, check)
_PARAMS = {
    "C": ("a positive number", lambda v: _number(v) and v > 0),
    "min_df": ("a whole number of at least 1", lambda v: _whole(v) and v >= 1),
    "char_ngrams": ("a whole number from 0 to 3", lambda v: _whole(v) and 0 <= v <= 3),
    "word_pairs": ("true or false", lambda v: isinstance(v, bool)),
    "use_lexicon": ("true or false", lambda v: isinstance(v, bool)),
    "cv_folds": ("a whole number", lambda v: _whole(v) and v >= 0),
}


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _names(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) and x for x in v) and len(set(v)) == len(v)


_META = {
    "classes": ("a list of distinct label names", lambda v: _names(v) and len(v) > 0),
    "subthemes": ("a list of distinct sub-theme names", lambda v: _names(v) and len(v) > 0),
    "params": ("an object", lambda v: isinstance(v, dict)),
    "problem_intercept": ("a finite number", _number),
    "problem_threshold": ("a number from 0 to 1", lambda v: _number(v) and 0 <= v <= 1),
    "vocabulary": ("a list of distinct features", lambda v: _names(v) and len(v) > 0),
}


def check_meta(src: Any, meta: Any) -> None:
    """model.json holds every key with the right type, and ``params`` exactly the known ones."""
    where = f"{src}/model.json"
    if not isinstance(meta, dict):
        raise ModelError(f"{where}: not a JSON object")
    for key, (what, ok) in _META.items():
        if key not in meta:
            raise ModelError(f"{where}: lacks {key!r}; retrain the model or restore the file")
        if not ok(meta[key]):
            raise ModelError(f"{where}: {key!r} must be {what}")
    if "info" in meta and not isinstance(meta["info"], dict):
        raise ModelError(f"{where}: 'info' must be an object")
    params: Mapping[str, Any] = meta["params"]
    unknown = sorted(set(params) - set(_PARAMS))
    if unknown:
        raise ModelError(f"{where}: unknown params {', '.join(map(repr, unknown))}")
    for key, (what, ok) in _PARAMS.items():
        if key not in params:
            raise ModelError(f"{where}: params lacks {key!r}")
        if not ok(params[key]):
            raise ModelError(f"{where}: params {key!r} must be {what}")


def check_arrays(src: Any, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    """weights.npz holds float arrays of the shapes model.json implies, with no inf or NaN."""
    n, k, s = len(meta["vocabulary"]), len(meta["classes"]), len(meta["subthemes"])
    shapes = {"idf_": (n,), "coef_": (n, k), "intercept_": (k,), "platt_": (k, 2), "thresholds_": (k,),
              "sub_coef_": (n, s), "sub_intercept_": (s,), "problem_coef_": (n, 1), "problem_platt_": (2,)}
    for key, shape in shapes.items():
        a = arrays[key]
        if not np.issubdtype(a.dtype, np.floating):
            raise ModelError(f"{src}/weights.npz: {key} holds {a.dtype}, not floating-point numbers")
        if a.shape != shape:
            raise ModelError(f"{src}/weights.npz: {key} has shape {a.shape}, the model needs {shape} "
                             f"({n} features, {k} labels, {s} sub-themes)")
        if not np.isfinite(a).all():
            raise ModelError(f"{src}/weights.npz: {key} holds inf or NaN; retrain the model or restore the file")
