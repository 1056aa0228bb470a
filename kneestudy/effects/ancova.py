"""ANCOVA, unadjusted and change-from-baseline mean differences at one week.

The ANCOVA is R's ``lm(y ~ baseline + arm)`` (plus covariates) on complete
cases at the week, with every arm of the cohort in the model as a factor whose
reference level is the comparator (the manifest's ``comparator`` code). With
``robust`` the standard error is a heteroscedasticity-consistent sandwich
estimator, ``sandwich::vcovHC(fit, type = robust)``, tested with the
residual degrees of freedom as ``lmtest::coeftest`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from kneestudy.effects._common import (
    at_week,
    check_arm_data,
    check_level,
    check_outcome,
    check_week,
    resolve_treatment,
    tcrit,
)
from kneestudy.effects.results import EffectResult
from kneestudy.errors import AnalysisError

__all__ = ["ancova", "covariate_columns", "first_follow_up", "immediate_effect", "mean_difference", "ols",
           "pooled_baseline_sd"]  # fmt: skip

_ROBUST = (None, "HC0", "HC1", "HC2", "HC3")


def ols(X: np.ndarray, y: np.ndarray, robust: str | None = None) -> dict:
    """Least squares with classical or HC0–HC3 covariance.

    Returns a dict with ``beta``, ``cov``, ``df`` (n − rank), ``resid``,
    ``sigma2`` and ``rss``. Raises AnalysisError when X is rank deficient or
    no residual degrees of freedom remain.
    """
    n, k = X.shape
    rank = np.linalg.matrix_rank(X)
    if rank < k:
        raise AnalysisError(
            "the model matrix is rank deficient (a covariate or arm is constant or "
            "collinear in the data analysed)"
        )
    if n - k < 1:
        raise AnalysisError(f"too few observations ({n}) for a model with {k} coefficients")
    q, r = np.linalg.qr(X)
    beta = np.linalg.solve(r, q.T @ y)
    resid = y - X @ beta
    rss = float(resid @ resid)
    df = n - k
    sigma2 = rss / df
    rinv = np.linalg.inv(r)
    xtx_inv = rinv @ rinv.T
    if robust is None:
        cov = sigma2 * xtx_inv
    else:
        h = np.sum(q * q, axis=1)
        if robust == "HC0":
            w = resid**2
        elif robust == "HC1":
            w = resid**2 * n / df
        elif robust == "HC2":
            w = resid**2 / (1 - h)
        else:  # HC3
            w = resid**2 / (1 - h) ** 2
        meat = (X * w[:, None]).T @ X
        cov = xtx_inv @ meat @ xtx_inv
    if sigma2 <= 0:
        raise AnalysisError("the model fits the data exactly (zero residual variance)")
    return {"beta": beta, "cov": cov, "df": df, "resid": resid, "sigma2": sigma2, "rss": rss}


def pooled_baseline_sd(cohort, outcome: str, codes: Sequence[str]) -> float:
    """Pooled within-arm SD of the week-0 value over the arms ``codes``.

    ``sqrt(sum_a (n_a − 1) s_a^2 / sum_a (n_a − 1))`` over participants with a
    baseline value. This is the one SD kneestudy uses to standardise mean
    differences of a cohort, so SMDs of all pairs of arms stay consistent.
    """
    long = cohort.long(outcome)
    base = long[(long["week"] == 0) & long["intervention"].isin(codes)].dropna(subset=[outcome])
    g = base.groupby("intervention")[outcome]
    n = g.count()
    v = g.var(ddof=1)
    ok = n > 1
    dfs = float((n[ok] - 1).sum())
    if dfs <= 0:
        return float("nan")
    return float(np.sqrt(((n[ok] - 1) * v[ok]).sum() / dfs))


def covariate_columns(d: pd.DataFrame, covariates: Sequence[str]) -> tuple[list, list[str]]:
    """Model-matrix columns of participant covariates, as R codes them.

    Numbers enter as they are; a categorical, text or boolean column gives a
    0/1 column per level but the first (R's ``contr.treatment``), levels in
    the declared order of a categorical (those present), else sorted, named
    ``<column><level>`` as R names them.
    """
    cols, names = [], []
    for cov in covariates:
        s = d[cov]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or s.dtype == bool:
            levels = (
                [lv for lv in s.cat.categories if (s == lv).any()]
                if isinstance(s.dtype, pd.CategoricalDtype)
                else sorted(s.astype(str).unique())
            )
            for lv in levels[1:]:
                cols.append((s.astype(str) == str(lv)).to_numpy(float))
                names.append(f"{cov}{lv}")
        else:
            cols.append(s.to_numpy(float))
            names.append(cov)
    return cols, names


def _design(d: pd.DataFrame, codes: list[str], covariates: Sequence[str]) -> tuple:
    cols = [np.ones(len(d)), d["baseline"].to_numpy(float)]
    names = ["(Intercept)", "baseline"]
    for c in codes[:-1]:
        cols.append((d["intervention"] == c).to_numpy(float))
        names.append(f"arm{c}")
    more, more_names = covariate_columns(d, covariates)
    return np.column_stack(cols + more), names + more_names


def ancova(
    cohort,
    outcome: str = "pain",
    week: float = 12,
    treatment: str | None = None,
    covariates: Sequence[str] = (),
    robust: str | None = None,
    level: float = 0.95,
) -> EffectResult:
    r"""Baseline-adjusted treatment effect at one week (ANCOVA).

    Fits, on participants with the outcome and its baseline at ``week``,

    .. math:: y_i = \beta_0 + \beta_1 \mathrm{baseline}_i + \sum_a \gamma_a
              [\mathrm{arm}_i = a] + \delta^\top z_i + \varepsilon_i

    with every non-comparator arm ``a`` as a dummy (R: ``lm(y ~ baseline + arm
    + covariates)`` with ``arm`` a factor whose reference is the comparator).
    The effect is :math:`\hat\gamma_\text{treatment}` with a t interval on the
    residual degrees of freedom.

    The SMD divides the estimate and its CI by the pooled within-arm SD of the
    baseline value over all arms (:func:`pooled_baseline_sd`), treating that
    SD as known.

    Parameters
    ----------
    cohort : Cohort
    outcome : {"pain", "akps"}
    week : float
        A post-baseline visit week of the cohort.
    treatment : str, optional
        Intervention code of the treatment arm (needed with > 1 treatment arm).
    covariates : sequence of str
        Further participant columns (numeric, or categorical with the first
        level as reference).
    robust : {None, "HC0", "HC1", "HC2", "HC3"}
        Sandwich standard error (``sandwich::vcovHC``).
    level : float
        Confidence level.

    Returns
    -------
    EffectResult

    References
    ----------
    Vickers AJ, Altman DG. Analysing controlled trials with baseline and
    follow up measurements. BMJ 2001;323:1123–4.

    Examples
    --------
    >>> res = ks.effects.ancova(cohort, "pain", week=12)  # doctest: +SKIP
    >>> res.estimate, res.ci_low, res.ci_high  # doctest: +SKIP
    """
    if robust not in _ROBUST:
        raise AnalysisError(f"robust must be one of {_ROBUST}, got {robust!r}")
    check_level(level)
    check_outcome(cohort, outcome)
    week = check_week(cohort, week)
    treatment, comparator, codes = resolve_treatment(cohort, treatment)
    covariates = tuple(covariates)
    for cov in covariates:
        if cov not in cohort.participants.columns or cov in (
            "participant_id",
            "arm",
            "intervention",
        ):
            raise AnalysisError(f"unknown covariate {cov!r}; use a participants column")
    d, n_missing = at_week(cohort, outcome, week, codes, extra=covariates)
    check_arm_data(d, codes, week, outcome)
    X, names = _design(d, codes, covariates)
    fit = ols(X, d["y"].to_numpy(float), robust)
    j = names.index(f"arm{treatment}")
    est = float(fit["beta"][j])
    se = float(np.sqrt(fit["cov"][j, j]))
    df = float(fit["df"])
    return _effect(
        est,
        se,
        df,
        level,
        d,
        treatment,
        comparator,
        outcome,
        week,
        n_missing,
        method="ANCOVA (lm: outcome ~ baseline + arm"
        + "".join(f" + {c}" for c in covariates)
        + ")"
        + (f", {robust} sandwich SE" if robust else ""),
        sd=pooled_baseline_sd(cohort, outcome, codes),
        sd_name="pooled within-arm SD of baseline (all arms)",
    )


def first_follow_up(cohort, outcome: str = "pain") -> float:
    """The first post-baseline week at which ``outcome`` was recorded."""
    check_outcome(cohort, outcome)
    v = cohort.visits
    weeks = sorted(set(v.loc[(v["week"] > 0) & v[outcome].notna(), "week"].astype(float)))
    if not weeks:
        raise AnalysisError(f"cohort {cohort.cohort_id!r} has no post-baseline {outcome!r} value")
    return weeks[0]


def immediate_effect(
    cohort,
    outcome: str = "pain",
    treatment: str | None = None,
    level: float = 0.95,
) -> EffectResult:
    """The effect at the first follow-up visit: does a treatment help at once?

    The seed text says a helpful brace helps at once. This is
    :func:`ancova` at the cohort's first post-baseline visit
    (:func:`first_follow_up`), labelled as the immediate effect; the
    responders at that visit are ``responders(cohort, week=first_follow_up(cohort))``.

    Examples
    --------
    >>> import kneestudy as ks
    >>> c = ks.datasets.demo_study().cohort("demo-knee-brace")
    >>> r = ks.effects.immediate_effect(c)
    >>> r.week
    2.0
    """
    week = first_follow_up(cohort, outcome)
    res = ancova(cohort, outcome, week, treatment=treatment, level=level)
    return replace(res, method=f"immediate effect (first follow-up, week {week:g}): {res.method}")


def _effect(
    est,
    se,
    df,
    level,
    d,
    treatment,
    comparator,
    outcome,
    week,
    n_missing,
    method,
    sd=float("nan"),
    sd_name="",
):
    if not np.isfinite(se) or se <= 0:
        raise AnalysisError("the standard error is zero or undefined; the data cannot support it")
    t = tcrit(level, df)
    lo, hi = est - t * se, est + t * se
    p = float(2 * stats.t.sf(abs(est / se), df))
    n_t = int((d["intervention"] == treatment).sum())
    n_c = int((d["intervention"] == comparator).sum())
    ok_sd = np.isfinite(sd) and sd > 0
    return EffectResult(
        estimate=est,
        se=se,
        ci_low=float(lo),
        ci_high=float(hi),
        p_value=p,
        df=df,
        n=n_t + n_c,
        n_treatment=n_t,
        n_comparator=n_c,
        outcome=outcome,
        week=float(week),
        treatment=treatment,
        comparator=comparator,
        method=method,
        smd=est / sd if ok_sd else float("nan"),
        smd_ci_low=lo / sd if ok_sd else float("nan"),
        smd_ci_high=hi / sd if ok_sd else float("nan"),
        sd_used=float(sd) if ok_sd else float("nan"),
        smd_sd=sd_name if ok_sd else "not available (baseline SD undefined)",
        level=level,
        n_missing=int(n_missing),
    )


def mean_difference(
    cohort,
    outcome: str = "pain",
    week: float = 12,
    treatment: str | None = None,
    change: bool = False,
    var_equal: bool = False,
    level: float = 0.95,
) -> EffectResult:
    r"""Unadjusted difference in means (or in change from baseline) at one week.

    :math:`\bar y_T - \bar y_C` with the Welch standard error
    :math:`\sqrt{s_T^2/n_T + s_C^2/n_C}` and Welch–Satterthwaite df (R's
    ``t.test(yT, yC)``), or with ``var_equal=True`` the pooled-variance t test
    (``t.test(yT, yC, var.equal = TRUE)``). With ``change=True`` the values
    are change from baseline (participants need both values).

    The SMD uses the pooled within-arm SD of the analysed values of the two
    arms (Cohen's d, no small-sample correction).

    Examples
    --------
    >>> ks.effects.mean_difference(cohort, "pain", 12, change=True)  # doctest: +SKIP
    """
    check_level(level)
    check_outcome(cohort, outcome)
    week = check_week(cohort, week)
    treatment, comparator, codes = resolve_treatment(cohort, treatment)
    d, n_missing = at_week(cohort, outcome, week, [treatment, comparator], need_baseline=change)
    if change:
        d["y"] = d["change"]
    check_arm_data(d, [treatment, comparator], week, outcome)
    yt = d.loc[d["intervention"] == treatment, "y"].to_numpy(float)
    yc = d.loc[d["intervention"] == comparator, "y"].to_numpy(float)
    nt, nc = len(yt), len(yc)
    if nt < 2 or nc < 2:
        raise AnalysisError(
            f"each arm needs at least 2 participants with data at week {week:g} "
            f"(treatment {nt}, comparator {nc})"
        )
    vt, vc = yt.var(ddof=1), yc.var(ddof=1)
    est = float(yt.mean() - yc.mean())
    sp2 = ((nt - 1) * vt + (nc - 1) * vc) / (nt + nc - 2)
    if var_equal:
        se = float(np.sqrt(sp2 * (1 / nt + 1 / nc)))
        df = float(nt + nc - 2)
    else:
        a, b = vt / nt, vc / nc
        se = float(np.sqrt(a + b))
        df = float((a + b) ** 2 / (a**2 / (nt - 1) + b**2 / (nc - 1)))
    what = "change from baseline" if change else "value"
    test = "pooled-variance t test" if var_equal else "Welch t test"
    return _effect(
        est,
        se,
        df,
        level,
        d,
        treatment,
        comparator,
        outcome,
        week,
        n_missing,
        method=f"unadjusted mean difference in {what} ({test})",
        sd=float(np.sqrt(sp2)),
        sd_name=f"pooled within-arm SD of the {what} (two arms)",
    )
