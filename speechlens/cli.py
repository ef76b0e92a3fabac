"""The ``speechlens`` command: each command parses, makes one library call, formats."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

import click

from . import __version__
from .errors import SpeechlensError


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
            sys.stderr.close()
            sys.exit(0)

    return wrapper


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


def output_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``-o/--output`` shared by commands that may write a file instead of stdout."""
    return click.option(
        "-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
        help="Write to this file instead of standard output.",
    )(fn)


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


def _segmenter(backend: str | None, user_dict: Iterable[str], hmm: bool):
    from .segmentation import Segmenter

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
            hmm: bool, output: str | None) -> None:
    """Split documents into sentences and words with the governance dictionary."""
    from .loading import read_document
    from .structure import sentences_of

    seg = _segmenter(backend, user_dict, hmm)
    records = []
    lines = []
    for path in _expand(paths):
        doc = read_document(path)
        sents = []
        for s in sentences_of(doc):
            toks = seg.cut(s.norm)
            sents.append({"start": s.start, "end": s.end, "section": s.section,
                          "heading": s.is_heading, "tokens": toks})
            lines.append(" ".join(t for t in toks if t.strip()))
        records.append({"path": doc.path, "unit": doc.unit, "year": doc.year,
                        "genre": doc.genre, "encoding": doc.encoding, "sentences": sents})
    if fmt == "json":
        _emit(json.dumps(records if len(records) > 1 else records[0], ensure_ascii=False, indent=2), output)
    else:
        _emit("\n".join(lines), output)


def _expand(paths: Iterable[str]) -> list[str]:
    """Files named, and the readable files inside folders named, in sorted order."""
    from .loading import SUPPORTED_SUFFIXES

    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(
                str(f) for f in path.rglob("*")
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and f.suffix
                and not f.name.startswith(".")
            )
            if not found:
                raise SpeechlensError(f"{p}: folder holds no .txt or .docx files")
            out.extend(found)
        elif not path.exists():
            raise SpeechlensError(f"{p}: no such file or folder")
        else:
            out.append(str(path))
    return out


if __name__ == "__main__":  # pragma: no cover
    main()
