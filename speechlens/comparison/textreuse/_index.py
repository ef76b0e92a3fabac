"""Windows (clauses and pairs of clauses), their MinHash signatures, and the LSH search."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from ._normalize import Prepared
from ._results import BOILERPLATE_UNITS

NUM_PERM = 32
BANDS = 8               # 8 bands x 4 rows: collision probability 1/2 at Jaccard ~0.59
SHINGLE = 3
MIN_CLAUSE = 6          # shorter clauses are not indexed (still aligned)


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
    from datasketch import MinHash   # imported here: importing speechlens stays cheap

    a, b = MinHash(num_perm=num_perm, seed=1).permutations
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

