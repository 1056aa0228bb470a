"""Diagrams: the network graph of the ideas and a CONSORT flow per cohort."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.plots._style import COMPARATOR_COLOR, arm_colors, idea_color, new_axes
from kneestudy.plots.labels import intervention_label, literal

__all__ = ["consort", "consort_counts", "network_graph"]


def _col(frame: pd.DataFrame, *names: str, default: int | None = None) -> str | None:
    for n in names:
        if n in frame.columns:
            return n
    return frame.columns[default] if default is not None else None


def network_graph(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    ax: Any = None,
    *,
    title: str = "Network of comparisons",
) -> Any:
    """The evidence network on a circle: node area ∝ participants, edge width ∝ studies.

    Parameters
    ----------
    nodes : DataFrame
        One row per treatment: ``node`` (or ``treatment``; else the first
        column), optional ``label`` and ``participants`` (or ``n``).
    edges : DataFrame
        One row per pair compared directly: ``treatment1``, ``treatment2``
        (else the first two columns) and ``studies`` (or ``k``).

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax, figsize=(6.5, 6.5))
    node_col = _col(nodes, "node", "treatment", "code", default=0)
    label_col = _col(nodes, "label")
    size_col = _col(nodes, "participants", "n_participants", "n")
    names = [str(x) for x in nodes[node_col]]
    k = len(names)
    angles = np.pi / 2 - 2 * np.pi * np.arange(k) / max(k, 1)
    pos = {n: (math.cos(a), math.sin(a)) for n, a in zip(names, angles, strict=True)}
    a_col = _col(edges, "treatment1", "treat1", "from", default=0)
    b_col = _col(edges, "treatment2", "treat2", "to", default=1)
    k_col = _col(edges, "studies", "n_studies", "k")
    kmax = float(edges[k_col].max()) if k_col and len(edges) else 1.0
    for row in edges.itertuples(index=False):
        d = row._asdict()
        a, b = str(d[a_col]), str(d[b_col])
        if a not in pos or b not in pos:
            continue
        n_st = float(d[k_col]) if k_col else 1.0
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.plot([x0, x1], [y0, y1], color="#555555", lw=1 + 5 * n_st / kmax, zorder=1, alpha=0.7)
        ax.text(
            (x0 + x1) / 2,
            (y0 + y1) / 2,
            f"{n_st:g}",
            fontsize=7,
            ha="center",
            va="center",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    sizes = nodes[size_col].to_numpy(dtype=float) if size_col else np.full(k, 100.0)
    smax = float(np.nanmax(sizes)) if k and np.isfinite(sizes).any() else 1.0
    labels = (
        [str(x) for x in nodes[label_col]] if label_col else [intervention_label(n) for n in names]
    )
    for name, lab, s in zip(names, labels, sizes, strict=True):
        x, y = pos[name]
        known = math.isfinite(s) and smax > 0
        area = 120 + 1400 * (s / smax if known else 0.0)
        color = idea_color(name) if name in _idea_codes() else COMPARATOR_COLOR
        ax.scatter([x], [y], s=area, color=color, edgecolor="black", lw=0.8, zorder=3)
        note = f"{lab}\n(n = {int(s)})" if size_col and known else str(lab)
        ax.text(x * 1.42, y * 1.22, literal(note), ha="center", va="center", fontsize=8, zorder=4)
    if size_col:
        ax.text(
            0.0,
            0.0,
            "node area: participants with individual data\n(smallest: none or not reported)",
            transform=ax.transAxes,
            fontsize=7,
            color="#555555",
        )
    ax.set_xlim(-1.95, 1.95)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(literal(title), loc="left", fontweight="bold")
    return ax


def _idea_codes() -> set[str]:
    from kneestudy.interventions import IDEAS

    return set(IDEAS)


def consort_counts(cohort: Any) -> pd.DataFrame:
    """CONSORT numbers per arm, computed from the cohort's data.

    Columns: arm, allocated (participants in the arm), withdrawn (withdrew
    before the primary week: ``withdrawal_week``, the week of the last visit
    attended, is earlier than the primary week; someone whose last visit is
    the primary visit was followed up there), followed_up (a visit at the
    primary week), analysed (the primary outcome observed at baseline and at
    the primary week — the complete cases of an ANCOVA at that week).
    """
    m = cohort.manifest
    p = cohort.participants
    v = cohort.visits
    outcome = m.primary_outcome if m.primary_outcome in v.columns else "pain"
    week = float(m.primary_week)
    at_week = v[v["week"] == week]
    base = v[(v["week"] == 0) & v[outcome].notna()]["participant_id"]
    followed = set(at_week["participant_id"])
    analysed = set(at_week.loc[at_week[outcome].notna(), "participant_id"]) & set(base)
    rows = []
    for arm in cohort.arms["arm"]:
        ids = p.loc[p["arm"] == arm, "participant_id"]
        wd = p.loc[p["arm"] == arm, "withdrawal_week"] if "withdrawal_week" in p else None
        rows.append(
            {
                "arm": arm,
                "allocated": len(ids),
                "withdrawn": int((wd < week).sum()) if wd is not None else 0,
                "followed_up": int(ids.isin(followed).sum()),
                "analysed": int(ids.isin(analysed).sum()),
            }
        )
    return pd.DataFrame(rows, columns=["arm", "allocated", "withdrawn", "followed_up", "analysed"])


def _box(ax: Any, x: float, y: float, w: float, h: float, text: str, color: str) -> None:
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.01,rounding_size=0.02",
            fc="white",
            ec=color,
            lw=1.5,
        )
    )
    ax.text(x, y, literal(text), ha="center", va="center", fontsize=8, wrap=True)


def consort(cohort: Any, ax: Any = None, *, title: str | None = None) -> Any:
    """CONSORT flow diagram of a cohort built from its data.

    Randomised → allocated to each arm → withdrawn before the primary week →
    followed up at the primary week → analysed (primary outcome at baseline and
    at the primary week). Numbers come from :func:`consort_counts`.

    Returns
    -------
    matplotlib Axes
    """
    counts = consort_counts(cohort)
    k = max(len(counts), 1)
    ax = new_axes(ax, figsize=(max(6.0, 2.4 * k), 5.0))
    week = float(cohort.manifest.primary_week)
    wk = f"{week:g}"
    arms = list(counts["arm"])
    comp = cohort.arms.loc[cohort.arms["is_comparator"], "arm"]
    colors = arm_colors(arms, comp.iloc[0] if len(comp) else None)
    total = int(counts["allocated"].sum())
    randomised = "Randomised" if cohort.manifest.design != "single_arm" else "Enrolled"
    _box(ax, 0.5, 0.92, 0.34, 0.09, f"{randomised}\nn = {total}", "#333333")
    width = 0.9 / k
    levels = [
        (0.70, "Allocated to\n{arm}\nn = {allocated}"),
        (0.49, "Withdrew by week " + wk + "\nn = {withdrawn}"),
        (0.28, "Followed up at week " + wk + "\nn = {followed_up}"),
        (0.07, "Analysed at week " + wk + "\nn = {analysed}"),
    ]
    for i, row in enumerate(counts.to_dict("records")):
        x = 0.05 + width * (i + 0.5)
        ax.annotate(
            "",
            xy=(x, 0.70 + 0.06),
            xytext=(0.5, 0.92 - 0.045),
            arrowprops={"arrowstyle": "->", "color": "#555555"},
        )
        prev = None
        for y, fmt in levels:
            label = str(row["arm"])
            if len(label) > 28:
                label = label[:27] + "…"
            text = fmt.format(arm=label, **{k_: v for k_, v in row.items() if k_ != "arm"})
            _box(ax, x, y, width * 0.92, 0.12, text, colors.get(row["arm"], "#333333"))
            if prev is not None:
                ax.annotate(
                    "",
                    xy=(x, y + 0.06),
                    xytext=(x, prev - 0.06),
                    arrowprops={"arrowstyle": "->", "color": "#555555"},
                )
            prev = y
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.set_title(literal(title or "Participant flow (CONSORT)"), loc="left", fontweight="bold")
    return ax
