"""Internals of the rma engine: the uniroot port, O(k p^2) traces, edge paths."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import optimize

from kneestudy.errors import AnalysisError
from kneestudy.meta._tau2 import _P, _tr, _wls, fit_rma, qprofile_ci, zeroin


def test_zeroin_finds_roots_like_brent():
    for f, lo, hi in [
        (lambda x: x**3 - 2 * x - 5, 2.0, 3.0),
        (lambda x: math.cos(x) - x, 0.0, 1.0),
        (lambda x: math.exp(x) - 10, 0.0, 5.0),
    ]:
        ours = zeroin(f, lo, hi, tol=1e-12)
        ref = optimize.brentq(f, lo, hi, xtol=1e-14)
        assert ours == pytest.approx(ref, abs=1e-11)
    assert zeroin(lambda x: x, 0.0, 1.0) == 0.0  # root at an end point
    with pytest.raises(AnalysisError, match="opposite sign"):
        zeroin(lambda x: x * x + 1, -1.0, 1.0)


def test_zeroin_respects_loose_tolerance():
    # with R's tol = eps^0.25 the answer is only within ~1e-4 of the root
    root = zeroin(lambda x: x - 0.3, 0.0, 100.0)
    assert abs(root - 0.3) < 1.3e-4


def test_low_rank_traces_equal_dense_products():
    rng = np.random.default_rng(3)
    k, p = 12, 3
    X = np.column_stack([np.ones(k), rng.normal(size=(k, p - 1))])
    w = rng.uniform(1, 10, k)
    v = rng.uniform(0.01, 0.5, k)
    _, A, _, _ = _wls(X, w, rng.normal(size=k))
    d, L, R = _P(X, w, A)
    W = np.diag(w)
    P = W - W @ X @ A @ X.T @ W
    np.testing.assert_allclose(d - np.sum(L * R, axis=1), np.diag(P), rtol=1e-12)
    assert _tr(d, L, R, d, L, R) == pytest.approx(np.trace(P @ P), rel=1e-12)
    PV = P @ np.diag(v)
    Rv = R * v[:, None]
    assert _tr(d * v, L, Rv, d * v, L, Rv) == pytest.approx(np.sum(PV * PV.T), rel=1e-12)
    assert _tr(d * v, L, Rv, d, L, R) == pytest.approx(np.sum(PV * P), rel=1e-12)


def test_homogeneous_data_truncate_tau2_at_zero():
    y = np.array([0.30, 0.31, 0.29, 0.30, 0.305])
    v = np.full(5, 0.05)
    for m in ("DL", "HE", "REML", "ML", "PM", "EB"):
        fit = fit_rma(y, v, None, method=m)
        assert fit.tau2 == 0.0, m
        assert fit.i2 == 0.0
    lo, hi = qprofile_ci(y, v, np.ones((5, 1)), 0.0)
    assert lo == hi == 0.0  # Q(0) is below the lower chi-square quantile


def test_hksj_zero_residual_gives_zero_variance_as_metafor():
    fit = fit_rma(np.array([0.2, 0.2, 0.2]), np.array([0.1, 0.2, 0.3]), None, "DL", test="knha")
    assert fit.s2w == 0.0


def test_pm_fails_clearly_when_tau2_beyond_search_range():
    # mad(yi) = 0, so metafor's search range stays [0, 100]; Q(100) is huge
    y = np.array([0.0, 0.0, 0.0, 0.0, 1e4])
    v = np.full(5, 1e-6)
    with pytest.raises(AnalysisError, match="Paule-Mandel"):
        fit_rma(y, v, None, "PM")


def test_large_variance_ratio_warns():
    from kneestudy.meta import pool

    with pytest.warns(UserWarning, match="ratio of largest to smallest"):
        pool([0.1, 0.2, 0.3], [1e-9, 0.1, 100.0], method="DL")


def test_knha_on_fixed_effect_warns():
    from kneestudy.meta import pool

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        pool([0.1, 0.2, 0.5], [0.01, 0.02, 0.03], method="FE", hksj=True)
    assert any("not meant for a fixed-effect" in str(r.message) for r in rec)


def test_pool_warns_when_hksj_scale_is_zero():
    from kneestudy.meta import pool

    with pytest.warns(UserWarning, match="HKSJ"):
        res = pool([0.2, 0.2, 0.2], [0.1, 0.2, 0.3], method="DL", hksj=True)
    assert res.se == 0.0
