"""kneestudy.meta.metareg / subgroup against metafor rma(mods = ...)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from refdata import load_reference

from kneestudy.errors import AnalysisError
from kneestudy.meta import metareg, subgroup

REF = load_reference("meta_moderators")
DATA = REF["datasets"]
for _f in REF["metareg"]:  # a single moderator is unboxed to a string in the JSON
    if isinstance(_f["mods"], str):
        _f["mods"] = [_f["mods"]]


# Closed-form tau^2 (FE, DL, HE, SJ): rounding only -> 1e-10 relative.
# REML/ML/EB (Fisher scoring, metafor's 1e-5 threshold replicated step for
# step) and PM (R's uniroot ported): same iterate as metafor -> 1e-8 relative.
# Meta-regression with moderators on very different scales (bcg: year ~ 1950
# next to absolute latitude) has a condition number of X'WX near 1e9, so
# rounding in the matrix inverse alone reaches ~1e-9: 1e-8 for all metareg.
def _rtol(method):
    return 1e-10 if method in ("FE", "DL", "HE", "SJ") else 1e-8


def _rtol_reg(method):
    return 1e-8


def _arr(x):
    if not isinstance(x, list):
        x = [x]
    return np.array([np.nan if v is None else v for v in x], dtype=float)


def _cmp(got, want, rtol, what):
    np.testing.assert_allclose(_arr(got), _arr(want), rtol=rtol, atol=1e-12, err_msg=what)


@pytest.mark.parametrize(
    "fit",
    REF["metareg"],
    ids=[f"{f['data']}-{'+'.join(f['mods'])}-{f['method']}-{f['test']}" for f in REF["metareg"]],
)
def test_metareg_matches_metafor(fit):
    d = DATA[fit["data"]]
    mods = pd.DataFrame({m: d[m] for m in fit["mods"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = metareg(d["yi"], d["vi"], mods, method=fit["method"], hksj=fit["test"] == "knha")
    rtol = _rtol_reg(fit["method"])
    co = res.coefficients
    assert list(co["term"]) == fit["terms"]
    for ours, theirs in {
        "estimate": "beta",
        "se": "se",
        "statistic": "zval",
        "p_value": "pval",
        "ci_low": "ci_lb",
        "ci_high": "ci_ub",
    }.items():
        _cmp(co[ours].tolist(), fit[theirs], rtol, ours)
    for ours, theirs in {
        "qm": "QM",
        "qm_p_value": "QMp",
        "qe": "QE",
        "qe_p_value": "QEp",
        "tau2": "tau2",
        "tau2_se": "se_tau2",
        "i2": "I2",
        "h2": "H2",
        "r2": "R2",
    }.items():
        _cmp(getattr(res, ours), fit[theirs], rtol, ours)
    assert res.qm_df == fit["QMdf"][0]


@pytest.mark.parametrize(
    "fit",
    REF["subgroup"],
    ids=[f"{f['data']}-{f['groups']}-{f['method']}-{f['test']}" for f in REF["subgroup"]],
)
def test_subgroup_matches_metafor(fit):
    d = DATA[fit["data"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = subgroup(
            d["yi"], d["vi"], d[fit["groups"]], method=fit["method"], hksj=fit["test"] == "knha"
        )
    rtol = _rtol(fit["method"])
    tab = res.table
    assert list(tab["group"]) == [p["group"] for p in fit["per"]]
    assert list(tab["k"]) == [p["k"] for p in fit["per"]]
    for ours, theirs in {
        "estimate": "estimate",
        "se": "se",
        "ci_low": "ci_lb",
        "ci_high": "ci_ub",
        "p_value": "pval",
        "tau2": "tau2",
    }.items():
        want = [p[theirs] for p in fit["per"]]
        _cmp(tab[ours].tolist(), want, rtol, ours)
    if all(p["k"] > 1 for p in fit["per"]):
        _cmp(tab["i2"].tolist(), [p["I2"] for p in fit["per"]], rtol, "i2")
        _cmp(tab["q"].tolist(), [p["QE"] for p in fit["per"]], rtol, "q")
    # Q_between from rma(est, se^2, method="FE") (a closed form of the subgroup
    # results: their tolerance); QM of the common-tau^2 meta-regression.
    if all(p["se"] and p["se"] > 0 for p in fit["per"]):
        _cmp(res.q_between, fit["Qb"], rtol, "q_between")
        _cmp(res.q_between_p_value, fit["Qbp"], max(rtol, 1e-9), "q_between_p")
    _cmp(res.qm, fit["QM"], rtol, "qm")
    _cmp(res.qm_p_value, fit["QMp"], rtol, "qm_p")
    _cmp(res.tau2_common, fit["tau2_common"], rtol, "tau2_common")


def test_categorical_and_numeric_moderators():
    d = DATA["bcg"]
    res = metareg(d["yi"], d["vi"], {"ablat": d["ablat"], "alloc": d["alloc"]})
    assert list(res.coefficients["term"]) == [
        "intrcpt",
        "ablat",
        "allocrandom",
        "allocsystematic",
    ]
    assert res.qm_df == 3
    assert res.p == 4
    assert res.to_frame().shape[0] == 1
    assert "<table" in res._repr_html_()


def test_metareg_bad_input():
    yi, vi = [0.1, 0.2, 0.3, 0.4], [0.01] * 4
    with pytest.raises(AnalysisError, match="rows"):
        metareg(yi, vi, {"x": [1, 2, 3]})
    with pytest.raises(AnalysisError, match="missing"):
        metareg(yi, vi, {"x": [1, 2, None, 4]})
    with pytest.raises(AnalysisError, match="collinear"):
        metareg(yi, vi, {"x": [1, 2, 3, 4], "z": [2, 4, 6, 8]})
    with pytest.raises(AnalysisError, match="single level"):
        metareg(yi, vi, {"g": ["a"] * 4})
    three = {"x": [1, 2, 3, 5], "z": [1, 0, 0, 2], "w": [0, 1, 5, 1]}
    with pytest.raises(AnalysisError, match="cannot be estimated from 4"):
        metareg(yi, vi, three)
    # a fixed-effect model has no tau^2: p = k is allowed, as in metafor
    assert metareg(yi, vi, three, method="FE").p == 4


def test_subgroup_bad_input_and_single_study_warning():
    yi, vi = [0.1, 0.2, 0.3, 0.4], [0.01] * 4
    with pytest.raises(AnalysisError, match="two subgroups"):
        subgroup(yi, vi, ["a"] * 4)
    with pytest.raises(AnalysisError, match="missing"):
        subgroup(yi, vi, ["a", None, "b", "b"])
    with pytest.raises(AnalysisError, match="groups has 3"):
        subgroup(yi, vi, ["a", "b", "b"])
    with pytest.warns(UserWarning, match="single study"):
        res = subgroup(yi, vi, ["a", "b", "b", "b"], method="DL")
    assert math.isnan(res.table["i2"].iloc[0])
    assert res.q_between > 0
