"""Comparison: units side by side, clustering, keyness, KWIC, text reuse."""
