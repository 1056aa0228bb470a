"""rmst against survRM2's formulas (computed in R) and print.survfit(rmean = tau)."""

from __future__ import annotations

import numpy as np
import pytest

from kneestudy.errors import AnalysisError
from kneestudy.survival import rmst

from ._data import REF, dataset

# Sums of KM areas: closed form, rounding only -> 1e-10 relative.
TOL = 1e-10
CASES = {
    "lung_sex_365": ("lung", "sex"),
    "veteran_trt_200": ("veteran", "trt"),
    "aml_x_40": ("aml", "x"),
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_matches_survrm2_and_print_survfit(key):
    ds, g = CASES[key]
    d = dataset(ds)
    ref = REF["rmst"][key]
    res = rmst(d["time"], d["status"], d[g], ref["tau"])
    groups = ref["groups"]
    np.testing.assert_allclose(res.table["rmst"], [x["rmst"] for x in groups], rtol=TOL)
    np.testing.assert_allclose(res.table["se"], [x["se"] for x in groups], rtol=TOL)
    # print.survfit's rmean and se(rmean) agree as well on these data
    np.testing.assert_allclose(res.table["rmst"], [x["print_rmean"] for x in groups], rtol=TOL)
    np.testing.assert_allclose(res.table["se"], [x["print_se"] for x in groups], rtol=TOL)
    dif, rat = res.difference.iloc[0], res.ratio.iloc[0]
    for ours, theirs in [
        ("estimate", "estimate"),
        ("se", "se"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
        ("p_value", "p"),
    ]:
        np.testing.assert_allclose(dif[ours], ref["difference"][theirs], rtol=TOL)
    for ours, theirs in [
        ("estimate", "estimate"),
        ("se_log", "se_log"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
        ("p_value", "p"),
    ]:
        np.testing.assert_allclose(rat[ours], ref["ratio"][theirs], rtol=TOL)


def test_tau_beyond_follow_up_is_a_clear_error():
    d = dataset("aml")
    with pytest.raises(AnalysisError, match="beyond the last follow-up"):
        rmst(d["time"], d["status"], d["x"], tau=200)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_lifelines_variance_is_not_the_variance_of_the_estimate():
    """lifelines' return_variance is Var(min(T, tau)) across people, not Var(RMST-hat)."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    d = dataset("aml")
    sub = d[d["x"] == "Maintained"]  # 11 people: lifelines' quadrature is slow on larger sets
    tau = 40.0
    kmf = KaplanMeierFitter().fit(sub["time"], sub["status"])
    mean_ll, var_ll = restricted_mean_survival_time(kmf, t=tau, return_variance=True)
    ours = rmst(sub["time"], sub["status"], None, tau)
    ref = REF["rmst"]["aml_x_40"]["groups"][0]
    np.testing.assert_allclose(mean_ll, ref["rmst"], rtol=1e-6)  # same estimate (quadrature)
    np.testing.assert_allclose(ours.table["se"].iloc[0], ref["se"], rtol=TOL)
    # lifelines' "variance" (123.8) is about n = 11 times the variance of the estimate (12.0)
    assert var_ll / ref["se"] ** 2 > 5
    assert np.sqrt(var_ll) > 2 * ref["se"]
