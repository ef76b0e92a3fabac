"""Real-text quality: themes and admitted problems on documents written by others.

Reads a folder laid out like ``../shared/realdev`` (docs/, manifest.jsonl, gold.jsonl and its
score.py, whose sentence mapping and gold loading it uses, so the figures equal score.py's) and
prints, for each model compared and the keyword floor: theme macro-F1 and per label, by genre,
by kind of sentence (short headings and list items, body sentences of reports, speeches), and
admitted-problem precision / recall / F1 over the documents that are not speeches.

usage: python benchmarks/realtext.py [--real ../shared/realdev] [--model DIR ...] [--json]

Without ``--model`` it compares the shipped model with ``models/themes-v1`` when that folder is
present. The real documents are for measuring only: never copy them into the project.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
ITEM = re.compile(r"^\s*([一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十0-9]+[)）]|[0-9]+[、.．]|[⒈-⒛①-⑳]|[一二三四五六七八九十]是)")


def _instrument(real: Path) -> Any:
    sys.path.insert(0, str(real))
    return importlib.import_module("score")


def _predictor(model: str | None) -> Callable[[str], dict[str, Any]]:
    from speechlens import Analyzer

    analyzer = Analyzer(model=model) if model else Analyzer()
    return lambda text: analyzer.analyze(text).to_dict()


def measure(real: Path, predict: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """Every figure for one predictor (text -> Analysis.to_dict()-like dict)."""
    sc = _instrument(real)
    docs = {p.stem: p.read_text(encoding="utf-8") for p in sorted((real / "docs").glob("*.txt"))}
    genres = {r["id"]: r["genre"] for r in map(json.loads, open(real / "manifest.jsonl", encoding="utf-8"))}
    gold = sc.load_gold(real, docs)
    preds = {k: predict(v) for k, v in docs.items()}
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: {l: [0, 0, 0] for l in sc.LABELS})
    sizes: dict[str, int] = defaultdict(int)
    problem = [0, 0, 0]
    for g in gold:
        sents, pspans = sc.predicted_spans(preds[g["id"]])
        got: set[str] = set()
        for span, themes, _ in sents:
            if sc.covered((g["start"], g["end"]), [span]):
                got |= themes
        want = set(g["themes"])
        genre = genres[g["id"]]
        kind = ("items" if ITEM.match(g["text"]) and len(g["text"]) < 30
                else "speech" if genre == "speech" else "body")
        for key in ("all", "kind:" + kind, "genre:" + genre):
            sizes[key] += 1
            for l in sc.LABELS:
                c = counts[key][l]
                c[0] += l in got and l in want
                c[1] += l in got and l not in want
                c[2] += l in want and l not in got
        if genre != "speech":
            is_pred = bool(sc.covered((g["start"], g["end"]), pspans))
            problem[0] += is_pred and g["problem"]
            problem[1] += is_pred and not g["problem"]
            problem[2] += g["problem"] and not is_pred
    out: dict[str, Any] = {}
    for key, c in counts.items():
        f1 = {l: sc.prf(*c[l])[2] for l in sc.LABELS}
        out[key] = {"macro_f1": round(sum(f1.values()) / len(f1), 4), "n": sizes[key],
                    **{l: round(v, 4) for l, v in f1.items()}}
    p, r, f = sc.prf(*problem)
    out["problems"] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--real", default=str(ROOT.parent / "shared" / "realdev"))
    ap.add_argument("--model", action="append", help="a model directory (repeat to compare)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    a = ap.parse_args()
    real = Path(a.real)
    if not (real / "gold.jsonl").is_file():
        sys.exit(f"{real}: no real-text set there (docs/, manifest.jsonl, gold.jsonl); pass --real DIR")
    models = a.model or [None] + ([str(ROOT / "models" / "themes-v1")] if (ROOT / "models" / "themes-v1").is_dir() else [])
    results: dict[str, Any] = {}
    for m in models:
        results[Path(m).name if m else "shipped"] = measure(real, _predictor(m))
    baselines = importlib.import_module("baselines")
    results["keywords"] = measure(real, baselines.keywords)
    if a.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return
    labels = ("development", "livelihood", "safety", "party")
    print("| predictor | themes macro-F1 | dev | liv | saf | party | items | body | speech | problems P / R / F1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        a_ = r["all"]
        k = {x: r.get("kind:" + x, {}).get("macro_f1", float("nan")) for x in ("items", "body", "speech")}
        p = r["problems"]
        print(f"| {name} | {a_['macro_f1']:.3f} | " + " | ".join(f"{a_[l]:.2f}" for l in labels)
              + f" | {k['items']:.3f} | {k['body']:.3f} | {k['speech']:.3f} | "
              f"{p['precision']:.3f} / {p['recall']:.3f} / {p['f1']:.3f} |")
    print()
    genres = sorted({k[6:] for r in results.values() for k in r if k.startswith("genre:")})
    print("| predictor | " + " | ".join(f"{g} (n={results['keywords']['genre:' + g]['n']})" for g in genres) + " |")
    print("|---|" + "---|" * len(genres))
    for name, r in results.items():
        print(f"| {name} | " + " | ".join(f"{r['genre:' + g]['macro_f1']:.3f}" for g in genres) + " |")


if __name__ == "__main__":
    main()
