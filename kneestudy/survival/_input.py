"""Input checks shared by the survival estimators (private).

Every check raises :class:`~kneestudy.errors.AnalysisError` naming the
offending positions; nothing is dropped silently.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError

__all__ = ["as_durations", "as_groups", "as_observed", "as_weights", "positions"]


def positions(mask: np.ndarray, limit: int = 10) -> str:
    """Human-readable list of the first positions where ``mask`` is true."""
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(int(i)) for i in idx[:limit])
    more = f" and {idx.size - limit} more" if idx.size > limit else ""
    return f"{shown}{more}"


def as_durations(durations: Any, name: str = "durations") -> np.ndarray:
    """Float array of durations; NaN, infinite, zero or negative values are errors."""
    try:
        t = np.asarray(durations, dtype=float)
    except (TypeError, ValueError) as exc:
        raise AnalysisError(f"{name} must be numeric: {exc}") from None
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


def as_groups(groups: Any, n: int, name: str = "groups") -> tuple[np.ndarray, list[Any]]:
    """Integer codes and the sorted distinct labels of a grouping variable."""
    s = pd.Series(groups.to_numpy() if isinstance(groups, pd.Series) else np.asarray(groups))
    if len(s) != n:
        raise AnalysisError(f"{name} has length {len(s)}, durations has length {n}")
    bad = s.isna().to_numpy()
    if bad.any():
        raise AnalysisError(f"{name} has missing values at positions {positions(bad)}")
    codes, labels = pd.factorize(s, sort=True)
    return codes.astype(np.intp), list(labels)


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
