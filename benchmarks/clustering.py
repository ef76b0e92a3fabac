"""Time and peak memory of grouping admissions into shared problems, at 10,000 and 50,000.

    python benchmarks/clustering.py [--sizes 10000 50000]

Two kinds of input, built from the demo corpus's admissions:

- copies: the admissions repeated until the size is reached (as a corpus copied many times);
- distinct: the same, but each copy drops a random fifth of each admission's features, so no two
  rows are equal and similarities within a group spread out (the harder case: no row is shared
  and components are large).

Each measure runs in a fresh process and reports the wall time of ``vectorize`` +
``average_linkage`` and the process's peak resident memory (VmHWM). With ``--compare`` the whole
``compare()`` over copied documents is timed too (it also segments every sentence for keyness).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _demo():
    sys.path.insert(0, str(ROOT))
    from speechlens import Analyzer
    from speechlens.pipeline.analysis import analyze_paths

    return [a for a in analyze_paths([ROOT / "corpora" / "demo"], Analyzer()) if a.genre != "speech"]


def run_one(kind: str, size: int) -> dict:
    import random

    from speechlens.comparison.clustering import average_linkage, vectorize
    from speechlens.comparison.comparison import GROUP_THRESHOLD, SUBTHEME_WEIGHT, admission_features
    from speechlens.text.names import statistics_words
    from speechlens.resources import stopwords
    from speechlens.text.segmentation import default_segmenter

    reports = _demo()
    seg = default_segmenter()
    stop = stopwords()

    def words(text):
        return statistics_words(seg, text, stop)

    base = [(x, admission_features(x.text, words)) for a in reports for x in a.admissions]
    rng = random.Random(0)
    feats, subs, keys, same = [], [], [], []
    for i in range(size):
        x, f = base[i % len(base)]
        copy = i // len(base)
        if kind == "distinct":
            f = type(f)({t: c for t, c in f.items() if rng.random() >= 0.2} or f)
            same.append(i)
        else:
            same.append((x.text, x.subtheme))
        feats.append(f)
        subs.append(x.subtheme)
        keys.append((x.text, copy, x.start))
    t0 = time.perf_counter()
    vecs, _ = vectorize(feats, subs, SUBTHEME_WEIGHT)
    groups = average_linkage(vecs, GROUP_THRESHOLD, keys=keys, same=same)
    seconds = time.perf_counter() - t0
    sizes = sorted((len(g) for g in groups), reverse=True)
    return {"kind": kind, "admissions": size, "seconds": round(seconds, 2), "peak_mb": round(_peak_mb()),
            "groups": len(groups), "largest": sizes[0], "groups_of_2_or_more": sum(s > 1 for s in sizes)}


def run_compare(size: int) -> dict:
    import dataclasses

    from speechlens import compare

    reports = _demo()
    per_copy = sum(len(a.admissions) for a in reports)
    k = -(-size // per_copy)
    docs = [dataclasses.replace(a, document=dataclasses.replace(a.document, id=f"{a.document.id}-{n}"))
            for n in range(k) for a in reports]
    t0 = time.perf_counter()
    c = compare(docs)
    seconds = time.perf_counter() - t0
    return {"kind": "compare() over copied documents", "admissions": k * per_copy, "seconds": round(seconds, 2),
            "peak_mb": round(_peak_mb()), "groups": len(c.shared_problems)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    ap.add_argument("--compare", action="store_true", help="also time compare() at the first size")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        kind, size = args.one
        out = run_compare(int(size)) if kind == "compare" else run_one(kind, int(size))
        print(json.dumps(out))
        return
    jobs = [(k, s) for s in args.sizes for k in ("copies", "distinct")]
    if args.compare:
        jobs.append(("compare", args.sizes[0]))
    print("| input | admissions | seconds | peak MB | groups | largest | groups of 2+ |")
    print("|---|---|---|---|---|---|---|")
    for kind, size in jobs:
        r = json.loads(subprocess.run([sys.executable, __file__, "--one", kind, str(size)], check=True,
                                      capture_output=True, text=True, cwd=ROOT).stdout.strip().splitlines()[-1])
        print(f"| {r['kind']} | {r['admissions']:,} | {r['seconds']} | {r['peak_mb']} | {r['groups']} | "
              f"{r.get('largest', '')} | {r.get('groups_of_2_or_more', '')} |")


if __name__ == "__main__":
    main()
