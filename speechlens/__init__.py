"""speechlens: themes and admitted problems in Chinese township leadership texts.

Importing speechlens has no side effects: jieba, the dictionary and the model load on
first use. The public API is re-exported here lazily, so ``import speechlens`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "SpeechlensError": "errors",
    "DocumentError": "errors",
    "Failure": "pipeline.results",
    "ProblemSettings": "pipeline.problems",
    "Document": "records",
    "Sentence": "records",
    "Problem": "pipeline.results",
    "Analysis": "pipeline.results",
    "TaggedSentence": "pipeline.results",
    "LABELS": "labels",
    "read_document": "reading.loading",
    "document_from_text": "reading.loading",
    "split_sentences": "text.structure",
    "Segmenter": "text.segmentation",
    "segment": "text.segmentation",
    "ThemeClassifier": "model.themes",
    "extract_problems": "pipeline.analysis",
    "Analyzer": "pipeline.analysis",
    "analyze": "pipeline.analysis",
    "analyze_many": "pipeline.analysis",
    "Comparison": "comparison.comparison",
    "compare": "comparison.comparison",
    "Admission": "pipeline.admissions",
    "admissions_of": "pipeline.admissions",
    "reuse": "comparison.textreuse",
    "Reuse": "comparison.textreuse",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from speechlens.pipeline.admissions import Admission, admissions_of
    from speechlens.pipeline.analysis import Analyzer, analyze, analyze_many
    from speechlens.comparison.comparison import Comparison, compare
    from speechlens.labels import LABELS
    from speechlens.pipeline.problems import ProblemSettings
    from speechlens.pipeline.results import Analysis, Failure, Problem, TaggedSentence
    from speechlens.records import Document, Sentence
    from speechlens.errors import DocumentError, SpeechlensError
    from speechlens.reading.loading import document_from_text, read_document
    from speechlens.pipeline.analysis import extract_problems
    from speechlens.text.segmentation import Segmenter, segment
    from speechlens.text.structure import split_sentences
    from speechlens.comparison.textreuse import Reuse, reuse
    from speechlens.model.themes import ThemeClassifier


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'speechlens' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
