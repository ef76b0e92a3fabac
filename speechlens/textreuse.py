"""Text reuse: passages a document shares with another one, and the stock formulas many share.

Each document is normalised for matching (its own unit's name, figures, redactions, 镇/乡/街道,
punctuation), keeping for every normalised character the span of original text it came from.
Clauses are shingled into character 3-grams and MinHashed (datasketch); banding the signatures
(locality-sensitive hashing) finds near-duplicate clauses without comparing all pairs. A clause
whose near-duplicates come from ``boilerplate_units`` or more units is a stock formula (套话),
counted apart. Pairs of documents linked by other clauses are then aligned exactly: common
k-grams seed exact blocks, nearby blocks join into passages (reordered clauses included), and a
passage is kept when its non-formula matched characters reach ``min_chars`` and its similarity
``threshold``. Offsets point into the original texts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .errors import MissingDependencyError, SpeechlensError

MIN_CHARS = 15          # normalised characters a passage must share, stock formulas not counted
THRESHOLD = 0.6         # matched characters over the longer side of a passage
LSH_THRESHOLD = 0.5     # Jaccard similarity of clause 3-gram sets that LSH aims at
BOILERPLATE_UNITS = 4   # a clause shared by this many units is a stock formula
NUM_PERM = 32
BANDS = 8               # 8 bands x 4 rows: collision probability 1/2 at Jaccard ~0.59
SHINGLE = 3
SEED = 6                # length of the exact k-grams that seed the alignment
GAP = 10                # largest gap (normalised characters) bridged inside one passage
BUCKET_CAP = 64          # larger LSH buckets spanning many units are formulas outright
MIN_CLAUSE = 6          # shorter clauses are not indexed (still aligned)

_PUNCT_BREAK = set("，,。；;！!？?：:\n\r")
_FIGURE = re.compile(
    r"(?:[0-9０-９]+(?:[,，][0-9]{3}(?![0-9]))*(?:[.．][0-9０-９]+)?[万亿千百]*[%％‰]?"
    r"|[*＊]{2,}|[xX×ｘＸ]{2,}|某某"
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

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit, "year": self.year, "chars": self.chars,
                "reused_share": round(self.reused_share, 4),
                "boilerplate_share": round(self.boilerplate_share, 4),
                "shared_with": {k: round(v, 4) for k, v in self.shared_with.items()}}


@dataclass(frozen=True)
class Reuse:
    """The result of :func:`reuse`: document pairs with passages, and per-document shares."""

    pairs: tuple[ReusePair, ...]
    documents: tuple[DocumentReuse, ...]
    boilerplate: tuple[str, ...] = ()   # the most widespread stock clauses, most units first

    def to_dict(self) -> dict[str, Any]:
        return {"pairs": [p.to_dict() for p in self.pairs],
                "documents": [d.to_dict() for d in self.documents],
                "boilerplate": list(self.boilerplate)}


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
    -> 0, 镇/乡/街道 -> T, 党工委 -> 党委, letters lower-cased, punctuation and spaces dropped."""
    names = _names(unit)
    alts = [re.escape(n) for n in names] + [_FIGURE.pattern] + [re.escape(k) for k in _SAME]
    pattern = re.compile("|".join(f"(?:{a})" if i < len(names) else a for i, a in enumerate(alts)))
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    clauses: list[tuple[int, int]] = []
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
                clause_start = len(chars)
            elif c.isalnum():
                emit(c.lower(), k, k + 1)

    for m in pattern.finditer(text, start):
        plain(pos, m.start())
        g = m.group(0)
        if g in names:
            emit("U", m.start(), m.end())
        elif g in _SAME:
            for c in _SAME[g]:
                emit(c, m.start(), m.end())
        else:
            emit("0", m.start(), m.end())
        pos = m.end()
    plain(pos, n)
    if len(chars) > clause_start:
        clauses.append((clause_start, len(chars)))
    return Prepared(doc_id, unit, year, text, "".join(chars), np.asarray(starts, dtype=np.int64),
                    np.asarray(ends, dtype=np.int64), clauses)


# -- MinHash and LSH ----------------------------------------------------------------------------

def _minhash_cls():
    try:
        from datasketch import MinHash
    except ImportError:  # pragma: no cover - datasketch is a dependency
        raise MissingDependencyError("datasketch", "reuse", "text reuse detection") from None
    return MinHash


def clause_signatures(p: Prepared, *, num_perm: int = NUM_PERM) -> tuple[list[tuple[int, int]], np.ndarray]:
    """MinHash signatures (datasketch) of a document's indexable clauses, one row per clause."""
    MinHash = _minhash_cls()
    idx = [(s, e) for s, e in p.clauses if e - s >= MIN_CLAUSE]
    if not idx:
        return [], np.zeros((0, num_perm), dtype=np.uint32)
    shingles = [[p.norm[k:k + SHINGLE].encode("utf-8") for k in range(s, e - SHINGLE + 1)] for s, e in idx]
    sigs = MinHash.bulk(shingles, num_perm=num_perm, seed=1)
    return idx, np.vstack([m.hashvalues for m in sigs]).astype(np.uint32)


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
    """Clauses of a collection: their document, unit and MinHash signature, searched by banding."""

    doc: list[np.ndarray] = field(default_factory=list)
    unit: list[np.ndarray] = field(default_factory=list)
    sig: list[np.ndarray] = field(default_factory=list)

    def add(self, doc_index: int, unit_index: int, sig: np.ndarray) -> None:
        self.doc.append(np.full(len(sig), doc_index, dtype=np.int32))
        self.unit.append(np.full(len(sig), unit_index, dtype=np.int32))
        self.sig.append(sig)

    def search(self, *, lsh_threshold: float = LSH_THRESHOLD, boilerplate_units: int = BOILERPLATE_UNITS,
               bands: int = BANDS) -> tuple[np.ndarray, set[tuple[int, int]]]:
        """Mark stock clauses and find candidate document pairs.

        Returns a boolean array (one per clause, in insertion order: a stock formula) and the
        set of document pairs (i < j) sharing at least one clause that is not.
        """
        if not self.sig:
            return np.zeros(0, dtype=bool), set()
        doc = np.concatenate(self.doc)
        unit = np.concatenate(self.unit)
        sig = np.concatenate(self.sig)
        keys = _band_keys(sig, bands)
        n = len(doc)
        stock = np.zeros(n, dtype=bool)
        links: set[tuple[int, int]] = set()
        for b in range(bands):
            order = np.argsort(keys[:, b], kind="stable")
            k = keys[order, b]
            cut = np.flatnonzero(k[1:] != k[:-1]) + 1
            for grp in np.split(order, cut):
                if len(grp) < 2 or len(np.unique(doc[grp])) < 2:
                    continue
                if len(grp) > BUCKET_CAP and len(np.unique(unit[grp])) >= boilerplate_units:
                    stock[grp] = True   # too common to compare pair by pair: a formula
                    continue
                for x in range(len(grp)):
                    for y in range(x + 1, len(grp)):
                        i, j = int(grp[x]), int(grp[y])
                        if doc[i] != doc[j]:
                            links.add((i, j) if i < j else (j, i))
        verified = [(i, j) for i, j in links if np.mean(sig[i] == sig[j]) >= lsh_threshold]
        # a clause whose near-duplicates come from enough units is a stock formula
        seen_units: dict[int, set[int]] = {}
        for i, j in verified:
            seen_units.setdefault(i, {int(unit[i])}).add(int(unit[j]))
            seen_units.setdefault(j, {int(unit[j])}).add(int(unit[i]))
        for i, us in seen_units.items():
            if len(us) >= boilerplate_units:
                stock[i] = True
        pairs: set[tuple[int, int]] = set()
        for i, j in verified:
            if not (stock[i] or stock[j]):
                a, b = int(doc[i]), int(doc[j])
                pairs.add((a, b) if a < b else (b, a))
        return stock, pairs


def stock_mask(p: Prepared, clauses: Sequence[tuple[int, int]], stock: np.ndarray) -> np.ndarray:
    """Boolean mask over ``p.norm``: characters inside stock-formula clauses."""
    mask = np.zeros(len(p.norm), dtype=bool)
    for (s, e), is_stock in zip(clauses, stock):
        if is_stock:
            mask[s:e] = True
    return mask


# -- exact alignment ------------------------------------------------------------------------------

def _blocks(a: str, b: str, k: int) -> list[tuple[int, int, int]]:
    """Maximal exact matches of length >= k as (a_start, b_start, length), one-to-one."""
    index: dict[str, list[int]] = {}
    for i in range(len(a) - k + 1):
        index.setdefault(a[i:i + k], []).append(i)
    run: dict[tuple[int, int], int] = {}     # (i, j) of the last seed of a block -> its start j
    found: dict[tuple[int, int], int] = {}   # (a_start, b_start) -> length
    for j in range(len(b) - k + 1):
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


def align(pa: Prepared, pb: Prepared, *, mask_a: np.ndarray | None = None, mask_b: np.ndarray | None = None,
          min_chars: int = MIN_CHARS, threshold: float = THRESHOLD, k: int = SEED, gap: int = GAP) -> list[Passage]:
    """Passages ``pa`` and ``pb`` share: exact blocks joined across small edits and reorderings."""
    groups: list[list[tuple[int, int, int]]] = []
    for blk in _blocks(pa.norm, pb.norm, k):
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
    out = []
    for g in groups:
        a0, a1 = min(x[0] for x in g), max(x[0] + x[2] for x in g)
        b0, b1 = min(x[1] for x in g), max(x[1] + x[2] for x in g)
        matched = sum(x[2] for x in g)
        own = 0
        for ai, bj, n in g:
            # figures and stock formulas do not count towards a passage's length
            skip = np.frombuffer(pa.norm[ai:ai + n].encode("utf-32-le"), dtype=np.uint32) == ord("0")
            if mask_a is not None:
                skip |= mask_a[ai:ai + n]
            if mask_b is not None:
                skip |= mask_b[bj:bj + n]
            own += int(n - skip.sum())
        sim = matched / max(a1 - a0, b1 - b0)
        if own < min_chars or sim < threshold:
            continue
        sa, ea = pa.span(a0, a1)
        sb, eb = pb.span(b0, b1)
        out.append(Passage(sa, ea, sb, eb, pa.text[sa:ea], pb.text[sb:eb], own, sim))
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
          boilerplate_units: int = BOILERPLATE_UNITS, lsh_threshold: float = LSH_THRESHOLD) -> Reuse:
    """Find passages documents share (with direction by year) and each document's reused and
    stock-formula (套话) shares.

    ``analyses_or_paths``: paths, Documents, Analyses or (id, text, metadata) rows.
    ``min_chars``: normalised characters a passage must share beyond stock formulas;
    ``threshold``: its least similarity (matched characters over its longer side);
    ``boilerplate_units``: how many units must share a clause for it to count as a stock formula.
    """
    docs = [_as_prepared(x, n) for n, x in enumerate(analyses_or_paths)]
    return reuse_prepared(docs, lambda i: docs[i], min_chars=min_chars, threshold=threshold,
                          boilerplate_units=boilerplate_units, lsh_threshold=lsh_threshold)


def reuse_prepared(docs: Iterable[Prepared], fetch: Callable[[int], Prepared], *, min_chars: int = MIN_CHARS,
                   threshold: float = THRESHOLD, boilerplate_units: int = BOILERPLATE_UNITS,
                   lsh_threshold: float = LSH_THRESHOLD) -> Reuse:
    """:func:`reuse` over a stream of prepared documents; ``fetch(i)`` gives back document i.

    The stream is read once (only clause signatures are kept); documents are fetched again, a
    pair at a time, for the alignment, so a caller can keep texts on disk (``speechlens batch --reuse``).
    """
    index = ClauseIndex()
    units: dict[str, int] = {}
    meta: list[tuple[str, str | None, int | None, int]] = []
    clause_lists: list[list[tuple[int, int]]] = []
    for n, p in enumerate(docs):
        key = p.unit or f"\0{p.id}"
        u = units.setdefault(key, len(units))
        cl, sig = clause_signatures(p)
        index.add(n, u, sig)
        clause_lists.append(cl)
        meta.append((p.id, p.unit, p.year, len(p.norm)))
    stock, cand = index.search(lsh_threshold=lsh_threshold, boilerplate_units=boilerplate_units)
    offsets = np.cumsum([0] + [len(c) for c in clause_lists])

    def mask_of(i: int, p: Prepared) -> np.ndarray:
        return stock_mask(p, clause_lists[i], stock[offsets[i]:offsets[i + 1]])

    covered: dict[int, np.ndarray] = {}
    shared: dict[int, dict[int, int]] = {}
    pairs = []
    for i, j in sorted(cand):
        pi, pj = fetch(i), fetch(j)
        mi, mj = mask_of(i, pi), mask_of(j, pj)
        passages = align(pi, pj, mask_a=mi, mask_b=mj, min_chars=min_chars, threshold=threshold)
        if not passages:
            continue
        pairs.append(ReusePair(pi.id, pj.id, pi.unit, pj.unit, pi.year, pj.year, tuple(passages)))
        for d, p, side in ((i, pi, "a"), (j, pj, "b")):
            cov = covered.setdefault(d, np.zeros(len(p.norm), dtype=bool))
            one = np.zeros(len(p.norm), dtype=bool)
            for ps in passages:
                s, e = (ps.a_start, ps.a_end) if side == "a" else (ps.b_start, ps.b_end)
                lo, hi = np.searchsorted(p.starts, s), np.searchsorted(p.starts, e)
                one[lo:hi] = True
            cov |= one
            shared.setdefault(d, {})[j if d == i else i] = int(one.sum())
    boiler_share = {}
    for i in range(len(meta)):
        cl = clause_lists[i]
        st = stock[offsets[i]:offsets[i + 1]]
        boiler_share[i] = sum(e - s for (s, e), f in zip(cl, st) if f)
    out_docs = []
    for i, (doc_id, unit, year, n) in enumerate(meta):
        denom = max(n, 1)
        cov = covered.get(i)
        out_docs.append(DocumentReuse(
            doc_id, unit, year, n,
            float(cov.sum()) / denom if cov is not None else 0.0,
            boiler_share[i] / denom,
            {meta[j][0]: c / denom for j, c in sorted(shared.get(i, {}).items(), key=lambda t: -t[1])}))
    pairs.sort(key=lambda p: -p.chars)
    return Reuse(tuple(pairs), tuple(out_docs), _stock_examples(docs_from=clause_lists, stock=stock,
                                                                offsets=offsets, fetch=fetch, n=len(meta)))


def _stock_examples(*, docs_from: list[list[tuple[int, int]]], stock: np.ndarray, offsets: np.ndarray,
                    fetch: Callable[[int], Prepared], n: int, limit: int = 20) -> tuple[str, ...]:
    """Up to ``limit`` distinct stock clauses (original wording of their first occurrence)."""
    seen: dict[str, str] = {}
    for i in range(n):
        st = stock[offsets[i]:offsets[i + 1]]
        if not st.any():
            continue
        p = fetch(i)
        for (s, e), f in zip(docs_from[i], st):
            if f and p.norm[s:e] not in seen:
                a, b = p.span(s, e)
                seen[p.norm[s:e]] = p.text[a:b]
                if len(seen) >= limit:
                    return tuple(seen.values())
    return tuple(seen.values())


def iter_prepared(rows: Iterable[Any]) -> Iterator[Prepared]:
    """Prepared documents from paths, Documents, Analyses or (id, text, metadata) rows."""
    for n, x in enumerate(rows):
        yield _as_prepared(x, n)
