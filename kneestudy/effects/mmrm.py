"""Mixed model for repeated measures (MMRM): REML, Satterthwaite df.

The model, on post-baseline visits of participants with a baseline value,

.. math:: y_{ij} = \\mu_j + \\gamma_{a(i) j} + \\beta_j\\, \\mathrm{baseline}_i
          + \\varepsilon_{ij},\\qquad \\varepsilon_i \\sim N(0, \\Sigma_i),

is R's ``y ~ visit + visit:arm + visit:baseline`` with ``visit`` a factor of
the post-baseline weeks and ``arm`` a factor of every arm's intervention code
whose reference level is the comparator. The model matrix is built in R's
column order, so ``coef`` equals ``coef(gls_fit)``; the treatment effect at
week ``j`` is the coefficient of ``visit_j:arm_a``. For the R call of each
covariance structure see :mod:`kneestudy.effects.mmrm_covariance`; the
default ``"unstructured"`` is

.. code-block:: r

    nlme::gls(y ~ visit + visit:arm + visit:baseline,
              correlation = corSymm(form = ~ as.integer(visit) | id),
              weights = varIdent(form = ~ 1 | visit),
              method = "REML", na.action = na.omit)

Missing visits are handled by likelihood (missing at random); participants
without a baseline value are left out and counted in ``n_excluded``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from kneestudy.effects._common import arm_codes, check_level, check_outcome, tcrit
from kneestudy.effects.mmrm_covariance import structure
from kneestudy.effects.mmrm_reml import build_patterns, fit_reml
from kneestudy.effects.mmrm_satterthwaite import satterthwaite_df
from kneestudy.effects.results import MMRMResult
from kneestudy.errors import AnalysisError

__all__ = ["mmrm"]


def _fmt(w: float) -> str:
    return f"{w:g}"


def mmrm(
    cohort,
    outcome: str = "pain",
    covariance: str = "unstructured",
    treatment: str | None = None,
    level: float = 0.95,
) -> MMRMResult:
    """Fit the MMRM to a cohort's post-baseline visits.

    Parameters
    ----------
    cohort : Cohort
    outcome : {"pain", "akps"}
    covariance : str
        ``"unstructured"`` (default), ``"toeplitz"``, ``"toeplitz_het"``,
        ``"ar1"``, ``"ar1_het"``, ``"cs"`` or ``"cs_het"``
        (:mod:`kneestudy.effects.mmrm_covariance` gives the nlme call of each).
    treatment : str, optional
        The default arm of ``.at_week`` (needed there when there is more
        than one treatment arm); the table has every arm either way.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    MMRMResult
        ``.table`` (effect of every treatment arm at every week),
        ``.lsmeans`` (by arm and week at the mean baseline of the analysed
        observations, as ``emmeans`` takes it), ``.at_week(w)``.

    Notes
    -----
    REML is maximised with BFGS on the analytic gradient followed by Newton
    steps until every gradient component is below 1e-8 (see
    :mod:`kneestudy.effects.mmrm_reml`). Degrees of freedom are Satterthwaite's
    (:mod:`kneestudy.effects.mmrm_satterthwaite`).

    References
    ----------
    Mallinckrodt CH et al. Recommendations for the primary analysis of
    continuous endpoints in longitudinal clinical trials. Drug Inf J
    2008;42:303–19.

    Examples
    --------
    >>> fit = ks.effects.mmrm(cohort, "pain")  # doctest: +SKIP
    >>> fit.at_week(12).estimate  # doctest: +SKIP
    """
    check_level(level)
    check_outcome(cohort, outcome)
    codes, comparator = arm_codes(cohort)
    if treatment is not None and treatment not in codes[:-1]:
        raise AnalysisError(
            f"unknown treatment {treatment!r}; treatment arms: {codes[:-1]} "
            f"(comparator {comparator!r})"
        )
    long = cohort.long(outcome)
    long = long[long["intervention"].isin(codes)]
    post = long[long["week"] > 0]
    no_base = post["baseline"].isna() & post[outcome].notna()
    n_excluded = int(post.loc[no_base, "participant_id"].nunique())
    d = post.dropna(subset=[outcome, "baseline"])
    if d.empty:
        raise AnalysisError(f"no post-baseline {outcome!r} values with a baseline value")
    weeks = sorted(float(w) for w in d["week"].unique())
    V = len(weeks)
    cov = structure(covariance, V)
    levels = [comparator, *codes[:-1]]  # R factor levels: comparator is the reference
    A = len(levels)
    counts = d.groupby(["week", "intervention"]).size()
    for w in weeks:
        for c in levels:
            if counts.get((w, c), 0) == 0:
                raise AnalysisError(
                    f"arm {c!r} has no {outcome!r} data (with baseline) at week {_fmt(w)}; "
                    "its effect there cannot be estimated"
                )
    vis = np.searchsorted(weeks, d["week"].to_numpy(float))
    arm = np.array([levels.index(c) for c in d["intervention"]])
    base = d["baseline"].to_numpy(float)
    y = d[outcome].to_numpy(float)
    n_obs = len(d)
    onehot = np.eye(V)[vis]
    cols = [np.ones((n_obs, 1)), onehot[:, 1:]]
    names = ["(Intercept)", *[f"visit{_fmt(w)}" for w in weeks[1:]]]
    for a in range(1, A):
        cols.append(onehot * (arm == a)[:, None])
        names += [f"visit{_fmt(w)}:arm{levels[a]}" for w in weeks]
    cols.append(onehot * base[:, None])
    names += [f"visit{_fmt(w)}:baseline" for w in weeks]
    X = np.hstack(cols)
    P = X.shape[1]
    pid = d["participant_id"].to_numpy()
    _, subj = np.unique(pid, return_inverse=True)
    n = int(subj.max()) + 1
    if n_obs <= P:
        raise AnalysisError(f"too few observations ({n_obs}) for {P} fixed effects")
    if np.linalg.matrix_rank(X) < P:
        raise AnalysisError(
            "the MMRM fixed effects are not estimable (baseline is constant within a "
            "visit, or arms and visits are confounded)"
        )
    if np.any(d.groupby("week")[outcome].std(ddof=0).to_numpy() == 0):
        raise AnalysisError(f"{outcome!r} has zero variance at a visit; the model cannot be fitted")
    if n_obs - P <= cov.n_params:
        raise AnalysisError(
            f"too few observations ({n_obs}) for {P} fixed effects and {cov.n_params} "
            f"covariance parameters ({covariance}); use a simpler covariance structure"
        )
    patterns = build_patterns(X, y, subj, vis, V)

    # Starting covariance: moment estimate from OLS residuals (pairwise complete).
    beta0, *_ = np.linalg.lstsq(X, y, rcond=None)
    r0 = y - X @ beta0
    R = np.full((n, V), np.nan)
    R[subj, vis] = r0
    S0 = pd.DataFrame(R).cov(min_periods=2).to_numpy()
    diag = np.nanvar(R, axis=0)
    S0 = np.where(np.isnan(S0), 0.0, S0)
    S0[np.diag_indices(V)] = np.where(np.isnan(diag) | (diag <= 0), 1.0, diag)
    ev, evec = np.linalg.eigh(S0)
    ev = np.maximum(ev, 1e-3 * max(ev.max(), 1e-8))
    S0 = (evec * ev) @ evec.T
    fit = fit_reml(patterns, cov, P, cov.start(S0))
    if not fit.converged:
        import warnings

        warnings.warn(
            f"MMRM ({covariance}) did not fully converge: largest gradient component "
            f"{np.max(np.abs(fit.grad)):.2e}",
            RuntimeWarning,
            stacklevel=2,
        )
    se_all = np.sqrt(np.diag(fit.C))
    loglik = -0.5 * (fit.f + (n_obs - P) * np.log(2 * np.pi))

    # Effect table: every treatment arm × week.
    rows, Ls = [], []
    for a in range(1, A):
        for w in weeks:
            k = names.index(f"visit{_fmt(w)}:arm{levels[a]}")
            lv = np.zeros(P)
            lv[k] = 1
            Ls.append(lv)
            rows.append((w, levels[a], comparator))
    # LS means: arm × week at the mean baseline of the analysed observations.
    bbar = float(base.mean())
    lrows, Lls = [], []
    for a in range(A):
        for j, w in enumerate(weeks):
            lv = np.zeros(P)
            lv[0] = 1
            if j > 0:
                lv[names.index(f"visit{_fmt(w)}")] = 1
            if a > 0:
                lv[names.index(f"visit{_fmt(w)}:arm{levels[a]}")] = 1
            lv[names.index(f"visit{_fmt(w)}:baseline")] = bbar
            Lls.append(lv)
            lrows.append((w, levels[a]))
    Lall = np.array(Ls + Lls)
    dfs = satterthwaite_df(fit, patterns, Lall)
    est = Lall @ fit.beta
    se = np.sqrt(np.einsum("ip,pq,iq->i", Lall, fit.C, Lall))
    tq = np.array([tcrit(level, v) for v in dfs])
    pv = 2 * stats.t.sf(np.abs(est / se), dfs)
    m = len(Ls)
    table = pd.DataFrame(
        {
            "week": [r[0] for r in rows],
            "treatment": [r[1] for r in rows],
            "comparator": [r[2] for r in rows],
            "estimate": est[:m],
            "se": se[:m],
            "df": dfs[:m],
            "ci_low": est[:m] - tq[:m] * se[:m],
            "ci_high": est[:m] + tq[:m] * se[:m],
            "p_value": pv[:m],
        }
    )
    lsmeans = pd.DataFrame(
        {
            "week": [r[0] for r in lrows],
            "intervention": [r[1] for r in lrows],
            "estimate": est[m:],
            "se": se[m:],
            "df": dfs[m:],
            "ci_low": est[m:] - tq[m:] * se[m:],
            "ci_high": est[m:] + tq[m:] * se[m:],
        }
    )
    coef = pd.DataFrame({"name": names, "estimate": fit.beta, "se": se_all})
    wk = [_fmt(w) for w in weeks]
    arm_counts = {float(w): {c: int(counts.get((w, c), 0)) for c in levels} for w in weeks}
    return MMRMResult(
        table=table,
        lsmeans=lsmeans,
        coef=coef,
        covariance_matrix=pd.DataFrame(fit.sigma, index=wk, columns=wk),
        covariance=covariance,
        outcome=outcome,
        comparator=comparator,
        n=n,
        n_obs=n_obs,
        loglik=float(loglik),
        converged=fit.converged,
        baseline_mean=bbar,
        n_excluded=n_excluded,
        level=level,
        treatment=treatment,
        _arm_counts=arm_counts,
    )
