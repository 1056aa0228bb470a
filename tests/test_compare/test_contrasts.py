"""kneestudy.compare.contrasts and .arms: every row, one scale, one window, one source."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from _studies import arm, contrast, study
from standins import make_cohort

from kneestudy.compare import study_contrasts
from kneestudy.compare.scales import hedges_g


def _one(rows: pd.DataFrame, **match) -> pd.Series:
    hit = rows
    for k, v in match.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def _every_row_has_status_and_reason(rows: pd.DataFrame) -> None:
    assert set(rows["status"]) <= {"used", "set aside"}
    assert (rows["reason"].str.len() > 0).all()


def test_one_time_point_per_comparison_nearest_the_target_ties_later():
    """Window weeks 4–20, target 12: weeks 10 and 14 are equally near, the later (14) is used; a
    comparison with one row in the window keeps it, whatever other comparisons do (no
    global duplicated())."""
    s = study([
        contrast("s1", "orthotics", "flat_insert", -0.5, 0.3, week=10.0),
        contrast("s1", "orthotics", "flat_insert", -0.8, 0.3, week=14.0),
        contrast("s1", "orthotics", "flat_insert", -0.6, 0.3, week=24.0),
        contrast("s2", "stretching", "usual_care", -0.3, 0.4, week=6.0),
        contrast("s2", "glute_strengthening", "usual_care", -1.0, 0.4, week=12.0),
    ])  # fmt: skip
    rows = study_contrasts(s, "pain", "medium")  # (13, 52), target 26: week 24 is nearest
    assert list(rows.loc[rows["status"] == "used", "week"]) == [24.0]
    rows = study_contrasts(s, "pain", (4, 20, 12))
    s1 = rows[rows["study_id"] == "s1"].set_index("week")
    assert s1.loc[14.0, "status"] == "used"
    assert s1.loc[10.0, "status"] == "set aside" and "week 14" in s1.loc[10.0, "reason"]
    assert "nearer the target week 12" in s1.loc[10.0, "reason"]
    assert "outside the window" in s1.loc[24.0, "reason"]
    # s2's two comparisons are at different weeks and both used
    assert (rows.loc[rows["study_id"] == "s2", "status"] == "used").all()
    _every_row_has_status_and_reason(rows)


def test_week_shortcut_never_uses_rows_outside_its_window():
    s = study([contrast("s1", "orthotics", "flat_insert", -0.5, 0.3, week=4.0),
               contrast("s2", "orthotics", "flat_insert", -0.2, 0.3, week=52.0)])  # fmt: skip
    rows = study_contrasts(s, "pain", week=52)
    used = rows[rows["status"] == "used"]
    assert list(used["week"]) == [52.0]
    assert "outside the window 12 months or longer" in _one(rows, study_id="s1")["reason"]


def test_instruments_are_put_on_points_and_unknown_ones_are_assumed():
    """A VAS in mm is divided by 10; KOOS pain (higher is better) changes sign after
    standardising by the trial's baseline SD; a row with no instrument is taken as it is."""
    s = study(
        [
            contrast("vas", "orthotics", "flat_insert", -12.0, 4.0, instrument="vas_0_100"),
            contrast("none", "orthotics", "flat_insert", -1.0, 0.4),
            contrast("akps-row", "orthotics", "flat_insert", 5.0, 2.0, instrument="akps"),
        ],
    )
    rows = study_contrasts(s, "pain", reference_sd=2.0)
    vas = _one(rows, study_id="vas")
    assert (vas["estimate"], vas["se"]) == (pytest.approx(-1.2), pytest.approx(0.4))
    assert "multiplied by 0.1" in vas["note"]
    assert "taken to be on the comparison scale (assumption)" in _one(rows, study_id="none")["note"]
    bad = _one(rows, study_id="akps-row")
    assert bad["status"] == "set aside" and "measures akps, not pain" in bad["reason"]


def test_smd_rows_are_re_expressed_with_the_reference_sd_or_set_aside():
    """An SMD of −0.5 (SE 0.2) with a reference SD of 2 points is −1.0 (SE 0.4) points
    (GRADE guidelines 13); without a reference SD it is set aside."""
    s = study([contrast("smd", "glucosamine", "placebo", -0.5, 0.2, measure="SMD")])
    rows = study_contrasts(s, "pain", reference_sd=2.0)
    r = _one(rows, study_id="smd")
    assert (r["estimate"], r["se"]) == (pytest.approx(-1.0), pytest.approx(0.4))
    assert "reference SD" in r["note"]
    rows = study_contrasts(s, "pain")  # the study has no baseline SD at all
    r = _one(rows, study_id="smd")
    assert r["status"] == "set aside" and "no reference SD" in r["reason"]


def test_an_md_without_points_is_standardised_by_the_published_baseline_sd():
    """WOMAC pain 0–20 has no 0–10 factor: MD −1.2 (SE 0.5, n 50 + 50) over the trial's
    baseline SD 4 is Hedges' g, times the reference SD 2; KOOS pain turns the sign."""
    s = study(
        [
            contrast(
                "w",
                "glucosamine",
                "placebo",
                -1.2,
                0.5,
                instrument="womac_pain_0_20",
                n_treatment=50,
                n_comparator=50,
            ),
            contrast(
                "k",
                "glucosamine",
                "placebo",
                6.0,
                2.5,
                instrument="koos_pain",
                n_treatment=50,
                n_comparator=50,
            ),
            contrast("nobase", "glucosamine", "placebo", -1.0, 0.5, instrument="womac_pain_0_20"),
        ],  # fmt: skip
        arms=[
            arm("w", "glucosamine", 50, 9.0, 4.0, week=0.0, instrument="womac_pain_0_20"),
            arm("w", "placebo", 50, 9.2, 4.0, week=0.0, instrument="womac_pain_0_20"),
            arm("k", "glucosamine", 50, 55.0, 15.0, week=0.0, instrument="koos_pain"),
            arm("k", "placebo", 50, 54.0, 15.0, week=0.0, instrument="koos_pain"),
        ],
    )
    rows = study_contrasts(s, "pain", reference_sd=2.0)
    g, gse = hedges_g(-1.2, 0.5, 4.0, 50, 50)
    w = _one(rows, study_id="w", origin="contrast")
    assert w["estimate"] == pytest.approx(2.0 * g) and w["se"] == pytest.approx(2.0 * gse)
    gk, _ = hedges_g(6.0, 2.5, 15.0, 50, 50)
    k = _one(rows, study_id="k", origin="contrast")
    assert k["estimate"] == pytest.approx(-2.0 * gk) and "sign turned" in k["note"]
    nb = _one(rows, study_id="nobase")
    assert nb["status"] == "set aside" and "baseline SD" in nb["reason"]
    # the baseline arm rows are kept, set aside, with their reason
    base = rows[(rows["origin"] == "arm summaries")]
    assert (base["status"] == "set aside").all()
    assert base["reason"].str.contains("baseline").all()


def test_arm_summaries_give_every_pair_of_a_multi_arm_trial():
    """Three arms at week 12 (mm VAS) give three consistent pairs; their SEs come from the
    arms' SDs (sqrt(s1²/n1 + s2²/n2), divided by 10)."""
    s = study(arms=[
        arm("w", "taping+quadriceps_strengthening", 10, 11.0, 15.0, instrument="vas_0_100"),
        arm("w", "sham+quadriceps_strengthening", 10, 24.0, 15.0, instrument="vas_0_100"),
        arm("w", "quadriceps_strengthening", 10, 29.0, 15.0, instrument="vas_0_100"),
    ])  # fmt: skip
    rows = study_contrasts(s, "pain")
    used = rows[rows["status"] == "used"]
    assert len(used) == 3 and set(used["origin"]) == {"arm summaries"}
    tq = _one(
        used, treatment="taping+quadriceps_strengthening", comparator="quadriceps_strengthening"
    )
    assert tq["estimate"] == pytest.approx(-1.8)
    assert tq["se"] == pytest.approx(math.sqrt(2 * 15.0**2 / 10) / 10)
    te = dict(zip(zip(used["treatment"], used["comparator"], strict=True), used["estimate"],
                  strict=True))  # fmt: skip
    a = te[("taping+quadriceps_strengthening", "sham+quadriceps_strengthening")]
    b = te[("sham+quadriceps_strengthening", "quadriceps_strengthening")]
    assert a + b == pytest.approx(tq["estimate"])


def test_arm_summaries_sd_from_se_ci_and_unusable_arms():
    s = study(arms=[
        arm("se", "orthotics", 25, 3.0, None, published_se=0.4),
        arm("se", "flat_insert", 25, 3.5, 2.0),
        arm("ci", "orthotics", 16, 3.0, None, published_ci_low=2.0, published_ci_high=4.0),
        arm("ci", "flat_insert", 16, 3.6, 2.0),
        arm("single", "running_form", 10, 1.0, None),
        arm("nosd", "stretching", 12, 3.0, None),
        arm("nosd", "usual_care", 12, 3.4, 2.0),
    ])  # fmt: skip
    rows = study_contrasts(s, "pain")
    se = _one(rows, study_id="se", status="used")
    assert se["se"] == pytest.approx(math.sqrt((0.4**2 * 25) / 25 + 4.0 / 25))
    assert "SD derived from the published SE" in se["note"]
    ci = _one(rows, study_id="ci", status="used")
    from scipy.stats import t

    sd = 4.0 * (4.0 - 2.0) / (2 * t.ppf(0.975, 15))
    assert ci["se"] == pytest.approx(math.sqrt(sd**2 / 16 + 4.0 / 16))
    assert "single-arm study" in _one(rows, study_id="single")["reason"]
    nosd = rows[rows["study_id"] == "nosd"]
    assert (nosd["status"] == "set aside").all()
    assert nosd["reason"].str.contains("fewer than two arms").all()
    assert nosd["reason"].str.contains("SD not reported").any()


def test_one_source_per_trial():
    """Individual data win over the trial's published rows; of contrasts and arm summaries
    the one covering more arms is used."""
    cohort = make_cohort(cohort_id="hip-test")
    s = study(
        contrasts=[
            contrast(
                "hip-test", "glute_strengthening+quadriceps_strengthening", "usual_care", -2.0, 0.5
            ),
            contrast("w", "taping+quadriceps_strengthening", "quadriceps_strengthening", -1.5, 0.6),
        ],  # fmt: skip
        arms=[
            arm("w", "taping+quadriceps_strengthening", 10, 1.1, 1.5),
            arm("w", "sham+quadriceps_strengthening", 10, 2.4, 1.5),
            arm("w", "quadriceps_strengthening", 10, 2.9, 1.5),
        ],
        cohorts=[cohort],
    )
    rows = study_contrasts(s, "pain")
    lit = _one(rows, study_id="hip-test", origin="contrast")
    assert lit["status"] == "set aside" and "individual participant data" in lit["reason"]
    ipd = rows[(rows["study_id"] == "hip-test") & (rows["origin"] == "cohort")]
    assert (ipd["status"] == "used").all() and (ipd["week"] == 12.0).all()
    w = rows[rows["study_id"] == "w"]
    assert (w.loc[w["origin"] == "arm summaries", "status"] == "used").all()
    c = _one(w, origin="contrast")
    assert c["status"] == "set aside" and "arm summaries are used" in c["reason"]
    _every_row_has_status_and_reason(rows)


def test_inconsistent_multi_arm_contrasts_keep_the_star_around_the_hub():
    """A−C = −1, B−C = −0.5 but A−B = +2 (from another analysis): A−B is set aside."""
    s = study([
        contrast("m", "orthotics", "flat_insert", -1.0, 0.3),
        contrast("m", "knee_brace", "flat_insert", -0.5, 0.3),
        contrast("m", "orthotics", "knee_brace", 2.0, 0.3),
    ])  # fmt: skip
    rows = study_contrasts(s, "pain")
    bad = _one(rows, comparator="knee_brace")
    assert bad["status"] == "set aside" and "not consistent" in bad["reason"]
    assert "the contrasts against 'flat_insert' are used" in bad["reason"]
    assert (rows["status"] == "used").sum() == 2


def test_binary_and_time_to_event_rules():
    s = study([
        contrast("rr", "orthotics", "flat_insert", 0.39, 0.15, outcome="recovered", measure="logRR"),
        contrast("or", "orthotics", "flat_insert", 0.50, 0.25, outcome="recovered", measure="logOR"),
        contrast("hr", "orthotics", "flat_insert", 0.30, 0.20, outcome="pain_free", measure="logHR",
                 week=np.nan),
    ], arms=[
        arm("ev", "orthotics", 40, None, None, outcome="recovered", events=22),
        arm("ev", "flat_insert", 40, None, None, outcome="recovered", events=14),
    ])  # fmt: skip
    rows = study_contrasts(s, "recovered")
    assert "without the arms' risks" in _one(rows, study_id="rr")["reason"]
    assert _one(rows, study_id="or")["status"] == "used"
    ev = _one(rows, study_id="ev", status="used")
    assert ev["estimate"] == pytest.approx(math.log((22 / 18) / (14 / 26)))
    assert ev["se"] == pytest.approx(math.sqrt(1 / 22 + 1 / 18 + 1 / 14 + 1 / 26))
    tte = study_contrasts(s, "pain_free", window="long")  # the window does not apply
    r = _one(tte, study_id="hr")
    assert r["status"] == "used" and "time to event" in r["reason"]


def test_cohorts_use_their_visit_nearest_the_target_in_the_window():
    cohort = make_cohort(
        arms=(
            ("Hip", "glute_strengthening"),
            ("Knee", "quadriceps_strengthening"),
            ("Usual", "usual_care"),
        ),  # fmt: skip
    )
    s = study(cohorts=[cohort])
    rows = study_contrasts(s, "pain", "short")
    used = rows[rows["status"] == "used"]
    assert len(used) == 3 and (used["week"] == 12.0).all()  # all pairs, one model, week 12
    early = study_contrasts(s, "pain", (1, 6))
    assert (early.loc[early["status"] == "used", "week"] == 4.0).all()
    late = study_contrasts(s, "pain", "long")
    assert (late["status"] == "set aside").all() and "no visit in the window" in late[
        "reason"
    ].iloc[0]
    smd = study_contrasts(s, "pain", scale="SMD")
    assert (smd.loc[smd["status"] == "used", "measure"] == "SMD").all()
    assert smd["note"].str.contains("pooled baseline SD").all()
