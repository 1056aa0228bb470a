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


def _set_week(cohort, week, values):
    """A copy whose ``week`` pain values (per participant id) are replaced."""
    v = cohort.visits.copy()
    at = v["week"] == week
    v.loc[at, "pain"] = v.loc[at, "participant_id"].map(values).fillna(v.loc[at, "pain"])
    return cohort.with_tables(visits=v)


def test_exact_two_point_drop_is_a_response(two_arm):
    # 5.1 - 3.1 == 1.9999999999999996 in binary floating point: still a 2-point drop
    assert 5.1 - 3.1 < 2.0
    treated = set(two_arm.participants.query("intervention != 'usual_care'")["participant_id"])
    v = two_arm.visits.copy()
    mine = v["participant_id"].isin(treated)
    v.loc[mine & (v["week"] == 0), "pain"] = 5.1
    v.loc[mine & (v["week"] == 12), "pain"] = 3.1
    res = responders(two_arm.with_tables(visits=v), "pain", 12)
    assert res.events_treatment == res.n_treatment == len(treated)
    assert "resolution, 3 decimals" in res.definition  # the reference data: 0.001
    # a drop of 1.9 is not a response
    v.loc[mine & (v["week"] == 12), "pain"] = 3.2
    res = responders(two_arm.with_tables(visits=v), "pain", 12)
    assert res.events_treatment == 0


def test_akps_resolution(two_arm):
    treated = set(two_arm.participants.query("intervention != 'usual_care'")["participant_id"])
    v = two_arm.visits.copy()
    v["akps"] = np.round(v["akps"], 1)
    mine = v["participant_id"].isin(treated)
    v.loc[mine & (v["week"] == 0), "akps"] = 60.1
    v.loc[mine & (v["week"] == 12), "akps"] = 70.1
    assert 70.1 - 60.1 < 10
    res = responders(two_arm.with_tables(visits=v), "akps", 12)
    assert res.events_treatment == res.n_treatment


def test_demo_exact_drops_all_classified_as_responses():
    import kneestudy as ks
    from kneestudy.effects.responders import responder_table

    for c in ks.datasets.demo_study().cohorts:
        codes = list(c.arms["intervention"])
        long = c.long("pain")
        for week in sorted(set(long["week"]) - {0}):
            frame, _ = responder_table(c, "pain", week, codes)
            wk = long[long["week"] == week].set_index("participant_id")
            drop = (wk["baseline"] - wk["pain"]).reindex(frame["participant_id"]).to_numpy()
            exact = np.isclose(drop, 2.0)
            assert (frame["event"].to_numpy()[exact] == 1).all()


def test_dropouts_as_non_responders(dropout):
    c = dropout
    t = "quadriceps_strengthening"
    obs = responders(c, "pain", 26, treatment=t)
    nri = responders(c, "pain", 26, treatment=t, missing="non_responder")
    n_arm = int((c.participants["intervention"] == t).sum())
    n_comp = int((c.participants["intervention"] == "usual_care").sum())
    assert obs.missing == "observed" and nri.missing == "non_responder"
    assert nri.n_treatment == n_arm and nri.n_comparator == n_comp
    assert nri.events_treatment == obs.events_treatment
    assert nri.n_missing_treatment == obs.n_missing_treatment > 0
    assert nri.risk_treatment == pytest.approx(obs.events_treatment / n_arm, rel=1e-15)
    assert "non-responders" in nri.definition and "complete cases" in obs.definition
    with pytest.raises(AnalysisError, match="missing must be one of"):
        responders(c, "pain", 26, treatment=t, missing="locf")
