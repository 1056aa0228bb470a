"""The component forest plot and the network of combinations."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Wedge

from kneestudy.interventions import IDEAS
from kneestudy.plots.components import (
    combination_network,
    component_forest,
    forest_frame,
    network_frames,
)


def _axes():
    return Figure(figsize=(7, 5)).add_subplot()


def test_forest_frame_puts_the_ideas_first_and_blanks_what_is_not_estimable():
    comps = pd.DataFrame({
        "component": ["quadriceps_strengthening", "orthotics", "glute_strengthening"],
        "estimate": [-1.0, -0.3, 9.9], "ci_low": [-1.5, -0.8, 9.0], "ci_high": [-0.5, 0.2, 10.0],
        "pi_low": [math.nan] * 3, "pi_high": [math.nan] * 3, "estimable": [True, True, False],
    })  # fmt: skip
    f = forest_frame(comps, list(IDEAS))
    assert list(f["component"]) == ["glute_strengthening", "orthotics", "quadriceps_strengthening"]
    assert list(f["idea"]) == [True, True, False]
    assert math.isnan(f.loc[0, "estimate"])  # never a number for a component not identified
    ax = component_forest(f, _axes(), lower_is_better=True)
    texts = [t.get_text() for t in ax.texts]
    assert "not estimable" in texts and "← better" in texts
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Glute (hip) strengthening", "Insoles / orthotics",
                      "Quadriceps (knee) strengthening"]  # fmt: skip
    # other components are grey and italic: not one of the eight
    assert ax.get_yticklabels()[2].get_style() == "italic"


def test_network_frames_count_studies_and_each_arm_once():
    c = pd.DataFrame({
        "study_id": ["a", "a", "a", "b", "c"],
        "node_treatment": ["x", "x", "y", "x", "x"],
        "node_comparator": ["inactive", "y", "inactive", "inactive", "inactive"],
        "components_treatment": ["x", "x", "y", "x", "x"],
        "components_comparator": ["", "y", "", "", ""],
        "n_treatment": [10, 10, 20, 5, None], "n_comparator": [30, 20, 30, 6, None],
        "status": ["used", "used", "used", "used", "set aside"],
    })  # fmt: skip
    nodes, edges = network_frames(c)
    n = nodes.set_index("node")["participants"]
    # x: 10 in a, 5 in b (c is set aside); inactive: 30 in a, 6 in b; y: 20 in a
    assert n.to_dict() == {"x": 15.0, "inactive": 36.0, "y": 20.0}
    e = {(r.node1, r.node2): r.studies for r in edges.itertuples()}
    assert e == {("inactive", "x"): 2, ("x", "y"): 1, ("inactive", "y"): 1}


def test_combination_network_draws_a_wedge_per_component_and_a_white_reference():
    nodes = pd.DataFrame({
        "node": ["inactive", "glute_strengthening+quadriceps_strengthening", "orthotics"],
        "participants": [40.0, 20.0, math.nan],
    })  # fmt: skip
    edges = pd.DataFrame({"node1": ["inactive", "inactive"], "node2": [nodes["node"][1],
                          "orthotics"], "studies": [2, 1]})  # fmt: skip
    ax = combination_network(nodes, edges, _axes())
    wedges = [p for p in ax.patches if isinstance(p, Wedge)]
    circles = [p for p in ax.patches if isinstance(p, Circle) and not isinstance(p, Wedge)]
    assert len(wedges) == 3  # glute + quadriceps (2), orthotics (1)
    assert any(c.get_facecolor()[:3] == (1.0, 1.0, 1.0) for c in circles)  # the reference
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Inactive control" in texts and "(n = 40)" in texts and "Insoles / orthotics" in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Glute (hip) strengthening" in legend and "Other components" in legend
