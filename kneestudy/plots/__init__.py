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
:func:`risk_of_bias_traffic_light`  RoB 2 judgements per study and domain
:func:`risk_of_bias_summary`        share of studies per judgement and domain
:func:`prisma`             PRISMA 2020 flow of a search, from
                           :class:`PrismaCounts`
=========================  ===================================================

Labels come from :mod:`kneestudy.plots.labels` (labels, not codes; every
string from data drawn literally, never as mathtext).
"""

from __future__ import annotations

from kneestudy.plots._style import COMPARATOR_COLOR, OKABE_ITO, arm_colors, idea_color
from kneestudy.plots.bias import risk_of_bias_summary, risk_of_bias_traffic_light
from kneestudy.plots.curves import (
    at_risk_table,
    pain_free_curves,
    trajectories,
    trajectory_summary,
)
from kneestudy.plots.diagrams import consort, consort_counts, network_graph
from kneestudy.plots.labels import arm_names, intervention_label, literal
from kneestudy.plots.meta import forest, funnel, network_forest, ranking
from kneestudy.plots.power import power_curve
from kneestudy.plots.prisma import PrismaCounts, prisma

__all__ = [
    "COMPARATOR_COLOR",
    "OKABE_ITO",
    "PrismaCounts",
    "arm_colors",
    "arm_names",
    "at_risk_table",
    "consort",
    "consort_counts",
    "forest",
    "funnel",
    "idea_color",
    "intervention_label",
    "literal",
    "network_forest",
    "network_graph",
    "pain_free_curves",
    "power_curve",
    "prisma",
    "ranking",
    "risk_of_bias_summary",
    "risk_of_bias_traffic_light",
    "trajectories",
    "trajectory_summary",
]
