"""Dealing one large simulated cohort out into trials is exact.

The shortcut of kneestudy.design (one cohort per chunk of replicates, split
into trials) is valid only if the simulator draws participants independently
given their arm. These tests check that property on the simulator as it is,
so that a change to it (e.g. a shared site or period effect) is caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import kneestudy as ks
from kneestudy.design import batch
from kneestudy.design._trials import simulate_trials, trial_cohort

WEEKS = (0, 2, 4, 6, 12)


def test_each_trial_has_n_per_arm_and_no_participant_twice():
    arr, big = simulate_trials("glucosamine", 25, 8, 5, comparator=None, weeks=WEEKS,
                               peaks=None, dropout=None)  # fmt: skip
    assert arr.pain.shape == (8, 2, 25, 5)
    ids = [set(trial_cohort(big, arr.treatment, arr.comparator, 25, r).participants
               ["participant_id"]) for r in range(8)]  # fmt: skip
    assert all(len(s) == 50 for s in ids)
    assert len(set().union(*ids)) == 400
    assert (arr.treatment, arr.comparator) == ("glucosamine", "placebo")


def test_nested_trials_are_the_first_participants():
    arr, big = simulate_trials("orthotics", 40, 3, 8, comparator=None, weeks=WEEKS,
                               peaks=None, dropout=None)  # fmt: skip
    sub = arr.first(15)
    np.testing.assert_array_equal(sub.pain, arr.pain[:, :, :15])
    c = trial_cohort(big, arr.treatment, arr.comparator, 15, 2, block=40)
    ref = ks.effects.ancova(c, "pain", 12)
    assert batch.ancova(sub.pain, sub.weeks, 12).estimate[2] == pytest.approx(ref.estimate)


def test_participants_are_independent_given_arm():
    """No serial correlation along the participant order within an arm.

    Lag-1 autocorrelation of every recorded quantity: under independence it
    is about N(0, 1/m); |r| < 4.5/sqrt(m) fails with probability < 1e-5 per
    quantity.
    """
    c = ks.simulate.cohort("running_form", n=40_000, seed=11, weeks=WEEKS)
    p = c.participants
    wide = c.visits.pivot(index="participant_id", columns="week", values="pain")
    for arm in p["intervention"].unique():
        ids = p.loc[p["intervention"] == arm, "participant_id"]
        for values in (wide.loc[ids, 0.0].to_numpy(), wide.loc[ids, 12.0].to_numpy(),
                       p.loc[ids.index, "age"].to_numpy(float)):  # fmt: skip
            v = values[np.isfinite(values)]
            r = np.corrcoef(v[:-1], v[1:])[0, 1]
            assert abs(r) < 4.5 / np.sqrt(v.size), (arm, r)


def test_split_trials_behave_like_separately_simulated_trials():
    """The estimates of split trials and of one-by-one simulated trials agree
    in mean and spread (two-sample t and F tests at the 0.1% level)."""
    n, reps = 30, 100
    arr, _ = simulate_trials("physical_therapy", n, reps, 3, comparator=None, weeks=WEEKS,
                             peaks=None, dropout=None)  # fmt: skip
    split = batch.ancova(arr.pain, arr.weeks, 12).estimate
    one_by_one = np.array([
        ks.effects.ancova(ks.simulate.cohort("physical_therapy", n=2 * n, seed=1000 + s,
                                             weeks=WEEKS), "pain", 12).estimate
        for s in range(reps)
    ])  # fmt: skip
    assert stats.ttest_ind(split, one_by_one).pvalue > 1e-3
    f = split.var(ddof=1) / one_by_one.var(ddof=1)
    p_f = 2 * min(stats.f.cdf(f, reps - 1, reps - 1), stats.f.sf(f, reps - 1, reps - 1))
    assert p_f > 1e-3
    # consecutive split trials are uncorrelated
    assert abs(np.corrcoef(split[:-1], split[1:])[0, 1]) < 4.5 / np.sqrt(reps)
