"""Table 1: baseline characteristics by arm, as trial reports print them.

Continuous characteristics are summarised as mean (SD), or as median [Q1, Q3]
when their distribution is markedly skewed; categorical ones as n (%) of the
participants with a value, every observed level on its own row. Missing
values are counted, never hidden, and standardised differences (SMD) compare
each arm with the comparator arm. CONSORT 2010 item 15 asks for this table;
CONSORT advises against significance tests of baseline differences, so there
are none.

Rules, with their sources:

* Skewed: the adjusted Fisher–Pearson skewness of the pooled values has
  |G1| > 1 ("highly skewed", Bulmer MG 1979, *Principles of Statistics*,
  Dover, p. 63). Callers may name variables to treat either way
  (``nonnormal=`` / ``normal=``).
* Quartiles: linear interpolation (R's and pandas' default, Hyndman & Fan
  type 7).
* SMD, continuous: (m1 − m0) / √((s1² + s0²)/2), sample SDs (Austin 2009, Stat
  Med 28:3083, eq. 1); categorical (any number of levels): Yang & Dalton
  (2012, SAS Global Forum paper 335), √((p1 − p0)ᵀ S⁻¹ (p1 − p0)) over all
  levels but the first, with S the mean of the two arms' multinomial
  covariance matrices — for two levels this is Austin's eq. 2. Shown as
  absolute values; above 0.1 is commonly read as imbalance (Austin 2009).

The same table is produced by R's and Python's ``tableone`` (Pollard et al.
2018, JAMIA Open 1:26); a test checks the two agree on the same data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORICAL",
    "CONTINUOUS",
    "SKEW_LIMIT",
    "baseline_table",
    "is_skewed",
    "smd",
    "smd_categorical",
]

#: (column, label, unit) of continuous baseline characteristics, in display order.
CONTINUOUS: tuple[tuple[str, str, str], ...] = (
    ("age", "Age", "years"),
    ("bmi", "BMI", "kg/m²"),
    ("symptom_months", "Symptom duration", "months"),
    ("weekly_km", "Running volume", "km/week"),
    ("pain", "Pain at baseline", "0–10 NRS"),
    ("akps", "AKPS at baseline", "0–100"),
)
#: (column, label, level labels) of categorical baseline characteristics.
CATEGORICAL: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("sex", "Sex", {"female": "Female", "male": "Male", "other": "Other"}),
    ("squat_test", "Single-leg squat test", {"pass": "Pass", "fail": "Fail (knee moves inward)"}),
)
#: |skewness| above which a continuous variable is summarised by median [Q1, Q3].
SKEW_LIMIT = 1.0


def smd(x1: np.ndarray, x0: np.ndarray) -> float:
    """Standardised difference of means, (m1 − m0) / √((s1² + s0²)/2) (Austin 2009, eq. 1).

    Sample variances (divisor n − 1). NaN when either group has fewer than
    two values or both variances are zero.
    """
    x1, x0 = np.asarray(x1, dtype=float), np.asarray(x0, dtype=float)
    if len(x1) < 2 or len(x0) < 2:
        return math.nan
    pooled = math.sqrt((np.var(x1, ddof=1) + np.var(x0, ddof=1)) / 2)
    return float((x1.mean() - x0.mean()) / pooled) if pooled > 0 else math.nan


def smd_categorical(p1: Sequence[float], p0: Sequence[float]) -> float:
    """Standardised difference of two level distributions (Yang & Dalton 2012).

    ``p1``, ``p0``: the share of each level (same order, each summing to 1).
    The first level is dropped (the shares are linearly dependent), then
    d = √((p1 − p0)ᵀ S⁻¹ (p1 − p0)) with S = (S1 + S0)/2, Sg = diag(pg) − pg pgᵀ.
    Levels absent from both groups are left out. NaN when S is singular.
    """
    a, b = np.asarray(p1, dtype=float), np.asarray(p0, dtype=float)
    keep = (a > 0) | (b > 0)
    a, b = a[keep][1:], b[keep][1:]
    if len(a) == 0:
        return math.nan
    s = (np.diag(a) - np.outer(a, a) + np.diag(b) - np.outer(b, b)) / 2
    diff = a - b
    try:
        d2 = float(diff @ np.linalg.solve(s, diff))
    except np.linalg.LinAlgError:
        return math.nan
    return math.sqrt(d2) if d2 >= 0 else math.nan


def is_skewed(x: Iterable[float], limit: float = SKEW_LIMIT) -> bool:
    """True when the adjusted Fisher–Pearson skewness G1 of ``x`` has |G1| > ``limit``."""
    from scipy import stats

    v = np.asarray(list(x), dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < 3 or np.ptp(v) == 0:
        return False
    return bool(abs(stats.skew(v, bias=False)) > limit)


def _data(cohort: Any) -> pd.DataFrame:
    p = cohort.participants
    v = cohort.visits
    base = v.loc[v["week"] == 0, [c for c in ("participant_id", "pain", "akps") if c in v]]
    return p.merge(base, on="participant_id", how="left")


def baseline_table(
    cohort: Any, *, nonnormal: Sequence[str] = (), normal: Sequence[str] = ()
) -> pd.DataFrame:
    """Table 1 of a cohort at full precision: one row per characteristic (and level).

    Parameters
    ----------
    cohort : Cohort
    nonnormal, normal : sequence of str
        Continuous columns to summarise as median [Q1, Q3] / as mean (SD)
        whatever their skewness.

    Returns
    -------
    DataFrame
        ``variable``, ``level`` (categorical levels; "" otherwise),
        ``characteristic`` (display text), ``statistic`` (``n``, ``mean_sd``,
        ``median_iqr``, ``header`` or ``n_pct``), ``indent``, ``missing``
        (participants without a value, all arms), then per arm (by intervention
        code, comparator last) ``<code>.a``, ``<code>.b``, ``<code>.c``: n; mean, SD;
        median, Q1, Q3; or k, n with a value — and per non-comparator arm
        ``smd.<code>``: the absolute SMD against the comparator.
        ``attrs["arms"]`` maps each code to its display name and
        ``attrs["comparator"]`` names the comparator code (or None).
    """
    data = _data(cohort)
    arms = cohort.arms
    codes = list(dict.fromkeys(str(c) for c in arms["intervention"]))
    names = cohort.display_labels()
    comp_rows = arms.loc[arms["is_comparator"], "intervention"]
    comp = str(comp_rows.iloc[0]) if len(comp_rows) else None
    groups = {c: data[data["intervention"].astype(str) == c] for c in codes}
    others = [c for c in codes if c != comp] if comp is not None else []
    rows: list[dict[str, Any]] = []

    def row(variable: str, level: str, text: str, stat: str, missing: Any, indent: bool) -> dict:
        return {
            "variable": variable,
            "level": level,
            "characteristic": text,
            "statistic": stat,
            "indent": indent,
            "missing": missing,
        }

    r = row("n", "", "Participants", "n", math.nan, False)
    for c in codes:
        r[f"{c}.a"], r[f"{c}.b"], r[f"{c}.c"] = float(len(groups[c])), math.nan, math.nan
    for c in others:
        r[f"smd.{c}"] = math.nan
    rows.append(r)
    force_median, force_mean = set(nonnormal), set(normal)
    for col, label, unit in CONTINUOUS:
        if col not in data or data[col].notna().sum() == 0:
            continue
        values = data[col].astype(float)
        median = col in force_median or (col not in force_mean and is_skewed(values))
        stat = "median_iqr" if median else "mean_sd"
        words = "median [Q1, Q3]" if median else "mean (SD)"
        r = row(col, "", f"{label} ({unit}), {words}", stat, int(values.isna().sum()), False)
        for c in codes:
            x = groups[c][col].dropna().to_numpy(dtype=float)
            if not len(x):
                r[f"{c}.a"] = r[f"{c}.b"] = r[f"{c}.c"] = math.nan
            elif median:
                q1, q2, q3 = np.quantile(x, [0.25, 0.5, 0.75])
                r[f"{c}.a"], r[f"{c}.b"], r[f"{c}.c"] = float(q2), float(q1), float(q3)
            else:
                sd = float(np.std(x, ddof=1)) if len(x) > 1 else math.nan
                r[f"{c}.a"], r[f"{c}.b"], r[f"{c}.c"] = float(x.mean()), sd, math.nan
        x0 = groups[comp][col].dropna().to_numpy(dtype=float) if comp else None
        for c in others:
            r[f"smd.{c}"] = abs(smd(groups[c][col].dropna().to_numpy(dtype=float), x0))
        rows.append(r)
    for col, label, level_names in CATEGORICAL:
        if col not in data or data[col].notna().sum() == 0:
            continue
        values = data[col]
        cats = (
            list(values.cat.categories)
            if isinstance(values.dtype, pd.CategoricalDtype)
            else sorted(values.dropna().astype(str).unique())
        )
        levels = [lv for lv in cats if (values.astype(object) == lv).any()]
        head = row(col, "", f"{label}, n (%)", "header", int(values.isna().sum()), False)
        for c in codes:
            head[f"{c}.a"] = head[f"{c}.b"] = head[f"{c}.c"] = math.nan
        props: dict[str, np.ndarray] = {}
        level_rows = []
        for lv in levels:
            lr = row(col, str(lv), level_names.get(str(lv), str(lv)), "n_pct", math.nan, True)
            level_rows.append(lr)
        for c in codes:
            x = groups[c][col].dropna().astype(object)
            counts = np.array([(x == lv).sum() for lv in levels], dtype=float)
            props[c] = counts / len(x) if len(x) else np.full(len(levels), math.nan)
            for lr, k in zip(level_rows, counts, strict=True):
                lr[f"{c}.a"], lr[f"{c}.b"], lr[f"{c}.c"] = float(k), float(len(x)), math.nan
        for c in others:
            head[f"smd.{c}"] = smd_categorical(props[c], props[comp])  # type: ignore[index]
            for lr in level_rows:
                lr[f"smd.{c}"] = math.nan
        rows.append(head)
        rows.extend(level_rows)
    out = pd.DataFrame(rows)
    out.attrs["arms"] = {c: names[c] for c in codes}
    out.attrs["comparator"] = comp
    out.attrs["not_recorded"] = [
        col
        for col, *_ in (*CONTINUOUS, *CATEGORICAL)
        if col not in data or data[col].notna().sum() == 0
    ]
    return out
