"""Plots of kneestudy results (matplotlib, imported only when a plot is drawn).

Every function takes ``ax=None`` (a new figure is made when omitted) and
returns the Axes it drew on. Colours are colour-blind safe (Okabe–Ito); each
idea has a fixed colour and comparator arms are grey.

=========================  ===================================================
:func:`pain_free_curves`   share pain-free over time (1 − KM) with CI bands and
                           an at-risk table
:func:`trajectories`       mean pain or AKPS by arm and week with 95% CIs
:func:`forest`             pairwise forest plot, pooled diamond, prediction
                           interval
:func:`network_forest`     each idea against the comparator (network estimates)
:func:`funnel`             funnel plot with Egger's line
:func:`network_graph`      the evidence network
:func:`ranking`            P-scores
:func:`consort`            CONSORT participant flow, from the data
:func:`power_curve`        simulated power over sample size per arm
=========================  ===================================================
"""

from __future__ import annotations

from kneestudy.plots._style import COMPARATOR_COLOR, OKABE_ITO, arm_colors, idea_color
from kneestudy.plots.curves import (
    at_risk_table,
    pain_free_curves,
    trajectories,
    trajectory_summary,
)
from kneestudy.plots.diagrams import consort, consort_counts, network_graph
from kneestudy.plots.meta import forest, funnel, network_forest, ranking
from kneestudy.plots.power import power_curve

__all__ = [
    "COMPARATOR_COLOR",
    "OKABE_ITO",
    "arm_colors",
    "at_risk_table",
    "consort",
    "consort_counts",
    "forest",
    "funnel",
    "idea_color",
    "network_forest",
    "network_graph",
    "pain_free_curves",
    "power_curve",
    "ranking",
    "trajectories",
    "trajectory_summary",
]
