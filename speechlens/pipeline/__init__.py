"""The pipeline: result records, problem evidence, the Analyzer, worker pools."""
