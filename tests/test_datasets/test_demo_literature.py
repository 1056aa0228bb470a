"""Published contrasts: estimate and SE from the 95% CIs of the evidence summary.

The SE is (upper - lower) / 3.92 (log scale for ratios); values here are
worked by hand from the published figures, so the tolerance is 1e-12
(floating point only).
"""

from __future__ import annotations

import math

import pytest

from kneestudy.datasets.literature import arm_summaries, contrasts


@pytest.fixture(scope="module")
def table():
    return contrasts().set_index("study_id")


@pytest.mark.parametrize(
    ("study_id", "estimate", "se"),
    [
        ("nascimento2018-hipknee-vs-knee", -1.5, 1.5 / 3.92),
        ("nascimento2018-hipknee-vs-none", -3.3, 4.5 / 3.92),
        ("hott2020", -1.1, 15.6 / 3.92),
        ("hansen2023", 0.6, 5.2 / 3.92),
        ("callaghan2012", -0.15, 2.0 / 3.92),
        ("towheed2009", -0.47, 0.49 / 3.92),
        ("rathleff2015", math.log(1.73), math.log(2.93 / 1.02) / 3.92),
        ("collins2008", math.log(1.48), math.log(1.99 / 1.11) / 3.92),
        ("winters2021", math.log(25.2), math.log(130.3 / 5.7) / 3.92),
        # P = 0.30 two-sided -> z = 1.036433389...; log(64.0 / 60.1) / z
        ("clegg2006", math.log(64.0 / 60.1), math.log(64.0 / 60.1) / 1.0364333894937898),
    ],
)
def test_estimate_and_se(table, study_id, estimate, se):
    row = table.loc[study_id]
    assert row["estimate"] == pytest.approx(estimate, rel=1e-12, abs=1e-12)
    assert row["se"] == pytest.approx(se, rel=1e-12)


def test_columns_and_labels(table):
    assert table["source"].str.len().gt(0).all()
    assert (
        table.loc["hott2020", "n_treatment"] == 39 and table.loc["hott2020", "n_comparator"] == 36
    )
    assert table.loc["towheed2009", "population"] == "knee osteoarthritis"
    assert table.loc["hansen2023", "population"] == "patellofemoral pain"
    assert (table["se"] > 0).all()


def test_arm_summaries_say_when_figures_are_assumed():
    arms = arm_summaries()
    w = arms[arms["study_id"] == "whittingham2004"]
    assert w["mean"].tolist() == [1.1, 2.4, 2.9]
    assert (w["n"] == 10).all() and w["note"].str.contains("assumed").all()
    assert arms.loc[arms["sd"].isna(), "note"].str.contains("SD not given").all()
