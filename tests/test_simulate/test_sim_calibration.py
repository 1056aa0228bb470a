"""Slow: over many seeds, arm-mean differences are unbiased for the truth with correct SEs.

Each seed gives z = (difference of arm means - true difference) / SE at week 6
(orthotics vs flat inserts, n 200, no dropout). Over 300 seeds the mean of z
has SE 1/sqrt(300) = 0.058 and the SD of z about 0.041; tolerances are 4 of
those SEs.
"""

from __future__ import annotations

import numpy as np
import pytest

import kneestudy as ks


@pytest.mark.slow
def test_arm_mean_difference_unbiased_over_seeds():
    zs = []
    for seed in range(300):
        c = ks.simulate.cohort("orthotics", n=200, seed=seed, dropout=0, weeks=(0, 2, 6, 12))
        v = c.visits[c.visits["week"] == 6]
        arm = v["participant_id"].map(c.participants.set_index("participant_id")["intervention"])
        g = v.groupby(arm.to_numpy())["pain"]
        m, var, n = g.mean(), g.var(), g.size()
        se = np.sqrt(var["orthotics"] / n["orthotics"] + var["flat_insert"] / n["flat_insert"])
        t = c.truth["by_arm_week"]
        true = t[(t["arm"] == "orthotics") & (t["week"] == 6)]["pain_difference"].iloc[0]
        zs.append((m["orthotics"] - m["flat_insert"] - true) / se)
    zs = np.asarray(zs)
    assert abs(zs.mean()) < 4 / np.sqrt(zs.size)
    assert abs(zs.std(ddof=1) - 1.0) < 4 * np.sqrt(1 / (2 * (zs.size - 1)))
