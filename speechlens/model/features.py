"""Sentence features shared by training and inference: words, word pairs, character pairs,
theme-lexicon hits. Pure Python + numpy, so inference never imports scikit-learn."""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from functools import lru_cache
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

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
_PAIR_TAG = np.uint64(1 << 63)  # marks word-pair keys in the featurizer's one hash table
_21 = np.uint64(21)  # bits per code point in a character n-gram key
_CJK_FIRST, _CJK_SPAN = np.uint64(0x4E00), np.uint64(0x9FFF - 0x4E00)  # the characters of n-grams
_LOW = np.int64(0xFFFFFFFF)  # the column part of a value of the featurizer's table


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


def _trigram_key(chars: str) -> int:
    """The table key of up to three characters, 21 bits each (as the featurizer packs n-grams)."""
    key = 0
    for ch in chars:
        key = (key << 21) | ord(ch)
    return key


def _ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranges ``starts[i]`` to ``starts[i] + counts[i]`` laid end to end: for each item, the range
    it comes from and its value."""
    which = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts  # where each range begins in the output
    return which, np.arange(len(which)) + (starts - first)[which]


class _LexiconArrays(NamedTuple):
    """The lexicon terms of a featurizer as arrays (see ``IndexFeaturizer._lexicon_terms``)."""

    start: np.ndarray   # per table entry: its items, a range of the arrays below
    count: np.ndarray
    offset: np.ndarray  # per item (n, checks): the offset of each 3-gram key to check,
    shift: np.ndarray   # how far to shift it right (21: a 2-gram),
    key: np.ndarray     # and the key it must equal
    col: np.ndarray     # per item: the column it turns on
    reach: int          # the largest offset


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

    Inference never builds the feature strings: for a whole batch at once, words come from token
    ids; word pairs (two word indices), character 2- and 3-grams (code points packed into integer
    keys) and lexicon terms (by the n-gram key of their first characters) are looked up in one
    hash table; term frequencies are counted with numpy. ``tests/test_themes.py`` checks it
    against the string path.
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
        self.char_ngrams = char_ngrams
        self.word_pairs = word_pairs
        self.use_lexicon = use_lexicon
        # One hash table for word pairs, character 2- and 3-grams and lexicon terms: pairs carry
        # the top bit; 2-grams are below 2**42, 3-grams of CJK characters above. Only the
        # families in use are in it, so a lookup cannot find a feature that is switched off.
        c2 = _packed(fam["c:"], 2) if char_ngrams >= 2 else _packed({}, 2)
        c3 = _packed(fam["t:"], 3) if char_ngrams >= 3 else _packed({}, 3)
        self.n_pairs, self.n_chars = len(pkeys), len(c2[0]) + len(c3[0])
        keys = np.concatenate([np.array(pkeys, dtype=np.uint64) | _PAIR_TAG, c2[0], c3[0]])
        values = np.concatenate([np.array(pidx, dtype=np.int64), c2[1], c3[1]])
        _, first = np.unique(keys, return_index=True)  # a repeated key keeps its first value
        first.sort()
        keys, values = keys[first], values[first]
        self._lex_sets: list[tuple[int, ...]] = []
        self._lex = _LexiconArrays(*[np.zeros(0, dtype=np.int64)] * 6, reach=0)  # type: ignore[arg-type]
        self._lex_other: list[tuple[str, int]] = []
        lex_keys = self._lexicon_terms() if use_lexicon else np.zeros(0, np.uint64)
        if len(lex_keys):
            # A key may be a feature and a term at once: the low 32 bits hold the feature's
            # column (all ones: none), the bits above the term entry's number plus one.
            keys, where = np.unique(np.concatenate([keys, lex_keys]), return_inverse=True)
            low = np.full(len(keys), _LOW, dtype=np.int64)
            low[where[:len(values)]] = values
            high = np.zeros(len(keys), dtype=np.int64)
            high[where[len(values):]] = np.arange(1, len(lex_keys) + 1, dtype=np.int64) << 32
            values = low | high
        self.table = KeyIndex(keys, values)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.n_features = len(vocabulary)
        self._ids = _TokenIds(self.words)

    def _token_ids(self, tokens: Sequence[str]) -> np.ndarray:
        """Word index of each token: -1 unknown word, -2 no word (punctuation), -3 line break."""
        cache = self._ids
        if len(cache) > 300_000:  # keeps memory flat over millions of documents
            cache.clear()
        return np.fromiter(map(cache.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def _lexicon_terms(self) -> np.ndarray:
        """Sets up the lexicon features (theme keywords: ``k:`` their labels; sub-theme terms:
        ``s:`` their sub-theme and ``L:`` its label) and returns the table keys of the terms.

        Each term turns on a set of columns. A term of two or three Chinese characters is its
        character n-gram's key; a longer one is found through the key of its first three
        characters, then checked by the 3-gram keys at a few more offsets (``_lex``); the few
        others (a single character, Latin letters or figures) are searched in the text
        (``_lex_other``).
        """
        turns_on: dict[str, set[int]] = {}
        for label, words in lexicon().items():
            j = self.lex.get(label)
            if j is not None:
                for word in words:
                    turns_on.setdefault(word, set()).add(j)
        if self.sub_lex or self.sub_labels:
            for term, sub in subtheme_lexicon().items():
                cols = turns_on.setdefault(term, set())
                for j in (self.sub_lex.get(sub), self.sub_labels.get(sub.split("/")[0])):
                    if j is not None:
                        cols.add(j)
        sets: dict[tuple[int, ...], int] = {}
        entries: dict[int, tuple[list[int], list[tuple[str, int]]]] = {}
        for term, cols in turns_on.items():
            if not cols:
                continue
            at = sets.setdefault(tuple(sorted(cols)), len(sets))
            if len(term) < 2 or not _CJK.fullmatch(term):
                self._lex_other.append((term, at))
                continue
            exact, longer = entries.setdefault(_trigram_key(term[:3]), ([-1], []))
            if len(term) <= 3:
                exact[0] = at
            else:
                longer.append((term, at))
        self._lex_sets = list(sets)
        # Per table entry, its items: (checks, column) for each column of each term it is or
        # begins. A check compares the 3-gram key at an offset from the entry, shifted right,
        # with a key: a term of two or three characters re-checks its own key (always true); a
        # longer one checks the 3-grams that cover it beyond its first three characters.
        items: list[list[tuple[list[tuple[int, int, int]], int]]] = []
        for key, (exact, longer) in entries.items():
            alternatives = []
            if exact[0] >= 0:
                alternatives.append(([(0, 0 if key >= 1 << 42 else 21, key)], exact[0]))
            for term, at in longer:
                offsets = sorted({*range(3, len(term) - 2, 3), len(term) - 3})
                alternatives.append(([(o, 0, _trigram_key(term[o:o + 3])) for o in offsets], at))
            items.append([(checks, j) for checks, at in alternatives for j in self._lex_sets[at]])
        width = max((len(c) for its in items for c, _ in its), default=1)
        flat = [c + c[-1:] * (width - len(c)) for its in items for c, _ in its]
        count = np.array([len(its) for its in items], dtype=np.int64)
        self._lex = _LexiconArrays(
            start=np.cumsum(count) - count, count=count,
            offset=np.array([[o for o, _, _ in c] for c in flat], dtype=np.int64).reshape(-1, width),
            shift=np.array([[h for _, h, _ in c] for c in flat], dtype=np.uint64).reshape(-1, width),
            key=np.array([[k for _, _, k in c] for c in flat], dtype=np.uint64).reshape(-1, width),
            col=np.array([j for its in items for _, j in its], dtype=np.int64),
            reach=max((o for c in flat for o, _, _ in c), default=0))
        return np.array(list(entries), dtype=np.uint64)

    def _lexicon_keys(self, joined: str, ends: np.ndarray, entry: np.ndarray, at: np.ndarray,
                      rows: np.ndarray, trigrams: np.ndarray) -> np.ndarray:
        """Keys (row * n_features + column) of the lexicon features of the texts joined by line
        breaks (``ends``: where each text's line break falls, plus one), from the table entries
        ``entry`` found at offsets ``at`` of sentences ``rows`` and the 3-gram key at each offset
        of ``joined`` (``trigrams``): each column once per sentence."""
        lx = self._lex
        which, item = _ranges(lx.start[entry], lx.count[entry])
        spots = at[which, None] + np.take(lx.offset, item, axis=0)
        ok = ((trigrams[spots] >> np.take(lx.shift, item, axis=0)) == np.take(lx.key, item, axis=0)).all(axis=1)
        keys = rows[which[ok]] * self.n_features + lx.col[item[ok]]
        if self._lex_other:
            other = []
            bounds = None
            for term, s in self._lex_other:
                a = joined.find(term)
                if a >= 0 and bounds is None:
                    bounds = ends.tolist()
                while a >= 0:  # no term holds a line break, so a match lies inside one text
                    other.extend(bisect_right(bounds, a) * self.n_features + j for j in self._lex_sets[s])
                    a = joined.find(term, a + 1)
            if other:
                keys = np.concatenate([keys, np.array(other, dtype=np.int64)])
        keys.sort()
        return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys

    def _transform(self, ids: np.ndarray, rows: np.ndarray, norms: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """The matrix from token ids (-1 unknown word, -2 punctuation, -3 line break) and their
        sentence rows: words, word pairs, character 2- and 3-grams and lexicon hits as keys
        row * n_features + column, sorted and counted."""
        n = len(norms)
        nf = self.n_features
        keep = ids >= -1  # pairs join the words on either side of punctuation, as in training
        ids, rows = ids[keep], rows[keep]
        known = ids >= 0
        keys = [rows[known] * nf + ids[known]]
        ask, ask_rows = [], []  # keys to look up in the table, and their rows
        if self.word_pairs and len(ids) > 1 and self.n_pairs:
            a, b = ids[:-1], ids[1:]
            valid = (rows[:-1] == rows[1:]) & (np.minimum(a, b) >= 0)
            ask.append((a[valid] * self.n_words + b[valid]).astype(np.uint64) | _PAIR_TAG)
            ask_rows.append(rows[:-1][valid])
        joined = "\n".join(norms)
        ends = np.cumsum(np.fromiter(map(len, norms), dtype=np.int64, count=n) + 1)
        lexicon = self.use_lexicon and bool(self._lex_sets)
        at = np.zeros(0, np.int64)
        trigrams = np.zeros(0, np.uint64)
        if len(joined) > 1 and (self.n_chars or lexicon):
            # Code points, then zeros (no Chinese) far enough for the lexicon's checks.
            cp = np.zeros(len(joined) + self._lex.reach + 2, dtype=np.uint64)
            cp[:len(joined)] = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            cjk = (cp - _CJK_FIRST) <= _CJK_SPAN
            valid = cjk[:-1] & cjk[1:]
            key = (cp[:-1] << _21) | cp[1:]
            at2 = np.flatnonzero(valid)
            ask.append(key[at2])
            valid = valid[:-1] & cjk[2:]
            key = trigrams = (key[:-1] << _21) | cp[2:]  # at every offset, for the lexicon
            at3 = np.flatnonzero(valid)
            ask.append(key[at3])
            at = np.concatenate([at2, at3])
            ask_rows.append(np.searchsorted(ends, at, side="right"))
        if ask:
            value = self.table.get(np.concatenate(ask))
            ask_rows = np.concatenate(ask_rows)
            col = value & _LOW
            hit = col < nf  # a miss (-1) or a term alone has all low bits set
            keys.append(ask_rows[hit] * nf + col[hit])
        if lexicon and n:
            if len(at):
                found = np.flatnonzero(value > _LOW)  # queries that are (or begin) a term
                entry, rows = (value[found] >> 32) - 1, ask_rows[found]
                found -= len(value) - len(at)  # word pairs come first, and are no terms
                at = at[found]
            else:
                entry = rows = at
            keys.append(self._lexicon_keys(joined, ends, entry, at, rows, trigrams))
        keys = np.concatenate(keys)
        if not len(keys):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), n
        if n * nf < 2**32:
            keys = keys.astype(np.uint32)  # the same order, sorted twice as fast
        keys.sort()
        bounds = np.empty(len(keys) + 1, dtype=bool)
        bounds[0] = bounds[-1] = True
        np.not_equal(keys[1:], keys[:-1], out=bounds[1:-1])
        bounds = np.flatnonzero(bounds)
        counts = bounds[1:] - bounds[:-1]
        r, c = np.divmod(keys[bounds[:-1]].astype(np.int64), nf)
        return r, c, _tfidf(r, c, counts.astype(np.float64), self.idf, n), n

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
    and a compare over the whole query; the few keys whose first slot holds another key are then
    compared, all at once, with the next slots as far as the farthest key was pushed from its
    own (a handful), so a lookup costs the same dozen numpy calls however the keys collided.
    Several times faster than a binary search over sorted keys. Misses give -1.
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
        size = 1 << bits
        self._shift = np.uint64(64 - bits)
        held = np.zeros(size, dtype=np.uint64)
        value_of = np.full(size, -1, dtype=np.int64)
        self._n = len(keys)
        pending = np.arange(len(keys))
        slot = self._slot(keys)
        pushed = -1  # how far the last key placed was pushed from its own slot
        while len(pending):  # each round, the first claimant of each free slot takes it
            pushed += 1
            s = slot[pending]
            free = value_of[s] < 0
            taken, first = np.unique(s[free], return_index=True)
            winners = pending[free][first]
            held[taken] = keys[winners]
            value_of[taken] = values[winners]
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + 1) & (size - 1)
        # Each slot's key and value side by side (one cache line read per probe), then the
        # first slots again after the last, so that the next ``pushed`` slots of any slot are
        # read without wrapping around.
        slots = np.column_stack([held, value_of.view(np.uint64)])
        self._slots = np.concatenate([slots, slots[:max(pushed, 0)]])
        self._next = np.arange(1, max(pushed, 0) + 1)

    def __len__(self) -> int:
        return self._n

    def _slot(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * self._MULT) >> self._shift).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key, -1 where the key is absent."""
        keys = np.asarray(keys, dtype=np.uint64)
        slot = self._slot(keys)
        first = np.take(self._slots, slot, axis=0)  # np.take: a row copy each, no generic fancy indexing
        v = first[:, 1].view(np.int64)
        same = first[:, 0] == keys
        out = np.where(same, v, -1)  # an empty slot holds -1
        todo = np.flatnonzero((v >= 0) > same)  # the first slot holds another key
        if len(todo) and len(self._next):
            after = np.take(self._slots, slot[todo, None] + self._next, axis=0)
            # Keys are distinct: at most one of these slots holds the key; the others give -1.
            out[todo] = np.where(after[..., 0] == keys[todo, None], after[..., 1].view(np.int64), -1).max(axis=1)
        return out


SMALL_DOT_ENTRIES = 10_000  # whole rows gathered in pieces of about this many entries (k > 8 columns; fewer: up to a quarter of it)


def _row_starts(rows: np.ndarray) -> np.ndarray:
    """Where each row's entries begin in ``rows`` (sorted, not empty)."""
    change = np.empty(len(rows), dtype=bool)
    change[0] = True
    np.not_equal(rows[1:], rows[:-1], out=change[1:])
    return change.nonzero()[0]


def _pieces(starts: np.ndarray, entries: int) -> list[tuple[int, int, int, int]]:
    """The products' pieces of about SMALL_DOT_ENTRIES entries: (first entry, end entry, first
    row, end row) of each, every cut at the start of the row holding the entry, so that a row
    never splits and each row's sum is formed from all its entries in order."""
    cuts = [0, entries]
    if entries > SMALL_DOT_ENTRIES:
        cuts = np.unique(np.concatenate(([0], starts[np.searchsorted(
            starts, np.arange(SMALL_DOT_ENTRIES, entries, SMALL_DOT_ENTRIES), side="right") - 1],
            [entries]))).tolist()
    first = np.searchsorted(starts, cuts).tolist()
    return list(zip(cuts[:-1], cuts[1:], first[:-1], first[1:]))


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
    starts = _row_starts(rows)
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
        for a, b, sa, sb in _pieces(starts, len(cols)):
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


class PackedWeights:
    """The weights of several linear heads (each (n_features, k) in its own dtype) packed side by
    side into one row of bytes per feature, each row starting on a 64-byte cache line.

    ``dot`` multiplies a sparse matrix by all heads at once: one gather of whole rows for all
    heads (the theme and problem weights ride in the cache lines of the sub-theme weights), then
    per head the same products, multiplied in place in the gathered rows, and ``reduceat`` sums
    of the same entries in the same order as ``sparse_dot_columns``: the same bits
    (``tests/test_themes.py``), without transposing the gathered rows.
    """

    def __init__(self, heads: Sequence[np.ndarray]) -> None:
        n = heads[0].shape[0]
        widths = [h.shape[1] * h.dtype.itemsize for h in heads]
        row = -(-sum(widths) // 64) * 64
        raw = np.zeros(n * row + 64, dtype=np.uint8)
        at = -raw.ctypes.data % 64
        self.table = raw[at:at + n * row].reshape(n, row)
        self.layout: list[tuple[int, int, np.dtype, int]] = []  # (byte offset, bytes, dtype, k)
        offset = 0
        for h, width in zip(heads, widths):
            self.table[:, offset:offset + width] = np.ascontiguousarray(h).view(np.uint8).reshape(n, width)
            self.layout.append((offset, width, h.dtype, h.shape[1]))
            offset += width

    def dot(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int) -> list[np.ndarray]:
        """(n, k) for each head = sparse rows (coordinates, ``rows`` sorted) times its weights."""
        out = [np.zeros((k, n), dtype=dtype) for _, _, dtype, k in self.layout]
        if len(rows) == 0:
            return [o.T for o in out]
        starts = _row_starts(rows)
        r = rows[starts]
        values = [vals.astype(dtype, copy=False) for _, _, dtype, _ in self.layout]
        for a, b, sa, sb in _pieces(starts, len(cols)):
            g = np.take(self.table, cols[a:b], axis=0)
            at, piece = starts[sa:sb] - a, r[sa:sb]
            for (offset, width, dtype, _), o, v in zip(self.layout, out, values):
                w = g[:, offset:offset + width].view(dtype)  # (entries, k), rows a table row apart
                np.multiply(w, v[a:b, None], out=w)
                # Summed down the entries: numpy adds each segment with the same pairwise routine
                # whatever the stride, so these are the column loop's sums.
                o[:, piece] = np.add.reduceat(w, at, axis=0).T
        return [o.T for o in out]


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
           "subtheme_lexicon", "subtheme_hits", "subtheme_rows", "sparse_dot_columns", "PackedWeights",
           "idf_from_df", "sigmoid", "softmax"]


def norms(texts: Sequence[str]) -> list[str]:
    """The analysis form of each text: simplified script, cleaned span (what the classifier reads)."""
    if isinstance(texts, str):
        raise TypeError("pass a list of texts, not one string")
    return [clean_span(to_simplified(t)) for t in texts]
