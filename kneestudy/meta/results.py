"""Input checks and shared pieces of the univariate meta-analysis results.

Bad input gets a clear AnalysisError naming what is wrong and where.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.meta._tau2 import METHODS

__all__ = ["check_method", "check_test", "check_yi_vi", "resolve_labels"]


def _as_float(x: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        try:  # pandas missing values (pd.NA) in an otherwise numeric column
            arr = pd.Series(list(np.atleast_1d(np.asarray(x, dtype=object)))).astype("Float64")
            arr = arr.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            raise AnalysisError(f"{name} must be numeric: {exc}") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise AnalysisError(f"{name} must be one-dimensional (got shape {arr.shape})")
    return arr


def _positions(mask: np.ndarray, labels: Sequence[str] | None) -> str:
    idx = np.flatnonzero(mask)
    shown = [f"{i} ({labels[i]})" if labels is not None else str(i) for i in idx[:10]]
    more = f" and {idx.size - 10} more" if idx.size > 10 else ""
    return ", ".join(shown) + more


def check_yi_vi(yi: Any, vi: Any, labels: Sequence[str] | None = None):
    """Validate effect sizes and sampling variances; return float arrays.

    Raises :class:`AnalysisError` for mismatched lengths, no studies, NaN or
    infinite values (naming the positions) and zero or negative variances.
    """
    y = _as_float(yi, "yi")
    v = _as_float(vi, "vi")
    if y.shape[0] != v.shape[0]:
        raise AnalysisError(f"yi has {y.shape[0]} values but vi has {v.shape[0]}")
    if labels is not None and len(labels) != y.shape[0]:
        raise AnalysisError(f"labels has {len(labels)} entries but yi has {y.shape[0]}")
    if y.shape[0] == 0:
        raise AnalysisError("no studies to pool (yi is empty)")
    for arr, name in ((y, "yi"), (v, "vi")):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise AnalysisError(
                f"{name} is missing or not finite at position(s) {_positions(bad, labels)}; "
                "remove those studies explicitly or supply their values"
            )
    bad = v <= 0
    if bad.any():
        raise AnalysisError(
            f"sampling variance vi must be positive; zero or negative at position(s) "
            f"{_positions(bad, labels)}"
        )
    ratio = v.max() / v.min()
    if ratio >= 1e7:
        warnings.warn(
            f"ratio of largest to smallest sampling variance is {ratio:.3g}; results may be "
            "unstable",
            stacklevel=3,
        )
    return y, v


def resolve_labels(labels: Any, k: int) -> list[str]:
    """Study labels as strings (``"1"`` … ``"k"`` when none are given, as metafor)."""
    if labels is None:
        return [str(i + 1) for i in range(k)]
    out = [str(x) for x in (labels.tolist() if isinstance(labels, pd.Index) else list(labels))]
    if len(out) != k:
        raise AnalysisError(f"labels has {len(out)} entries but yi has {k}")
    return out


def check_method(method: str) -> str:
    m = str(method).upper()
    if m in ("EE", "CE"):
        m = "FE"
    if m not in METHODS:
        raise AnalysisError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return m


def check_test(test: str | None, hksj: bool, method: str) -> str:
    """Resolve ``test`` ('z', 't', 'knha') from ``test`` and ``hksj``."""
    if test is None:
        t = "knha" if hksj else "z"
    else:
        t = str(test).lower()
        if t == "hksj":
            t = "knha"
        if t not in ("z", "t", "knha"):
            raise AnalysisError(f"unknown test {test!r}; choose 'z', 't' or 'knha'")
        if hksj and t != "knha":
            raise AnalysisError(f"hksj=True conflicts with test={test!r}")
    if t == "knha" and method == "FE":
        warnings.warn(
            "the Hartung-Knapp-Sidik-Jonkman adjustment is not meant for a fixed-effect model",
            stacklevel=3,
        )
    return t


def check_alpha(alpha: float) -> float:
    a = float(alpha)
    if not 0 < a < 1:
        raise AnalysisError(f"alpha must be between 0 and 1 (got {alpha})")
    return a
