"""Plots of the missing-data sensitivity analyses: the tipping point and the analyses side by side.

matplotlib is imported only when a plot is drawn (through :func:`new_axes`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kneestudy.interventions import label_of
from kneestudy.plots._style import COMPARATOR_COLOR, OKABE_ITO, new_axes, tidy

__all__ = ["sensitivity_forest", "tipping_point_plot"]

_OUTCOME = {"pain": "pain (0–10)", "akps": "AKPS (0–100)"}
_LOWER_IS_BETTER = {"pain": True, "akps": False}


def tipping_point_plot(
    result: Any,
    ax: Any = None,
    *,
    title: str | None = None,
    treatment_label: str | None = None,
    comparator_label: str | None = None,
) -> Any:
    """Treatment effect against the shift delta of the treated arm's imputed values.

    The pooled estimate (line) and its confidence interval (band) at each
    delta of a :func:`kneestudy.effects.tipping_point` result, the line of
    no effect, and the tipping point (dashed) where the interval reaches 0;
    the side of the axis on which the imputed values are worse is named.

    Parameters
    ----------
    result : TippingPointResult
    ax : matplotlib Axes, optional
    title : str, optional
    treatment_label, comparator_label : str, optional
        Names of the arms (default: the labels of their intervention codes).

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax, figsize=(6.5, 4.2))
    t = result.table.sort_values("delta")
    color = OKABE_ITO[0]
    pct = round(100 * result.level)
    ax.fill_between(t["delta"], t["ci_low"], t["ci_high"], color=color, alpha=0.2, lw=0,
                    label=f"{pct}% CI")  # fmt: skip
    ax.plot(t["delta"], t["estimate"], color=color, lw=2, label="estimate")
    ax.axhline(0.0, color="black", lw=0.8)
    tip = result.tipping_delta
    if math.isfinite(tip):
        ax.axvline(tip, color=COMPARATOR_COLOR, ls="--", lw=1.2)
        ax.annotate(
            f"tipping point\nδ = {tip:.2f}",
            xy=(tip, 0.0),
            xytext=(6, 12),
            textcoords="offset points",
            fontsize=8,
            color="#333333",
        )
    else:
        ax.text(0.02, 0.97, "no shift within the scale changes the conclusion",
                transform=ax.transAxes, fontsize=8, va="top", color="#333333")  # fmt: skip
    outcome = _OUTCOME.get(result.outcome, result.outcome)
    trt = treatment_label or label_of(result.treatment)
    comp = comparator_label or label_of(result.comparator)
    worse = {"pain": "more pain", "akps": "worse function"}.get(result.outcome, "worse")
    sign = "> 0" if _LOWER_IS_BETTER.get(result.outcome, True) else "< 0"
    ax.set_xlabel(
        f"δ added to the {result.n_shifted} imputed week-{result.week:g} values on {trt}\n"
        f"(δ {sign}: {worse} than similar people who stayed)"
    )
    ax.set_ylabel(f"Difference in {outcome}\n({trt} − {comp})")
    ax.legend(frameon=False, fontsize=8, loc="best")
    tidy(ax)
    ax.set_title(
        title or f"Tipping-point analysis ({result.method} imputation, m = {result.m})",
        loc="left",
        fontweight="bold",
    )
    return ax


def sensitivity_forest(
    result: Any, treatment: str | None = None, ax: Any = None, *, title: str | None = None
) -> Any:
    """The primary estimate and its sensitivity analyses (differences in means) as a forest.

    Rows of a :func:`kneestudy.effects.sensitivity_table` result measured as a
    difference in means, for one treatment arm; the primary analysis in
    black, the others in colour; the tipping point, when there is one, noted
    under the axis. Rows that could not be computed are left out.

    Returns
    -------
    matplotlib Axes
    """
    t = result.table
    arms = list(dict.fromkeys(t["treatment"]))
    treatment = arms[0] if treatment is None else treatment
    if treatment not in arms:
        raise ValueError(f"unknown treatment {treatment!r}; arms: {arms}")
    rows = t[(t["treatment"] == treatment) & (t["measure"] == "MD") & t["estimate"].notna()]
    ax = new_axes(ax, figsize=(6.5, 0.45 * max(len(rows), 1) + 1.6))
    y = np.arange(len(rows))[::-1]
    for yi, (_, r) in zip(y, rows.iterrows(), strict=True):
        primary = r["analysis"].startswith("primary")
        c = "black" if primary else OKABE_ITO[0]
        ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color=c, lw=1.6)
        ax.plot([r["estimate"]], [yi], marker="D" if primary else "o", color=c, ms=6)
    ax.set_yticks(y)
    ax.set_yticklabels(list(rows["analysis"]), fontsize=8)
    ax.axvline(0.0, color="black", lw=0.8)
    tp = t[(t["treatment"] == treatment) & (t["measure"] == "delta")]
    outcome = _OUTCOME.get(result.outcome, result.outcome)
    comp = label_of(str(rows["comparator"].iloc[0])) if len(rows) else "comparator"
    xlabel = f"Difference in {outcome}, week {result.week:g}\n{label_of(treatment)} − {comp}"
    if len(tp) and np.isfinite(tp["estimate"].iloc[0]):
        xlabel += f"\ntipping point: δ = {tp['estimate'].iloc[0]:.2f} (MAR imputation)"
    ax.set_xlabel(xlabel)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.set_title(title or "Primary estimate and sensitivity analyses", loc="left",
                 fontweight="bold")  # fmt: skip
    return ax
