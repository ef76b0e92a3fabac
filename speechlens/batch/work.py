"""The batch unit of work: analyse Items and turn each result, or failure, into a record."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from speechlens.batch.items import Item, analyzer_input, failure_of
from speechlens.labels import LABELS
from speechlens.batch.limits import TimeLimitExceeded, time_limit
from speechlens.pipeline.analysis import Analyzer
from speechlens.pipeline.results import Analysis, Failure, sentence_columns


# -- records -----------------------------------------------------------------------------------
def record_of(result: Analysis | Failure, item: Item | None = None) -> dict[str, Any]:
    """The output record of one document (the same for every engine)."""
    if isinstance(result, Failure):
        return {"key": item.key if item else result.path or result.id, "id": result.id,
                "path": result.path, "source": item.source if item else None,
                "metadata": _jsonable(result.metadata or {}), "error": result.error}
    d = result.document
    return {
        "key": item.key if item else d.path or d.id,
        "id": d.id, "path": d.path, "source": item.source if item else d.path,
        "unit": d.unit, "year": d.year, "genre": d.genre, "role": d.role, "person": d.person,
        "metadata": _jsonable(dict(d.meta)), "characters": len(d.text),
        "themes": {l: round(float(result.themes.get(l, 0.0)), 4) for l in LABELS},
        "problem_count": len(result.problems),
        "problems": [p.to_dict() for p in result.problems],
        "sentences": sentence_columns(result.sentences),  # columns: start, end, section, themes, scores, problem
        "error": None,
    }


def _jsonable(m: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): (v if isinstance(v, (str, int, float, bool)) or v is None else str(v)) for k, v in m.items()}


DOC_TIMEOUT = 600.0


class ItemAnalyzer:
    """Adapter: analyse Items' payloads, turning every failure into a Failure record.

    ``doc_timeout``: seconds one document may take (reading and analysis). A batch is given that
    time as a whole; a batch that runs over is done again one document at a time, and a document
    that runs over on its own becomes an error record.
    """

    def __init__(self, analyzer: Analyzer, doc_timeout: float | None = DOC_TIMEOUT) -> None:
        self.analyzer = analyzer
        self.doc_timeout = doc_timeout

    def many(self, items: Sequence[Item]) -> list[dict[str, Any]]:
        """Records of several items, analysed as one batch."""
        try:
            with time_limit(self.doc_timeout):
                results = self._results(items)
        except TimeLimitExceeded:
            if len(items) == 1:
                return [self._timed_out(items[0])]
            return [rec for item in items for rec in self.many([item])]
        return [record_of(r, item) for r, item in zip(results, items)]

    def _results(self, items: Sequence[Item]) -> list[Analysis | Failure]:
        return self.analyzer.safe_batch([analyzer_input(item.payload) for item in items])

    def _timed_out(self, item: Item) -> dict[str, Any]:
        failure = failure_of(item.payload, f"{item.source}: took longer than {self.doc_timeout:g} s and was "
                                           "stopped (raise --doc-timeout if such a document is expected to be this slow)")
        return record_of(failure, item)
