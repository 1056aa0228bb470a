r"""Interval-censored time to pain-free: Turnbull NPMLE and a Weibull AFT model.

Pain is assessed at visits, so the week a runner became pain-free is only
known to lie in (previous visit, visit]. Two analyses use that interval:

* :func:`turnbull` — the nonparametric maximum-likelihood estimate (Turnbull
  1976) by EM (self-consistency) on the Turnbull intervals (innermost
  intervals (l, r] formed by a left end followed by a right end). As R's
  ``survfit(Surv(left, right, type = "interval2") ~ 1)``, the drop of each
  interval is drawn at its midpoint.
* :func:`interval_weibull` — the Weibull accelerated-failure-time model of R's
  ``survreg(..., dist = "weibull")``: :math:`\log T = x\beta + \sigma W`,
  :math:`W` standard minimum extreme value, :math:`S(t) = \exp\{-e^{(\log t -
  x\beta)/\sigma}\}`. Likelihood contributions: :math:`S(L) - S(R)` for an
  interval, :math:`S(L)` right-censored (:math:`R = \infty`), :math:`1 - S(R)`
  left-censored (:math:`L = 0`), the density when :math:`L = R` (exact).
  For a covariate with coefficient :math:`\beta`, the time ratio is
  :math:`e^{\beta}` and the hazard ratio :math:`e^{-\beta/\sigma}`; CIs by the
  delta method on the log scale with the inverse observed information.
  An interval :math:`(0, \infty)` (no visit after baseline) carries no
  information (its likelihood contribution is 1); R's ``survreg`` drops it as
  missing (``Surv(NA, NA, type = "interval2")``, "observations deleted due to
  missingness"), and so does :func:`interval_weibull`, with a warning and the
  number left out in the result.

References
----------
Turnbull BW (1976). JRSS-B 38:290–295.
Kalbfleisch JD, Prentice RL (2002). The Statistical Analysis of Failure Time
Data, 2nd ed., ch. 2–3. Therneau TM, survival package, ``survreg``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from kneestudy.errors import AnalysisError
from kneestudy.survival._input import positions
from kneestudy.survival.cox import cox, design_matrix
from kneestudy.survival.results import IntervalWeibullResult, TurnbullResult

__all__ = ["interval_comparison", "interval_weibull", "turnbull"]


def _check_interval(left: Any, right: Any) -> tuple[np.ndarray, np.ndarray]:
    lo = np.asarray(left, dtype=float)
    hi = np.asarray(right, dtype=float)
    if lo.shape != hi.shape or lo.ndim != 1 or lo.size == 0:
        raise AnalysisError("left and right must be non-empty 1-d arrays of equal length")
    bad = np.isnan(lo) | np.isnan(hi)
    if bad.any():
        raise AnalysisError(
            f"interval ends missing at positions {positions(bad)} (use 0 for 'before the "
            "first visit' and inf for right-censored)"
        )
    bad = (lo < 0) | (hi <= 0) | (hi < lo) | np.isinf(lo)
    if bad.any():
        raise AnalysisError(
            f"intervals must satisfy 0 <= left <= right, right > 0, left finite; bad at "
            f"positions {positions(bad)}"
        )
    return lo, hi


def turnbull(left: Any, right: Any, tol: float = 1e-12, max_iter: int = 100_000) -> TurnbullResult:
    """Turnbull NPMLE of S(t) from intervals (left, right] (right = inf: censored).

    Parameters
    ----------
    left, right : array-like
        Interval ends in weeks; ``left == right`` is an exact time.
    tol : float
        EM stops when no interval mass changes by more than ``tol``.

    Returns
    -------
    TurnbullResult
        ``.table`` (left, right, mass, survival after the interval) and
        ``.survival_at(times)``.

    Examples
    --------
    >>> fit = turnbull([0, 2, 2, 4], [2, 4, np.inf, 6])
    >>> [round(float(x), 3) for x in fit.table["mass"]]
    [0.25, 0.375, 0.375]
    """
    lo, hi = _check_interval(left, right)
    exact = lo == hi
    # Endpoints: right ends sort before left ends at the same value ((a, v] and (v, b]
    # do not overlap); an exact time t is the interval [t, t].
    lval = np.where(exact, lo, lo)
    pts = np.concatenate([lval, hi])
    kind = np.concatenate([np.where(exact, 0, 1), np.full(hi.size, 2)])  # 0/1 left, 2 right
    # ordering at ties: exact-left (closed) first, then right ends, then open left ends
    rank = np.where(kind == 0, 0, np.where(kind == 2, 1, 2))
    order = np.lexsort((rank, pts))
    ps, ks = pts[order], kind[order]
    is_left = ks != 2
    pair = is_left[:-1] & ~is_left[1:]
    tl, tr = ps[:-1][pair], ps[1:][pair]
    keep = ~np.concatenate([[False], (tl[1:] == tl[:-1]) & (tr[1:] == tr[:-1])])
    tl, tr = tl[keep], tr[keep]
    # identical intervals are pooled (visit data have few distinct ones)
    pairs = np.column_stack([lo, hi])
    upairs, counts = np.unique(pairs, axis=0, return_counts=True)
    ulo, uhi = upairs[:, 0], upairs[:, 1]
    uexact = ulo == uhi
    # row i covers Turnbull interval j if (tl, tr] lies within (lo, hi]; an exact
    # Turnbull interval [v, v] needs lo < v; an exact row covers only [v, v]
    tdeg = tl == tr
    left_ok = np.where(tdeg[None, :], ulo[:, None] < tl[None, :], ulo[:, None] <= tl[None, :])
    open_ok = left_ok & (tr[None, :] <= uhi[:, None])
    exact_ok = (tl[None, :] == ulo[:, None]) & (tr[None, :] == uhi[:, None])
    a = np.where(uexact[:, None], exact_ok, open_ok)
    a = a.astype(float)
    if not (a.sum(axis=1) > 0).all():
        raise AnalysisError("internal: an observation covers no Turnbull interval")
    m = tl.size
    p = np.full(m, 1.0 / m)
    n = float(counts.sum())
    w = counts.astype(float)
    converged = False
    iterations = 0
    for it in range(1, max_iter + 1):  # EM (self-consistency) updates, vectorised
        iterations = it
        denom = a @ p
        new = p * (a.T @ (w / denom)) / n
        change = np.max(np.abs(new - p))
        p = new
        if change < tol:
            converged = True
            break
    p[p < 1e-14] = 0.0
    p = p / p.sum()
    table = pd.DataFrame(
        {"left": tl, "right": tr, "mass": p, "survival": np.clip(1.0 - np.cumsum(p), 0.0, 1.0)}
    )
    return TurnbullResult(table=table, iterations=iterations, converged=converged)


def _negll_grad(theta: np.ndarray, x: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    p = x.shape[1]
    beta, logs = theta[:p], theta[p]
    s = np.exp(logs)
    mu = x @ beta
    exact = lo == hi
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        zl = np.where(lo > 0, (np.log(np.where(lo > 0, lo, 1.0)) - mu) / s, -np.inf)
        zr = np.where(
            np.isfinite(hi), (np.log(np.where(np.isfinite(hi), hi, 1.0)) - mu) / s, np.inf
        )
        el, er = np.exp(zl), np.exp(zr)
        sl, sr = np.exp(-el), np.exp(-er)
        fl = np.where(np.isfinite(zl), el * sl, 0.0)
        fr = np.where(np.isfinite(zr), er * sr, 0.0)
        flz = np.where(np.isfinite(zl), fl * zl, 0.0)
        frz = np.where(np.isfinite(zr), fr * zr, 0.0)
        # interval / censored: log(S_L - S_R); S_L - S_R = -expm1(-el) ... computed stably
        diff = np.where(np.isinf(zl), -np.expm1(-er), np.where(np.isinf(zr), sl, sl - sr))
        ll_int = np.where(np.isinf(zr), -el, np.log(diff))
        g_mu_int = (fl - fr) / (s * diff)
        g_ls_int = (flz - frz) / diff
        ll_ex = zl - el - logs - np.log(np.where(lo > 0, lo, 1.0))
        g_mu_ex = (el - 1.0) / s
        g_ls_ex = -(1.0 - el) * zl - 1.0
        ll = np.where(exact, ll_ex, ll_int)
        g_mu = np.where(exact, g_mu_ex, g_mu_int)
        g_ls = np.where(exact, g_ls_ex, g_ls_int)
        # a trial step of the line search can overflow (NaN); the optimiser backs off from it
        grad = np.concatenate([x.T @ g_mu, [g_ls.sum()]])
    return -float(ll.sum()), -grad


def interval_weibull(
    data: pd.DataFrame,
    covariates: Sequence[str] = ("arm",),
    left: str = "interval_low_weeks",
    right: str = "interval_high_weeks",
    alpha: float = 0.05,
) -> IntervalWeibullResult:
    """Weibull AFT model for interval-censored times, as R's ``survreg(dist = "weibull")``.

    Parameters
    ----------
    data : DataFrame
        E.g. the output of :func:`time_to_pain_free`.
    covariates : sequence of str
        Numeric columns, or categorical ones (treatment dummies vs the first
        level in kneestudy's one order, as in :func:`cox`).
    left, right : str
        Interval columns: 0 = before the first visit (left-censored), inf =
        right-censored, equal ends = exact time.
    alpha : float

    Returns
    -------
    IntervalWeibullResult
        ``.table`` (coef, se, z, p_value by term, with "Log(scale)"),
        ``.contrasts`` (time_ratio and hazard_ratio with CIs per covariate),
        ``.n`` (intervals used), ``.n_uninformative`` and ``.notes``.

    Warns
    -----
    RuntimeWarning
        When uninformative intervals (0, ∞) are left out (module notes).

    Examples
    --------
    >>> interval_weibull(time_to_pain_free(cohort), ["arm"]).contrasts  # doctest: +SKIP
    """
    lo, hi = _check_interval(data[left].to_numpy(), data[right].to_numpy())
    void = (lo == 0) & np.isinf(hi)
    notes: list[str] = []
    if void.any():
        note = (
            f"{int(void.sum())} uninformative interval(s) (0, ∞) at positions {positions(void)} "
            "(no visit after baseline) left out, as R's survreg drops them as missing"
        )
        notes.append(note)
        warnings.warn(note, RuntimeWarning, stacklevel=2)
        data, lo, hi = data.loc[~void], lo[~void], hi[~void]
        if lo.size == 0:
            raise AnalysisError("every interval is (0, ∞): there is nothing to fit")
    design = design_matrix(data, list(covariates)) if covariates else pd.DataFrame(index=data.index)
    names = ["(Intercept)", *design.columns]
    x = np.column_stack([np.ones(lo.size), design.to_numpy(dtype=float)])
    mid = np.where(np.isfinite(hi), np.where(lo > 0, (lo + hi) / 2, hi / 2), lo)
    theta0 = np.zeros(x.shape[1] + 1)
    theta0[0] = np.log(mid).mean()
    res = optimize.minimize(
        _negll_grad, theta0, args=(x, lo, hi), jac=True, method="BFGS", options={"gtol": 1e-10}
    )
    theta = res.x

    def hessian(th: np.ndarray) -> np.ndarray:
        k = th.size
        h = np.empty((k, k))
        for j in range(k):  # central differences of the analytic gradient
            step = 1e-5 * max(1.0, abs(th[j]))
            e = np.zeros(k)
            e[j] = step
            h[:, j] = (_negll_grad(th + e, x, lo, hi)[1] - _negll_grad(th - e, x, lo, hi)[1]) / (
                2 * step
            )
        return (h + h.T) / 2

    for _ in range(5):  # Newton polish to the exact optimum
        g = _negll_grad(theta, x, lo, hi)[1]
        theta = theta - linalg.solve(hessian(theta), g, assume_a="sym")
    if not np.all(np.isfinite(theta)):
        raise AnalysisError("the Weibull model did not converge (too few events?)")
    vcov = linalg.inv(hessian(theta))
    se = np.sqrt(np.diag(vcov))
    z = theta / se
    zc = float(stats.norm.ppf(1 - alpha / 2))
    table = pd.DataFrame(
        {"coef": theta, "se": se, "z": z, "p_value": 2 * stats.norm.sf(np.abs(z))},
        index=pd.Index([*names, "Log(scale)"], name="term"),
    )
    sigma = float(np.exp(theta[-1]))
    rows = []
    k = len(names)
    for j in range(1, k):
        b = theta[j]
        lhr = -b / sigma
        grad = np.zeros(k + 1)
        grad[j] = -1 / sigma
        grad[-1] = b / sigma
        lse = float(np.sqrt(grad @ vcov @ grad))
        rows.append(
            {
                "covariate": names[j],
                "time_ratio": float(np.exp(b)),
                "tr_ci_low": float(np.exp(b - zc * se[j])),
                "tr_ci_high": float(np.exp(b + zc * se[j])),
                "log_hr": lhr,
                "log_hr_se": lse,
                "hazard_ratio": float(np.exp(lhr)),
                "hr_ci_low": float(np.exp(lhr - zc * lse)),
                "hr_ci_high": float(np.exp(lhr + zc * lse)),
            }
        )
    contrasts = pd.DataFrame(rows).set_index("covariate") if rows else pd.DataFrame()
    return IntervalWeibullResult(
        table=table,
        contrasts=contrasts,
        scale=sigma,
        loglik=-_negll_grad(theta, x, lo, hi)[0],
        vcov=vcov,
        n=int(lo.size),
        n_uninformative=int(void.sum()),
        notes=tuple(notes),
    )


def interval_comparison(tte: pd.DataFrame, covariates: Sequence[str] = ("arm",)) -> pd.DataFrame:
    """The interval-censored analysis beside the visit-week analyses.

    Parameters
    ----------
    tte : DataFrame
        Output of :func:`time_to_pain_free` (time_weeks, observed,
        interval_low_weeks, interval_high_weeks and the covariates).
    covariates : sequence of str
        Default: the arm (coded against its first sorted level).

    Returns
    -------
    DataFrame
        One row per analysis and covariate: analysis ("Weibull,
        interval-censored", "Weibull, visit week", "Cox, visit week"),
        covariate, hazard_ratio, hr_ci_low, hr_ci_high, time_ratio, tr_ci_low,
        tr_ci_high (time ratios NaN for Cox, which has none). The visit-week
        analyses treat the visit at which pain-freedom was seen as the event
        time, which biases times upwards; the interval analysis does not.
    """
    d = tte.copy()
    d["_vw_low"] = d["time_weeks"].astype(float)
    d["_vw_high"] = np.where(d["observed"].astype(bool), d["time_weeks"], np.inf)
    rows = []
    for label, lo, hi in [
        ("Weibull, interval-censored", "interval_low_weeks", "interval_high_weeks"),
        ("Weibull, visit week", "_vw_low", "_vw_high"),
    ]:
        c = interval_weibull(d, covariates, lo, hi).contrasts
        for cov, r in c.iterrows():
            rows.append(
                {
                    "analysis": label,
                    "covariate": cov,
                    "hazard_ratio": r["hazard_ratio"],
                    "hr_ci_low": r["hr_ci_low"],
                    "hr_ci_high": r["hr_ci_high"],
                    "time_ratio": r["time_ratio"],
                    "tr_ci_low": r["tr_ci_low"],
                    "tr_ci_high": r["tr_ci_high"],
                }
            )
    fit = cox(d, "time_weeks", "observed", list(covariates), ph_test=False)
    for cov, r in fit.table.iterrows():
        rows.append(
            {
                "analysis": "Cox, visit week",
                "covariate": cov,
                "hazard_ratio": r["hr"],
                "hr_ci_low": r["ci_low"],
                "hr_ci_high": r["ci_high"],
                "time_ratio": np.nan,
                "tr_ci_low": np.nan,
                "tr_ci_high": np.nan,
            }
        )
    return pd.DataFrame(rows)
