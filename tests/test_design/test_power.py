"""Power by simulation: closed forms, type-I error, reproducibility, results.

Closed forms need the outcome's SD, the baseline correlation, responder
shares and event counts of the simulated population; they are estimated from
one cohort of 100,000 per arm without dropout (their own Monte Carlo error is
negligible next to that of the power estimates). Tolerances are 3.5 Monte
Carlo SEs of the simulated power plus the approximation error of the
formula where it has one (said in each test).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import kneestudy as ks
from kneestudy.design import batch, closed_form
from kneestudy.design import batch_survival as bsurv
from kneestudy.design import effect as eff
from kneestudy.design._trials import simulate_trials
from kneestudy.errors import AnalysisError

IDEA, WEEKS, EFFECT = "orthotics", (0, 2, 4, 6, 12), -0.6


@pytest.fixture(scope="module")
def population():
    peak = eff.peak_for(IDEA, None, WEEKS, 12, EFFECT)
    arr, _ = simulate_trials(IDEA, 100_000, 1, 99, comparator=None, weeks=WEEKS,
                             peaks={IDEA: peak}, dropout=0.0)  # fmt: skip
    y, b = arr.pain[0, :, :, -1], arr.pain[0, :, :, 0]
    ev, ce, na = bsurv.pain_free_counts(arr.pain, arr.weeks, arr.withdrawal)
    resp = batch.responder_events(arr.pain, arr.weeks, 12, "pain")[0]
    return {
        "delta": float(y[0].mean() - y[1].mean()),
        "sd": float(np.sqrt(y.var(axis=1, ddof=1).mean())),
        "rho": float(np.mean([np.corrcoef(b[a], y[a])[0, 1] for a in range(2)])),
        "event_share": float(ev.sum() / (2 * 100_000)),
        "cox": float(bsurv.cox(ev, ce, na).estimate[0]),
        "peto": float(bsurv.logrank(ev, ce, na).estimate[0]),
        "responders": resp.mean(axis=1),
    }


def _sim(analysis, n, reps=3000, **kw):
    return ks.design.power(IDEA, n, analysis=analysis, effect=kw.pop("effect", EFFECT),
                           dropout=0.0, reps=reps, seed=kw.pop("seed", 3), executor="serial",
                           **kw)  # fmt: skip


@pytest.mark.parametrize("n", [40, pytest.param(80, marks=pytest.mark.slow)])
def test_ttest_power_matches_power_t_test(population, n):
    """+0.01 for the normal approximation of a bounded (0-10), skewed outcome."""
    res = _sim("ttest", n)
    want = closed_form.power_ttest(n, population["delta"], population["sd"])
    assert abs(res.power - want) < 3.5 * res.power_mcse + 0.01


@pytest.mark.parametrize("n", [40, pytest.param(80, marks=pytest.mark.slow)])
def test_ancova_power_matches_variance_deflation(population, n):
    """+0.01 as above (the deflation formula also treats the baseline as fixed)."""
    res = _sim("ancova", n)
    p = population
    want = closed_form.power_ancova(n, p["delta"], p["sd"], p["rho"])
    assert abs(res.power - want) < 3.5 * res.power_mcse + 0.01
    assert res.power > _sim("ttest", n).power  # adjusting for baseline gains power


def test_responder_power_matches_power_prop_test(population):
    p1, p2 = population["responders"]
    res = _sim("responders", 90)
    want = closed_form.power_two_proportions(90, p1, p2)
    assert abs(res.power - want) < 3.5 * res.power_mcse + 0.005  # normal approximation


def test_logrank_power_matches_schoenfeld(population):
    """Pain-free is seen only at 4 visits (heavily tied, grouped times) and the
    effect of insoles fades after week 6 (hazards not proportional), so the
    log hazard ratio to put into Schoenfeld's formula is ambiguous: the Cox
    (Efron) and Peto large-sample values bracket it, and the simulated power
    must lie between the two formula values (within 3.5 MC SE, plus 0.01 for the
    approximation of Schoenfeld's formula, as for the other closed forms here)."""
    n = 60
    res = _sim("logrank", n)
    d = 2 * n * population["event_share"]
    lo = closed_form.power_logrank(d, population["cox"])
    hi = closed_form.power_logrank(d, population["peto"])
    assert lo - 3.5 * res.power_mcse - 0.01 < res.power < hi + 3.5 * res.power_mcse + 0.01


@pytest.mark.parametrize(
    "analysis,outcome,reps",
    [("ancova", "pain", 2000), ("ttest", "akps", 2000), ("mmrm", "pain", 1000),
     ("responders", "pain", 2000), ("responders", "recovered", 2000),
     ("logrank", "pain", 2000), ("cox", "pain", 2000)],
)  # fmt: skip
def test_type_i_error_is_alpha_under_the_null(analysis, outcome, reps):
    """Exact binomial test of the rejection rate against alpha = 0.05 at the 0.1% level.

    Insoles vs flat inserts: responder shares near 70%, where Pearson's test
    is close to its nominal level (with shares near 0 or 1 it is conservative,
    which the simulation then shows)."""
    res = ks.design.power(IDEA, 60, analysis=analysis, outcome=outcome, effect=0.0, reps=reps,
                          seed=17, executor="serial")  # fmt: skip
    assert res.is_null and res.simulator_peak == 0.0 and res.true_value == 0.0
    assert res.type_i_error == res.power
    assert stats.binomtest(res.n_rejected, reps, 0.05).pvalue > 1e-3, res.power
    assert res.n_failed == 0


def test_same_seed_same_numbers_and_other_seed_others():
    a = _sim("ancova", 30, reps=300, seed=5)
    b = _sim("ancova", 30, reps=300, seed=5)
    c = _sim("ancova", 30, reps=300, seed=6)
    np.testing.assert_array_equal(a.replicates["estimate"], b.replicates["estimate"])
    assert not np.array_equal(a.replicates["estimate"], c.replicates["estimate"])


def test_chunks_do_not_depend_on_the_executor():
    kw = dict(effect=-1.0, reps=120, seed=2, chunk_reps=25)
    serial = ks.design.power(IDEA, 20, executor="serial", **kw)
    pooled = ks.design.power(IDEA, 20, executor=2, **kw)
    assert serial.n_chunks == pooled.n_chunks == 5
    assert (
        serial.to_frame()
        .drop(columns="executor")
        .equals(pooled.to_frame().drop(columns="executor"))
    )
    np.testing.assert_array_equal(serial.replicates.to_numpy(), pooled.replicates.to_numpy())


def test_power_curve_shares_trials_across_n():
    curve = ks.design.power_curve(IDEA, [20, 40, 80], effect=-0.8, reps=400, seed=4,
                                  executor="serial")  # fmt: skip
    single = ks.design.power(IDEA, 80, effect=-0.8, reps=400, seed=4, executor="serial")
    top = curve.table.set_index("n_per_arm").loc[80]
    assert top["power"] == single.power and top["bias"] == single.bias
    assert curve.table["power"].is_monotonic_increasing
    assert curve.smallest_n(0.5) in (20.0, 40.0, 80.0)
    assert math.isnan(curve.smallest_n(0.9999))


def test_result_is_data():
    res = _sim("ancova", 30, reps=200)
    frame = res.to_frame()
    assert len(frame) == 1 and frame.loc[0, "power"] == res.power
    assert len(res.replicates) == 200 and set(res.replicates["reject"].unique()) <= {True, False}
    assert res.n_rejected == int(res.replicates["reject"].sum())
    assert res.power == res.n_rejected / 200
    assert math.isnan(res.type_i_error)
    assert res.power_ci_low <= res.power <= res.power_ci_high
    assert res.effect == pytest.approx(EFFECT) and res.effect_source == "user"
    assert res.true_value == pytest.approx(EFFECT, abs=1e-8)
    assert "Power" in res._repr_html_()
    d = res.to_dict()
    assert d["weeks"] == [0.0, 2.0, 4.0, 6.0, 12.0] and isinstance(d["replicates"], list)


def test_dropout_reduces_the_participants_analysed():
    res = ks.design.power(IDEA, 50, effect=-0.5, dropout=0.1, reps=100, executor="serial")
    assert res.dropout == 0.1 and res.mean_n_analysed < 100
    default = ks.design.power(IDEA, 50, effect=-0.5, reps=100, executor="serial")
    assert default.dropout == ks.simulate.parameter_table().loc["dropout.per_visit", "value"]


@pytest.mark.parametrize(
    "kwargs,match",
    [({"analysis": "anova"}, "unknown analysis"),
     ({"analysis": "logrank", "outcome": "akps"}, "takes outcome"),
     ({"week": 10}, "not one of the visit weeks"),
     ({"analysis": "cox", "week": 6, "weeks": (0, 6, 12)}, "end of follow-up"),
     ({"reps": 1}, "reps must be"),
     ({"n_per_arm": 1}, "n_per_arm must be"),
     ({"effect": "big"}, "effect must be a number"),
     ({"alpha": 1.5}, "alpha must be"),
     ({"effect": -30.0}, "not reachable|within ±10")],
)  # fmt: skip
def test_bad_arguments_are_clear_errors(kwargs, match):
    args = {"n_per_arm": 20, "reps": 10, "executor": "serial", "effect": -0.5, "weeks": WEEKS}
    args.update(kwargs)
    with pytest.raises(AnalysisError, match=match):
        ks.design.power(IDEA, **args)
