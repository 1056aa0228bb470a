r"""Engine of reference-based imputation: the data, the imputation model and its draws.

The imputation model is the MMRM of :func:`kneestudy.effects.mmrm` — every
visit its own intercept, arm effect and baseline slope, unstructured
covariance shared by the arms (rbmi's default ``same_cov = TRUE``) — written
as a multivariate normal regression of the post-baseline visits
:math:`y_i = (y_{i1}, \dots, y_{iV})` on the participant's covariates
:math:`z_i = (1, \text{arm dummies}, \text{baseline}, \dots)`:

.. math:: y_i \sim N(B^\top z_i, \Sigma),\qquad B \in \mathbb{R}^{q \times V}.

This is the same model as ``gls(y ~ visit + visit:arm + visit:baseline,
correlation = corSymm(...), weights = varIdent(~ 1 | visit))`` (the same
column space), so its REML fit is the MMRM's.

Intercurrent events (ICE): ``withdrawal_week`` is the week of the last visit
attended; the first visit after it is the participant's first post-ICE
visit. Observed values on or after that visit are left out of the model fit
when a reference-based strategy applies to them and kept for imputation
(Wolbers et al. 2022, as rbmi). For the analysis the mean of participant
*i* at the post-ICE visits follows the strategy (Carpenter, Roger & Kenward
2013), with :math:`\mu_i(a) = B^\top z_i(a)` the mean had *i* been in arm
*a* and *r* the reference arm:

* MAR: :math:`\mu_i(\text{own})` throughout;
* J2R (jump to reference): :math:`\mu_i(r)` from the first post-ICE visit;
* CR (copy reference): :math:`\mu_i(r)` at every visit;
* CIR (copy increments in reference): :math:`\mu_{ik}(\text{own}) +
  \mu_{ij}(r) - \mu_{ik}(r)` for post-ICE visits *j*, *k* the last visit
  before the ICE (:math:`\mu_i(r)` when the ICE precedes the first visit).

The missing values are then drawn from (or, for conditional-mean
imputation, set to the mean of) their distribution given the participant's
observed values under :math:`N(\mu_i^*, \Sigma)`. Missing values before an
ICE (intermittent) are imputed under MAR.

Posterior draws (``approach = "bayes"``) use data augmentation (Tanner &
Wong 1987; Schafer 1997, ch. 5): alternately impute the missing values of the
fit under MAR given :math:`(B, \Sigma)`, then draw :math:`\Sigma \mid Y \sim
IW(n - q, S)` and :math:`\operatorname{vec} B \mid \Sigma, Y \sim
N(\operatorname{vec}\hat B, \Sigma \otimes (Z^\top Z)^{-1})` from the
complete-data posterior under the prior :math:`p(B, \Sigma) \propto
|\Sigma|^{-(V+1)/2}`, starting at the REML estimate.

References
----------
Carpenter JR, Roger JH, Kenward MG. Analysis of longitudinal trials with
protocol deviation: a framework for relevant, accessible assumptions, and
inference via multiple imputation. J Biopharm Stat 2013;23:1352–71.
Wolbers M, Noci A, Delmar P, Gower-Page C, Yiu S, Bartlett JW. Standard and
reference-based conditional mean imputation. Pharm Stat 2022;21:1246–57.
Schafer JL. Analysis of Incomplete Multivariate Data. Chapman & Hall 1997.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kneestudy.effects._common import arm_codes, check_outcome, check_week
from kneestudy.effects.ancova import covariate_columns
from kneestudy.effects.mmrm_covariance import structure
from kneestudy.effects.mmrm_reml import (
    Pattern,
    REMLFit,
    build_patterns,
    fit_reml,
    newton_refit,
    objective,
)
from kneestudy.errors import AnalysisError

__all__ = ["STRATEGIES", "MIData", "MIModel", "prepare", "strategy_means"]

#: Imputation strategies for the visits after an intercurrent event.
STRATEGIES: tuple[str, ...] = ("MAR", "J2R", "CR", "CIR")
#: Largest gradient component of −2ℓ_R at which a jackknife or bootstrap refit
#: stops. The parameter error is then about this over the information (∝ n),
#: far below the spread of the leave-one-out estimates it serves.
REFIT_TOL = 1e-6


@dataclass
class MIData:
    """One cohort's data for imputation (participants with a baseline value)."""

    ids: np.ndarray
    weeks: np.ndarray
    Y: np.ndarray  # (n, V), NaN = missing
    Z: np.ndarray  # (n, q): intercept, arm dummies, baseline, covariates
    names: list[str]
    arm: np.ndarray  # (n,) index into levels
    levels: list[str]  # comparator first
    ref: int
    ice: np.ndarray  # (n,) first post-ICE visit index (V = no ICE)
    strategy: np.ndarray  # (n,) strategy applying after the ICE
    obs: np.ndarray  # (n, V) observed
    fit: np.ndarray  # (n, V) observed and used to fit the model
    week_index: int
    n_excluded: int
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def V(self) -> int:
        return len(self.weeks)

    def z_as(self, level: int) -> np.ndarray:
        """Z with every participant put in arm ``level``."""
        Z = self.Z.copy()
        for a in range(1, len(self.levels)):
            Z[:, a] = float(a == level)
        return Z


def prepare(
    cohort,
    outcome: str,
    week: float,
    method: str,
    reference: str | None = None,
    covariates: Sequence[str] = (),
    strategies: Mapping[str, str] | None = None,
    reason_column: str = "withdrawal_reason",
) -> MIData:
    """Build :class:`MIData`; every check raises AnalysisError saying what to do."""
    if method not in STRATEGIES:
        raise AnalysisError(f"unknown method {method!r}; expected one of {list(STRATEGIES)}")
    check_outcome(cohort, outcome)
    week = check_week(cohort, week)
    codes, comparator = arm_codes(cohort)
    levels = [comparator, *codes[:-1]]
    reference = comparator if reference is None else reference
    if reference not in levels:
        raise AnalysisError(f"unknown reference arm {reference!r}; arms: {levels}")
    p = cohort.participants
    p = p[p["intervention"].isin(levels)].reset_index(drop=True)
    for cov in covariates:
        if cov not in p.columns or cov in ("participant_id", "arm", "intervention"):
            raise AnalysisError(f"unknown covariate {cov!r}; use a participants column")
    long = cohort.long(outcome)
    long = long[long["intervention"].isin(levels)]
    base = long[long["week"] == 0].set_index("participant_id")[outcome]
    post = long[(long["week"] > 0) & long[outcome].notna()]
    weeks = np.array(sorted(set(post["week"].astype(float))))
    if not np.any(np.isclose(weeks, week)):
        raise AnalysisError(f"no {outcome!r} value was observed at week {week:g}")
    baseline = p["participant_id"].map(base).astype(float)
    keep = baseline.notna().to_numpy()
    for cov in covariates:
        keep &= p[cov].notna().to_numpy()
    notes = []
    n_excluded = int((~keep).sum())
    if n_excluded:
        notes.append(
            f"{n_excluded} participant(s) without a baseline value (or a covariate) left out"
        )
    p = p[keep].reset_index(drop=True)
    baseline = baseline[keep].to_numpy()
    n, V = len(p), len(weeks)
    ids = p["participant_id"].to_numpy()
    row = pd.Series(np.arange(n), index=ids)
    Y = np.full((n, V), np.nan)
    ok = post["participant_id"].isin(row.index)
    pr = row[post.loc[ok, "participant_id"]].to_numpy()
    pv = np.searchsorted(weeks, post.loc[ok, "week"].to_numpy(float))
    Y[pr, pv] = post.loc[ok, outcome].to_numpy(float)
    arm = np.array([levels.index(c) for c in p["intervention"]])
    cols = [np.ones(n)] + [(arm == a).astype(float) for a in range(1, len(levels))] + [baseline]
    names = ["(Intercept)", *[f"arm{c}" for c in levels[1:]], "baseline"]
    more, more_names = covariate_columns(p, covariates)
    Z = np.column_stack(cols + more)
    names += more_names
    wd = p["withdrawal_week"].to_numpy(float) if "withdrawal_week" in p else np.full(n, np.nan)
    ice = np.where(np.isnan(wd), V, np.searchsorted(weeks, wd, side="right"))
    strategy = np.full(n, method, dtype=object)
    if strategies:
        bad = {k: v for k, v in strategies.items() if v not in STRATEGIES}
        if bad:
            raise AnalysisError(f"unknown strategies {bad}; expected one of {list(STRATEGIES)}")
        if reason_column not in p.columns:
            raise AnalysisError(
                f"strategies by reason need a {reason_column!r} column in participants"
            )
        reason = p[reason_column].astype(object)
        for r, strat in strategies.items():
            strategy[(reason == r).to_numpy()] = strat
    strategy[(ice >= V) | (arm == levels.index(reference))] = "MAR"
    obs = ~np.isnan(Y)
    post_ice = np.arange(V)[None, :] >= ice[:, None]
    fit = obs & ~(post_ice & (strategy != "MAR")[:, None])
    n_dropped = int((obs & ~fit).sum())
    if n_dropped:
        notes.append(
            f"{n_dropped} value(s) observed after withdrawal left out of the imputation model "
            "(a reference-based strategy applies to them) and kept in the analysis"
        )
    q = Z.shape[1]
    if np.linalg.matrix_rank(Z) < q:
        raise AnalysisError("the imputation model's covariates are constant or collinear")
    for j, w in enumerate(weeks):
        for a, c in enumerate(levels):
            if not (fit[:, j] & (arm == a)).any():
                raise AnalysisError(
                    f"arm {c!r} has no {outcome!r} value at week {w:g} for the imputation model"
                )
    if n - q < V:
        raise AnalysisError(
            f"too few participants ({n}) for an unstructured covariance of {V} visits "
            f"and {q} coefficients per visit"
        )
    return MIData(
        ids=ids,
        weeks=weeks,
        Y=Y,
        Z=Z,
        names=names,
        arm=arm,
        levels=levels,
        ref=levels.index(reference),
        ice=ice,
        strategy=strategy,
        obs=obs,
        fit=fit,
        week_index=int(np.argmin(np.abs(weeks - week))),
        n_excluded=n_excluded,
        notes=notes,
    )


def strategy_means(d: MIData, B: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """The mean vector of each participant under its strategy (module notes), (rows, V)."""
    rows = np.arange(d.n) if rows is None else np.asarray(rows)
    Z = d.Z[rows]
    own = Z @ B
    # the reference arm's mean: the arm dummies replaced by the reference arm's
    arms = slice(1, len(d.levels))
    ref = own + (d.z_as(d.ref)[rows][:, arms] - Z[:, arms]) @ B[arms]
    M = own.copy()
    strat, ice = d.strategy[rows], d.ice[rows]
    post = np.arange(d.V)[None, :] >= ice[:, None]
    j2r = (strat == "J2R")[:, None] & post
    M[j2r] = ref[j2r]
    cr = strat == "CR"
    M[cr] = ref[cr]
    cir = np.flatnonzero(strat == "CIR")
    if cir.size:
        k = ice[cir]
        first = k == 0
        M[cir[first]] = ref[cir[first]]
        c, k = cir[~first], k[~first]
        inc = ref[c] - ref[c, k - 1][:, None] + own[c, k - 1][:, None]
        M[c] = np.where(post[c], inc, M[c])
    return M


def _mask_groups(mask: np.ndarray) -> dict[int, np.ndarray]:
    """Rows grouped by their pattern of True entries (bit mask -> row indices)."""
    bits = (mask.astype(np.int64) << np.arange(mask.shape[1], dtype=np.int64)).sum(axis=1)
    order = np.argsort(bits, kind="stable")
    b = bits[order]
    cut = np.flatnonzero(np.diff(b)) + 1
    return {int(g[0]): o for g, o in zip(np.split(b, cut), np.split(order, cut), strict=True)}


class MIModel:
    """The imputation model fitted to :class:`MIData` (REML), with its draws."""

    def __init__(self, d: MIData) -> None:
        self.d = d
        V, q = d.V, d.Z.shape[1]
        self.P = V * q
        ii, jj = np.nonzero(d.fit)
        # cell means by visit: the row of (i, j) is e_j ⊗ z_i
        X = np.zeros((ii.size, self.P))
        for j in range(V):
            sel = jj == j
            X[sel, j * q : (j + 1) * q] = d.Z[ii[sel]]
        self._X, self._y, self._ii, self._jj = X, d.Y[ii, jj], ii, jj
        self.cov = structure("unstructured", V)
        self.patterns = build_patterns(X, self._y, ii, jj, V)
        self._pattern_index = {
            int(np.sum(1 << pt.idx.astype(np.int64))): k for k, pt in enumerate(self.patterns)
        }
        self._obj = None
        self.fit = self._fit_full()
        self.B, self.Sigma = self.coef(self.fit)
        # observed-pattern groups for imputing the analysis visit, and the fit's
        self.obs_groups = _mask_groups(d.obs)
        self.fit_groups = _mask_groups(d.fit)
        self._groups: list | None = None

    # -- REML fit ----------------------------------------------------------
    def _fit_full(self) -> REMLFit:
        d = self.d
        beta0, *_ = np.linalg.lstsq(self._X, self._y, rcond=None)
        R = np.full((d.n, d.V), np.nan)
        R[self._ii, self._jj] = self._y - self._X @ beta0
        S0 = pd.DataFrame(R).cov(min_periods=2).to_numpy()
        diag = np.nanvar(R, axis=0)
        S0 = np.where(np.isnan(S0), 0.0, S0)
        S0[np.diag_indices(d.V)] = np.where(np.isnan(diag) | (diag <= 0), 1.0, diag)
        ev, evec = np.linalg.eigh(S0)
        ev = np.maximum(ev, 1e-3 * max(ev.max(), 1e-8))
        fit = fit_reml(self.patterns, self.cov, self.P, self.cov.start((evec * ev) @ evec.T))
        if not fit.converged:
            raise AnalysisError(
                "the imputation model (MMRM, unstructured covariance) did not converge; "
                f"largest gradient component {np.max(np.abs(fit.grad)):.2e}"
            )
        return fit

    def coef(self, fit: REMLFit) -> tuple[np.ndarray, np.ndarray]:
        """(B, Σ) of a REML fit: B is q × V."""
        q = self.d.Z.shape[1]
        return fit.beta.reshape(self.d.V, q).T.copy(), fit.sigma

    def refit(self, patterns: list[Pattern]) -> tuple[np.ndarray, np.ndarray]:
        """REML on modified data (bootstrap), warm-started at the full fit."""
        fit = newton_refit(patterns, self.cov, self.P, self.fit.theta, self.fit.hessian,
                           tol=REFIT_TOL, light=True)  # fmt: skip
        if fit is None:  # far from the full-data optimum: a full fit from there
            fit = fit_reml(patterns, self.cov, self.P, self.fit.theta)
        return self.coef(fit)

    def refit_without(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """REML with participant ``i`` left out (jackknife), warm-started at the full fit.

        The participant's statistics are taken out of the full objective in
        place and put back after the fit (no copy per refit).
        """
        sel = self._ii == i
        if not sel.any():  # contributes nothing to the fit
            return self.B, self.Sigma
        X, y, vis = self._X[sel], self._y[sel], self._jj[sel]
        j = self._pattern_index[int(np.sum(1 << vis.astype(np.int64)))]
        if self._obj is None:
            self._obj = objective(self.patterns, self.cov, self.P)
        self._obj.adjust(j, X, y, vis, -1.0)
        try:
            fit = newton_refit(self._obj, self.cov, self.P, self.fit.theta, self.fit.hessian,
                               tol=REFIT_TOL, light=True)  # fmt: skip
        finally:
            self._obj.adjust(j, X, y, vis, 1.0)
        if fit is None:
            return self.refit(self.patterns_without(i))
        return self.coef(fit)

    def patterns_without(self, i: int) -> list[Pattern]:
        """The pattern statistics with participant ``i`` left out."""
        sel = self._ii == i
        if not sel.any():
            return self.patterns
        X, y, vis = self._X[sel], self._y[sel], self._jj[sel]
        out = list(self.patterns)
        for k, pt in enumerate(out):
            if pt.idx.size == vis.size and np.array_equal(pt.idx, vis):
                n_p, P = pt.n, self.P
                kk = vis.size
                T = np.einsum("ap,bq->pqab", X, X).reshape(P * P, kk * kk)
                U = np.einsum("ap,b->pab", X, y).reshape(P, kk * kk)
                out[k] = Pattern(pt.idx, n_p - 1, pt.T - T, pt.U - U, pt.Y - np.outer(y, y))
                if n_p == 1:
                    del out[k]
                return out
        raise AnalysisError("internal: participant pattern not found")

    def patterns_of(self, rows: np.ndarray) -> list[Pattern]:
        """Pattern statistics of a resample of participants (rows may repeat)."""
        counts = np.bincount(rows, minlength=self.d.n)
        w = counts[self._ii]
        keep = w > 0
        rep = np.repeat(np.flatnonzero(keep), w[keep])
        # a participant drawn twice is two participants: give each copy its own id
        copy_no = np.concatenate([np.arange(c) for c in w[keep]]) if rep.size else rep
        subj = self._ii[rep] * (counts.max() + 1) + copy_no
        return build_patterns(self._X[rep], self._y[rep], subj, self._jj[rep], self.d.V)

    # -- conditional distribution at the analysis visit ---------------------
    def _missing_groups(self) -> tuple[np.ndarray, list[tuple[np.ndarray, slice, np.ndarray]]]:
        """Rows missing at the analysis visit, and per observed pattern: its rows, their
        slice of those rows and the observed visits."""
        if self._groups is None:
            d, jw = self.d, self.d.week_index
            groups, start = [], 0
            for bits, r in self.obs_groups.items():
                if bits >> jw & 1:
                    continue
                o = np.array([j for j in range(d.V) if bits >> j & 1], dtype=np.intp)
                groups.append((r, slice(start, start + r.size), o))
                start += r.size
            need = np.concatenate([g[0] for g in groups]) if groups else np.zeros(0, np.intp)
            self._groups = (need, groups)
        return self._groups

    def at_week(
        self,
        B: np.ndarray,
        Sigma: np.ndarray,
        exclude: int | None = None,
        data: MIData | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows missing at the analysis visit, their conditional means and variances.

        Conditional on every observed value of the participant, under the
        strategy means and Σ; ``exclude`` leaves one participant out
        (jackknife). ``data`` takes the strategies (and reference arm) from
        another :class:`MIData` of the same participants, values and
        model-fit mask — another method on the same fitted model (see
        :meth:`shares_fit`). The rows come in the same order at every call.
        """
        d, jw = self.d, self.d.week_index
        need, groups = self._missing_groups()
        if need.size == 0:
            return need, np.zeros(0), np.zeros(0)
        M = strategy_means(self.d if data is None else data, B, need)
        Yn = d.Y[need]
        mu = M[:, jw].copy()
        var = np.full(need.size, Sigma[jw, jw])
        for _, sl, o in groups:
            if o.size:
                k = np.linalg.solve(Sigma[np.ix_(o, o)], Sigma[o, jw])
                mu[sl] += (Yn[sl][:, o] - M[sl][:, o]) @ k
                var[sl] -= Sigma[jw, o] @ k
        if exclude is not None:
            keep = need != exclude
            return need[keep], mu[keep], var[keep]
        return need, mu, var

    def shares_fit(self, data: MIData) -> bool:
        """Whether ``data`` has this model's participants, values, covariates and
        model-fit mask, so that the fit (and every refit) serves it as well."""
        d = self.d
        return (
            d.week_index == data.week_index
            and np.array_equal(d.ids, data.ids)
            and np.array_equal(d.fit, data.fit)
            and np.array_equal(d.Z, data.Z)
            and np.array_equal(d.Y, data.Y, equal_nan=True)
        )

    # -- posterior draws by data augmentation --------------------------------
    def posterior_draws(
        self, m: int, rng: np.random.Generator, burn_in: int, thin: int
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``m`` draws of (B, Σ) from the MAR posterior (module notes)."""
        d = self.d
        n, V = d.n, d.V
        Z = d.Z
        q = Z.shape[1]
        ZtZi = np.linalg.inv(Z.T @ Z)
        H = ZtZi @ Z.T
        Lz = np.linalg.cholesky(ZtZi)
        nu = n - q
        Y = d.Y.copy()
        Y[~d.fit] = np.nan
        groups = []
        for bits, r in self.fit_groups.items():
            o = np.array([j for j in range(V) if bits >> j & 1], dtype=np.intp)
            mi = np.array([j for j in range(V) if not bits >> j & 1], dtype=np.intp)
            if mi.size:
                groups.append((np.ix_(r, o), np.ix_(r, mi), np.ix_(o, o), np.ix_(o, mi),
                               np.ix_(mi, mi), r.size, o.size, mi.size))  # fmt: skip
        B, Sigma = self.B, self.Sigma
        draws = []
        total = burn_in + m * thin
        for it in range(1, total + 1):
            M = Z @ B  # I-step: impute the fit's missing values under MAR
            for ro, rm, oo, om, mm, nr, no, nm in groups:
                if no:
                    K = np.linalg.solve(Sigma[oo], Sigma[om]).T
                    C = Sigma[mm] - K @ Sigma[om]
                    mu = M[rm] + (Y[ro] - M[ro]) @ K.T
                else:
                    C, mu = Sigma[mm], M[rm]
                L = np.linalg.cholesky((C + C.T) / 2)
                Y[rm] = mu + rng.standard_normal((nr, nm)) @ L.T
            Bhat = H @ Y  # P-step: complete-data posterior
            E = Y - Z @ Bhat
            Sigma = _inv_wishart(nu, E.T @ E, rng)
            B = Bhat + Lz @ rng.standard_normal((q, V)) @ np.linalg.cholesky(Sigma).T
            if it > burn_in and (it - burn_in) % thin == 0:
                draws.append((B, Sigma))
        return draws


def _inv_wishart(df: int, S: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw of IW(df, S) (density ∝ |Σ|^{-(df+V+1)/2} exp(-tr(S Σ⁻¹)/2)), Bartlett."""
    V = S.shape[0]
    L = np.linalg.cholesky(np.linalg.inv(S))
    A = np.tril(rng.standard_normal((V, V)), -1)
    A[np.diag_indices(V)] = np.sqrt(rng.chisquare(df - np.arange(V)))
    LA = L @ A
    W = LA @ LA.T  # Wishart(df, S^-1)
    return np.linalg.inv(W)
