"""ANCOVA and unadjusted mean differences against R (tests/reference/effects_lm.R)."""

import dataclasses

import numpy as np
import pytest
from refdata import load_reference

from kneestudy.effects import ancova, mean_difference
from kneestudy.errors import AnalysisError
from test_effects._cohorts import reference_cohort, small_trial

REF = load_reference("effects_lm")
# lm and t.test are closed forms: agreement to floating-point rounding.
RTOL = 1e-9
CASES = [
    ("effects_two_arm", "pain", 12),
    ("effects_two_arm", "akps", 6),
    ("effects_dropout", "pain", 12),
    ("effects_dropout", "pain", 26),
]
FIELDS = ("estimate", "se", "df", "p_value", "ci_low", "ci_high")


def _check(res, ref):
    for f in FIELDS:
        assert getattr(res, f) == pytest.approx(ref[f], rel=RTOL, abs=1e-13), f


@pytest.mark.parametrize(("name", "outcome", "week"), CASES)
def test_ancova_matches_lm(name, outcome, week):
    c = reference_cohort(name)
    ref = REF[f"{name}_{outcome}_w{week}"]
    for treatment, r in ref["ancova"].items():
        res = ancova(c, outcome, week, treatment=treatment)
        _check(res, r)
        assert res.n_treatment + res.n_comparator == res.n
        sd = ref["pooled_baseline_sd"]
        assert res.sd_used == pytest.approx(sd, rel=RTOL)
        assert res.smd == pytest.approx(r["estimate"] / sd, rel=RTOL)


@pytest.mark.parametrize(("name", "outcome", "week"), CASES)
@pytest.mark.parametrize("hc", ["HC0", "HC1", "HC2", "HC3"])
def test_ancova_robust_matches_sandwich(name, outcome, week, hc):
    c = reference_cohort(name)
    for treatment, r in REF[f"{name}_{outcome}_w{week}"]["robust"].items():
        _check(ancova(c, outcome, week, treatment=treatment, robust=hc), r[hc])


def test_ancova_covariates():
    c = reference_cohort("effects_dropout")
    for treatment, r in REF["effects_dropout_pain_w12"]["covariates"].items():
        _check(ancova(c, "pain", 12, treatment=treatment, covariates=("age", "sex")), r)


@pytest.mark.parametrize(("name", "outcome", "week"), CASES)
@pytest.mark.parametrize("var_equal", [False, True])
@pytest.mark.parametrize("change", [False, True])
def test_mean_difference_matches_t_test(name, outcome, week, var_equal, change):
    c = reference_cohort(name)
    key = f"{'pooled' if var_equal else 'welch'}_{'change' if change else 'value'}"
    for treatment, r in REF[f"{name}_{outcome}_w{week}"]["ttest"].items():
        res = mean_difference(c, outcome, week, treatment, change=change, var_equal=var_equal)
        _check(res, r[key])


def test_result_object(two_arm):
    res = ancova(two_arm, "pain", 12)
    f = res.to_frame()
    assert f.loc[0, "estimate"] == res.estimate  # full precision, not rounded
    assert "<table" in res._repr_html_()
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.estimate = 0


def test_missing_counted(dropout):
    res = ancova(dropout, "pain", 12, treatment="quadriceps_strengthening")
    assert res.n_missing > 0
    assert res.n_missing + REF["effects_dropout_pain_w12"]["n"] == len(dropout.participants)


def test_bad_input(two_arm, dropout):
    with pytest.raises(AnalysisError, match="unknown outcome"):
        ancova(two_arm, "height", 12)
    with pytest.raises(AnalysisError, match="not a visit"):
        ancova(two_arm, "pain", 13)
    with pytest.raises(AnalysisError, match="unknown treatment"):
        ancova(two_arm, "pain", 12, treatment="orthotics")
    with pytest.raises(AnalysisError, match="name one"):
        ancova(dropout, "pain", 12)
    with pytest.raises(AnalysisError, match="robust"):
        ancova(two_arm, "pain", 12, robust="HC9")
    # single arm
    one = two_arm.with_tables(
        participants=two_arm.participants[two_arm.participants["intervention"] == "usual_care"]
    )
    with pytest.raises(AnalysisError, match="single arm"):
        ancova(one, "pain", 12)
    # an arm with no data at the week
    v = two_arm.visits.copy()
    gl = set(
        two_arm.participants.loc[
            two_arm.participants["intervention"] != "usual_care", "participant_id"
        ]
    )
    v.loc[v["participant_id"].isin(gl) & (v["week"] == 12), "pain"] = np.nan
    with pytest.raises(AnalysisError, match="no 'pain' data"):
        ancova(two_arm.with_tables(visits=v), "pain", 12)
    # zero variance
    v = two_arm.visits.copy()
    v.loc[v["week"] == 12, "pain"] = 3.0
    with pytest.raises(AnalysisError, match="zero variance"):
        ancova(two_arm.with_tables(visits=v), "pain", 12)
    # n = 1 per arm
    tiny = small_trial(n=2)
    with pytest.raises(AnalysisError):
        ancova(tiny, "pain", 12)
    with pytest.raises(AnalysisError, match="at least 2"):
        mean_difference(tiny, "pain", 12)


def test_immediate_effect_is_ancova_at_the_first_follow_up(two_arm):
    from kneestudy.effects import ancova, first_follow_up, immediate_effect

    assert first_follow_up(two_arm) == 2.0
    r = immediate_effect(two_arm)
    a = ancova(two_arm, "pain", 2.0)
    assert (r.estimate, r.se, r.week) == (a.estimate, a.se, 2.0)
    assert r.method.startswith("immediate effect (first follow-up, week 2)")
    v = two_arm.visits.copy()
    v.loc[v["week"] == 2, "pain"] = np.nan  # no pain at week 2: the first follow-up is week 6
    assert first_follow_up(two_arm.with_tables(visits=v)) == 6.0


def test_covariate_outside_the_schema_is_read_from_participants(two_arm):
    p = two_arm.participants.copy()
    p["knee_angle"] = np.linspace(0, 10, len(p))  # a column Cohort.long does not carry
    c = two_arm.with_tables(participants=p)
    r = ancova(c, "pain", 12, covariates=["knee_angle"])
    assert "knee_angle" in r.method and np.isfinite(r.estimate)
