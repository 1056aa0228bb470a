r"""Kaplan–Meier estimate with Greenwood or robust standard errors, as R's ``survfit``.

.. math::

    \hat S(t) = \prod_{t_j \le t} \left(1 - \frac{d_j}{n_j}\right), \qquad
    \widehat{\mathrm{Var}}\{\log \hat S(t)\} = \sum_{t_j \le t} \frac{d_j}{n_j (n_j - d_j)}

(Greenwood). ``se`` in the table is the standard error of :math:`\hat S` itself,
:math:`\hat S \sqrt{\sum d/(n(n-d))}` (R's ``summary.survfit`` ``std.err``).

Confidence intervals (R's ``survfit(conf.type = ...)``), with
:math:`s = \sqrt{\sum d/(n(n-d))}`:

* ``"log-log"`` (our default; R's default is ``"log"``):
  :math:`\exp\{-\exp[\log(-\log \hat S) \pm z s / \log \hat S]\}`, undefined (NaN,
  as R's NA) where :math:`\hat S` is 0 or 1;
* ``"log"``: :math:`\hat S \exp(\pm z s)`, upper limit capped at 1;
* ``"plain"``: :math:`\hat S \pm z \hat S s`, clipped to [0, 1].

The log-log interval is the default because it stays inside (0, 1) and has
better coverage in small trials (Kalbfleisch & Prentice 2002, §1.4).

Variance with case weights. Greenwood's formula treats weights as
frequencies, which is right for whole-number weights (a weight of 3 is three
people) and wrong otherwise: with non-integer weights (e.g. inverse
probability weights) it understates the uncertainty. R's ``survfit`` then
uses the robust, infinitesimal-jackknife variance instead, and so does
``variance="auto"`` here. With :math:`U_k(t)` the influence of observation
:math:`k` (weight :math:`w_k`) on :math:`\hat S(t)`,

.. math::

    \widehat{\mathrm{Var}}_{IJ}\{\hat S(t)\} = \sum_k U_k(t)^2, \quad
    U_k(t) = \hat S(t)\, w_k \sum_{t_j \le \min(t, T_k)}
        \frac{d_j/Y_j - \delta_{kj}}{Y_j - d_j}

(:math:`Y_j`, :math:`d_j` weighted numbers at risk and of events,
:math:`\delta_{kj} = 1` when :math:`k` has its event at :math:`t_j`); the
variance is 0 from the time :math:`\hat S` reaches 0. This is the recursion of
``survfitkm.c`` (Therneau, survival 3.5, "survfitkm: robust variance") in
closed form, computed from per-time sums of squared weights. The intervals
then use :math:`s = \mathrm{se}(\hat S)/\hat S` as R's ``survfit_confint``
with ``logse = FALSE``. ``KMResult.variance`` says which was used.

References
----------
Kaplan EL, Meier P (1958). JASA 53:457–481. Greenwood M (1926).
Therneau TM, survival package for R, ``survfit``, ``quantile.survfit``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from kneestudy.errors import AnalysisError
from kneestudy.survival._input import (
    as_durations,
    as_groups,
    as_observed,
    as_weights,
    time_index,
)
from kneestudy.survival.results import KMResult

__all__ = ["kaplan_meier"]

CONF_TYPES = ("log-log", "log", "plain")
VARIANCES = ("auto", "greenwood", "robust")


def _robust_logse(
    t: np.ndarray,
    e: np.ndarray,
    w: np.ndarray,
    codes: np.ndarray,
    k: int,
    bg: np.ndarray,
    bt: np.ndarray,
    events: np.ndarray,
    at_risk: np.ndarray,
    surv: np.ndarray,
    gstart: np.ndarray,
    gend: np.ndarray,
) -> np.ndarray:
    """se(S)/S of the infinitesimal-jackknife variance (module notes), per table row."""
    utime, block = time_index(t)
    nb = utime.size
    key = block * k + codes
    w2 = w * w
    e2 = np.bincount(key, weights=w2 * e, minlength=nb * k).reshape(nb, k)
    z2 = np.bincount(key, weights=w2 * ~e, minlength=nb * k).reshape(nb, k)
    present = np.bincount(key, minlength=nb * k).reshape(nb, k) > 0
    out = np.zeros_like(surv)
    for a, b in zip(gstart, gend, strict=True):
        j = bg[a]
        m = present[:, j]
        E2, Z2 = e2[m, j], z2[m, j]
        Y, d = at_risk[a:b], events[a:b]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(d > 0, d / (Y * (Y - d)), 0.0)
            C = np.cumsum(c)
            C_prev = np.concatenate([[0.0], C[:-1]])
            ev_term = np.where(E2 > 0, E2 * (C_prev - 1.0 / Y) ** 2, 0.0)
            ce_term = np.where(Z2 > 0, Z2 * C**2, 0.0)
            beyond = w2[codes == j].sum() - np.cumsum(E2 + Z2)  # weight² still at risk after t
            v = C**2 * np.where(beyond > 0, beyond, 0.0) + np.cumsum(ev_term + ce_term)
        v = np.where(surv[a:b] > 0, v, 0.0)  # from S = 0 on every influence is 0
        out[a:b] = np.sqrt(np.maximum(v, 0.0))  # se(S)/S
    return out


def _tabulate(
    t: np.ndarray, e: np.ndarray, w: np.ndarray | None, codes: np.ndarray, k: int
) -> tuple[np.ndarray, ...]:
    """Sort once by time; per (group, distinct time): totals, events and at-risk.

    Ties need no stable order: counts per (distinct time, group) come from one
    ``bincount``, and the at-risk numbers from a reverse cumulative sum over
    times, per group. Returned in group-major order with each group's row span.
    """
    utime, block = time_index(t)
    nb = utime.size
    key = block * k + codes
    ws = w
    es = e
    tot = np.bincount(key, weights=ws, minlength=nb * k).reshape(nb, k)
    evw = es if ws is None else es * ws
    ev = np.bincount(key, weights=evw, minlength=nb * k).reshape(nb, k)
    present = np.bincount(key, minlength=nb * k).reshape(nb, k) > 0
    risk = np.cumsum(tot[::-1], axis=0)[::-1]
    parts = []
    for j in range(k):  # a handful of groups; vectorised within each
        m = present[:, j]
        parts.append((np.full(int(m.sum()), j), utime[m], tot[m, j], ev[m, j], risk[m, j]))
    bg, bt, total, events, at_risk = (np.concatenate(x) for x in zip(*parts, strict=True))
    sizes = np.array([p[0].size for p in parts])
    gend = np.cumsum(sizes)
    gstart = gend - sizes
    keep = sizes > 0
    return (
        bg,
        bt,
        total.astype(float),
        events.astype(float),
        at_risk.astype(float),
        gstart[keep],
        gend[keep],
    )


def _confint(
    surv: np.ndarray, logse: np.ndarray, conf_type: str, z: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits as R's ``survfit_confint``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            se2 = z * logse * surv
            return np.maximum(surv - se2, 0.0), np.minimum(surv + se2, 1.0)
        if conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            lo = np.exp(np.log(xx) - z * logse)
            hi = np.minimum(np.exp(np.log(xx) + z * logse), 1.0)
            return lo, hi
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        se2 = z * logse / np.log(xx)
        lo = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
        hi = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
        return lo, hi


def findq(
    x: np.ndarray, y: np.ndarray, p: float, tol: float = np.sqrt(np.finfo(float).eps)
) -> float:
    """R's ``survival:::findq``: the time where the cumulative curve ``y`` reaches ``p``.

    ``x`` starts with the origin and ``y`` with 0 (``y = 1 − S``). Where the
    curve is flat exactly at ``p`` the quantile is the midpoint of the flat
    segment (and of the last time if it ends there). NaN when never reached.
    """
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return float("nan")
    xmax = x[-1]
    keep = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[keep], y[keep]
    valid = ~np.isnan(y)

    def first_at_least(v: np.ndarray) -> int | None:
        ok = valid & (v >= p)
        return int(np.argmax(ok)) if ok.any() else None

    i1 = first_at_least(y + tol)
    i2 = first_at_least(y - tol)
    if p == 0:
        return float(x[0])
    if i1 is None:
        return float("nan")
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        return float((x[i1] + xmax) / 2)
    if i2 is None:
        return float("nan")
    return float((x[i1] + x[i2]) / 2)


def kaplan_meier(
    durations: Any,
    observed: Any = None,
    groups: Any = None,
    conf_type: str = "log-log",
    alpha: float = 0.05,
    weights: Any = None,
    variance: str = "auto",
) -> KMResult:
    """Kaplan–Meier survival curves, equal to R's ``survfit(Surv(t, e) ~ g)``.

    Parameters
    ----------
    durations : array-like
        Follow-up times (> 0; NaN, zero or negative is an error naming the positions).
    observed : array-like of bool or 0/1, optional
        True for an event, False for censoring (default: all events).
    groups : array-like, optional
        Group label per participant; one curve per group, in the declared order
        of a categorical, else sorted by label.
    conf_type : {"log-log", "log", "plain"}
        Pointwise interval; "log-log" is our default (R's default is "log").
    alpha : float
        1 − confidence level.
    weights : array-like, optional
        Case weights, as ``survfit(weights = )``.
    variance : {"auto", "greenwood", "robust"}
        "auto" (R's rule): Greenwood for no or whole-number weights, the
        robust infinitesimal-jackknife variance when any weight is not a
        whole number (module notes).

    Returns
    -------
    KMResult
        ``.table`` (one row per distinct time per group), ``.median`` (R's
        ``print.survfit`` rule: NaN when not reached), ``.at(times)``.

    Examples
    --------
    >>> fit = kaplan_meier([2, 3, 3, 5, 8], [1, 1, 0, 1, 0])
    >>> float(fit.median["median"].iloc[0])
    5.0
    """
    if conf_type not in CONF_TYPES:
        raise AnalysisError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must be in (0, 1), got {alpha}")
    if variance not in VARIANCES:
        raise AnalysisError(f"variance must be one of {VARIANCES}, got {variance!r}")
    t = as_durations(durations)
    e = as_observed(observed, t.size)
    w = as_weights(weights, t.size)
    if variance == "auto":
        variance = "robust" if w is not None and np.any(w != np.floor(w)) else "greenwood"
    if groups is None:
        codes, labels = np.zeros(t.size, dtype=np.intp), [""]
    else:
        codes, labels = as_groups(groups, t.size)
    bg, bt, total, events, at_risk, gstart, gend = _tabulate(t, e, w, codes, len(labels))
    censored = total - events
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = 1.0 - events / at_risk
        hvar = np.where(events > 0, events / (at_risk * (at_risk - events)), 0.0)
    surv = np.empty_like(frac)
    logvar = np.empty_like(frac)
    for a, b in zip(gstart, gend, strict=True):  # one pass per group, vectorised within
        surv[a:b] = np.cumprod(frac[a:b])
        logvar[a:b] = np.cumsum(hvar[a:b])
    if variance == "robust":
        w_all = np.ones(t.size) if w is None else w
        logse = _robust_logse(
            t, e, w_all, codes, len(labels), bg, bt, events, at_risk, surv, gstart, gend
        )
    else:
        logse = np.sqrt(logvar)
    z = float(stats.norm.ppf(1 - alpha / 2))
    lo, hi = _confint(surv, logse, conf_type, z)
    with np.errstate(invalid="ignore"):
        se = surv * logse
    label_arr = np.asarray(labels, dtype=object)
    table = pd.DataFrame(
        {
            "group": label_arr[bg],
            "time": bt,
            "at_risk": at_risk,
            "events": events,
            "censored": censored,
            "survival": surv,
            "se": se,
            "ci_low": lo,
            "ci_high": hi,
        }
    )
    med_rows = []
    for a, b in zip(gstart, gend, strict=True):
        x = np.concatenate([[0.0], bt[a:b]])
        med_rows.append(
            {
                "group": label_arr[bg[a]],
                "median": findq(x, np.concatenate([[0.0], 1 - surv[a:b]]), 0.5),
                "ci_low": findq(x, np.concatenate([[0.0], 1 - lo[a:b]]), 0.5),
                "ci_high": findq(x, np.concatenate([[0.0], 1 - hi[a:b]]), 0.5),
            }
        )
    median = pd.DataFrame(med_rows, columns=["group", "median", "ci_low", "ci_high"])
    return KMResult(
        table=table,
        median=median,
        conf_type=conf_type,
        alpha=alpha,
        variance="robust (infinitesimal jackknife)" if variance == "robust" else "Greenwood",
    )
