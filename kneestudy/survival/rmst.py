r"""Restricted mean survival time (RMST) up to :math:`\tau`, as survRM2 / ``print.survfit``.

.. math::

    \widehat{\mathrm{RMST}}(\tau) = \int_0^\tau \hat S(t)\,dt, \qquad
    \widehat{\mathrm{Var}} = \sum_{t_j \le \tau} A_j^2 \frac{d_j}{n_j (n_j - d_j)},
    \quad A_j = \int_{t_j}^{\tau} \hat S(t)\,dt

(the Greenwood-type variance of the estimate; terms with :math:`n_j = d_j` are
0). This is survRM2's ``rmst1`` formula, computed by hand in the R reference
script. It is the formula matched by construction, because survRM2 is the
published method (Uno et al.) that trial reports cite; on every reference data
set it also equals R's ``print(survfit(...), rmean = tau)`` ``se(rmean)`` to
machine precision (the tests check both).

Between groups (each against the first group as reference: the first category
of a categorical, else the first sorted label): the difference
with variance :math:`V_1 + V_0` and the ratio on the log scale with variance
:math:`V_1/\mu_1^2 + V_0/\mu_0^2` (delta method), Wald intervals — survRM2's
``rmst2``.

lifelines' ``restricted_mean_survival_time(..., return_variance=True)`` returns
the variance of the restricted survival time :math:`\min(T, \tau)` across
individuals, not the variance of the estimated mean, and must not be used
for confidence intervals.

References
----------
Royston P, Parmar MKB (2013). BMC Med Res Methodol 13:152.
Uno H et al. (2014). J Clin Oncol 32:2380–2385 (survRM2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from kneestudy.errors import AnalysisError
from kneestudy.survival._input import as_durations, as_groups, as_observed
from kneestudy.survival.km import kaplan_meier
from kneestudy.survival.results import RMSTResult

__all__ = ["rmst"]


def _rmst_one(time: np.ndarray, surv: np.ndarray, d: np.ndarray, n: np.ndarray, tau: float):
    keep = time <= tau
    t, s, dd, nn = time[keep], surv[keep], d[keep], n[keep]
    grid = np.concatenate([[0.0], t, [tau]])
    areas = np.diff(grid) * np.concatenate([[1.0], s])
    est = float(areas.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(nn - dd == 0, 0.0, dd / (nn * (nn - dd)))
    # A_j: area from t_j to tau = sum of the areas after interval j
    after = np.cumsum(areas[::-1])[::-1][1:]
    var = float(np.sum(after**2 * h))
    return est, var


def rmst(durations: Any, observed: Any, groups: Any, tau: float, alpha: float = 0.05) -> RMSTResult:
    """Restricted mean time (e.g. weeks spent not yet pain-free) up to ``tau`` per group.

    Parameters
    ----------
    durations, observed : array-like
        Follow-up time (> 0) and event indicator.
    groups : array-like or None
        Group label per participant (None: one group).
    tau : float
        Truncation time; must not exceed the last follow-up time of any group.
    alpha : float
        1 − confidence level.

    Returns
    -------
    RMSTResult
        ``.table`` (group, rmst, se, ci_low, ci_high), ``.difference`` and
        ``.ratio`` (each group against the first group: first category, or first
        sorted label).

    Examples
    --------
    >>> r = rmst([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 0], ["a", "b"] * 3, tau=5)
    >>> list(r.table["group"])
    ['a', 'b']
    """
    t = as_durations(durations)
    e = as_observed(observed, t.size)
    if groups is None:
        codes, labels = np.zeros(t.size, dtype=np.intp), [""]
    else:
        codes, labels = as_groups(groups, t.size)
    tau = float(tau)
    if not np.isfinite(tau) or tau <= 0:
        raise AnalysisError(f"tau must be a positive number, got {tau}")
    last = pd.Series(t).groupby(codes).max()
    too_far = [labels[i] for i, m in last.items() if tau > m]
    if too_far:
        raise AnalysisError(
            f"tau = {tau:g} is beyond the last follow-up of group(s) {too_far} "
            f"(last times {[float(last[labels.index(g)]) for g in too_far]}); the curve is "
            "unknown there. Choose tau no larger than the shortest group follow-up."
        )
    fit = kaplan_meier(t, e, None if groups is None else groups, conf_type="plain", alpha=alpha)
    z = float(stats.norm.ppf(1 - alpha / 2))
    rows = []
    for g, sub in fit.table.groupby("group", sort=False):
        est, var = _rmst_one(
            sub["time"].to_numpy(),
            sub["survival"].to_numpy(),
            sub["events"].to_numpy(),
            sub["at_risk"].to_numpy(),
            tau,
        )
        se = np.sqrt(var)
        rows.append((g, est, se, est - z * se, est + z * se))
    table = pd.DataFrame(rows, columns=["group", "rmst", "se", "ci_low", "ci_high"])
    diffs, ratios = [], []
    ref = table.iloc[0]
    for _, row in table.iloc[1:].iterrows():
        dif = row.rmst - ref.rmst
        dse = float(np.hypot(row.se, ref.se))
        zd = dif / dse
        diffs.append(
            (
                row.group,
                ref.group,
                dif,
                dse,
                dif - z * dse,
                dif + z * dse,
                2 * stats.norm.sf(abs(zd)),
            )
        )
        lr = np.log(row.rmst / ref.rmst)
        lse = float(np.sqrt(row.se**2 / row.rmst**2 + ref.se**2 / ref.rmst**2))
        ratios.append(
            (
                row.group,
                ref.group,
                float(np.exp(lr)),
                lse,
                float(np.exp(lr - z * lse)),
                float(np.exp(lr + z * lse)),
                2 * stats.norm.sf(abs(lr / lse)),
            )
        )
    cols = ["group", "reference", "estimate", "se", "ci_low", "ci_high", "p_value"]
    difference = pd.DataFrame(diffs, columns=cols)
    ratio = pd.DataFrame(ratios, columns=[*cols[:3], "se_log", *cols[4:]])
    return RMSTResult(table=table, difference=difference, ratio=ratio, tau=tau, alpha=alpha)
