"""Adversarial punctuation runs against normal text of the same size: every stage must stay linear.

    python benchmarks/adversarial.py [--mb 1]

Times the sentence splitter alone and the whole analysis (``Analyzer.analyze``) on documents of
``--mb`` and ``--mb / 4`` megabytes made of one repeated pattern (bare full stops, ……
table-of-contents leaders, runs of ”。, enumerations, headings, bare line breaks, hard-wrapped
lines) and on normal text (sentences written for this benchmark) of the same size. Prints, per
pattern, the seconds and two ratios: against normal text (a linear stage keeps this near or below
a small constant) and large against small size (about 4 when linear, about 16 when quadratic).
"""

from __future__ import annotations

import argparse
import time

PATTERNS = {
    "normal text": "我们要抓好安全生产，推进乡村振兴，落实基层党建责任。\n",
    "bare full stops": "。 ",
    "table-of-contents leaders": "……",
    "quote-stop runs": "”。",
    "mixed terminators": "。”……！？；",
    "enumeration items": "一是，",
    "empty headings": "一、\n",
    "bare line breaks": "\n",
    "hard-wrapped lines": "这是一行很长的没有结尾标点的文字内容而且继续\n",
}


def text_of(pattern: str, mb: float) -> str:
    """``pattern`` repeated to about ``mb`` megabytes of UTF-8."""
    return pattern * max(1, int(mb * 1e6 / len(pattern.encode("utf-8"))))


def best_of(fn, repeats: int = 2) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=1.0, help="size of the larger document (MB of UTF-8)")
    args = ap.parse_args()

    from speechlens import Analyzer, document_from_text
    from speechlens.text.structure import sentence_table

    az = Analyzer().load()
    az.analyze(document_from_text(text_of(PATTERNS["normal text"], args.mb / 4)))  # warm-up
    rows = []
    base: dict[str, float] = {}
    for name, pattern in PATTERNS.items():
        small, large = text_of(pattern, args.mb / 4), text_of(pattern, args.mb)
        split = best_of(lambda: sentence_table(large))
        split_small = best_of(lambda: sentence_table(small))
        whole = best_of(lambda: az.analyze(document_from_text(large)), repeats=1)
        whole_small = best_of(lambda: az.analyze(document_from_text(small)), repeats=1)
        if not base:
            base = {"split": split, "whole": whole}
        rows.append((name, split, split / base["split"], split / split_small,
                     whole, whole / base["whole"], whole / whole_small))
    print(f"| pattern ({args.mb:g} MB) | split s | vs normal | {args.mb:g} MB / {args.mb / 4:g} MB "
          "| analysis s | vs normal | size ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, s, sr, sg, w, wr, wg in rows:
        print(f"| {name} | {s:.3f} | {sr:.2f}x | {sg:.1f} | {w:.2f} | {wr:.2f}x | {wg:.1f} |")


if __name__ == "__main__":
    main()
