"""Per-column checks of a converted table: nulls, ranges, allowed values, patterns, keys.

Each check runs on whole columns (no per-row Python), or once per distinct
value of a factorised text column; both give the same failures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kneestudy.ingest.report import Collector
from kneestudy.ingest.state import TableState
from kneestudy.schemas.spec import ColumnSpec

__all__ = ["check_column", "check_unique", "repeat_messages"]


def check_column(state: TableState, s: pd.Series, cs: ColumnSpec, out: Collector) -> None:
    name = cs.name
    if name in state.text_codes:
        _check_text_codes(state, cs, out)
        return
    raw_isna = state.raw_na[name]
    if not cs.nullable:
        # values that failed conversion are already reported (rule dtype)
        state.fail(out, raw_isna, name, "not_null", f"{name} must not be empty")
    if cs.kind in ("float", "int"):
        vals = s.to_numpy(dtype="float64", na_value=np.nan)
    if cs.kind in ("float", "int") and not _finite_in_range(vals, cs):
        with np.errstate(invalid="ignore"):
            ok = np.ones(len(vals), dtype=bool)
            if cs.lower is not None:
                ok &= (vals > cs.lower) if cs.lower_strict else (vals >= cs.lower)
            if cs.upper is not None:
                ok &= (vals < cs.upper) if cs.upper_strict else (vals <= cs.upper)
        present = ~np.isnan(vals)
        if cs.lower is not None or cs.upper is not None:
            state.fail(out, present & ~ok, name, "in_range", f"{name} must be {cs.range_text}")
        inf = np.isinf(vals) & ok
        state.fail(out, inf, name, "finite", f"{name} must be finite")
    if cs.allowed is None and cs.pattern is None and not cs.unique:
        return
    if cs.kind in ("str", "category"):
        isna = raw_isna
    elif cs.kind == "float":
        isna = np.isnan(s.to_numpy(dtype="float64"))
    else:
        isna = s.isna().to_numpy()
    if cs.allowed is not None:
        bad = ~isna & ~s.isin(list(cs.allowed)).to_numpy()
        state.fail(
            out,
            bad,
            name,
            "allowed_values",
            f"{name} must be one of {', '.join(map(str, cs.allowed))}",
        )
        if cs.kind == "category":
            state.frame[name] = pd.Categorical(s.where(~bad), dtype=cs.dtype)
    if cs.pattern is not None:
        bad = ~isna & ~_matches(s, cs.pattern)
        state.fail(out, bad, name, "pattern", f"{name} must match {cs.pattern}")
    if cs.unique:
        dup = ~isna & s.duplicated(keep=False).to_numpy()
        if dup.any():
            msg = repeat_messages(name, _codes(state, [name]), state, dup)
            state.fail(out, dup, name, "unique", msg)


def _finite_in_range(vals: np.ndarray, cs: ColumnSpec) -> bool:
    """True when every present value is finite and in range: nothing to report.

    Two reductions (NaN ignored) instead of the per-row masks, which are
    built only when this is false.
    """
    if not len(vals):
        return True
    lo, hi = np.fmin.reduce(vals), np.fmax.reduce(vals)
    if np.isnan(lo):
        return True  # every value missing
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return False
    if cs.lower is not None and not (lo > cs.lower if cs.lower_strict else lo >= cs.lower):
        return False
    return cs.upper is None or bool(hi < cs.upper if cs.upper_strict else hi <= cs.upper)


def _check_text_codes(state: TableState, cs: ColumnSpec, out: Collector) -> None:
    """The checks of :func:`_check_column` on a factorised text column.

    Each check runs once per distinct value and is mapped to the rows by the
    codes; failures are the same as those of the row-wise path.
    """
    name = cs.name
    codes, uniques = state.text_codes[name]
    present = codes >= 0
    if not cs.nullable:
        state.fail(out, ~present, name, "not_null", f"{name} must not be empty")
    if cs.allowed is not None:
        where = pd.Index(list(cs.allowed)).get_indexer(uniques)  # -1 = not allowed
        at = np.append(where, -1)[codes]
        state.fail(
            out,
            present & (at < 0),
            name,
            "allowed_values",
            f"{name} must be one of {', '.join(map(str, cs.allowed))}",
        )
        if cs.kind == "category":
            state.frame[name] = pd.Categorical.from_codes(at, dtype=cs.dtype)
    if cs.pattern is not None:
        ok = np.append(_matches(np.asarray(uniques, dtype=object), cs.pattern), True)
        state.fail(out, present & ~ok[codes], name, "pattern", f"{name} must match {cs.pattern}")
    if cs.unique:
        counts = np.bincount(codes[present], minlength=len(uniques))
        dup = present & (np.append(counts, 0)[codes] > 1)
        if dup.any():
            msg = repeat_messages(name, _codes(state, [name]), state, dup)
            state.fail(out, dup, name, "unique", msg)


def _matches(s: pd.Series | np.ndarray, pattern: str) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    from kneestudy.ingest.readers import arrow_of

    if isinstance(s, np.ndarray):  # distinct values: the reader's Arrow array when it has one
        arr = arrow_of(s)
    else:
        arr = pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    res = pc.match_substring_regex(arr, pattern)
    return (
        res.to_numpy(zero_copy_only=False).astype(bool, copy=False)
        if res.null_count == 0
        else (res.fill_null(True).to_numpy(zero_copy_only=False).astype(bool))
    )


def _codes(state: TableState, cols: list[str]) -> np.ndarray:
    """One int64 key per row from the factorised key columns."""
    key = np.zeros(state.n, dtype=np.int64)
    for c in cols:
        codes, uniques = state.factorize(c)
        key = key * (len(uniques) + 1) + (codes + 1)
    return key


def _duplicated(key: np.ndarray, cols: list[str], state: TableState) -> np.ndarray:
    """Rows whose key repeats (rows with a missing key part are not compared)."""
    if len(key) and key.max() <= 8 * len(key) + 1024:  # dense keys: count, do not hash
        dup = np.bincount(key)[key] > 1
    else:
        dup = pd.Series(key).duplicated(keep=False).to_numpy()
    for c in cols:
        dup &= ~state.raw_na[c] if c in state.raw_na else state.frame[c].notna().to_numpy()
    return dup


def _first_rows(key: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Source row of the first occurrence of each row's key."""
    k = pd.Series(key)
    first_pos = k.groupby(k, sort=False).transform("idxmin").to_numpy()
    return rows[first_pos]


def repeat_messages(what: str, key: np.ndarray, state: TableState, dup: np.ndarray):
    """Messages of repeated keys: the first row names the rows that repeat it,
    each later row the first one (``"... repeats line 2"``)."""
    rows = state.rows
    first = _first_rows(key, rows)
    word = state.row_word
    later: dict[int, list[int]] = {}
    for f, r in zip(first[dup], rows[dup], strict=True):
        if f != r:
            later.setdefault(int(f), []).append(int(r))

    def messages(pos: np.ndarray) -> list[str]:
        out = []
        for p in pos:
            r, f = int(rows[p]), int(first[p])
            if r == f:
                again = later.get(r, [])
                shown = ", ".join(map(str, again[:5])) + (" ..." if len(again) > 5 else "")
                plural = "s" if len(again) > 1 else ""
                out.append(f"{what} is repeated on {word}{plural} {shown}")
            else:
                out.append(f"{what} repeats {word} {f}")
        return out

    return messages


def _key_text(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    def text(v: Any) -> str:
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v)

    parts = [
        np.array([text(v) for v in frame[c].to_numpy(dtype=object)], dtype=object) for c in cols
    ]
    out = parts[0]
    for p in parts[1:]:
        out = out + ", " + p
    return out


def check_unique(state: TableState, unique: tuple[str, ...], out: Collector) -> None:
    """Compound keys (``participant_id, week``) must not repeat."""
    canon = state.frame
    if not unique or not all(c in canon.columns for c in unique):
        return
    key = _codes(state, list(unique))
    dup = _duplicated(key, list(unique), state)
    if dup.any():
        msg = repeat_messages(f"({', '.join(unique)})", key, state, dup)
        values = np.empty(state.n, dtype=object)  # texts of the repeated keys only
        values[dup] = _key_text(canon.loc[dup], list(unique))
        state.fail(out, dup, unique[-1], "unique", msg, values=values)
