"""Hints for the validation report: "did you mean", near-miss identifiers, case variants.

A failure says what is wrong; a hint says what was probably meant:

- a column that is not in the schema, or a required column that is missing,
  is matched against the other side by case, surrounding whitespace and close
  spelling (``Pain`` and `` pain`` for ``pain``, ``pian`` for ``pain``);
- a participant id that is not in participants is matched by a key that
  ignores case, leading zeros of numbers and separators (``7`` vs ``007``,
  ``p-2`` vs ``P2``);
- two participant ids that differ only by case are flagged (``P2`` and ``p2``
  are two people to the computer, and often one to the person who typed them).

Hints never change data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from kneestudy.schemas.mapping import suggest

__all__ = ["case_variants", "did_you_mean", "id_key", "near_ids"]


def did_you_mean(name: str, choices: Iterable[str], mapping: str | None = None) -> str:
    """``"; did you mean 'x'?"`` (or, with ``mapping`` = a table name, how to map it)."""
    hit = suggest(name, list(choices))
    if not hit:
        return ""
    if mapping is not None:
        return (
            f"; the file has '{hit[0]}': rename it, or map it in the manifest with "
            f'[columns.{mapping}] {name} = "{hit[0]}"'
        )
    return f"; did you mean '{hit[0]}'?"


def id_key(text: str) -> str:
    """A loose key of an identifier: case, separators and leading zeros of numbers ignored."""
    t = re.sub(r"[\s._-]+", "", str(text).strip().casefold())
    return re.sub(r"(?<![0-9])0+(?=[0-9])", "", t)


def near_ids(missing: Iterable[str], known: Iterable[str], limit: int = 10_000) -> dict[str, str]:
    """For each id in ``missing``, a known id with the same :func:`id_key` (when one exists).

    Only the first ``limit`` distinct missing ids are looked up (the hint is a
    courtesy; the failures themselves are all reported).
    """
    index: dict[str, str] = {}
    for k in known:
        if k is None:
            continue
        index.setdefault(id_key(k), str(k))
    out: dict[str, str] = {}
    for i, m in enumerate(missing):
        if i >= limit:
            break
        if m is None:
            continue
        hit = index.get(id_key(m))
        if hit is not None and hit != m:
            out[str(m)] = hit
    return out


def case_variants(uniques: np.ndarray, used: np.ndarray | None = None) -> list[list[str]]:
    """Groups of distinct ids that are equal when case is ignored (each group sorted).

    Vectorised in Arrow (lower-casing and one hash pass); only the ids of
    groups with more than one spelling are turned into Python lists.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from kneestudy.ingest.readers import arrow_of

    values = np.asarray(uniques, dtype=object)
    arr = arrow_of(values)
    keep = np.ones(len(values), dtype=bool)
    if arr.null_count:
        keep &= ~arr.is_null().to_numpy(zero_copy_only=False)
    if used is not None:
        keep &= np.asarray(used, dtype=bool)
    if not keep.all():
        arr = pc.filter(arr, pa.array(keep))
        values = values[keep]
    if not len(values):
        return []
    lower = pc.utf8_lower(arr)
    # two ids equal but for case need an upper-case letter in one and a lower-case one in
    # the other: ids all of one case (P0001, EX-001) have no variants (no hashing needed)
    if pc.all(pc.equal(lower, arr)).as_py() or pc.all(pc.equal(pc.utf8_upper(arr), arr)).as_py():
        return []
    key, _ = pd.factorize(lower.to_numpy(zero_copy_only=False))
    counts = np.bincount(key)  # the values are distinct: a key counted twice has two spellings
    sel = counts[key] > 1
    groups: dict[int, set[str]] = {}
    for k, v in zip(key[sel], values[sel], strict=True):
        groups.setdefault(int(k), set()).add(str(v))
    return [sorted(g) for g in groups.values() if len(g) > 1]
