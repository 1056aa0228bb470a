"""Closed-form power against R, and the batched tests against closed forms.

The formulas are compared to R (tests/reference/design_power.R) to 1e-10
(closed forms: rounding only). Then the vectorised tests are run on data
drawn exactly from the formulas' models (normal outcomes; exponential times),
where simulated power must equal the formula within Monte Carlo error: the
difference is compared with 3.5 Monte Carlo standard errors, sqrt(p(1-p)/R)
(a false alarm about 1 in 2,000 per comparison at fixed seeds).
"""

from __future__ import annotations

import numpy as np
import pytest
from refdata import load_reference

from kneestudy.design import batch, closed_form
from kneestudy.design import batch_survival as bsurv

REF = load_reference("design_power")


@pytest.mark.parametrize("case", REF["ttest"])
def test_power_ttest_equals_power_t_test(case):
    got = closed_form.power_ttest(case["n"], case["delta"], case["sd"], case["alpha"])
    assert got == pytest.approx(case["power"], rel=1e-10)


@pytest.mark.parametrize("case", REF["ancova"])
def test_power_ancova_equals_r(case):
    got = closed_form.power_ancova(case["n"], case["delta"], case["sd"], case["rho"], case["alpha"])
    assert got == pytest.approx(case["power"], rel=1e-10)


@pytest.mark.parametrize("case", REF["prop"])
def test_power_two_proportions_equals_power_prop_test(case):
    got = closed_form.power_two_proportions(case["n"], case["p1"], case["p2"], case["alpha"])
    assert got == pytest.approx(case["power"], rel=1e-10)


@pytest.mark.parametrize("case", REF["schoenfeld"])
def test_power_logrank_equals_schoenfeld(case):
    got = closed_form.power_logrank(case["events"], case["log_hr"], case["alpha"])
    assert got == pytest.approx(case["power"], rel=1e-10)


def _within_mc(p_sim: float, p_formula: float, reps: int) -> None:
    mcse = np.sqrt(p_formula * (1 - p_formula) / reps)
    assert abs(p_sim - p_formula) < 3.5 * mcse, (p_sim, p_formula, mcse)


def _normal_trials(rng, reps, n, delta, sd, rho):
    base = rng.standard_normal((reps, 2, n))
    y = rho * base + np.sqrt(1 - rho**2) * rng.standard_normal((reps, 2, n))
    y = sd * y
    y[:, 0] += delta
    return np.stack([5 + sd * base, y], axis=-1), np.array([0.0, 12.0])


@pytest.mark.parametrize("case", REF["ttest"][:4])
def test_batched_ttest_power_on_normal_data(case):
    reps = 4000
    rng = np.random.default_rng(int(case["n"]))
    vals, weeks = _normal_trials(rng, reps, int(case["n"]), case["delta"], case["sd"], 0.0)
    res = batch.ttest(vals, weeks, 12, level=1 - case["alpha"])
    _within_mc(float((res.p_value < case["alpha"]).mean()), case["power"], reps)


@pytest.mark.parametrize("case", REF["ancova"])
def test_batched_ancova_power_on_normal_data(case):
    reps = 4000
    rng = np.random.default_rng(int(case["n"]) + 1)
    vals, weeks = _normal_trials(rng, reps, int(case["n"]), case["delta"], case["sd"], case["rho"])
    res = batch.ancova(vals, weeks, 12)
    _within_mc(float((res.p_value < case["alpha"]).mean()), case["power"], reps)


@pytest.mark.parametrize("hr", [1.3, 1.5, 2.0])
def test_batched_logrank_power_on_exponential_data(hr):
    """Exponential times (rate 0.5 vs 0.5 HR), administrative censoring at 1,
    grouped into 200 intervals (ties negligible); d = expected events."""
    reps, n, k, lam = 4000, 100, 200, 0.5
    rng = np.random.default_rng(7)
    t = np.stack(
        [rng.exponential(1 / (lam * hr), (reps, n)), rng.exponential(1 / lam, (reps, n))], 1
    )
    cens = t > 1.0
    cell = np.minimum((np.minimum(t, 1.0) * k).astype(int), k - 1)
    ev = np.zeros((reps, 2, k))
    ce = np.zeros((reps, 2, k))
    r_idx = np.broadcast_to(np.arange(reps)[:, None, None], t.shape)
    a_idx = np.broadcast_to(np.arange(2)[None, :, None], t.shape)
    np.add.at(ev, (r_idx, a_idx, cell), ~cens)
    np.add.at(ce, (r_idx, a_idx, cell), cens)
    res = bsurv.logrank(ev, ce, np.full(reps, 2 * n))
    d = n * ((1 - np.exp(-lam)) + (1 - np.exp(-lam * hr)))
    _within_mc(float((res.p_value < 0.05).mean()), closed_form.power_logrank(d, np.log(hr)), reps)
