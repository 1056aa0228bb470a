"""kneestudy.meta.regtest / trimfill against metafor regtest() / trimfill()."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from refdata import load_reference

from kneestudy.errors import AnalysisError
from kneestudy.meta import regtest, trimfill

REF = load_reference("meta_bias")
DATA = REF["datasets"]


# Closed-form tau^2 (FE, DL) and the lm model: rounding only -> 1e-10 relative
# (1e-9 for p-values deep in the tail, where the t/normal tail functions of R
# and scipy differ in the last digits). REML (Fisher scoring, metafor's 1e-5
# threshold replicated step for step) and PM (R's uniroot, ported): the same
# iterate as metafor -> 1e-8 relative.
def _rtol(method):
    return 1e-9 if method in ("FE", "DL") else 1e-8


def _close(got, want, rtol):
    if want is None:
        return math.isnan(got)
    return math.isclose(got, want, rel_tol=rtol, abs_tol=1e-12)


@pytest.mark.parametrize(
    "ref",
    REF["regtest"],
    ids=[
        f"{r['data']}-{r['model']}-{r['method']}-{r['test']}-{r['predictor']}"
        for r in REF["regtest"]
    ],
)
def test_regtest_matches_metafor(ref):
    d = DATA[ref["data"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = regtest(
            d["yi"],
            d["vi"],
            model=ref["model"],
            predictor=ref["predictor"],
            method=ref["method"],
            hksj=ref["test"] == "knha",
        )
    rtol = _rtol(ref["method"])
    for ours, theirs in {
        "statistic": "zval",
        "p_value": "pval",
        "slope": "slope",
        "slope_se": "slope_se",
        "limit_estimate": "est",
        "limit_ci_low": "ci_lb",
        "limit_ci_high": "ci_ub",
        "df": "ddf",
    }.items():
        assert _close(getattr(res, ours), ref[theirs], rtol), (
            ours,
            getattr(res, ours),
            ref[theirs],
        )


@pytest.mark.parametrize(
    "ref",
    REF["trimfill"],
    ids=[
        f"{r['data']}-{r['method']}-{r['estimator']}-{r.get('side_given', 'auto')}"
        for r in REF["trimfill"]
    ],
)
def test_trimfill_matches_metafor(ref):
    d = DATA[ref["data"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = trimfill(
            d["yi"],
            d["vi"],
            side=ref.get("side_given"),
            estimator=ref["estimator"],
            method=ref["method"],
        )
    rtol = _rtol(ref["method"])
    assert res.k0 == ref["k0"]
    assert res.side == ref["side"]
    for ours, theirs in {
        "se_k0": "se_k0",
        "p_k0": "p_k0",
        "estimate": "estimate",
        "se": "se",
        "ci_low": "ci_lb",
        "ci_high": "ci_ub",
        "p_value": "pval",
        "tau2": "tau2",
    }.items():
        assert _close(getattr(res, ours), ref[theirs], rtol), (
            ours,
            getattr(res, ours),
            ref[theirs],
        )
    want_y = ref["yi_fill"] if isinstance(ref["yi_fill"], list) else [ref["yi_fill"]]
    want_v = ref["vi_fill"] if isinstance(ref["vi_fill"], list) else [ref["vi_fill"]]
    np.testing.assert_allclose(res.filled["yi"], want_y, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(res.filled["vi"], want_v, rtol=rtol, atol=1e-12)
    assert res.filled.shape[0] == res.k0


def test_trimfill_labels_and_pooled():
    d = DATA["hackshaw"]
    res = trimfill(d["yi"], d["vi"], labels=d["slab"])
    assert res.k0 > 0
    assert res.pooled.k == len(d["yi"]) + res.k0
    assert res.pooled.labels[-1] == f"Filled {res.k0}"
    assert res.to_frame().shape[0] == 1


def test_bad_input():
    with pytest.raises(AnalysisError, match="at least 3"):
        regtest([0.1, 0.2], [0.1, 0.2])
    with pytest.raises(AnalysisError, match="at least 3"):
        trimfill([0.1, 0.2], [0.1, 0.2])
    with pytest.raises(AnalysisError, match="same for every study"):
        regtest([0.1, 0.2, 0.3], [0.1, 0.1, 0.1])
    with pytest.raises(AnalysisError, match="needs the sample sizes"):
        regtest([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], predictor="ni")
    with pytest.raises(AnalysisError, match="predictor"):
        regtest([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], predictor="foo")
    with pytest.raises(AnalysisError, match="model"):
        regtest([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], model="glm")
    with pytest.raises(AnalysisError, match="side"):
        trimfill([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], side="up")
    with pytest.raises(AnalysisError, match="estimator"):
        trimfill([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], estimator="X")
    with pytest.raises(AnalysisError, match="positive"):
        trimfill([0.1, 0.2, 0.3], [0.1, 0.2, -0.3])


def test_sample_size_predictor_runs():
    res = regtest(
        [0.1, 0.3, 0.35, 0.6, 0.2],
        [0.01, 0.02, 0.015, 0.03, 0.02],
        predictor="ninv",
        ni=[100, 50, 70, 30, 50],
    )
    assert math.isfinite(res.limit_estimate)
    res = regtest(
        [0.1, 0.3, 0.35, 0.6, 0.2],
        [0.01, 0.02, 0.015, 0.03, 0.02],
        predictor="ni",
        ni=[100, 50, 70, 30, 50],
    )
    assert math.isnan(res.limit_estimate)
