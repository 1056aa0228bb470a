"""kneestudy.plots.power_curve draws the simulated points and their MC bands."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import kneestudy as ks
import kneestudy.plots as kp


@pytest.fixture(scope="module")
def curve():
    return ks.design.power_curve("orthotics", [20, 40, 80], effect=-1.0, reps=100,
                                 executor="serial")  # fmt: skip


def test_points_are_the_table(curve):
    ax = kp.power_curve(curve, Figure().add_subplot())
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), [20, 40, 80])
    np.testing.assert_array_equal(line.get_ydata(), curve.table["power"])
    assert ax.get_xlabel() == "Participants per arm" and ax.get_ylim() == (0.0, 1.0)
    assert "Insoles / orthotics vs Flat inserts: ANCOVA" in ax.get_title()  # labels, not codes


def test_planning_result_draws_both_curves(curve):
    cons = ks.design.power_curve("orthotics", [20, 40, 80], effect=-0.4, reps=100,
                                 executor="serial")  # fmt: skip
    plan = ks.design.PlanningResult(
        idea="orthotics", analysis="ancova", outcome="pain", week=12.0, pooled_estimate=-1.0,
        pooled_ci_low=-1.6, pooled_ci_high=-0.4, certainty="low", n_for_80=80.0,
        n_for_90=float("nan"), note="", curve=curve, conservative=cons,
    )  # fmt: skip
    ax = kp.power_curve(plan, Figure().add_subplot())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("pooled estimate") and labels[1].startswith("CI limit")


def test_other_objects_are_refused():
    with pytest.raises(TypeError, match="PowerCurveResult"):
        kp.power_curve(SimpleNamespace(table=pd.DataFrame()), Figure().add_subplot())
