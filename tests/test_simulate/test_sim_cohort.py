"""kneestudy.simulate.cohort: calibration, effects, structure, determinism, validity.

Monte-Carlo tolerances are 4 standard errors of the simulated estimate (a
false alarm about once in 16,000 checks), plus a small allowance named where
it applies.
"""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest

import kneestudy as ks
from kneestudy.errors import AnalysisError
from kneestudy.simulate._model import DEFAULT_DESIGNS

IDEAS_AND_TAPING = [*ks.IDEAS, "taping"]
GLUTE_3_ARM = [
    "glute_strengthening+quadriceps_strengthening",
    "quadriceps_strengthening",
    "usual_care",
]


def _arm_week(cohort, outcome="pain"):
    """Visits grouped by (intervention, week) for ``outcome`` (cheaper than Cohort.long)."""
    v = cohort.visits
    arm = v["participant_id"].map(cohort.participants.set_index("participant_id")["intervention"])
    return v, v.groupby([arm.rename("intervention"), v["week"]])[outcome]


# -- natural history ----------------------------------------------------------


def test_comparator_recovery_matches_collins_2013(big_cohort):
    """GRC >= 6 in the control arm: 45% at 12 weeks, 60% at 52 (Collins 2013)."""
    c = big_cohort("orthotics", arms=("orthotics", "wait_and_see"))
    long = c.long()
    ctrl = long[long["intervention"] == "wait_and_see"]
    for week, target in ((12.0, 0.45), (52.0, 0.60)):
        grc = ctrl.loc[ctrl["week"] == week, "grc"].astype(float)
        assert grc.notna().all()
        share = float((grc >= 6).mean())
        se = np.sqrt(target * (1 - target) / len(grc))
        assert abs(share - target) < 4 * se, (week, share)
    t = c.truth["by_arm_week"].set_index(["arm", "week"])
    # the calibration is closed-form: exact to floating point
    assert t.loc[("wait_and_see", 12.0), "recovered"] == pytest.approx(0.45, abs=1e-12)
    assert t.loc[("wait_and_see", 52.0), "recovered"] == pytest.approx(0.60, abs=1e-12)


# -- effects by idea ------------------------------------------------------------


@pytest.mark.parametrize("idea", IDEAS_AND_TAPING)
def test_mean_effect_matches_truth(big_cohort, idea):
    """Difference of arm means (all randomised, no dropout) vs the true difference."""
    c = big_cohort(idea)
    treatment, comparator = DEFAULT_DESIGNS[idea]
    truth = c.truth["by_arm_week"].set_index(["arm", "week"])
    _, g = _arm_week(c)
    means, var, n = g.mean(), g.var(), g.size()
    for week in c.manifest.visit_weeks[1:]:
        diff = means[(treatment, week)] - means[(comparator, week)]
        se = np.sqrt(
            var[(treatment, week)] / n[(treatment, week)]
            + var[(comparator, week)] / n[(comparator, week)]
        )
        # 0.005: pain is recorded to 0.1 and truth integrates on a quantile grid
        assert abs(diff - truth.loc[(treatment, week), "pain_difference"]) < 4 * se + 0.005, week
        for arm in (treatment, comparator):  # levels too, not only differences
            se_arm = np.sqrt(var[(arm, week)] / n[(arm, week)])
            assert (
                abs(means[(arm, week)] - truth.loc[(arm, week), "mean_pain"]) < 4 * se_arm + 0.005
            )


@pytest.mark.parametrize("idea", IDEAS_AND_TAPING)
def test_truth_effect_is_the_parameter(big_cohort, idea):
    """The latent effect in truth is peak x profile from the parameter table, exactly."""
    from kneestudy.simulate._model import profile
    from kneestudy.simulate.parameters import value

    c = big_cohort(idea)
    treatment, comparator = DEFAULT_DESIGNS[idea]
    truth = c.truth["by_arm_week"].set_index(["arm", "week"])
    weeks = np.asarray(c.manifest.visit_weeks)
    expected = np.zeros(weeks.size)
    for arm, sign in ((treatment, 1.0), (comparator, -1.0)):
        for code in arm.split("+"):
            peak = value(f"effect.{code}.peak")
            if peak:
                expected += (
                    sign
                    * peak
                    * profile(
                        weeks,
                        *(
                            value(f"effect.{code}.{k}")
                            for k in ("onset", "hold", "decay", "persist")
                        ),
                    )
                )
    got = truth.xs(treatment, level="arm")["effect"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_recovery_by_arm_matches_truth(big_cohort):
    c = big_cohort("glute_strengthening", arms=tuple(GLUTE_3_ARM))
    truth = c.truth["by_arm_week"].set_index(["arm", "week"])
    long = c.long()
    long = long[long["week"] > 0]
    rec = (long["grc"].astype(float) >= 6).groupby([long["intervention"], long["week"]])
    for (arm, week), share in rec.mean().items():
        p = truth.loc[(arm, week), "recovered"]
        se = np.sqrt(p * (1 - p) / rec.size()[(arm, week)])
        assert abs(share - p) < 4 * se + 1e-3, (arm, week)


def test_orthotics_effect_fades_and_brace_acts_at_once():
    t = (
        ks.simulate.cohort("orthotics", n=10, seed=0)
        .truth["by_arm_week"]
        .set_index(["arm", "week"])
    )
    from kneestudy.simulate.parameters import value

    eff = t.xs("orthotics", level="arm")["effect"]
    peak = value("effect.orthotics.peak")
    assert eff[6.0] == pytest.approx(peak * (1 - np.exp(-6.0)), rel=1e-12)
    assert abs(eff[52.0]) < 0.02
    b = ks.simulate.cohort("knee_brace", n=10, seed=0).truth["by_arm_week"]
    brace = b[b["arm"] == "knee_brace"].set_index("week")["effect"]
    # full effect at the first visit
    assert brace[2.0] == pytest.approx(value("effect.knee_brace.peak"), abs=1e-6)


def test_glute_effect_larger_when_squat_test_fails(big_cohort):
    from kneestudy.simulate.parameters import value

    c = big_cohort("glute_strengthening")
    t = c.truth["by_arm_week"]
    row = t[(t["arm"] == "glute_strengthening+quadriceps_strengthening") & (t["week"] == 12)].iloc[
        0
    ]
    ratio = value("effect.glute_strengthening.squat_fail_ratio")
    assert row["effect_squat_fail"] / row["effect_squat_pass"] == pytest.approx(ratio, rel=1e-12)
    # the population mean of the two is the tabled peak
    share = value("population.squat_fail_share")
    mean = share * row["effect_squat_fail"] + (1 - share) * row["effect_squat_pass"]
    assert mean == pytest.approx(row["effect"], rel=1e-12)
    long = c.long("pain")
    wk = long[long["week"] == 12]
    diffs, ses = {}, {}
    for sq in ("fail", "pass"):
        s = wk[wk["squat_test"] == sq].groupby("intervention")["pain"]
        m, v, n = s.mean(), s.var(), s.size()
        a, b = "glute_strengthening+quadriceps_strengthening", "quadriceps_strengthening"
        diffs[sq] = m[a] - m[b]
        ses[sq] = np.sqrt(v[a] / n[a] + v[b] / n[b])
    for sq in ("fail", "pass"):  # each subgroup's difference matches its truth
        assert abs(diffs[sq] - row[f"pain_difference_squat_{sq}"]) < 4 * ses[sq] + 0.005
    # the fail-subgroup effect is more negative, by more than 4 SE of the contrast
    gap = diffs["fail"] - diffs["pass"]
    assert gap < -4 * np.hypot(ses["fail"], ses["pass"])


def test_glucosamine_near_null(big_cohort):
    t = big_cohort("glucosamine").truth["by_arm_week"]
    assert t["effect"].abs().max() <= 0.1 + 1e-12


def test_adherence_scales_effect(big_cohort):
    """Dose-response: within the orthotics arm, more adherence, less pain at week 6."""
    c = big_cohort("orthotics")
    long = c.long("pain")
    arm = long[long["intervention"] == "orthotics"]
    adh = arm[arm["week"] > 0].groupby("participant_id")["adherence"].mean()
    ch = arm[arm["week"] == 6].set_index("participant_id")["change"]
    x, y = adh.loc[ch.index].to_numpy(), ch.to_numpy()
    slope, _ = np.polyfit(x, y, 1)
    assert slope < -0.3  # expected about -1.0 / mean adherence (0.73), attenuated by noise


# -- dropout ---------------------------------------------------------------------


def test_dropout_depends_on_observed_pain(big_cohort):
    """Logistic fit of leaving before visit k on pain at visit k-1 recovers the slope 0.3."""
    c = big_cohort("stretching", dropout=0.05)
    v = c.visits.sort_values(["participant_id", "week"])
    weeks = list(c.manifest.visit_weeks)
    wd = c.participants.set_index("participant_id")["withdrawal_week"]
    rows = []
    for k in range(1, len(weeks)):
        prev = v[v["week"] == weeks[k - 1]].set_index("participant_id")["pain"]
        left = (wd.loc[prev.index] == weeks[k - 1]).to_numpy()
        rows.append(np.column_stack([prev.to_numpy() - 5.0, left]))
    data = np.vstack(rows)
    x = np.column_stack([np.ones(len(data)), data[:, 0]])
    y = data[:, 1]
    beta = np.zeros(2)
    for _ in range(30):  # Newton-Raphson for the logistic regression
        p = 1 / (1 + np.exp(-x @ beta))
        info = x.T @ (x * (p * (1 - p))[:, None])
        beta = beta + np.linalg.solve(info, x.T @ (y - p))
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    assert abs(beta[1] - 0.3) < 4 * se[1]
    assert abs(beta[0] - np.log(0.05 / 0.95)) < 4 * se[0]


def test_no_visits_after_withdrawal():
    c = ks.simulate.cohort("physical_therapy", n=400, seed=5, dropout=0.1)
    wd = c.participants.set_index("participant_id")["withdrawal_week"]
    assert wd.notna().sum() > 0
    last = c.visits.groupby("participant_id")["week"].max()
    dropped = wd.dropna()
    assert (last.loc[dropped.index] == dropped).all()
    completed = wd[wd.isna()].index
    assert (last.loc[completed] == 52).all()
    # adverse events start within each person's follow-up
    ae = c.adverse_events
    assert len(ae) > 0
    assert (ae["week"] > 0).all()
    assert (ae["week"] <= last.loc[ae["participant_id"]].to_numpy() + 1e-12).all()


# -- structure and bounds ---------------------------------------------------------


def test_tables_dtypes_and_bounds():
    c = ks.simulate.cohort("glute_strengthening", n=300, seed=2, arms=GLUTE_3_ARM)
    p, v, ae = c.participants, c.visits, c.adverse_events
    assert p["participant_id"].is_unique
    assert p["participant_id"].str.fullmatch(r"[A-Za-z0-9._-]{1,64}").all()
    assert str(p["randomized_on"].dtype) == "datetime64[ns]"
    assert list(p["sex"].cat.categories) == ["female", "male", "other"]
    assert list(p["squat_test"].cat.categories) == ["pass", "fail"]
    assert p["age"].between(12, 90).all() and p["bmi"].between(12, 60).all()
    assert (p["symptom_months"] >= 0).all() and (p["weekly_km"] >= 0).all()
    assert p.groupby("intervention").size().max() - p.groupby("intervention").size().min() <= 1
    assert str(v["grc"].dtype) == "Int64"
    assert v["pain"].between(0, 10).all() and v["akps"].between(0, 100).all()
    np.testing.assert_allclose(v["pain"] * 10, np.round(v["pain"] * 10), atol=1e-9)
    assert (v["akps"] == np.round(v["akps"])).all()
    base = v["week"] == 0
    assert v.loc[base, "grc"].isna().all() and v.loc[~base, "grc"].between(1, 7).all()
    assert v.loc[base, "adherence"].isna().all()
    assert not v.duplicated(["participant_id", "week"]).any()
    assert set(v.loc[base, "participant_id"]) == set(p["participant_id"])
    uc = set(p.loc[p["intervention"] == "usual_care", "participant_id"])
    assert v.loc[v["participant_id"].isin(uc), "adherence"].isna().all()
    dosed = v.loc[~v["participant_id"].isin(uc) & ~base, "adherence"]
    assert dosed.notna().all() and dosed.between(0, 1).all()
    assert list(ae.columns) == ["participant_id", "week", "term", "severity", "serious", "related"]
    assert str(ae["related"].dtype) == "boolean" and ae["serious"].dtype == bool
    assert set(ae["participant_id"]) <= set(p["participant_id"])
    m = c.manifest
    assert (m.source, m.seed, m.primary_outcome, m.primary_week) == ("synthetic", 2, "pain", 12.0)
    assert m.visit_weeks == (0.0, 2.0, 4.0, 6.0, 12.0, 26.0, 52.0)
    assert m.comparator == "usual_care"


def test_akps_and_grc_follow_pain(big_cohort):
    c = big_cohort("orthotics")
    v = c.long("pain")
    # Recorded pain and AKPS each carry their own measurement error: they
    # correlate moderately, as PFP outcome measures do (Crossley 2004, Arch
    # Phys Med Rehabil 85:815: "the measures correlated moderately with each
    # other (r range, .56-.72)").
    assert -0.72 < v[["pain", "akps"]].corr().iloc[0, 1] < -0.56
    post = v[v["week"] > 0]
    # GRC ranks with the fall in recorded pain (Spearman), weakly to
    # moderately: the recorded change carries two measurement errors (ICC
    # 0.6), which caps its correlation with any rating of true change near
    # 0.55, and the global rating carries more than pain (variation, grc_sd).
    rho = post["grc"].astype(float).rank().corr(post["change"].rank())
    assert -0.55 < rho < -0.2


def test_adverse_event_risks_match_truth(big_cohort):
    c = big_cohort("orthotics")
    ae = c.adverse_events
    p = c.participants.set_index("participant_id")["intervention"]
    risk = c.truth["adverse_events"]
    for row in risk.itertuples():
        ids = p.index[p == row.arm]
        share = ae.loc[
            (ae["term"] == row.term) & ae["participant_id"].isin(ids), "participant_id"
        ].nunique() / len(ids)
        se = np.sqrt(row.risk * (1 - row.risk) / len(ids))
        assert abs(share - row.risk) < 4 * se, (row.arm, row.term)
    orth = risk[(risk["arm"] == "orthotics") & (risk["term"] == "foot or shin discomfort")][
        "risk"
    ].iloc[0]
    flat = risk[(risk["arm"] == "flat_insert") & (risk["term"] == "foot or shin discomfort")][
        "risk"
    ].iloc[0]
    assert orth / flat == pytest.approx(0.28 / 0.15)
    assert ae.loc[ae["term"] == "upper respiratory infection", "related"].eq(False).all()


@pytest.mark.parametrize(
    ("idea", "term"),
    [
        ("knee_brace", "skin irritation"),
        ("glucosamine", "stomach upset"),
        ("glute_strengthening", "muscle soreness"),
    ],
)
def test_adverse_event_terms_by_idea(idea, term):
    c = ks.simulate.cohort(idea, n=600, seed=1)
    treated = c.participants.loc[
        c.participants["intervention"] == DEFAULT_DESIGNS[idea][0], "participant_id"
    ]
    assert (
        c.adverse_events.loc[c.adverse_events["participant_id"].isin(treated), "term"] == term
    ).any()


# -- determinism, validity, round trip ---------------------------------------------


def test_same_seed_same_bytes_different_seed_differs(tmp_path):
    a = ks.simulate.cohort("taping", n=120, seed=7).write(tmp_path / "a")
    b = ks.simulate.cohort("taping", n=120, seed=7).write(tmp_path / "b")
    c = ks.simulate.cohort("taping", n=120, seed=8).write(tmp_path / "c")
    names = sorted(f.name for f in a.iterdir())
    assert names == ["adverse_events.csv", "cohort.toml", "participants.csv", "visits.csv"]
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert match == names and not mismatch and not errors
    _, mismatch, _ = filecmp.cmpfiles(a, c, names, shallow=False)
    assert {"participants.csv", "visits.csv", "cohort.toml"} <= set(mismatch)


@pytest.mark.parametrize("idea", IDEAS_AND_TAPING)
def test_every_idea_validates_and_round_trips(tmp_path, idea):
    from kneestudy.ingest import load_cohort, validate_cohort

    c = ks.simulate.cohort(idea, n=80, seed=3, dropout=0.05)
    report = validate_cohort(c)
    assert report.ok, report
    back = load_cohort(c.write(tmp_path / idea))
    for name, frame in c.tables().items():
        pd.testing.assert_frame_equal(getattr(back, name), frame, check_exact=True, obj=name)
    assert back.manifest.seed == 3 and back.manifest.source == "synthetic"


def test_multi_arm_design():
    c = ks.simulate.cohort("glute_strengthening", n=90, seed=3, arms=GLUTE_3_ARM)
    assert set(c.arms["intervention"]) == set(GLUTE_3_ARM)
    assert c.arms["n"].tolist() == [30, 30, 30]
    assert c.comparator == "usual_care"
    assert list(c.truth["by_arm_week"]["arm"].unique()) == GLUTE_3_ARM


def test_effect_override_and_no_dropout():
    c = ks.simulate.cohort("orthotics", n=200, seed=1, effect=-2.0, dropout=0)
    assert c.participants["withdrawal_week"].isna().all()
    t = c.truth["by_arm_week"].set_index(["arm", "week"])
    assert t.loc[("orthotics", 6.0), "effect"] == pytest.approx(
        -2.0 * (1 - np.exp(-6.0)), rel=1e-12
    )
    d = ks.simulate.cohort("orthotics", n=200, seed=1, effect={"orthotics": 0.0})
    assert d.truth["by_arm_week"]["effect"].abs().max() == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"idea": "not_a_code"},
        {"idea": "orthotics", "n": 1},
        {"idea": "orthotics", "n": 2.5},
        {"idea": "orthotics", "seed": -1},
        {"idea": "orthotics", "weeks": [2, 4]},
        {"idea": "orthotics", "weeks": [0, 4, 2]},
        {"idea": "orthotics", "weeks": [0]},
        {"idea": "orthotics", "dropout": 1.0},
        {"idea": "orthotics", "effect": float("nan")},
        {"idea": "orthotics", "effect": {"sham": -1.0}},
        {"idea": "orthotics", "arms": ["orthotics", "orthotics"]},
        {"idea": "orthotics", "arms": ["orthotics", "bogus"]},
        {"idea": "orthotics", "risk_of_bias": "medium"},
        {"idea": "orthotics", "primary_week": 13},
        {"idea": "orthotics", "primary_week": 0},
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs):
    with pytest.raises(AnalysisError):
        ks.simulate.cohort(**{"n": 20, **kwargs})


def test_big_cohorts_are_big(big_cohort):
    assert len(big_cohort("orthotics").participants) == 20_000


def test_primary_week_defaults_to_the_visit_nearest_12():
    assert ks.simulate.cohort("orthotics", n=10, weeks=(0, 2, 6)).manifest.primary_week == 6.0
    assert ks.simulate.cohort("orthotics", n=10, weeks=(0, 10, 14)).manifest.primary_week == 14.0
    assert ks.simulate.cohort("orthotics", n=10).manifest.primary_week == 12.0
