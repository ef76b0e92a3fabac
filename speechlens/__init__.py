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
    "Document": "document",
    "Sentence": "document",
    "Problem": "document",
    "Analysis": "document",
    "TaggedSentence": "document",
    "LABELS": "document",
    "read_document": "loading",
    "document_from_text": "loading",
    "split_sentences": "structure",
    "Segmenter": "segmentation",
    "segment": "segmentation",
    "ThemeClassifier": "themes",
    "extract_problems": "problems",
    "Analyzer": "analysis",
    "analyze": "analysis",
    "analyze_many": "analysis",
    "Comparison": "comparison",
    "compare": "comparison",
    "Admission": "admissions",
    "admissions_of": "admissions",
    "reuse": "textreuse",
    "Reuse": "textreuse",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .admissions import Admission, admissions_of
    from .analysis import Analyzer, analyze, analyze_many
    from .comparison import Comparison, compare
    from .document import LABELS, Analysis, Document, Problem, Sentence, TaggedSentence
    from .errors import DocumentError, SpeechlensError
    from .loading import document_from_text, read_document
    from .problems import extract_problems
    from .segmentation import Segmenter, segment
    from .structure import split_sentences
    from .textreuse import Reuse, reuse
    from .themes import ThemeClassifier


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'speechlens' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
