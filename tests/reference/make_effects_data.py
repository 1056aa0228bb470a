"""Write the small trial data sets read by tests/reference/effects_*.R.

Deterministic (fixed seeds); run from tests/reference/:
``python make_effects_data.py``. Each data set is a participants and a visits
CSV in data/ (kneestudy's cohort table format).

- effects_two_arm: 2 arms (glute_strengthening vs usual_care), 80
  participants, weeks 0, 2, 6, 12, complete data.
- effects_dropout: 3 arms (hip+knee, knee exercise, usual_care), 120
  participants, weeks 0, 4, 8, 12, 26, monotone dropout plus some
  intermittent missing values, a few missing baselines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent / "data"


def make(name, arms, effects, n, weeks, seed, dropout=0.0, intermittent=0.0, miss_base=0):
    rng = np.random.default_rng(seed)
    ids = [f"P{i:03d}" for i in range(n)]
    arm_idx = np.arange(n) % len(arms)
    rng.shuffle(arm_idx)
    squat = rng.choice(["pass", "fail"], size=n)
    age = np.round(rng.uniform(18, 55, n), 1)
    sex = rng.choice(["female", "male"], size=n)
    part = pd.DataFrame(
        {
            "participant_id": ids,
            "arm": [arms[a][0] for a in arm_idx],
            "intervention": [arms[a][1] for a in arm_idx],
            "age": age,
            "sex": sex,
            "squat_test": squat,
        }
    )
    V = len(weeks) - 1
    # true correlated residuals (AR-like with rising variance)
    sd = np.linspace(1.2, 1.8, V)
    corr = 0.6 ** np.abs(np.subtract.outer(np.arange(V), np.arange(V))) * 0.8 + 0.2 * np.eye(V)
    corr[np.diag_indices(V)] = 1
    Sigma = corr * np.outer(sd, sd)
    base = np.clip(np.round(rng.normal(5.5, 1.5, n), 1), 0, 10)
    eps = rng.multivariate_normal(np.zeros(V), Sigma, size=n)
    rows = []
    for i in range(n):
        eff = effects[arm_idx[i]]
        last = V
        if dropout and rng.uniform() < dropout:
            last = int(rng.integers(1, V))
        b = base[i] if i >= miss_base else np.nan
        rows.append((ids[i], 0.0, b, np.round(rng.normal(70, 8), 1), np.nan))
        for j, w in enumerate(weeks[1:]):
            if j >= last:
                break
            if intermittent and j < V - 1 and rng.uniform() < intermittent:
                continue
            frac = (j + 1) / V
            y = 1.0 + 0.55 * base[i] - 1.2 * frac - eff * frac + eps[i, j]
            akps = 70 + 12 * frac + 4 * eff * frac + 3 * eps[i, j] + rng.normal(0, 4)
            grc = int(np.clip(np.round(4 + eff * frac + rng.normal(0, 1.3)), 1, 7))
            rows.append((ids[i], float(w), round(float(y), 3), round(float(akps), 2), grc))
    vis = pd.DataFrame(rows, columns=["participant_id", "week", "pain", "akps", "grc"])
    vis["grc"] = vis["grc"].astype("Int64")
    HERE.mkdir(exist_ok=True)
    part.to_csv(HERE / f"{name}_participants.csv", index=False, lineterminator="\n")
    vis.to_csv(HERE / f"{name}_visits.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    make(
        "effects_two_arm",
        [("Hip exercise", "glute_strengthening"), ("Usual care", "usual_care")],
        [1.0, 0.0],
        80,
        [0, 2, 6, 12],
        seed=20260401,
    )
    make(
        "effects_dropout",
        [
            ("Hip and knee", "glute_strengthening+quadriceps_strengthening"),
            ("Knee exercise", "quadriceps_strengthening"),
            ("Usual care", "usual_care"),
        ],
        [1.2, 0.6, 0.0],
        120,
        [0, 4, 8, 12, 26],
        seed=20260402,
        dropout=0.3,
        intermittent=0.08,
        miss_base=3,
    )
