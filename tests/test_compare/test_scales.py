"""kneestudy.compare.scales: one scale per outcome, Hedges' g, the reference SD."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from _studies import arm, study
from standins import make_cohort

from kneestudy.compare.scales import hedges_g, pooled_sd, reference_sd, scale_for
from kneestudy.errors import AnalysisError
from kneestudy.meta.pairwise import pairwise


def test_scales_per_outcome():
    pain = scale_for("pain")
    assert (pain.measure, pain.mcid, pain.lower_is_better) == ("MD", 2.0, True)
    assert "Crossley" in pain.mcid_source and not pain.mcid_assumed
    assert pain.benefit_threshold == -2.0 and pain.harm_threshold == 2.0
    akps = scale_for("akps")
    assert (akps.measure, akps.mcid, akps.benefit_threshold) == ("MD", 10.0, 10.0)
    assert scale_for("function").measure == "SMD" and scale_for("function").mcid_assumed
    rec = scale_for("recovered")
    assert rec.ratio and rec.mcid == pytest.approx(math.log(1.5)) and rec.mcid_assumed
    assert scale_for("pain_free").measure == "logHR"
    smd = scale_for("pain", "SMD")
    assert smd.measure == "SMD" and smd.lower_is_better and smd.mcid_assumed
    assert scale_for("pain", mcid=1.16).mcid_source == "given by the user"
    for bad in [dict(outcome="sleep"), dict(outcome="recovered", scale="SMD"),
                dict(outcome="pain", mcid=-1)]:  # fmt: skip
        with pytest.raises(AnalysisError):
            scale_for(**bad)


def test_hedges_g_is_escalcs_smd_with_the_pooled_sd():
    """With the pooled follow-up SD and its MD's standard error, hedges_g reproduces
    metafor's escalc("SMD") (vtype "LS"), as kneestudy.meta.pairwise does (checked
    against R in test_pairwise)."""
    arms = pd.DataFrame({"study": ["s", "s"], "treatment": ["a", "b"], "n": [20, 25],
                         "mean": [3.0, 4.2], "sd": [1.8, 2.1]})  # fmt: skip
    ref = pairwise(arms, "SMD").iloc[0]
    sp, _ = pooled_sd([20, 25], [1.8, 2.1])
    se_md = sp * math.sqrt(1 / 20 + 1 / 25)
    g, se = hedges_g(3.0 - 4.2, se_md, sp, 20, 25)
    assert g == pytest.approx(ref["TE"], rel=1e-12)
    assert se == pytest.approx(ref["seTE"], rel=1e-12)
    with pytest.raises(AnalysisError):
        hedges_g(1.0, 0.5, 2.0, float("nan"), 10)


def test_reference_sd_pools_baseline_sds_on_the_comparison_scale():
    """Baseline rows of a 0–100 mm VAS count divided by 10 (SD 20 mm -> 2 points); a
    WOMAC row (no points factor) does not count; cohorts pool their arms' week-0 SDs."""
    arms = [
        arm("a", "orthotics", 41, 52.0, 20.0, week=0.0, instrument="vas_0_100"),
        arm("a", "flat_insert", 41, 50.0, 20.0, week=0.0, instrument="vas_0_100"),
        arm("b", "glucosamine", 100, 9.0, 3.0, week=0.0, instrument="womac_pain_0_20"),
    ]
    sd, text = reference_sd(study(arms=arms), "pain")
    assert sd == pytest.approx(2.0)
    assert "82 participants" in text and "a" in text
    cohort = make_cohort()
    sd2, text2 = reference_sd(study(cohorts=[cohort]), "pain")
    base = cohort.visits[cohort.visits["week"] == 0].merge(cohort.participants, on="participant_id")
    g = base.groupby("intervention")["pain"]
    exp, _ = pooled_sd(g.count(), g.std())
    assert sd2 == pytest.approx(exp) and "hip-test" in text2
    nan, why = reference_sd(study(), "pain")
    assert math.isnan(nan) and "no baseline SD" in why
