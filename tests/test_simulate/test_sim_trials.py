"""One large cohort dealt out into many trials: the blocks behave as independent trials.

Power by simulation draws one cohort per chunk and splits each arm's
participants, in order, into blocks of ``n``; that is exact only if
participants are independent given their arm (the simulator's docstring
promises it). Checked here on 400 blocks of 50 per arm: the spread of the
block differences against the variance of independent trials (chi-square,
two-sided 0.1%), their lag-1 autocorrelation (4 SE), and their mean against
the truth (4 SE).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

import kneestudy as ks


def test_blocks_of_one_cohort_are_independent_trials():
    reps, n = 400, 50
    c = ks.simulate.cohort("orthotics", n=2 * n * reps, seed=21, weeks=(0, 6), dropout=0)
    p = c.participants
    v = c.visits[c.visits["week"] == 6].set_index("participant_id")["pain"]
    blocks = {}
    for arm in ("orthotics", "flat_insert"):
        ids = p.loc[p["intervention"] == arm, "participant_id"].to_numpy()[: n * reps]
        blocks[arm] = v.loc[ids].to_numpy().reshape(reps, n)
    diff = blocks["orthotics"].mean(axis=1) - blocks["flat_insert"].mean(axis=1)
    var_one = (blocks["orthotics"].var(ddof=1) + blocks["flat_insert"].var(ddof=1)) / n
    chi2 = (reps - 1) * diff.var(ddof=1) / var_one
    assert stats.chi2.ppf(0.0005, reps - 1) < chi2 < stats.chi2.ppf(0.9995, reps - 1)
    r1 = np.corrcoef(diff[:-1], diff[1:])[0, 1]
    assert abs(r1) < 4 / np.sqrt(reps)
    t = c.truth["by_arm_week"].set_index(["arm", "week"])
    true = t.loc[("orthotics", 6.0), "pain_difference"]
    assert abs(diff.mean() - true) < 4 * np.sqrt(var_one / reps) + 0.005
