"""The sensitivity plots draw the numbers of the results they are given."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from kneestudy.effects.results import TippingPointResult
from kneestudy.effects.sensitivity import COLUMNS, SensitivityResult
from kneestudy.plots.sensitivity import sensitivity_forest, tipping_point_plot


def _ax():
    return Figure(figsize=(6, 4)).add_subplot()


def _tipping(tip=1.5):
    d = np.linspace(0, 3, 7)
    est = -1.0 + 0.4 * d
    table = pd.DataFrame({"delta": d, "estimate": est, "se": 0.3, "df": 100.0,
                          "ci_low": est - 0.6, "ci_high": est + 0.6, "p_value": 0.01,
                          "conclusion": "benefit"})  # fmt: skip
    return TippingPointResult(
        table=table, tipping_delta=tip, conclusion_at_zero="benefit", direction="",
        estimate_at_zero=-1.0, ci_low_at_zero=-1.6, ci_high_at_zero=-0.4, outcome="pain",
        week=12.0, treatment="glute_strengthening", comparator="usual_care", method="MAR",
        approach="bayes", m=50, seed=1, n_shifted=8,
    )  # fmt: skip


def test_tipping_plot_line_band_and_marker():
    ax = tipping_point_plot(_tipping(), _ax())
    line = [ln for ln in ax.get_lines() if ln.get_label() == "estimate"][0]
    np.testing.assert_allclose(line.get_ydata(), -1.0 + 0.4 * np.linspace(0, 3, 7))
    vlines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert vlines and vlines[0].get_xdata()[0] == pytest.approx(1.5)
    assert any("δ = 1.50" in t.get_text() for t in ax.texts)
    assert "Glute (hip) strengthening" in ax.get_xlabel() and "8 imputed" in ax.get_xlabel()
    assert "m = 50" in ax.get_title(loc="left") and "Usual care" in ax.get_ylabel()


def test_tipping_plot_without_a_tipping_point():
    ax = tipping_point_plot(_tipping(tip=math.nan), _ax())
    assert not [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert any("no shift" in t.get_text() for t in ax.texts)


def test_forest_shows_the_difference_rows():
    rows = []
    for name, est, measure in [("primary: MMRM", -1.0, "MD"), ("MI: J2R", -0.8, "MD"),
                               ("MI: CR", np.nan, "MD"), ("tipping point (MI: MAR)", 2.5, "delta"),
                               ("responders: as observed", 1.3, "RR")]:  # fmt: skip
        r = dict.fromkeys(COLUMNS, np.nan)
        r.update(treatment="t", comparator="c", analysis=name, measure=measure, estimate=est,
                 ci_low=est - 0.5, ci_high=est + 0.5, note="")  # fmt: skip
        rows.append(r)
    res = SensitivityResult(table=pd.DataFrame(rows), tipping={}, outcome="pain", week=12.0,
                            m=20, seed=1)  # fmt: skip
    ax = sensitivity_forest(res, ax=_ax())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["primary: MMRM", "MI: J2R"]  # CR not computed, delta and RR not MDs
    assert "δ = 2.50" in ax.get_xlabel()
    with pytest.raises(ValueError, match="unknown treatment"):
        sensitivity_forest(res, treatment="x", ax=_ax())
