"""Arms are identified by intervention code everywhere; labels that collide are told apart."""

from __future__ import annotations

import pandas as pd
import pytest

from kneestudy.ingest.model import display_labels


def test_display_labels_unique_per_code():
    arms = pd.DataFrame(
        {
            "arm": ["Brace", "Brace", "Usual care"],
            "intervention": ["knee_brace", "my_brace", "usual_care"],
        }
    )
    got = display_labels(arms, {"my_brace": "Custom patellar brace"})
    assert got == {
        "knee_brace": "Brace (Knee brace)",
        "my_brace": "Brace (Custom patellar brace)",
        "usual_care": "Usual care",
    }
    same = pd.DataFrame({"arm": ["X", "x "], "intervention": ["placebo", "sham"]})
    assert display_labels(same) == {"placebo": "X (Placebo)", "sham": "x (Sham)"}
    twice = pd.DataFrame({"arm": ["A", "A"], "intervention": ["yoga", "yoga2"]})
    labels = display_labels(twice, {"yoga": "Yoga", "yoga2": "Yoga"})
    assert labels == {"yoga": "A (Yoga) [yoga]", "yoga2": "A (Yoga) [yoga2]"}


def _shared_label_cohort():
    from kneestudy.simulate import cohort

    c = cohort("orthotics", n=120, seed=3, arms=["orthotics", "flat_insert", "wait_and_see"])
    p = c.participants.copy()
    p["arm"] = p["arm"].replace({"Flat inserts": "Insoles", "Insoles / orthotics": "Insoles"})
    return c.with_tables(participants=p)


def test_every_analysis_keeps_codes_apart():
    from kneestudy import effects
    from kneestudy.report.analyses import cohort_analyses
    from kneestudy.report.baseline import baseline_table

    c = _shared_label_cohort()
    arms = c.arms
    assert arms["display"].is_unique
    assert set(arms.loc[arms["arm"] == "Insoles", "display"]) == {
        "Insoles (Insoles / orthotics)",
        "Insoles (Flat inserts)",
    }
    res = cohort_analyses(c, outcome="pain", week=12)
    km = res["kaplan_meier"]
    groups = set(km.table["group"]) if "group" in km.table else set(km.median.index)
    assert len(groups) == 3
    base = baseline_table(c)  # columns keyed by intervention code, labels in attrs
    assert {"Insoles (Insoles / orthotics)", "Insoles (Flat inserts)"} <= set(
        base.attrs["arms"].values()
    )
    n = base.set_index("variable").loc["n"]
    assert n["flat_insert.a"] == (c.participants["intervention"] == "flat_insert").sum()
    assert n["orthotics.a"] == (c.participants["intervention"] == "orthotics").sum()
    ae = effects.adverse_events(c)
    assert list(ae["intervention"]) == list(dict.fromkeys(arms["intervention"]))
    assert ae["arm"].is_unique


@pytest.mark.parametrize("design", ["parallel"])
def test_cohort_arms_idea_from_declared_codes(design):
    from dataclasses import replace

    c = _shared_label_cohort()
    p = c.participants.copy()
    p["intervention"] = p["intervention"].replace("orthotics", "my_insole")
    m = replace(c.manifest, codes={"my_insole": "My insole"}, code_ideas={"my_insole": "orthotics"})
    c = c.with_tables(participants=p)
    c = replace(c, manifest=m)
    arms = c.arms.set_index("intervention")
    assert arms.loc["my_insole", "idea"] == "orthotics"
