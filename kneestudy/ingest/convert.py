"""Vectorised conversion of raw tables to canonical dtypes, and per-column checks.

A value that fails type conversion is a failure (rule ``dtype``, or
``iso_date`` for dates) with its original text; it is never coerced to a
missing value silently. Range, null, allowed-value, pattern and uniqueness
checks run on whole columns (no per-row Python), driven by the
:class:`~kneestudy.schemas.spec.TableSpec` read off the pandera models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kneestudy.ingest.readers import RawTable
from kneestudy.ingest.report import Collector
from kneestudy.schemas.spec import ColumnSpec, TableSpec

__all__ = ["TableState", "convert_table"]

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


@dataclass
class TableState:
    """One table during validation: canonical frame, source rows, invalid mask."""

    name: str
    file: str | None
    frame: pd.DataFrame
    raw: pd.DataFrame
    rows: np.ndarray
    bad: np.ndarray
    unparsed: list = field(default_factory=list)
    fatal: bool = False
    raw_na: dict = field(default_factory=dict)
    factorized: dict = field(default_factory=dict)
    #: text columns factorised by the reader whose canonical column is the
    #: text as read (name -> (codes, uniques); see ``RawTable.codes``)
    text_codes: dict = field(default_factory=dict)

    def factorize(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Codes of a canonical column, computed once (missing -> -1).

        ``pandas.factorize``, or the reader's factorisation of a text column
        (whose ``uniques`` may be in another order and hold unused values).
        """
        if column not in self.factorized:
            if column in self.text_codes:
                self.factorized[column] = self.text_codes[column]
            else:
                self.factorized[column] = pd.factorize(self.frame[column])
        return self.factorized[column]

    @property
    def n(self) -> int:
        return len(self.frame)

    def fail(
        self, out: Collector, mask: np.ndarray, column: str | None, rule: str, message, values=None
    ) -> None:
        """Record a failure for each row where ``mask`` is true (original text as value)."""
        pos = np.flatnonzero(mask)
        if not len(pos):
            return
        if values is None:
            if column is not None and column in self.raw.columns:
                values = self.raw[column].to_numpy()[pos]
            else:
                values = None
        elif not np.isscalar(values):
            values = np.asarray(values, dtype=object)[pos]
        if not isinstance(message, str):
            message = np.asarray(message, dtype=object)[pos]
        out.add(self.name, self.file, self.rows[pos], column, rule, values, message)
        self.bad[pos] = True

    def fail_table(self, out: Collector, column: str | None, rule: str, message: str, value=None):
        """A failure of the whole table (no row): every row counts as invalid."""
        out.add(self.name, self.file, None, column, rule, value, message)
        self.bad[:] = True
        self.fatal = True


def convert_table(
    name: str, file: str | None, raw: RawTable, spec: TableSpec, out: Collector
) -> TableState:
    """Convert ``raw`` to canonical dtypes and run the single-table checks."""
    frame = raw.frame
    n = len(frame)
    state = TableState(
        name=name,
        file=file,
        frame=frame,
        raw=frame,
        rows=raw.rows,
        bad=np.zeros(n, dtype=bool),
        unparsed=raw.unparsed,
    )
    for line, text, message in raw.unparsed:
        out.add(name, file, line, None, "field_count", text, message)
    converted: dict[str, pd.Series] = {}
    for col in frame.columns:
        cs = spec.columns.get(col)
        if cs is None:
            out.note(name, file, col, f"extra column '{col}' is not in the schema; kept as read")
            converted[col] = frame[col]
            continue
        fc = raw.codes.get(col)
        if fc is not None and cs.kind in ("str", "category"):
            state.text_codes[col] = fc
            state.raw_na[col] = fc[0] < 0
            converted[col] = frame[col]  # text as read is the canonical text
            continue
        state.raw_na[col] = frame[col].isna().to_numpy()
        converted[col] = _convert_column(state, frame[col], cs, out)
    missing = [c for c in spec.required if c not in frame.columns]
    # copy=False: no consolidation of the columns into 2-D blocks (a full copy)
    canon = pd.DataFrame(converted, index=pd.RangeIndex(n), copy=False)
    state.frame = canon
    for col in missing:
        state.fail_table(out, col, "missing_column", f"required column '{col}' is missing")
    for col, cs in spec.columns.items():
        if col in canon.columns:
            _check_column(state, canon[col], cs, out)
    if spec.unique and all(c in canon.columns for c in spec.unique):
        key = _codes(state, list(spec.unique))
        dup = _duplicated(key, list(spec.unique), state)
        if dup.any():
            msg = _repeat_messages(f"({', '.join(spec.unique)})", key, state.rows, dup)
            values = np.empty(n, dtype=object)  # texts of the repeated keys only
            values[dup] = _key_text(canon.loc[dup], list(spec.unique))
            state.fail(out, dup, spec.unique[-1], "unique", msg, values=values)
    return state


def _convert_column(state: TableState, s: pd.Series, cs: ColumnSpec, out: Collector) -> pd.Series:
    kind = cs.kind
    notna = ~state.raw_na[cs.name]
    if kind in ("float", "int"):
        if pd.api.types.is_bool_dtype(s.dtype):
            num = pd.Series(np.full(len(s), np.nan), index=s.index)
            failed = notna
        elif pd.api.types.is_numeric_dtype(s.dtype):
            num = s.astype("float64", copy=False)  # no copy when already float64
            failed = np.zeros(len(s), dtype=bool)
        else:
            is_bool = s.map(lambda v: isinstance(v, bool), na_action="ignore").eq(True)
            text = s.mask(is_bool.to_numpy(dtype=bool))  # True is not the number 1
            num = pd.to_numeric(text, errors="coerce").astype("float64")
            failed = notna & num.isna().to_numpy()
        if failed.any():
            state.fail(out, failed, cs.name, "dtype", f"{cs.name} must be a number")
        if kind == "int":
            vals = num.to_numpy()
            frac = np.isfinite(vals) & (vals != np.floor(vals))
            if frac.any():
                state.fail(out, frac, cs.name, "dtype", f"{cs.name} must be a whole number")
                num = num.mask(frac)
            huge = np.abs(vals) > 2.0**53  # inf included; beyond exact integers in float64
            if huge.any():
                state.fail(out, huge, cs.name, "dtype", f"{cs.name} must be a whole number")
                num = num.mask(huge)
            vals = num.to_numpy(dtype="float64")
            mask = np.isnan(vals)
            ints = np.where(mask, 0, vals).astype(np.int64)
            return pd.Series(pd.arrays.IntegerArray(ints, mask), index=num.index, name=num.name)
        return num
    if kind == "bool":
        if pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
            res = s.astype(bool)
            return res if cs.dtype is bool else res.astype("boolean")
        key = s.map(_bool_key, na_action="ignore")
        mapped = key.map(lambda k: True if k in _TRUE else (False if k in _FALSE else None))
        failed = notna & mapped.isna().to_numpy()
        if failed.any():
            state.fail(out, failed, cs.name, "dtype", f"{cs.name} must be true or false")
        res = mapped.astype("boolean")
        if cs.dtype is bool:
            return res.fillna(False).astype(bool)  # empty values fail not_null
        return res
    if kind == "date":
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            res = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
            return res.astype("datetime64[ns]")
        is_text = s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) == "string"
        text = s.str.strip() if is_text else s.map(_date_text, na_action="ignore")
        res = pd.to_datetime(text, format="ISO8601", errors="coerce")
        failed = notna & res.isna().to_numpy()
        if failed.any():
            state.fail(
                out, failed, cs.name, "iso_date", f"{cs.name} must be an ISO 8601 date (YYYY-MM-DD)"
            )
        return res.astype("datetime64[ns]")
    # str and category
    res = _as_text(s)
    if kind == "category":
        return res  # categorised after the allowed-values check
    return res


def _bool_key(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return "1" if v == 1 else ("0" if v == 0 else str(v))
    return str(v).strip().lower()


def _date_text(v):
    if isinstance(v, str):
        return v.strip()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def _as_text(s: pd.Series) -> pd.Series:
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.astype(object).where(s.notna(), None)

    def one(v):
        if isinstance(v, str):
            return v
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v)

    return s.map(one, na_action="ignore").astype(object)


def _check_column(state: TableState, s: pd.Series, cs: ColumnSpec, out: Collector) -> None:
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
            msg = _repeat_messages(name, _codes(state, [name]), state.rows, dup)
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
        ok = np.append(_matches(pd.Series(uniques, dtype=object), cs.pattern), True)
        state.fail(out, present & ~ok[codes], name, "pattern", f"{name} must match {cs.pattern}")
    if cs.unique:
        counts = np.bincount(codes[present], minlength=len(uniques))
        dup = present & (np.append(counts, 0)[codes] > 1)
        if dup.any():
            msg = _repeat_messages(name, _codes(state, [name]), state.rows, dup)
            state.fail(out, dup, name, "unique", msg)


def _matches(s: pd.Series, pattern: str) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

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


def _repeat_messages(what: str, key: np.ndarray, rows: np.ndarray, dup: np.ndarray) -> np.ndarray:
    """``"<what> repeats line <first line of the key>"`` for the repeated rows only."""
    msg = np.empty(len(key), dtype=object)
    msg[dup] = [f"{what} repeats line {r}" for r in _first_rows(key, rows)[dup]]
    return msg


def _key_text(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    parts = [frame[c].astype(str).to_numpy(dtype=object) for c in cols]
    out = parts[0]
    for p in parts[1:]:
        out = out + ", " + p
    return out
