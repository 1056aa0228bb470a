"""Subgroup analysis and p-value adjustment against R (tests/reference/effects_lm.R)."""

import numpy as np
import pytest
from refdata import load_reference

from kneestudy.effects import adjust_pvalues, subgroup
from kneestudy.errors import AnalysisError
from test_effects._cohorts import reference_cohort

REF = load_reference("effects_lm")
RTOL = 1e-9  # lm closed forms


@pytest.mark.parametrize(
    ("name", "week"), [("effects_two_arm", 12), ("effects_dropout", 12), ("effects_dropout", 26)]
)
def test_subgroup_matches_lm(name, week):
    c = reference_cohort(name)
    for treatment, r in REF[f"{name}_pain_w{week}"]["subgroup"].items():
        res = subgroup(c, "squat_test", "pain", week, treatment=treatment)
        for _, row in res.table.iterrows():
            ref = r["levels"][row["level"]]
            for f in ("estimate", "se", "df", "p_value", "ci_low", "ci_high"):
                assert row[f] == pytest.approx(ref[f], rel=RTOL), f
        assert res.interaction_estimate == pytest.approx(r["interaction"]["estimate"], rel=RTOL)
        assert res.interaction_se == pytest.approx(r["interaction"]["se"], rel=RTOL)
        assert res.interaction_p_value == pytest.approx(r["anova_p"], rel=RTOL)
        assert res.interaction_p_value == pytest.approx(r["interaction"]["p_value"], rel=RTOL)
        assert res.interaction_statistic**2 == pytest.approx(r["anova_F"], rel=RTOL)
        assert "<table" in res._repr_html_()


@pytest.mark.parametrize("method", ["holm", "BH", "bonferroni"])
def test_adjust_pvalues_matches_p_adjust(method):
    r = REF["p_adjust"]
    p = np.array([np.nan if x is None else x for x in r["p"]])
    exp = np.array([np.nan if x is None else x for x in r[method]])
    np.testing.assert_allclose(adjust_pvalues(p, method), exp, rtol=1e-14)


def test_bad_input(two_arm):
    with pytest.raises(AnalysisError, match="unknown subgroup"):
        subgroup(two_arm, by="shoe_size")
    with pytest.raises(AnalysisError, match="unknown method"):
        adjust_pvalues([0.1], "hommel")
    with pytest.raises(AnalysisError, match=r"\[0, 1\]"):
        adjust_pvalues([1.5])
    p = two_arm.participants.copy()
    p["squat_test"] = p["squat_test"].where(p["intervention"] == "usual_care", "pass")
    with pytest.raises(AnalysisError, match="no participants in arm"):
        subgroup(two_arm.with_tables(participants=p), by="squat_test")
