"""Power curves of a planned trial (matplotlib, imported only when drawing).

:func:`power_curve` draws the simulated power over sample size per arm with
its exact 95% Monte Carlo band and the usual targets (80%, 90%); it takes a
:class:`~kneestudy.design.PowerCurveResult`, a
:class:`~kneestudy.design.SampleSizeResult` (its evaluated points) or a
:class:`~kneestudy.design.PlanningResult` (the curve at the pooled estimate
and, dashed, at the confidence limit nearest no effect).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from kneestudy.interventions import label_of
from kneestudy.plots._style import COMPARATOR_COLOR, idea_color, new_axes, tidy

__all__ = ["power_curve"]

_ANALYSIS = {"ancova": "ANCOVA", "ttest": "t test", "mmrm": "MMRM", "responders": "responders",
             "logrank": "log-rank test", "cox": "Cox model"}  # fmt: skip


def _curves(result: Any) -> list[tuple[str, pd.DataFrame, str, str]]:
    """(label, table, colour, line style) for each curve of a result."""
    name = type(result).__name__
    if name == "PlanningResult":
        c = result.curve
        out = [(f"pooled estimate ({c.effect:.2f})", c.table, idea_color(result.idea), "-")]
        if result.conservative is not None:
            k = result.conservative
            out.append(
                (f"CI limit nearest no effect ({k.effect:.2f})", k.table, COMPARATOR_COLOR, "--")
            )
        return out
    if name == "SampleSizeResult":
        return [(f"effect {result.effect:.2f}", result.curve, idea_color(result.idea), "-")]
    if name == "PowerCurveResult":
        return [(f"effect {result.effect:.2f}", result.table, idea_color(result.idea), "-")]
    raise TypeError(
        f"power_curve draws a PowerCurveResult, SampleSizeResult or PlanningResult, got {name}"
    )


def power_curve(
    result: Any,
    ax: Any = None,
    *,
    targets: Sequence[float] = (0.8, 0.9),
    title: str | None = None,
    band: bool = True,
) -> Any:
    """Simulated power against the number of participants per arm.

    Parameters
    ----------
    result : PowerCurveResult, SampleSizeResult or PlanningResult
    ax : matplotlib Axes, optional
    targets : sequence of float
        Horizontal reference lines (the usual 80% and 90% power).
    title : str, optional
        Default: the design (treatment vs comparator, analysis).
    band : bool
        Shade the exact 95% Monte Carlo interval of each point.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> curve = ks.design.power_curve("orthotics", [20, 40, 80], effect=-1.0)  # doctest: +SKIP
    >>> ks.plots.power_curve(curve)  # doctest: +SKIP
    """
    ax = new_axes(ax)
    curves = _curves(result)
    for label, table, color, style in curves:
        t = table.sort_values("n_per_arm")
        ax.plot(t["n_per_arm"], t["power"], style, color=color, marker="o", markersize=3.5,
                label=label)  # fmt: skip
        if band:
            ax.fill_between(t["n_per_arm"], t["power_ci_low"], t["power_ci_high"], color=color,
                            alpha=0.18, linewidth=0)  # fmt: skip
    for y in targets:
        ax.axhline(y, color="#000000", linewidth=0.7, linestyle=":", zorder=1.5)
        ax.annotate(f"{y:.0%}", (1.0, y), xycoords=("axes fraction", "data"), xytext=(2, 0),
                    textcoords="offset points", va="center", fontsize=8)  # fmt: skip
    if type(result).__name__ == "SampleSizeResult":
        ax.axvline(result.n_per_arm, color=curves[0][2], linewidth=0.8)
        ax.axvspan(result.n_ci_low, result.n_ci_high, color=curves[0][2], alpha=0.08)
    base = result.curve if type(result).__name__ == "PlanningResult" else result
    ax.set_ylim(0, 1)
    ax.set_xlabel("Participants per arm")
    ax.set_ylabel(f"Power (two-sided alpha {base.alpha:g})")
    ax.set_title(
        title
        if title is not None
        else f"{label_of(base.treatment)} vs {label_of(base.comparator)}: "
        f"{_ANALYSIS.get(base.analysis, base.analysis)} of {base.outcome}, week {base.week:g}"
    )
    ax.legend(frameon=False, fontsize=8, loc="lower right", title=f"{base.reps} trials each",
              title_fontsize=8)  # fmt: skip
    tidy(ax)
    return ax
