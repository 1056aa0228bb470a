"""Small-study effects: Egger's regression test and trim-and-fill (metafor ``regtest``, ``trimfill``)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from kneestudy._results import Result
from kneestudy.errors import AnalysisError
from kneestudy.meta._tau2 import fit_rma
from kneestudy.meta.results import (
    check_alpha,
    check_method,
    check_test,
    check_yi_vi,
    resolve_labels,
)

__all__ = ["RegtestResult", "TrimfillResult", "regtest", "trimfill"]

_PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")


@dataclass(frozen=True)
class RegtestResult(Result):
    """Regression test for funnel-plot asymmetry.

    ``statistic`` (z, or t with ``df``) and ``p_value`` test the slope on the
    predictor; ``limit_estimate`` (with CI) is the intercept, the estimated
    effect as the predictor goes to 0 (given for predictors sei, vi, ninv,
    sqrtninv, as metafor).
    """

    model: str
    predictor: str
    statistic: float
    test: str
    df: float
    p_value: float
    slope: float
    slope_se: float
    limit_estimate: float
    limit_ci_low: float
    limit_ci_high: float
    method: str
    k: int
    _title: str = field(default="Regression test for funnel plot asymmetry", repr=False)


@dataclass(frozen=True)
class TrimfillResult(Result):
    """Trim-and-fill (Duval & Tweedie 2000).

    ``k0`` studies estimated missing on ``side`` (``se_k0`` its SE; ``p_k0``
    only for the R0 estimator); ``filled`` holds the imputed studies (label,
    yi, vi); ``estimate`` … ``tau2`` are from the model refitted to the
    observed plus imputed studies (``pooled``).
    """

    k0: int
    se_k0: float
    p_k0: float
    side: str
    estimator: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    tau2: float
    i2: float
    q: float
    k: int
    method: str
    filled: pd.DataFrame = field(repr=False)
    pooled: Any = field(repr=False)
    _title: str = field(default="Trim-and-fill", repr=False)


def _inputs(yi, vi, method, alpha, labels):
    method = check_method(method)
    alpha = check_alpha(alpha)
    lab = resolve_labels(labels, len(np.atleast_1d(np.asarray(yi, dtype=object))))
    y, v = check_yi_vi(yi, vi, lab)
    return y, v, method, alpha, lab


def regtest(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    model: str = "rma",
    predictor: str = "sei",
    method: str = "REML",
    hksj: bool = False,
    alpha: float = 0.05,
    ni: Sequence[float] | np.ndarray | None = None,
    labels: Sequence[Any] | None = None,
    test: str | None = None,
) -> RegtestResult:
    r"""Egger's regression test for funnel-plot asymmetry (metafor ``regtest``).

    ``model="rma"`` (default) fits the meta-regression
    :math:`y_i = \beta_0 + \beta_1 \sqrt{v_i} + u_i + e_i` with the chosen
    τ² estimator and tests :math:`\beta_1 = 0` (z, or t with k − 2 df under
    HKSJ). ``model="lm"`` is Egger's original weighted regression
    (weights :math:`1/v_i`, multiplicative dispersion, t with k − 2 df).
    ``predictor`` may also be ``"vi"``, or with ``ni`` given ``"ni"``,
    ``"ninv"``, ``"sqrtni"``, ``"sqrtninv"``.

    Parameters
    ----------
    yi, vi : array-like
        Effect sizes and sampling variances.
    model : {"rma", "lm"}
    predictor : {"sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv"}
    method, hksj, alpha, labels, test
        As for :func:`~kneestudy.meta.pool` (``method``/``hksj`` for ``model="rma"``).
    ni : array-like, optional
        Sample sizes, for the sample-size predictors.

    Returns
    -------
    RegtestResult

    References
    ----------
    Egger M, et al. (1997). Bias in meta-analysis detected by a simple,
    graphical test. BMJ 315:629-634.
    Sterne JAC, Egger M (2005). Regression methods to detect publication and
    other bias in meta-analysis. In: Publication Bias in Meta-Analysis. Wiley.

    Examples
    --------
    >>> from kneestudy.meta import regtest
    >>> res = regtest([0.1, 0.3, 0.35, 0.6, 0.2], [0.01, 0.02, 0.015, 0.03, 0.02])
    >>> res.test
    'z'
    """
    y, v, method, alpha, lab = _inputs(yi, vi, method, alpha, labels)
    if model not in ("rma", "lm"):
        raise AnalysisError(f"model must be 'rma' or 'lm' (got {model!r})")
    if predictor not in _PREDICTORS:
        raise AnalysisError(f"predictor must be one of {', '.join(_PREDICTORS)}")
    k = y.shape[0]
    if k < 3:
        raise AnalysisError(f"the regression test needs at least 3 studies (got {k})")
    if predictor == "sei":
        x = np.sqrt(v)
    elif predictor == "vi":
        x = v
    else:
        if ni is None:
            raise AnalysisError(f"predictor {predictor!r} needs the sample sizes ni")
        n = np.asarray(ni, dtype=float)
        if n.shape != y.shape or not np.all(np.isfinite(n)) or np.any(n <= 0):
            raise AnalysisError("ni must be positive, finite and one per study")
        x = {"ni": n, "ninv": 1 / n, "sqrtni": np.sqrt(n), "sqrtninv": 1 / np.sqrt(n)}[predictor]
    X = np.column_stack([np.ones(k), x])
    if np.linalg.matrix_rank(X) < 2:
        raise AnalysisError(f"the predictor {predictor!r} is the same for every study")
    limit = predictor in ("sei", "vi", "ninv", "sqrtninv")
    if model == "rma":
        t = check_test(test, hksj, method)
        fit = fit_rma(y, v, X, method=method, test=t, alpha=alpha, btt=[1])
        stat, pval, df = float(fit.stat[1]), float(fit.pval[1]), fit.ddf
        slope, slope_se = float(fit.beta[1]), float(fit.se[1])
        est, lo, hi = float(fit.beta[0]), float(fit.ci_lb[0]), float(fit.ci_ub[0])
        test_name = "t" if t in ("knha", "t") else "z"
    else:
        w = 1.0 / v
        XtW = X.T * w
        A = np.linalg.inv(XtW @ X)
        b = A @ (XtW @ y)
        df = float(k - 2)
        sigma2 = float(np.sum(w * (y - X @ b) ** 2)) / df
        se = np.sqrt(np.diag(A) * sigma2)
        stat = float(b[1] / se[1])
        pval = float(2 * stats.t.sf(abs(stat), df))
        slope, slope_se = float(b[1]), float(se[1])
        crit = float(stats.t.isf(alpha / 2, df))
        est, lo, hi = float(b[0]), float(b[0] - crit * se[0]), float(b[0] + crit * se[0])
        test_name, method = "t", "FE"
    if not limit:
        est = lo = hi = math.nan
    return RegtestResult(
        model=model,
        predictor=predictor,
        statistic=stat,
        test=test_name,
        df=df,
        p_value=pval,
        slope=slope,
        slope_se=slope_se,
        limit_estimate=est,
        limit_ci_low=lo,
        limit_ci_high=hi,
        method=method,
        k=k,
    )


def _rma_beta(y, v, X, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_rma(y, v, X, method=method, test="z").beta


def trimfill(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    side: str | None = None,
    estimator: str = "L0",
    method: str = "REML",
    alpha: float = 0.05,
    labels: Sequence[Any] | None = None,
    maxiter: int = 100,
) -> TrimfillResult:
    r"""Trim-and-fill: estimate and impute studies missing from one side of the funnel.

    As metafor's ``trimfill(rma(yi, vi, method=))``: the side is where the
    funnel is thin (chosen from the sign of the slope on :math:`\sqrt{v_i}`
    unless given); the effects are ranked by their distance from the pooled
    estimate of the k − k₀ most central studies, and k₀ is iterated to a
    fixed point with

    - L0: :math:`k_0 = (4 S_r - k(k+1))/(2k - 1)`, :math:`S_r` the sum of the
      positive signed ranks;
    - R0: :math:`k_0 = k - r^* - 1`, :math:`r^*` the largest negative rank (absolute);
    - Q0: :math:`k_0 = k - 1/2 - \sqrt{2k^2 - 4S_r + 1/4}`,

    rounded and truncated at 0. The k₀ most extreme studies are mirrored
    about the estimate and the model is refitted to all k + k₀ (z-based, as
    metafor).

    Parameters
    ----------
    yi, vi : array-like
        Effect sizes and sampling variances.
    side : {"left", "right"}, optional
        Side on which studies are missing (estimated when omitted).
    estimator : {"L0", "R0", "Q0"}
    method : str
        τ² estimator (as :func:`~kneestudy.meta.pool`).
    alpha : float
    labels : sequence, optional
    maxiter : int
        Iteration limit for k₀ (metafor's default 100).

    Returns
    -------
    TrimfillResult

    References
    ----------
    Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based
    method of testing and adjusting for publication bias in meta-analysis.
    Biometrics 56:455-463.

    Examples
    --------
    >>> from kneestudy.meta import trimfill
    >>> res = trimfill([0.1, 0.3, 0.35, 0.6, 0.8, 0.9], [0.005, 0.01, 0.02, 0.04, 0.06, 0.08])
    >>> res.side
    'left'
    """
    from kneestudy.meta.pool import pool as _pool

    y, v, method, alpha, lab = _inputs(yi, vi, method, alpha, labels)
    if estimator not in ("L0", "R0", "Q0"):
        raise AnalysisError(f"estimator must be 'L0', 'R0' or 'Q0' (got {estimator!r})")
    k = y.shape[0]
    if k < 3:
        raise AnalysisError(f"trim-and-fill needs at least 3 studies (got {k})")
    if side is None:
        b = _rma_beta(y, v, np.column_stack([np.ones(k), np.sqrt(v)]), method)
        side = "right" if b[1] < 0 else "left"
    elif side not in ("left", "right"):
        raise AnalysisError(f"side must be 'left' or 'right' (got {side!r})")
    ys = -y if side == "right" else y.copy()
    ix = np.argsort(ys, kind="stable")
    ys, vs = ys[ix], v[ix]
    k0_sav, k0, it = -1, 0, 0
    se_k0 = math.nan
    beta = math.nan
    yi_c = ys
    while abs(k0 - k0_sav) > 0:
        k0_sav = k0
        it += 1
        if it > maxiter:
            raise AnalysisError(f"trim-and-fill did not converge in {maxiter} iterations")
        beta = float(_rma_beta(ys[: k - k0], vs[: k - k0], None, method)[0])
        yi_c = ys - beta
        r = stats.rankdata(np.abs(yi_c), method="ordinal")
        rs = np.sign(yi_c) * r
        if estimator == "R0":
            neg = -rs[rs < 0]
            k0f = (k - neg.max()) - 1 if neg.size else float(k - 1)
            se_k0 = math.sqrt(2 * max(0.0, k0f) + 2)
        else:
            sr = float(np.sum(rs[rs > 0]))
            if estimator == "L0":
                k0f = (4 * sr - k * (k + 1)) / (2 * k - 1)
            else:
                k0f = k - 0.5 - math.sqrt(2 * k**2 - 4 * sr + 0.25)
            var_sr = (
                k * (k + 1) * (2 * k + 1)
                + 10 * k0f**3
                + 27 * k0f**2
                + 17 * k0f
                - 18 * k * k0f**2
                - 18 * k * k0f
                + 6 * k**2 * k0f
            ) / 24
            if estimator == "L0":
                se_k0 = 4 * math.sqrt(var_sr) / (2 * k - 1)
            else:
                se_k0 = 2 * math.sqrt(var_sr) / math.sqrt((k - 0.5) ** 2 - k0f * (2 * k - k0f - 1))
        k0 = int(max(0, round(k0f)))
        se_k0 = max(0.0, se_k0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if k0 > 0:
            yc = -(yi_c - beta) if side == "right" else yi_c - beta
            y_fill = -yc[k - k0 :]
            v_fill = vs[k - k0 :]
            fill_lab = [f"Filled {i + 1}" for i in range(k0)]
            pooled = _pool(
                np.concatenate([y, y_fill]),
                np.concatenate([v, v_fill]),
                method=method,
                alpha=alpha,
                labels=lab + fill_lab,
            )
        else:
            y_fill, v_fill, fill_lab = np.empty(0), np.empty(0), []
            pooled = _pool(y, v, method=method, alpha=alpha, labels=lab)
    p_k0 = math.nan
    if estimator == "R0":
        # metafor: 1 - sum(choose(m + 1, m + 1) * 0.5^(m + 2)), m = -1..k0-1, = 0.5^(k0 + 1)
        p_k0 = 0.5 ** (k0 + 1)
    return TrimfillResult(
        k0=k0,
        se_k0=float(se_k0),
        p_k0=p_k0,
        side=side,
        estimator=estimator,
        estimate=pooled.estimate,
        se=pooled.se,
        ci_low=pooled.ci_low,
        ci_high=pooled.ci_high,
        p_value=pooled.p_value,
        tau2=pooled.tau2,
        i2=pooled.i2,
        q=pooled.q,
        k=k,
        method=method,
        filled=pd.DataFrame({"label": fill_lab, "yi": y_fill, "vi": v_fill}),
        pooled=pooled,
    )
