"""Cohorts for the effects tests: the reference data sets and small generated trials."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kneestudy.ingest.model import Cohort, Manifest

DATA = Path(__file__).parents[1] / "reference" / "data"


def reference_cohort(name: str) -> Cohort:
    """A reference data set as a Cohort with the canonical dtypes."""
    p = pd.read_csv(DATA / f"{name}_participants.csv")
    v = pd.read_csv(DATA / f"{name}_visits.csv")
    p["sex"] = pd.Categorical(p["sex"], categories=["female", "male", "other"])
    p["squat_test"] = pd.Categorical(p["squat_test"], categories=["pass", "fail"])
    v["grc"] = v["grc"].astype("Int64")
    m = Manifest(cohort_id=name, title=name, comparator="usual_care", risk_of_bias="low")
    return Cohort(m, p, v)


def small_trial(n=40, seed=1, effect=-1.0, weeks=(0, 6, 12), arms=2) -> Cohort:
    """A small generated two- or three-arm trial (pain, akps, grc)."""
    rng = np.random.default_rng(seed)
    codes = ["glute_strengthening", "quadriceps_strengthening", "usual_care"][-arms:]
    if arms == 2:
        codes = ["glute_strengthening", "usual_care"]
    ids = [f"S{i:03d}" for i in range(n)]
    arm = np.arange(n) % arms
    p = pd.DataFrame(
        {
            "participant_id": ids,
            "arm": [codes[a] for a in arm],
            "intervention": [codes[a] for a in arm],
            "age": rng.uniform(18, 50, n),
            "squat_test": pd.Categorical(
                rng.choice(["pass", "fail"], n), categories=["pass", "fail"]
            ),
        }
    )
    rows = []
    base = rng.normal(5, 1.5, n)
    for i in range(n):
        u = rng.normal(0, 1)
        for w in weeks:
            eff = effect * (arm[i] != arms - 1) * (w > 0)
            y = base[i] if w == 0 else 1 + 0.6 * base[i] + eff + u + rng.normal(0, 1)
            rows.append((ids[i], float(w), y, 60 + 3 * y, int(rng.integers(1, 8))))
    v = pd.DataFrame(rows, columns=["participant_id", "week", "pain", "akps", "grc"])
    v["grc"] = v["grc"].astype("Int64")
    m = Manifest(cohort_id="small", title="small", comparator="usual_care")
    return Cohort(m, p, v)


def imputation_cohort(name: str) -> Cohort:
    """A data set of tests/reference/effects_imputation.R as a Cohort."""
    p = pd.read_csv(DATA / f"{name}_participants.csv")
    v = pd.read_csv(DATA / f"{name}_visits.csv")
    if "withdrawal_reason" in p:
        p["withdrawal_reason"] = p["withdrawal_reason"].astype(object)
    m = Manifest(cohort_id=name, title=name, comparator="usual_care", risk_of_bias="low")
    return Cohort(m, p, v)


def crossover_cohort(name: str) -> Cohort:
    """A crossover data set of tests/reference/effects_crossover.R as a Cohort."""
    p = pd.read_csv(DATA / f"{name}_participants.csv")
    v = pd.read_csv(DATA / f"{name}_visits.csv")
    m = Manifest(
        cohort_id=name, title=name, design="crossover", comparator="knee_brace",
        risk_of_bias="low",
    )  # fmt: skip
    return Cohort(m, p, v)
