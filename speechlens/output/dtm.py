"""A document-term matrix for R (quanteda's ``dfm``), scikit-learn or anything else.

Rows are documents, columns words as the comparison counts them (governance-aware segmentation,
the run's unit/person/place names whole, stopwords removed); values are counts. Written as
Matrix Market (``.mtx``, with ``.documents.tsv`` and ``.terms.txt`` beside it) or as a long
Parquet/CSV table (document, term, count).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

from speechlens.errors import SpeechlensError
from speechlens.text.names import NamedSegmenter, names_of, statistics_stopwords, statistics_words
from speechlens.text.segmentation import default_segmenter
from speechlens.output.files import atomic_path, csv_cell, require_pyarrow, write_text_atomic



def document_term_matrix(analyses: Sequence[Any], *, segmenter: Any = None, drop_names: bool = False,
                         stopwords: Iterable[str] | None = None, default_stopwords: bool = True):
    """(counts as a ``scipy.sparse.csr_matrix``, document ids, terms in column order)."""
    from scipy.sparse import csr_matrix


    names = names_of(a.document for a in analyses)
    seg = NamedSegmenter(segmenter or default_segmenter(), names)
    stop = statistics_stopwords(stopwords, default_stopwords=default_stopwords, names=names, drop_names=drop_names)
    counts = []
    for a in analyses:
        c: Counter[str] = Counter()
        for t in a.sentences:
            c.update(statistics_words(seg, t.sentence.norm, stop))
        counts.append(c)
    terms = sorted({w for c in counts for w in c})
    col = {w: k for k, w in enumerate(terms)}
    rows, cols, vals = [], [], []
    for i, c in enumerate(counts):
        for w, n in c.items():
            rows.append(i)
            cols.append(col[w])
            vals.append(n)
    m = csr_matrix((vals, (rows, cols)), shape=(len(analyses), len(terms)), dtype="int64")
    docs = [a.document.id or a.document.path or str(i) for i, a in enumerate(analyses)]
    return m, docs, terms


def write_dtm(path: str | Path, analyses: Sequence[Any], **options: Any) -> list[str]:
    """Write the matrix: ``.mtx`` (Matrix Market + ``.documents.tsv`` + ``.terms.txt``),
    ``.parquet`` or ``.csv`` (long: document, term, count); returns the files written."""
    from scipy.io import mmwrite

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".mtx", ".parquet", ".csv"):
        raise SpeechlensError(f"{path}: write the document-term matrix as .mtx, .parquet or .csv")

    m, docs, terms = document_term_matrix(analyses, **options)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".mtx":  # each file whole or not at all
        with atomic_path(path) as tmp:
            mmwrite(str(tmp), m.tocoo(), comment="speechlens document-term counts: rows documents, columns terms")
        dpath, tpath = path.with_suffix(".documents.tsv"), path.with_suffix(".terms.txt")
        meta = [(a.document.id or "", a.document.unit or "", a.document.year or "") for a in analyses]
        # The .tsv opens in a spreadsheet too: cells that would run as formulas are neutralised.
        write_text_atomic(dpath, "document\tunit\tyear\n" + "".join(
            f"{csv_cell(str(d))}\t{csv_cell(str(u))}\t{y}\n" for d, u, y in meta))
        write_text_atomic(tpath, "".join(t + "\n" for t in terms))
        return [str(path), str(dpath), str(tpath)]
    coo = m.tocoo()
    rows = {"document": [docs[i] for i in coo.row.tolist()], "term": [terms[j] for j in coo.col.tolist()],
            "count": coo.data.tolist()}
    if suffix == ".csv":
        import csv

        with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="", errors="backslashreplace") as fh:
            w = csv.writer(fh)
            w.writerow(["document", "term", "count"])
            # cells that a spreadsheet would run as formulas are neutralised, as in every CSV writer
            w.writerows((csv_cell(d), csv_cell(t), n) for d, t, n in zip(rows["document"], rows["term"], rows["count"]))
        return [str(path)]

    pa = require_pyarrow()
    import pyarrow.parquet as pq

    with atomic_path(path) as tmp:
        pq.write_table(pa.table({"document": pa.array(rows["document"], pa.string()),
                                 "term": pa.array(rows["term"], pa.string()),
                                 "count": pa.array(rows["count"], pa.int64())}), tmp)
    return [str(path)]
