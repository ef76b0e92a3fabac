"""The pipeline: Document -> sentences -> tokens -> themes and problems -> Analysis.

``Analyzer`` holds the loaded pieces (segmenter, model, problem settings); ``analyze`` and
``analyze_many`` are conveniences over one lazily built default Analyzer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from speechlens.labels import LABELS
from speechlens.pipeline.results import Analysis, Failure, Problem, TaggedSentences
from speechlens.pipeline.workers import batched, run_in_workers, worker_died
from speechlens.reading.inputs import InputItem, item_id, item_meta, item_path, size_hint, to_document
from speechlens.records import Document
from speechlens.errors import SpeechlensError
from speechlens.reading.loading import expand_paths
from speechlens.reading.streams import STDIN, read_stream
from speechlens.model.context import confident_genre, genre_vector, stack_structure, structure_columns
from speechlens.pipeline.problems import (ProblemSettings, build_problems, problem_evidence_and_scores,
                                         problem_evidence_batch, problem_scores)
from speechlens.text.segmentation import Segmenter
from speechlens.text.structure import SentenceTable, table_of
from speechlens.model.themes import ThemeClassifier



class Analyzer:
    """Loaded segmenter + theme model + problem extractor; analyse one document or many.

    ``segmenter``: a Segmenter (default: governance dictionary, backend from the environment);
    ``model``: a ThemeClassifier or a model directory (default: ``$SPEECHLENS_MODEL`` or the
    shipped model); ``context``: 0 reads every sentence alone with the hand-weighted problem
    rules; any other value reads it in its document, through the model's context stage when it
    has one, else by blending in its heading's theme scores with this weight.
    """

    def __init__(self, *, segmenter: Segmenter | None = None, model: Any = None,
                 backend: str | None = None, context: float = 0.25,
                 problem_settings: ProblemSettings | None = None) -> None:
        self.segmenter = segmenter or Segmenter(backend=backend)
        self.model = model
        self.context = context
        self.problem_settings = problem_settings or ProblemSettings()
        self._clf: Any = None

    @property
    def classifier(self) -> Any:
        """The ThemeClassifier, loaded on first use."""
        if self._clf is None:
            if isinstance(self.model, ThemeClassifier):
                self._clf = self.model
                if self._clf.segmenter is None:
                    self._clf.segmenter = self.segmenter
            else:
                self._clf = ThemeClassifier.load(self.model, segmenter=self.segmenter)
        return self._clf

    def load(self) -> "Analyzer":
        """Load the model and the dictionary now instead of on first use: a bad one fails here
        with its message, and worker processes forked afterwards inherit both, with the lookup
        tables scoring builds from the model (each worker building its own cost 20% of the
        speed of two jobs: two copies compete for the processor's cache)."""
        self.classifier.prepare()
        self.segmenter.cut("预热")
        return self

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if not (self.model is not None and not isinstance(self.model, (str, os.PathLike))):
            state["_clf"] = None  # reload from its path in the other process
        return state

    # -- one document -----------------------------------------------------------------
    def analyze(self, item: InputItem, *, unit: str | None = None, genre: str | None = None,
                year: int | None = None, id: str | None = None) -> Analysis:
        """Analyse text (a str is text here), a Document, a Path, or an (id, text, metadata) row."""
        doc = to_document(item, unit=unit, genre=genre, year=year, id=id)
        return self._analyze_document(doc)

    def _analyze_document(self, doc: Document) -> Analysis:
        return self._analyze_batch([doc])[0]

    def _analyze_batch(self, docs: Sequence[Document]) -> list[Analysis]:
        """Analyse documents together: one segmentation call, one feature matrix and one
        product for all their sentences, then each document's problems and results."""
        tables = [table_of(d) for d in docs]
        sc = self.sentence_scores([n for tab in tables for n in tab.norms])
        ctx = self.classifier.context_
        contexts: list[Any] = [None] * len(docs)
        if ctx is not None and self.context > 0 and sum(1 for tab in tables if len(tab)) > 1:
            contexts = _in_context_batch(ctx, docs, tables, sc, self.problem_settings)
            return self._assemble_batch(docs, tables, sc, contexts)
        out = []
        a = 0
        for doc, tab, context in zip(docs, tables, contexts):
            b = a + len(tab)
            out.append(self.assemble(doc, tab, {k: v[a:b] for k, v in sc.items()}, context))
            a = b
        return out

    def sentence_scores(self, norms: list[str], chunk_chars: int = 250_000) -> dict[str, np.ndarray]:
        """The classifier's heads for every sentence, computed over chunks of at most about
        ``chunk_chars`` characters, so an enormous document never needs gigabytes of arrays
        (a sentence scores the same in any chunk)."""
        clf = self.classifier
        parts = []
        start, size = 0, 0
        for i, n in enumerate(norms):
            size += len(n) + 1
            if size >= chunk_chars or i == len(norms) - 1:
                chunk = norms[start:i + 1]
                parts.append(clf.scores(chunk, joined=self.segmenter.cut_joined(chunk)))
                start, size = i + 1, 0
        if not parts:
            return {}
        if len(parts) == 1:
            return parts[0]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def assemble(self, doc: Document, tab: SentenceTable, sc: Mapping[str, np.ndarray],
                 context: tuple[np.ndarray, np.ndarray, np.ndarray, str | None] | None = None) -> Analysis:
        """The Analysis of one document from its sentence table and its sentences' head scores
        (``context``: its context stage's results when worked out over a batch)."""
        clf = self.classifier
        if not len(tab):
            return Analysis(document=doc, themes={l: 0.0 for l in LABELS}, sentences=(),
                            problems=(), model=clf.info_.get("name"))
        detected = None
        ctx = clf.context_
        if context is not None:
            proba, thresholds, z, detected = context
        elif ctx is None or self.context <= 0:
            proba = _with_context(tab, sc["themes"], self.context)
            thresholds = clf.thresholds_
            z = np.asarray(problem_scores(tab, sc["problem"], genre=doc.genre, settings=self.problem_settings),
                           dtype=np.float64)
        else:
            proba, thresholds, z, detected = _in_context(ctx, doc, tab, sc, self.problem_settings)
        hits = proba >= thresholds
        names = clf.subthemes_
        sub = sc["subthemes"].argmax(axis=1)
        flagged = np.flatnonzero(z > 0)
        problems: list[Problem] = []
        if len(flagged):
            problems = build_problems(tab, flagged.tolist(), doc.text,
                                      themes=_admission_themes(proba[flagged], hits[flagged]),
                                      subthemes=[names[k] for k in sub[flagged].tolist()], scores=z[flagged].tolist(),
                                      document=doc.id or doc.path, unit=doc.unit)
        body = ~np.asarray(tab.headings, dtype=bool)
        lengths = np.fromiter(map(len, tab.norms), dtype=np.int64, count=len(tab)) * body
        return Analysis(document=doc, themes=_shares(lengths, hits), problems=tuple(problems),
                        sentences=TaggedSentences(tab, proba, thresholds, z, sub, names),
                        model=clf.info_.get("name"), sections=_section_table(tab, lengths, hits, body),
                        detected_genre=detected)

    def _assemble_batch(self, docs: Sequence[Document], tables: Sequence[SentenceTable],
                        sc: Mapping[str, np.ndarray], contexts: Sequence[Any]) -> list[Analysis]:
        """``assemble`` for every document of a batch whose context stage ran over the batch
        (``contexts`` from ``_in_context_batch``): theme hits, sub-themes, lengths and each
        admission's themes worked out over all sentences at once, the problems read from the
        table columns; each document's Analysis is the one ``assemble`` gives."""
        clf = self.classifier
        names = clf.subthemes_
        model = clf.info_.get("name")
        rows = [c for c in contexts if c is not None]
        thresholds = rows[0][1]
        proba = np.concatenate([c[0] for c in rows])
        z = np.concatenate([c[2] for c in rows])
        hits = proba >= thresholds
        sub = sc["subthemes"].argmax(axis=1)
        body = ~np.fromiter((h for tab in tables for h in tab.headings), dtype=bool, count=len(z))
        lengths = np.fromiter((len(x) for tab in tables for x in tab.norms), dtype=np.int64, count=len(z)) * body
        flagged = np.flatnonzero(z > 0)
        themes_of = _admission_themes(proba[flagged], hits[flagged])
        sub_of = [names[k] for k in sub[flagged].tolist()]
        z_of = z[flagged].tolist()
        cut = np.searchsorted(flagged, np.cumsum([len(tab) for tab in tables])).tolist()
        flagged_list = flagged.tolist()
        out = []
        a = p = 0
        for doc, tab, context, q in zip(docs, tables, contexts, cut):
            b = a + len(tab)
            if context is None:
                out.append(self.assemble(doc, tab, {k: v[a:b] for k, v in sc.items()}, None))
                a, p = b, q
                continue
            problems = build_problems(tab, [i - a for i in flagged_list[p:q]], doc.text, themes=themes_of[p:q],
                                      subthemes=sub_of[p:q], scores=z_of[p:q], document=doc.id or doc.path,
                                      unit=doc.unit)
            h, n = hits[a:b], lengths[a:b]
            out.append(Analysis(document=doc, themes=_shares(n, h), problems=tuple(problems),
                                sentences=TaggedSentences(tab, context[0], context[1], context[2], sub[a:b], names),
                                model=model, sections=_section_table(tab, n, h, body[a:b]),
                                detected_genre=context[3]))
            a, p = b, q
        return out

    # -- many documents -----------------------------------------------------------------
    def pipe(self, inputs: Iterable[InputItem], *, jobs: int = 1, on_error: str = "raise",
             batch_chars: int = 60_000, progress: bool = False) -> Iterator[Analysis | Failure]:
        """Analyse many inputs in order, with ``jobs`` worker processes.

        A str is text, as in ``analyze``; a ``pathlib.Path`` is a file to read. ``on_error``: "raise" stops at the first bad
        document, "record" yields a Failure in its place, "skip" drops it. Documents are
        analysed in batches of about ``batch_chars`` characters (results do not depend on it).
        ``progress``: a tqdm progress bar on standard error (documents done; with a total when
        ``inputs`` has a length); off by default.
        """
        if on_error not in ("raise", "record", "skip"):
            raise ValueError("on_error must be 'raise', 'record' or 'skip'")
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        total = len(inputs) if progress and hasattr(inputs, "__len__") else None  # type: ignore[arg-type]
        return self._pipe(inputs, jobs, on_error, batch_chars, progress, total)

    def _pipe(self, inputs: Iterable[InputItem], jobs: int, on_error: str, batch_chars: int, progress: bool,
              total: int | None) -> Iterator[Analysis | Failure]:
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="doc", desc="analysing", file=sys.stderr, dynamic_ncols=True)
        batches = input_batches(inputs, batch_chars, ramp=jobs)
        if jobs == 1:
            results: Iterable[list[Analysis | Failure]] = map(self.safe_batch, batches)
        else:
            results = self._parallel(batches, jobs)
        try:
            for batch in results:
                for r in batch:
                    if bar is not None:
                        bar.update(1)
                    if isinstance(r, Failure):
                        if on_error == "raise":
                            raise SpeechlensError(r.error)
                        if on_error == "skip":
                            continue
                    yield r
        finally:
            if bar is not None:
                bar.close()

    def safe_batch(self, items: Sequence[InputItem]) -> list[Analysis | Failure]:
        """Results for a batch of inputs, in order; a bad input becomes a Failure in its place."""
        out: list[Analysis | Failure | None] = [None] * len(items)
        docs, slots = [], []
        for i, item in enumerate(items):
            if isinstance(item, Failure):
                out[i] = item
                continue
            try:
                docs.append(to_document(item))
                slots.append(i)
            except SpeechlensError as exc:
                out[i] = Failure(id=item_id(item), path=item_path(item), error=str(exc),
                                 metadata=item_meta(item))
        try:
            done: list[Analysis | Failure] = list(self._analyze_batch(docs))
        except Exception:  # find the document at fault; the others are analysed alone
            done = [self._safe_document(doc) for doc in docs]
        for i, r in zip(slots, done):
            out[i] = r
        return out  # type: ignore[return-value]

    def _safe_document(self, doc: Document) -> Analysis | Failure:
        try:
            return self._analyze_document(doc)
        except SpeechlensError as exc:
            return Failure(id=doc.id, path=doc.path, error=str(exc), metadata=doc.metadata)
        except Exception as exc:  # an analysis bug must not lose the rest of a batch
            return Failure(id=doc.id, path=doc.path,
                           error=f"{doc.path or doc.id}: analysis failed ({type(exc).__name__}: {exc})",
                           metadata=doc.metadata)

    def _parallel(self, batches: Iterable[list[InputItem]], jobs: int) -> Iterator[list[Analysis | Failure]]:
        yield from run_in_workers(self, jobs, _init_worker, _work, batches, worker_died)


_worker: Analyzer | None = None


def _init_worker(analyzer: Analyzer) -> None:
    global _worker
    _worker = analyzer
    analyzer.load()  # once per worker (a no-op when forked from a loaded parent), not per document


def _work(items: list[InputItem]) -> list[Analysis | Failure]:
    assert _worker is not None
    return _worker.safe_batch(items)


def input_batches(items: Iterable[InputItem], batch_chars: int, ramp: int = 1) -> Iterator[list[InputItem]]:
    """Inputs in batches of about ``batch_chars`` characters (see ``batched``)."""
    return batched(items, size_hint, batch_chars, ramp=ramp)


def _in_context(ctx: Any, doc: Document, tab: SentenceTable, sc: Mapping[str, np.ndarray],
                settings: ProblemSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None]:
    """Theme probabilities, their thresholds, problem log-odds and the detected genre, with
    each sentence read in its document by the model's context stage."""
    st = structure_columns(tab)
    detected = ctx.detect_genre(doc.text, sc["themes"], sc["problem"])
    genre = genre_vector(doc.genre, detected, ctx.genre.genres)
    evidence, rule_z = problem_evidence_and_scores(tab, sc["problem"], genre=None, settings=settings)
    proba, z = ctx.read(tab, sc["themes"], np.asarray(rule_z, dtype=np.float64), sc["problem"], evidence, genre, st)
    return proba, ctx.theme_thresholds, z, confident_genre(detected, ctx.genre.genres, doc.text)


def _admission_themes(proba: np.ndarray, hits: np.ndarray) -> list[tuple[str, ...]]:
    """Each admission's themes from its rows of probabilities and hits: its labels over
    threshold, else the best one at 0.25 or more."""
    if not len(proba):
        return []
    best = proba.argmax(axis=1)
    fallback = proba[np.arange(len(best)), best] >= 0.25
    return [tuple(l for l, h in zip(LABELS, b) if h) or ((LABELS[k],) if ok else ())
            for b, k, ok in zip(hits.tolist(), best.tolist(), fallback.tolist())]


def _in_context_batch(ctx: Any, docs: Sequence[Document], tables: Sequence[SentenceTable],
                      sc: Mapping[str, np.ndarray], settings: ProblemSettings) -> list[Any]:
    """``_in_context`` for a batch of documents at once (``sc``: the heads of all their sentences,
    in order): genre per document, the rule evidence of all sentences in one pass
    (``problem_evidence_batch``), then the context features of all sentences in one pass (cut at
    document boundaries) and one product per document, so each document gets the bits it gets
    alone. None for a document without sentences."""
    genres = ctx.genre.genres
    sts, gen, detected = [], [], []
    a = 0
    for doc, tab in zip(docs, tables):
        b = a + len(tab)
        sts.append(structure_columns(tab))
        if b > a:
            d = ctx.detect_genre(doc.text, sc["themes"][a:b], sc["problem"][a:b])
            gen.append(genre_vector(doc.genre, d, genres))
            detected.append(confident_genre(d, genres, doc.text))
        else:
            gen.append(np.zeros(len(genres)))
            detected.append(None)
        a = b
    st = stack_structure(sts)
    bounds = st["bounds"]
    g = np.repeat(np.array(gen, dtype=np.float64), np.diff(bounds), axis=0)
    evidence, rule_z = problem_evidence_batch(tables, sc["problem"], genre=None, settings=settings)
    proba, z = ctx.read(None, sc["themes"], rule_z, sc["problem"], evidence, g, st)
    out: list[Any] = []
    for k, (a, b) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist())):
        out.append((proba[a:b], ctx.theme_thresholds, z[a:b], detected[k]) if b > a else None)
    return out


def _with_context(tab: SentenceTable, proba: np.ndarray, weight: float) -> np.ndarray:
    """Blend each sentence's theme scores with those of the heading it sits under."""
    if weight <= 0:
        return proba
    heading_of: dict[str, int] = {}
    rows, heads = [], []
    for i, (section, heading) in enumerate(zip(tab.sections, tab.headings)):
        if heading and section:
            heading_of[section] = i
        elif section:
            h = heading_of.get(section)
            if h is not None:
                rows.append(i)
                heads.append(h)
    out = proba.copy()
    if rows:
        out[rows] = (1 - weight) * proba[rows] + weight * proba[heads]
    return out


def _shares(lengths: np.ndarray, hits: np.ndarray) -> dict[str, float]:
    """Share of each theme: characters of the sentences tagged with it over all tagged characters."""
    return _shares_of((lengths @ hits.astype(np.int64)).tolist())


def _shares_of(totals: list[int]) -> dict[str, float]:
    """``_shares`` from each theme's tagged characters (exact integers)."""
    s = float(sum(totals))  # integers far below 2**53: the same as adding them as floats
    return {l: (float(t) / s if s else 0.0) for l, t in zip(LABELS, totals)}


def _section_table(tab: SentenceTable, lengths: np.ndarray, hits: np.ndarray,
                   body: np.ndarray) -> tuple[dict[str, Any], ...]:
    """Theme shares of each top-level part in document order (opening and closing remarks,
    which sit under no heading, are parts with ``section`` None)."""
    sections = tab.sections
    tops: list[str | None] = []
    starts: list[int] = []
    # Only where the section changes can the top-level part change.
    for i in [0] + [i for i, (a, b) in enumerate(zip(sections, sections[1:]), 1) if a != b]:
        section = sections[i]
        top = section.split(" / ")[0] if section else None
        if not tops or tops[-1] != top:
            tops.append(top)
            starts.append(i)
    # Each part's tagged characters per theme and body sentences, for all parts at once: sums
    # of integers, exact in any order.
    totals = np.add.reduceat(hits * lengths[:, None], starts, axis=0).tolist()
    counts = np.add.reduceat(body, starts, dtype=np.int64).tolist()
    ends = starts[1:] + [len(tab)]
    out = []
    for top, a, b, t, c in zip(tops, starts, ends, totals, counts):
        shares = _shares_of(t)
        out.append({"section": top, "start": tab.starts[a], "end": tab.ends[b - 1],
                    "sentences": c, "themes": {l: round(v, 4) for l, v in shares.items()},
                    "dominant": max(shares, key=shares.get) if any(shares.values()) else None})  # type: ignore[arg-type]
    return tuple(out)


_default: Analyzer | None = None


def default_analyzer() -> Analyzer:
    """The lazily built process-wide Analyzer behind ``analyze`` and ``analyze_many``."""
    global _default
    if _default is None:
        _default = Analyzer()
    return _default


def analyze(text: InputItem, *, unit: str | None = None, genre: str | None = None,
            year: int | None = None, id: str | None = None) -> Analysis:
    """Analyse one text (a str is text; a Path is read; or a Document): sentences, themes, shares
    and admitted problems."""
    return default_analyzer().analyze(text, unit=unit, genre=genre, year=year, id=id)


def analyze_many(inputs: Iterable[InputItem], *, jobs: int = 1, on_error: str = "raise",
                 analyzer: Analyzer | None = None, progress: bool = False) -> Iterator[Analysis | Failure]:
    """Analyse texts (str), files (pathlib.Path), Documents or (id, text, metadata) rows in input
    order with ``jobs`` processes; a str is text here exactly as in ``analyze``. ``progress``: a
    progress bar on standard error (off by default)."""
    return (analyzer or default_analyzer()).pipe(inputs, jobs=jobs, on_error=on_error, progress=progress)


def analyze_paths(paths: Iterable[str | Path], analyzer: Analyzer | None = None, *, progress: bool = False,
                  on_skip: Callable[[str], None] | None = None) -> list[Analysis]:
    """Analyses of the files named and the readable files in the folders named (``-``: standard
    input), in order; with ``progress``, a progress bar on standard error when there are several."""
    files = expand_paths(paths, on_skip)
    az = analyzer or default_analyzer()
    results: Iterable[Any] = az.pipe([read_stream() if p == STDIN else Path(p) for p in files], on_error="raise")
    if progress and len(files) > 1:
        from tqdm import tqdm

        results = tqdm(results, total=len(files), unit="doc", desc="analysing", leave=False, file=sys.stderr)
    return list(results)


def extract_problems(document_or_text, *, analyzer=None) -> list[Problem]:
    """Admitted problems of a Document or text (runs the whole analysis)."""
    return list((analyzer or default_analyzer()).analyze(document_or_text).problems)
