"""The sentence corpus: JSONL records, the frozen train/test split, guideline changes, the second
annotation pass's agreement and adjudication."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from speechlens.errors import SpeechlensError
from speechlens.labels import LABELS
from speechlens.model.fitting import SUBTHEME_NONE
from speechlens.model.metrics import cohen_kappa, prf


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
