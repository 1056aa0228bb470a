"""Descriptive tables of the report: baseline characteristics by arm.

These are descriptive summaries for display; the inferential analyses come
from :mod:`kneestudy.effects` (adverse events: :mod:`kneestudy.effects.safety`),
:mod:`kneestudy.survival` and :mod:`kneestudy.compare`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["baseline_table", "smd"]

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
    # arms are identified by intervention code; columns are headed by display labels
    # (unique per code, so two codes sharing an arm label stay apart)
    arms = cohort.arms.drop_duplicates("intervention")
    shown = dict(zip(arms["intervention"], arms["display"], strict=True))
    data = data.assign(arm=data["intervention"].map(shown))
    arm_names = [shown[c] for c in arms["intervention"]]
    comp_rows = arms.loc[arms["is_comparator"], "intervention"]
    comp = shown[comp_rows.iloc[0]] if len(comp_rows) else None
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
