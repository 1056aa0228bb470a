"""Display formatting: the only place where report numbers are rounded.

Results keep full precision (``to_frame()`` is never rounded); tables and text
of a report pass their numbers through these functions. Negative numbers use
the typographic minus sign (U+2212), as journals print them; a missing value
shows as an en dash.

Examples
--------
>>> number(-1.2345, 2)
'−1.23'
>>> estimate_ci(-2.357, -2.787, -1.927, 1)
'−2.4 (−2.8 to −1.9)'
>>> p_value(0.00004), p_value(0.0472)
('<0.001', '0.047')
>>> count_pct(37, 60)
'37 (61.7)'
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "MINUS",
    "MISSING",
    "ci",
    "count",
    "count_pct",
    "estimate_ci",
    "is_missing",
    "number",
    "p_value",
    "percent",
    "weeks",
]

MINUS = "\u2212"
MISSING = "–"


def is_missing(x: Any) -> bool:
    """True for None, NaN, pandas NA/NaT and empty strings."""
    if x is None:
        return True
    if isinstance(x, str):
        return not x.strip()
    try:
        import pandas as pd

        if x is pd.NA or x is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return False


def _signed(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def number(x: Any, digits: int = 2) -> str:
    """``x`` rounded to ``digits`` decimals; −0.0 shows as 0.0; ±∞ as ∞."""
    if is_missing(x):
        return MISSING
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isinf(f):
        return "∞" if f > 0 else MINUS + "∞"
    text = f"{f:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return _signed(text)


def count(x: Any) -> str:
    """A whole number (counts, participants, studies)."""
    if is_missing(x):
        return MISSING
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    return str(int(round(f))) if math.isfinite(f) else number(f)


def weeks(x: Any) -> str:
    """A week number as written in a protocol (12, 2.5)."""
    if is_missing(x):
        return MISSING
    try:
        return _signed(f"{float(x):g}")
    except (TypeError, ValueError):
        return str(x)


def percent(x: Any, digits: int = 0) -> str:
    """A proportion (0–1) as a percentage without the sign: 0.617 -> '62'."""
    if is_missing(x):
        return MISSING
    return number(100 * float(x), digits)


def count_pct(k: Any, n: Any, digits: int = 1) -> str:
    """``k (pct)`` with the percentage of ``n``, as in a baseline table."""
    if is_missing(k) or is_missing(n):
        return MISSING
    if float(n) == 0:
        return f"{count(k)} ({MISSING})"
    return f"{count(k)} ({number(100 * float(k) / float(n), digits)})"


def ci(lo: Any, hi: Any, digits: int = 2) -> str:
    """A confidence interval as ``lo to hi`` ("to" rather than a dash, so minus signs read)."""
    if is_missing(lo) and is_missing(hi):
        return MISSING
    return f"{number(lo, digits)} to {number(hi, digits)}"


def estimate_ci(est: Any, lo: Any, hi: Any, digits: int = 2) -> str:
    """``est (lo to hi)``; the estimate alone when the interval is missing."""
    if is_missing(est):
        return MISSING
    if is_missing(lo) and is_missing(hi):
        return number(est, digits)
    return f"{number(est, digits)} ({ci(lo, hi, digits)})"


def p_value(p: Any) -> str:
    """A P value: three decimals, ``<0.001`` below 0.001, ``>0.999`` above 0.999."""
    if is_missing(p):
        return MISSING
    f = float(p)
    if f < 0.001:
        return "<0.001"
    if f > 0.999:
        return ">0.999"
    return f"{f:.3f}"
