r"""Vectorised time to pain-free, log-rank test and Cox model over many trials.

:func:`pain_free_counts` derives time to pain-free by the rules of
:func:`kneestudy.survival.time_to_pain_free` (``sustained = 1``): the event is
the first assessed post-baseline visit with pain ≤ ``threshold``; otherwise the
participant is censored at the last assessed visit; visits after the
withdrawal week are not used; participants pain-free at baseline or without an
assessed follow-up visit are left out. Times are visit weeks, so each trial
reduces to counts of events and censorings per arm and visit, and both tests
are sums over visits:

* :func:`logrank` equals :func:`kneestudy.survival.logrank` (R's
  ``survdiff``): :math:`X^2 = (O_1 - E_1)^2 / V_1` with
  :math:`E_1 = \sum_t d_t n_{1t}/n_t` and
  :math:`V_1 = \sum_t d_t (n_t - d_t)/(n_t - 1)\, (n_{1t}/n_t)(1 - n_{1t}/n_t)`.
  Its estimate is Peto's log hazard ratio :math:`(O_1 - E_1)/V_1` with
  standard error :math:`V_1^{-1/2}` (Yusuf et al. 1985);
* :func:`cox` equals :func:`kneestudy.survival.cox` with one 0/1 covariate
  (R's ``coxph(Surv(t, e) ~ arm)``, Efron ties): Newton–Raphson on the
  partial likelihood with, at a visit with :math:`d = d_1 + d_0` tied events,
  risk-set sums :math:`S = n_1 e^\beta + n_0` and
  :math:`D = d_1 e^\beta + d_0`,

  .. math:: \ell(\beta) = \sum_t \Big[d_1\beta - \sum_{l=0}^{d-1}
            \log\big(S - \tfrac{l}{d} D\big)\Big],

  Wald test and interval on the log hazard ratio.

The hazard is that of *becoming pain-free*, so a log hazard ratio above 0
means the treatment arm becomes pain-free sooner (benefit).

References
----------
Efron B (1977). JASA 72:557–565. Yusuf S, Peto R, Lewis J, Collins R, Sleight
P (1985). Prog Cardiovasc Dis 27:335–371.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from kneestudy.design.batch import BatchEstimates

__all__ = ["cox", "logrank", "pain_free_counts"]


def pain_free_counts(
    pain: np.ndarray, weeks: np.ndarray, withdrawal: np.ndarray, threshold: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events and censorings per trial, arm and follow-up visit.

    Parameters
    ----------
    pain : ndarray
        ``(reps, 2, n, visits)`` pain values, NaN = not assessed.
    weeks : ndarray
        Visit weeks, week 0 first.
    withdrawal : ndarray
        ``(reps, 2, n)`` withdrawal week, NaN = completed.
    threshold : float
        Pain-free means pain ≤ threshold.

    Returns
    -------
    (events, censored, n_analysed)
        ``events`` and ``censored`` are ``(reps, 2, visits - 1)`` counts at
        the follow-up visits; ``n_analysed`` is ``(reps,)``.
    """
    follow = pain[..., 1:]
    wk = weeks[1:]
    with np.errstate(invalid="ignore"):
        used = np.isfinite(follow) & ~(wk[None, None, None, :] > withdrawal[..., None])
        free = used & (follow <= threshold)
        base_free = pain[..., 0] <= threshold
    any_event = free.any(axis=-1)
    first = np.argmax(free, axis=-1)
    any_used = used.any(axis=-1)
    last = used.shape[-1] - 1 - np.argmax(used[..., ::-1], axis=-1)
    keep = any_used & ~base_free
    k = follow.shape[-1]
    ev_onehot = (np.arange(k) == first[..., None]) & (any_event & keep)[..., None]
    ce_onehot = (np.arange(k) == last[..., None]) & (~any_event & keep)[..., None]
    events = ev_onehot.sum(axis=2).astype(float)
    censored = ce_onehot.sum(axis=2).astype(float)
    return events, censored, keep.sum(axis=(1, 2))


def _at_risk(events: np.ndarray, censored: np.ndarray) -> np.ndarray:
    tot = events + censored
    return np.cumsum(tot[..., ::-1], axis=-1)[..., ::-1]


def logrank(
    events: np.ndarray, censored: np.ndarray, n_analysed: np.ndarray, level: float = 0.95
) -> BatchEstimates:
    """Log-rank test and Peto's log hazard ratio per trial (see module notes)."""
    nk = _at_risk(events, censored)  # (reps, 2, K)
    n = nk.sum(axis=1)
    d = events.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(n > 0, nk[:, 0] / n, 0.0)
        e1 = (d * frac).sum(axis=1)
        c = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
        v1 = (c * frac * (1.0 - frac)).sum(axis=1)
        o1 = events[:, 0].sum(axis=1)
        chisq = (o1 - e1) ** 2 / v1
        pv = special.chdtrc(1, chisq)
        est = (o1 - e1) / v1
        se = 1.0 / np.sqrt(v1)
    z = float(stats.norm.ppf(0.5 + level / 2))
    ok = (d.sum(axis=1) > 0) & (v1 > 0) & (nk[:, 0, 0] > 0) & (nk[:, 1, 0] > 0)
    return BatchEstimates.build(est, se, est - z * se, est + z * se, pv, n_analysed, ok)


def _efron(beta, d1, d0, n1, n0, lgrid, lmask, dd):
    """Log-likelihood, score and information of the Efron partial likelihood."""
    r = np.exp(beta)[:, None]
    s = n1 * r + n0
    big_d = d1 * r + d0
    s1 = n1 * r
    dd1 = d1 * r
    f = lgrid / np.where(dd > 0, dd, 1.0)[..., None]  # (reps, K, L)
    den = s[..., None] - f * big_d[..., None]
    den = np.where(lmask, den, 1.0)
    a = np.where(lmask, (s1[..., None] - f * dd1[..., None]) / den, 0.0)
    loglik = (d1.sum(axis=1) * beta) - np.where(lmask, np.log(den), 0.0).sum(axis=(1, 2))
    score = d1.sum(axis=1) - a.sum(axis=(1, 2))
    info = (np.where(lmask, a, 0.0) - a**2).sum(axis=(1, 2))  # binary x: S2 = S1, D2 = D1
    return loglik, score, info


def cox(
    events: np.ndarray,
    censored: np.ndarray,
    n_analysed: np.ndarray,
    level: float = 0.95,
    max_iter: int = 30,
) -> BatchEstimates:
    """Cox model (Efron ties) of treatment vs comparator per trial (module notes).

    Newton–Raphson from 0 with step halving when the log-likelihood falls,
    stopping as :func:`kneestudy.survival.cox` does. A trial where an arm has
    no events has an infinite estimate (monotone likelihood) and is not
    analysable.
    """
    nk = _at_risk(events, censored)
    d1, d0 = events[:, 0], events[:, 1]
    n1, n0 = nk[:, 0], nk[:, 1]
    dd = d1 + d0
    lmax = int(dd.max()) if dd.size else 0
    lgrid = np.arange(max(lmax, 1), dtype=float)[None, None, :]
    lmask = lgrid < dd[..., None]
    reps = events.shape[0]
    beta = np.zeros(reps)
    ll, u, info = _efron(beta, d1, d0, n1, n0, lgrid, lmask, dd)
    ok = (d1.sum(axis=1) > 0) & (d0.sum(axis=1) > 0) & (n1[:, 0] > 0) & (n0[:, 0] > 0)
    active = ok.copy()
    for _ in range(max_iter):
        if not active.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(active & (info > 0), u / info, 0.0)
        new = beta + step
        ll_new, u_new, info_new = _efron(new, d1, d0, n1, n0, lgrid, lmask, dd)
        for _h in range(30):
            worse = active & (~np.isfinite(ll_new) | (ll_new < ll - 1e-12 * np.abs(ll)))
            if not worse.any():
                break
            new = np.where(worse, (new + beta) / 2, new)
            ll_new, u_new, info_new = _efron(new, d1, d0, n1, n0, lgrid, lmask, dd)
        done = (np.abs(ll_new - ll) <= 1e-13 * np.maximum(1.0, np.abs(ll))) & (
            np.abs(new - beta) < 1e-8
        )
        beta = np.where(active, new, beta)
        ll = np.where(active, ll_new, ll)
        u = np.where(active, u_new, u)
        info = np.where(active, info_new, info)
        active &= ~done
    ok &= ~active  # not converged within max_iter
    with np.errstate(divide="ignore", invalid="ignore"):
        se = 1.0 / np.sqrt(info)
        zval = beta / se
        pv = 2.0 * stats.norm.sf(np.abs(zval))
    z = float(stats.norm.ppf(0.5 + level / 2))
    return BatchEstimates.build(beta, se, beta - z * se, beta + z * se, pv, n_analysed, ok)
