"""Responder analysis against metafor::escalc and prop.test (tests/reference/effects_lm.R)."""

import numpy as np
import pytest
from refdata import load_reference

from kneestudy.effects import responders
from kneestudy.errors import AnalysisError
from test_effects._cohorts import reference_cohort

REF = load_reference("effects_lm")["responders"]
RTOL = 1e-10  # closed forms


@pytest.mark.parametrize(
    ("key", "name", "outcome", "treatment"),
    [
        ("two_arm_pain_w12", "effects_two_arm", "pain", None),
        ("dropout_recovered_w12", "effects_dropout", "recovered", "quadriceps_strengthening"),
    ],
)
def test_matches_r(key, name, outcome, treatment):
    r = REF[key]
    res = responders(reference_cohort(name), outcome, 12, treatment=treatment)
    assert (res.events_treatment, res.n_treatment) == (r["a"], r["n1"])
    assert (res.events_comparator, res.n_comparator) == (r["c"], r["n2"])
    for f in ("log_rr", "log_rr_se", "log_or", "log_or_se", "rd", "rd_se", "rd_ci_low",
              "rd_ci_high", "nnt", "nnt_ci_low", "nnt_ci_high"):  # fmt: skip
        assert getattr(res, f) == pytest.approx(r[f], rel=RTOL), f
    assert res.rr == pytest.approx(np.exp(r["log_rr"]), rel=RTOL)
    assert res.rr_ci_low == pytest.approx(np.exp(r["log_rr"] - 1.959963984540054 * r["log_rr_se"]))


def test_nnt_crossing_infinity():
    res = responders(
        reference_cohort("effects_dropout"), "recovered", 12, treatment="quadriceps_strengthening"
    )
    assert res.nnt_crosses_infinity
    assert res.nnt_ci_low > 0 > res.nnt_ci_high
    assert "∞" in res.nnt_text and "NNTB" in res.nnt_text and "NNTH" in res.nnt_text


def test_nnt_benefit():
    res = responders(reference_cohort("effects_two_arm"), "pain", 12)
    assert not res.nnt_crosses_infinity
    assert res.nnt_ci_low < res.nnt < res.nnt_ci_high
    assert res.nnt_text.startswith("NNTB 4.0")


def test_missing_counted():
    c = reference_cohort("effects_dropout")
    res = responders(c, "pain", 26, treatment="quadriceps_strengthening")
    n_arm = (c.participants["intervention"] == "quadriceps_strengthening").sum()
    assert res.n_missing_treatment > 0
    assert res.n_missing_treatment + res.n_treatment == n_arm


def test_zero_cell_correction(two_arm):
    v = two_arm.visits.copy()
    uc = two_arm.participants.loc[
        two_arm.participants["intervention"] == "usual_care", "participant_id"
    ]
    v.loc[v["participant_id"].isin(set(uc)) & (v["week"] == 12), "grc"] = 1  # no comparator event
    res = responders(two_arm.with_tables(visits=v), "recovered", 12)
    assert res.continuity_correction == 0.5
    a, n1, n2 = res.events_treatment, res.n_treatment, res.n_comparator
    # metafor: 1/2 added to every cell of the table
    exp = np.log((a + 0.5) * (n2 + 0.5) / ((n1 - a + 0.5) * 0.5))
    assert res.log_or == pytest.approx(exp, rel=1e-12)


def test_bad_input(two_arm):
    with pytest.raises(AnalysisError, match="unknown responder outcome"):
        responders(two_arm, "grc", 12)
    with pytest.raises(AnalysisError, match="not a visit"):
        responders(two_arm, "pain", 5)
    v = two_arm.visits.copy()
    v.loc[v["week"] == 12, "grc"] = 7
    with pytest.raises(AnalysisError, match="no standard error"):
        responders(two_arm.with_tables(visits=v), "recovered", 12)
