"""The vectorised estimators equal kneestudy's single-trial estimators, trial by trial.

Trials come from one simulated chunk with dropout (so complete-case rules and
missing visits are exercised); each is rebuilt as a Cohort and analysed by
kneestudy.effects / kneestudy.survival. Tolerances: 1e-10 for closed forms
(floating-point rounding only); 1e-6 on estimates and 1e-4 relative on
Satterthwaite df for the MMRM (two REML optimisers stopping at gradient
1e-8, and two central-difference Hessians).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from refdata import load_reference

import kneestudy as ks
from kneestudy.design import batch, batch_mmrm
from kneestudy.design import batch_survival as bsurv
from kneestudy.design._trials import simulate_trials, trial_cohort

N, REPS, WEEKS = 30, 5, (0, 2, 4, 6, 12)


@pytest.fixture(scope="module")
def chunk():
    arr, big = simulate_trials("orthotics", N, REPS, 123, comparator=None, weeks=WEEKS,
                               peaks={"orthotics": -1.5}, dropout=0.06)  # fmt: skip
    cohorts = [trial_cohort(big, arr.treatment, arr.comparator, N, r) for r in range(REPS)]
    return arr, cohorts


def test_dropout_makes_missing_data(chunk):
    arr, _ = chunk
    assert np.isnan(arr.pain[..., -1]).any()


@pytest.mark.parametrize("outcome", ["pain", "akps"])
def test_ancova_equals_effects_ancova(chunk, outcome):
    arr, cohorts = chunk
    res = batch.ancova(arr.outcome(outcome), arr.weeks, 12)
    for r, c in enumerate(cohorts):
        ref = ks.effects.ancova(c, outcome, 12)
        got = [res.estimate[r], res.se[r], res.ci_low[r], res.ci_high[r], res.p_value[r]]
        want = [ref.estimate, ref.se, ref.ci_low, ref.ci_high, ref.p_value]
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        assert res.n_analysed[r] == ref.n


def test_ttest_equals_pooled_mean_difference(chunk):
    arr, cohorts = chunk
    res = batch.ttest(arr.pain, arr.weeks, 12)
    for r, c in enumerate(cohorts):
        ref = ks.effects.mean_difference(c, "pain", 12, var_equal=True)
        np.testing.assert_allclose(
            [res.estimate[r], res.se[r], res.ci_low[r], res.p_value[r]],
            [ref.estimate, ref.se, ref.ci_low, ref.p_value],
            rtol=1e-10,
            atol=1e-12,
        )


@pytest.mark.parametrize("outcome", ["pain", "akps", "recovered"])
def test_responders_equal_effects_responders(chunk, outcome):
    arr, cohorts = chunk
    col = "grc" if outcome == "recovered" else outcome
    res = batch.responders(batch.responder_events(arr.outcome(col), arr.weeks, 12, outcome))
    for r, c in enumerate(cohorts):
        ref = ks.effects.responders(c, outcome, 12)
        np.testing.assert_allclose(
            [res.estimate[r], res.se[r], res.ci_low[r], res.ci_high[r]],
            [ref.rd, ref.rd_se, ref.rd_ci_low, ref.rd_ci_high],
            rtol=1e-12,
            atol=1e-14,
        )
        # Pearson's chi-square from the same counts (scipy; R is checked below)
        from scipy.stats import chi2_contingency

        table = [[ref.events_treatment, ref.n_treatment - ref.events_treatment],
                 [ref.events_comparator, ref.n_comparator - ref.events_comparator]]  # fmt: skip
        p = chi2_contingency(table, correction=False).pvalue
        assert res.p_value[r] == pytest.approx(p, rel=1e-10)


def test_responder_chisq_equals_r_prop_test():
    ref = load_reference("design_power")["chisq"]
    ev = []
    for case in ref:
        n = max(case["n1"], case["n0"])
        e = np.full((2, n), np.nan)
        e[0, : case["n1"]] = 0
        e[0, : case["k1"]] = 1
        e[1, : case["n0"]] = 0
        e[1, : case["k0"]] = 1
        ev.append(e)
    width = max(e.shape[1] for e in ev)
    arr = np.full((len(ev), 2, width), np.nan)
    for i, e in enumerate(ev):
        arr[i, :, : e.shape[1]] = e
    res = batch.responders(arr)
    # closed form: rounding only
    np.testing.assert_allclose(res.p_value, [c["p_value"] for c in ref], rtol=1e-10)


def _tte(c):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ks.survival.time_to_pain_free(c)


def test_logrank_equals_survival_logrank(chunk):
    arr, cohorts = chunk
    ev, ce, na = bsurv.pain_free_counts(arr.pain, arr.weeks, arr.withdrawal)
    res = bsurv.logrank(ev, ce, na)
    for r, c in enumerate(cohorts):
        tte = _tte(c)
        ref = ks.survival.logrank(tte.time_weeks, tte.observed, tte.intervention)
        assert res.p_value[r] == pytest.approx(ref.p_value, rel=1e-10)
        assert na[r] == len(tte)
        # Peto's log HR: (O - E) / V of the treatment arm
        t = ref.table.set_index("group").loc[arr.treatment]
        v = ref.variance[0, 0]
        assert res.estimate[r] == pytest.approx((t["observed"] - t["expected"]) / v, rel=1e-10)


def test_cox_equals_survival_cox(chunk):
    arr, cohorts = chunk
    ev, ce, na = bsurv.pain_free_counts(arr.pain, arr.weeks, arr.withdrawal)
    res = bsurv.cox(ev, ce, na)
    for r, c in enumerate(cohorts):
        tte = _tte(c)
        data = tte.assign(trt=(tte.intervention == arr.treatment).astype(float))
        fit = ks.survival.cox(data, "time_weeks", "observed", ["trt"], ph_test=False)
        row = fit.table.loc["trt"]
        # Newton-Raphson stopping at |step| < 1e-8 in both
        np.testing.assert_allclose(
            [res.estimate[r], res.se[r], res.p_value[r]],
            [row["coef"], row["se"], row["p_value"]],
            rtol=1e-8,
            atol=1e-10,
        )
        assert res.ci_high[r] == pytest.approx(np.log(row["ci_high"]), rel=1e-8)


def test_mmrm_equals_effects_mmrm(chunk):
    arr, cohorts = chunk
    res = batch_mmrm.fit(arr.pain, arr.weeks, 12)
    assert res.ok.all()
    for r, c in enumerate(cohorts):
        fit = ks.effects.mmrm(c, "pain")
        ref = fit.at_week(12)
        assert res.estimate[r] == pytest.approx(ref.estimate, abs=1e-6)
        assert res.se[r] == pytest.approx(ref.se, rel=1e-6)
        assert res.p_value[r] == pytest.approx(ref.p_value, rel=1e-4, abs=1e-8)
        assert res.ci_low[r] == pytest.approx(ref.ci_low, abs=1e-5)
        assert res.n_analysed[r] == fit.n


def test_mmrm_at_an_earlier_week(chunk):
    arr, cohorts = chunk
    res = batch_mmrm.fit(arr.akps, arr.weeks, 4)
    ref = ks.effects.mmrm(cohorts[0], "akps").at_week(4)
    assert res.estimate[0] == pytest.approx(ref.estimate, abs=1e-6)
    assert res.ci_high[0] == pytest.approx(ref.ci_high, abs=1e-5)


def test_undefined_analyses_are_flagged_not_dropped():
    weeks = np.array([0.0, 12.0])
    y = np.random.default_rng(1).normal(5, 1, (3, 2, 10, 2))
    y[1, 0, :, 1] = np.nan  # treatment arm without data at week 12
    y[2, :, :, 1] = 4.0  # no variation at all
    for res in (batch.ancova(y, weeks, 12), batch.ttest(y, weeks, 12)):
        assert res.ok.tolist() == [True, False, False]
        assert np.isnan(res.estimate[1:]).all() and np.isnan(res.p_value[1:]).all()
    ev = np.zeros((2, 2, 5))
    ev[1, 0, 0] = 1
    assert batch.responders(ev).ok.tolist() == [False, True]  # 0% vs 0%: no SE


def test_cox_flags_an_arm_without_events():
    ev = np.zeros((2, 2, 3))
    ce = np.zeros((2, 2, 3))
    ev[:, 0, 1] = 5
    ce[:, :, 2] = 10
    ev[1, 1, 0] = 2
    res = bsurv.cox(ev, ce, np.array([25, 27]))
    assert res.ok.tolist() == [False, True]
