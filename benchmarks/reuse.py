"""Text reuse: quality on corpora/reuse, and time and peak memory over a large synthetic archive.

    python benchmarks/reuse.py                 # precision/recall on corpora/reuse (and the demo pairs)
    python benchmarks/reuse.py --scale 10000   # + an archive of 10,000 documents of ~3,000 characters

The synthetic archive is built from the project's own labelled sentences (corpora/themes): each
document takes 70 of them at random (so every sentence recurs across many units: stock
phrasing), 18 sentences of its own (a pool sentence with its characters shuffled: text no other
document has), and one in ten copies three of an earlier document's own sentences. Documents
belong to 500 units over 20 years. The archive is written as JSONL and run through
``speechlens.batch.reuse_archive.reuse_archive`` (what ``speechlens batch --reuse`` calls) in a fresh
process, whose peak resident memory (VmHWM) is read at the end.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quality() -> None:
    import speechlens
    from speechlens.comparison.reuse_evaluation import evaluate_reuse

    t = time.perf_counter()
    m = evaluate_reuse(ROOT / "corpora" / "reuse")
    secs = time.perf_counter() - t
    print("| measure | result |\n|---|---|")
    print(f"| corpus | {m['documents']} documents, {m['gold_pairs']} gold pairs, {m['independent_pairs']} independent pairs |")
    for k in ("pairs", "spans", "stock"):
        v = m[k]
        print(f"| {k}: precision / recall / F1 | {v['precision']:.3f} / {v['recall']:.3f} / {v['f1']:.3f} |")
    print(f"| direction of pairs with different years | {m['direction']['right']} of {m['direction']['directed_pairs_found']} right |")
    print(f"| independent pairs flagged | {m['independent_pairs_flagged']} of {m['independent_pairs']} |")
    print(f"| time | {secs:.2f} s |")
    demo = speechlens.reuse(sorted(str(p) for p in (ROOT / "corpora" / "demo").glob("*.txt")))
    for unit in ("白沙镇", "东湖街道"):
        pair = [p for p in demo.pairs if {p.a, p.b} == {f"2022-{unit}-述职报告", f"2023-{unit}-述职报告"}]
        found = f"found, {pair[0].source} → {pair[0].target}, {len(pair[0].passages)} passage(s)" if pair else "not found"
        print(f"| demo: {unit} 2022 → 2023 | {found} |")


def synthetic(path: Path, n_docs: int, seed: int = 7) -> tuple[int, set[frozenset]]:
    """Write the archive; return its characters and the planted pairs (documents sharing a copied sentence)."""
    rnd = random.Random(seed)
    pool = [json.loads(x)["text"] for x in (ROOT / "corpora" / "themes" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    pool = [s for s in pool if len(s) >= 12]
    own_of: list[list[str]] = []
    origin_of: list[list[tuple[int, int]]] = []
    holders: dict[tuple[int, int], set[int]] = {}
    chars = 0
    with path.open("w", encoding="utf-8") as f:
        for i in range(n_docs):
            sents = rnd.sample(pool, 70)
            own = []
            origin = [(i, k) for k in range(18)]
            for _ in range(18):
                cs = list(rnd.choice(pool))
                rnd.shuffle(cs)
                own.append("".join(cs).replace("。", "") + "。")
            if i > 0 and rnd.random() < 0.1:
                j = rnd.randrange(max(0, i - 2000), i)
                own[:3], origin[:3] = own_of[j][:3], origin_of[j][:3]
            own_of.append(own)
            origin_of.append(origin)
            for o in origin[:3]:
                holders.setdefault(o, set()).add(i)
            sents += own
            rnd.shuffle(sents)
            text = "".join(s if s.endswith(("。", "！", "？", "；")) else s + "。" for s in sents)
            chars += len(text)
            f.write(json.dumps({"id": f"d{i}", "text": text, "unit": f"u{i % 500}", "year": 2000 + i // 500},
                               ensure_ascii=False) + "\n")
    planted = {frozenset((f"d{x}", f"d{y}")) for hs in holders.values() for x in hs for y in hs if x < y}
    return chars, planted


RUN = """
import sys, time, json
from speechlens.batch.reuse_archive import reuse_archive
t = time.perf_counter()
r, path = reuse_archive([sys.argv[1]], sys.argv[2])
secs = time.perf_counter() - t
hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]
print(json.dumps({"seconds": secs, "pairs": [[p.a, p.b] for p in r.pairs], "passages": sum(len(p.passages) for p in r.pairs),
                  "peak_kb": int(hwm), "stock": sum(d.boilerplate_share for d in r.documents) / len(r.documents)}))
"""


def scale(n_docs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "archive.jsonl"
        chars, planted = synthetic(src, n_docs)
        out = subprocess.run([sys.executable, "-c", RUN, str(src), str(Path(tmp) / "run.csv")],
                             capture_output=True, text=True, check=True)
        m = json.loads(out.stdout)
    print(f"| archive | {n_docs:,} documents, {chars:,} characters ({chars / n_docs:,.0f} a document) |")
    print(f"| reuse_archive (= batch --reuse), 1 process | {m['seconds']:.0f} s ({n_docs / m['seconds']:.0f} documents/s), "
          f"peak memory {m['peak_kb'] / 1024:.0f} MB |")
    found = {frozenset(x) for x in m["pairs"]}
    hit = len(found & planted)
    print(f"| found | {len(found):,} pairs, {m['passages']:,} passages; mean stock share {m['stock']:.1%} |")
    print(f"| against the {len(planted):,} planted pairs | precision {hit / max(len(found), 1):.3f}, "
          f"recall {hit / max(len(planted), 1):.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=int, nargs="*", default=[], help="also time archives of these sizes")
    args = ap.parse_args()
    quality()
    for n in args.scale:
        scale(n)


if __name__ == "__main__":
    main()
