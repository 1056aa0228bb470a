"""Sample size by a bisection on common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

import kneestudy as ks
from kneestudy.design import closed_form
from kneestudy.design import effect as eff
from kneestudy.design._trials import simulate_trials
from kneestudy.errors import AnalysisError

WEEKS = (0, 2, 4, 6, 12)


@pytest.fixture(scope="module")
def result():
    return ks.design.sample_size("orthotics", target=0.8, analysis="ttest", effect=-0.8,
                                 dropout=0.0, reps=600, seed=1, executor="serial")  # fmt: skip


def test_answer_is_the_first_n_reaching_the_target(result):
    curve = result.curve.set_index("n_per_arm")
    assert curve.loc[result.n_per_arm, "power"] >= 0.8
    below = curve[curve.index < result.n_per_arm]
    assert (below["power"] < 0.8).any() and below.index.max() == result.n_per_arm - 1
    assert result.n_ci_low <= result.n_per_arm <= result.n_ci_high
    assert result.n_total == 2 * result.n_per_arm
    assert result.power == curve.loc[result.n_per_arm, "power"]


def test_answer_agrees_with_power_t_test(result):
    """The n of power.t.test (SD from 100,000 per arm) lies in the MC range, ±2 for
    the normal approximation of the bounded outcome."""
    peak = eff.peak_for("orthotics", None, WEEKS, 12, -0.8)
    arr, _ = simulate_trials("orthotics", 100_000, 1, 99, comparator=None, weeks=WEEKS,
                             peaks={"orthotics": peak}, dropout=0.0)  # fmt: skip
    y = arr.pain[0, :, :, -1]
    sd = float(np.sqrt(y.var(axis=1, ddof=1).mean()))
    n = next(k for k in range(2, 500) if closed_form.power_ttest(k, 0.8, sd) >= 0.8)
    assert result.n_ci_low - 2 <= n <= result.n_ci_high + 2


def test_same_seed_same_answer(result):
    again = ks.design.sample_size("orthotics", target=0.8, analysis="ttest", effect=-0.8,
                                  dropout=0.0, reps=600, seed=1, executor="serial")  # fmt: skip
    assert again.n_per_arm == result.n_per_arm
    assert again.curve.equals(result.curve)


def test_unreachable_targets_are_errors():
    with pytest.raises(AnalysisError, match="nil"):
        ks.design.sample_size("orthotics", effect=0.0, reps=20, executor="serial")
    with pytest.raises(AnalysisError, match="n_max"):
        ks.design.sample_size("orthotics", effect=-0.05, reps=20, n_max=20, executor="serial")
    with pytest.raises(AnalysisError, match="target"):
        ks.design.sample_size("orthotics", target=1.2, effect=-1.0, reps=20, executor="serial")
