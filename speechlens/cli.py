"""The ``speechlens`` command: each command parses, makes one library call, formats."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

import click

from speechlens import __version__
from speechlens.errors import SpeechlensError
from speechlens.resources import read_user_text
from speechlens.reading.loading import SUPPORTED_SUFFIXES, expand_paths
from speechlens.reading.streams import read_input
from speechlens.text.segmentation import Segmenter, segmented, token_lines
from speechlens.pipeline.analysis import Analyzer
from speechlens.training.trainer import DEFAULT_C, DEFAULT_MIN_DF, evaluate_gold, train_command, train_model
from speechlens.comparison.comparison import analyze_and_compare
from speechlens.comparison.concordance import kwic as find
from speechlens.comparison.textreuse import reuse as find_reuse
from speechlens.comparison.user_themes import read_user_themes
from speechlens.output.dtm import write_dtm
from speechlens.output.files import check_output, displayable, printable, write_bytes_atomic, write_text_atomic
from speechlens.output.plots import chart_files, cloud_files, comparison_charts, word_cloud, word_frequencies
from speechlens.output.report_files import report_format, write_any_report
from speechlens.output.reuse_output import CSV_COLUMNS, reuse_long_rows, reuse_markdown, reuse_rows, reuse_text
from speechlens.output.tables import (KWIC_COLUMNS, analysis_markdown, analysis_text, comparison_markdown, comparison_rows,
                                      comparison_text, evaluation_text, kwic_text, to_csv)
from speechlens.batch.reuse_archive import reuse_archive, reuse_path
from speechlens.batch.run import run_batch

def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="speechlens")


def _fail_cleanly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn an expected SpeechlensError into a one-line error and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SpeechlensError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:  # e.g. `speechlens analyze ... | head`
            _silence_stdout()
            sys.stderr.close()
            sys.exit(0)
        except OSError as exc:
            if exc.filename is not None:  # a file the command read or wrote
                raise click.ClickException(f"{exc.filename}: {exc.strerror or exc}") from None
            _silence_stdout()  # standard output itself failed (a full device, say)
            raise click.ClickException(f"cannot write the output: {exc.strerror or exc}") from None

    return wrapper


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush at exit cannot fail
    again with a traceback after the one-line error."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def backend_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--backend`` shared by every command that segments text."""
    return click.option(
        "--backend",
        type=click.Choice(["jieba", "rjieba"]),
        default=None,
        help="Segmentation backend (default: $SPEECHLENS_BACKEND, else rjieba when installed).",
    )(fn)


def dict_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--user-dict`` and ``--hmm`` shared by every command that segments text."""
    fn = click.option(
        "--user-dict", "user_dict", multiple=True, type=click.Path(dir_okay=False),
        help="Extra jieba-style dictionary file (word [freq] [tag] per line); repeatable.",
    )(fn)
    fn = click.option(
        "--hmm/--no-hmm", default=False, show_default=True,
        help="jieba's HMM new-word guessing (off: it invents words on governance text).",
    )(fn)
    return fn


def overwrite_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--overwrite`` shared by every command that writes a file."""
    return click.option(
        "--overwrite", is_flag=True, help="Replace the output file if it exists (never an input).",
    )(fn)


def lang_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--lang`` shared by commands whose output people read."""
    return click.option(
        "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
        help="Language of labels, headings and display names (machine names stay English).",
    )(fn)


def _prepare_output(output: str | Path, *, folder: bool = False) -> Path:
    """The output path with its folder created (as ``batch`` does), or a one-line error naming
    the path and the reason. ``folder``: the output is itself a folder (``--plots``)."""
    path = Path(output)
    where = path if folder else path.parent
    if not folder and path.is_dir():
        raise SpeechlensError(f"{output}: is a folder; give a file name to write")
    try:
        where.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SpeechlensError(f"{output}: cannot create folder {where}: a file of that name is in the way") from None
    except OSError as exc:
        raise SpeechlensError(f"{output}: cannot create folder {where} ({exc.strerror or exc})") from None
    return path


def _write(output: str | Path, data: str | bytes) -> None:
    """Write a command's output file whole or not at all (a temporary file renamed over it);
    a failure is one line naming the file."""
    path = _prepare_output(output)
    if isinstance(data, bytes):
        write_bytes_atomic(path, data)
    else:
        write_text_atomic(path, data)


def output_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``-o/--output`` and ``--overwrite`` shared by commands that may write a file instead of stdout."""
    fn = overwrite_option(fn)
    return click.option(
        "-o", "--output", type=click.Path(dir_okay=False), default=None,
        help="Write to this file instead of standard output (whole or not at all).",
    )(fn)


def _claim(output: str | None, overwrite: bool, inputs: Iterable[str]) -> None:
    """Refuse, before any work, an output that is an input or exists without --overwrite."""
    if output:
        _prepare_output(output)  # its folder made, or one line saying why it cannot be
        check_output(output, inputs, overwrite=overwrite, picked_up=SUPPORTED_SUFFIXES)


def _emit(text: str, output: str | None) -> None:
    if output:
        _write(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        text = displayable(text)
        click.echo(printable(text) if sys.stdout.isatty() else text)  # input never drives a terminal (ANSI, OSC)
        sys.stdout.flush()  # a full device fails here, inside the command, not at exit


def _segmenter(backend: str | None, user_dict: Iterable[str], hmm: bool):
    return Segmenter(backend=backend, user_dict=list(user_dict) or None, hmm=hmm)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="speechlens")
def cli() -> None:
    """Themes and admitted problems in Chinese township leadership speeches and self-reports."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: tokens separated by spaces, one sentence a line.")
@backend_option
@dict_options
@output_option
@_fail_cleanly
def segment(paths: tuple[str, ...], fmt: str, backend: str | None, user_dict: tuple[str, ...],
            hmm: bool, output: str | None, overwrite: bool) -> None:
    """Split documents into sentences and words with the governance dictionary."""
    _claim(output, overwrite, paths)
    seg = _segmenter(backend, user_dict, hmm)
    records = [segmented(read_input(path), seg) for path in _expand(paths)]
    if fmt == "json":
        _emit(json.dumps(records if len(records) > 1 else records[0], ensure_ascii=False, indent=2), output)
    else:
        _emit("\n".join(line for r in records for line in token_lines(r)), output)


def model_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--model`` shared by every command that tags themes."""
    return click.option(
        "--model", type=click.Path(file_okay=False), default=None, envvar="SPEECHLENS_MODEL",
        help="Model directory (default: $SPEECHLENS_MODEL, else the shipped model).",
    )(fn)


def drop_names_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--drop-names`` shared by the commands that count words."""
    return click.option(
        "--drop-names", is_flag=True,
        help="Leave the documents' unit, person and place names out of keyness and word clouds.",
    )(fn)


def comparison_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options of the comparison shared by analyze, compare and report; the command receives
    them as ``comparison``, the keyword arguments of ``speechlens.compare``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, keyness_correction: str, drop_names: bool, by: str, order: str | None,
                stopwords_file: str | None, replace_stopwords: bool, keyness_target: str | None,
                themes_file: str | None, **kwargs: Any) -> Any:
        try:
            words = _read_words(stopwords_file) if stopwords_file else None
            themes = read_user_themes(themes_file) if themes_file else None
        except SpeechlensError as exc:
            raise click.ClickException(str(exc)) from None
        kwargs["comparison"] = {
            "keyness_correction": keyness_correction, "drop_names": drop_names, "by": by,
            "order": [o for o in (order or "").replace("，", ",").split(",") if o.strip()] or None,
            "stopwords": words, "default_stopwords": not replace_stopwords, "target": keyness_target,
            "user_themes": themes}
        return fn(*args, **kwargs)

    for option in reversed((
        click.option("--by", default="unit", show_default=True,
                     help="Group documents by unit, year, any metadata key (county, role, a --metadata "
                          "column) or several joined by commas (unit,year)."),
        click.option("--order", default=None, help="Groups in this order first (comma-separated), then by pinyin."),
        click.option("--keyness-target", default=None, help="Keyness of this group only, against all the others."),
        click.option("--themes", "themes_file", type=click.Path(dir_okay=False), default=None,
                     help="Extra themes as word lists, one a line ('生态环保: 污水 垃圾分类 河长制'), "
                          "reported beside the four trained ones."),
        click.option("--keyness-correction", type=click.Choice(["williams", "yates", "none"]), default="williams",
                     show_default=True, help="Correction of keyness G²: Williams' (default), Yates' as quanteda "
                                             "applies it (quanteda's default), or none."),
        stopwords_options,
        drop_names_option,
    )):
        wrapper = option(wrapper)
    return wrapper


def stopwords_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--stopwords FILE`` and ``--replace-stopwords`` for the commands that count words."""
    fn = click.option("--stopwords", "stopwords_file", type=click.Path(dir_okay=False), default=None,
                      help="More words to ignore in keyness and clouds, one a line (added to the shipped list).")(fn)
    return click.option("--replace-stopwords", is_flag=True,
                        help="Use the --stopwords file instead of the shipped list.")(fn)


def _read_words(path: str) -> list[str]:
    """Words of a user's list, one a line (# starts a comment); a bad file is one line of error."""
    text = read_user_text(path, "stopword file")
    return [w for line in text.splitlines() for w in [line.split("#", 1)[0].strip()] if w]


def _analyzer(backend: str | None, user_dict: Iterable[str], hmm: bool, model: str | None):
    return Analyzer(segmenter=_segmenter(backend, user_dict, hmm), model=model)


def _skipped(why: str) -> None:
    click.echo(displayable(f"passed over {why}"), err=True)


def _expand(paths: Iterable[str]) -> list[str]:
    return expand_paths(paths, _skipped)


def _analyze_and_compare(paths: Iterable[str], analyzer: Any, comparison: dict[str, Any], **kwargs: Any) -> Any:
    return analyze_and_compare(paths, analyzer, progress=sys.stderr.isatty(), on_skip=_skipped, **kwargs,
                               **comparison)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "markdown"]),
              default="table", show_default=True,
              help="table: terminal summary; json: {documents: [Analysis...], comparison: ... or null}; "
                   "jsonl: one Analysis per line; markdown: report-ready tables.")
@backend_option
@dict_options
@model_option
@output_option
@lang_option
@comparison_options
@_fail_cleanly
def analyze(paths: tuple[str, ...], fmt: str, backend: str | None, user_dict: tuple[str, ...],
            hmm: bool, model: str | None, output: str | None, overwrite: bool, lang: str,
            comparison: dict[str, Any]) -> None:
    """Tag themes and admitted problems; several files or a folder end with the comparison."""
    _claim(output, overwrite, paths)
    az = _analyzer(backend, user_dict, hmm, model)
    results, comparison, _ = _analyze_and_compare(paths, az, comparison)
    if fmt == "json":  # one shape whatever the number of files
        text = json.dumps({"documents": [a.to_dict() for a in results], "comparison": comparison},
                          ensure_ascii=False, indent=2)
    elif fmt == "jsonl":
        text = "\n".join(json.dumps(a.to_dict(), ensure_ascii=False) for a in results)
    elif fmt == "markdown":
        text = "\n".join(analysis_markdown(a, lang) for a in results)
        if comparison is not None:
            text += "\n" + comparison_markdown(comparison, lang)
    else:
        text = "\n\n".join(analysis_text(a, lang=lang) for a in results)
        if comparison is not None:
            text += "\n\n" + comparison_text(comparison, lang=lang)
    _emit(text, output)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown", "csv"]),
              default="table", show_default=True,
              help="csv: one tidy long table (table, unit, item, measure, value, text, item_name).")
@click.option("--dtm", type=click.Path(dir_okay=False), default=None,
              help="Also write the document-term matrix: .mtx (Matrix Market, for R/quanteda or "
                   "scikit-learn), .parquet or .csv (document, term, count).")
@click.option("--reuse/--no-reuse", "with_reuse", default=True, show_default=True,
              help="End with the text-reuse section (passages units share; see `speechlens reuse`).")
@backend_option
@dict_options
@model_option
@output_option
@lang_option
@comparison_options
@_fail_cleanly
def compare(paths: tuple[str, ...], fmt: str, dtm: str | None, with_reuse: bool, backend: str | None,
            user_dict: tuple[str, ...], hmm: bool, model: str | None, output: str | None, overwrite: bool,
            lang: str, comparison: dict[str, Any]) -> None:
    """Compare townships: shared and unique problems, problem matrix, keyness, similarity, text reuse."""
    _claim(output, overwrite, paths)
    if dtm:
        _claim(dtm, overwrite, paths)
    az = _analyzer(backend, user_dict, hmm, model)
    results, c, shared = _analyze_and_compare(paths, az, comparison, compare_one=True, with_reuse=with_reuse)
    if dtm:
        _prepare_output(dtm)
        written = write_dtm(dtm, results, segmenter=az.segmenter, drop_names=comparison["drop_names"],
                            stopwords=comparison["stopwords"], default_stopwords=comparison["default_stopwords"])
        click.echo("wrote " + ", ".join(written), err=True)
    if fmt == "json":
        if shared is not None:
            c["reuse"] = shared.to_dict()
        text = json.dumps(c, ensure_ascii=False, indent=2)
    elif fmt == "markdown":
        text = comparison_markdown(c, lang) + ("\n\n" + reuse_markdown(shared) if shared is not None else "")
    elif fmt == "csv":
        text = to_csv(comparison_rows(c, lang) + (reuse_long_rows(shared) if shared is not None else [])).rstrip("\n")
    else:
        text = comparison_text(c, lang=lang) + ("\n\n" + reuse_text(shared) if shared is not None else "")
    _emit(text, output)


@cli.command()
@click.argument("corpus_dir", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Directory to write the model and its card into.")
@click.option("--C", "C", type=float, default=DEFAULT_C, show_default=True,
              help="Inverse regularisation strength of the logistic models.")
@click.option("--min-df", type=int, default=DEFAULT_MIN_DF, show_default=True, help="Minimum document frequency of a feature.")
@click.option("--no-cross-part", is_flag=True, help="Skip the leave-one-part-out evaluation (faster).")
@click.option("--documents", type=click.Path(exists=True, file_okay=False), default=None,
              help="Whole labelled documents (e.g. corpora/documents): their units join the training "
                   "sentences and they train the context stage that reads each sentence in its document.")
@overwrite_option
@_fail_cleanly
def train(corpus_dir: str, output: str, C: float, min_df: int, no_cross_part: bool,
          documents: str | None, overwrite: bool) -> None:
    """Train a theme model on CORPUS_DIR/train.jsonl; evaluate on CORPUS_DIR/test.jsonl."""
    out = Path(output)
    if out.resolve() in {Path(corpus_dir).resolve()} | ({Path(documents).resolve()} if documents else set()):
        raise SpeechlensError(f"{output}: the model folder is also an input; choose another folder")
    if (out / "model.json").exists() and not overwrite:
        raise SpeechlensError(f"{output} holds a model: add --overwrite to replace it, or choose another folder")

    cmd = train_command(corpus_dir, output, C=C, min_df=min_df, documents=documents)
    card = train_model(corpus_dir, output, C=C, min_df=min_df, cross_part=not no_cross_part, command=cmd,
                       documents=documents)
    msg = f"wrote {output}: {card['info']['n_train']} training sentences"
    if "test" in card:
        msg += (f"; test macro-F1 {card['test']['macro_f1']:.3f} "
                f"(keyword baseline {card['baseline_test']['macro_f1']:.3f})")
    if "context_cv" in card:
        msg += (f"; whole-document cross-validation: themes macro-F1 {card['context_cv']['themes']['macro_f1']:.3f}, "
                f"problems F1 {card['context_cv']['problem']['f1']:.3f}")
    click.echo(msg)


@cli.command()
@click.argument("gold", type=click.Path(exists=True, dir_okay=False))
@model_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_fail_cleanly
def evaluate(gold: str, model: str | None, fmt: str) -> None:
    """Score the model on GOLD.jsonl lines {"text": ..., "themes": [...]}: P/R/F1 per label."""
    result = evaluate_gold(gold, model)
    if fmt == "json":
        click.echo(json.dumps({"model": result["model"], "keyword_baseline": result["keyword_baseline"]},
                              ensure_ascii=False, indent=2))
        return
    click.echo(evaluation_text(result))


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file: .jsonl (default), .csv or .parquet (problems and sentences go to OUT.problems.* and OUT.sentences.*).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default=None,
              help="Output format (default: from the output file's extension).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (or Dask workers for a local Dask cluster).")
@click.option("--resume", is_flag=True, help="Finish an interrupted run: keep its complete records, do the rest.")
@click.option("--retry-errors", is_flag=True,
              help="With --resume: also redo the documents whose records are errors (their records are replaced).")
@click.option("--overwrite", is_flag=True,
              help="Start again even if the output exists (checked first: a failing run leaves it as it was).")
@click.option("--metadata", "metadata_file", type=click.Path(exists=True, dir_okay=False),
              help="CSV of metadata keyed by its first column (id, file name or path).")
@click.option("--text-column", default="text", show_default=True, help="Text field of .jsonl/.csv inputs.")
@click.option("--id-column", default="id", show_default=True, help="Id field of .jsonl/.csv inputs.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local processes, or a Dask cluster (pip install 'speechlens[dask]').")
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a local cluster of --jobs workers).")
@click.option("--doc-timeout", type=click.FloatRange(min=0), default=600, show_default=True,
              help="Seconds one document may take; one that runs over becomes an error record (0: no limit).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--reuse", "with_reuse", is_flag=True,
              help="Also find text reuse across the archive: OUT.reuse.csv (see `speechlens reuse`).")
@backend_option
@dict_options
@model_option
@_fail_cleanly
def batch(inputs: tuple[str, ...], output: str, fmt: str | None, jobs: int, resume: bool, retry_errors: bool,
          overwrite: bool,
          metadata_file: str | None, text_column: str, id_column: str, engine: str, scheduler: str | None,
          doc_timeout: float, quiet: bool, with_reuse: bool, backend: str | None, user_dict: tuple[str, ...],
          hmm: bool,
          model: str | None) -> None:
    """Tag an archive: folders, globs, .jsonl or .csv exports -> one record per document.

    Safe to interrupt: run the same command with --resume to finish. Exit code 3 when the run
    completed but some documents failed (their records carry an "error").
    """
    if with_reuse:  # OUT.reuse.csv is part of the batch's output: replaced on --resume or --overwrite

        check_output(reuse_path(Path(output)), inputs, overwrite=overwrite or resume, picked_up=SUPPORTED_SUFFIXES)
    az = _analyzer(backend, user_dict, hmm, model)
    progress = not quiet and sys.stderr.isatty()
    try:
        summary = run_batch(list(inputs), output, analyzer=az, jobs=jobs, resume=resume,
                            overwrite=overwrite, fmt=fmt, text_column=text_column, id_column=id_column,
                            metadata_file=metadata_file, progress=progress, engine=engine,
                            scheduler=scheduler, doc_timeout=doc_timeout or None, retry_errors=retry_errors)
    except KeyboardInterrupt:
        click.echo("interrupted: complete records are kept; run the same command with --resume to finish",
                   err=True)
        sys.exit(130)
    if not quiet:
        click.echo(summary.text(), err=True)
    if with_reuse:
        result, path = reuse_archive(list(inputs), output, text_column=text_column, id_column=id_column,
                                     metadata_file=metadata_file)
        if not quiet:
            click.echo(f"text reuse: {len(result.pairs)} document pairs share passages -> {path}", err=True)
    if summary.failures:
        sys.exit(3)


def font_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--font`` shared by commands that draw Chinese."""
    return click.option(
        "--font", type=click.Path(dir_okay=False), default=None,
        help="Font file with Chinese glyphs (default: $SPEECHLENS_FONT, fontconfig, matplotlib, speechlens[fonts]).",
    )(fn)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="File to write: .html (one self-contained page) or .docx (a Word document).")
@click.option("--plots", "plots_dir", type=click.Path(file_okay=False), default=None,
              help="Also write the charts (PNG and SVG) into this folder.")
@click.option("--no-pictures", is_flag=True, help="Leave out charts and word clouds (no font needed).")
@click.option("--keep-names", is_flag=True, help="Keep person names in the word clouds (dropped by default).")
@click.option("--title", default=None, help="Page title (default: 述职报告分析, or speechlens report with --lang en).")
@overwrite_option
@font_option
@backend_option
@dict_options
@model_option
@lang_option
@comparison_options
@_fail_cleanly
def report(paths: tuple[str, ...], output: str, plots_dir: str | None, no_pictures: bool, keep_names: bool,
           title: str | None, overwrite: bool, font: str | None, backend: str | None, user_dict: tuple[str, ...],
           hmm: bool, model: str | None, lang: str, comparison: dict[str, Any]) -> None:
    """Write a report: self-contained HTML or Word (overview, heat map, shared problems, word clouds)."""
    files = _expand(paths)
    _claim(output, overwrite, paths)
    report_format(output)  # .html or .docx, checked before any work
    if plots_dir:  # the charts are outputs too
        for chart in chart_files(plots_dir):
            _claim(str(chart), overwrite, paths)
    az = _analyzer(backend, user_dict, hmm, model)
    results, c, shared = _analyze_and_compare(files, az, comparison, with_reuse=True)
    _prepare_output(output)
    if plots_dir:
        _prepare_output(plots_dir, folder=True)
    write_any_report(output, results, c, pictures=not no_pictures, font=font, segmenter=az.segmenter,
                     title=title, lang=lang, keep_names=keep_names, drop_names=comparison["drop_names"],
                     by=comparison["by"], stopwords=comparison["stopwords"],
                     default_stopwords=comparison["default_stopwords"], reuse=shared)
    click.echo(f"wrote {output}", err=True)
    if plots_dir and c is not None:
        out = Path(plots_dir)
        for name, data in comparison_charts(c, font=font, lang=lang).items():
            _write(out / name, data)
        click.echo(f"wrote charts to {out}", err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="PNG to write; with --by unit, one PNG per unit named OUTPUT-UNIT.png.")
@click.option("--by", default=None,
              help="One cloud per group: unit, year, any metadata key, or several joined by commas.")
@click.option("--max-words", type=int, default=150, show_default=True)
@click.option("--keep-names", is_flag=True, help="Keep person names (dropped by default).")
@overwrite_option
@font_option
@backend_option
@dict_options
@drop_names_option
@stopwords_options
@_fail_cleanly
def wordcloud(paths: tuple[str, ...], output: str, by: str | None, max_words: int, keep_names: bool,
              overwrite: bool, font: str | None, backend: str | None, user_dict: tuple[str, ...], hmm: bool,
              drop_names: bool, stopwords_file: str | None, replace_stopwords: bool) -> None:
    """Draw a Chinese word cloud of the documents' words (stopwords, stock words and names removed)."""
    if by is None:
        _claim(output, overwrite, paths)
    groups = word_frequencies((read_input(p) for p in _expand(paths)),
                              _segmenter(backend, user_dict, hmm), by=by, keep_names=keep_names,
                              drop_names=drop_names,
                              stopwords=_read_words(stopwords_file) if stopwords_file else None,
                              default_stopwords=not replace_stopwords)
    targets = cloud_files(_prepare_output(output), groups, grouped=by is not None)
    for target in targets.values():
        _claim(str(target), overwrite, paths)
    for key, freqs in groups.items():
        png, drawn = word_cloud(freqs, font=font, max_words=max_words)
        _write(targets[key], png)
        click.echo(f"wrote {targets[key]} ({len(drawn)} words)", err=True)


@cli.command()
@click.argument("term")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--window", "-w", type=click.IntRange(min=1), default=15, show_default=True,
              help="Characters of context on each side.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@output_option
@_fail_cleanly
def kwic(term: str, paths: tuple[str, ...], window: int, fmt: str, output: str | None, overwrite: bool) -> None:
    """Keyword in context: every occurrence of TERM with its unit and section."""
    _claim(output, overwrite, paths)
    hits = find((read_input(p) for p in _expand(paths)), term, window=window)
    if fmt == "json":
        text = json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2)
    elif fmt == "csv":
        text = to_csv([h.to_dict() for h in hits], KWIC_COLUMNS).rstrip("\n")
    else:
        text = kwic_text(hits, term, window)
    _emit(text, output)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="csv: one tidy table (table = passage or document).")
@click.option("--min-chars", type=click.IntRange(min=1), default=15, show_default=True,
              help="Characters a passage must share, figures and stock formulas not counted.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.6, show_default=True,
              help="Least similarity of a passage (matched characters over its longer side).")
@click.option("--boilerplate-units", type=click.IntRange(min=2), default=4, show_default=True,
              help="A clause this many units use is a stock formula (套话), not copying.")
@output_option
@_fail_cleanly
def reuse(paths: tuple[str, ...], fmt: str, min_chars: int, threshold: float, boilerplate_units: int,
          output: str | None, overwrite: bool) -> None:
    """Passages documents share (earlier -> later by year), and each one's reused and stock shares."""
    _claim(output, overwrite, paths)  # never an input, never an existing file without --overwrite
    files = _expand(paths)
    r = find_reuse(files, min_chars=min_chars, threshold=threshold, boilerplate_units=boilerplate_units)
    if fmt == "json":
        text = json.dumps(r.to_dict(), ensure_ascii=False, indent=2)
    elif fmt == "csv":
        text = to_csv(reuse_rows(r), CSV_COLUMNS).rstrip("\n")
    else:
        text = reuse_text(r)
    _emit(text, output)


if __name__ == "__main__":  # pragma: no cover
    main()
