"""Vectorised conversion of raw tables to canonical dtypes, and per-column checks.

A value that fails type conversion is a failure (rule ``dtype``, or
``iso_date`` for dates) with its original text; it is never coerced to a
missing value silently. Range, null, allowed-value, pattern and uniqueness
checks run on whole columns (no per-row Python), driven by the
:class:`~kneestudy.schemas.spec.TableSpec` read off the pandera models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kneestudy.ingest import hints
from kneestudy.ingest.checks import check_column, check_unique
from kneestudy.ingest.readers import RawTable, ReadOptions, clean_objects, trim_note
from kneestudy.ingest.report import Collector
from kneestudy.ingest.state import TableState, messages_at
from kneestudy.ingest.values import numbers_from_objects, parse_bools, parse_dates, parse_numbers
from kneestudy.schemas.cohort import OUTCOME_COLUMNS
from kneestudy.schemas.spec import ColumnSpec, TableSpec

__all__ = ["TableState", "convert_table", "messages_at"]


def convert_table(
    name: str,
    file: str | None,
    raw: RawTable,
    spec: TableSpec,
    out: Collector,
    options: ReadOptions | None = None,
    fatal: list | tuple = (),
    original: pd.DataFrame | None = None,
    keep_reasons: bool = False,
) -> TableState:
    """Convert ``raw`` to canonical dtypes and run the single-table checks.

    ``fatal`` are failures of the whole table found by the mapping; ``options``
    carry the declared decimal and thousands separators, date format and time
    zone; with ``keep_reasons`` every failure of every row is kept for quarantine.
    """
    opts = options or ReadOptions()
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
        row_word=raw.row_word,
        original=original if original is not None else frame,
        reasons=[] if keep_reasons else None,
    )
    for line, text, message in raw.unparsed:
        out.add(name, file, line, None, "field_count", text, message)
    for column, note in raw.notes:
        out.note(name, file, column, note)
    for column, rule, value, message in fatal:
        state.fail_table(out, column, rule, message, value)
    if state.fatal:
        state.frame = frame
        return state
    cohort_table = name in _COHORT_TABLES
    converted: dict[str, pd.Series] = {}
    absent_schema = [c for c in spec.columns if c not in frame.columns]
    for col in frame.columns:
        cs = spec.columns.get(col)
        if cs is None:
            hint = hints.did_you_mean(str(col), absent_schema)
            out.note(
                name, file, col, f"extra column '{col}' is not in the schema; kept as read{hint}"
            )
            converted[col] = frame[col]
            continue
        fc = raw.codes.get(col)
        if fc is not None and cs.kind in ("str", "category"):
            state.text_codes[col] = fc
            state.raw_na[col] = fc[0] < 0
            converted[col] = frame[col]  # text as read is the canonical text
            continue
        converted[col] = _convert_column(state, frame[col], cs, out, opts, fc)
    missing = [c for c in spec.required if c not in frame.columns]
    absent = [c for c in absent_schema if c not in spec.required and c not in _NOT_FILLED]
    if cohort_table:
        for col in absent:  # a column the trial did not record: all missing
            converted[col] = _all_missing(spec.columns[col], n)
            state.raw_na[col] = np.ones(n, dtype=bool)
            out.note(
                name, file, col, f"column '{col}' is not in {file or name}: read as all-missing"
            )
        state.absent = tuple(absent)
    # copy=False: no consolidation of the columns into 2-D blocks (a full copy)
    canon = pd.DataFrame(converted, index=pd.RangeIndex(n), copy=False)
    state.frame = canon
    extras = [str(c) for c in frame.columns if c not in spec.columns]
    for col in missing:
        state.fail_table(
            out,
            col,
            "missing_column",
            f"required column '{col}' is missing{hints.did_you_mean(col, extras, mapping=name)}",
        )
    if name == "visits" and not any(c in frame.columns for c in OUTCOME_COLUMNS):
        state.fail_table(
            out,
            None,
            "outcome_required",
            f"{file or name} has none of the outcome columns ({', '.join(OUTCOME_COLUMNS)}); "
            "a visit needs at least one (map yours with [columns.visits])",
        )
    for col, cs in spec.columns.items():
        if col in canon.columns and col not in state.absent:
            check_column(state, canon[col], cs, out)
    check_unique(state, spec.unique, out)
    return state


#: Tables whose absent optional columns are added as all-missing (and noted).
_COHORT_TABLES = ("participants", "visits", "adverse_events", "events")
#: Optional columns that stay absent when the file lacks them (design-specific).
_NOT_FILLED = ("condition",)


def _all_missing(cs: ColumnSpec, n: int) -> pd.Series:
    if cs.kind == "category":
        return pd.Series(pd.Categorical([None] * n, dtype=cs.dtype))
    if cs.kind == "int":
        return pd.Series(pd.array([None] * n, dtype="Int64"))
    if cs.kind == "bool":
        return pd.Series(pd.array([None] * n, dtype="boolean"))
    if cs.kind == "date":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    if cs.kind == "float":
        return pd.Series(np.full(n, np.nan))
    return pd.Series(np.full(n, None, dtype=object))


def _per_value(
    s: pd.Series, codes: tuple[np.ndarray, np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of a column: the reader's, or pandas' factorisation."""
    if codes is not None:
        return codes
    vals = s.to_numpy(dtype=object)
    na = pd.isna(vals)
    if na.all():  # nothing recorded (a column pyarrow read as all-null): no values to parse
        return np.full(len(vals), -1, dtype=np.int64), np.empty(0, dtype=object)
    is_bool = np.fromiter((isinstance(v, (bool, np.bool_)) for v in vals), bool, len(vals))
    if is_bool.any():  # True == 1 when hashed: keep true/false apart from numbers
        keys = np.empty(len(vals), dtype=object)
        keys[:] = [("bool", bool(v)) if b else v for v, b in zip(vals, is_bool, strict=True)]
        c, u = pd.factorize(keys, use_na_sentinel=True)
        u = np.array([x[1] if isinstance(x, tuple) else x for x in u], dtype=object)
        return c.astype(np.int64, copy=False), u
    c, u = pd.factorize(vals, use_na_sentinel=True)
    return c.astype(np.int64, copy=False), np.asarray(u, dtype=object)


def _fail_problems(
    state: TableState,
    out: Collector,
    codes: np.ndarray,
    problems: np.ndarray,
    col: str,
    rule: str,
    what: str,
) -> np.ndarray:
    """Rows whose distinct value has a problem fail with ``"<col> must be <what>; ..."``."""
    has = np.array([p is not None for p in problems] + [False], dtype=bool)
    failed = has[codes]
    if failed.any():
        msgs = np.array(
            [None if p is None else f"{col} must be {what}; the value {p}" for p in problems]
            + [None],
            dtype=object,
        )
        state.fail(out, failed, col, rule, lambda pos: msgs[codes[pos]])
    return failed


def _typed_problem(s: pd.Series, cs: ColumnSpec) -> str | None:
    """Why a typed (non-text) column cannot hold this kind, or None."""
    dt = s.dtype
    if cs.kind in ("float", "int"):
        if pd.api.types.is_timedelta64_dtype(dt):
            return (
                f"{cs.name} must be a number; the file stores durations (Parquet/Arrow "
                "duration), give the number of weeks"
            )
        if pd.api.types.is_datetime64_any_dtype(dt):
            return f"{cs.name} must be a number; the file stores dates or times"
        if pd.api.types.is_bool_dtype(dt):
            return f"{cs.name} must be a number; the file stores true/false"
    if cs.kind == "date":
        if pd.api.types.is_timedelta64_dtype(dt):
            return f"{cs.name} must be a date; the file stores durations"
        if pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt):
            return f"{cs.name} must be a date; the file stores numbers"
    return None


def _convert_column(
    state: TableState,
    s: pd.Series,
    cs: ColumnSpec,
    out: Collector,
    opts: ReadOptions,
    fc: tuple[np.ndarray, np.ndarray] | None,
) -> pd.Series:
    kind, name = cs.kind, cs.name
    typed = s.dtype != object
    problem = _typed_problem(s, cs) if typed else None
    if problem is not None:
        na = s.isna().to_numpy()
        state.raw_na[name] = na
        state.fail(out, ~na, name, "dtype", problem)
        return _all_missing(cs, len(s))
    if kind in ("float", "int"):
        if kind == "int" and str(s.dtype) == "Int64":  # already whole numbers (Parquet, memory)
            state.raw_na[name] = s.isna().to_numpy()
            return _whole_numbers(state, s, name, out, already_int=True)
        if typed and pd.api.types.is_numeric_dtype(s.dtype):
            num = s.astype("float64", copy=False)  # no copy when already float64
            state.raw_na[name] = num.isna().to_numpy()
        else:
            codes, uniques = _per_value(s, fc)
            if fc is not None:
                values, problems = parse_numbers(uniques, opts.decimal, opts.thousands)
            else:
                values, problems = numbers_from_objects(uniques, opts.decimal, opts.thousands)
            missing_u = np.array([u is None for u in uniques] + [True], dtype=bool)
            state.raw_na[name] = missing_u[codes]
            _fail_problems(state, out, codes, problems, name, "dtype", "a number")
            num = pd.Series(np.append(values, np.nan)[codes], index=s.index)
        if kind == "int":
            return _whole_numbers(state, num, name, out)
        return num
    if kind == "bool":
        if typed and pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
            state.raw_na[name] = np.zeros(len(s), dtype=bool)
            res = s.astype(bool)
            return res if cs.dtype is bool else res.astype("boolean")
        codes, uniques = _per_value(s, fc)
        values, problems = parse_bools(uniques)
        state.raw_na[name] = np.array([u is None for u in uniques] + [True], dtype=bool)[codes]
        _fail_problems(state, out, codes, problems, name, "dtype", "true or false")
        res = pd.Series(np.append(values, None)[codes], index=s.index).astype("boolean")
        if cs.dtype is bool:
            return res.fillna(False).astype(bool)  # empty values fail not_null
        return res
    if kind == "date":
        if typed and pd.api.types.is_datetime64_any_dtype(s.dtype):
            state.raw_na[name] = s.isna().to_numpy()
            if getattr(s.dt, "tz", None) is not None:
                if opts.time_zone != "utc":
                    state.fail(
                        out,
                        ~state.raw_na[name],
                        name,
                        "time_zone",
                        f"{name} must be a date without a time zone; the file stores times with "
                        f'a zone ({s.dt.tz}); declare time_zone = "utc" in the manifest\'s '
                        "[format.<table>] to convert them to UTC",
                    )
                    return _all_missing(cs, len(s))
                s = s.dt.tz_convert("UTC").dt.tz_localize(None)
            return s.astype("datetime64[ns]")
        codes, uniques = _per_value(s, fc)
        values, problems = parse_dates(uniques, opts.date_format, opts.time_zone)
        state.raw_na[name] = np.array([u is None for u in uniques] + [True], dtype=bool)[codes]
        zone = np.array([p is not None and "time zone" in p for p in problems], dtype=bool)
        other = problems.copy()
        other[zone] = None
        _fail_problems(state, out, codes, other, name, "iso_date", "a date (YYYY-MM-DD)")
        tz_only = problems.copy()
        tz_only[~zone] = None
        _fail_problems(state, out, codes, tz_only, name, "time_zone", "a date without a time zone")
        nat = np.datetime64("NaT", "ns")
        return pd.Series(np.append(values, nat)[codes], index=s.index).astype("datetime64[ns]")
    # str and category without the reader's codes (Excel, SAS, memory)
    res = _as_text(s)
    cleaned, trimmed = clean_objects(res, opts.na)
    if cleaned is not None:
        res = cleaned
    if trimmed:
        out.note(state.name, state.file, name, trim_note(name, trimmed))
    state.raw_na[name] = res.isna().to_numpy()
    return res


def _whole_numbers(
    state: TableState, num: pd.Series, name: str, out: Collector, already_int: bool = False
) -> pd.Series:
    if already_int:
        lo, hi = num.min(), num.max()  # reductions on the integer data, NA skipped
        if pd.isna(lo) or (abs(int(lo)) <= 2**53 and abs(int(hi)) <= 2**53):
            return num  # whole numbers, exact in float64: nothing to check
        num = pd.Series(num.to_numpy(dtype="float64", na_value=np.nan), index=num.index)
    vals = num.to_numpy(dtype="float64")
    frac = np.isfinite(vals) & (vals != np.floor(vals))
    if frac.any():
        state.fail(out, frac, name, "dtype", f"{name} must be a whole number")
        num = num.mask(frac)
    huge = np.abs(vals) > 2.0**53  # inf included; beyond exact integers in float64
    if huge.any():
        state.fail(out, huge, name, "dtype", f"{name} must be a whole number")
        num = num.mask(huge)
    vals = num.to_numpy(dtype="float64")
    mask = np.isnan(vals)
    ints = np.where(mask, 0, vals).astype(np.int64)
    return pd.Series(pd.arrays.IntegerArray(ints, mask), index=num.index, name=num.name)


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
