"""kaplan_meier against R's survfit / summary.survfit / print.survfit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from refdata import load_reference

from kneestudy.errors import AnalysisError
from kneestudy.survival import KMResult, kaplan_meier

from ._data import REF, dataset, frame, num

# KM, Greenwood and the intervals are closed forms: only rounding separates us
# from R -> 1e-10 relative.
TOL = 1e-10

SPEC = {
    "lung_sex": ("lung", "sex", None, [0, 100, 365, 500]),
    "aml": ("aml", "x", None, [5, 20, 40]),
    "veteran": ("veteran", None, None, [30, 100, 500]),
    "lung_weighted": ("lung", None, "w", [100, 365]),
    "ovarian_rx": ("ovarian", "rx", None, [100, 500]),
    "tiny_zero": ("tiny_zero", None, None, [0.5, 2, 5]),
    "tiny_start": ("tiny_start", None, None, [0.5, 1, 5]),
}
TINY = {
    "tiny_zero": pd.DataFrame({"time": [1, 2, 2, 3], "status": [1, 0, 1, 1]}),
    "tiny_start": pd.DataFrame({"time": [1, 2, 3, 4], "status": [0, 1, 1, 0]}),
}
CASES = sorted(REF["km"])


def _fit(key: str) -> tuple[KMResult, dict, list]:
    base, conf = key.rsplit("_", 1)
    ds, g, w, times = SPEC[base]
    d = TINY[ds] if ds in TINY else dataset(ds)
    fit = kaplan_meier(
        d["time"],
        d["status"],
        None if g is None else d[g],
        conf_type=conf,
        weights=None if w is None else d[w],
    )
    return fit, REF["km"][key], times


@pytest.mark.parametrize("key", CASES)
def test_table_matches_survfit(key):
    fit, ref, _ = _fit(key)
    r = frame(ref["table"])
    assert len(fit.table) == len(r)
    for col in ["time", "at_risk", "events", "censored", "survival", "se", "ci_low", "ci_high"]:
        np.testing.assert_allclose(
            fit.table[col].to_numpy(float), num(r[col]), rtol=TOL, atol=1e-14, err_msg=col
        )
    assert [str(g) for g in fit.table["group"]] == [str(g) for g in r["group"]]


@pytest.mark.parametrize("key", CASES)
def test_median_matches_print_survfit(key):
    fit, ref, _ = _fit(key)
    for col in ["median", "ci_low", "ci_high"]:
        np.testing.assert_allclose(
            fit.median[col].to_numpy(float), num(frame(ref["median"])[col]), rtol=TOL, err_msg=col
        )


@pytest.mark.parametrize("key", CASES)
def test_at_matches_summary_times(key):
    fit, ref, times = _fit(key)
    at = fit.at(times)
    for col in ["at_risk", "survival", "se", "ci_low", "ci_high"]:
        np.testing.assert_allclose(
            at[col].to_numpy(float), num(frame(ref["at"])[col]), rtol=TOL, atol=1e-14, err_msg=col
        )


def test_median_flat_segment_is_midpoint():
    # S drops to exactly 0.5 at t=2 and stays until t=4: R reports (2 + 4) / 2.
    fit = kaplan_meier([1, 2, 4, 5], [1, 1, 1, 1])
    assert fit.median["median"].iloc[0] == 3.0


def test_all_censored_median_not_reached():
    fit = kaplan_meier([1, 2, 3], [0, 0, 0])
    assert np.isnan(fit.median["median"].iloc[0])
    assert (fit.table["survival"] == 1).all()


def test_default_is_log_log():
    assert kaplan_meier([1, 2, 3], [1, 0, 1]).conf_type == "log-log"


@pytest.mark.parametrize(
    ("durations", "observed", "match"),
    [
        ([1, np.nan, 3], [1, 1, 1], "positions 1"),
        ([1, 0, 3], [1, 1, 1], "positions 1"),
        ([1, -2, 3], [1, 1, 1], "> 0"),
        ([1, 2, 3], [1, 2, 1], "0/1"),
        ([1, 2, 3], [1, np.nan, 1], "positions 1"),
    ],
)
def test_bad_input_is_a_clear_error(durations, observed, match):
    with pytest.raises(AnalysisError, match=match):
        kaplan_meier(durations, observed)


def test_missing_group_is_an_error():
    with pytest.raises(AnalysisError, match="groups has missing"):
        kaplan_meier([1, 2, 3], [1, 1, 1], ["a", None, "b"])


def test_unknown_conf_type():
    with pytest.raises(AnalysisError, match="conf_type"):
        kaplan_meier([1, 2], [1, 1], conf_type="logit")


def test_result_is_frozen_and_renders():
    fit = kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1], ["a", "a", "b", "b"])
    with pytest.raises(AttributeError):
        fit.conf_type = "log"  # type: ignore[misc]
    assert "<table" in fit._repr_html_()
    pd.testing.assert_frame_equal(fit.to_frame(), fit.table)


def test_pandas_missing_and_text_are_named():
    with pytest.raises(AnalysisError, match="positions 1"):
        kaplan_meier(pd.Series([1.0, None, 3.0], dtype="Float64"), [1, 1, 1])
    with pytest.raises(AnalysisError, match="not a number at positions 1"):
        kaplan_meier(["1", "x", "3"], [1, 1, 1])
    with pytest.raises(AnalysisError, match="positions 2"):
        kaplan_meier([1, 2, 3], pd.Series([True, False, pd.NA], dtype="boolean"))


def test_weights_equal_replication():
    a = kaplan_meier([1, 2, 3, 4], [1, 0, 1, 1], weights=[2, 1, 3, 1])
    b = kaplan_meier([1, 1, 2, 3, 3, 3, 4], [1, 1, 0, 1, 1, 1, 1])
    np.testing.assert_allclose(a.table["survival"], b.table["survival"], rtol=1e-12)
    np.testing.assert_allclose(a.table["se"], b.table["se"], rtol=1e-12)


# --- non-integer case weights: robust (infinitesimal-jackknife) variance -----
EDGE = load_reference("survival_edge_cases")["km"]


@pytest.mark.parametrize(
    ("key", "groups", "conf"), [("lung_sex_loglog", "sex", "log-log"), ("lung_log", None, "log")]
)
def test_non_integer_weights_use_robust_variance_as_survfit(key, groups, conf):
    r = EDGE[key]
    d = dataset("lung")
    fit = kaplan_meier(
        d["time"], d["status"], None if groups is None else d[groups], conf_type=conf,
        weights=r["weights"],
    )  # fmt: skip
    assert fit.variance == "robust (infinitesimal jackknife)"
    assert r["logse"] is False  # R reports se(S) itself on the robust path
    ref = pd.DataFrame(r["table"])
    tab = fit.table
    np.testing.assert_array_equal(tab["time"], ref["time"])
    # closed forms of the same recursion: rounding only
    for col in ("at_risk", "events", "survival", "se", "ci_low", "ci_high"):
        np.testing.assert_allclose(tab[col], num(ref[col]), rtol=TOL, atol=1e-14, err_msg=col)
    med = pd.DataFrame(r["median"])
    for col in ("median", "ci_low", "ci_high"):
        np.testing.assert_allclose(fit.median[col], num(med[col]), rtol=TOL, err_msg=col)
    # Greenwood on the same weights gives narrower intervals here, which is the bug fixed
    gw = kaplan_meier(d["time"], d["status"], conf_type=conf, weights=r["weights"],
                      variance="greenwood")  # fmt: skip
    assert gw.variance == "Greenwood"
    if groups is None:
        assert (gw.table["se"] < fit.table["se"]).mean() > 0.5


def test_robust_variance_without_weights_matches_survfit_robust():
    r = EDGE["lung_unweighted_robust"]
    d = dataset("lung")
    fit = kaplan_meier(d["time"], d["status"], variance="robust", conf_type="log")
    np.testing.assert_allclose(fit.table["time"], r["time"])
    np.testing.assert_allclose(fit.table["se"], r["se"], rtol=TOL, atol=1e-14)


def test_integer_weights_keep_greenwood():
    d = dataset("lung")
    assert kaplan_meier(d["time"], d["status"], weights=d["w"]).variance == "Greenwood"
    with pytest.raises(AnalysisError, match="variance must be one of"):
        kaplan_meier(d["time"], d["status"], variance="jackknife")


def test_categorical_groups_keep_their_declared_order():
    g = pd.Categorical(["pass", "fail", "pass", "fail", "pass"], categories=["pass", "fail"])
    fit = kaplan_meier([1, 2, 3, 4, 5], [1, 1, 0, 1, 1], g)
    assert list(fit.median["group"]) == ["pass", "fail"]
    # a plain text column is sorted, as R's factor()
    fit = kaplan_meier([1, 2, 3, 4, 5], [1, 1, 0, 1, 1], np.asarray(g, dtype=object))
    assert list(fit.median["group"]) == ["fail", "pass"]
