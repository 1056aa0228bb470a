"""Input checks shared by the survival estimators (private).

Every check raises :class:`~kneestudy.errors.AnalysisError` naming the
offending positions; nothing is dropped silently.

Category order: a categorical variable (pandas ``Categorical``, as the
schemas give ``sex`` and ``squat_test``) keeps its declared order of
categories, restricted to the levels present, as R keeps a factor's levels;
any other variable is ordered by sorting its distinct values, as R's
``factor()`` does. The first level is the reference of treatment dummies. The
effects estimators (``ancova``, ``subgroup``) use the same rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError

__all__ = [
    "as_durations",
    "as_groups",
    "as_observed",
    "as_weights",
    "levels_of",
    "positions",
    "time_index",
]


def positions(mask: np.ndarray, limit: int = 10) -> str:
    """Human-readable list of the first positions where ``mask`` is true."""
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(int(i)) for i in idx[:limit])
    more = f" and {idx.size - limit} more" if idx.size > limit else ""
    return f"{shown}{more}"


def as_durations(durations: Any, name: str = "durations") -> np.ndarray:
    """Float array of durations; NaN, infinite, zero or negative values are errors."""
    if isinstance(durations, np.ndarray) and durations.dtype.kind in "fiu":
        t = durations.astype(float, copy=False)
    else:
        raw = pd.Series(durations.to_numpy() if isinstance(durations, pd.Series) else durations)
        if raw.ndim != 1:
            raise AnalysisError(f"{name} must be one-dimensional")
        t = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isnan(t) & raw.notna().to_numpy()
        if bad.any():
            raise AnalysisError(
                f"{name} must be numeric; not a number at positions {positions(bad)}"
            )
    if t.ndim != 1:
        raise AnalysisError(f"{name} must be one-dimensional, got shape {t.shape}")
    if t.size == 0:
        raise AnalysisError(f"{name} is empty: there is nothing to analyse")
    bad = ~np.isfinite(t)
    if bad.any():
        raise AnalysisError(
            f"{name} has missing or infinite values at positions {positions(bad)}; "
            "remove or impute those participants explicitly"
        )
    bad = t <= 0
    if bad.any():
        raise AnalysisError(
            f"{name} must be > 0 (time from randomisation); zero or negative at positions "
            f"{positions(bad)}"
        )
    return t


def as_observed(observed: Any, n: int, name: str = "observed") -> np.ndarray:
    """Boolean event indicator of length ``n`` (True / 1 = event, False / 0 = censored)."""
    if observed is None:
        return np.ones(n, dtype=bool)
    arr = pd.Series(observed).to_numpy() if not isinstance(observed, np.ndarray) else observed
    if arr.shape != (n,):
        raise AnalysisError(f"{name} has length {arr.size}, durations has length {n}")
    if arr.dtype == bool:
        return arr
    try:
        f = np.asarray(pd.to_numeric(pd.Series(arr), errors="coerce"), dtype=float)
    except (TypeError, ValueError):
        f = np.full(n, np.nan)
    bad = ~np.isin(f, (0.0, 1.0))
    if bad.any():
        raise AnalysisError(
            f"{name} must be 0/1 or boolean; missing or other values at positions {positions(bad)}"
        )
    return f == 1.0


def levels_of(s: pd.Series) -> list[Any]:
    """Levels of a variable in kneestudy's one order (module notes): the declared
    categories present for a categorical, else the sorted distinct values."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        present = set(s.dropna().unique())
        return [lv for lv in s.cat.categories if lv in present]
    return sorted(s.dropna().unique())


def as_groups(groups: Any, n: int, name: str = "groups") -> tuple[np.ndarray, list[Any]]:
    """Integer codes and the distinct labels of a grouping variable (order: :func:`levels_of`)."""
    if isinstance(groups, pd.Categorical) or (
        isinstance(groups, pd.Series) and isinstance(groups.dtype, pd.CategoricalDtype)
    ):
        s = pd.Series(groups).reset_index(drop=True)
    else:
        s = pd.Series(groups.to_numpy() if isinstance(groups, pd.Series) else np.asarray(groups))
    if len(s) != n:
        raise AnalysisError(f"{name} has length {len(s)}, durations has length {n}")
    bad = s.isna().to_numpy()
    if bad.any():
        raise AnalysisError(f"{name} has missing values at positions {positions(bad)}")
    if isinstance(s.dtype, pd.CategoricalDtype):
        labels = levels_of(s)
        codes = pd.Categorical(s, categories=labels).codes
        return codes.astype(np.intp), labels
    arr = s.to_numpy()
    if arr.dtype.kind in "iu" and arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < 1_000_000:  # small integer range: O(n) coding without hashing
            shifted = (arr - lo).astype(np.intp)
            present = np.bincount(shifted, minlength=hi - lo + 1) > 0
            remap = np.cumsum(present) - 1
            return remap[shifted], [lo + int(v) for v in np.flatnonzero(present)]
    codes, labels = pd.factorize(s, sort=True)
    return codes.astype(np.intp), list(labels)


def time_index(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct times and, per element, the index of its time.

    Visit-week data have few distinct times: hashing (``pd.factorize``) is then
    O(n); with mostly distinct times a single ``argsort`` is faster.
    """
    st = np.sort(t)
    new = np.empty(st.size, dtype=bool)
    new[0] = True
    new[1:] = st[1:] != st[:-1]
    utime = st[new]
    if utime.size * 8 <= t.size:
        codes, uniques = pd.factorize(t, sort=True)
        return np.asarray(uniques, dtype=float), codes.astype(np.intp)
    order = np.argsort(t)
    inv = np.empty(t.size, dtype=np.intp)
    inv[order] = np.cumsum(new) - 1
    return utime, inv


def as_weights(weights: Any, n: int) -> np.ndarray | None:
    """Case weights (finite, ≥ 0) or None."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise AnalysisError(f"weights has length {w.size}, durations has length {n}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise AnalysisError(f"weights must be finite and >= 0; bad at positions {positions(bad)}")
    return w
