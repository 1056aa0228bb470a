"""Strict parsing of cell values: numbers, dates and true/false, once per distinct value.

Rules (the same for every file format):

- **Numbers** are decimal: ``12``, ``-0.5``, ``.5``, ``1e3``, ``+7``; ``inf``
  parses (and is then reported as not finite). Hexadecimal (``0x1E``), digit
  group separators (``1,000``) and other notations are failures, unless the
  manifest declares ``decimal = ","`` or ``thousands = "."`` for the table.
  ``true``/``false`` is not a number, and neither is a duration or a date
  stored in a numeric column (Parquet/Arrow ``duration`` or ``timestamp``).
- **Dates** are ISO 8601 with day, month and year (``2024-03-05``, optionally
  with a time); ``2024`` and ``2024-03`` are partial dates and fail rather
  than become January 1st. A time zone (``Z``, ``+01:00``) is a failure unless
  the table declares ``time_zone = "utc"``, which converts to UTC. A declared
  ``date_format`` (strftime, day month and year) replaces ISO 8601.
- **True/false**: ``true``/``false``, ``t``/``f``, ``yes``/``no``, ``y``/``n``,
  ``1``/``0`` (any case).

Each parser takes the distinct values of a column and returns the parsed
values and, per value, ``None`` (parsed) or the failure message's tail. The
callers map them to rows with the codes of the column.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BOOL_FALSE", "BOOL_TRUE", "parse_bools", "parse_dates", "parse_numbers"]

BOOL_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0"})
BOOL_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0"})

_NUM = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_INF = r"[+-]?(?:[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_PARTIAL = re.compile(r"^\d{4}(?:-\d{1,2})?$|^\d{4}-W\d{2}(?:-\d)?$|^\d{4}-\d{3}$")


def _number_pattern(decimal: str, thousands: str | None) -> str:
    d = re.escape(decimal)
    if thousands is None:
        body = rf"(?:[0-9]+(?:{d}[0-9]*)?|{d}[0-9]+)"
    else:
        t = re.escape(thousands)
        body = rf"(?:[0-9]{{1,3}}(?:{t}[0-9]{{3}})+|[0-9]+)(?:{d}[0-9]*)?|{d}[0-9]+"
        body = f"(?:{body})"
    return rf"^(?:[+-]?{body}(?:[eE][+-]?[0-9]+)?|{_INF})$"


def _why_not_number(text: str, decimal: str, thousands: str | None) -> str:
    t = text.strip()
    if re.fullmatch(r"[+-]?0[xX][0-9A-Fa-f]+", t):
        return f"is hexadecimal ({t}); give a decimal number"
    if t.lower() in (BOOL_TRUE | BOOL_FALSE) - {"1", "0", "1.0", "0.0"}:
        return "is true/false, not a number"
    other = "," if decimal == "." else "."
    if thousands is None and re.fullmatch(
        rf"[+-]?[0-9]{{1,3}}(?:{re.escape(other)}[0-9]{{3}})+", t
    ):
        return (
            f"has a digit group separator ('{other}'); give the number without it, or declare "
            f'thousands = "{other}" in the manifest\'s [format.<table>]'
        )
    if decimal == "," and re.fullmatch(r"[+-]?[0-9]*\.[0-9]+", t):
        return 'has a decimal point, but the table declares decimal = ","'
    if decimal == "." and re.fullmatch(r"[+-]?[0-9]*,[0-9]+", t):
        return 'has a decimal comma; declare decimal = "," in the manifest\'s [format.<table>]'
    return "is not a number"


def parse_numbers(
    uniques: np.ndarray, decimal: str = ".", thousands: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Parse distinct text values as decimal numbers.

    Parameters
    ----------
    uniques : ndarray of object
        Distinct values: ``str`` (already trimmed) or ``None`` (missing).
    decimal, thousands : str
        Declared separators (``[format.TABLE]``).

    Returns
    -------
    values : ndarray of float64
        NaN where missing or not a number.
    problems : ndarray of object
        ``None`` where parsed or missing, else why the text is not a number.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(uniques)
    values = np.full(n, np.nan)
    problems = np.full(n, None, dtype=object)
    if not n:
        return values, problems
    arr = pa.array(uniques, type=pa.string(), from_pandas=True)
    ok = pc.fill_null(pc.match_substring_regex(arr, _number_pattern(decimal, thousands)), False)
    ok_np = ok.to_numpy(zero_copy_only=False).astype(bool, copy=False)
    good = pc.filter(arr, ok)
    if thousands is not None:
        good = pc.replace_substring(good, thousands, "")
    if decimal != ".":
        good = pc.replace_substring(good, decimal, ".")
    good = pc.replace_substring_regex(good, r"^\+", "")
    values[ok_np] = pc.cast(good, pa.float64()).to_numpy(zero_copy_only=False)
    bad = np.flatnonzero(~ok_np & pd.notna(uniques))
    for i in bad:
        problems[i] = _why_not_number(str(uniques[i]), decimal, thousands)
    return values, problems


def _object_kind(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT or v is pd.NA:
        return "na"
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(v, str):
        return "str"
    if isinstance(v, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        return "duration"
    if isinstance(v, (_dt.date, np.datetime64)):
        return "date"
    return "other"


def numbers_from_objects(
    values: np.ndarray, decimal: str = ".", thousands: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`parse_numbers` for values of mixed Python types (Excel, SAS, memory)."""
    n = len(values)
    out = np.full(n, np.nan)
    problems = np.full(n, None, dtype=object)
    kinds = np.array([_object_kind(v) for v in values], dtype=object)
    num = kinds == "number"
    out[num] = np.asarray([float(v) for v in values[num]], dtype=float)
    text = np.flatnonzero(kinds == "str")
    if len(text):
        strs = np.asarray(values[text], dtype=object)
        uniq, inv = np.unique(strs.astype(str), return_inverse=True)
        v_u, p_u = parse_numbers(uniq.astype(object), decimal, thousands)
        out[text] = v_u[inv]
        problems[text] = p_u[inv]
    for kind, why in (
        ("bool", "is true/false, not a number"),
        ("duration", "is a duration, not a number; give the number of weeks"),
        ("date", "is a date, not a number"),
        ("other", "is not a number"),
    ):
        problems[kinds == kind] = why
    return out, problems


def _zone_offset(zone: str) -> _dt.timedelta:
    if zone == "Z":
        return _dt.timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * _dt.timedelta(hours=hours, minutes=minutes)


def _one_date(v: Any, date_format: str | None, utc: bool) -> tuple[Any, str | None]:
    """(naive datetime or None, problem or None) for one value."""
    kind = _object_kind(v)
    if kind == "na":
        return None, None
    if kind == "date":
        ts = pd.Timestamp(v)
        if ts.tzinfo is not None:
            if not utc:
                return None, _ZONE_MESSAGE
            ts = ts.tz_convert("UTC").tz_localize(None)
        return ts.to_pydatetime(), None
    if kind in ("number", "bool"):
        return None, "is a number, not a date (format the cells as dates, or give YYYY-MM-DD)"
    if kind != "str":
        return None, "is not a date"
    text = v.strip()
    if date_format is not None:
        try:
            return _dt.datetime.strptime(text, date_format), None
        except ValueError:
            return None, f"does not match the declared date_format {date_format}"
    m = _ISO.match(text)
    if m is None:
        if _PARTIAL.match(text):
            return None, "is a partial date; give day, month and year (YYYY-MM-DD)"
        return None, "is not an ISO 8601 date (YYYY-MM-DD)"
    y, mo, d, hh, mi, ss, frac, zone = m.groups()
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        value = _dt.datetime(
            int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), micro
        )
    except ValueError:
        return None, "is not a calendar date"
    if zone is not None:
        if not utc:
            return None, _ZONE_MESSAGE
        value = value - _zone_offset(zone)
    return value, None


_ZONE_MESSAGE = (
    'has a time zone; declare time_zone = "utc" in the manifest\'s [format.<table>] to '
    "convert times to UTC, or give the local date without a zone"
)


def parse_dates(
    uniques: np.ndarray, date_format: str | None = None, time_zone: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Parse distinct values as dates (see the module docstring).

    Returns ``values`` (datetime64[ns], NaT where missing or failed) and
    ``problems`` (None where parsed or missing, else why the value is not a date).
    """
    utc = time_zone == "utc"
    n = len(uniques)
    values = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    problems = np.full(n, None, dtype=object)
    for i, v in enumerate(uniques):
        value, problem = _one_date(v, date_format, utc)
        if problem is not None:
            problems[i] = problem
        elif value is not None:
            try:
                values[i] = np.datetime64(value, "ns")
            except (OverflowError, ValueError):
                problems[i] = "is outside the dates that can be stored"
    return values, problems


def parse_bools(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parse distinct values as true/false; returns (object array of bool/None, problems)."""
    n = len(uniques)
    values = np.full(n, None, dtype=object)
    problems = np.full(n, None, dtype=object)
    for i, v in enumerate(uniques):
        kind = _object_kind(v)
        if kind == "na":
            continue
        if kind == "bool":
            values[i] = bool(v)
            continue
        if kind == "number":
            key = "1" if v == 1 else ("0" if v == 0 else str(v))
        else:
            key = str(v).strip().lower()
        if key in BOOL_TRUE:
            values[i] = True
        elif key in BOOL_FALSE:
            values[i] = False
        else:
            problems[i] = "is not true or false"
    return values, problems
