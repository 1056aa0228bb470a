"""Pooling study effects: fixed-effect and random-effects meta-analysis.

:func:`pool` reproduces metafor's ``rma(yi, vi, method=...)`` together with
``confint()`` (Q-profile CI for τ²), ``predict()`` (prediction interval) and
``weights()``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kneestudy._results import Result
from kneestudy.meta._tau2 import fit_rma, qprofile_ci
from kneestudy.meta.results import (
    check_alpha,
    check_method,
    check_test,
    check_yi_vi,
    resolve_labels,
)

__all__ = ["PoolResult", "pool"]


@dataclass(frozen=True)
class PoolResult(Result):
    """Result of :func:`pool` (all numbers at full precision).

    Attributes
    ----------
    estimate, se, ci_low, ci_high : float
        Pooled effect, its standard error and ``1 - alpha`` confidence interval.
    statistic, test, df, p_value : float, str, float, float
        Test statistic (``test`` is ``"z"``, or ``"t"`` with ``df = k - 1`` under
        HKSJ) and its two-sided p-value.
    tau2, tau2_se, tau2_ci_low, tau2_ci_high, tau : float
        Between-study variance, its standard error, its Q-profile CI, and τ.
    i2, h2 : float
        I² (percent) and H² as metafor reports them.
    q, q_df, q_p_value : float, int, float
        Cochran's Q test of heterogeneity.
    pi_low, pi_high : float
        Prediction interval for the effect in a new study.
    k, method, hksj, alpha : int, str, bool, float
    weights : pandas.Series
        Percent weights by study label (sum 100).
    studies : pandas.DataFrame
        label, yi, vi, weight (percent).
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    test: str
    df: float
    p_value: float
    tau2: float
    tau2_se: float
    tau2_ci_low: float
    tau2_ci_high: float
    tau: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p_value: float
    pi_low: float
    pi_high: float
    k: int
    method: str
    hksj: bool
    alpha: float
    weights: pd.Series = field(repr=False)
    studies: pd.DataFrame = field(repr=False)
    note: str | None = None
    _title: str = field(default="Meta-analysis (pool)", repr=False)

    @property
    def labels(self) -> list[str]:
        """Study labels, in input order."""
        return list(self.studies["label"])

    @property
    def z(self) -> float:
        """The test statistic (z, or t under HKSJ); alias of :attr:`statistic`."""
        return self.statistic

    @property
    def t(self) -> float:
        """Alias of :attr:`statistic`."""
        return self.statistic


def pool(
    yi: Sequence[float] | np.ndarray | pd.Series,
    vi: Sequence[float] | np.ndarray | pd.Series,
    method: str = "REML",
    hksj: bool = False,
    alpha: float = 0.05,
    labels: Sequence[Any] | None = None,
    test: str | None = None,
) -> PoolResult:
    r"""Pool study effects with a fixed-effect or random-effects model.

    Each study i gives an effect :math:`y_i` with known sampling variance
    :math:`v_i`. With :math:`w_i = 1/(v_i + \hat\tau^2)`,

    .. math:: \hat\mu = \frac{\sum w_i y_i}{\sum w_i}, \qquad
              \mathrm{SE}(\hat\mu) = \Big(\sum w_i\Big)^{-1/2}.

    The HKSJ adjustment (``hksj=True``, metafor's ``test="knha"``) multiplies
    the variance by :math:`q = \sum w_i (y_i-\hat\mu)^2/(k-1)` and uses
    :math:`t_{k-1}`. Heterogeneity: :math:`Q = \sum (y_i - \hat\mu_{FE})^2/v_i`;
    :math:`I^2 = 100\,\hat\tau^2/(\hat\tau^2 + \tilde v)` and
    :math:`H^2 = (\hat\tau^2 + \tilde v)/\tilde v` with the typical
    within-study variance :math:`\tilde v = (k-1)\sum v_i^{-1} /
    ((\sum v_i^{-1})^2 - \sum v_i^{-2})` (for FE: :math:`I^2 = 100 (Q-(k-1))/Q`,
    :math:`H^2 = Q/(k-1)`). The prediction interval is
    :math:`\hat\mu \pm c\sqrt{\mathrm{SE}^2 + \hat\tau^2}` with the same
    critical value c as the CI (metafor's ``predict`` default).

    Parameters
    ----------
    yi, vi : array-like
        Effect sizes and their sampling variances (``vi > 0``).
    method : {"REML", "FE", "DL", "ML", "PM", "SJ", "HE", "EB"}
        τ² estimator, as metafor's ``rma(method=)``.
    hksj : bool
        Hartung–Knapp–Sidik–Jonkman adjustment (t with k − 1 df).
    alpha : float
        1 − confidence level for CIs and the prediction interval.
    labels : sequence, optional
        Study labels (default ``"1"`` … ``"k"``).
    test : {"z", "t", "knha"}, optional
        Overrides ``hksj``: ``"knha"`` equals ``hksj=True``; ``"t"`` uses t
        with k − 1 df without adjustment.

    Returns
    -------
    PoolResult

    Raises
    ------
    AnalysisError
        Mismatched lengths, no studies, NaN/infinite values, non-positive variances.

    Notes
    -----
    With one study the estimate is that study's (τ² = 0 as in metafor), and
    heterogeneity statistics and the τ² CI are NaN, with a warning. For
    ``method="FE"`` metafor's ``predict`` gives no prediction interval; here
    ``pi_low``/``pi_high`` equal the CI (τ² = 0 under that model), and the
    τ² CI is NaN (the model has no random effect; metafor's ``confint``
    refuses it).

    References
    ----------
    DerSimonian R, Laird N (1986) Control Clin Trials 7:177-188.
    Hartung J, Knapp G (2001) Stat Med 20:3875-3889.
    Viechtbauer W (2010) J Stat Softw 36(3).

    Examples
    --------
    >>> from kneestudy.meta import pool
    >>> res = pool([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL")
    >>> round(res.estimate, 4)
    0.3089
    """
    method = check_method(method)
    alpha = check_alpha(alpha)
    lab = resolve_labels(labels, len(np.atleast_1d(np.asarray(yi, dtype=object))))
    y, v = check_yi_vi(yi, vi, lab)
    t = check_test(test, hksj, method)
    k = y.shape[0]
    X = np.ones((k, 1))
    note = None
    if k == 1:
        warnings.warn(
            "only one study: the pooled estimate is that study's effect; tau^2 is set to 0 "
            "and heterogeneity (Q, I^2, H^2, tau^2 CI) cannot be estimated (NaN); the CI uses z",
            stacklevel=2,
        )
        note = "single study: heterogeneity not estimable"
    fit = fit_rma(y, v, X, method=method, test=t, alpha=alpha)
    if fit.note:
        note = fit.note
    if fit.test == "knha" and fit.s2w == 0:
        warnings.warn(
            "HKSJ: the weighted residual sum of squares is 0 (the studies agree exactly), so "
            "the adjusted SE is 0 (as metafor); use hksj=False for a usable interval",
            stacklevel=2,
        )
        note = "HKSJ scale factor is 0"
    if k > 1 and method != "FE":
        tau2_lo, tau2_hi = qprofile_ci(y, v, X, fit.tau2, alpha)
    else:
        tau2_lo = tau2_hi = math.nan
    est, se = float(fit.beta[0]), float(fit.se[0])
    half = fit.crit * math.sqrt(se**2 + fit.tau2)
    w = fit.weights / fit.weights.sum() * 100
    weights = pd.Series(w, index=pd.Index(lab, name="label"), name="weight")
    studies = pd.DataFrame({"label": lab, "yi": y, "vi": v, "weight": w})
    return PoolResult(
        estimate=est,
        se=se,
        ci_low=float(fit.ci_lb[0]),
        ci_high=float(fit.ci_ub[0]),
        statistic=float(fit.stat[0]),
        test="t" if fit.test in ("knha", "t") else "z",
        df=fit.ddf,
        p_value=float(fit.pval[0]),
        tau2=fit.tau2,
        tau2_se=fit.se_tau2,
        tau2_ci_low=tau2_lo,
        tau2_ci_high=tau2_hi,
        tau=math.sqrt(fit.tau2),
        i2=fit.i2,
        h2=fit.h2,
        q=fit.qe,
        q_df=fit.qe_df,
        q_p_value=fit.qe_p,
        pi_low=est - half,
        pi_high=est + half,
        k=k,
        method=method,
        hksj=fit.test == "knha",
        alpha=alpha,
        weights=weights,
        studies=studies,
        note=note,
    )
