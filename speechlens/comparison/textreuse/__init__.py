"""Text reuse: passages a document shares with another one, and the stock formulas many share.

Each document is normalised for matching (its own unit's name, place names, figures, redactions,
镇/乡/街道, punctuation), keeping for every normalised character the span of original text it
came from. Windows — each clause, and each two adjacent clauses of a sentence — are shingled into
character 3-grams and MinHashed (datasketch's MinHash, computed a document at a time); banding
the signatures (locality-sensitive hashing) finds near-duplicates without comparing all pairs. A
window whose near-duplicates come from ``boilerplate_units`` or more units is a stock formula
(套话), counted apart. Documents sharing other windows are then aligned exactly: common k-grams
seed exact blocks, kept where a shared window (checked by exact Jaccard) supports them, joined
across small edits and reordered clauses; a passage is kept when its supported characters reach
``min_chars`` and its similarity ``threshold``. Offsets point into the original texts.
"""

from ._align import align, same_window
from ._collection import reuse, reuse_prepared
from ._index import ClauseIndex, window_signatures, windows_of
from ._normalize import Prepared, prepare
from ._results import (BOILERPLATE_UNITS, MIN_CHARS, THRESHOLD, WINDOW_THRESHOLD, DocumentReuse, Passage, Reuse,
                       ReusePair)

__all__ = ["BOILERPLATE_UNITS", "MIN_CHARS", "THRESHOLD", "WINDOW_THRESHOLD", "ClauseIndex", "DocumentReuse",
           "Passage", "Prepared", "Reuse", "ReusePair", "align", "prepare", "reuse", "reuse_prepared",
           "same_window", "window_signatures", "windows_of"]
