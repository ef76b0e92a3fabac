"""Theme shares of the paragraph under each numbered heading (一、二、三、…) of the shared seed
review speech, to check that each part is dominated by its own theme.

    python benchmarks/seed.py [--model DIR] [--seed ../shared/seed/review-meeting-speech.txt]

The seed speech is read at run time from beside the checkout; nothing of it is kept here.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "review-meeting-speech.txt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="a model directory (default: the shipped model)")
    ap.add_argument("--seed", default=str(SEED), help="the seed speech")
    args = ap.parse_args()
    path = Path(args.seed)
    if not path.is_file():
        sys.exit(f"no seed speech at {path}")
    from speechlens import Analyzer, Document

    text = path.read_text(encoding="utf-8")
    analysis = Analyzer(model=args.model).analyze(Document(text=text, id="seed"))
    print("| part | sentences | theme shares |\n|---|---|---|")
    for m in re.finditer(r"^([一二三四五六七八九十])、.*\n(.*)\n", text, re.M):
        under = [t for t in analysis.sentences if m.start() <= t.sentence.start < m.end()]
        counts = Counter(label for t in under for label in t.themes)
        shares = ", ".join(f"{label} {n / len(under):.2f}" for label, n in counts.most_common())
        print(f"| {m.group(1)} | {len(under)} | {shares} |")


if __name__ == "__main__":
    main()
