"""Curves over time: time to pain-free (share pain-free) and outcome trajectories."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.plots._style import arm_colors, new_axes, tidy
from kneestudy.plots.labels import literal

__all__ = ["at_risk_table", "pain_free_curves", "trajectory_summary", "trajectories"]

_OUTCOME_LABELS = {
    "pain": "Pain when running (0–10 NRS)",
    "akps": "AKPS (Kujala, 0–100)",
}


def at_risk_table(km_table: pd.DataFrame, times: Sequence[float]) -> pd.DataFrame:
    """Number still at risk (not yet pain-free, not censored) per group at ``times``.

    Read from a Kaplan–Meier table (columns ``group``, ``time``, ``at_risk``,
    ``events``, ``censored``): the number at risk at time *t* is ``at_risk``
    at the first tabulated time ≥ *t* (the table lists every time at which
    someone had the event or was censored), and 0 after the last one.

    Returns
    -------
    DataFrame
        One row per group, one column per time.
    """
    table = km_table
    if "group" not in table.columns:
        table = table.assign(group="all")
    rows = {}
    for group, g in table.groupby("group", sort=False, observed=True):
        g = g.sort_values("time")
        t = g["time"].to_numpy(dtype=float)
        n = g["at_risk"].to_numpy(dtype=float)
        # before or at the first time the whole group is at risk
        counts = []
        for x in times:
            idx = np.searchsorted(t, x, side="left")
            counts.append(int(n[idx]) if idx < len(t) else 0)
        rows[str(group)] = counts
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(times))


def pain_free_curves(
    km: Any,
    ax: Any = None,
    *,
    times: Sequence[float] | None = None,
    colors: Mapping[str, str] | None = None,
    comparator: str | None = None,
    title: str = "Time to pain-free",
    xlabel: str = "Weeks since randomisation",
) -> Any:
    """Share of participants pain-free over time (1 − S(t)), with 95% CI bands.

    A step curve per group from a Kaplan–Meier result, drawn rising
    (share pain-free = 1 − survival; the band is 1 − upper .. 1 − lower
    confidence limit), with the number at risk at ``times`` in an aligned
    table below the axis.

    Parameters
    ----------
    km : KMResult or DataFrame
        ``kneestudy.survival.kaplan_meier`` result (or its ``.table``) with
        columns group, time, at_risk, events, censored, survival, ci_low, ci_high.
    ax : matplotlib Axes, optional
    times : sequence of float, optional
        Times of the at-risk table (default: 0 and every 4 weeks to the end).
    colors : mapping group -> colour, optional
    comparator : str, optional
        Group drawn grey (the control arm).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import kneestudy as ks  # doctest: +SKIP
    >>> tt = ks.survival.time_to_pain_free(cohort)  # doctest: +SKIP
    >>> km = ks.survival.kaplan_meier(tt.time_weeks, tt.observed, tt.arm)  # doctest: +SKIP
    >>> ks.plots.pain_free_curves(km)  # doctest: +SKIP
    """
    table = km.table if hasattr(km, "table") else km
    if "group" not in table.columns:
        table = table.assign(group="all")
    ax = new_axes(ax, figsize=(7.0, 5.0))
    groups = [str(g) for g in pd.unique(table["group"])]
    colors = dict(colors or arm_colors(groups, comparator))
    t_end = float(table["time"].max()) if len(table) else 1.0
    for key, g in table.groupby("group", sort=False, observed=True):
        g = g.sort_values("time")
        t = np.r_[0.0, g["time"].to_numpy(dtype=float)]
        s = np.r_[1.0, g["survival"].to_numpy(dtype=float)]
        lo = np.r_[1.0, g["ci_low"].to_numpy(dtype=float)]
        hi = np.r_[1.0, g["ci_high"].to_numpy(dtype=float)]
        if t[-1] < t_end:
            t, s, lo, hi = np.r_[t, t_end], np.r_[s, s[-1]], np.r_[lo, lo[-1]], np.r_[hi, hi[-1]]
        c = colors.get(str(key), "#333333")
        ax.step(t, 100 * (1 - s), where="post", color=c, linewidth=2, label=literal(key))
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.fill_between(
            t[ok], 100 * (1 - hi[ok]), 100 * (1 - lo[ok]), step="post", color=c, alpha=0.15, lw=0
        )
    ax.set_ylim(0, 100)
    ax.set_xlim(0, t_end)
    ax.set_ylabel("Pain-free (%)")
    ax.set_xlabel(xlabel)
    ax.set_title(literal(title), loc="left", fontweight="bold")
    ax.legend(frameon=False, loc="upper left")
    tidy(ax)
    if times is None:
        step = 4.0 if t_end > 8 else 1.0
        times = list(np.arange(0.0, t_end + 1e-9, step))
    risk = at_risk_table(table, times)
    n_rows = len(risk)
    tab = ax.inset_axes([0.0, -0.22 - 0.07 * n_rows, 1.0, 0.06 * n_rows + 0.02], sharex=ax)
    tab.set_ylim(-0.5, n_rows - 0.5)
    for i, (group, row) in enumerate(risk.iterrows()):
        y = n_rows - 1 - i
        for x, n in row.items():
            tab.text(float(x), y, str(n), ha="center", va="center", fontsize=8)
        name = str(group) if len(str(group)) <= 20 else str(group)[:19] + "…"
        tab.text(
            -0.04,
            y,
            literal(name),
            ha="right",
            va="center",
            fontsize=8,
            color=colors.get(str(group), "#333333"),
            transform=tab.get_yaxis_transform(),
        )
    tab.set_title("Number still at risk", loc="left", fontsize=8, pad=2)
    tab.axis("off")
    return ax


def trajectory_summary(long: pd.DataFrame, outcome: str, by: str = "arm") -> pd.DataFrame:
    """Mean and t-based 95% CI of ``outcome`` per group and week (observed data).

    CI = mean ± t(0.975, n − 1) · sd / √n; groups with n < 2 get NaN limits.
    """
    rows = []
    data = long.dropna(subset=[outcome])
    for (group, week), g in data.groupby([by, "week"], sort=False, observed=True):
        y = g[outcome].to_numpy(dtype=float)
        n = len(y)
        mean = float(y.mean())
        if n >= 2:
            from scipy import stats

            half = float(stats.t.ppf(0.975, n - 1) * y.std(ddof=1) / math.sqrt(n))
        else:
            half = math.nan
        rows.append(
            {
                by: group,
                "week": float(week),
                "n": n,
                "mean": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
            }
        )
    out = pd.DataFrame(rows, columns=[by, "week", "n", "mean", "ci_low", "ci_high"])
    return out.sort_values([by, "week"], kind="stable").reset_index(drop=True)


def trajectories(
    cohort: Any,
    outcome: str = "pain",
    ax: Any = None,
    *,
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Any:
    """Observed mean outcome by arm and week with 95% CIs.

    Parameters
    ----------
    cohort : Cohort
    outcome : {"pain", "akps"}
    ax : matplotlib Axes, optional
    colors : mapping arm -> colour, optional (default: :func:`cohort_colors`)

    Returns
    -------
    matplotlib Axes
    """
    from kneestudy.plots._style import arm_colors as _arm_colors

    ax = new_axes(ax)
    summary = trajectory_summary(cohort.long(outcome), outcome)
    arms = list(cohort.arms["arm"])
    if colors is None:
        comp = cohort.arms.loc[cohort.arms["is_comparator"], "arm"]
        colors = _arm_colors(arms, comp.iloc[0] if len(comp) else None)
    weeks = np.sort(summary["week"].unique()) if len(summary) else np.array([0.0])
    span = float(weeks.max() - weeks.min()) or 1.0
    dodge = span * 0.008
    for i, arm in enumerate(arms):
        g = summary[summary["arm"] == arm]
        x = g["week"].to_numpy() + (i - (len(arms) - 1) / 2) * dodge
        c = colors.get(arm, "#333333")
        ax.plot(x, g["mean"], marker="o", ms=4, color=c, lw=2, label=literal(arm))
        ax.errorbar(
            x,
            g["mean"],
            yerr=[g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]],
            fmt="none",
            ecolor=c,
            elinewidth=1,
            capsize=2,
        )
    ax.set_xlabel("Week")
    ax.set_ylabel(_OUTCOME_LABELS.get(outcome, outcome))
    if outcome == "pain":
        ax.set_ylim(0, 10)
    elif outcome == "akps":
        ax.set_ylim(0, 100)
    ax.set_xticks(weeks)
    ax.set_title(
        literal(
            title or f"{_OUTCOME_LABELS.get(outcome, outcome).split(' (')[0]} by arm (mean, 95% CI)"
        ),
        loc="left",
        fontweight="bold",
    )
    ax.legend(frameon=False, fontsize=8, loc="best")
    tidy(ax)
    return ax
