"""Small hand-made cohorts for plot, report and command-line tests (independent of the simulator)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kneestudy.ingest.model import Cohort, Manifest


def make_cohort(
    n_per_arm: int = 12,
    seed: int = 1,
    arms: tuple[tuple[str, str], ...] = (
        ("Hip + knee", "glute_strengthening+quadriceps_strengthening"),
        ("Usual care", "usual_care"),
    ),
    title: str = "Hip strengthening vs usual care",
    cohort_id: str = "hip-test",
) -> Cohort:
    rng = np.random.default_rng(seed)
    weeks = (0.0, 4.0, 12.0)
    parts, visits = [], []
    for a, (arm, code) in enumerate(arms):
        for i in range(n_per_arm):
            pid = f"{cohort_id}-{a}-{i:03d}"
            wd = 8.0 if i == 0 else np.nan
            parts.append(
                {
                    "participant_id": pid,
                    "arm": arm,
                    "intervention": code,
                    "age": float(rng.uniform(18, 50)),
                    "sex": "female" if i % 2 else "male",
                    "bmi": float(rng.uniform(19, 28)),
                    "symptom_months": float(rng.uniform(3, 30)),
                    "weekly_km": float(rng.uniform(5, 50)),
                    "squat_test": "fail" if i % 3 else "pass",
                    "withdrawal_week": wd,
                }
            )
            base = float(rng.uniform(4, 7))
            for w in weeks:
                if not np.isnan(wd) and w > wd:
                    continue
                pain = max(0.0, base - w * (0.25 if a == 0 else 0.1) + rng.normal(0, 0.8))
                visits.append(
                    {
                        "participant_id": pid,
                        "week": w,
                        "pain": min(pain, 10.0),
                        "akps": float(
                            np.clip(70 + 2 * w * (1.5 if a == 0 else 1) + rng.normal(0, 5), 0, 100)
                        ),
                        "grc": pd.NA,
                        "adherence": 0.8,
                    }
                )
    p = pd.DataFrame(parts)
    p["sex"] = pd.Categorical(p["sex"], categories=["female", "male", "other"])
    p["squat_test"] = pd.Categorical(p["squat_test"], categories=["pass", "fail"])
    v = pd.DataFrame(visits)
    v["grc"] = v["grc"].astype("Int64")
    ae = pd.DataFrame(
        {
            "participant_id": [p["participant_id"].iloc[0], p["participant_id"].iloc[1]],
            "week": [2.0, 4.0],
            "term": ["knee soreness", "blister"],
            "severity": pd.Categorical(["mild", "mild"], categories=["mild", "moderate", "severe"]),
            "serious": [False, False],
            "related": pd.array([True, pd.NA], dtype="boolean"),
        }
    )
    manifest = Manifest(
        cohort_id=cohort_id,
        title=title,
        comparator=arms[-1][1],
        primary_week=12.0,
        visit_weeks=weeks,
        source="synthetic",
    )
    return Cohort(manifest=manifest, participants=p, visits=v, adverse_events=ae)


def km_table() -> pd.DataFrame:
    """A Kaplan–Meier table in the shape kneestudy.survival returns."""
    return pd.DataFrame(
        {
            "group": ["A"] * 3 + ["B"] * 2,
            "time": [2.0, 4.0, 12.0, 4.0, 12.0],
            "at_risk": [10, 8, 5, 10, 9],
            "events": [2, 3, 1, 1, 2],
            "censored": [0, 0, 4, 0, 7],
            "survival": [0.8, 0.5, 0.4, 0.9, 0.7],
            "se": [0.1, 0.15, 0.15, 0.1, 0.14],
            "ci_low": [0.5, 0.25, 0.2, 0.6, 0.4],
            "ci_high": [0.95, 0.75, 0.65, 0.98, 0.9],
        }
    )
