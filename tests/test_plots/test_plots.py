"""Plots draw what they are given, and the numbers behind them are right."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats
from standins import km_table

import kneestudy.plots as kp


def _ax():
    return Figure(figsize=(6, 4)).add_subplot()


def test_at_risk_table_reads_first_time_at_or_after():
    risk = kp.at_risk_table(km_table(), [0, 2, 3, 4, 12, 13])
    assert list(risk.loc["A"]) == [10, 10, 8, 8, 5, 0]
    assert list(risk.loc["B"]) == [10, 10, 10, 10, 9, 0]


def test_pain_free_curves_rise_and_show_at_risk():
    ax = kp.pain_free_curves(km_table(), _ax(), times=[0, 4, 8, 12])
    lines = [ln for ln in ax.get_lines() if ln.get_label() in ("A", "B")]
    assert len(lines) == 2
    y = lines[0].get_ydata()
    # drawn as share pain-free in percent: 1 - S, rising from 0
    assert y[0] == 0 and np.all(np.diff(y) >= 0)
    assert y[-1] == pytest.approx(60.0)
    texts = {t.get_text() for child in ax.child_axes for t in child.texts}
    assert {"10", "8", "5", "9"} <= texts


def test_trajectory_summary_matches_t_interval(cohort):
    s = kp.trajectory_summary(cohort.long("pain"), "pain")
    y = cohort.long("pain")
    g = y[(y["arm"] == "Usual care") & (y["week"] == 12)]["pain"].dropna()
    row = s[(s["arm"] == "Usual care") & (s["week"] == 12)].iloc[0]
    half = stats.t.ppf(0.975, len(g) - 1) * g.std(ddof=1) / math.sqrt(len(g))
    assert row["n"] == len(g)
    assert row["mean"] == pytest.approx(g.mean(), rel=1e-12)  # same arithmetic
    assert row["ci_high"] - row["mean"] == pytest.approx(half, rel=1e-12)


def test_trajectories_one_line_per_arm(cohort):
    ax = kp.trajectories(cohort, "akps", _ax())
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in lines] == ["Hip + knee", "Usual care"]
    assert "AKPS" in ax.get_ylabel()
    assert lines[1].get_color() == kp.COMPARATOR_COLOR


def test_consort_counts_from_data(cohort):
    c = kp.consort_counts(cohort)
    assert list(c["allocated"]) == [12, 12]
    # participant 0 of each arm withdrew at week 8 (before week 12)
    assert list(c["withdrawn"]) == [1, 1]
    assert list(c["followed_up"]) == [11, 11]
    assert list(c["analysed"]) == [11, 11]
    ax = kp.consort(cohort, _ax())
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Randomised\nn = 24" in texts and "Analysed at week 12\nn = 11" in texts


def test_consort_last_visit_at_primary_week_is_followed_up_not_withdrawn(cohort):
    p = cohort.participants.copy()
    first = p.index[p["withdrawal_week"].isna()][0]
    p.loc[first, "withdrawal_week"] = 12.0  # last visit attended: the primary visit
    c = kp.consort_counts(cohort.with_tables(participants=p))
    assert list(c["withdrawn"]) == [1, 1]
    # withdrew before week 12 + seen at week 12 = allocated (nobody else missed it)
    assert list(c["withdrawn"] + c["followed_up"]) == list(c["allocated"])


def test_forest_has_diamond_and_prediction_interval():
    class Pooled:
        estimate, ci_low, ci_high, pi_low, pi_high = -1.0, -1.5, -0.5, -2.5, 0.5

    studies = pd.DataFrame(
        {
            "label": ["S1", "S2", "S3"],
            "estimate": [-1, -0.5, -1.5],
            "ci_low": [-2, -1.5, -2.5],
            "ci_high": [0, 0.5, -0.5],
        }
    )
    ax = kp.forest(studies, _ax(), pooled=Pooled())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:3] == ["S1", "S2", "S3"] and "95% PI" in labels[3]
    assert len(ax.patches) == 1  # the diamond


def test_funnel_egger_line_is_wls_fit():
    rng = np.random.default_rng(3)
    vi = rng.uniform(0.02, 0.5, 12)
    yi = 0.2 + 1.5 * np.sqrt(vi) + rng.normal(0, 0.05, 12)
    ax = kp.funnel(yi, vi, _ax())
    egger = [ln for ln in ax.get_lines() if ln.get_label() == "Egger's regression line"][0]
    x, s = egger.get_xdata(), egger.get_ydata()
    slope = (x[-1] - x[0]) / (s[-1] - s[0])
    # closed-form weighted least squares for comparison (statsmodels WLS)
    import statsmodels.api as sm

    fit = sm.WLS(yi, sm.add_constant(np.sqrt(vi)), weights=1 / vi).fit()
    assert slope == pytest.approx(fit.params[1], rel=1e-8)  # same closed form, rounding only


def test_network_graph_and_ranking():
    nodes = pd.DataFrame(
        {
            "node": ["glute_strengthening", "orthotics", "usual_care"],
            "label": ["Glute", "Orthotics", "Usual care"],
            "participants": [100, 50, 150],
        }
    )
    edges = pd.DataFrame(
        {
            "treatment1": ["glute_strengthening", "orthotics"],
            "treatment2": ["usual_care", "usual_care"],
            "studies": [3, 1],
        }
    )
    ax = kp.network_graph(nodes, edges, _ax())
    widths = sorted(ln.get_linewidth() for ln in ax.get_lines())
    assert widths[1] > widths[0]
    assert len(ax.collections) == 3
    table = pd.DataFrame(
        {"idea": ["orthotics", "glute_strengthening"], "label": ["O", "G"], "p_score": [0.3, 0.9]}
    )
    ax = kp.ranking(table, _ax())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["O", "G"]


def test_network_forest_marks_missing_ideas():
    table = pd.DataFrame(
        {
            "idea": ["glute_strengthening", "stretching"],
            "label": ["Glute", "Stretching"],
            "estimate": [-1.2, math.nan],
            "ci_low": [-2.0, math.nan],
            "ci_high": [-0.4, math.nan],
            "pi_low": [-3.0, math.nan],
            "pi_high": [0.6, math.nan],
        }
    )
    ax = kp.network_forest(table, _ax())
    assert any(t.get_text() == "no data" for t in ax.texts)


def test_palette_is_consistent():
    c = kp.arm_colors(["A", "B", "Control"], comparator="Control")
    assert c["Control"] == kp.COMPARATOR_COLOR and c["A"] != c["B"]
    assert kp.idea_color("glute_strengthening") != kp.idea_color("glucosamine")


def test_import_does_not_load_matplotlib():
    import subprocess
    import sys

    code = "import kneestudy.plots, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
