"""Throughput on real-sized documents (400-4,000 characters), each analysed alone.

    python benchmarks/realsized.py [--passes 3] [--jobs 2]

The mix: every document of 400-4,000 characters in the team's corpora (corpora/demo,
corpora/problems/*, the whole documents of corpora/documents/parts/*.jsonl joined as text) and,
when they are present at run time, ../shared/seed and ../shared/realdev/docs (read here only,
never copied into the repository). Each distinct document once. Raw ``jieba.lcut`` and
``Analyzer.analyze`` on each backend are timed in alternation document by document, over
``--passes`` passes, with the jieba backend's run memory off (so a later pass cannot read an
earlier pass's answers); after each pass, the mix once more through ``pipe`` (one job: the
batch path, where the context stage runs over a whole batch), against the same raw time. Also:
the per-document fixed cost (``Analyzer.analyze`` on an
8-character text, median) and ``pipe(jobs=N)`` from a freshly loaded Analyzer (as
``analyze_many`` and ``speechlens batch`` start) against one job over the mix (in alternation,
median of 3). Prints a Markdown table with the targets beside the measures. ``run.py`` calls
``measure`` and prints the same rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MIN_CHARS, MAX_CHARS = 400, 4000

TARGETS = {"rjieba": 3.0, "jieba": 0.85}
FIXED_COST_MS = 0.1
JOBS_SPEEDUP = 1.8


def real_sized_docs(shared: Path | None = SHARED) -> tuple[list[str], dict[str, int]]:
    """The distinct documents of 400-4,000 characters, and how many came from each source."""
    from speechlens import read_document

    sources: dict[str, list[str]] = {}
    folders = [("demo", ROOT / "corpora" / "demo")]
    folders += [(f"problems/{p.name}", p) for p in sorted((ROOT / "corpora" / "problems").iterdir()) if p.is_dir()]
    if shared is not None:
        folders += [("shared/seed", shared / "seed"), ("shared/realdev", shared / "realdev" / "docs")]
    for name, folder in folders:
        if folder.is_dir():
            sources[name] = [read_document(p).text for p in sorted(folder.iterdir())
                             if p.suffix in (".txt", ".docx")]
    whole = []
    for p in sorted((ROOT / "corpora" / "documents" / "parts").glob("*.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            whole.append("".join(s["text"] + s["sep"] for s in d["sentences"]))
    sources["documents"] = whole
    seen: set[str] = set()
    docs, counts = [], {}
    for name, texts in sources.items():
        k = 0
        for t in texts:
            h = hashlib.sha1(t.encode("utf-8")).hexdigest()
            if MIN_CHARS <= len(t) <= MAX_CHARS and h not in seen:
                seen.add(h)
                docs.append(t)
                k += 1
        counts[name] = k
    return docs, counts


def fixed_cost_ms(az, runs: int = 2000) -> float:
    """Median milliseconds of ``az.analyze`` on an 8-character text (batches of 100 calls)."""
    text = "全镇招商引资签约。"[:8]
    for _ in range(50):
        az.analyze(text)
    per = []
    for _ in range(runs // 100):
        t = time.perf_counter()
        for _ in range(100):
            az.analyze(text)
        per.append((time.perf_counter() - t) / 100)
    return statistics.median(per) * 1e3


def measure(passes: int = 3, jobs: int = 2, backends: tuple[str, ...] = ("jieba", "rjieba"),
            shared: Path | None = SHARED) -> list[tuple[str, str, str]]:
    """Rows (measure, result, target) for the real-sized mix."""
    import jieba

    import speechlens
    import speechlens.text.segmentation
    from speechlens import Analyzer

    docs, counts = real_sized_docs(shared)
    chars = sum(map(len, docs))
    rows = [("real-sized mix", f"{len(docs)} distinct documents of {MIN_CHARS:,}-{MAX_CHARS:,} characters, "
             f"{chars:,} characters (" + ", ".join(f"{k} {v}" for k, v in counts.items() if v) + ")", "")]
    cache_size = speechlens.text.segmentation.BLOCK_CACHE_SIZE
    speechlens.text.segmentation.BLOCK_CACHE_SIZE = 0  # the jieba backend's run memory off
    try:
        jieba.setLogLevel(60)
        jieba.lcut("预热")
        analyzers = {}
        for b in backends:
            try:
                az = Analyzer(backend=b).load()
                az.analyze("预热。")
            except speechlens.SpeechlensError:
                continue
            analyzers[b] = az
        spent = dict.fromkeys(["raw", *analyzers], 0.0)
        piped = dict.fromkeys(analyzers, 0.0)
        for _ in range(passes):
            for d in docs:
                t0 = time.perf_counter()
                jieba.lcut(d)
                spent["raw"] += time.perf_counter() - t0
                for b, az in analyzers.items():
                    t0 = time.perf_counter()
                    az.analyze(d)
                    spent[b] += time.perf_counter() - t0
            for b, az in analyzers.items():  # the same documents through pipe, after each pass
                t0 = time.perf_counter()
                for _r in az.pipe(docs):
                    pass
                piped[b] += time.perf_counter() - t0
        total = chars * passes
        rows.append(("raw jieba.lcut, real-sized mix", f"{total / spent['raw'] / 1e6:.2f} M chars/s", ""))
        for b in analyzers:
            ratio = spent["raw"] / spent[b]
            rows.append((f"speechlens {b}, real-sized mix, analyze one document at a time "
                         f"(in alternation with raw jieba, {passes} passes)",
                         f"{total / spent[b] / 1e6:.2f} M chars/s ({ratio:.2f}x raw jieba)",
                         f">= {TARGETS[b]}x: {'met' if ratio >= TARGETS[b] else 'not met'}"))
        for b in analyzers:
            ratio = spent["raw"] / piped[b]
            rows.append((f"speechlens {b}, real-sized mix, pipe (one job, batches; after each pass of raw jieba)",
                         f"{total / piped[b] / 1e6:.2f} M chars/s ({ratio:.2f}x raw jieba)",
                         f">= {TARGETS[b]}x: {'met' if ratio >= TARGETS[b] else 'not met'}"))
        for b, az in analyzers.items():
            ms = fixed_cost_ms(az)
            rows.append((f"per-document fixed cost, {b} (analyze on an 8-character text, median)",
                         f"{ms:.3f} ms", f"<= {FIXED_COST_MS} ms: {'met' if ms <= FIXED_COST_MS else 'not met'}"))
        if jobs > 1:
            rows_in = [(str(i), d, {}) for i, d in enumerate(docs)] * 4  # long enough to fill the workers
            for b, az in analyzers.items():
                times: dict[int, list[float]] = {1: [], jobs: []}
                for _ in range(3):
                    for j in (1, jobs):
                        # The workers' parent is a freshly loaded Analyzer, as in analyze_many or
                        # speechlens batch (its loading is not timed); one job runs in the warm one.
                        runner = az if j == 1 else Analyzer(backend=b).load()
                        t = time.perf_counter()
                        for _r in runner.pipe(rows_in, jobs=j):
                            pass
                        times[j].append(time.perf_counter() - t)
                sp = statistics.median(a / c for a, c in zip(times[1], times[jobs]))
                rows.append((f"pipe(jobs={jobs}) from a freshly loaded Analyzer vs one job, {b}, real-sized "
                             f"mix x4 (in alternation, median of 3)", f"{sp:.2f}x",
                             f">= {JOBS_SPEEDUP}x: {'met' if sp >= JOBS_SPEEDUP else 'not met'}"))
    finally:
        speechlens.text.segmentation.BLOCK_CACHE_SIZE = cache_size
    return rows


def print_rows(rows: list[tuple[str, str, str]]) -> None:
    print("| measure | result | target |")
    print("|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--backend", action="append", help="jieba and/or rjieba (default: both)")
    ap.add_argument("--no-shared", action="store_true", help="leave out ../shared even when present")
    args = ap.parse_args()
    rows = measure(args.passes, args.jobs, tuple(args.backend or ("jieba", "rjieba")),
                   None if args.no_shared else SHARED)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")
    print_rows(rows)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
