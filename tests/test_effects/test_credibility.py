"""ICEMAN assessment of the squat-test claim (effect modification)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kneestudy as ks
from kneestudy.effects import iceman, squat_test_claim, subgroup
from kneestudy.errors import AnalysisError
from test_effects._cohorts import reference_cohort, small_trial


def _modified(gain_fail: float, n: int = 200, seed: int = 3):
    """A two-arm trial whose effect is larger (more pain relief) by ``gain_fail`` when the
    squat test fails."""
    c = small_trial(n=n, seed=seed, effect=-1.0)
    p = c.participants
    fail = set(p.loc[(p["squat_test"] == "fail") & (p["intervention"] != "usual_care"),
                     "participant_id"])  # fmt: skip
    v = c.visits.copy()
    v.loc[v["participant_id"].isin(fail) & (v["week"] > 0), "pain"] -= gain_fail
    return c.with_tables(visits=v)


def test_seed_claim_supported_by_the_data():
    r = squat_test_claim(_modified(2.0), week=12)
    assert r.expected_gain == r.observed_gain == "fail" and r.applicable
    items = r.items.set_index("item")["answer"]
    assert items[1] == "probably yes"  # stated a priori in the seed text, no protocol
    assert items[2] == "probably no or unclear" and r.items.loc[1, "assumption"]
    assert items[3] == "definitely yes" and items[4] == items[5] == "definitely yes"
    assert r.suggested_rating == "moderate"  # not "high": no prior evidence, no protocol
    # interaction = effect in "fail" minus effect in "pass", with a t interval
    sg = subgroup(_modified(2.0), by="squat_test", week=12)
    crit = stats.t.ppf(0.975, sg.interaction_df)
    assert r.interaction_estimate == sg.interaction_estimate < 0
    assert r.interaction_ci_high == pytest.approx(
        sg.interaction_estimate + crit * sg.interaction_se, rel=1e-12
    )


def test_opposite_direction_is_definitely_no():
    r = squat_test_claim(_modified(-2.0), week=12)
    assert r.observed_gain == "pass" and r.applicable
    assert r.items.set_index("item").loc[1, "answer"] == "definitely no"
    assert r.suggested_rating in ("low", "very low")


def test_no_suggestion_of_effect_modification_is_out_of_iceman_scope():
    r = squat_test_claim(_modified(0.0, seed=5), week=12)
    assert r.interaction_p_value >= 0.1 and not r.applicable
    assert r.suggested_rating == "not applicable" and "p < 0.1" in r.note


@pytest.mark.parametrize(
    ("p", "answer"),
    [(0.0004, "definitely yes"), (0.004, "probably yes"), (0.04, "probably no or unclear"),
     (0.2, "definitely no")],
)  # fmt: skip
def test_item3_bands(p, answer, two_arm):
    sg = subgroup(two_arm, by="squat_test", week=12)
    from dataclasses import replace

    r = iceman(replace(sg, interaction_p_value=p), expected_gain="fail")
    assert r.items.set_index("item").loc[3, "answer"] == answer


def test_other_answers_and_bad_input(two_arm):
    sg = subgroup(two_arm, by="squat_test", week=12)
    r = iceman(sg, expected_gain=None, n_modifiers=5, continuous=True,
               prior_evidence="definitely yes")  # fmt: skip
    a = r.items.set_index("item")["answer"]
    assert a[1] == "probably no or unclear" and a[2] == "definitely yes"
    assert a[4] == "probably no or unclear" and a[5] == "definitely no"
    with pytest.raises(AnalysisError, match="not a level"):
        iceman(sg, expected_gain="wobbly")
    with pytest.raises(AnalysisError, match="prior_evidence"):
        iceman(sg, prior_evidence="yes")
    three = reference_cohort("effects_two_arm")
    p = three.participants.copy()
    p["band"] = pd.Categorical(np.resize(["a", "b", "c"], len(p)))
    with pytest.raises(AnalysisError, match="exactly two levels"):
        iceman(subgroup(three.with_tables(participants=p), by="band", week=12))


def test_demo_glute_cohort():
    c = ks.datasets.demo_study().cohort("demo-glute")
    r = squat_test_claim(c, treatment="glute_strengthening+quadriceps_strengthening")
    assert list(r.subgroups["level"]) == ["pass", "fail"]  # the schema's order
    assert "<table" in r._repr_html_() and len(r.to_frame()) == 5
