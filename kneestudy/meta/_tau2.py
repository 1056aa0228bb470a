"""Engine of the univariate random-effects model (metafor's ``rma.uni``).

The model is :math:`y_i = x_i^\\top\\beta + u_i + e_i`, with
:math:`u_i \\sim N(0, \\tau^2)` and :math:`e_i \\sim N(0, v_i)`, ``v_i`` known.
This module holds the estimators of :math:`\\tau^2` (FE, DL, HE, SJ, PM, ML,
REML, EB), the weighted least-squares fit with or without the
Hartung–Knapp–Sidik–Jonkman adjustment, the heterogeneity statistics and the
Q-profile confidence interval for :math:`\\tau^2`, each written to reproduce
metafor 3.8 (Viechtbauer 2010) step for step: the same starting values,
Fisher-scoring updates, step halving, convergence threshold (``1e-5``),
truncation at zero and the same root finder (R's ``uniroot``, ported in
:func:`zeroin`).

Every matrix product is done in O(k p²) through the structure
``P = W - W X (X'WX)^{-1} X'W`` (diagonal minus low rank), so 10,000 studies
cost milliseconds.

References
----------
Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators
in the random-effects model. J Educ Behav Stat 30:261-293.
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3):1-48.
Viechtbauer W (2007). Confidence intervals for the amount of heterogeneity in
meta-analysis. Stat Med 26:37-52 (Q-profile).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from kneestudy.errors import AnalysisError

__all__ = ["METHODS", "RmaFit", "fit_rma", "qprofile_ci", "zeroin"]

#: τ² estimators, named as metafor's ``rma(method=)``.
METHODS = ("FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB")

DBL_EPS = float(np.finfo(float).eps)
#: ``.Machine$double.eps^0.25``: metafor's ``tol`` for ``uniroot`` and ll0 check.
R_TOL = DBL_EPS**0.25
#: metafor's Fisher-scoring convergence threshold on changes in τ².
THRESHOLD = 1e-5
MAXITER = 100
TAU2_MAX = 100.0


def zeroin(
    f: Callable[[float], float], lower: float, upper: float, tol: float = R_TOL, maxiter: int = 1000
) -> float:
    """Root of ``f`` in ``[lower, upper]``: a port of R's ``uniroot`` (C ``R_zeroin2``).

    Brent's (1973) method exactly as R implements it, so that roots found
    with metafor's loose tolerance (``tol = eps^0.25``) agree with R's to
    rounding error rather than to ``tol``.
    """
    a, b = float(lower), float(upper)
    fa, fb = f(a), f(b)
    if fa * fb > 0:
        raise AnalysisError("f() values at the end points are not of opposite sign")
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * DBL_EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise AnalysisError("root finding did not converge")


# --- matrices of the form diag(d) - L R' --------------------------------------------


def _tr(a, L, R, b, L2, R2) -> float:
    """tr(M N) with M = diag(a) - L R', N = diag(b) - L2 R2' (all O(k p²))."""
    return float(
        np.sum(a * b)
        - np.sum(a[:, None] * L2 * R2)
        - np.sum(b[:, None] * L * R)
        + np.trace((R.T @ L2) @ (R2.T @ L))
    )


def _wls(X: np.ndarray, w: np.ndarray, y: np.ndarray):
    """Weighted least squares: (beta, (X'WX)^-1, weighted residual sum of squares)."""
    XtW = X.T * w
    A = np.linalg.inv(XtW @ X)
    beta = A @ (XtW @ y)
    r = y - X @ beta
    return beta, A, float(np.sum(w * r * r)), r


def _P(X: np.ndarray, w: np.ndarray, A: np.ndarray):
    """P = W - W X A X'W as (diag, L, R)."""
    WX = X * w[:, None]
    return w, WX @ A, WX


def _q_at(tau2: float, y: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """Generalised Q statistic y' P(τ²) y (metafor's ``.QE.func`` with objective 0)."""
    return _wls(X, 1.0 / (vi + tau2), y)[2]


def _estimate_tau2(y, vi, X, method):
    """τ² and its standard error as ``rma.uni`` (before fitting the fixed effects)."""
    k, p = X.shape
    ymc = y - y.mean()
    note = None
    if method == "FE":
        return 0.0, math.nan, note
    if method in ("HE", "ML", "REML", "EB"):
        A0 = np.linalg.inv(X.T @ X)
        _, _, rss, _ = _wls(X, np.ones(k), ymc)
        ones = np.ones(k)
        trPV = _tr(ones, X @ A0, X, vi, np.zeros((k, 0)), np.zeros((k, 0)))
        tau2 = (rss - trPV) / (k - p)
        if method == "HE":
            tau2 = max(0.0, tau2)
            # PV = diag(v) - (X A0)(V X)'
            L, R = X @ A0, X * vi[:, None]
            trPVPV = _tr(vi, L, R, vi, L, R)
            se = math.sqrt(
                1 / (k - p) ** 2 * (2 * trPVPV + 4 * tau2 * trPV + 2 * tau2**2 * (k - p))
            )
            return tau2, se, note
        return _fisher_scoring(ymc, vi, X, method, max(0.0, tau2))
    if method == "DL":
        w = 1.0 / vi
        _, A, rss, _ = _wls(X, w, ymc)
        d, L, R = _P(X, w, A)
        trP = _tr(d, L, R, np.ones(k), np.zeros((k, 0)), np.zeros((k, 0)))
        tau2 = max(0.0, (rss - (k - p)) / trP)
        trPP = _tr(d, L, R, d, L, R)
        se = math.sqrt(1 / trP**2 * (2 * (k - p) + 4 * tau2 * trP + 2 * tau2**2 * trPP))
        return tau2, se, note
    if method == "SJ":
        tau2_0 = float(np.var(ymc))  # var(ymci) * (k - 1) / k
        w = 1.0 / (vi + tau2_0)
        _, A, rss, _ = _wls(X, w, ymc)
        tau2 = max(0.0, tau2_0 * rss / (k - p))
        d, L, R = _P(X, w, A)
        # PV = diag(w v) - L (V R)'; sum(PV * t(PV)) = tr(PV PV); sum(PV * P) = tr(PV P)
        Rv = R * vi[:, None]
        trPVPV = _tr(d * vi, L, Rv, d * vi, L, Rv)
        trPVP = _tr(d * vi, L, Rv, d, L, R)
        trPP = _tr(d, L, R, d, L, R)
        se = math.sqrt(
            tau2_0**2 / (k - p) ** 2 * (2 * trPVPV + 4 * tau2 * trPVP + 2 * tau2**2 * trPP)
        )
        return tau2, se, note
    if method == "PM":
        target = k - p
        # metafor: tau2.max = max(100, 10 * mad(yi)^2), mad with R's 1.4826 constant
        tau2_max = max(TAU2_MAX, 10 * (1.4826 * float(np.median(np.abs(y - np.median(y))))) ** 2)
        if _q_at(0.0, ymc, vi, X) < target:
            tau2 = 0.0
        elif _q_at(tau2_max, ymc, vi, X) > target:
            raise AnalysisError(
                f"Paule-Mandel estimator: tau^2 exceeds {tau2_max:g} (the generalised Q is "
                "still above k - p there); use method='REML' or 'DL'"
            )
        else:
            tau2 = zeroin(lambda t: _q_at(t, ymc, vi, X) - target, 0.0, tau2_max, R_TOL, MAXITER)
        tau2 = max(0.0, tau2)
        wi = 1.0 / (vi + tau2)
        se = math.sqrt(2 * k**2 / (k - p) / np.sum(wi) ** 2)
        return tau2, se, note
    raise AnalysisError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")


def _fisher_scoring(ymc, vi, X, method, tau2):
    k, p = X.shape
    change = THRESHOLD + 1
    it = 0
    note = None
    while change > THRESHOLD:
        it += 1
        old = tau2
        wi = 1.0 / (vi + tau2)
        _, A, rss, r = _wls(X, wi, ymc)
        if method == "ML":
            Pr = wi * r
            adj = (np.sum(Pr * Pr) - np.sum(wi)) / np.sum(wi**2)
        elif method == "REML":
            d, L, R = _P(X, wi, A)
            Pr = wi * r
            trP = float(np.sum(d) - np.sum(L * R))
            trPP = _tr(d, L, R, d, L, R)
            adj = (np.sum(Pr * Pr) - trP) / trPP
        else:  # EB
            adj = (rss * k / (k - p) - k) / np.sum(wi)
        adj = float(adj)
        if math.isnan(adj):
            adj = 0.0
        while tau2 + adj < 0:
            adj /= 2
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if it > MAXITER:
            raise AnalysisError(
                f"Fisher scoring for {method} did not converge in {MAXITER} iterations; "
                "try method='DL' or 'PM'"
            )
    if method in ("ML", "REML"):
        ll0 = _loglik(ymc, vi, X, 0.0, method)
        ll = _loglik(ymc, vi, X, tau2, method)
        if ll0 - ll > R_TOL and tau2 > THRESHOLD:
            warnings.warn(
                "Fisher scoring may have stopped at a local maximum; tau^2 set to 0 "
                "(as metafor does). Check the profile likelihood.",
                stacklevel=4,
            )
            tau2 = 0.0
            note = "local maximum: tau^2 set to 0"
    tau2 = max(0.0, tau2)
    wi = 1.0 / (vi + tau2)
    if method == "ML":
        se = math.sqrt(2 / np.sum(wi**2))
    elif method == "REML":
        _, A, _, _ = _wls(X, wi, ymc)
        d, L, R = _P(X, wi, A)
        se = math.sqrt(2 / _tr(d, L, R, d, L, R))
    else:
        se = math.sqrt(2 * k**2 / (k - p) / np.sum(wi) ** 2)
    return tau2, se, note


def _loglik(y, vi, X, tau2, method):
    k, p = X.shape
    w = 1.0 / (vi + tau2)
    _, A, rss, _ = _wls(X, w, y)
    if method == "ML":
        return -0.5 * k * math.log(2 * math.pi) - 0.5 * np.sum(np.log(vi + tau2)) - 0.5 * rss
    logdet = np.linalg.slogdet((X.T * w) @ X)[1]
    return (
        -0.5 * (k - p) * math.log(2 * math.pi)
        - 0.5 * np.sum(np.log(vi + tau2))
        - 0.5 * logdet
        - 0.5 * rss
    )


@dataclass
class RmaFit:
    """Everything ``rma.uni`` computes that kneestudy reports (internal)."""

    beta: np.ndarray
    vb: np.ndarray
    se: np.ndarray
    stat: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    crit: float
    ddf: float
    test: str
    tau2: float
    se_tau2: float
    qe: float
    qe_df: int
    qe_p: float
    i2: float
    h2: float
    vt: float
    qm: float
    qm_df: tuple
    qm_p: float
    s2w: float
    weights: np.ndarray  # 1 / (v_i + τ²), unnormalised
    k: int
    p: int
    method: str
    ll_ml: float
    ll_reml: float
    note: str | None = None


def fit_rma(
    yi: np.ndarray,
    vi: np.ndarray,
    X: np.ndarray | None = None,
    method: str = "REML",
    test: str = "z",
    alpha: float = 0.05,
    btt: list[int] | None = None,
) -> RmaFit:
    """Fit ``rma(yi, vi, mods = X[, -1], method, test)``; ``X`` includes the intercept.

    Inputs are assumed validated (finite, ``vi > 0``, ``k >= 1``).
    """
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    k = yi.shape[0]
    if X is None:
        X = np.ones((k, 1))
    p = X.shape[1]
    note = None
    if k == 1:
        test = "z"  # as metafor: a t test needs k - 1 > 0 df
        tau2, se_tau2 = 0.0, math.nan
    else:
        tau2, se_tau2, note = _estimate_tau2(yi, vi, X, method)
    w = 1.0 / (vi + tau2)
    beta, A, rss_f, _ = _wls(X, w, yi)
    vb = A
    s2w = 1.0
    if test == "knha":
        s2w = 0.0 if rss_f <= DBL_EPS else rss_f / (k - p)
        vb = s2w * vb
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):  # se = 0 when s2w = 0, as metafor
        stat = beta / se
    if test in ("knha", "t"):
        ddf = float(k - p)
        pval = 2 * stats.t.sf(np.abs(stat), ddf) if ddf > 0 else np.full(p, np.nan)
        crit = float(stats.t.isf(alpha / 2, ddf)) if ddf > 0 else math.nan
    else:
        ddf = math.nan
        pval = 2 * stats.norm.sf(np.abs(stat))
        crit = float(stats.norm.isf(alpha / 2))
    if btt is None:
        btt = list(range(1, p)) if p > 1 else [0]
    bt = beta[btt]
    try:
        qm = float(bt @ np.linalg.solve(vb[np.ix_(btt, btt)], bt))
    except np.linalg.LinAlgError:
        qm = math.nan
    m = len(btt)
    if test in ("knha", "t"):
        qm = qm / m
        qm_df = (m, k - p)
        qm_p = float(stats.f.sf(qm, m, k - p)) if k > p else math.nan
    else:
        qm_df = (m, None)
        qm_p = float(stats.chi2.sf(qm, m))
    if k > p:
        wf = 1.0 / vi
        ymc = yi - yi.mean()
        _, Af, qe, _ = _wls(X, wf, ymc)
        qe = max(0.0, qe)
        qe_p = float(stats.chi2.sf(qe, k - p))
        d, L, R = _P(X, wf, Af)
        vt = (k - p) / float(np.sum(d) - np.sum(L * R))
        if method == "FE":
            i2 = max(0.0, 100 * (qe - (k - p)) / qe) if qe > 0 else 0.0
            h2 = qe / (k - p)
        else:
            i2 = 100 * tau2 / (vt + tau2)
            h2 = tau2 / vt + 1
    else:
        qe, qe_p, i2, h2, vt = math.nan, math.nan, math.nan, math.nan, math.nan
    ll_ml = -0.5 * k * math.log(2 * math.pi) - 0.5 * np.sum(np.log(vi + tau2)) - 0.5 * rss_f
    ll_reml = (
        -0.5 * (k - p) * math.log(2 * math.pi)
        - 0.5 * np.sum(np.log(vi + tau2))
        - 0.5 * np.linalg.slogdet((X.T * w) @ X)[1]
        - 0.5 * rss_f
    )
    return RmaFit(
        beta=beta,
        vb=vb,
        se=se,
        stat=stat,
        pval=np.asarray(pval, dtype=float),
        ci_lb=beta - crit * se,
        ci_ub=beta + crit * se,
        crit=crit,
        ddf=ddf,
        test=test,
        tau2=float(tau2),
        se_tau2=float(se_tau2),
        qe=float(qe),
        qe_df=k - p,
        qe_p=float(qe_p),
        i2=float(i2),
        h2=float(h2),
        vt=float(vt),
        qm=qm,
        qm_df=qm_df,
        qm_p=qm_p,
        s2w=float(s2w),
        weights=w,
        k=k,
        p=p,
        method=method,
        ll_ml=float(ll_ml),
        ll_reml=float(ll_reml),
        note=note,
    )


def qprofile_ci(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, tau2: float, alpha: float = 0.05
) -> tuple[float, float]:
    """Q-profile confidence interval for τ² (metafor's ``confint(rma)``, ``type="QP"``).

    The bounds solve :math:`Q(\\tau^2) = \\chi^2_{k-p;\\,1-\\alpha/2}` (lower) and
    :math:`Q(\\tau^2) = \\chi^2_{k-p;\\,\\alpha/2}` (upper), where
    :math:`Q(\\tau^2) = \\sum_i w_i(\\tau^2)(y_i - x_i^\\top\\hat\\beta(\\tau^2))^2` decreases
    in τ². Searched on ``[0, max(100, 10 τ̂²)]`` with R's ``uniroot`` (tol
    ``eps^0.25``), bounds truncated at 0 as metafor does.
    """
    k, p = X.shape
    lo_b, hi_b = 0.0, max(100.0, tau2 * 10)
    crit_u = float(stats.chi2.isf(alpha / 2, k - p))
    crit_l = float(stats.chi2.ppf(alpha / 2, k - p))
    q_max = _q_at(hi_b, yi, vi, X)
    q_min = _q_at(lo_b, yi, vi, X)

    def f(obj):
        return lambda t: _q_at(t, yi, vi, X) - obj

    if q_min < crit_l:
        lb = ub = lo_b
    else:
        ub = hi_b if q_max > crit_l else zeroin(f(crit_l), lo_b, hi_b, R_TOL, 1000)
        lb = math.nan
    if q_max > crit_u:
        lb = ub = hi_b
    elif q_min < crit_u:
        lb = lo_b
    else:
        lb = zeroin(f(crit_u), lo_b, hi_b, R_TOL, 1000)
    return float(lb), float(ub)
