"""How comparison and KWIC scale with the number and size of documents: both must stay near-linear.

    python benchmarks/scale.py [--docs 2500 10000 50000] [--kwic-mb 4 16]

Makes small documents (a few sentences written for this benchmark, each its own unit, as
`speechlens analyze` over a folder of single files gives; they differ only in their figures, so
every unit has the same word vector), or with ``--varied`` documents of 8 sentences drawn at
random (seeded by the document's number) from the theme corpus (corpora/themes/parts, 6,803
sentences), so units differ the way short real texts do; analyses them once, then times
``compare`` alone with the process's peak resident memory after it (each size in a fresh process,
so the figure is that size's own); and times ``kwic`` over one long document per size. Prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time

SENTENCES = [
    "全镇新增就业{n}人，开展技能培训{m}人次。",
    "存在的问题：一是村集体经济薄弱，{k}个村经营性收入偏低。",
    "二是安全生产隐患排查不够彻底，整改推进缓慢。",
    "三是理论学习不够深入系统，干部队伍年龄偏大。",
    "下一步，我们要抓好重大项目建设，办好民生实事。",
]


def documents(n: int) -> list[tuple[str, str, dict]]:
    out = []
    for i in range(n):
        text = "".join(s.format(n=100 + i % 700, m=30 + i % 90, k=1 + i % 9) for s in SENTENCES)
        out.append((f"d{i}", text, {"unit": f"第{i}镇"}))
    return out


def varied_documents(n: int) -> list[tuple[str, str, dict]]:
    import json
    import random
    from pathlib import Path

    sents = []
    for p in sorted((Path(__file__).resolve().parents[1] / "corpora" / "themes" / "parts").glob("*.jsonl")):
        sents += [json.loads(line)["text"] for line in p.read_text(encoding="utf-8").splitlines()]
    return [(f"d{i}", "\n".join(random.Random(i).sample(sents, 8)), {"unit": f"第{i}镇"}) for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[2500, 10000])
    ap.add_argument("--kwic-mb", type=float, nargs="+", default=[4, 16])
    ap.add_argument("--varied", action="store_true", help="documents drawn from the theme corpus")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    from speechlens import Analyzer, document_from_text
    from speechlens.comparison.comparison import compare
    from speechlens.comparison.concordance import kwic

    az = Analyzer().load()
    if args.one is not None:  # one size, in this fresh process
        analyses = list(az.pipe((varied_documents if args.varied else documents)(args.one)))
        t = time.perf_counter()
        c = compare(analyses, segmenter=az.segmenter)
        elapsed = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        print(f"| {args.one:,} documents, {len(c.units):,} units | compare | {elapsed:.1f} | {peak:,.0f} MB |")
        return
    print("| input | stage | seconds | peak memory of the process |")
    print("|---|---|---|---|")
    for n in args.docs:
        subprocess.run([sys.executable, __file__, "--one", str(n)] + ["--varied"] * args.varied, check=True)
    for mb in args.kwic_mb:
        block = "".join(s.format(n=1, m=2, k=3) for s in SENTENCES) + "\n"
        doc = document_from_text("一、总体情况\n" + block * int(mb * 1e6 / len(block.encode("utf-8"))))
        t = time.perf_counter()
        hits = kwic([doc], "安全生产")
        print(f"| {mb:g} MB, {len(hits):,} hits | kwic | {time.perf_counter() - t:.1f} | |")


if __name__ == "__main__":
    main()
