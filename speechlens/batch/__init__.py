"""Batch: archives in, one record per document out (inputs, unit of work, journal, run loop, Dask).

The public batch API is re-exported here: ``from speechlens.batch import run_batch, record_of``.
"""

from speechlens.batch.items import BadRow, FileInput, Item, TextRow, analyzer_input, iter_items, read_metadata
from speechlens.batch.run import read_journal, recover_journal, run_batch, write_tables_from
from speechlens.batch.work import ItemAnalyzer, record_of

__all__ = ["BadRow", "FileInput", "Item", "ItemAnalyzer", "TextRow", "analyzer_input", "iter_items", "read_journal", "read_metadata",
           "record_of", "recover_journal", "run_batch", "write_tables_from"]
