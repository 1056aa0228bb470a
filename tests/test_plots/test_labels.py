"""Display names: labels, not codes; arms by intervention code; text drawn literally."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.figure import Figure
from standins import make_cohort

import kneestudy.plots as kp
from kneestudy.plots.labels import arm_names, intervention_label, literal, short_label


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("glute_strengthening+quadriceps_strengthening", "Glute + quadriceps strengthening"),
        (
            "balance_training+quadriceps_strengthening",
            "Balance training + quadriceps strengthening",
        ),
        ("taping+quadriceps_strengthening", "Taping + quadriceps strengthening"),
        ("sham+quadriceps_strengthening", "Sham + quadriceps strengthening"),
        ("knee_brace+physical_therapy", "Knee brace + physical therapist"),
        ("orthotics", "Insoles / orthotics"),
        ("quadriceps_strengthening", "Quadriceps (knee) strengthening"),
        ("glucosamine", "Glucosamine"),
        ("usual_care", "Usual care"),
        ("control", "Control"),
        ("taping", "Taping"),
    ],
)
def test_intervention_labels(code, label):
    assert intervention_label(code) == label


def test_declared_codes_and_non_codes():
    extra = {"my_brace": {"label": "Custom patellar brace", "idea": "knee_brace"}}
    assert intervention_label("my_brace", extra) == "Custom patellar brace"
    assert intervention_label("my_brace+physical_therapy", extra) == (
        "Custom patellar brace + physical therapist"
    )
    assert short_label("AKPS_thing") == "AKPS thing"
    assert intervention_label(None) == "" and intervention_label(3) == "3"


def test_arm_names_by_code():
    # the data's own arm label wins; an auto-generated one is replaced by the short label
    names = arm_names(
        [
            ("Glute (hip) strengthening + Quadriceps (knee) strengthening",
             "glute_strengthening+quadriceps_strengthening"),
            ("Hip group", "glute_strengthening"),
            ("usual_care", "usual_care"),
        ]
    )  # fmt: skip
    assert names == {
        "glute_strengthening+quadriceps_strengthening": "Glute + quadriceps strengthening",
        "glute_strengthening": "Hip group",
        "usual_care": "Usual care",
    }
    # two codes sharing a label are two arms, told apart
    same = arm_names(
        [("Exercise", "glute_strengthening"), ("Exercise", "quadriceps_strengthening")]
    )
    assert len(set(same.values())) == 2
    assert same["glute_strengthening"] == "Exercise (Glute (hip) strengthening)"
    # one code under two labels (a crossover's sequences) is one arm, named by its code
    assert arm_names([("A", "orthotics"), ("B", "orthotics")]) == {
        "orthotics": "Insoles / orthotics"
    }
    # the same rule as the data model's, so a table and a plot name an arm alike
    from kneestudy.ingest.model import display_labels

    pairs = [("Exercise", "glute_strengthening"), ("exercise ", "quadriceps_strengthening"),
             ("usual_care", "usual_care")]  # fmt: skip
    frame = pd.DataFrame(pairs, columns=["arm", "intervention"])
    assert arm_names(pairs) == display_labels(frame)


def _drawn_svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    return re.sub(r"<!--.*?-->", "", buf.getvalue(), flags=re.S)


def test_arm_labels_are_drawn_as_typed_not_as_mathtext():
    label = "($40) vs ($90)"
    assert literal(label) == r"(\$40) vs (\$90)"
    c = make_cohort(arms=((label, "glute_strengthening"), ("Usual care", "usual_care")))
    with matplotlib.rc_context({"svg.fonttype": "none", "text.parse_math": True}):
        fig = Figure(figsize=(6, 4))
        kp.trajectories(c, "pain", fig.add_subplot())
        assert label in _drawn_svg(fig)
        fig = Figure(figsize=(6, 4))
        kp.consort(c, fig.add_subplot(), title=f"Flow {label}")
        assert f"Flow {label}" in _drawn_svg(fig)
