r"""Vectorised estimators: one analysis of many two-arm trials at once.

Each function takes ``(reps, 2, n, ...)`` arrays (arm 0 = treatment, arm 1 =
comparator, NaN = not recorded) and returns a :class:`BatchEstimates` with
one value per trial. They compute exactly what kneestudy's single-trial
estimators compute on each trial (the tests check equality trial by trial):

* :func:`ancova` — :func:`kneestudy.effects.ancova`, R's
  ``lm(y ~ baseline + arm)`` on complete cases at the week, t interval on
  ``n - 3`` df;
* :func:`ttest` — :func:`kneestudy.effects.mean_difference` with
  ``var_equal=True`` (R's ``t.test(var.equal = TRUE)``), unadjusted;
* :func:`responders` — the risk difference of
  :func:`kneestudy.effects.responders` with its Wald interval, tested by
  Pearson's chi-square test without continuity correction (R's
  ``prop.test(correct = FALSE)``), the test ``power.prop.test`` plans for.

A trial whose analysis is not defined (an arm without data, no variation)
has ``ok = False`` and NaN values; it counts as not rejecting the null.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

__all__ = ["BatchEstimates", "ancova", "responder_events", "responders", "ttest"]

#: Default responder thresholds, as :data:`kneestudy.effects.responders.DEFAULT_MCID`.
MCID = {"pain": 2.0, "akps": 10.0, "recovered": 6.0}


@dataclass(frozen=True)
class BatchEstimates:
    """One analysis of each of ``reps`` trials (arrays of length ``reps``).

    ``estimate`` is on the analysis' own scale (mean difference, risk
    difference, log hazard ratio); ``ci_low``/``ci_high`` its interval at
    ``level``; ``p_value`` the two-sided p-value of the analysis' test;
    ``n_analysed`` the participants it used; ``ok`` False where the analysis
    is not defined for a trial.
    """

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    n_analysed: np.ndarray
    ok: np.ndarray

    @classmethod
    def build(cls, est, se, lo, hi, p, n_analysed, ok) -> BatchEstimates:
        ok = np.asarray(ok, dtype=bool) & np.isfinite(est) & np.isfinite(se) & np.isfinite(p)
        nan = np.where(ok, 0.0, np.nan)
        return cls(
            estimate=np.asarray(est, float) + nan,
            se=np.asarray(se, float) + nan,
            ci_low=np.asarray(lo, float) + nan,
            ci_high=np.asarray(hi, float) + nan,
            p_value=np.asarray(p, float) + nan,
            n_analysed=np.asarray(n_analysed, dtype=np.int64),
            ok=ok,
        )


def _week_index(weeks: np.ndarray, week: float) -> int:
    j = np.flatnonzero(np.isclose(weeks, float(week)))
    if j.size == 0 or float(week) <= 0:
        raise ValueError(f"week {week:g} is not a post-baseline visit of {weeks.tolist()}")
    return int(j[0])


def _tcrit(level: float, df: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return stats.t.ppf(0.5 + level / 2, np.where(df >= 1, df, np.nan))


def ancova(
    values: np.ndarray, weeks: np.ndarray, week: float, level: float = 0.95
) -> BatchEstimates:
    r"""Baseline-adjusted mean difference at ``week`` for every trial.

    Per trial, on participants with the value and its baseline, the least
    squares fit :math:`y = \beta_0 + \beta_1 b + \gamma t + \varepsilon`
    (:math:`t` = 1 on treatment) gives :math:`\hat\gamma` with
    :math:`\widehat{\mathrm{se}} = \sqrt{\hat\sigma^2 [(X^\top X)^{-1}]_{33}}`,
    :math:`\hat\sigma^2 = \mathrm{RSS}/(n_{obs} - 3)`.

    Parameters
    ----------
    values : ndarray
        ``(reps, 2, n, visits)`` outcome values.
    weeks : ndarray
        The visit weeks (week 0 = baseline).
    week : float
        The analysis week.
    level : float
        Confidence level.
    """
    j = _week_index(weeks, week)
    y = values[..., j]
    b = values[..., 0]
    m = np.isfinite(y) & np.isfinite(b)
    reps = y.shape[0]
    t = np.zeros(y.shape)
    t[:, 0] = 1.0
    yz, bz, mf = np.where(m, y, 0.0), np.where(m, b, 0.0), m.astype(float)
    tz = t * mf
    cols = (mf, bz, tz)
    xtx = np.empty((reps, 3, 3))
    xty = np.empty((reps, 3))
    for a in range(3):
        xty[:, a] = (cols[a] * yz).sum(axis=(1, 2))
        for c in range(a, 3):
            xtx[:, a, c] = xtx[:, c, a] = (cols[a] * cols[c]).sum(axis=(1, 2))
    n_t = m[:, 0].sum(axis=1)
    n_c = m[:, 1].sum(axis=1)
    n_obs = n_t + n_c
    df = n_obs - 3.0
    # a trial is analysable when both arms have data, baseline varies and df >= 1
    b_var = (bz**2).sum(axis=(1, 2)) - (bz.sum(axis=(1, 2)) ** 2) / np.maximum(n_obs, 1)
    ok = (n_t > 0) & (n_c > 0) & (df >= 1) & (b_var > 1e-12 * np.maximum(1.0, n_obs))
    safe = np.where(ok[:, None, None], xtx, np.eye(3)[None])
    inv = np.linalg.inv(safe)
    beta = np.einsum("rab,rb->ra", inv, np.where(ok[:, None], xty, 0.0))
    fitted = beta[:, 0, None, None] + beta[:, 1, None, None] * bz + beta[:, 2, None, None] * t
    resid = np.where(m, yz - fitted, 0.0)
    rss = (resid**2).sum(axis=(1, 2))
    y_mean = yz.sum(axis=(1, 2)) / np.maximum(n_obs, 1)
    y_ss = (np.where(m, y - y_mean[:, None, None], 0.0) ** 2).sum(axis=(1, 2))
    ok &= (rss > 0) & (y_ss > 0)  # kneestudy.effects.ancova refuses an outcome without variance
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma2 = rss / df
        se = np.sqrt(sigma2 * inv[:, 2, 2])
        est = beta[:, 2]
        tq = _tcrit(level, df)
        p = 2.0 * stats.t.sf(np.abs(est / se), np.where(ok, df, np.nan))
    return BatchEstimates.build(est, se, est - tq * se, est + tq * se, p, n_obs, ok)


def ttest(values: np.ndarray, weeks: np.ndarray, week: float, level: float = 0.95):
    r"""Unadjusted difference in means at ``week`` (pooled-variance t test).

    :math:`\bar y_T - \bar y_C` with :math:`\mathrm{se} = s_p\sqrt{1/n_T + 1/n_C}`
    on :math:`n_T + n_C - 2` df (Student 1908; R's ``t.test(var.equal =
    TRUE)``), as :func:`kneestudy.effects.mean_difference` with
    ``var_equal=True``: everyone with the value at the week is analysed.
    """
    j = _week_index(weeks, week)
    y = values[..., j]
    m = np.isfinite(y)
    yz = np.where(m, y, 0.0)
    n = m.sum(axis=2).astype(float)  # (reps, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = yz.sum(axis=2) / n
        ss = (np.where(m, y - mean[..., None], 0.0) ** 2).sum(axis=2)
        df = n.sum(axis=1) - 2.0
        sp2 = ss.sum(axis=1) / df
        se = np.sqrt(sp2 * (1.0 / n[:, 0] + 1.0 / n[:, 1]))
        est = mean[:, 0] - mean[:, 1]
        tq = _tcrit(level, df)
        ok = (n[:, 0] >= 2) & (n[:, 1] >= 2) & (sp2 > 0)
        p = 2.0 * stats.t.sf(np.abs(est / se), np.where(ok, df, np.nan))
    return BatchEstimates.build(est, se, est - tq * se, est + tq * se, p, n.sum(axis=1), ok)


def responder_events(
    values: np.ndarray, weeks: np.ndarray, week: float, outcome: str, mcid: float | None = None
) -> np.ndarray:
    """0/1 responder indicator (NaN = not evaluable), as ``responder_table``.

    ``values`` are pain or AKPS (with baseline at visit 0) or the GRC for
    ``outcome="recovered"``; the arithmetic is that of
    :func:`kneestudy.effects.responders.responder_table` (``baseline - value
    >= 2`` for pain, ``value - baseline >= 10`` for AKPS, ``grc >= 6``).
    """
    j = _week_index(weeks, week)
    thr = MCID[outcome] if mcid is None else float(mcid)
    val = values[..., j]
    if outcome == "recovered":
        return np.where(np.isnan(val), np.nan, (val >= thr).astype(float))
    base = values[..., 0]
    miss = np.isnan(val) | np.isnan(base)
    with np.errstate(invalid="ignore"):
        hit = (base - val >= thr) if outcome == "pain" else (val - base >= thr)
    return np.where(miss, np.nan, hit.astype(float))


def responders(events: np.ndarray, level: float = 0.95) -> BatchEstimates:
    r"""Risk difference of responders and Pearson's chi-square test, per trial.

    With :math:`a/n_1` responders on treatment and :math:`c/n_2` on the
    comparator, RD :math:`= p_1 - p_2` with the Wald interval :math:`\pm
    z\sqrt{p_1(1-p_1)/n_1 + p_2(1-p_2)/n_2}` (as
    :func:`kneestudy.effects.responders`), and
    :math:`X^2 = (p_1 - p_2)^2 / [\bar p(1-\bar p)(1/n_1 + 1/n_2)]` on 1 df,
    :math:`\bar p = (a + c)/(n_1 + n_2)` (Pearson's test of a 2x2 table, R's
    ``prop.test(correct = FALSE)``). A trial where the risk difference has
    no standard error (0% or 100% responders in both arms) is not analysable.

    Parameters
    ----------
    events : ndarray
        ``(reps, 2, n)`` 0/1 with NaN for participants not evaluable
        (:func:`responder_events`).
    """
    ev = np.isfinite(events)
    n = ev.sum(axis=2).astype(float)
    k = np.where(ev, events, 0.0).sum(axis=2)
    z = float(stats.norm.ppf(0.5 + level / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        rd = p[:, 0] - p[:, 1]
        se = np.sqrt(p[:, 0] * (1 - p[:, 0]) / n[:, 0] + p[:, 1] * (1 - p[:, 1]) / n[:, 1])
        pbar = k.sum(axis=1) / n.sum(axis=1)
        x2 = rd**2 / (pbar * (1 - pbar) * (1 / n[:, 0] + 1 / n[:, 1]))
        pv = special.chdtrc(1, x2)
    ok = (n[:, 0] > 0) & (n[:, 1] > 0) & (se > 0)
    return BatchEstimates.build(rd, se, rd - z * se, rd + z * se, pv, n.sum(axis=1), ok)
