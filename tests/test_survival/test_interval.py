"""turnbull and interval_weibull against survfit(type = "interval2") and survreg."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from refdata import load_reference

from kneestudy.errors import AnalysisError
from kneestudy.survival import interval_weibull, turnbull

from ._data import REF, dataset

REF_I = REF["interval"]
# EM is run until no mass moves by more than 1e-12; the NPMLE here is unique,
# so agreement is limited by that stopping rule -> 1e-9 absolute on S(t).
EM_TOL = 1e-9
# survreg: Newton to its default rel. tolerance 1e-9 on the loglik; we iterate
# to the optimum and take the Hessian by central differences of the analytic
# gradient (error ~1e-10) -> 1e-7 relative on coefficients and SEs.
WB_TOL = 1e-7


def test_turnbull_matches_survfit_interval2():
    d = dataset("interval")
    fit = turnbull(d["left"], d["right"])
    assert fit.converged
    tb = REF_I["turnbull"]
    np.testing.assert_allclose(fit.survival_at(tb["at_time"]), tb["at_surv"], atol=EM_TOL)
    np.testing.assert_allclose(fit.survival_at(tb["time"]), tb["surv"], atol=EM_TOL)
    np.testing.assert_allclose(fit.table["mass"].sum(), 1.0)


def test_turnbull_small_example_by_hand():
    # (0,2], (2,4], (2,inf), (4,6]: the censored one splits its mass over (2,4] and (4,6]
    fit = turnbull([0, 2, 2, 4], [2, 4, np.inf, 6])
    np.testing.assert_allclose(fit.table["mass"], [0.25, 0.375, 0.375], atol=1e-9)


@pytest.mark.parametrize(
    ("key", "left", "right"),
    [("weibull", "left", "right"), ("weibull_visit_week", "vt", "hi")],
)
def test_weibull_matches_survreg(key, left, right):
    d = dataset("interval")
    d["vt"] = np.where(np.isinf(d["right"]), d["left"], d["right"])
    d["hi"] = np.where(np.isinf(d["right"]), np.inf, d["vt"])  # exact at the visit week
    ref = REF_I[key]
    fit = interval_weibull(d, ["arm"], left, right)
    np.testing.assert_allclose(fit.table["coef"], [*ref["coef"], ref["log_scale"]], rtol=WB_TOL)
    np.testing.assert_allclose(fit.vcov, np.array(ref["vcov"]), rtol=1e-6)
    np.testing.assert_allclose(fit.loglik, ref["loglik"][1], rtol=1e-10)
    np.testing.assert_allclose(fit.scale, ref["scale"], rtol=WB_TOL)
    b, s = ref["coef"][1], ref["scale"]
    c = fit.contrasts.loc["arm"]
    np.testing.assert_allclose(c["time_ratio"], np.exp(b), rtol=WB_TOL)
    np.testing.assert_allclose(c["hazard_ratio"], np.exp(-b / s), rtol=WB_TOL)
    v = np.array(ref["vcov"])
    g = np.array([0.0, -1 / s, b / s])
    np.testing.assert_allclose(c["log_hr_se"], np.sqrt(g @ v @ g), rtol=1e-6)


def test_bad_intervals_are_clear_errors():
    with pytest.raises(AnalysisError, match="positions 1"):
        turnbull([0, 3], [2, 1])
    with pytest.raises(AnalysisError, match="missing"):
        turnbull([0, np.nan], [2, 3])


def test_interval_comparison_on_simulated_cohort():
    import kneestudy as ks
    from kneestudy.survival import interval_comparison, time_to_pain_free

    cohort = ks.simulate.cohort("glute_strengthening", n=300, seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # participants without follow-up
        tte = time_to_pain_free(cohort, threshold=2.0)
    out = interval_comparison(tte, ["arm"])
    assert list(out["analysis"]) == [
        "Weibull, interval-censored",
        "Weibull, visit week",
        "Cox, visit week",
    ]
    assert np.isfinite(out["hazard_ratio"]).all()
    assert (out["hr_ci_low"] < out["hazard_ratio"]).all()
    assert (out["hazard_ratio"] < out["hr_ci_high"]).all()


def test_turnbull_with_exact_and_right_censored_equals_kaplan_meier():
    from kneestudy.survival import kaplan_meier

    t = np.array([1.0, 2.0, 3.0, 4.0, 4.0, 6.0, 7.0])
    e = np.array([1, 0, 1, 1, 0, 1, 0], dtype=bool)
    fit = turnbull(t, np.where(e, t, np.inf))
    km = kaplan_meier(t, e)
    # the NPMLE for right-censored data is the KM estimate; EM tolerance 1e-12
    np.testing.assert_allclose(fit.survival_at(t), km.at(t)["survival"], atol=1e-8)


def test_uninformative_intervals_are_dropped_as_survreg_does():
    r = load_reference("survival_edge_cases")["weibull"]
    d = dataset("interval")
    extra = pd.DataFrame({"left": [0.0, 0.0], "right": [np.inf, np.inf], "arm": [0, 1]})
    d2 = pd.concat([d, extra], ignore_index=True)
    with pytest.warns(RuntimeWarning, match="2 uninformative interval"):
        fit = interval_weibull(d2, ["arm"], "left", "right")
    assert (fit.n, fit.n_uninformative) == (r["n_used"], r["n_deleted"])
    assert "survreg" in fit.notes[0]
    np.testing.assert_allclose(fit.table["coef"].iloc[:2], r["coef"], rtol=WB_TOL)
    assert fit.table["coef"].iloc[2] == pytest.approx(r["log_scale"], rel=WB_TOL)
    assert fit.loglik == pytest.approx(r["loglik"], rel=1e-9)
    with pytest.raises(AnalysisError, match="every interval is"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interval_weibull(extra, ["arm"], "left", "right")
