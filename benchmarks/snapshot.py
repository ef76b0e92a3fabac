"""Write every Analysis.to_dict() of a fixed document set, to check that a speed-up changed nothing.

    python benchmarks/snapshot.py before.jsonl [--backend jieba]
    ... change the code, reinstall ...
    python benchmarks/snapshot.py after.jsonl && cmp before.jsonl after.jsonl

The set: the distinct documents of a 1 MB benchmark corpus (see run.py) and every document of
corpora/demo, corpora/problems/heldout and corpora/problems/fresh; each analysed alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--backend", default=None)
    args = ap.parse_args()

    from run import corpus_text

    from speechlens import Analyzer, read_document

    seen, texts = set(), []
    for d in corpus_text(1.0):
        h = hashlib.sha1(d.encode("utf-8")).hexdigest()
        if h not in seen:
            seen.add(h)
            texts.append(d)
    paths = sorted(p for folder in ("corpora/demo", "corpora/problems/heldout", "corpora/problems/fresh")
                   for p in (ROOT / folder).iterdir() if p.suffix in (".txt", ".docx"))
    az = Analyzer(backend=args.backend)
    with open(args.output, "w", encoding="utf-8") as out:
        for doc in [*texts, *(read_document(p) for p in paths)]:
            out.write(json.dumps(az.analyze(doc).to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(texts) + len(paths)} documents -> {args.output}")


if __name__ == "__main__":
    main()
