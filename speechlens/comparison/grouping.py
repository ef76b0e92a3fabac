"""What the comparison groups by, in which order, and how a unit changed from year to year.

``group_key(by)`` turns "unit", "year", any metadata key ("county", "role", a column of
``--metadata``) or several of them ("unit,year") into a function from an Analysis to its group's
name; unit names are read in simplified script (金橋鎮 = 金桥镇). ``ordered(names, order)`` puts
the groups in a user-given order, then by pinyin (pypinyin), so 白沙镇 comes before 东湖街道.
``year_changes`` compares each unit with itself a year earlier: theme shares, and admissions that
are new, recur or were dropped.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from speechlens.labels import LABELS
from speechlens.pipeline.results import Analysis
from speechlens.text.normalization import to_simplified

UNKNOWN = "(unknown)"


def unit_name(a: Analysis) -> str:
    """The unit a document belongs to, in simplified script: its metadata, else its id or file name."""
    d = a.document
    name = d.unit or d.id or (d.path and d.path.rsplit("/", 1)[-1]) or UNKNOWN
    return to_simplified(name).strip() or UNKNOWN


def _keys(by: str | Sequence[str]) -> list[str]:
    keys = [k.strip() for k in by.split(",")] if isinstance(by, str) else [str(k).strip() for k in by]
    keys = [k for k in keys if k]
    if not keys:
        raise ValueError("by needs at least one metadata key, e.g. 'unit' or 'unit,year'")
    return keys


def group_key(by: str | Sequence[str] = "unit") -> Callable[[Analysis], str]:
    """A function naming the group of an Analysis: its values of the ``by`` keys, joined by a space."""
    keys = _keys(by)

    def value(a: Analysis, key: str) -> str:
        if key == "unit":
            return unit_name(a)
        if key == "year":
            return str(a.year) if a.year is not None else UNKNOWN
        if key == "genre":
            return a.genre or UNKNOWN
        v = a.document.metadata.get(key)
        return to_simplified(str(v)).strip() if v not in (None, "") else UNKNOWN

    return lambda a: " ".join(value(a, k) for k in keys)


def pinyin_key(name: str) -> tuple[Any, ...]:
    """Sort key of a Chinese name by its pinyin (then by the name itself)."""
    from pypinyin import Style, lazy_pinyin

    return (tuple(lazy_pinyin(name, style=Style.TONE3)), name)


def ordered(names: Iterable[str], order: Sequence[str] | None = None) -> list[str]:
    """``names`` in the given ``order`` first (names in simplified script), the rest by pinyin."""
    names = list(dict.fromkeys(names))
    first: list[str] = []
    if order:
        rank = {to_simplified(o).strip(): k for k, o in enumerate(order)}
        first = sorted((n for n in names if n in rank), key=rank.__getitem__)
    placed = set(first)
    rest = sorted((n for n in names if n not in placed), key=pinyin_key)
    return first + rest


def year_changes(reports: Sequence[Analysis], admitted: dict[int, Sequence[Any]], rows: dict[int, Any],
                 vecs: Any, threshold: float, order: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """For each unit with documents in several years, each year against the one before it:
    theme shares and their change, and admissions new, recurring (an earlier admission with
    similarity >= ``threshold``) or dropped (not taken up again).

    ``rows[id(a)]``: the rows of ``vecs`` holding the admissions of ``a``, in order.
    """
    by_unit: dict[str, dict[int, list[Analysis]]] = defaultdict(lambda: defaultdict(list))
    for a in reports:
        if a.year is not None:
            by_unit[unit_name(a)][a.year].append(a)
    out = []
    for unit in ordered((u for u, ys in by_unit.items() if len(ys) > 1), order):
        years = sorted(by_unit[unit])
        for before, after in zip(years, years[1:]):
            out.append(_change(unit, before, after, by_unit[unit][before], by_unit[unit][after],
                               admitted, rows, vecs, threshold))
    return out


def shares_of(items: Sequence[Analysis]) -> dict[str, float]:
    """Theme shares of documents together, weighted by their length."""
    weights = np.array([max(1, len(a.document.text)) for a in items], dtype=float)
    return {l: round(float(np.average([a.themes.get(l, 0.0) for a in items], weights=weights)), 4)
            for l in LABELS}


def _change(unit: str, before: int, after: int, earlier: list[Analysis], later: list[Analysis],
            admitted, rows, vecs, threshold: float) -> dict[str, Any]:
    s0, s1 = shares_of(earlier), shares_of(later)
    old = [(x, r) for a in earlier for x, r in zip(admitted[id(a)], rows[id(a)])]
    new = [(x, r) for a in later for x, r in zip(admitted[id(a)], rows[id(a)])]
    if old and new:
        sim = (vecs[[r for _, r in new]] @ vecs[[r for _, r in old]].T).toarray()
    else:
        sim = np.zeros((len(new), len(old)))
    recurring, fresh = [], []
    taken: set[int] = set()
    for k, (x, _) in enumerate(new):
        j = int(np.argmax(sim[k])) if len(old) else -1
        if j >= 0 and sim[k, j] >= threshold:
            recurring.append({"text": x.text, "earlier": old[j][0].text, "similarity": round(float(sim[k, j]), 3)})
            taken.add(j)
        else:
            fresh.append(x.text)
    dropped = [x.text for j, (x, _) in enumerate(old) if j not in taken]
    return {"unit": unit, "from": before, "to": after, "themes_from": s0, "themes_to": s1,
            "theme_change": {l: round(s1[l] - s0[l], 4) for l in LABELS},
            "admissions_from": len(old), "admissions_to": len(new),
            "new": fresh, "recurring": recurring, "dropped": dropped}
