"""Calibration (slow): unbiased estimates and ~95% coverage over many seeds.

Data come from a linear Gaussian model with a known effect (so the truth is
exactly what ANCOVA and the MMRM estimate): baseline ~ N(5.5, 1.5²),
y_ij = 1 + 0.6·baseline + effect_j·[treated] + u_i + e_ij with a random
intercept and visit-specific noise (an unstructured-compatible covariance).
For the MMRM, participants drop out at random given their last observed value
(missing at random), under which the likelihood analysis stays unbiased.
A simulator-based check follows (``kneestudy.simulate``).
"""

import numpy as np
import pandas as pd
import pytest

from kneestudy.effects import ancova, mmrm
from kneestudy.ingest.model import Cohort, Manifest

pytestmark = pytest.mark.slow

WEEKS = (0, 4, 8, 12)
EFFECT = {4: -0.5, 8: -1.0, 12: -1.5}
N_SEEDS = 200


def generate(seed: int, n: int = 80, mar_dropout: bool = False) -> Cohort:
    rng = np.random.default_rng(seed)
    ids = [f"C{i:03d}" for i in range(n)]
    treated = rng.permutation(np.arange(n) % 2 == 0)
    codes = np.where(treated, "glute_strengthening", "usual_care")
    base = rng.normal(5.5, 1.5, n)
    u = rng.normal(0, 0.8, n)
    rows = []
    for i in range(n):
        rows.append((ids[i], 0.0, base[i]))
        for j, w in enumerate(WEEKS[1:]):
            sd = 0.8 + 0.2 * j
            y = 1 + 0.6 * base[i] + EFFECT[w] * treated[i] + u[i] + rng.normal(0, sd)
            rows.append((ids[i], float(w), y))
            # MAR: the chance of leaving after this visit depends on this observed value
            if mar_dropout and rng.uniform() < 1 / (1 + np.exp(-(y - 6))) * 0.5:
                break
    p = pd.DataFrame({"participant_id": ids, "arm": codes, "intervention": codes})
    v = pd.DataFrame(rows, columns=["participant_id", "week", "pain"])
    m = Manifest(cohort_id=f"cal{seed}", title="calibration", comparator="usual_care")
    return Cohort(m, p, v)


def _check(est, lo, hi, truth, se):
    est, lo, hi, se = map(np.asarray, (est, lo, hi, se))
    cover = np.mean((lo <= truth) & (truth <= hi))
    # coverage: binomial SE with 200 seeds is 1.5 points; allow ±4 points
    assert 0.91 <= cover <= 0.99, cover
    # bias: within 4 Monte Carlo standard errors of the mean estimate
    mc_se = est.std(ddof=1) / np.sqrt(len(est))
    assert abs(est.mean() - truth) < 4 * mc_se, (est.mean(), truth, mc_se)
    # the model SE matches the empirical SD of the estimates (within 15%)
    assert np.mean(se) == pytest.approx(est.std(ddof=1), rel=0.15)


def test_ancova_calibrated():
    res = [ancova(generate(s), "pain", 12) for s in range(N_SEEDS)]
    _check([r.estimate for r in res], [r.ci_low for r in res], [r.ci_high for r in res],
           EFFECT[12], [r.se for r in res])  # fmt: skip


@pytest.mark.parametrize("cov", ["unstructured", "cs"])
def test_mmrm_calibrated_under_mar_dropout(cov):
    res = [
        mmrm(generate(s, mar_dropout=True), "pain", covariance=cov).at_week(12)
        for s in range(N_SEEDS)
    ]
    _check([r.estimate for r in res], [r.ci_low for r in res], [r.ci_high for r in res],
           EFFECT[12], [r.se for r in res])  # fmt: skip


def test_ancova_unbiased_on_simulated_trials():
    """kneestudy.simulate trials (orthotics vs flat inserts, no dropout).

    The simulator's ``effect`` is the latent mean pain difference; recorded
    pain is bounded to 0–10 and rounded, so the recorded difference
    (``pain_difference``) is a little smaller. The baseline-adjusted
    estimate targets the latent effect: its mean over 60 seeds must lie within
    4 Monte Carlo standard errors of it, and the 95% CIs must cover it in at
    least 88% of trials (binomial SE with 60 seeds ≈ 2.8 points).
    """
    from kneestudy import simulate

    est, cover = [], []
    for s in range(60):
        c = simulate.cohort("orthotics", n=200, seed=s, dropout=0.0)
        tr = c.truth["by_arm_week"]
        truth = float(
            tr.loc[(tr["intervention"] == "orthotics") & (tr["week"] == 12), "effect"].iloc[0]
        )
        r = ancova(c, "pain", 12, treatment="orthotics")
        est.append(r.estimate)
        cover.append(r.ci_low <= truth <= r.ci_high)
    est = np.asarray(est)
    assert abs(est.mean() - truth) < 4 * est.std(ddof=1) / np.sqrt(len(est))
    assert np.mean(cover) >= 0.88
