"""Batch tagging of archives: inputs from folders, globs, JSONL and CSV; one record per document;
append-only output that survives being killed at any moment and resumes without loss or duplicates.

The output journal is JSON Lines written one whole line per ``write`` and flushed; a run killed
mid-write leaves at most one partial last line, which no JSON reader accepts and which
``--resume`` cuts off before continuing. CSV and Parquet tables are built from the journal at the
end and replaced atomically, so they are either complete or absent.
"""

from __future__ import annotations

import csv
import functools
import glob
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from speechlens.batch.items import Item, failure_of, item_batches, iter_items, read_metadata
from speechlens.batch.work import DOC_TIMEOUT, ItemAnalyzer, record_of
from speechlens.pipeline.analysis import Analyzer
from speechlens.pipeline.workers import WORKER_DIED, run_in_workers
from speechlens.labels import LABELS
from speechlens.errors import SpeechlensError
from speechlens.reading.decoding import max_bytes
from speechlens.reading.loading import SUPPORTED_SUFFIXES
from speechlens.output.files import atomic_path, clashes_with_input, csv_row, displayable, exclusive_lock, require_pyarrow
from speechlens.batch.distributed import dask_records

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class Summary:
    """What a batch run did."""

    documents: int = 0
    skipped: int = 0
    failures: int = 0
    characters: int = 0
    elapsed: float = 0.0
    output: str = ""
    tables: list[str] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)  # "path: reason" of entries not read

    @property
    def throughput(self) -> float:
        return self.documents / self.elapsed if self.elapsed else 0.0

    def text(self) -> str:
        line = (f"{self.documents} documents ({self.skipped} already done), {self.characters:,} characters, "
                f"{self.failures} failed, {self.elapsed:.1f} s, {self.throughput:.1f} documents/s, "
                f"{self.characters / self.elapsed if self.elapsed else 0:,.0f} characters/s -> "
                + ", ".join([self.output] + self.tables))
        if self.passed_over:
            shown = self.passed_over[:20]
            more = len(self.passed_over) - len(shown)
            line += (f"\n{len(self.passed_over)} entries passed over (not documents):\n  "
                     + "\n  ".join(shown) + (f"\n  ... and {more} more" if more else ""))
        return line


# -- the journal ---------------------------------------------------------------------------------
JOURNAL_HEADER = {"speechlens": "batch journal", "version": 1}
_HEADER_LINE = (json.dumps(JOURNAL_HEADER) + "\n").encode("utf-8")


def is_header(rec: Any) -> bool:
    """Whether a parsed journal line is the header line that marks a speechlens journal."""
    return isinstance(rec, dict) and rec.get("speechlens") == JOURNAL_HEADER["speechlens"]


def check_journal(path: Path) -> None:
    """Refuse to resume (append to, truncate) a file that is not a speechlens batch journal."""
    with path.open("rb") as fh:
        first = fh.readline()
    if not first or (not first.endswith(b"\n") and _HEADER_LINE.startswith(first)):
        return  # empty, or killed while its header was being written
    try:
        ok = is_header(json.loads(first))
    except ValueError:
        ok = False
    if not ok:
        raise SpeechlensError(f"{path}: not a speechlens batch journal (its first line is no speechlens header); "
                              "--resume only continues a journal that speechlens batch wrote")


def read_journal(path: str | Path) -> Iterator[dict[str, Any]]:
    """The complete records of a batch journal (the header line and a partial last line left out)."""
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.endswith("\n"):
                rec = json.loads(line)
                if not is_header(rec):
                    yield rec


def recover_journal(path: Path, *, retry_errors: bool = False) -> set[str]:
    """Keys of complete records in ``path``; a partial last line (a run killed mid-write) is cut
    off. A complete line that is no record is refused, never cut with what follows it. With
    ``retry_errors`` the error records are removed (the journal is rewritten without them), so
    their documents are done again."""
    done: set[str] = set()
    if not path.exists():
        return done
    check_journal(path)
    good_end = 0
    failed = 0
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.endswith(b"\n"):
                break  # only the last line can lack its newline
            try:
                rec = json.loads(raw)
                if not is_header(rec):
                    if retry_errors and rec.get("error"):
                        failed += 1
                    else:
                        done.add(rec["key"])
            except (ValueError, KeyError, TypeError, AttributeError):
                raise SpeechlensError(f"{path}:{n}: not a batch record (was the journal edited?); remove or "
                                      "repair that line, then resume") from None
            good_end += len(raw)
    if good_end != path.stat().st_size:
        with path.open("r+b") as fh:
            fh.truncate(good_end)
    if failed:
        _drop_errors(path)
    return done


def _drop_errors(path: Path) -> None:
    """Rewrite the journal without its error records (whole or not at all)."""
    with atomic_path(path) as tmp, path.open("rb") as src, tmp.open("wb") as dst:
        for raw in src:
            rec = json.loads(raw)
            if is_header(rec) or not rec.get("error"):
                dst.write(raw)
        dst.flush()
        os.fsync(dst.fileno())


class Journal:
    """Append-only JSON Lines writer: one ``write`` per record, flushed, fsynced every second."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = path.open("a", encoding="utf-8")
        if self.fh.tell() == 0:
            self.fh.write(_HEADER_LINE.decode("utf-8"))
            self.fh.flush()
            os.fsync(self.fh.fileno())
        self.last_sync = time.monotonic()

    def write(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False)
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate (a file name that is not UTF-8, a "\ud800" in an export): ASCII
            # escapes keep it exact, so the key read back on --resume is the key written.
            line = json.dumps(record, ensure_ascii=True)
        self.fh.write(line + "\n")
        self.fh.flush()
        now = time.monotonic()
        if now - self.last_sync > 1.0:
            os.fsync(self.fh.fileno())
            self.last_sync = now

    def close(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()


# -- running ------------------------------------------------------------------------------------
def run_batch(inputs: Sequence[str], output: str | Path, *, analyzer: Analyzer | None = None,
              jobs: int = 1, resume: bool = False, overwrite: bool = False, fmt: str | None = None,
              text_column: str = "text", id_column: str | None = "id",
              metadata_file: str | None = None, progress: bool = False,
              engine: str = "local", scheduler: str | None = None,
              doc_timeout: float | None = DOC_TIMEOUT, retry_errors: bool = False) -> Summary:
    """Analyse every input document into ``output`` (JSONL, CSV or Parquet); see the module doc."""
    out = Path(output)
    fmt = fmt or {".csv": "csv", ".parquet": "parquet"}.get(out.suffix.lower(), "jsonl")
    if fmt not in ("jsonl", "csv", "parquet"):
        raise SpeechlensError(f"unknown format {fmt!r}: use jsonl, csv or parquet")
    if fmt == "parquet":
        require_pyarrow()
    journal_path = out if fmt == "jsonl" else out.with_name(out.name + ".journal.jsonl")
    # Everything is checked before an existing output is touched: a run that cannot start
    # leaves earlier results as they were.
    if resume and overwrite:
        raise SpeechlensError("--resume and --overwrite contradict each other: choose one")
    if retry_errors and not resume:
        raise SpeechlensError("--retry-errors goes with --resume: it redoes the failed documents of a run")
    targets = [journal_path] + (table_paths(out) if fmt != "jsonl" else [])
    named = list(inputs) + ([metadata_file] if metadata_file else [])
    for target in targets:
        clash = clashes_with_input(target, named, SUPPORTED_SUFFIXES)
        if clash is not None:
            raise SpeechlensError(f"{target}: the output is also an input ({clash}); choose another output file")
    _check_existing(targets, journal_path, resume, overwrite)
    _check_inputs(inputs)
    max_bytes()  # a bad SPEECHLENS_MAX_BYTES fails here, not once per document
    metadata = read_metadata(metadata_file) if metadata_file else None
    az = analyzer or Analyzer()
    # The model and the dictionaries load before the journal is opened, whatever the job count: a bad
    # one fails the run at once, leaving no output behind (with one process a missing user dictionary
    # used to become an error record per document, with several an empty output blocking a re-run).
    az.load()
    out.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(journal_path, what="batch journal"):  # one writer at a time
        _check_existing(targets, journal_path, resume, overwrite)  # again: another run may have just ended
        if overwrite and journal_path.exists():
            journal_path.unlink()
        done = recover_journal(journal_path, retry_errors=retry_errors) if resume else set()
        return _run(inputs, out, fmt, journal_path, az, jobs, done, text_column, id_column, metadata,
                    progress, engine, scheduler, doc_timeout)


def _check_existing(targets: list[Path], journal_path: Path, resume: bool, overwrite: bool) -> None:
    existing = [t for t in targets if t.exists()]
    if existing and not (resume or overwrite):
        raise SpeechlensError(f"{existing[0]} exists: add --resume to finish that run, or --overwrite to start again")
    if resume and journal_path.exists():
        check_journal(journal_path)


def _run(inputs: Sequence[str], out: Path, fmt: str, journal_path: Path, az: Analyzer, jobs: int, done: set[str],
         text_column: str, id_column: str | None, metadata: Mapping[str, Mapping[str, Any]] | None,
         progress: bool, engine: str, scheduler: str | None, doc_timeout: float | None) -> Summary:

    summary = Summary(skipped=len(done), output=str(journal_path))

    def todo(on_skip: Callable[[str], None] | None = summary.passed_over.append) -> Iterator[Item]:
        for item in iter_items(inputs, text_column=text_column, id_column=id_column, metadata=metadata,
                               on_skip=on_skip):
            if item.key not in done:
                yield item

    total = None
    if progress:
        total = sum(1 for _ in todo(None))
    started = time.monotonic()
    try:
        journal = Journal(journal_path)
    except OSError as exc:
        raise SpeechlensError(f"{journal_path}: cannot be written ({exc.strerror or exc})") from None
    bar = _progress(total, progress)
    try:
        for rec in _records(todo(), az, jobs, engine, scheduler, doc_timeout):
            try:
                journal.write(rec)
            except OSError as exc:
                raise SpeechlensError(f"{journal_path}: cannot be written ({exc.strerror or exc}); the complete "
                                      "records are kept: fix that, then run again with --resume") from None
            summary.documents += 1
            summary.characters += int(rec.get("characters") or 0)
            if rec.get("error"):
                summary.failures += 1
            if bar is not None:
                bar.update(1)
    finally:
        try:
            journal.close()
        except OSError:
            pass  # the error that stopped the run has been raised already
        if bar is not None:
            bar.close()
        summary.elapsed = time.monotonic() - started
    if fmt != "jsonl":
        try:
            summary.tables = write_tables(journal_path, out, fmt)
        except OSError as exc:
            for table in table_paths(out):
                table.with_name(table.name + ".tmp").unlink(missing_ok=True)
            raise SpeechlensError(f"{out}: the tables cannot be written ({exc.strerror or exc}); the journal "
                                  f"{journal_path} is complete: fix that, then run again with --resume") from None
    return summary


def _check_inputs(inputs: Sequence[str]) -> None:
    """Every input names a file, a folder or a glob that matches something."""
    for spec in inputs:
        if not Path(spec).exists() and not glob.glob(spec, recursive=True):
            raise SpeechlensError(f"{spec}: no such file, folder or matching glob")


def _records(items: Iterator[Item], az: Analyzer, jobs: int, engine: str, scheduler: str | None,
             doc_timeout: float | None = DOC_TIMEOUT) -> Iterator[dict[str, Any]]:
    if engine == "dask":
        yield from dask_records(items, az, scheduler=scheduler, jobs=jobs)
        return
    if engine != "local":
        raise SpeechlensError(f"unknown engine {engine!r}: use local or dask")
    if jobs <= 1:
        fn = ItemAnalyzer(az, doc_timeout)
        for batch in item_batches(items):
            yield from fn.many(batch)
        return
    def lost(item: Item) -> dict[str, Any]:
        return record_of(failure_of(item.payload, f"{item.source}: {WORKER_DIED}"), item)

    init = functools.partial(_init, doc_timeout=doc_timeout)
    for records in run_in_workers(az, jobs, init, _work, item_batches(items, jobs), lost):
        yield from records


_fn: ItemAnalyzer | None = None


def _init(az: Analyzer, doc_timeout: float | None = DOC_TIMEOUT) -> None:
    global _fn
    az.load()
    _fn = ItemAnalyzer(az, doc_timeout)


def _work(items: list[Item]) -> list[dict[str, Any]]:
    assert _fn is not None
    return _fn.many(items)


def _progress(total: int | None, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


# One path column: ``path`` is where a document came from (the file as reached, or
# ``export.jsonl:12`` for an export's row); it is unique within a run and joins the three tables.
# The resume key stays in the journal alone.
DOC_COLUMNS = ("path", "id", "unit", "year", "genre", "role", "person", "characters",
               *(f"theme_{l}" for l in LABELS), "problem_count", "metadata", "error")
PROBLEM_COLUMNS = ("path", "id", "unit", "year", "index", "text", "start", "end", "themes", "subtheme",
                   "specificity", "cues", "section", "score")
SENTENCE_COLUMNS = ("path", "id", "index", "start", "end", "section", "themes",
                    *(f"theme_{l}" for l in LABELS), "problem")


_LIST_COLUMNS = ("themes", "cues")  # Parquet keeps them as list columns; CSV joins them with ";"


def _path_of(rec: Mapping[str, Any]) -> str | None:
    return rec.get("source") or rec.get("path") or rec.get("key")


def _flat(rec: Mapping[str, Any], *, lists: bool = False
          ) -> tuple[dict[str, Any], list[dict[str, Any]], Iterator[dict[str, Any]]]:
    """A record as its documents row, its problem rows and (lazily) its sentence rows."""
    path = _path_of(rec)
    row = {c: rec.get(c) for c in DOC_COLUMNS}
    row["path"] = path
    for l in LABELS:
        row[f"theme_{l}"] = (rec.get("themes") or {}).get(l)
    row["metadata"] = json.dumps(rec.get("metadata") or {}, ensure_ascii=False)
    probs = []
    for i, p in enumerate(rec.get("problems") or []):
        probs.append({"path": path, "id": rec.get("id"), "unit": rec.get("unit"), "year": rec.get("year"),
                      "index": i, "text": p["text"], "start": p["start"], "end": p["end"],
                      "themes": list(p["themes"]) if lists else ";".join(p["themes"]), "subtheme": p["subtheme"],
                      "specificity": p["specificity"], "cues": list(p["cues"]) if lists else ";".join(p["cues"]),
                      "section": p["section"], "score": p["score"]})
    return row, probs, _sentence_rows(rec, path, lists)


def _sentence_rows(rec: Mapping[str, Any], path: str | None, lists: bool) -> Iterator[dict[str, Any]]:
    cols = rec.get("sentences")
    if not cols:
        return
    scores = cols["scores"]
    for i, (start, end, section, themes, problem) in enumerate(
            zip(cols["start"], cols["end"], cols["section"], cols["themes"], cols["problem"])):
        row = {"path": path, "id": rec.get("id"), "index": i, "start": start, "end": end, "section": section,
               "themes": list(themes) if lists else ";".join(themes), "problem": bool(problem)}
        for l in LABELS:
            row[f"theme_{l}"] = scores[l][i] if l in scores else None
        yield row


def _displayable_row(row: dict[str, Any]) -> dict[str, Any]:
    """Parquet strings must be UTF-8: lone surrogates become their escapes (see displayable)."""
    return {k: displayable(v) if isinstance(v, str) else
            [displayable(x) if isinstance(x, str) else x for x in v] if isinstance(v, list) else v
            for k, v in row.items()}


def problems_path(out: Path) -> Path:
    """``OUT.problems.csv`` beside ``OUT.csv`` (likewise for Parquet)."""
    return out.with_name(f"{out.stem}.problems{out.suffix}")


def sentences_path(out: Path) -> Path:
    """``OUT.sentences.csv`` beside ``OUT.csv`` (likewise for Parquet)."""
    return out.with_name(f"{out.stem}.sentences{out.suffix}")


def table_paths(out: Path) -> list[Path]:
    """The tables a CSV/Parquet run writes: documents (``OUT``), problems, sentences."""
    return [out, problems_path(out), sentences_path(out)]


def write_tables(journal: Path, out: Path, fmt: str) -> list[str]:
    """Stream the journal into the documents, problems and sentences tables, atomically."""
    return _write_tables([journal], out, fmt, complete_lines_only=True)


def write_tables_from(sources: Sequence[str | Path], out: str | Path, fmt: str | None = None) -> list[str]:
    """The documents, problems and sentences tables (``OUT``, ``OUT.problems.*``, ``OUT.sentences.*``;
    CSV or Parquet, from ``fmt`` or the extension) from JSON Lines files of records (``record_of``), as a Dask bag's
    ``to_textfiles`` writes them: one fixed schema whatever the first records hold."""
    out = Path(out)
    fmt = fmt or {".csv": "csv", ".parquet": "parquet"}.get(out.suffix.lower())
    if fmt not in ("csv", "parquet"):
        raise SpeechlensError(f"{out}: write .csv or .parquet tables (or pass fmt)")
    if fmt == "parquet":
        require_pyarrow()
    out.parent.mkdir(parents=True, exist_ok=True)
    return _write_tables([Path(p) for p in sources], out, fmt, complete_lines_only=False)


def _write_tables(sources: Sequence[Path], out: Path, fmt: str, *, complete_lines_only: bool) -> list[str]:
    paths = table_paths(out)
    tmps = [p.with_name(p.name + ".tmp") for p in paths]

    def records() -> Iterator[dict[str, Any]]:
        for source in sources:
            if complete_lines_only:  # a journal: its header and a partial last line left out
                yield from read_journal(source)
                continue
            with source.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        rec = json.loads(line)
                        if not is_header(rec):
                            yield rec

    if fmt == "csv":
        with tmps[0].open("w", encoding="utf-8", newline="", errors="backslashreplace") as fd, \
                tmps[1].open("w", encoding="utf-8", newline="", errors="backslashreplace") as fp, \
                tmps[2].open("w", encoding="utf-8", newline="", errors="backslashreplace") as fs:
            wd = csv.DictWriter(fd, fieldnames=DOC_COLUMNS)
            wp = csv.DictWriter(fp, fieldnames=PROBLEM_COLUMNS)
            ws = csv.DictWriter(fs, fieldnames=SENTENCE_COLUMNS)
            for w in (wd, wp, ws):
                w.writeheader()
            for rec in records():  # cells that would run as spreadsheet formulas are neutralised
                row, probs, sents = _flat(rec)
                wd.writerow(csv_row(row))
                wp.writerows(csv_row(p) for p in probs)
                ws.writerows(csv_row(x) for x in sents)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        doc_schema = pa.schema([(c, pa.int64() if c in ("year", "characters", "problem_count") else
                                 pa.float64() if c.startswith("theme_") else pa.string()) for c in DOC_COLUMNS])
        prob_schema = pa.schema([(c, pa.int64() if c in ("year", "index", "start", "end") else
                                  pa.float64() if c == "score" else
                                  pa.list_(pa.string()) if c in _LIST_COLUMNS else pa.string())
                                 for c in PROBLEM_COLUMNS])
        sent_schema = pa.schema([(c, pa.int64() if c in ("index", "start", "end") else
                                  pa.float64() if c.startswith("theme_") else pa.bool_() if c == "problem" else
                                  pa.list_(pa.string()) if c == "themes" else pa.string())
                                 for c in SENTENCE_COLUMNS])
        schemas = (doc_schema, prob_schema, sent_schema)
        with pq.ParquetWriter(tmps[0], doc_schema) as wd, pq.ParquetWriter(tmps[1], prob_schema) as wp, \
                pq.ParquetWriter(tmps[2], sent_schema) as ws:
            writers = (wd, wp, ws)
            pending: tuple[list[dict[str, Any]], ...] = ([], [], [])

            def flush() -> None:  # bounded buffers keep memory flat whatever the archive's size
                for w, schema, rows in zip(writers, schemas, pending):
                    if rows:
                        w.write_table(pa.Table.from_pylist(rows, schema=schema))
                        rows.clear()

            for rec in records():
                r, p, sents = _flat(rec, lists=True)
                pending[0].append(_displayable_row(r))
                pending[1].extend(_displayable_row(x) for x in p)
                pending[2].extend(_displayable_row(x) for x in sents)
                if len(pending[0]) >= 5000 or len(pending[2]) >= 50000:
                    flush()
            flush()
    for tmp, path in zip(tmps, paths):
        os.replace(tmp, path)
    return [str(p) for p in paths]
