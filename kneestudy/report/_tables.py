"""Descriptive tables of the report: baseline characteristics and adverse events.

These are descriptive summaries for display; the inferential analyses come
from :mod:`kneestudy.effects`, :mod:`kneestudy.survival` and
:mod:`kneestudy.compare`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["adverse_event_table", "baseline_table", "clopper_pearson", "smd"]

_CONTINUOUS = (
    ("age", "Age (years)"),
    ("bmi", "BMI (kg/m²)"),
    ("symptom_months", "Symptom duration (months)"),
    ("weekly_km", "Running volume (km/week)"),
    ("pain", "Pain at baseline (0–10)"),
    ("akps", "AKPS at baseline (0–100)"),
)
_CATEGORICAL = (
    ("sex", "female", "Female"),
    ("squat_test", "fail", "Squat test failed (knee moves inward)"),
)


def smd(x1: np.ndarray, x0: np.ndarray) -> float:
    """Standardised difference of means, (m1 − m0) / √((s1² + s0²)/2).

    Austin (2009), Stat Med 28:3083, eq. 1; for a binary 0/1 variable this is
    (p1 − p0) / √((p1(1 − p1) + p0(1 − p0))/2) (eq. 2) when the sample
    variances use the divisor n (as here for proportions).
    """
    if len(x1) < 2 or len(x0) < 2:
        return math.nan
    pooled = math.sqrt((np.var(x1, ddof=1) + np.var(x0, ddof=1)) / 2)
    return float((x1.mean() - x0.mean()) / pooled) if pooled > 0 else math.nan


def _smd_binary(p1: float, p0: float) -> float:
    pooled = math.sqrt((p1 * (1 - p1) + p0 * (1 - p0)) / 2)
    return (p1 - p0) / pooled if pooled > 0 else math.nan


def baseline_table(cohort: Any) -> pd.DataFrame:
    """Baseline characteristics by arm with standardised differences vs the comparator.

    Continuous rows show mean (SD) and the number observed; categorical rows
    n (%) of the level named. SMD columns compare each arm to the comparator
    arm (absolute values above 0.1 are commonly read as imbalance).
    """
    p = cohort.participants
    base = cohort.visits.loc[cohort.visits["week"] == 0]
    data = p.merge(
        base[[c for c in ("participant_id", "pain", "akps") if c in base]],
        on="participant_id",
        how="left",
    )
    arms = cohort.arms
    arm_names = list(arms["arm"])
    comp_rows = arms.loc[arms["is_comparator"], "arm"]
    comp = comp_rows.iloc[0] if len(comp_rows) else None
    rows = []
    header = {"characteristic": "Participants (n)"}
    for a in arm_names:
        header[a] = str(int((data["arm"] == a).sum()))
    rows.append(header)
    for col, label in _CONTINUOUS:
        if col not in data or data[col].notna().sum() == 0:
            continue
        row: dict[str, Any] = {"characteristic": label}
        for a in arm_names:
            x = data.loc[data["arm"] == a, col].dropna().to_numpy(dtype=float)
            row[a] = f"{x.mean():.1f} ({x.std(ddof=1):.1f}); n = {len(x)}" if len(x) > 1 else "–"
        if comp is not None:
            x0 = data.loc[data["arm"] == comp, col].dropna().to_numpy(dtype=float)
            for a in arm_names:
                if a != comp:
                    x1 = data.loc[data["arm"] == a, col].dropna().to_numpy(dtype=float)
                    row[f"SMD {a} vs {comp}"] = smd(x1, x0)
        rows.append(row)
    for col, level, label in _CATEGORICAL:
        if col not in data or data[col].notna().sum() == 0:
            continue
        row = {"characteristic": label}
        props = {}
        for a in arm_names:
            x = data.loc[data["arm"] == a, col].dropna()
            k = int((x.astype(str) == level).sum())
            props[a] = k / len(x) if len(x) else math.nan
            row[a] = f"{k} ({100 * props[a]:.0f}%)" if len(x) else "–"
        if comp is not None:
            for a in arm_names:
                if a != comp:
                    row[f"SMD {a} vs {comp}"] = _smd_binary(props[a], props[comp])
        rows.append(row)
    return pd.DataFrame(rows)


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) confidence interval for a binomial proportion.

    Lower = Beta(α/2; k, n − k + 1), upper = Beta(1 − α/2; k + 1, n − k)
    (Clopper & Pearson 1934, Biometrika 26:404), as R's ``binom.test``.
    """
    from scipy import stats

    if n <= 0:
        return math.nan, math.nan
    a = 1 - level
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def adverse_event_table(cohort: Any) -> pd.DataFrame:
    """Participants with at least one adverse event, by arm, against the comparator.

    Columns: arm, n, with_event, events (all reports), serious, risk with its
    exact Clopper–Pearson 95% CI, and against the comparator arm the risk
    ratio with its 95% CI on the log scale (Katz et al. 1978; 0.5 added to
    every cell when a cell is zero) and Fisher's exact test p-value (two-sided,
    as R's ``fisher.test``).
    """
    from scipy import stats

    p = cohort.participants
    ae = cohort.adverse_events
    arms = cohort.arms
    comp_rows = arms.loc[arms["is_comparator"], "arm"]
    comp = comp_rows.iloc[0] if len(comp_rows) else None
    ae = ae if ae is not None else pd.DataFrame(columns=["participant_id", "serious"])
    arm_of = p.set_index("participant_id")["arm"]
    ae = ae.assign(arm=ae["participant_id"].map(arm_of))
    counts = {}
    for a in arms["arm"]:
        n = int((p["arm"] == a).sum())
        sub = ae[ae["arm"] == a]
        k = int(sub["participant_id"].nunique())
        serious = int(sub["serious"].astype(bool).sum()) if "serious" in sub else 0
        counts[a] = (k, n, len(sub), serious)
    rows = []
    for a, (k, n, n_reports, serious) in counts.items():
        lo, hi = clopper_pearson(k, n)
        row = {
            "arm": a,
            "n": n,
            "with_event": k,
            "events": n_reports,
            "serious": serious,
            "risk": k / n if n else math.nan,
            "risk_ci_low": lo,
            "risk_ci_high": hi,
            "rr": math.nan,
            "rr_ci_low": math.nan,
            "rr_ci_high": math.nan,
            "fisher_p": math.nan,
        }
        if comp is not None and a != comp:
            k0, n0 = counts[comp][0], counts[comp][1]
            cells = (k, n - k, k0, n0 - k0)
            if n and n0:
                if min(cells) == 0:
                    k_, n_, k0_, n0_ = k + 0.5, n + 1.0, k0 + 0.5, n0 + 1.0
                else:
                    k_, n_, k0_, n0_ = float(k), float(n), float(k0), float(n0)
                rr = (k_ / n_) / (k0_ / n0_)
                se = math.sqrt(1 / k_ - 1 / n_ + 1 / k0_ - 1 / n0_)
                row["rr"] = rr
                row["rr_ci_low"] = math.exp(math.log(rr) - 1.959963984540054 * se)
                row["rr_ci_high"] = math.exp(math.log(rr) + 1.959963984540054 * se)
                row["fisher_p"] = float(stats.fisher_exact([[k, n - k], [k0, n0 - k0]])[1])
        rows.append(row)
    return pd.DataFrame(rows)
