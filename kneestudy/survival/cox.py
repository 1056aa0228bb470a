r"""Cox proportional-hazards model (Efron or Breslow ties), as R's ``coxph``.

Partial log-likelihood with Efron's approximation for :math:`d` tied events at
time :math:`t` (risk set :math:`R`, tied set :math:`D`, :math:`r_i = e^{x_i\beta}`):

.. math::

    \ell(\beta) = \sum_t \Big[\sum_{i\in D} x_i\beta
        - \sum_{l=0}^{d-1} \log\Big(\sum_{R} r_i - \tfrac{l}{d}\sum_{D} r_i\Big)\Big].

Breslow's approximation drops the :math:`l/d` term. Risk-set sums come from
reverse cumulative sums over the data sorted once by (stratum, time), so a
fit costs O(n p²) per Newton step. Newton–Raphson from β = 0 with step
halving when the log-likelihood falls (as ``coxph.fit``); covariates are
centred at their means, which changes no estimate. The variance is the inverse
observed information.

Covariates: numeric or boolean columns enter as they are; a text or
categorical column (e.g. ``arm``) is coded as treatment dummies against its
first level (R's default ``contr.treatment`` for a factor), named
``column[level]``. Levels follow kneestudy's one order: a categorical column
keeps the schema's order of categories (``squat_test``: pass, fail; so "pass"
is the reference, as in :func:`kneestudy.effects.subgroup`); a text column is
sorted, as R's ``factor()``.

The proportional-hazards test is R's ``cox.zph(fit, transform = "km")`` of
survival ≥ 3.0: a score test, at (β̂, 0), of adding :math:`x\,g(t)` for each
covariate, with :math:`g(t) = 1 - \hat S(t-)` (pooled KM) centred at its mean over
events, using the full information matrix; per covariate and GLOBAL.

References
----------
Cox DR (1972). JRSS-B 34:187–220. Efron B (1977). JASA 72:557–565.
Grambsch PM, Therneau TM (1994). Biometrika 81:515–526.
Therneau TM, survival package for R, ``coxph``, ``cox.zph``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import linalg, stats

from kneestudy.errors import AnalysisError
from kneestudy.survival._input import (
    as_durations,
    as_groups,
    as_observed,
    levels_of,
    positions,
)
from kneestudy.survival.results import CoxResult

__all__ = ["cox", "design_matrix"]


def design_matrix(data: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Numeric design columns: numbers as they are, categories as treatment dummies.

    A non-numeric column ``c`` with levels ``L0, L1, ...`` (the declared
    categories present for a categorical column, else sorted values) gives
    columns ``c[L1]``, ``c[L2]``, ... (1 where the row has that level), the
    first level being the reference. Missing values are an error naming rows.
    """
    cols: dict[str, np.ndarray] = {}
    terms: dict[str, list[str]] = {}
    for c in covariates:
        if c not in data.columns:
            raise AnalysisError(f"covariate {c!r} is not a column of the data")
        s = data[c]
        bad = s.isna().to_numpy()
        if bad.any():
            raise AnalysisError(
                f"covariate {c!r} has missing values at rows {positions(bad)}; "
                "remove or impute them explicitly"
            )
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            v = s.to_numpy(dtype=float)
            bad = ~np.isfinite(v)
            if bad.any():
                raise AnalysisError(f"covariate {c!r} is infinite at rows {positions(bad)}")
            cols[c] = v
            terms[c] = [c]
        else:
            levels = levels_of(s)
            if len(levels) < 2:
                raise AnalysisError(f"covariate {c!r} has a single level {levels[0]!r}")
            terms[c] = []
            for lev in levels[1:]:
                cols[f"{c}[{lev}]"] = (s == lev).to_numpy(dtype=float)
                terms[c].append(f"{c}[{lev}]")
    out = pd.DataFrame(cols, index=data.index)
    out.attrs["terms"] = terms
    return out


class _Sorted:
    """Data sorted once by (stratum, time) with block bookkeeping.

    A block is a distinct (stratum, time). Risk-set sums are reverse
    cumulative sums over blocks (not rows) within each stratum.
    """

    def __init__(self, t: np.ndarray, e: np.ndarray, x: np.ndarray, s: np.ndarray) -> None:
        order = np.lexsort((t, s))
        self.t, self.e, self.x, self.s = t[order], e[order], x[order], s[order]
        n = t.size
        new = np.empty(n, dtype=bool)
        new[0] = True
        new[1:] = (self.t[1:] != self.t[:-1]) | (self.s[1:] != self.s[:-1])
        self.start = np.flatnonzero(new)
        nb = self.start.size
        bstrat = self.s[self.start]
        bnew = np.empty(nb, dtype=bool)
        bnew[0] = True
        bnew[1:] = bstrat[1:] != bstrat[:-1]
        bstart = np.flatnonzero(bnew)
        bend = np.append(bstart[1:], nb)
        # for each block, the block index just past the end of its stratum
        self.block_send = np.repeat(bend, bend - bstart)
        d = np.add.reduceat(self.e.astype(float), self.start)
        self.ev_blocks = np.flatnonzero(d > 0)
        self.d = d[self.ev_blocks].astype(np.int64)
        self.ev_start = self.start[self.ev_blocks]
        self.ev_time = self.t[self.ev_start]
        # event rows (sorted, so contiguous per event block) and their block starts
        self.dix = np.flatnonzero(self.e)
        self.dstart = np.concatenate([[0], np.cumsum(self.d)[:-1]])
        self.xsum = np.add.reduceat(self.x[self.dix], self.dstart, axis=0)
        # Efron expansion: one row per event, l = 0..d-1 within its block
        self.rep = np.repeat(np.arange(self.d.size), self.d)
        self.frac = (np.arange(self.rep.size) - self.dstart[self.rep]) / self.d[self.rep]

    def stats(self, beta: np.ndarray, efron: bool, per_block: bool = False) -> tuple:
        """Log-likelihood, score and information at ``beta`` (per event block if asked)."""
        x = self.x
        eta = x @ beta
        r = np.exp(eta)
        rx = r[:, None] * x
        rxx = rx[:, :, None] * x[:, None, :]

        def risk(a: np.ndarray) -> np.ndarray:
            blk = np.add.reduceat(a, self.start, axis=0)
            cs = np.cumsum(blk[::-1], axis=0)[::-1]
            cs = np.concatenate([cs, np.zeros((1, *cs.shape[1:]))])
            return cs[self.ev_blocks] - cs[self.block_send[self.ev_blocks]]

        s0, s1, s2 = risk(r), risk(rx), risk(rxx)
        dix, dstart = self.dix, self.dstart
        d0 = np.add.reduceat(r[dix], dstart)
        d1 = np.add.reduceat(rx[dix], dstart, axis=0)
        d2 = np.add.reduceat(rxx[dix], dstart, axis=0)
        etasum = self.xsum @ beta
        f = self.frac if efron else np.zeros_like(self.frac)
        b = self.rep
        den = s0[b] - f * d0[b]
        a = (s1[b] - f[:, None] * d1[b]) / den[:, None]
        loglik_b = etasum - np.add.reduceat(np.log(den), dstart)
        c1 = np.add.reduceat(1.0 / den, dstart)
        c2 = np.add.reduceat(f / den, dstart)
        score_b = self.xsum - np.add.reduceat(a, dstart, axis=0)
        if not per_block:
            info = np.einsum("b,bij->ij", c1, s2) - np.einsum("b,bij->ij", c2, d2) - a.T @ a
            return float(loglik_b.sum()), score_b.sum(axis=0), info
        aa = np.add.reduceat(a[:, :, None] * a[:, None, :], dstart, axis=0)
        info_b = c1[:, None, None] * s2 - c2[:, None, None] * d2 - aa
        return loglik_b, score_b, info_b


def _zph(
    srt: _Sorted,
    beta: np.ndarray,
    efron: bool,
    names: list[str],
    terms: dict[str, list[str]],
    infinite: Sequence[str] = (),
) -> pd.DataFrame:
    """cox.zph(transform = "km", terms = TRUE) score tests per term and GLOBAL.

    A categorical covariate is one term: its dummies are tested together
    (df = number of levels − 1), as cox.zph does for a factor. Terms with a
    diverging coefficient (``infinite``), and GLOBAL then, are NaN: the test
    is not defined there (R's cox.zph returns a number driven by rounding, or
    stops on a singular matrix).
    """
    # pooled KM over all rows (strata ignored, as cox.zph), left-continuous at event times
    t_all, e_all = srt.t, srt.e
    order = np.argsort(t_all, kind="stable")
    ts, es = t_all[order], e_all[order].astype(float)
    ut, idx = np.unique(ts, return_index=True)
    tot = np.diff(np.append(idx, ts.size))
    dev = np.add.reduceat(es, idx)
    at_risk = ts.size - idx
    km = np.cumprod(1.0 - dev / at_risk)
    s_minus = np.concatenate([[1.0], km[:-1]])
    del tot
    g_row = 1.0 - s_minus[np.searchsorted(ut, t_all)]
    gtime = g_row - g_row[srt.e].mean()
    g = gtime[srt.ev_start]
    _, score_b, info_b = srt.stats(beta, efron, per_block=True)
    p = beta.size
    i11 = info_b.sum(axis=0)
    i12 = np.einsum("b,bij->ij", g, info_b)
    i22 = np.einsum("b,bij->ij", g * g, info_b)
    imat = np.block([[i11, i12], [i12.T, i22]])
    u2 = (g[:, None] * score_b).sum(axis=0)
    u = np.concatenate([np.zeros(p), u2])
    rows = []
    for term, cols in terms.items():
        jj = [names.index(c) for c in cols]
        kk = np.concatenate([np.arange(p), p + np.asarray(jj)])
        chisq = _score_chisq(u[kk], imat[np.ix_(kk, kk)])
        df = float(len(jj))
        rows.append((term, chisq, df, float(stats.chi2.sf(chisq, df))))
    chisq = _score_chisq(u, imat)
    rows.append(("GLOBAL", chisq, float(p), float(stats.chi2.sf(chisq, p))))
    out = pd.DataFrame(rows, columns=["term", "chisq", "df", "p"]).set_index("term")
    diverged = [t for t, cols in terms.items() if any(c in infinite for c in cols)]
    if diverged:  # the score test has no meaning at an infinite coefficient
        out.loc[[*diverged, "GLOBAL"], ["chisq", "p"]] = np.nan
    if out["chisq"].isna().any():
        warnings.warn(
            "proportional-hazards test not estimable for "
            f"{list(out.index[out['chisq'].isna()])}: the information matrix is singular "
            "(a coefficient diverges, e.g. no events in one group); chisq and p are NaN",
            RuntimeWarning,
            stacklevel=3,
        )
    return out


def _score_chisq(u: np.ndarray, imat: np.ndarray) -> float:
    """Score statistic u' I⁻¹ u; NaN when I is singular (the test is not defined)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", linalg.LinAlgWarning)
            return float(u @ linalg.solve(imat, u, assume_a="sym"))
    except (linalg.LinAlgError, linalg.LinAlgWarning):
        return float("nan")


def cox(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    strata: str | Sequence[str] | None = None,
    ties: str = "efron",
    alpha: float = 0.05,
    ph_test: bool = True,
    concordance: bool = False,
    max_iter: int = 30,
) -> CoxResult:
    """Fit a Cox model, equal to R's ``coxph(Surv(duration, event) ~ covariates + strata(...))``.

    Parameters
    ----------
    data : DataFrame
    duration, event : str
        Columns with follow-up time (> 0) and event indicator (bool or 0/1).
    covariates : sequence of str
        Numeric columns, or categorical ones (treatment dummies vs the first
        level: the schema's first category, or the first sorted value of a
        text column; see module notes).
    strata : str or list of str, optional
        Columns defining strata with separate baseline hazards.
    ties : {"efron", "breslow"}
    alpha : float
        1 − confidence level of the hazard-ratio intervals (Wald).
    ph_test : bool
        Compute the ``cox.zph``-like proportional-hazards test.
    concordance : bool
        Compute Harrell's C as ``coxph`` reports it (O(n log² n); off by
        default because it costs more than the fit on large data).

    Returns
    -------
    CoxResult
        ``.table`` indexed by covariate: coef, se, z, p_value, hr, ci_low,
        ci_high; ``.ph_test``; ``.loglik``; ``.vcov``.

    Warns
    -----
    RuntimeWarning
        When a coefficient diverges (e.g. no events in one arm): the estimate
        is then a large finite number reached when the likelihood stopped
        changing, as in R, and is listed in ``.infinite``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 1, 0, 1, 1],
    ...                    "arm": [1, 0, 1, 0, 1, 0]})
    >>> fit = cox(df, "t", "e", ["arm"])
    >>> list(fit.table.index)
    ['arm']
    """
    if ties not in ("efron", "breslow"):
        raise AnalysisError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    if isinstance(covariates, str):
        covariates = [covariates]
    if not covariates:
        raise AnalysisError("give at least one covariate")
    for c in (duration, event):
        if c not in data.columns:
            raise AnalysisError(f"column {c!r} is not in the data")
    t = as_durations(data[duration].to_numpy(), name=duration)
    e = as_observed(data[event].to_numpy(), t.size, name=event)
    if not e.any():
        raise AnalysisError("there are no events: a Cox model cannot be fitted")
    design = design_matrix(data, covariates)
    names = list(design.columns)
    x = design.to_numpy(dtype=float)
    const = np.ptp(x, axis=0) == 0
    if const.any():
        raise AnalysisError(
            f"covariates without variation: {[names[i] for i in np.flatnonzero(const)]}"
        )
    if strata is None:
        s = np.zeros(t.size, dtype=np.intp)
    else:
        cols = [strata] if isinstance(strata, str) else list(strata)
        key = data[cols].astype(str).agg("\x1f".join, axis=1) if len(cols) > 1 else data[cols[0]]
        s, _ = as_groups(key, t.size, name="strata")
    x = x - x.mean(axis=0)
    scaled = x / np.sqrt((x**2).mean(axis=0))
    if np.linalg.matrix_rank(scaled, tol=1e-10 * np.sqrt(x.shape[0])) < x.shape[1]:
        raise AnalysisError(
            f"covariates {names} are collinear (one is a combination of the others); "
            "drop one of them"
        )
    srt = _Sorted(t, e, x, s)
    efron = ties == "efron"
    beta = np.zeros(x.shape[1])
    ll0, u, info = srt.stats(beta, efron)
    ll = ll0
    iterations = 0
    converged = False
    for it in range(1, max_iter + 1):
        iterations = it
        try:
            step = linalg.solve(info, u, assume_a="sym")
        except (linalg.LinAlgError, ValueError):
            raise AnalysisError(
                "the information matrix is singular: covariates are collinear"
            ) from None
        new = beta + step
        ll_new, u_new, info_new = srt.stats(new, efron)
        halvings = 0
        while not np.isfinite(ll_new) or ll_new < ll - 1e-12 * abs(ll):
            new = (new + beta) / 2
            ll_new, u_new, info_new = srt.stats(new, efron)
            halvings += 1
            if halvings > 30:
                break
        done = abs(ll_new - ll) <= 1e-13 * max(1.0, abs(ll)) and np.max(np.abs(new - beta)) < 1e-8
        beta, ll, u, info = new, ll_new, u_new, info_new
        if done:
            converged = True
            break
    vcov = linalg.inv(info)
    se = np.sqrt(np.diag(vcov))
    sd = design.to_numpy(dtype=float).std(axis=0)
    diverging = np.abs(beta) * sd > 10.0
    if not converged:
        diverging |= np.abs(beta) * sd > 5.0
    infinite = tuple(names[i] for i in np.flatnonzero(diverging))
    if infinite:
        warnings.warn(
            f"Cox coefficient(s) {list(infinite)} appear infinite (monotone likelihood, e.g. no "
            "events in one arm); the estimates and standard errors are not meaningful",
            RuntimeWarning,
            stacklevel=2,
        )
    z = beta / se
    zc = float(stats.norm.ppf(1 - alpha / 2))
    with np.errstate(over="ignore"):  # a diverging coefficient has an infinite limit
        table = pd.DataFrame(
            {
                "coef": beta,
                "se": se,
                "z": z,
                "p_value": 2 * stats.norm.sf(np.abs(z)),
                "hr": np.exp(beta),
                "ci_low": np.exp(beta - zc * se),
                "ci_high": np.exp(beta + zc * se),
            },
            index=pd.Index(names, name="covariate"),
        )
    conc = None
    if concordance:
        from kneestudy.survival.concordance import concordance_counts

        lp = design.to_numpy(dtype=float) @ beta  # uncentred: equal rows tie exactly
        conc = concordance_counts(t, e, lp, None if strata is None else s)["concordance"]
    zph = _zph(srt, beta, efron, names, design.attrs["terms"], infinite) if ph_test else None
    return CoxResult(
        table=table,
        vcov=vcov,
        loglik_null=ll0,
        loglik=ll,
        n=int(t.size),
        n_events=int(e.sum()),
        iterations=iterations,
        ties=ties,
        ph_test=zph,
        infinite=infinite,
        alpha=alpha,
        concordance=conc,
    )
