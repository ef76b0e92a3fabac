"""Batch: archives in, one record per document out (inputs, records, journal, run loop, Dask).

The public batch API is re-exported here: ``from speechlens.batch import run_batch, record_of``.
"""

from speechlens.batch.run import iter_items, read_journal, read_metadata, record_of, recover_journal, run_batch, write_tables_from

__all__ = ["iter_items", "read_journal", "read_metadata", "record_of", "recover_journal", "run_batch",
           "write_tables_from"]
