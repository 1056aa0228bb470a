"""kneestudy.meta.pool against metafor rma / confint / predict / weights."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from refdata import load_reference

from kneestudy.errors import AnalysisError
from kneestudy.meta import PoolResult, pool

REF = load_reference("meta_pool")
DATA = REF["datasets"]

# Closed forms (FE, DL, HE, SJ and the HKSJ adjustment): only floating-point
# rounding separates kneestudy from metafor -> 1e-10 relative.
CLOSED = 1e-10
# REML / ML / EB: Fisher scoring with metafor's algorithm, start and stopping
# rule (|change in tau^2| < 1e-5) is replicated step for step, so both stop at
# the same iterate; the agreement is then rounding-level, but we allow 1e-8 to
# be robust to a different last-iteration path. PM and the Q-profile CI use
# R's uniroot (tol = eps^0.25 = 1.2e-4), which kneestudy ports exactly (zeroin),
# so again they agree to rounding; 1e-8 relative / 1e-10 absolute.
ITERATIVE = 1e-8


def _tol(method: str) -> float:
    return CLOSED if method in ("FE", "DL", "HE", "SJ") else ITERATIVE


def _close(a, b, rtol, atol=1e-12):
    if b is None:
        return a is None or (isinstance(a, float) and math.isnan(a))
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


@pytest.mark.parametrize(
    "fit", REF["fits"], ids=[f"{f['data']}-{f['method']}-{f['test']}" for f in REF["fits"]]
)
def test_pool_matches_metafor(fit):
    d = DATA[fit["data"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pool(d["yi"], d["vi"], method=fit["method"], hksj=fit["test"] == "knha")
    tol = _tol(fit["method"])
    pairs = {
        "estimate": "estimate",
        "se": "se",
        "statistic": "zval",
        "p_value": "pval",
        "ci_low": "ci_lb",
        "ci_high": "ci_ub",
        "tau2": "tau2",
        "tau2_se": "se_tau2",
        "i2": "I2",
        "h2": "H2",
        "q": "QE",
        "q_p_value": "QEp",
        "pi_low": "pi_lb",
        "pi_high": "pi_ub",
    }
    if fit["method"] == "FE":
        # metafor's predict() gives no prediction interval for a common-effect
        # model; kneestudy reports the CI (tau^2 = 0), documented in pool().
        pairs.pop("pi_low")
        pairs.pop("pi_high")
        assert (res.pi_low, res.pi_high) == (res.ci_low, res.ci_high)
    for ours, theirs in pairs.items():
        got = getattr(res, ours)
        assert _close(got, fit[theirs], tol), (ours, got, fit[theirs])
    if fit["method"] != "FE":
        # Q-profile bounds: uniroot (ported) -> rounding-level agreement.
        assert _close(res.tau2_ci_low, fit["tau2_ci_lb"], ITERATIVE, 1e-10)
        assert _close(res.tau2_ci_high, fit["tau2_ci_ub"], ITERATIVE, 1e-10)
    else:
        assert math.isnan(res.tau2_ci_low)
    np.testing.assert_allclose(res.weights.to_numpy(), fit["weights"], rtol=tol)
    assert res.k == len(d["yi"])
    assert res.test == ("t" if fit["test"] == "knha" else "z")


def test_result_shape_and_frame():
    d = DATA["bcg"]
    res = pool(d["yi"], d["vi"], labels=d["slab"])
    assert isinstance(res, PoolResult)
    frame = res.to_frame()
    assert frame.shape[0] == 1
    assert frame.loc[0, "estimate"] == res.estimate  # never rounded
    assert list(res.studies.columns) == ["label", "yi", "vi", "weight"]
    assert res.studies["weight"].sum() == pytest.approx(100)
    assert res.labels == d["slab"]
    assert res.weights.index[0] == d["slab"][0]
    assert "<table" in res._repr_html_()
    assert res.tau == pytest.approx(math.sqrt(res.tau2))


def test_single_study_warns_and_gives_nan_heterogeneity():
    with pytest.warns(UserWarning, match="only one study"):
        res = pool([0.4], [0.04])
    assert res.estimate == 0.4
    assert res.se == pytest.approx(0.2)
    assert res.tau2 == 0
    for name in ("q", "i2", "h2", "tau2_ci_low", "tau2_ci_high"):
        assert math.isnan(getattr(res, name))


@pytest.mark.parametrize(
    ("yi", "vi", "match"),
    [
        ([0.1, 0.2], [0.1, 0.0], "positive"),
        ([0.1, 0.2], [0.1, -0.3], "positive"),
        ([0.1, float("nan"), 0.3], [0.1, 0.1, 0.1], r"yi .*position\(s\) 1"),
        ([0.1, 0.2, 0.3], [0.1, float("nan"), 0.1], "vi .*position"),
        ([0.1, 0.2], [0.1], "yi has 2 values but vi has 1"),
        ([], [], "no studies"),
        (["a", "b"], [0.1, 0.1], "numeric"),
        ([0.1, None, 0.3], [0.1, 0.1, 0.1], r"yi .*position\(s\) 1"),
    ],
)
def test_bad_input(yi, vi, match):
    with pytest.raises(AnalysisError, match=match):
        pool(yi, vi)


def test_pandas_missing_value_named():
    import pandas as pd

    yi = pd.Series([0.1, pd.NA, 0.3], dtype="Float64")
    with pytest.raises(AnalysisError, match=r"position\(s\) 1 \(b\)"):
        pool(yi, [0.1, 0.1, 0.1], labels=["a", "b", "c"])


def test_bad_method_and_test():
    with pytest.raises(AnalysisError, match="unknown method"):
        pool([0.1, 0.2], [0.1, 0.1], method="XYZ")
    with pytest.raises(AnalysisError, match="conflicts"):
        pool([0.1, 0.2], [0.1, 0.1], hksj=True, test="z")
    with pytest.raises(AnalysisError, match="alpha"):
        pool([0.1, 0.2], [0.1, 0.1], alpha=2)
    with pytest.raises(AnalysisError, match="labels"):
        pool([0.1, 0.2], [0.1, 0.1], labels=["a"])


def test_test_knha_equals_hksj():
    d = DATA["bcg"]
    a = pool(d["yi"], d["vi"], hksj=True)
    b = pool(d["yi"], d["vi"], test="knha")
    assert a.ci_low == b.ci_low
    assert a.df == len(d["yi"]) - 1


def test_large_k_fast_path_consistent():
    rng = np.random.default_rng(1)
    vi = rng.uniform(0.01, 0.1, 2000)
    yi = rng.normal(0.3, np.sqrt(vi + 0.05))
    res = pool(yi, vi)
    assert res.tau2 == pytest.approx(0.05, abs=0.01)
    assert res.estimate == pytest.approx(0.3, abs=0.02)


def test_pool_callable_whatever_the_import_order():
    # importing the submodule binds the module to kneestudy.meta.pool; it must
    # still pool (the module is callable and forwards to the function)
    import subprocess
    import sys

    code = (
        "import kneestudy.meta.pool\n"
        "from kneestudy.meta import pool\n"
        "print(pool([0.1, 0.3], [0.01, 0.02], method='FE').estimate)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) == pytest.approx((0.1 / 0.01 + 0.3 / 0.02) / (1 / 0.01 + 1 / 0.02))


def test_pandas_input_and_alpha():
    import pandas as pd

    d = DATA["bcg"]
    a = pool(pd.Series(d["yi"]), pd.Series(d["vi"]), alpha=0.1)
    b = pool(d["yi"], d["vi"])
    assert a.estimate == b.estimate
    assert a.ci_high - a.ci_low < b.ci_high - b.ci_low
