"""Plots of the additive component network: the component forest and the network of combinations.

:func:`component_forest` shows every component's effect against the inactive
reference (Rücker, Petropoulou & Schwarzer 2020): the eight ideas first, in
registry order and in their colours, then the other components (knee
exercise, education, …) in grey; a component the design does not identify
reads "not estimable" instead of a bar.

:func:`combination_network` draws the network the model is fitted on: one node
per observed combination of active components (the inactive reference is the
white node), split into wedges in the colours of its components, its area
proportional to the participants in its arms where they are reported; a line
joins two combinations compared directly, its width and number the studies.

Both take plain DataFrames (see each function) and draw every label
literally (no mathtext).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.plots._style import idea_color, new_axes, tidy
from kneestudy.plots.labels import intervention_label, literal

__all__ = [
    "combination_network",
    "component_forest",
    "forest_frame",
    "network_frames",
    "network_size",
]

#: Colour of components that are not one of the eight ideas.
OTHER_COLOR = "#BBBBBB"


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def component_forest(
    components: pd.DataFrame,
    ax: Any = None,
    *,
    xlabel: str = "Effect against the inactive reference",
    lower_is_better: bool = True,
    null: float = 0.0,
    title: str | None = None,
) -> Any:
    """Each component's effect with its 95% CI (bar) and prediction interval (dotted).

    Parameters
    ----------
    components : DataFrame
        One row per component, in the order drawn (top first): ``component``,
        ``label``, ``estimate``, ``ci_low``, ``ci_high``, optional ``pi_low``,
        ``pi_high`` and ``idea`` (True for one of the eight ideas: drawn in its
        colour; others grey). A missing estimate is drawn as "not estimable".
    lower_is_better : bool
        Where the "better" arrow points (left for pain).

    Returns
    -------
    matplotlib Axes
    """
    k = len(components)
    ax = new_axes(ax, figsize=(7.5, 1.0 + 0.42 * max(k, 1)))
    ys = np.arange(k, 0, -1, dtype=float)
    labels = []
    for y, rec in zip(ys, components.to_dict("records"), strict=True):
        is_idea = bool(rec.get("idea", True))
        color = idea_color(rec.get("component")) if is_idea else OTHER_COLOR
        labels.append(literal(rec.get("label") or intervention_label(rec.get("component"))))
        if not _finite(rec.get("estimate")):
            ax.text(null, y, "not estimable", ha="center", va="center", fontsize=8,
                    color="#555555", style="italic")  # fmt: skip
            continue
        if _finite(rec.get("pi_low")) and _finite(rec.get("pi_high")):
            ax.hlines(y, rec["pi_low"], rec["pi_high"], color=color, lw=1, linestyles="dotted")
        ax.hlines(y, rec["ci_low"], rec["ci_high"], color=color, lw=3)
        ax.plot([rec["estimate"]], [y], "o" if is_idea else "s", color=color, mec="black",
                mew=0.6, ms=8 if is_idea else 6, zorder=3)  # fmt: skip
    ax.axvline(null, color="black", lw=0.8)
    ax.set_yticks(ys, labels)
    for tick, rec in zip(ax.get_yticklabels(), components.to_dict("records"), strict=True):
        if not bool(rec.get("idea", True)):
            tick.set_color("#555555")
            tick.set_style("italic")
    ax.set_ylim(0.4, k + 0.6)
    ax.set_xlabel(literal(xlabel))
    ax.set_title(
        literal(title or "Component effects (bar: 95% CI; dotted: 95% prediction interval)"),
        loc="left", fontweight="bold", fontsize=10,
    )  # fmt: skip
    arrow = "← better" if lower_is_better else "better →"
    ax.annotate(arrow, xy=(0.0 if lower_is_better else 1.0, 0.0), xycoords="axes fraction",
                xytext=(0, -30), textcoords="offset points", fontsize=8, color="#333333",
                ha="left" if lower_is_better else "right", va="top")  # fmt: skip
    tidy(ax)
    ax.grid(False)
    return ax


def _order(nodes: pd.DataFrame, reference: str) -> list[int]:
    """Reference first, then by the registry position of each node's first idea, then name."""
    from kneestudy.interventions import IDEAS

    pos = {c: i for i, c in enumerate(IDEAS)}

    def key(i: int) -> tuple[int, int, str]:
        node = str(nodes["node"].iloc[i])
        if node == reference:
            return (0, -1, "")
        comps = [c for c in node.split("+") if c]
        first = min((pos[c] for c in comps if c in pos), default=len(pos))
        return (1, first, node)

    return sorted(range(len(nodes)), key=key)


def network_size(n_nodes: int) -> tuple[float, float]:
    """Figure size (inches) of :func:`combination_network` for ``n_nodes`` nodes."""
    return (6.8, 5.6 if n_nodes <= 8 else 6.2)


def _components(rec: dict[str, Any], reference: str) -> list[str]:
    comps = rec.get("components")
    if isinstance(comps, str):
        comps = [c for c in comps.split("+") if c]
    if comps is None:
        node = str(rec["node"])
        comps = [] if node == reference else [c for c in node.split("+") if c]
    return list(comps)


def combination_network(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    ax: Any = None,
    *,
    reference: str = "inactive",
    reference_label: str = "Inactive control",
    title: str = "Network of the combinations compared",
) -> Any:
    """The network of observed combinations: wedges in the components' colours.

    Parameters
    ----------
    nodes : DataFrame
        One row per combination: ``node`` (a code such as
        ``glute_strengthening+quadriceps_strengthening``, or ``reference``),
        optional ``label``, ``components`` ("+"-joined or a list; default: the
        node split on "+") and ``participants`` (NaN when not reported).
    edges : DataFrame
        ``node1``, ``node2`` and ``studies``: combinations compared directly.
    reference : str
        The node of the inactive reference (drawn white).

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.patches import Circle, Patch, Wedge

    from kneestudy.interventions import IDEAS

    k = len(nodes)
    ax = new_axes(ax, figsize=network_size(k))
    order = _order(nodes, reference) if k else []
    angles = np.pi / 2 - 2 * np.pi * np.arange(k) / max(k, 1)
    recs = nodes.to_dict("records")
    pos: dict[str, tuple[float, float]] = {}
    for slot, i in enumerate(order):
        pos[str(recs[i]["node"])] = (math.cos(angles[slot]), math.sin(angles[slot]))
    n = np.array([float(r.get("participants", math.nan)) for r in recs], dtype=float)
    nmax = float(np.nanmax(n)) if np.isfinite(n).any() else math.nan
    kmax = float(edges["studies"].max()) if len(edges) else 1.0
    for e in edges.to_dict("records"):
        a, b = str(e["node1"]), str(e["node2"])
        if a not in pos or b not in pos:
            continue
        (x0, y0), (x1, y1) = pos[a], pos[b]
        s = float(e["studies"])
        ax.plot([x0, x1], [y0, y1], color="#666666", lw=1 + 4 * s / kmax, zorder=1,
                alpha=0.75, solid_capstyle="round")  # fmt: skip
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, f"{s:g}", fontsize=7, ha="center", va="center",
                zorder=2, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})  # fmt: skip
    used: dict[str, str] = {}
    for i, rec in enumerate(recs):
        node = str(rec["node"])
        x, y = pos[node]
        known = _finite(n[i]) and _finite(nmax) and nmax > 0
        r = 0.055 + (0.085 * math.sqrt(n[i] / nmax) if known else 0.0)
        comps = _components(rec, reference)
        if not comps:
            ax.add_patch(Circle((x, y), r, fc="white", ec="black", lw=1.0, zorder=3))
            used.setdefault(reference_label, "white")
        else:
            step = 360.0 / len(comps)
            for j, c in enumerate(comps):
                color = idea_color(c) if c in IDEAS else OTHER_COLOR
                used.setdefault(IDEAS[c].label if c in IDEAS else "Other components", color)
                ax.add_patch(Wedge((x, y), r, 90 + j * step, 90 + (j + 1) * step, fc=color,
                                   ec="black", lw=0.6, zorder=3))  # fmt: skip
        if not known:
            ax.add_patch(Circle((x, y), r + 0.02, fc="none", ec="#555555", lw=0.6, ls="--",
                                zorder=3))  # fmt: skip
        label = rec.get("label") or (
            reference_label if node == reference else intervention_label(node)
        )
        text = "\n".join(textwrap.wrap(str(label), 22)) or str(label)
        if known:
            text += f"\n(n = {int(n[i])})"
        lx, ly = x * (1 + r + 0.08), y * (1 + r + 0.08)
        ha = "left" if x > 0.15 else ("right" if x < -0.15 else "center")
        va = "bottom" if y > 0.9 else ("top" if y < -0.9 else "center")
        if ha == "center":  # above or below the node: clear of it
            ly = y + (r + 0.04 if y > 0 else -(r + 0.04))
        ax.text(lx, ly, literal(text), ha=ha, va=va, fontsize=7.5, zorder=4, linespacing=1.1)
    handles = [Patch(fc=c, ec="black", lw=0.6, label=literal(lab)) for lab, c in used.items()]
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), fontsize=7,
                  frameon=False, ncol=min(4, len(handles)), title="Components",
                  title_fontsize=7.5)  # fmt: skip
    ax.text(0.0, 1.0, "node area: participants where reported (dashed ring: not reported); "
            "line: compared in a trial, number of trials", transform=ax.transAxes, fontsize=7,
            color="#555555", va="top")  # fmt: skip
    ax.set_xlim(-2.15, 2.15)
    ax.set_ylim(-1.4, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(literal(title), loc="left", fontweight="bold")
    return ax


def network_frames(
    contrasts: pd.DataFrame, reference: str = "inactive"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges of :func:`combination_network` from a comparison's used contrasts.

    ``contrasts`` holds ``study_id``, ``node_treatment``, ``node_comparator``,
    ``components_treatment``, ``components_comparator`` and optionally
    ``n_treatment``, ``n_comparator`` (rows not used are ignored when a
    ``status`` column says so). Participants of a node are summed over
    studies, each study's arm counted once; a node with no reported arm size
    has NaN.
    """
    c = contrasts
    if "status" in c:
        c = c[c["status"] == "used"]
    sizes: dict[str, dict[str, float]] = {}
    comps: dict[str, str] = {}
    pairs: dict[tuple[str, str], set[str]] = {}
    for rec in c.to_dict("records"):
        sid = str(rec["study_id"])
        ends = []
        for side in ("treatment", "comparator"):
            node = str(rec.get(f"node_{side}") or "")
            if not node:
                continue
            ends.append(node)
            comps.setdefault(node, str(rec.get(f"components_{side}") or ""))
            n = rec.get(f"n_{side}")
            arms = sizes.setdefault(node, {})
            if _finite(n) and sid not in arms:
                arms[sid] = float(n)
            else:
                arms.setdefault(sid, math.nan)
        if len(ends) == 2 and ends[0] != ends[1]:
            pairs.setdefault(tuple(sorted(ends)), set()).add(sid)
    rows = []
    for node in sizes:
        vals = [v for v in sizes[node].values() if _finite(v)]
        rows.append({"node": node, "components": comps.get(node, ""),
                     "participants": float(sum(vals)) if vals else math.nan})  # fmt: skip
    nodes = pd.DataFrame(rows, columns=["node", "components", "participants"])
    edges = pd.DataFrame(
        [{"node1": a, "node2": b, "studies": len(s)} for (a, b), s in sorted(pairs.items())],
        columns=["node1", "node2", "studies"],
    )
    return nodes, edges


def forest_frame(
    components: pd.DataFrame, ideas: Sequence[str], labels: dict[str, str] | None = None
) -> pd.DataFrame:
    """Rows of :func:`component_forest` from a fitted model's ``components`` table.

    The ideas come first in the order of ``ideas`` (only those in the model),
    then the other components by name; ``idea`` marks the eight ideas.
    """
    comp = components.set_index("component")
    order = [c for c in ideas if c in comp.index]
    order += sorted(c for c in comp.index if c not in set(ideas))
    out = comp.loc[order].reset_index()
    out["idea"] = out["component"].isin(set(ideas))
    out["label"] = [(labels or {}).get(c) or intervention_label(c) for c in out["component"]]
    if "estimable" in out:
        for col in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
            if col in out:
                out.loc[~out["estimable"].astype(bool), col] = math.nan
    return out
