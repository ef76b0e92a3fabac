"""Sentence features shared by training and inference: words, word pairs, character pairs,
theme-lexicon hits. Pure Python + numpy, so inference never imports scikit-learn."""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from speechlens.text.normalization import clean_span, to_simplified

from speechlens.labels import LABELS
from speechlens.resources import read_text
from speechlens.text.segmentation import PUNCT

_NUM = re.compile(r"^[0-9０-９.%\-]+$")
_RED = re.compile(r"^(?:[*＊×xX]+|XX|xx)$")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
# The classifier drops punctuation tokens, except % and * which it keeps (figures, redactions: _NUM, _RED).
_PUNCT = PUNCT - {"%", "*"}


@lru_cache(maxsize=None)
def lexicon() -> dict[str, tuple[str, ...]]:
    """Theme keyword lexicon (the keyword baseline and a classifier feature)."""
    data = json.loads(read_text("theme_keywords.json"))
    return {label: tuple(data[label]) for label in LABELS}


@lru_cache(maxsize=None)
def _lexicon_patterns() -> tuple[tuple[str, "re.Pattern[str]"], ...]:
    lex = lexicon()
    return tuple((label, re.compile("|".join(re.escape(k) for k in sorted(lex[label], key=len, reverse=True))))
                 for label in LABELS)


def lexicon_hits(text: str) -> tuple[str, ...]:
    """Labels whose keywords occur in ``text``."""
    return tuple(label for label, pat in _lexicon_patterns() if pat.search(text))


@lru_cache(maxsize=None)
def subtheme_lexicon() -> dict[str, str]:
    """The sub-theme lexicon (``data/theme_lexicon.tsv``): term -> sub-theme, e.g. 改厕 ->
    livelihood/environment. Decides the theme of short headings and items that carry few words."""
    out: dict[str, str] = {}
    for line in read_text("theme_lexicon.tsv").splitlines():
        if line.strip() and not line.startswith("#"):
            term, sub = line.split("\t")
            out[term.strip()] = sub.strip()
    return out


@lru_cache(maxsize=None)
def _subtheme_automaton() -> tuple[Any, tuple[str, ...]]:
    import ahocorasick

    lex = subtheme_lexicon()
    names = tuple(sorted(set(lex.values())))
    index = {n: i for i, n in enumerate(names)}
    automaton = ahocorasick.Automaton()
    for term, sub in lex.items():
        automaton.add_word(term, index[sub])
    automaton.make_automaton()
    return automaton, names


def subtheme_rows(norms: Sequence[str]) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(sentence rows, sub-theme indices, sub-theme names): each distinct lexicon sub-theme found
    in each text, in one pass of an Aho-Corasick automaton over the joined texts."""
    automaton, names = _subtheme_automaton()
    if not norms:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), names
    hits = np.array(list(automaton.iter("\n".join(norms))), dtype=np.int64).reshape(-1, 2)
    if not len(hits):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), names
    ends = np.cumsum([len(t) + 1 for t in norms])
    rows = np.searchsorted(ends, hits[:, 0], side="right")
    keys = np.unique(rows * len(names) + hits[:, 1])
    return keys // len(names), keys % len(names), names


def subtheme_hits(text: str) -> tuple[str, ...]:
    """Lexicon sub-themes found in ``text``, sorted."""
    _, subs, names = subtheme_rows([text])
    return tuple(names[i] for i in subs.tolist())


@lru_cache(maxsize=500_000)
def normalise_token(tok: str) -> str | None:
    """Map figures to <NUM>, redactions to <RED>, drop punctuation and whitespace."""
    if not tok.strip() or all(c in _PUNCT for c in tok):
        return None
    if _NUM.match(tok):
        return "<NUM>"
    if _RED.match(tok):
        return "<RED>"
    return tok


def sentence_features(tokens: Sequence[str], norm: str, *, char_ngrams: int = 3,
                      word_pairs: bool = True, use_lexicon: bool = True) -> list[str]:
    """Feature strings of one sentence (with repeats; counts become term frequencies)."""
    words = [w for w in (normalise_token(t) for t in tokens) if w is not None]
    feats = ["w:" + w for w in words]
    if word_pairs:
        feats.extend("b:" + a + "|" + b for a, b in zip(words, words[1:]))
    if char_ngrams >= 2:
        for run in _CJK.findall(norm):
            feats.extend("c:" + run[i:i + 2] for i in range(len(run) - 1))
            if char_ngrams >= 3:
                feats.extend("t:" + run[i:i + 3] for i in range(len(run) - 2))
    if use_lexicon:
        feats.extend("k:" + label for label in lexicon_hits(norm))
        subs = subtheme_hits(norm)
        feats.extend("s:" + sub for sub in subs)
        feats.extend("L:" + label for label in sorted({sub.split("/")[0] for sub in subs}))
    return feats


class Vectorizer:
    """Feature strings to l2-normalised, sublinear tf-idf rows over a fixed vocabulary."""

    def __init__(self, vocabulary: Mapping[str, int], idf: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float64)

    def transform(self, feature_lists: Iterable[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Coordinate form (rows, cols, vals, n_rows) of the tf-idf matrix."""
        vocab = self.vocabulary
        rows: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        n = 0
        for i, feats in enumerate(feature_lists):
            n = i + 1
            tf: dict[int, int] = {}
            for f in feats:
                j = vocab.get(f)
                if j is not None:
                    tf[j] = tf.get(j, 0) + 1
            if tf:
                rows.extend([i] * len(tf))
                cols.extend(tf.keys())
                counts.extend(tf.values())
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        return r, c, _tfidf(r, c, np.asarray(counts, dtype=np.float64), self.idf, n), n


class IndexFeaturizer:
    """The features of ``sentence_features`` mapped straight to vocabulary indices.

    Inference never builds the feature strings: words, word pairs and lexicon hits are looked up
    per sentence; character 2- and 3-grams, the bulk of the features, are found for a whole batch
    at once with numpy (code points packed into integer keys, looked up in a hash table); term
    frequencies are counted with numpy. ``tests/test_themes.py`` checks it against the string path.
    """

    def __init__(self, vocabulary: Mapping[str, int], idf: np.ndarray, *, char_ngrams: int = 3,
                 word_pairs: bool = True, use_lexicon: bool = True) -> None:
        fam: dict[str, dict[str, int]] = {"w:": {}, "b:": {}, "c:": {}, "t:": {}, "k:": {}, "s:": {}, "L:": {}}
        for feat, j in vocabulary.items():
            family = fam.get(feat[:2])
            if family is not None:
                family[feat[2:]] = j
        self.words, self.lex = fam["w:"], fam["k:"]
        self.sub_lex, self.sub_labels = fam["s:"], fam["L:"]
        # A pair in the vocabulary has both its words in it (their document frequency is at
        # least the pair's), so pairs are keyed by the two word indices.
        self.n_words = max(self.words.values(), default=0) + 1
        pkeys, pidx = [], []
        words = self.words
        for pair, j in fam["b:"].items():
            cut = pair.find("|")
            while cut >= 0:  # a word may hold "|" itself: the first split into two words wins
                left, right = words.get(pair[:cut]), words.get(pair[cut + 1:])
                if left is not None and right is not None:
                    pkeys.append(left * self.n_words + right)
                    pidx.append(j)
                    break
                cut = pair.find("|", cut + 1)
        self.pairs = KeyIndex(np.array(pkeys, dtype=np.uint64), np.array(pidx, dtype=np.int64))
        self.c2 = KeyIndex(*_packed(fam["c:"], 2))
        self.c3 = KeyIndex(*_packed(fam["t:"], 3))
        self.char_ngrams = char_ngrams
        self.word_pairs = word_pairs
        self.use_lexicon = use_lexicon
        self.idf = np.asarray(idf, dtype=np.float64)
        self.n_features = len(vocabulary)
        self._ids = _TokenIds(self.words)

    def _token_ids(self, tokens: Sequence[str]) -> np.ndarray:
        """Word index of each token: -1 unknown word, -2 no word (punctuation), -3 line break."""
        cache = self._ids
        if len(cache) > 300_000:  # keeps memory flat over millions of documents
            cache.clear()
        return np.fromiter(map(cache.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def _word_features(self, ids: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns of word and word-pair features, from token ids and their sentence rows."""
        keep = ids >= -1  # pairs join the words on either side of punctuation, as in training
        ids, rows = ids[keep], rows[keep]
        known = ids >= 0
        out_rows, out_cols = [rows[known]], [ids[known]]
        if self.word_pairs and len(ids) > 1 and len(self.pairs):
            a, b = ids[:-1], ids[1:]
            valid = (rows[:-1] == rows[1:]) & (a >= 0) & (b >= 0)
            col = self.pairs.get((a[valid] * self.n_words + b[valid]).astype(np.uint64))
            hit = col >= 0
            out_rows.append(rows[:-1][valid][hit])
            out_cols.append(col[hit])
        return np.concatenate(out_rows), np.concatenate(out_cols)

    def _lexicon_features(self, norms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = [], []
        if self.use_lexicon and norms:
            # One scan of each label's pattern over the joined texts, matches mapped back to
            # sentences by offset. No keyword holds a line break, so a match never crosses one,
            # and each sentence holding a keyword gets its leftmost match as ``search`` would.
            joined = "\n".join(norms)
            ends: list[int] | None = None
            for label, pat in _lexicon_patterns():
                j = self.lex.get(label)
                if j is None:
                    continue
                starts = [m.start() for m in pat.finditer(joined)]
                if not starts:
                    continue
                if ends is None:
                    ends = list(accumulate(len(t) + 1 for t in norms))
                hit = {bisect_right(ends, a) for a in starts}
                rows.extend(hit)
                cols.extend([j] * len(hit))
        out_rows, out_cols = [np.array(rows, dtype=np.int64)], [np.array(cols, dtype=np.int64)]
        if self.use_lexicon and (self.sub_lex or self.sub_labels):
            r, k, names = subtheme_rows(norms)
            sub_col, labels, label_of, label_col = self._subtheme_columns(names)
            c = sub_col[k]
            out_rows.append(r[c >= 0])
            out_cols.append(c[c >= 0])
            lk = np.unique(r * len(labels) + label_of[k])
            lr, lc = lk // len(labels), label_col[lk % len(labels)]
            out_rows.append(lr[lc >= 0])
            out_cols.append(lc[lc >= 0])
        return np.concatenate(out_rows), np.concatenate(out_cols)

    def _subtheme_columns(self, names: tuple[str, ...]) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
        """For the lexicon's sub-themes ``names``: each one's column, the labels, each one's label
        and each label's column (-1: not in the vocabulary); worked out once, not per batch."""
        cached = getattr(self, "_sub_columns", None)
        if cached is not None and cached[0] is names:
            return cached[1]
        sub_col = np.array([self.sub_lex.get(n, -1) for n in names], dtype=np.int64)
        labels = sorted({n.split("/")[0] for n in names})
        label_of = np.array([labels.index(n.split("/")[0]) for n in names], dtype=np.int64)
        label_col = np.array([self.sub_labels.get(l, -1) for l in labels], dtype=np.int64)
        self._sub_columns = (names, (sub_col, labels, label_of, label_col))
        return self._sub_columns[1]

    def _char_ngrams(self, norms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        lengths = np.fromiter((len(t) + 1 for t in norms), dtype=np.int64, count=len(norms))
        cp = np.frombuffer("\n".join(norms).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        row = np.repeat(np.arange(len(norms), dtype=np.int64), lengths)[:len(cp)]
        cjk = (cp >= 0x4E00) & (cp <= 0x9FFF)
        rows, cols = [], []
        for n, index in ((2, self.c2), (3, self.c3)):
            if n > self.char_ngrams or len(cp) < n or not len(index):
                continue
            valid = cjk[: len(cp) - n + 1].copy()
            key = cp[: len(cp) - n + 1].copy()
            for k in range(1, n):
                valid &= cjk[k: len(cp) - n + 1 + k]
                key = (key << np.uint64(21)) | cp[k: len(cp) - n + 1 + k]
            col = index.get(key[valid])
            hit = col >= 0
            rows.append(row[: len(cp) - n + 1][valid][hit])
            cols.append(col[hit])
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(rows), np.concatenate(cols)

    def transform(self, tokens: Sequence[Sequence[str]], norms: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Coordinate form (rows, cols, vals, n_rows) of the l2-normalised sublinear tf-idf matrix."""
        flat = [t for ts in tokens for t in ts]
        lengths = np.fromiter((len(ts) for ts in tokens), dtype=np.int64, count=len(tokens))
        rows = np.repeat(np.arange(len(tokens), dtype=np.int64), lengths)
        return self._transform(self._token_ids(flat), rows, norms)

    def transform_joined(self, tokens: Sequence[str], norms: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """``transform`` for the tokens of ``"\\n".join(norms)``: one flat list, a line-break token
        between sentences (what ``Segmenter.cut_joined`` returns), so no per-sentence lists are built."""
        ids = self._token_ids(tokens)
        sep = ids == -3
        rows = np.cumsum(sep)
        if int(rows[-1] if len(rows) else 0) != max(len(norms) - 1, 0):
            raise ValueError("tokens do not hold one line break between consecutive sentences")
        return self._transform(ids, rows, norms)

    def _transform(self, ids: np.ndarray, rows: np.ndarray, norms: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        n = len(norms)
        parts = [self._word_features(ids, rows), self._lexicon_features(norms)]
        if self.char_ngrams >= 2 and n:
            parts.append(self._char_ngrams(norms))
        rows = np.concatenate([p[0] for p in parts])
        cols = np.concatenate([p[1] for p in parts])
        if not len(rows):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), n
        keys = rows * self.n_features + cols
        if n * self.n_features < 2**32:
            keys = keys.astype(np.uint32)  # the same order, sorted twice as fast
        keys = np.sort(keys)
        change = np.empty(len(keys), dtype=bool)
        change[0] = True
        np.not_equal(keys[1:], keys[:-1], out=change[1:])
        first = change.nonzero()[0]
        counts = np.diff(first, append=len(keys))
        r, c = np.divmod(keys[first].astype(np.int64), self.n_features)
        return r, c, _tfidf(r, c, counts.astype(np.float64), self.idf, n), n


def _tfidf(rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, idf: np.ndarray, n: int) -> np.ndarray:
    """Sublinear tf-idf values of (row, col, count) entries, each row scaled to unit length."""
    if not len(counts):
        return np.zeros(0)
    v = (1.0 + np.log(counts)) * idf[cols]
    return v / np.sqrt(np.bincount(rows, weights=v * v, minlength=n))[rows]


class _TokenIds(dict):
    """token -> word index (-1 unknown, -2 dropped, -3 line break), filled on first sight."""

    def __init__(self, words: Mapping[str, int]) -> None:
        super().__init__()
        self.words = words

    def __missing__(self, tok: str) -> int:
        if tok == "\n":
            value = -3
        else:
            w = normalise_token(tok)
            value = -2 if w is None else self.words.get(w, -1)
        self[tok] = value
        return value


def _packed(table: Mapping[str, int], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Character n-grams as integer keys (21 bits per code point) and their indices."""
    items = [(k, j) for k, j in table.items() if len(k) == n]
    if not items:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    cps = np.frombuffer("".join(k for k, _ in items).encode("utf-32-le", "surrogatepass"),
                        dtype=np.uint32).reshape(-1, n).astype(np.uint64)
    cjk = ((cps >= 0x4E00) & (cps <= 0x9FFF)).all(axis=1)  # the only n-grams ever looked up
    keys = np.zeros(len(items), dtype=np.uint64)
    for i in range(n):
        keys = (keys << np.uint64(21)) | cps[:, i]
    return keys[cjk], np.array([j for _, j in items], dtype=np.int64)[cjk]


class KeyIndex:
    """A fixed map from distinct 64-bit keys to non-negative ints, looked up in bulk with numpy.

    Open addressing with linear probing at a load of at most 1/4: a lookup is a hash, a gather
    and a compare over the whole query, repeated for the few keys that collided, several times
    faster than a binary search over sorted keys. Misses give -1.
    """

    _MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        values = np.asarray(values, dtype=np.int64)
        if len(values) and values.min() < 0:
            raise ValueError("KeyIndex values must be non-negative")
        _, first = np.unique(keys, return_index=True)  # a repeated key keeps its first value
        keys, values = keys[np.sort(first)], values[np.sort(first)]
        bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 4))))
        self._shift = np.uint64(64 - bits)
        self._mask = np.int64((1 << bits) - 1)
        self._keys = np.zeros(1 << bits, dtype=np.uint64)
        self._values = np.full(1 << bits, -1, dtype=np.int64)
        self._n = len(keys)
        pending = np.arange(len(keys))
        slot = self._slot(keys)
        while len(pending):  # each round, the first claimant of each free slot takes it
            s = slot[pending]
            free = self._values[s] < 0
            taken, first = np.unique(s[free], return_index=True)
            winners = pending[free][first]
            self._keys[taken] = keys[winners]
            self._values[taken] = values[winners]
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + 1) & self._mask

    def __len__(self) -> int:
        return self._n

    def _slot(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * self._MULT) >> self._shift).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key, -1 where the key is absent."""
        keys = np.asarray(keys, dtype=np.uint64)
        slot = self._slot(keys)
        # The first probe settles nearly every key: done over the whole query, no indirection.
        v = self._values[slot]
        occupied = v >= 0
        hit = occupied & (self._keys[slot] == keys)
        out = np.where(hit, v, -1)
        todo = np.flatnonzero(occupied & ~hit)
        slot = (slot[todo] + 1) & self._mask
        while len(todo):
            v = self._values[slot]
            occupied = v >= 0
            hit = occupied & (self._keys[slot] == keys[todo])
            out[todo[hit]] = v[hit]
            more = occupied & ~hit
            todo = todo[more]
            slot = (slot[more] + 1) & self._mask
        return out


SMALL_DOT_ENTRIES = 10_000  # gather whole rows: k > 8 columns in pieces of this many entries; fewer, up to a quarter of it


def sparse_dot_columns(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int,
                       weights_t: np.ndarray, weights: Any = None) -> np.ndarray:
    """(n, k) = sparse rows (coordinates, ``rows`` sorted) times dense weights, given transposed
    as ``weights_t`` (k, n_features); numpy only.

    One output column at a time: each pass gathers from one contiguous weight row, which keeps
    the gathered data in cache. Each row's sum is formed from its own entries, in order, so a
    sentence scores bit for bit the same alone or among thousands.

    ``weights``: optionally the same weights untransposed, C-contiguous (n_features, k), or a
    function returning them. With more than 8 columns (any number of entries, in pieces), or up
    to 2,500 entries with fewer, whole weight rows are then gathered (a cache line or three each
    instead of k scattered reads) and summed by the same ``reduceat`` over the same entries in
    the same order: the same bits. (The 36 sub-theme columns of a 60,000-character batch: 14-15
    ms column by column, 7.5-8.5 ms so; the 5 theme and problem columns stay column by column,
    1.2 against 2.2 ms.)
    """
    k = weights_t.shape[0]
    out = np.zeros((k, n), dtype=weights_t.dtype)
    if len(rows) == 0:
        return out.T
    change = np.empty(len(rows), dtype=bool)
    change[0] = True
    np.not_equal(rows[1:], rows[:-1], out=change[1:])
    starts = change.nonzero()[0]
    r = rows[starts]
    vals = vals.astype(weights_t.dtype, copy=False)
    if weights is not None and k <= 8 and len(cols) <= SMALL_DOT_ENTRIES // 4:
        w = weights() if callable(weights) else weights
        g = w[cols].T.copy()  # (k, entries), each row contiguous as ``buf`` below
        g *= vals
        out[:, r] = np.add.reduceat(g, starts, axis=1)
        return out.T
    if weights is not None and k > 8:
        # Many columns (the 36 sub-theme columns): whole weight rows gathered, in pieces of about
        # SMALL_DOT_ENTRIES entries cut at row starts (memory stays small), multiplied into a
        # (k, entries) array with each row contiguous as ``buf`` below, and summed the same way.
        w = weights() if callable(weights) else weights
        cuts = [0, len(cols)]
        if len(cols) > SMALL_DOT_ENTRIES:
            cuts = np.unique(np.concatenate(([0], starts[np.searchsorted(
                starts, np.arange(SMALL_DOT_ENTRIES, len(cols), SMALL_DOT_ENTRIES))], [len(cols)]))).tolist()
        first = np.searchsorted(starts, cuts).tolist()
        for a, b, sa, sb in zip(cuts[:-1], cuts[1:], first[:-1], first[1:]):
            g = np.empty((k, b - a), dtype=weights_t.dtype)
            np.multiply(w[cols[a:b]].T, vals[a:b], out=g)
            out[:, r[sa:sb]] = np.add.reduceat(g, starts[sa:sb] - a, axis=1)
        return out.T
    buf = np.empty(len(cols), dtype=weights_t.dtype)
    for j in range(k):
        np.take(weights_t[j], cols, out=buf)
        buf *= vals
        out[j, r] = np.add.reduceat(buf, starts)
    return out.T


def idf_from_df(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's TfidfTransformer computes it."""
    return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function of an array (clipped at ±40, where float64 holds 0 or 1 anyway)."""
    # np.minimum(np.maximum(...)) is np.clip's own loop (NaN kept) without its Python layers.
    return 1.0 / (1.0 + np.exp(-np.minimum(np.maximum(z, -40), 40)))


def logistic(z: float) -> float:
    """The logistic function of one number. Kept apart from ``sigmoid`` on purpose: ``math.exp``
    and numpy's ``exp`` differ in the last bit for about one value in a thousand, and problem
    scores have always been computed with ``math.exp``."""
    return 1.0 / (1.0 + math.exp(-z))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


__all__ = ["Vectorizer", "IndexFeaturizer", "sentence_features", "lexicon", "lexicon_hits",
           "subtheme_lexicon", "subtheme_hits", "subtheme_rows", "sparse_dot_columns",
           "idf_from_df", "sigmoid", "softmax"]


def norms(texts: Sequence[str]) -> list[str]:
    """The analysis form of each text: simplified script, cleaned span (what the classifier reads)."""
    if isinstance(texts, str):
        raise TypeError("pass a list of texts, not one string")
    return [clean_span(to_simplified(t)) for t in texts]
