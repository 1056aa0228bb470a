"""kneestudy.meta.leave1out / influence against metafor leave1out() / influence()."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from refdata import load_reference

from kneestudy.errors import AnalysisError
from kneestudy.meta import influence, leave1out, pool

REF = load_reference("meta_diagnostics")
DATA = REF["datasets"]


def _param(f):
    # The iterative refits (REML, PM) of the two largest data sets (k = 37, 48)
    # take most of the time; they run with the slow tests (`make test-all`).
    slow = f["data"] in ("hackshaw", "bangertdrowns") and f["method"] in ("REML", "PM")
    return pytest.param(
        f,
        id=f"{f['data']}-{f['method']}-{f['test']}",
        marks=[pytest.mark.slow] if slow else [],
    )


PARAMS = [_param(f) for f in REF["fits"]]


# Closed-form tau^2 (FE, DL): rounding only -> 1e-10 relative. REML (Fisher
# scoring, metafor's threshold 1e-5 replicated step for step) and PM (uniroot,
# ported exactly): both stop at the same iterate as metafor, so rounding-level
# agreement too; 1e-8 relative leaves room for a different last step.
def _rtol(method):
    return 1e-10 if method in ("FE", "DL") else 1e-8


def _cmp(got, want, rtol, what):
    want = np.array([np.nan if w is None else w for w in want], dtype=float)
    np.testing.assert_allclose(np.asarray(got, float), want, rtol=rtol, atol=1e-12, err_msg=what)


@pytest.mark.parametrize("fit", PARAMS)
def test_leave1out_matches_metafor(fit):
    d = DATA[fit["data"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = leave1out(d["yi"], d["vi"], method=fit["method"], hksj=fit["test"] == "knha")
    ref = fit["leave1out"]
    tab = res.table
    rtol = _rtol(fit["method"])
    for ours, theirs in {
        "estimate": "estimate",
        "se": "se",
        "statistic": "zval",
        "p_value": "pval",
        "ci_low": "ci_lb",
        "ci_high": "ci_ub",
        "q": "Q",
        "q_p_value": "Qp",
        "tau2": "tau2",
        "i2": "I2",
        "h2": "H2",
    }.items():
        _cmp(tab[ours], ref[theirs], rtol, ours)


@pytest.mark.parametrize("fit", PARAMS)
def test_influence_matches_metafor(fit):
    d = DATA[fit["data"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = influence(d["yi"], d["vi"], method=fit["method"], hksj=fit["test"] == "knha")
    ref = fit["influence"]
    tab = res.table
    rtol = _rtol(fit["method"])
    for ours, theirs in {
        "rstudent": "rstudent",
        "dffits": "dffits",
        "cook_d": "cook_d",
        "cov_r": "cov_r",
        "tau2_del": "tau2_del",
        "qe_del": "QE_del",
        "hat": "hat",
        "weight": "weight",
        "dfbetas": "dfbetas",
    }.items():
        _cmp(tab[ours], ref[theirs], rtol, ours)
    assert list(tab["influential"]) == ref["is_infl"]


def test_accepts_pool_result_and_labels():
    d = DATA["bcg"]
    res = pool(d["yi"], d["vi"], method="DL", hksj=True, labels=d["slab"])
    a = leave1out(res)
    b = leave1out(d["yi"], d["vi"], method="DL", hksj=True, labels=d["slab"])
    assert a.table.equals(b.table)
    assert list(a.table["label"]) == d["slab"]
    inf = influence(res)
    assert set(inf.influential) <= set(d["slab"])
    assert inf.to_frame().shape == (len(d["yi"]), 11)


def test_left_out_study_changes_estimate():
    # a clear outlier: leaving it out moves the estimate and it is flagged
    yi = [0.1, 0.15, 0.2, 0.12, 0.18, 2.5]
    vi = [0.01] * 6
    l1o = leave1out(yi, vi, method="DL")
    assert l1o.table["estimate"].iloc[-1] < l1o.table["estimate"].iloc[0]
    assert influence(yi, vi, method="DL").table["influential"].iloc[-1]


def test_bad_input():
    with pytest.raises(AnalysisError, match="at least 2"):
        leave1out([0.1], [0.1])
    with pytest.raises(AnalysisError, match="at least 2"):
        influence([0.1], [0.1])
    with pytest.raises(AnalysisError, match="give yi and vi"):
        leave1out([0.1, 0.2])
    with pytest.raises(AnalysisError, match="positive"):
        influence([0.1, 0.2], [0.1, 0])
    assert math.isfinite(leave1out([0.1, 0.2], [0.1, 0.1]).table["estimate"].iloc[0])
