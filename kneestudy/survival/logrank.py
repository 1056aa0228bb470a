r"""Log-rank and Fleming–Harrington tests, equal to R's ``survdiff``.

At each distinct event time :math:`t` (within a stratum) with :math:`n` at
risk, :math:`d` events, :math:`n_k`, :math:`d_k` in group :math:`k`, and weight
:math:`w_t = \hat S(t-)^\rho` (the pooled Kaplan–Meier estimate of the stratum
just before :math:`t`; :math:`\rho = 0` is the log-rank test):

.. math::

    O_k = \sum_t w_t d_{k}, \quad E_k = \sum_t w_t d \frac{n_k}{n}, \quad
    V_{kl} = \sum_t w_t^2 \frac{d (n-d)}{n-1} \frac{n_k}{n}
        \left(\delta_{kl} - \frac{n_l}{n}\right),

summed over strata; :math:`X^2 = (O-E)^\top V^{-}(O-E)` on :math:`K-1` degrees
of freedom (generalised inverse, as survdiff). ``rho`` is survdiff's
:math:`G^\rho` family (Harrington & Fleming 1982); ``gamma`` extends it to the
:math:`G^{\rho,\gamma}` weight :math:`\hat S(t-)^\rho \{1-\hat S(t-)\}^\gamma`
(``gamma = 0`` equals survdiff).

References
----------
Harrington DP, Fleming TR (1982). Biometrika 69:553–566.
Therneau TM, survival package for R, ``survdiff``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, stats

from kneestudy.errors import AnalysisError
from kneestudy.survival._input import as_durations, as_groups, as_observed, time_index
from kneestudy.survival.results import TestResult

__all__ = ["logrank"]


def logrank(
    durations: Any,
    observed: Any,
    groups: Any,
    strata: Any = None,
    rho: float = 0.0,
    gamma: float = 0.0,
) -> TestResult:
    """Compare survival curves of two or more groups (log-rank / Fleming–Harrington).

    Parameters
    ----------
    durations, observed : array-like
        Follow-up time (> 0) and event indicator.
    groups : array-like
        Group label per participant (at least two distinct labels).
    strata : array-like, optional
        Stratum label: the stratified test sums O, E and V over strata.
    rho, gamma : float
        Fleming–Harrington weight :math:`S(t-)^\\rho (1-S(t-))^\\gamma`.

    Returns
    -------
    TestResult
        ``statistic`` (chi-square), ``df``, ``p_value``; ``table`` per group
        with n, observed, expected; ``variance`` of O − E.

    Examples
    --------
    >>> r = logrank([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 0], ["a", "b", "a", "b", "a", "b"])
    >>> round(r.df)
    1
    """
    t = as_durations(durations)
    e = as_observed(observed, t.size)
    g, labels = as_groups(groups, t.size)
    if len(labels) < 2:
        raise AnalysisError(
            f"the log-rank test compares groups, but there is only one ({labels[0]!r}); "
            "use kaplan_meier to describe a single group"
        )
    if not e.any():
        raise AnalysisError(
            "there are no events, so the groups cannot be compared (the variance is singular)"
        )
    if strata is None:
        s = np.zeros(t.size, dtype=np.intp)
    else:
        s, _ = as_groups(strata, t.size, name="strata")
    k = len(labels)
    ns = int(s.max()) + 1
    # Sort once by time (ties need no order); counts per (time, stratum, group)
    utime, block = time_index(t)
    nb = utime.size
    key = (block * ns + s) * k + g
    size = nb * ns * k
    tot = np.bincount(key, minlength=size).reshape(nb, ns, k).astype(float)
    dk = np.bincount(key, weights=e, minlength=size).reshape(nb, ns, k)
    nk = np.cumsum(tot[::-1], axis=0)[::-1]  # at risk per stratum and group
    n3 = nk.sum(axis=2)
    d3 = dk.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(n3 > 0, 1.0 - d3 / n3, 1.0)
    km = np.cumprod(frac, axis=0)  # pooled KM per stratum
    s_minus = np.concatenate([np.ones((1, ns)), km[:-1]], axis=0)
    wt3 = s_minus**rho * (1.0 - s_minus) ** gamma
    ev = d3 > 0
    nk, dk, d, n, wt = nk[ev], dk[ev], d3[ev], n3[ev], wt3[ev]
    obs = (wt[:, None] * dk).sum(axis=0)
    p = nk / n[:, None]
    exp = (wt[:, None] * d[:, None] * p).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(n > 1, wt**2 * d * (n - d) / (n - 1), 0.0)
    var = np.diag((c[:, None] * p).sum(axis=0)) - (c[:, None] * p).T @ p
    diff = obs - exp
    # generalised inverse on the first K-1 groups (survdiff drops the last)
    v1 = var[:-1, :-1]
    try:
        chisq = float(diff[:-1] @ linalg.solve(v1, diff[:-1], assume_a="sym"))
        df = k - 1
    except (linalg.LinAlgError, ValueError):
        chisq = float(diff @ np.linalg.pinv(var) @ diff)
        df = int(np.linalg.matrix_rank(var))
    if not np.isfinite(chisq):
        raise AnalysisError("the log-rank variance is singular: no events in the comparison")
    pval = float(stats.chi2.sf(chisq, df))
    n_group = np.bincount(g, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame(
            {
                "group": labels,
                "n": n_group,
                "observed": obs,
                "expected": exp,
                "(O-E)^2/E": diff**2 / exp,
                "(O-E)^2/V": diff**2 / np.diag(var),
            }
        )
    if rho == 0 and gamma == 0:
        method = "Log-rank test"
    else:
        method = f"Fleming–Harrington G(rho={rho:g}, gamma={gamma:g}) test"
    if strata is not None:
        method = "Stratified " + method[0].lower() + method[1:]
    return TestResult(
        statistic=chisq,
        df=float(df),
        p_value=pval,
        method=method,
        table=table,
        variance=var,
        _title=method,
    )
