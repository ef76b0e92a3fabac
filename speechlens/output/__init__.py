"""Output: files, terminal/Markdown/CSV tables, HTML and Word reports, plots, fonts."""
