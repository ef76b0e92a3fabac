"""Governance-aware word segmentation over a private jieba (or rjieba) tokenizer.

speechlens never touches jieba's module-level tokenizer: each Segmenter owns one, loaded
lazily with the governance dictionary, and pickles as its configuration so it rebuilds
itself, dictionary included, in a worker process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any, Iterable, Sequence

from speechlens.errors import ResourceError, SpeechlensError
from speechlens.records import Document
from speechlens.resources import governance_terms, parse_dictionary_lines, read_user_text
from speechlens.text import dictcache
from speechlens.text.structure import sentences_of

BACKENDS = ("jieba", "rjieba")
# jieba's own block pattern: both backends see exactly these runs, so they cannot disagree
# on what counts as Chinese (jieba-rs also treats CJK extension blocks as Chinese).
_HAN_RUN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
_SKIP = re.compile(r"(\r\n|\s)")
# Characters jieba-rs puts in its Chinese runs and jieba does not: CJK extension blocks,
# compatibility ideographs and the last code points of the unified block.
_RJIEBA_ONLY_HAN = re.compile("[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\ud800-\udfff\U00020000-\U0002fa1f]")
_FIGURE_PART = re.compile(r"[0-9]+|[.%\-]")
_FIGURE = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:%|(?:-[0-9]+(?:\.[0-9]+)?%?))?")
_log_lock = threading.Lock()
# Runs of Chinese whose tokens the jieba backend remembers. Formulas recur across an archive
# (坚持以人民为中心, 全面从严治党 …); a run cuts the same wherever it stands, so a remembered run
# is exact. Cleared when full, which bounds its memory (about 13 MB at this size); 0 turns it off.
BLOCK_CACHE_SIZE = 20_000


def default_backend() -> str:
    """``SPEECHLENS_BACKEND`` if set, else rjieba when installed, else jieba."""
    env = os.environ.get("SPEECHLENS_BACKEND", "").strip().lower()
    if env:
        if env not in BACKENDS:
            raise SpeechlensError(
                f"SPEECHLENS_BACKEND={env!r} is not a backend: use one of {', '.join(BACKENDS)}"
            )
        return env
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return "jieba"
    return "rjieba"


def cache_dir() -> Path:
    """Per-user cache directory for jieba's prefix dictionary (see dictcache: trusted only when
    this user owns it, and kept at mode 0700)."""
    env = os.environ.get("SPEECHLENS_CACHE_DIR")
    if env:
        path = Path(env)
    else:
        import platformdirs

        path = Path(platformdirs.user_cache_dir("speechlens", appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


class Segmenter:
    """A word segmenter that keeps governance terms whole.

    ``backend``: "jieba" (reference) or "rjieba" (fast, token-identical here); default from
    ``SPEECHLENS_BACKEND`` or rjieba when installed. ``hmm``: jieba's new-word guessing, off by
    default (it invents words on governance text as often as it finds them; see README).
    ``user_dict``: paths of jieba-style dictionary files (``word [freq] [tag]`` per line);
    ``words``: extra words; ``governance``: load the packaged governance dictionary.
    """

    def __init__(
        self,
        *,
        backend: str | None = None,
        hmm: bool = False,
        user_dict: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        words: Iterable[str] = (),
        governance: bool = True,
    ) -> None:
        self.backend = backend
        self.hmm = hmm
        if user_dict is None:
            paths: tuple[str, ...] = ()
        elif isinstance(user_dict, (str, os.PathLike)):
            paths = (os.fspath(user_dict),)
        else:
            paths = tuple(os.fspath(p) for p in user_dict)
        self.user_dict = paths
        self.words = tuple(words)
        self.governance = governance
        resolved = (backend or default_backend()).lower()
        if resolved not in BACKENDS:
            raise SpeechlensError(f"unknown backend {backend!r}: use one of {', '.join(BACKENDS)}")
        self.backend_ = resolved
        self._tk: Any = None
        self._cutter: Any = None
        self.block_cache: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    # -- pickling: configuration only, the tokenizer is rebuilt lazily ------------------
    def __getstate__(self) -> dict[str, Any]:
        return {
            "backend": self.backend, "hmm": self.hmm, "user_dict": self.user_dict,
            "words": self.words, "governance": self.governance, "backend_": self.backend_,
            # The dictionary entries once read (by this process or the one it came from), so a
            # copy of a copy, as Dask makes when it spreads data between workers, needs no files.
            "entries": self.__dict__.get("_entries_cache"),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        entries = state.pop("entries", None)
        self.__dict__.update(state)
        self._tk = None
        self._cutter = None
        self.block_cache = {}
        self._lock = threading.Lock()
        self._entries_cache = entries

    def __repr__(self) -> str:
        return (f"Segmenter(backend={self.backend_!r}, hmm={self.hmm}, "
                f"user_dict={list(self.user_dict)!r}, words={len(self.words)})")

    # -- dictionary ---------------------------------------------------------------------
    def _entries(self) -> list[tuple[str, int | None]]:
        cached = getattr(self, "_entries_cache", None)
        if cached is not None:
            return cached
        entries: list[tuple[str, int | None]] = []
        if self.governance:
            entries.extend(governance_terms())
        for path in self.user_dict:
            text = read_user_text(path, "user dictionary", ResourceError)
            entries.extend(parse_dictionary_lines(text.splitlines()))
        entries.extend((w, None) for w in self.words if w and w.strip())
        self._entries_cache = entries
        return entries


    def tokenizer(self) -> Any:
        """The private jieba (or rjieba) tokenizer with the dictionaries, loaded on first use."""
        tk = self._tk
        if tk is not None:
            return tk
        with self._lock:
            if self._tk is None:
                self._tk = self._build()
        return self._tk

    def _build(self) -> Any:
        entries = self._entries()
        if self.backend_ == "rjieba":
            try:
                import rjieba
            except ImportError:
                raise SpeechlensError(
                    "backend 'rjieba' is not installed: pip install 'speechlens[fast]' "
                    "or use --backend jieba"
                ) from None
            tk = rjieba.Jieba()
            for word, freq in entries:
                tk.add_word(word, freq if freq is not None else _suggest(tk, word), None)
            return tk
        import jieba


        tk = jieba.Tokenizer()
        folder = dictcache.trusted_folder(cache_dir())
        version = getattr(jieba, "__version__", "x")
        digest = hashlib.sha1(repr(entries).encode("utf-8")).hexdigest()
        if folder is None:  # another user's folder: nothing in it is read or written
            with dictcache.private_tmp() as tmp:
                tk.tmp_dir = tmp
                self._initialize(jieba, tk)
                for word, freq in entries:
                    tk.add_word(word, freq if freq is not None else _suggest(tk, word))
            return tk
        full_cache = folder / f"speechlens-jieba-{version}-{digest[:16]}.cache"
        loaded = dictcache.load(full_cache, digest, [w for w, _ in entries])
        if loaded is not None:
            tk.FREQ, tk.total = loaded
            tk.initialized = True
            return tk
        tk.tmp_dir = str(folder)
        tk.cache_file = f"jieba-{version}.cache"
        self._initialize(jieba, tk)
        for word, freq in entries:
            tk.add_word(word, freq if freq is not None else _suggest(tk, word))
        dictcache.save(full_cache, digest, tk.FREQ, tk.total)
        return tk

    @staticmethod
    def _initialize(jieba: Any, tk: Any) -> None:
        """jieba's own dictionary load, with its chatter on the log silenced."""
        with _log_lock:
            logger = jieba.default_logger
            level = logger.level
            logger.setLevel(logging.WARNING)
            try:
                tk.initialize()
            finally:
                logger.setLevel(level)

    # -- cutting --------------------------------------------------------------------------
    def cut(self, text: str) -> list[str]:
        """Tokens of ``text``; ``"".join(tokens) == text``."""
        if not text:
            return []
        cut_block = self._block_cutter()
        # jieba cuts each run on its own (rjieba too, but one call over the text is cheaper
        # there than a Python loop over runs, so only jieba's runs are remembered).
        seen = self.block_cache if self.backend_ == "jieba" and BLOCK_CACHE_SIZE > 0 else None
        out: list[str] = []
        for i, block in enumerate(_HAN_RUN.split(text)):
            if not block:
                continue
            if i % 2:
                toks = seen.get(block) if seen is not None else None
                if toks is None:
                    toks = cut_block(block)
                    if _FIGURE_JOIN.search(block):
                        toks = _merge_figures(toks)
                    if seen is not None:
                        if len(seen) >= BLOCK_CACHE_SIZE:
                            seen.clear()
                        seen[block] = toks
                out.extend(toks)
            elif len(block) == 1:  # most often one punctuation mark or line break
                out.append(block)
            elif not _SKIP.search(block):
                out.extend(block)  # one token per character, as jieba gives them
            else:
                for piece in _SKIP.split(block):
                    if not piece:
                        continue
                    if _SKIP.fullmatch(piece):
                        out.append(piece)
                    else:
                        out.extend(piece)
        return out

    def cut_many(self, texts: Sequence[str]) -> list[list[str]]:
        """Tokens of each text, segmented in one pass (texts must not contain line breaks)."""
        if not texts:
            return []
        tokens = self.cut_joined(texts)
        cuts = [i for i, tok in enumerate(tokens) if tok == "\n"]
        bounds = zip([-1] + cuts, cuts + [len(tokens)])
        return [tokens[a + 1:b] for a, b in bounds]

    def cut_joined(self, texts: Sequence[str]) -> list[str]:
        """Tokens of ``"\\n".join(texts)`` in one backend call: exactly the tokens of each text,
        with one ``"\\n"`` token between consecutive texts. Texts holding a line break (or
        ending in a carriage return) are cut one by one instead."""
        if not texts:
            return []
        if any("\n" in t or t.endswith("\r") for t in texts):
            out = self.cut(texts[0])
            for t in texts[1:]:
                out.append("\n")
                out.extend(self.cut(t))
            return out
        joined = "\n".join(texts)
        if self.backend_ == "jieba":
            return self.cut(joined)  # run by run, remembering runs
        if _RJIEBA_ONLY_HAN.search(joined):
            return self._cut_around_rjieba_only(texts)
        return _cut_around_figures(self.tokenizer(), joined, self.hmm)

    def _cut_around_rjieba_only(self, texts: Sequence[str]) -> list[str]:
        """``cut_joined`` on rjieba when some texts hold characters only rjieba counts as Chinese
        (or cannot take): those texts are cut run by run, as jieba does, and the texts between
        them in one rjieba call each, instead of the whole batch run by run for one such
        character (opencc writes some into simplified text). Each line break is a token of its
        own either way, so the pieces' tokens are the whole's."""
        tk = self.tokenizer()
        out: list[str] = []
        start = 0
        for i, t in enumerate(texts):
            if _RJIEBA_ONLY_HAN.search(t):
                if i > start:
                    out += _cut_around_figures(tk, "\n".join(texts[start:i]), self.hmm)
                    out.append("\n")
                out += self.cut(t)
                if i + 1 < len(texts):
                    out.append("\n")
                start = i + 1
        if start < len(texts):
            out += _cut_around_figures(tk, "\n".join(texts[start:]), self.hmm)
        return out

    def _block_cutter(self) -> Any:
        """A function cutting one run of Chinese/alphanumerics into a token list."""
        fn = getattr(self, "_cutter", None)
        if fn is not None:
            return fn
        tk = self.tokenizer()
        hmm = self.hmm
        if self.backend_ == "rjieba":
            def fn(block: str) -> list[str]:
                return tk.cut(block, hmm)
        else:
            # Tokenizer.cut re-splits its input into the same runs; calling the per-run
            # routine directly skips that second pass. Fall back to cut() if it is renamed.
            inner = getattr(tk, "_Tokenizer__cut_DAG" if hmm else "_Tokenizer__cut_DAG_NO_HMM", None)
            if inner is not None:
                def fn(block: str) -> list[str]:
                    return list(inner(block))
            else:  # pragma: no cover - depends on jieba internals
                def fn(block: str) -> list[str]:
                    return list(tk.cut(block, HMM=hmm))
        self._cutter = fn
        return fn

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        """Tokens with their (start, end) offsets into ``text``."""
        out = []
        pos = 0
        for tok in self.cut(text):
            out.append((tok, pos, pos + len(tok)))
            pos += len(tok)
        return out

    def words_of(self, text: str) -> list[str]:
        """Tokens without whitespace and punctuation: the words statistics count."""
        return [t for t in self.cut(text) if is_word(t)]


def _suggest(tk: Any, word: str) -> int:
    # Both backends implement jieba's suggest_freq; an explicit frequency keeps them in step.
    try:
        return int(tk.suggest_freq(word))
    except TypeError:
        return int(tk.suggest_freq(word, False))


_FIGURE_JOIN = re.compile(r"[0-9][.%\-]")  # only these split figures need joining


def _merge_figures(tokens: list[str]) -> list[str]:
    """Join digit runs split by the dictionary pass ("2", ".", "3" -> "2.3"; "5", "%" -> "5%")."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if not buf:
            return
        s = "".join(buf)
        pos = 0
        while pos < len(s):
            m = _FIGURE.match(s, pos)
            if m and m.end() > pos:
                out.append(m.group(0))
                pos = m.end()
            else:
                out.append(s[pos])
                pos += 1
        buf.clear()

    for tok in tokens:
        if buf:
            if _FIGURE_PART.fullmatch(tok):
                buf.append(tok)
                continue
            flush()
        if tok.isascii() and tok.isdigit():
            buf.append(tok)
        else:
            out.append(tok)
    flush()
    return out


def _cut_around_figures(tk: Any, text: str, hmm: bool) -> list[str]:
    """rjieba's tokens of ``text`` with figures joined as ``cut`` joins them: each run of
    Chinese/alphanumerics holding a split figure is cut on its own and its figures joined;
    the text between such runs goes to rjieba whole. Both backends cut a run the same
    wherever it stands, so the pieces' tokens are the whole text's."""
    out: list[str] = []
    prev = 0
    run_end = -1
    n = len(text)
    backwards = ""
    for m in _FIGURE_JOIN.finditer(text):
        at = m.start()
        if at < run_end:
            continue
        if not backwards:
            backwards = text[::-1]  # the run's start is its end, read backwards
        run_start = n - _HAN_RUN.match(backwards, n - 1 - at).end()  # type: ignore[union-attr]
        run_end = _HAN_RUN.match(text, at).end()  # type: ignore[union-attr]
        if run_start > prev:
            out += tk.cut(text[prev:run_start], hmm)
        out += _merge_figures(tk.cut(text[run_start:run_end], hmm))
        prev = run_end
    if prev < n:
        out += tk.cut(text[prev:] if prev else text, hmm)
    return out


# Punctuation and white space: a token of nothing else is not a word (counts, clouds, statistics).
PUNCT = frozenset("，。！？、；：“”‘’（）《》【】…—·,.!?;:\"'()[]<>-_/\\|~`@#$%^&*+=　 \t\r\n")


def is_word(tok: str) -> bool:
    """Whether a token is a word: not empty, not only punctuation or white space."""
    return bool(tok.strip()) and not all(c in PUNCT for c in tok)


_default: Segmenter | None = None


def default_segmenter() -> Segmenter:
    """The process-wide default Segmenter (built on first use)."""
    global _default
    if _default is None:
        _default = Segmenter()
    return _default


def segment(text: str, *, segmenter: Segmenter | None = None) -> list[str]:
    """Segment ``text`` with the governance dictionary (default Segmenter)."""
    return (segmenter or default_segmenter()).cut(text)


def segmented(doc: Document, segmenter: Segmenter) -> dict[str, Any]:
    """The ``speechlens segment --format json`` record of a Document: its metadata and, per
    sentence, offsets, section, heading flag and tokens."""
    sents = [{"start": s.start, "end": s.end, "section": s.section, "heading": s.is_heading,
              "tokens": segmenter.cut(s.norm)} for s in sentences_of(doc)]
    return {"path": doc.path, "unit": doc.unit, "year": doc.year, "genre": doc.genre,
            "encoding": doc.encoding, "sentences": sents}


def token_lines(record: dict[str, Any]) -> list[str]:
    """The text form of a ``segmented`` record: one sentence a line, tokens separated by spaces."""
    return [" ".join(t for t in s["tokens"] if t.strip()) for s in record["sentences"]]
