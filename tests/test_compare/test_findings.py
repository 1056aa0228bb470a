"""kneestudy.compare.findings: the summary-of-findings table."""

from __future__ import annotations

import math
import warnings

import pytest
from _studies import arm, contrast, study
from standins import make_cohort

from kneestudy import compare_ideas
from kneestudy.compare.findings import SOF_COLUMNS
from kneestudy.survival import kaplan_meier, time_to_pain_free

HIP = (("Hip", "glute_strengthening"), ("Usual care", "usual_care"))


def _cmp(s, outcome="pain", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare_ideas(s, outcome, **kw)


def test_continuous_outcome_comparator_mean_and_corresponding_mean():
    """The comparator's mean is the usual-care arm's mean pain at the week analysed
    (12); with the idea it is that mean plus the MD."""
    cohort = make_cohort(arms=HIP)
    cmp = _cmp(study(cohorts=[cohort]))
    sof = cmp.summary_of_findings()
    assert list(sof.columns) == SOF_COLUMNS and list(sof["idea"])[0] == "glute_strengthening"
    p = cohort.participants
    uc = p.loc[p["intervention"] == "usual_care", "participant_id"]
    v = cohort.visits
    base = v.loc[(v["week"] == 12) & v["participant_id"].isin(uc), "pain"].mean()
    g = sof.set_index("idea").loc["glute_strengthening"]
    t = cmp.table.set_index("idea").loc["glute_strengthening"]
    assert g["comparator_value"] == pytest.approx(base)
    assert g["intervention_value"] == pytest.approx(base + t["estimate"])
    assert (g["absolute_effect"], g["absolute_ci_low"]) == (t["estimate"], t["ci_low"])
    assert g["comparator_unit"] == "points on the 0–10 pain scale"
    assert "hip-test" in g["comparator_basis"]
    assert math.isnan(sof.set_index("idea").loc["stretching", "absolute_effect"])  # no evidence


def test_binary_outcome_risks_per_thousand():
    """One trial, orthotics 22/40 against flat inserts 14/40 recovered: the comparator
    risk is 350 per 1,000; OR = (22/18)/(14/26); OR·p0/(1 − p0 + OR·p0) gives back 22/40,
    550 per 1,000, 200 more."""
    s = study(arms=[
        arm("r", "orthotics", 40, None, None, outcome="recovered", events=22),
        arm("r", "flat_insert", 40, None, None, outcome="recovered", events=14),
    ])  # fmt: skip
    sof = _cmp(s, "recovered").summary_of_findings().set_index("idea").loc["orthotics"]
    assert sof["comparator_value"] == pytest.approx(350.0)
    assert sof["relative_effect"] == pytest.approx((22 / 18) / (14 / 26))
    assert sof["intervention_value"] == pytest.approx(550.0)
    assert sof["absolute_effect"] == pytest.approx(200.0)
    assert sof["absolute_ci_low"] < 200 < sof["absolute_ci_high"]
    assert sof["relative_measure"] == "odds ratio" and sof["comparator_unit"] == "per 1,000"


def test_time_to_event_risk_from_the_hazard_ratio():
    cohort = make_cohort(n_per_arm=30, arms=HIP)
    v = cohort.visits.copy()  # a few on usual care become pain-free at week 12 too
    uc = cohort.participants.loc[
        cohort.participants["intervention"] == "usual_care", "participant_id"
    ]
    v.loc[v["participant_id"].isin(uc.iloc[1:6]) & (v["week"] == 12), "pain"] = 0.5
    cohort = cohort.with_tables(visits=v)
    cmp = _cmp(study(cohorts=[cohort]), "pain_free")
    sof = cmp.summary_of_findings().set_index("idea").loc["glute_strengthening"]
    tt = time_to_pain_free(cohort)
    uc = tt[tt["arm"] == "Usual care"]
    p0 = 1 - float(kaplan_meier(uc["time_weeks"], uc["observed"]).at([12.0])["survival"].iloc[0])
    assert sof["comparator_value"] == pytest.approx(1000 * p0)
    hr = sof["relative_effect"]
    assert sof["relative_measure"] == "hazard ratio"
    assert sof["intervention_value"] == pytest.approx(1000 * (1 - (1 - p0) ** hr))


def test_smd_has_no_comparator_mean():
    s = study([contrast("s", "orthotics", "flat_insert", -0.4, 0.2, measure="SMD",
                        outcome="function")])  # fmt: skip
    sof = _cmp(s, "function").summary_of_findings().set_index("idea").loc["orthotics"]
    assert math.isnan(sof["comparator_value"]) and sof["absolute_effect"] == pytest.approx(-0.4)
    assert sof["absolute_unit"] == "standard deviations (SMD)"


def test_a_diverging_cox_estimate_is_set_aside():
    """Nobody on usual care becomes pain-free in the stand-in cohort: the log hazard ratio
    diverges, and the row is set aside with that reason, not used."""
    cmp = _cmp(study(cohorts=[make_cohort(arms=HIP)]), "pain_free")
    row = cmp.contrasts.iloc[0]
    assert row["status"] == "set aside" and "diverges" in row["reason"]
