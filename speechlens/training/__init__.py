"""Training: corpus preparation and adjudication, fitting, evaluation (scikit-learn is used here only).

``from speechlens.training import prepare_corpus, train_model`` (as corpora/themes/GUIDELINES.md
documents); the parts live in ``corpus``, ``trainer``, ``context``, ``doccorpus`` and ``evaluation``.
"""

from speechlens.training.corpus import prepare_corpus
from speechlens.training.trainer import train_model

__all__ = ["prepare_corpus", "train_model"]
