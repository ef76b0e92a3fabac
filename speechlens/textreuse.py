"""Text reuse: passages a document shares with another one, and the stock formulas many share.

Each document is normalised for matching (its own unit's name, place names, figures, redactions,
镇/乡/街道, punctuation), keeping for every normalised character the span of original text it
came from. Windows — each clause, and each two adjacent clauses of a sentence — are shingled into
character 3-grams and MinHashed (datasketch's MinHash, computed a document at a time); banding
the signatures (locality-sensitive hashing) finds near-duplicates without comparing all pairs. A
window whose near-duplicates come from ``boilerplate_units`` or more units is a stock formula
(套话), counted apart. Documents sharing other windows are then aligned exactly: common k-grams
seed exact blocks, kept where a shared window (checked by exact Jaccard) supports them, joined
across small edits and reordered clauses; a passage is kept when its supported characters reach
``min_chars`` and its similarity ``threshold``. Offsets point into the original texts.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .errors import MissingDependencyError, SpeechlensError

MIN_CHARS = 15          # normalised characters a passage must share, stock formulas not counted
THRESHOLD = 0.6         # matched characters over the longer side of a passage
WINDOW_THRESHOLD = 0.5  # 3-gram Jaccard at which two windows count as the same (exact check)
BOILERPLATE_UNITS = 4   # a clause shared by this many units is a stock formula
NUM_PERM = 32
BANDS = 8               # 8 bands x 4 rows: collision probability 1/2 at Jaccard ~0.59
SHINGLE = 3
SEED = 6                # length of the exact k-grams that seed the alignment
GAP = 10                # largest gap (normalised characters) bridged inside one passage
MIN_CLAUSE = 6          # shorter clauses are not indexed (still aligned)

_PUNCT_BREAK = set("，,。；;！!？?：:\n\r")
_SENTENCE_END = set("。；;！!？?\n\r")
# a two-character name before a place word: a village, community, reservoir, school ...
_PLACE = (r"[\u4e00-\u9fff]{2}(?<![农乡各全每本该个的和与及等政城])"   # not 农村, 乡村, 各村, 行政村 ...
          r"(?=村|社区|片区|小区|集镇|水库|园区|工业集中区|工业园|路口|小学|中学|河段)")
_FIGURE = re.compile(
    r"(?:[0-9０-９]+(?:[,，][0-9]{3}(?![0-9]))*(?:[.．][0-9０-９]+)?[万亿千百]*[%％‰]?"
    r"|(?:[*＊]{2,}|[xX×ｘＸ]{2,}|某某)[万亿千百]*"
    r"|[零〇一二三四五六七八九十两百千万亿]+)"
)
_UNIT_SUFFIX = re.compile(r"(?:街道办事处|街道|镇|乡|社区|村)$")
_SAME = {"党工委": "党委", "街道": "T", "镇": "T", "乡": "T"}


# -- results ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Passage:
    """A passage two documents share: offsets into both original texts."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    a_text: str
    b_text: str
    chars: int          # normalised characters matched exactly (figures and stock formulas excluded)
    similarity: float   # matched characters over the longer side

    def to_dict(self) -> dict[str, Any]:
        return {"a_start": self.a_start, "a_end": self.a_end, "b_start": self.b_start,
                "b_end": self.b_end, "a_text": self.a_text, "b_text": self.b_text,
                "chars": self.chars, "similarity": round(self.similarity, 3)}


@dataclass(frozen=True)
class ReusePair:
    """Two documents sharing passages; ``source``/``target`` set when their years differ."""

    a: str
    b: str
    a_unit: str | None
    b_unit: str | None
    a_year: int | None
    b_year: int | None
    passages: tuple[Passage, ...]

    @property
    def source(self) -> str | None:
        """The earlier document's id (None when the years are equal or unknown)."""
        if self.a_year is None or self.b_year is None or self.a_year == self.b_year:
            return None
        return self.a if self.a_year < self.b_year else self.b

    @property
    def target(self) -> str | None:
        s = self.source
        return None if s is None else (self.b if s == self.a else self.a)

    @property
    def chars(self) -> int:
        return sum(p.chars for p in self.passages)

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "a_unit": self.a_unit, "b_unit": self.b_unit,
                "a_year": self.a_year, "b_year": self.b_year, "source": self.source,
                "target": self.target, "chars": self.chars,
                "passages": [p.to_dict() for p in self.passages]}


@dataclass(frozen=True)
class DocumentReuse:
    """How much of one document is found elsewhere, and how much is stock formula."""

    id: str
    unit: str | None
    year: int | None
    chars: int                       # normalised characters (punctuation and spaces left out)
    reused_share: float              # share of its characters found in another document
    boilerplate_share: float         # share inside clauses many units use (套话)
    shared_with: Mapping[str, float] = field(default_factory=dict)   # other id -> share
    stock_spans: tuple[tuple[int, int], ...] = ()   # original offsets of its stock-formula clauses

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit, "year": self.year, "chars": self.chars,
                "reused_share": round(self.reused_share, 4),
                "boilerplate_share": round(self.boilerplate_share, 4),
                "shared_with": {k: round(v, 4) for k, v in self.shared_with.items()},
                "stock_spans": [list(s) for s in self.stock_spans]}


@dataclass(frozen=True)
class Reuse:
    """The result of :func:`reuse`: document pairs with passages, and per-document shares."""

    pairs: tuple[ReusePair, ...]
    documents: tuple[DocumentReuse, ...]
    boilerplate: tuple[str, ...] = ()   # examples of the stock clauses found (first 20)
    min_chars: int = MIN_CHARS
    threshold: float = THRESHOLD
    boilerplate_units: int = BOILERPLATE_UNITS

    def to_dict(self) -> dict[str, Any]:
        return {"pairs": [p.to_dict() for p in self.pairs],
                "documents": [d.to_dict() for d in self.documents],
                "boilerplate": list(self.boilerplate),
                "settings": {"min_chars": self.min_chars, "threshold": self.threshold,
                             "boilerplate_units": self.boilerplate_units}}


# -- normalisation ----------------------------------------------------------------------------

@dataclass
class Prepared:
    """A document normalised for matching, with a map back to the original text."""

    id: str
    unit: str | None
    year: int | None
    text: str
    norm: str
    starts: np.ndarray           # original offset where each normalised character begins
    ends: np.ndarray             # ... and ends
    clauses: list[tuple[int, int]]
    sentence_ends: list[bool] = field(default_factory=list)   # clause i ends a sentence

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original offsets of the normalised range [i, j)."""
        return int(self.starts[i]), int(self.ends[j - 1])


def _names(unit: str | None) -> list[str]:
    if not unit:
        return []
    out = {unit}
    stem = _UNIT_SUFFIX.sub("", unit)
    if len(stem) >= 2:
        out.add(stem)
    return sorted(out, key=len, reverse=True)


def prepare(doc_id: str, text: str, unit: str | None = None, year: int | None = None, *,
            start: int = 0) -> Prepared:
    """Normalise ``text[start:]`` for matching: the unit's own name -> U, figures and redactions
    -> 0, village and other place names -> P, 镇/乡/街道 -> T, 党工委 -> 党委, letters lower-cased,
    punctuation and spaces dropped."""
    names = _names(unit)
    pattern = re.compile(
        (f"(?P<name>{'|'.join(re.escape(n) for n in names)})|" if names else "")
        + f"(?P<fig>{_FIGURE.pattern})|(?P<place>{_PLACE})|(?P<same>{'|'.join(map(re.escape, _SAME))})")
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    clauses: list[tuple[int, int]] = []
    sentence_ends: list[bool] = []
    clause_start = 0
    pos = start
    n = len(text)

    def emit(c: str, s: int, e: int) -> None:
        chars.append(c)
        starts.append(s)
        ends.append(e)

    def plain(s: int, e: int) -> None:
        nonlocal clause_start
        for k in range(s, e):
            c = text[k]
            if c in _PUNCT_BREAK:
                if len(chars) > clause_start:
                    clauses.append((clause_start, len(chars)))
                    sentence_ends.append(c in _SENTENCE_END)
                elif c in _SENTENCE_END and sentence_ends:
                    sentence_ends[-1] = True
                clause_start = len(chars)
            elif c.isalnum():
                emit(c.lower(), k, k + 1)

    for m in pattern.finditer(text, start):
        plain(pos, m.start())
        kind = m.lastgroup
        if kind == "name":
            emit("U", m.start(), m.end())
        elif kind == "place":
            emit("P", m.start(), m.end())
        elif kind == "same":
            for c in _SAME[m.group(0)]:
                emit(c, m.start(), m.end())
        else:
            emit("0", m.start(), m.end())
        pos = m.end()
    plain(pos, n)
    if len(chars) > clause_start:
        clauses.append((clause_start, len(chars)))
        sentence_ends.append(True)
    return Prepared(doc_id, unit, year, text, "".join(chars), np.asarray(starts, dtype=np.int64),
                    np.asarray(ends, dtype=np.int64), clauses, sentence_ends)


# -- MinHash and LSH ----------------------------------------------------------------------------

def _minhash_cls():
    try:
        from datasketch import MinHash
    except ImportError:  # pragma: no cover - datasketch is a dependency
        raise MissingDependencyError("datasketch", "reuse", "text reuse detection") from None
    return MinHash


def windows_of(p: Prepared) -> list[tuple[int, int, int, int]]:
    """What is indexed: each clause and each pair of adjacent clauses in a sentence, as
    (start, end, number of clauses, end of the first clause).

    A pair of clauses (in one sentence) tells copying from stock phrasing: two clauses may each
    be common, while the same two side by side in two units are not.
    """
    out = [(s, e, 1, e) for s, e in p.clauses if e - s >= MIN_CLAUSE]
    out += [(s1, e2, 2, e1) for (s1, e1), (_, e2), end in zip(p.clauses, p.clauses[1:], p.sentence_ends)
            if not end and e2 - s1 >= MIN_CLAUSE]
    return sorted(out)


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's permutation parameters (scheme affine32, seed 1)."""
    a, b = _minhash_cls()(num_perm=num_perm, seed=1).permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, which datasketch's affine32 scheme applies before permuting."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def window_signatures(p: Prepared, windows: Sequence[tuple[int, ...]], *,
                      num_perm: int = NUM_PERM) -> np.ndarray:
    """MinHash signatures of each window's character 3-gram set, one row per window.

    The values are datasketch's ``MinHash(num_perm, seed=1)`` over the UTF-8 3-grams, bit for bit
    (tested), computed for a whole document at once: each 3-gram is hashed and permuted once,
    then each window takes the minimum over its 3-grams.
    """
    if not len(windows):
        return np.zeros((0, num_perm), dtype=np.uint32)
    from datasketch.hashfunc import sha1_hash32

    a, b = _permutations(num_perm)
    norm = p.norm
    hv = np.fromiter((sha1_hash32(norm[k:k + SHINGLE].encode("utf-8")) for k in range(len(norm))),
                     dtype=np.uint32, count=len(norm))
    with np.errstate(over="ignore"):
        phv = _fmix32(hv)[:, None] * a + b
    ranges = [range(s, max(s + 1, e - SHINGLE + 1)) for s, e, *_ in windows]
    idx = np.fromiter((k for r in ranges for k in r), dtype=np.int64)
    starts = np.cumsum([0] + [len(r) for r in ranges[:-1]])
    return np.minimum.reduceat(phv[idx], starts, axis=0)


def _band_keys(sig: np.ndarray, bands: int) -> np.ndarray:
    """One 64-bit key per clause and band (FNV-style mix of the band's rows)."""
    n, perm = sig.shape
    rows = perm // bands
    s = sig[:, : rows * bands].reshape(n, bands, rows).astype(np.uint64)
    key = np.full((n, bands), 1469598103934665603, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            key = (key ^ s[:, :, r]) * np.uint64(1099511628211)
    return key


@dataclass
class ClauseIndex:
    """Windows of a collection, kept as their LSH band keys (64 bytes a window) with document
    and unit numbers; banding finds near-duplicates without comparing all pairs.

    With ``spill`` (a folder), the keys and numbers go to files there as they come and are
    memory-mapped for the search, so memory does not grow with the archive while it is read.
    """

    bands: int = BANDS
    spill: str | None = None
    doc: list[np.ndarray] = field(default_factory=list)
    unit: list[np.ndarray] = field(default_factory=list)
    keys: list[np.ndarray] = field(default_factory=list)
    count: int = 0

    def add(self, doc_index: int, unit_index: int, sig: np.ndarray, kinds: Sequence[int]) -> None:
        """Add one document's window signatures; ``kinds`` (1 clause, 2 clause pair) never collide."""
        # a clause is never the near-duplicate of a pair of clauses that holds it
        salt = np.asarray(kinds, dtype=np.uint64)[:, None] * np.uint64(0x9E3779B97F4A7C15)
        parts = (_band_keys(sig, self.bands) ^ salt, np.full(len(sig), doc_index, dtype=np.int32),
                 np.full(len(sig), unit_index, dtype=np.int32))
        self.count += len(sig)
        if self.spill is None:
            for store, part in zip((self.keys, self.doc, self.unit), parts):
                store.append(part)
            return
        for name, part in zip(("keys", "doc", "unit"), parts):
            with open(os.path.join(self.spill, name), "ab") as f:
                f.write(np.ascontiguousarray(part).tobytes())

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.spill is not None:
            def mm(name: str, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
                return np.memmap(os.path.join(self.spill, name), dtype=dtype, mode="r", shape=shape)

            return (mm("keys", np.uint64, (self.count, self.bands)), mm("doc", np.int32, (self.count,)),
                    mm("unit", np.int32, (self.count,)))
        keys, doc, unit = np.concatenate(self.keys), np.concatenate(self.doc), np.concatenate(self.unit)
        self.doc, self.unit, self.keys = [doc], [unit], [keys]   # one copy, not the pieces and the whole
        return keys, doc, unit

    def search(self, *, boilerplate_units: int = BOILERPLATE_UNITS) -> tuple[np.ndarray, set[tuple[int, int]]]:
        """Mark stock windows and find the document pairs that share others.

        A window is stock when, in some pair of bands, its bucket holds windows of
        ``boilerplate_units`` or more units. Returns the stock flags (one per window, in insertion order) and the
        document pairs (i < j) that share a bucket of windows that are not stock.
        """
        if not self.count:
            return np.zeros(0, dtype=bool), set()
        keys, doc, unit = self._arrays()
        stock = np.zeros(len(doc), dtype=bool)
        # stock: near-duplicates only (two bands together, 8 rows: Jaccard ~0.8 and up)
        for b in range(0, self.bands - 1, 2):
            with np.errstate(over="ignore"):
                strict = keys[:, b] * np.uint64(0x100000001B3) ^ keys[:, b + 1]
            _, inv = np.unique(strict, return_inverse=True)
            del strict
            inv = inv.ravel().astype(np.int32)
            bu = np.unique((inv.astype(np.int64) << 32) | unit.astype(np.int64)) >> 32
            stock |= np.bincount(bu, minlength=int(inv.max()) + 1)[inv] >= boilerplate_units
        pairs: set[tuple[int, int]] = set()
        idx = np.flatnonzero(~stock)
        for b in range(self.bands):
            k = keys[idx, b]
            order = np.argsort(k, kind="stable")
            k = k[order]
            cut = np.flatnonzero(k[1:] != k[:-1]) + 1
            starts = np.concatenate([[0], cut])
            sizes = np.diff(np.concatenate([starts, [len(order)]]))
            for s0, size in zip(starts[sizes > 1], sizes[sizes > 1]):
                ds = np.unique(doc[idx[order[s0:s0 + size]]])
                for x in range(len(ds)):
                    for y in range(x + 1, len(ds)):
                        pairs.add((int(ds[x]), int(ds[y])))
        return stock, pairs


def _shingles(p: Prepared, s: int, e: int) -> set[str]:
    return {p.norm[k:k + SHINGLE] for k in range(s, max(s + 1, e - SHINGLE + 1))}


def _jac(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def same_window(pa: Prepared, wa: tuple[int, ...], pb: Prepared, wb: tuple[int, ...], threshold: float) -> bool:
    """Exact check of an LSH link: Jaccard of the windows' 3-grams; for pairs of clauses, of each
    clause with its counterpart (either order), so one shared stock clause is not enough."""
    if wa[2] == 1:
        return _jac(_shingles(pa, wa[0], wa[1]), _shingles(pb, wb[0], wb[1])) >= threshold
    a1, a2 = _shingles(pa, wa[0], wa[3]), _shingles(pa, wa[3], wa[1])
    b1, b2 = _shingles(pb, wb[0], wb[3]), _shingles(pb, wb[3], wb[1])
    return min(_jac(a1, b1), _jac(a2, b2)) >= threshold or min(_jac(a1, b2), _jac(a2, b1)) >= threshold


# -- exact alignment ------------------------------------------------------------------------------

def _blocks(a: str, b: str, k: int, skip_a: np.ndarray | None = None,
            skip_b: np.ndarray | None = None) -> list[tuple[int, int, int]]:
    """Maximal exact matches of length >= k as (a_start, b_start, length), one-to-one; no seed
    starts at a position ``skip_a``/``skip_b`` marks (text only stock formulas cover)."""
    common = {a[i:i + k] for i in range(len(a) - k + 1)} & {b[j:j + k] for j in range(len(b) - k + 1)}
    if not common:
        return []
    index: dict[str, list[int]] = {}
    for i in range(len(a) - k + 1):
        if (skip_a is None or not skip_a[i]) and a[i:i + k] in common:
            index.setdefault(a[i:i + k], []).append(i)
    run: dict[tuple[int, int], int] = {}     # (i, j) of the last seed of a block -> its start j
    found: dict[tuple[int, int], int] = {}   # (a_start, b_start) -> length
    for j in range(len(b) - k + 1):
        if skip_b is not None and skip_b[j]:
            continue
        for i in index.get(b[j:j + k], ()):
            start_j = run.pop((i - 1, j - 1), None)
            if start_j is None:
                start_j = j
            run[(i, j)] = start_j
            d = j - start_j
            found[(i - d, start_j)] = d + k
        # drop runs that cannot extend any more
        if len(run) > 4096:
            run = {key: v for key, v in run.items() if key[1] == j}
    blocks = sorted(((ai, bj, n) for (ai, bj), n in found.items()), key=lambda t: -t[2])
    used_a = np.zeros(len(a), dtype=bool)
    used_b = np.zeros(len(b), dtype=bool)
    out = []
    for ai, bj, n in blocks:
        if used_a[ai:ai + n].any() or used_b[bj:bj + n].any():
            # keep the part not yet used, if still long enough (trim from both ends)
            free = ~(used_a[ai:ai + n] | used_b[bj:bj + n])
            best, cur, best_s, cur_s = 0, 0, 0, 0
            for x, f in enumerate(free):
                if f:
                    if cur == 0:
                        cur_s = x
                    cur += 1
                    if cur > best:
                        best, best_s = cur, cur_s
                else:
                    cur = 0
            if best < k:
                continue
            ai, bj, n = ai + best_s, bj + best_s, best
        used_a[ai:ai + n] = True
        used_b[bj:bj + n] = True
        out.append((ai, bj, n))
    return sorted(out)


def _clip(blocks: list[tuple[int, int, int]], ev_a: np.ndarray, ev_b: np.ndarray) -> list[tuple[int, int, int]]:
    """Each block cut down to where it lies in evidence on both sides (dropped if nowhere)."""
    out = []
    for ai, bj, n in blocks:
        both = np.flatnonzero(ev_a[ai:ai + n] & ev_b[bj:bj + n])
        if len(both):
            lo, hi = int(both[0]), int(both[-1]) + 1
            out.append((ai + lo, bj + lo, hi - lo))
    return out


def _stock_only(n: int, windows: Any, stock: np.ndarray) -> np.ndarray:
    """Positions that stock windows cover and no other window does."""
    w = np.asarray(windows).reshape(-1, 4)
    cover = np.zeros((2, n + 1), dtype=np.int32)
    for row, sel in ((0, stock), (1, ~stock)):
        np.add.at(cover[row], w[sel, 0], 1)
        np.add.at(cover[row], w[sel, 1], -1)
    c = np.cumsum(cover, axis=1)[:, :n]
    return (c[0] > 0) & (c[1] == 0)


def _evidence(pa: Prepared, pb: Prepared, blocks: list[tuple[int, int, int]], wa: tuple[list, np.ndarray],
              wb: tuple[list, np.ndarray], window_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the windows (not stock) each side shares with the other, checked exactly."""
    ev_a = np.zeros(len(pa.norm), dtype=bool)
    ev_b = np.zeros(len(pb.norm), dtype=bool)
    arr_a, arr_b = np.asarray(wa[0]).reshape(-1, 4), np.asarray(wb[0]).reshape(-1, 4)
    for ai, bj, n in blocks:
        xs = arr_a[~wa[1] & (arr_a[:, 0] < ai + n) & (arr_a[:, 1] > ai)].tolist()
        ys = arr_b[~wb[1] & (arr_b[:, 0] < bj + n) & (arr_b[:, 1] > bj)].tolist()
        for x in xs:
            for y in ys:
                if x[2] == y[2] and same_window(pa, x, pb, y, window_threshold):
                    ev_a[x[0]:x[1]] = True
                    ev_b[y[0]:y[1]] = True
    return ev_a, ev_b


def align(pa: Prepared, pb: Prepared, *, windows_a: tuple[list, np.ndarray] | None = None,
          windows_b: tuple[list, np.ndarray] | None = None, min_chars: int = MIN_CHARS,
          threshold: float = THRESHOLD, window_threshold: float = WINDOW_THRESHOLD, k: int = SEED,
          gap: int = GAP) -> list[Passage]:
    """Passages ``pa`` and ``pb`` share: exact blocks joined across small edits and reorderings.

    ``windows_a``/``windows_b``: each document's windows and their stock flags. When given,
    only evidence counts: a window (clause, or two clauses of a sentence) that is not stock and
    whose counterpart in the other document has 3-gram Jaccard >= ``window_threshold``; blocks
    are cut to it, and matched characters inside it count towards ``min_chars``.
    """
    skip_a = skip_b = None
    if windows_a is not None and windows_b is not None:
        skip_a, skip_b = _stock_only(len(pa.norm), *windows_a), _stock_only(len(pb.norm), *windows_b)
    blocks = _blocks(pa.norm, pb.norm, k, skip_a, skip_b)
    evidence_a = evidence_b = None
    if windows_a is not None and windows_b is not None:
        evidence_a, evidence_b = _evidence(pa, pb, blocks, windows_a, windows_b, window_threshold)
        blocks = _clip(blocks, evidence_a, evidence_b)
    groups: list[list[tuple[int, int, int]]] = []
    for blk in blocks:
        ai, bj, n = blk
        if groups:
            g = groups[-1]
            a1 = max(x[0] + x[2] for x in g)
            b0 = min(x[1] for x in g)
            b1 = max(x[1] + x[2] for x in g)
            if ai - a1 <= gap and bj + n >= b0 - gap and bj <= b1 + gap:
                g.append(blk)
                continue
        groups.append([blk])
    # join neighbouring groups whose ranges touch on both sides (a longer clause moved)
    merged: list[list[tuple[int, int, int]]] = []
    for g in groups:
        if merged:
            h = merged[-1]
            a_gap = min(x[0] for x in g) - max(x[0] + x[2] for x in h)
            hb0, hb1 = min(x[1] for x in h), max(x[1] + x[2] for x in h)
            gb0, gb1 = min(x[1] for x in g), max(x[1] + x[2] for x in g)
            if a_gap <= gap and max(gb0 - hb1, hb0 - gb1) <= gap:
                h.extend(g)
                continue
        merged.append(list(g))
    groups = merged
    out = []
    for g in groups:
        a0, a1 = min(x[0] for x in g), max(x[0] + x[2] for x in g)
        b0, b1 = min(x[1] for x in g), max(x[1] + x[2] for x in g)
        matched = sum(x[2] for x in g)
        sim = matched / max(a1 - a0, b1 - b0)
        if sim < threshold or matched < min_chars:
            continue
        own = []
        for prep, ev, lo, hi, col in ((pa, evidence_a, a0, a1, 0), (pb, evidence_b, b0, b1, 1)):
            keep = np.zeros(hi - lo, dtype=bool)
            for x in g:
                keep[x[col] - lo:x[col] + x[2] - lo] = True
            # figures do not count towards a passage's length
            keep &= np.frombuffer(prep.norm[lo:hi].encode("utf-32-le"), dtype=np.uint32) != ord("0")
            if ev is not None:
                keep &= ev[lo:hi]
            own.append(int(keep.sum()))
        chars = min(own)
        if chars < min_chars:
            continue
        sa, ea = pa.span(a0, a1)
        sb, eb = pb.span(b0, b1)
        out.append(Passage(sa, ea, sb, eb, pa.text[sa:ea], pb.text[sb:eb], chars, sim))
    return out


# -- the whole collection ---------------------------------------------------------------------------

def _as_prepared(x: Any, n: int) -> Prepared:
    from .document import Analysis, Document
    from .loading import read_document

    if isinstance(x, Prepared):
        return x
    if isinstance(x, Analysis):
        x = x.document
    if isinstance(x, (str, os.PathLike)):
        x = read_document(x)
    if isinstance(x, tuple) and len(x) == 3:
        from .loading import document_from_text

        doc_id, text, meta = x
        meta = dict(meta or {})
        x = document_from_text(text, id=str(doc_id), unit=meta.get("unit"), year=meta.get("year"))
    if not isinstance(x, Document):
        raise SpeechlensError(f"reuse: cannot read a {type(x).__name__}; pass paths, Documents or Analyses")
    doc_id = x.id or x.path or f"doc{n}"
    return prepare(str(doc_id), x.text, x.unit, x.year, start=x.body_start)


def reuse(analyses_or_paths: Iterable[Any], *, min_chars: int = MIN_CHARS, threshold: float = THRESHOLD,
          boilerplate_units: int = BOILERPLATE_UNITS, window_threshold: float = WINDOW_THRESHOLD) -> Reuse:
    """Find passages documents share (with direction by year) and each document's reused and
    stock-formula (套话) shares.

    ``analyses_or_paths``: paths, Documents, Analyses or (id, text, metadata) rows.
    ``min_chars``: normalised characters a passage must share beyond stock formulas;
    ``threshold``: its least similarity (matched characters over its longer side);
    ``boilerplate_units``: how many units must share a clause for it to count as a stock formula;
    ``window_threshold``: 3-gram Jaccard at which two clauses count as the same.
    """
    docs = [_as_prepared(x, n) for n, x in enumerate(analyses_or_paths)]
    return reuse_prepared(docs, lambda i: docs[i], min_chars=min_chars, threshold=threshold,
                          boilerplate_units=boilerplate_units, window_threshold=window_threshold)


def reuse_prepared(docs: Iterable[Prepared], fetch: Callable[[int], Prepared], *, min_chars: int = MIN_CHARS,
                   threshold: float = THRESHOLD, boilerplate_units: int = BOILERPLATE_UNITS,
                   window_threshold: float = WINDOW_THRESHOLD, stock_spans: bool = True,
                   spill: str | None = None) -> Reuse:
    """:func:`reuse` over a stream of prepared documents; ``fetch(i)`` gives back document i.

    The stream is read once (per document only its windows' offsets and band keys are kept);
    documents are fetched again, a pair at a time, for the alignment, so a caller can keep texts
    on disk (``speechlens batch --reuse``, which also leaves out ``stock_spans``: the offsets of
    every document's stock clauses, whose mapping back needs each document once more, and passes
    ``spill``, a folder for the band keys).
    """
    index = ClauseIndex(spill=spill)
    units: dict[str, int] = {}
    meta: list[tuple[str, str | None, int | None, int]] = []
    windows: list[np.ndarray] = []   # per document, rows (start, end, clauses, end of first clause)
    for n, p in enumerate(docs):
        u = units.setdefault(p.unit or f"\0{p.id}", len(units))
        w = windows_of(p)
        index.add(n, u, window_signatures(p, w), [x[2] for x in w])
        windows.append(np.asarray(w, dtype=np.int32).reshape(-1, 4))
        meta.append((p.id, p.unit, p.year, len(p.norm)))
    stock, cand = index.search(boilerplate_units=boilerplate_units)
    del index   # the band keys are no longer needed
    offsets = np.cumsum([0] + [len(w) for w in windows])

    def stock_of(i: int) -> tuple[np.ndarray, np.ndarray]:
        return windows[i], stock[offsets[i]:offsets[i + 1]]

    covered: dict[int, np.ndarray] = {}
    shared: dict[int, dict[int, int]] = {}
    pairs = []
    for i, j in sorted(cand):
        pi, pj = fetch(i), fetch(j)
        # LSH only proposes the pair; the evidence is then checked exactly, window by window
        passages = align(pi, pj, windows_a=stock_of(i), windows_b=stock_of(j), min_chars=min_chars,
                         threshold=threshold, window_threshold=window_threshold)
        if not passages:
            continue
        pairs.append(ReusePair(pi.id, pj.id, pi.unit, pj.unit, pi.year, pj.year, tuple(passages)))
        for d, p, side in ((i, pi, "a"), (j, pj, "b")):
            cov = covered.setdefault(d, np.zeros(len(p.norm), dtype=bool))
            one = np.zeros(len(p.norm), dtype=bool)
            for ps in passages:
                s, e = (ps.a_start, ps.a_end) if side == "a" else (ps.b_start, ps.b_end)
                one[np.searchsorted(p.starts, s):np.searchsorted(p.starts, e)] = True
            cov |= one
            shared.setdefault(d, {})[j if d == i else i] = int(one.sum())
    out_docs = []
    examples: dict[str, str] = {}
    for i, (doc_id, unit, year, n) in enumerate(meta):
        w, st = stock_of(i)
        clause_stock = [(int(x[0]), int(x[1])) for x, f in zip(w, st) if f and x[2] == 1]
        spans: tuple[tuple[int, int], ...] = ()
        if clause_stock and (stock_spans or len(examples) < 20):
            p = fetch(i)
            spans = tuple(p.span(s, e) for s, e in clause_stock)
            for (s, e), (a, b) in zip(clause_stock, spans):
                if len(examples) < 20:
                    examples.setdefault(p.norm[s:e], p.text[a:b])
            if not stock_spans:
                spans = ()
        denom = max(n, 1)
        cov = covered.get(i)
        out_docs.append(DocumentReuse(
            doc_id, unit, year, n,
            float(cov.sum()) / denom if cov is not None else 0.0,
            sum(e - s for s, e in clause_stock) / denom,
            {meta[j][0]: c / denom for j, c in sorted(shared.get(i, {}).items(), key=lambda t: -t[1])},
            spans))
    pairs.sort(key=lambda p: -p.chars)
    return Reuse(tuple(pairs), tuple(out_docs), tuple(examples.values()), min_chars, threshold, boilerplate_units)
