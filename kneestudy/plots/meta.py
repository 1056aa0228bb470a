"""Meta-analysis plots: forest plots, funnel plot with Egger's line, ranking."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.plots._style import COMPARATOR_COLOR, idea_color, new_axes, tidy
from kneestudy.plots.labels import literal

__all__ = ["forest", "funnel", "network_forest", "ranking"]


def _num(obj: Any, name: str) -> float:
    v = getattr(obj, name, None) if obj is not None else None
    return float(v) if v is not None else math.nan


def forest(
    studies: pd.DataFrame,
    ax: Any = None,
    *,
    pooled: Any = None,
    label: str = "label",
    estimate: str = "estimate",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    weight: str | None = None,
    null: float = 0.0,
    xlabel: str = "Mean difference (95% CI)",
    title: str = "Forest plot",
    favours: tuple[str, str] | None = ("Favours treatment", "Favours control"),
) -> Any:
    """Pairwise forest plot: one row per study, pooled diamond, prediction interval.

    Parameters
    ----------
    studies : DataFrame
        One row per study with ``label``, ``estimate``, ``ci_low``, ``ci_high``
        (and optionally a weight column: square size is proportional to it).
    pooled : PoolResult, optional
        ``kneestudy.meta.pool`` result; its ``estimate``, ``ci_low``,
        ``ci_high`` make the diamond and ``pi_low``, ``pi_high`` (when present
        and finite) the prediction-interval bar.

    Returns
    -------
    matplotlib Axes
    """
    k = len(studies)
    ax = new_axes(ax, figsize=(7.0, 1.2 + 0.35 * (k + 2)))
    ys = np.arange(k, 0, -1, dtype=float) + 1.0
    est = studies[estimate].to_numpy(dtype=float)
    lo = studies[ci_low].to_numpy(dtype=float)
    hi = studies[ci_high].to_numpy(dtype=float)
    if weight and weight in studies:
        w = studies[weight].to_numpy(dtype=float)
        sizes = 20 + 180 * w / np.nanmax(w)
    else:
        sizes = np.full(k, 50.0)
    ax.hlines(ys, lo, hi, color="#333333", lw=1.2)
    ax.scatter(est, ys, s=sizes, marker="s", color="#0072B2", zorder=3)
    labels = [literal(x) for x in studies[label]]
    ticks = list(ys)
    if pooled is not None:
        m, cl, ch = _num(pooled, "estimate"), _num(pooled, "ci_low"), _num(pooled, "ci_high")
        y0 = 0.6
        ax.fill([cl, m, ch, m], [y0, y0 + 0.3, y0, y0 - 0.3], color="#D55E00", zorder=3)
        pl, ph = _num(pooled, "pi_low"), _num(pooled, "pi_high")
        if math.isfinite(pl) and math.isfinite(ph):
            ax.hlines(y0, pl, ph, color="#D55E00", lw=1, linestyles="dashed")
            labels.append("Pooled (dashed: 95% PI)")
        else:
            labels.append("Pooled")
        ticks.append(y0)
    ax.axvline(null, color="black", lw=0.8)
    ax.set_yticks(ticks, labels)
    ax.set_ylim(0, k + 1.8)
    ax.set_xlabel(literal(xlabel))
    ax.set_title(literal(title), loc="left", fontweight="bold")
    if favours:
        ax.text(0.02, 0.98, f"← {favours[0]}", transform=ax.transAxes, fontsize=8, va="top")
        ax.text(
            0.98,
            0.98,
            f"{favours[1]} →",
            transform=ax.transAxes,
            fontsize=8,
            va="top",
            ha="right",
        )
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def network_forest(
    table: pd.DataFrame,
    ax: Any = None,
    *,
    comparator: str = "control",
    xlabel: str = "Effect vs comparator (negative = less pain)",
    null: float = 0.0,
    title: str | None = None,
) -> Any:
    """Network effects of each idea against the comparator, with CIs and PIs.

    Parameters
    ----------
    table : DataFrame
        ``IdeasComparison.table``: one row per idea with ``idea``, ``label``,
        ``estimate``, ``ci_low``, ``ci_high`` and optionally ``pi_low``,
        ``pi_high``. Rows with a missing estimate are shown as "no data".

    Returns
    -------
    matplotlib Axes
    """
    k = len(table)
    ax = new_axes(ax, figsize=(7.5, 0.9 + 0.42 * k))
    ys = np.arange(k, 0, -1, dtype=float)
    labels = []
    for y, row in zip(ys, table.itertuples(index=False), strict=True):
        d = row._asdict()
        c = idea_color(d.get("idea"))
        e = float(d.get("estimate", math.nan))
        labels.append(literal(d.get("label", d.get("idea", ""))))
        if not math.isfinite(e):
            ax.text(null, y, "no data", ha="center", va="center", fontsize=8, color="#555555")
            continue
        pl, ph = float(d.get("pi_low", math.nan)), float(d.get("pi_high", math.nan))
        if math.isfinite(pl) and math.isfinite(ph):
            ax.hlines(y, pl, ph, color=c, lw=1, alpha=0.6, linestyles="dotted")
        ax.hlines(y, float(d["ci_low"]), float(d["ci_high"]), color=c, lw=3)
        ax.plot([e], [y], "o", color=c, mec="black", mew=0.6, ms=8, zorder=3)
    ax.axvline(null, color="black", lw=0.8)
    ax.set_yticks(ys, labels)
    ax.set_ylim(0.4, k + 0.6)
    ax.set_xlabel(literal(xlabel))
    ax.set_title(
        literal(title or f"Each idea vs {comparator} (bar: 95% CI; dotted: prediction interval)"),
        loc="left",
        fontweight="bold",
        fontsize=10,
    )
    ax.text(0.0, -0.16 - 0.3 / max(k, 1), "← better", transform=ax.transAxes, fontsize=8)
    tidy(ax)
    ax.grid(False)
    return ax


def funnel(
    yi: Sequence[float],
    vi: Sequence[float],
    ax: Any = None,
    *,
    center: float | None = None,
    egger: bool = True,
    xlabel: str = "Effect estimate",
    title: str = "Funnel plot",
) -> Any:
    """Funnel plot (estimate against standard error) with Egger's regression line.

    The pseudo-95% region is ``center ± 1.96·SE``; ``center`` defaults to the
    inverse-variance (common-effect) mean. Egger's line is the weighted
    least-squares fit ``yi = b0 + b1·sei`` with weights ``1/vi`` (the
    ``predictor = "sei"`` form of metafor's ``regtest``, whose slope
    ``b1`` tests asymmetry), drawn over the range of SE.

    Returns
    -------
    matplotlib Axes
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    se = np.sqrt(v)
    ax = new_axes(ax, figsize=(5.5, 4.5))
    w = 1.0 / v
    if center is None:
        center = float(np.sum(w * y) / np.sum(w))
    top = float(se.max()) * 1.1 if len(se) else 1.0
    s = np.linspace(0, top, 50)
    ax.fill_betweenx(s, center - 1.96 * s, center + 1.96 * s, color="#f0f0f0", zorder=0)
    ax.plot(center - 1.96 * s, s, color="#999999", lw=0.8, ls="--")
    ax.plot(center + 1.96 * s, s, color="#999999", lw=0.8, ls="--")
    ax.axvline(center, color="#555555", lw=0.8)
    ax.scatter(y, se, color="#0072B2", edgecolor="black", lw=0.5, zorder=3)
    if egger and len(y) >= 3:
        x = np.column_stack([np.ones_like(se), se])
        sw = np.sqrt(w)
        b, *_ = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)
        ax.plot(b[0] + b[1] * s, s, color="#D55E00", lw=1.5, label="Egger's regression line")
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_ylim(top, 0)
    ax.set_xlabel(literal(xlabel))
    ax.set_ylabel("Standard error")
    ax.set_title(literal(title), loc="left", fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def ranking(
    table: pd.DataFrame,
    ax: Any = None,
    *,
    score: str = "p_score",
    title: str = "Ranking by P-score (1 = surely best, 0 = surely worst)",
) -> Any:
    """Horizontal bars of P-scores (Rücker & Schwarzer 2015), best at the top.

    Parameters
    ----------
    table : DataFrame
        Rows with ``label`` (or ``idea``), ``idea`` and the score column.

    Returns
    -------
    matplotlib Axes
    """
    t = table.dropna(subset=[score]).sort_values(score, ascending=True, kind="stable")
    ax = new_axes(ax, figsize=(6.5, 0.8 + 0.4 * max(len(t), 1)))
    labels = [literal(x) for x in t.get("label", t.get("idea"))]
    colors = [idea_color(i) if "idea" in t else COMPARATOR_COLOR for i in t.get("idea", labels)]
    ys = np.arange(len(t))
    ax.barh(ys, t[score].to_numpy(dtype=float), color=colors, edgecolor="black", lw=0.5)
    for y, val in zip(ys, t[score].to_numpy(dtype=float), strict=True):
        ax.text(val + 0.01, y, f"{val:.2f}", va="center", fontsize=8)
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, 1.08)
    ax.set_xlabel("P-score")
    ax.set_title(title, loc="left", fontweight="bold", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return ax
