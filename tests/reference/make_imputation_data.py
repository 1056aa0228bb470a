"""Write the trial data sets read by tests/reference/effects_imputation.R.

Deterministic (fixed seeds); run from tests/reference/:
``python make_imputation_data.py``. Each data set is a participants and a
visits CSV in data/ (kneestudy's cohort table format).

- imputation_monotone: 2 arms (glute_strengthening vs usual_care), 200
  participants, weeks 0, 2, 4, 8, 12; monotone dropout, missing at random
  given the last value seen; ``withdrawal_week`` = the last visit attended.
- imputation_ice: 3 arms, 150 participants, weeks 0, 4, 8, 12, 26; withdrawals
  (with a ``withdrawal_reason``), intermittent missing visits, four
  participants still seen after withdrawing (off-treatment follow-up), one
  withdrawn at baseline and two missing baselines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent / "data"


def _trajectories(rng, n, V, effects, arm_idx):
    sd = np.linspace(1.3, 1.9, V)
    lag = np.abs(np.subtract.outer(np.arange(V), np.arange(V)))
    corr = 0.35 + 0.55 * 0.7**lag
    corr[np.diag_indices(V)] = 1.0
    Sigma = corr * np.outer(sd, sd)
    base = np.clip(rng.normal(5.5, 1.4, n), 0.5, 10)
    frac = np.arange(1, V + 1) / V
    mean = 1.2 + 0.6 * base[:, None] - 1.0 * frac[None, :]
    mean -= np.asarray(effects)[arm_idx][:, None] * np.sqrt(frac)[None, :]
    return base, mean + rng.multivariate_normal(np.zeros(V), Sigma, size=n)


def monotone(seed=20260501, n=200):
    rng = np.random.default_rng(seed)
    weeks = [2.0, 4.0, 8.0, 12.0]
    arms = [("Hip exercise", "glute_strengthening"), ("Usual care", "usual_care")]
    arm_idx = rng.permutation(np.arange(n) % 2)
    base, y = _trajectories(rng, n, len(weeks), [1.2, 0.0], arm_idx)
    last = np.full(n, len(weeks))  # visits attended
    for i in range(n):
        for j in range(1, len(weeks)):
            prev = y[i, j - 1]
            if rng.uniform() < 1 / (1 + np.exp(-(-2.6 + 0.35 * (prev - 4)))):
                last[i] = j
                break
    part = pd.DataFrame(
        {
            "participant_id": [f"M{i:03d}" for i in range(n)],
            "arm": [arms[a][0] for a in arm_idx],
            "intervention": [arms[a][1] for a in arm_idx],
            "withdrawal_week": [weeks[k - 1] if k < len(weeks) else np.nan for k in last],
        }
    )
    rows = []
    for i in range(n):
        rows.append((part.participant_id[i], 0.0, round(float(base[i]), 3)))
        for j in range(last[i]):
            rows.append((part.participant_id[i], weeks[j], round(float(y[i, j]), 3)))
    vis = pd.DataFrame(rows, columns=["participant_id", "week", "pain"])
    return part, vis


def ice(seed=20260502, n=150):
    rng = np.random.default_rng(seed)
    weeks = [4.0, 8.0, 12.0, 26.0]
    arms = [
        ("Hip and knee", "glute_strengthening+quadriceps_strengthening"),
        ("Knee exercise", "quadriceps_strengthening"),
        ("Usual care", "usual_care"),
    ]
    arm_idx = rng.permutation(np.arange(n) % 3)
    base, y = _trajectories(rng, n, len(weeks), [1.4, 0.7, 0.0], arm_idx)
    V = len(weeks)
    wd = np.full(n, np.nan)
    seen = np.ones((n, V), bool)
    reasons = np.full(n, "", dtype=object)
    for i in range(n):
        if rng.uniform() < 0.28:
            k = int(rng.integers(1, V))  # visits attended before withdrawing
            wd[i] = weeks[k - 1]
            seen[i, k:] = False
            reasons[i] = rng.choice(["lack of efficacy", "adverse event", "moved away"])
        else:
            miss = rng.uniform(size=V) < 0.07
            miss[-1] = False
            seen[i] &= ~miss
    followed = [i for i in range(n) if np.isfinite(wd[i]) and wd[i] < 12][:4]
    for i in followed:  # off-treatment follow-up: seen at 12 weeks after withdrawing
        seen[i, weeks.index(12.0)] = True
    wd[7], seen[7], reasons[7] = 0.0, False, "adverse event"  # withdrew at baseline
    part = pd.DataFrame(
        {
            "participant_id": [f"I{i:03d}" for i in range(n)],
            "arm": [arms[a][0] for a in arm_idx],
            "intervention": [arms[a][1] for a in arm_idx],
            "age": np.round(rng.uniform(18, 55, n), 1),
            "withdrawal_week": wd,
            "withdrawal_reason": reasons,
        }
    )
    rows = []
    for i in range(n):
        b = np.nan if i in (11, 12) else round(float(base[i]), 3)
        rows.append((part.participant_id[i], 0.0, b))
        for j in range(V):
            if seen[i, j]:
                rows.append((part.participant_id[i], weeks[j], round(float(y[i, j]), 3)))
    vis = pd.DataFrame(rows, columns=["participant_id", "week", "pain"])
    return part, vis


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for name, (p, v) in {"imputation_monotone": monotone(), "imputation_ice": ice()}.items():
        p.to_csv(HERE / f"{name}_participants.csv", index=False, lineterminator="\n")
        v.to_csv(HERE / f"{name}_visits.csv", index=False, lineterminator="\n")
