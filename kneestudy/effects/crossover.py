r"""Crossover trials: within-person comparison of conditions (e.g. brace settings).

The seed text claims that "the best direction of pull differs by person". A
crossover puts each person in several conditions, one per period
(``visits.condition`` holds the condition in force; post-baseline visits are
the periods, in week order). The analysis is the linear mixed model

.. math:: y_{ij} = \mu + \pi_{p(j)} + \tau_{c(ij)} + s_i + e_{ij},
          \qquad s_i \sim N(0, \sigma_s^2),\; e_{ij} \sim N(0, \sigma^2),

(R: ``nlme::lme(y ~ period + condition, random = ~ 1 | id, method = "REML")``)
with period and condition as factors, the reference condition as the
reference level; fixed effects by REML with Satterthwaite degrees of freedom
(as ``lmerTest``). Participants with a single period still contribute
(between-person information, through the random intercept).

* **AB/BA** (two conditions, two periods): Senn's analysis is reported beside
  the model — half the difference between sequences of the mean period
  difference, with a two-sample t test on the period differences of those
  with both periods (Senn 2002, §3.3); with complete data it equals the
  model's estimate.
* **Carry-over**: the test compares the conditions' first-order carry-over
  effects (a term for the previous period's condition); in AB/BA it is
  Grizzle's test on the participants' totals. It is reported, not used to
  pick the analysis: it has little power, and the two-stage procedure that
  switches to first-period data when it is significant is biased (Freeman
  1989; Senn 2002, §3.9). Carry-over is for the design (wash-out) to prevent.
* **Does the best condition differ by person?** Only a replicated design
  (someone in the same condition in two or more periods, e.g. ABAB/BABA or
  n-of-1 trials) separates a person-by-condition interaction from
  within-person noise (Senn 2016; Araujo, Julious & Senn 2016). Then a
  random condition effect is added, ``lme4::lmer(y ~ period + condition +
  (1 + condition | id))``, and its SD is reported with a likelihood-ratio
  test against the random-intercept model (null distribution the 50:50
  mixture of :math:`\chi^2_1` and :math:`\chi^2_2` for one random slope;
  Self & Liang 1987, Stram & Lee 1994). With one period per condition the
  SD is not estimable and the result says so.

References
----------
Senn S. Cross-over Trials in Clinical Research, 2nd ed. Wiley 2002.
Freeman PR. The performance of the two-stage analysis of two-treatment,
two-period crossover trials. Stat Med 1989;8:1421–32.
Senn S. Mastering variation: variance components and personalised medicine.
Stat Med 2016;35:966–77. Araujo A, Julious S, Senn S. Understanding variation
in sets of N-of-1 trials. PLoS One 2016;11:e0167167.
Stram DO, Lee JW. Variance components testing in the longitudinal mixed
effects model. Biometrics 1994;50:1171–7.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from kneestudy._results import Result, frame_to_html
from kneestudy.effects._common import check_level, check_outcome, tcrit
from kneestudy.effects.mmrm_covariance import numeric_jacobian
from kneestudy.effects.mmrm_reml import REMLFit, build_patterns, fit_reml
from kneestudy.effects.mmrm_satterthwaite import satterthwaite_df
from kneestudy.errors import AnalysisError

__all__ = ["CrossoverResult", "crossover", "crossover_data"]


@dataclass(frozen=True)
class CrossoverResult(Result):
    """Within-person comparison of conditions (:func:`kneestudy.effects.crossover`).

    Attributes
    ----------
    estimate, se, ci_low, ci_high, p_value, df : float
        ``condition`` minus ``reference`` from the mixed model (REML,
        Satterthwaite df); ``.table`` has every condition.
    design : str
        "AB/BA", or "<C> conditions × <K> periods[, replicated]".
    n, n_obs, n_periods, n_within : int
        Participants, observations, periods, and participants seen in two or
        more conditions.
    between_sd, within_sd : float
        SD of the person effect (random intercept) and residual SD.
    carryover_statistic, carryover_df, carryover_p, carryover_test
        The carry-over test (reported, not used to choose the analysis).
    senn_estimate, senn_se, senn_df, senn_p, senn_n
        AB/BA only: Senn's period-difference t test on those with both
        periods (NaN otherwise); ``grizzle_t``, ``grizzle_p``: the carry-over
        test on participants' totals.
    effect_sd, effect_sd_lr, effect_sd_p, share_better, effect_sd_note
        Replicated designs only: between-person SD of the condition effect,
        its likelihood-ratio test, and the share of people expected to do
        better (lower value) under ``condition`` assuming normal person
        effects; NaN with the reason in ``effect_sd_note`` otherwise.
    table, periods : DataFrame
        Condition effects and period effects.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float
    condition: str
    reference: str
    outcome: str
    design: str
    n: int
    n_obs: int
    n_periods: int
    n_within: int
    between_sd: float
    within_sd: float
    carryover_statistic: float
    carryover_df: float
    carryover_p: float
    carryover_test: str
    senn_estimate: float
    senn_se: float
    senn_df: float
    senn_p: float
    senn_n: int
    grizzle_t: float
    grizzle_p: float
    effect_sd: float
    effect_sd_lr: float
    effect_sd_p: float
    share_better: float
    effect_sd_note: str
    loglik: float
    level: float
    method: str
    table: pd.DataFrame = field(repr=False)
    periods: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    _title = "Crossover analysis"

    def _repr_html_(self) -> str:
        return (
            f"<div><strong>{html.escape(self._title)} ({html.escape(self.design)})</strong>"
            f"{frame_to_html(self.table)}{frame_to_html(self.periods, caption='Periods')}"
            f"<p>Carry-over: {html.escape(self.carryover_test)}, p = {self.carryover_p:.3g}. "
            f"Between-person SD of the effect: {html.escape(self.effect_sd_note)}</p></div>"
        )


class _RandomEffects:
    """Σ over pseudo-visits (period k, condition c), v = k·C + c: Z G Z' + σ² I.

    Z has a 1 (random intercept) and, with ``slopes``, the condition's dummies
    (random condition effects). θ: log-Cholesky of G, then log σ.
    """

    kind = "random effects"

    def __init__(self, K: int, C: int, slopes: bool) -> None:
        self.K, self.C, self.V = K, C, K * C
        cond = np.tile(np.arange(C), K)
        cols = [np.ones(self.V)] + (
            [(cond == c).astype(float) for c in range(1, C)] if slopes else []
        )
        self.Z = np.column_stack(cols)
        self.q = self.Z.shape[1]
        self._tril = np.tril_indices(self.q)
        self.n_params = len(self._tril[0]) + 1

    def G(self, theta: np.ndarray) -> np.ndarray:
        L = np.zeros((self.q, self.q))
        L[self._tril] = theta[:-1]
        d = np.diag_indices(self.q)
        L[d] = np.exp(L[d])
        return L @ L.T

    def matrix(self, theta: np.ndarray) -> np.ndarray:
        return self.Z @ self.G(theta) @ self.Z.T + np.exp(2 * theta[-1]) * np.eye(self.V)

    def jacobian(self, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
        return numeric_jacobian(self.matrix, theta, h)

    def grad(self, theta: np.ndarray, G: np.ndarray) -> np.ndarray:
        return np.einsum("jab,ab->j", self.jacobian(theta), G)


def crossover_data(cohort, outcome: str = "pain", include_baseline: bool = False) -> pd.DataFrame:
    """One row per participant and period: participant_id, period (1, 2, ...), week,
    condition, previous (the condition of the period before; None in period 1),
    y and baseline (the week-0 value).

    Periods are the post-baseline visits with a condition and the outcome
    (and, with ``include_baseline``, the week-0 visit too), numbered in week
    order across the cohort.
    """
    check_outcome(cohort, outcome)
    v = cohort.visits
    if "condition" not in v.columns:
        raise AnalysisError(
            f"cohort {cohort.cohort_id!r} has no 'condition' column in its visits; a crossover "
            "analysis needs the condition in force at each visit"
        )
    base = v[v["week"] == 0].set_index("participant_id")[outcome]
    d = v[(v["week"] >= 0) if include_baseline else (v["week"] > 0)]
    d = d.dropna(subset=[outcome, "condition"]).copy()
    if d.empty:
        raise AnalysisError(f"no post-baseline {outcome!r} values with a condition")
    weeks = sorted(set(d["week"].astype(float)))
    d["period"] = np.searchsorted(weeks, d["week"].to_numpy(float)) + 1
    d = d.sort_values(["participant_id", "period"])
    d["previous"] = d.groupby("participant_id")["condition"].shift(1)
    first = d["period"] == d.groupby("participant_id")["period"].transform("min")
    d.loc[d["period"] - 1 != d.groupby("participant_id")["period"].shift(1), "previous"] = None
    d.loc[first, "previous"] = None
    d["baseline"] = d["participant_id"].map(base).astype(float)
    d = d.rename(columns={outcome: "y"})
    cols = ["participant_id", "period", "week", "condition", "previous", "y", "baseline"]
    return d[cols].reset_index(drop=True)


def _design(d: pd.DataFrame, conds: list[str], carryover: bool, baseline: bool):
    K = int(d["period"].max())
    cols = [np.ones(len(d))]
    names = ["(Intercept)"]
    for k in range(2, K + 1):
        if (d["period"] == k).any():
            cols.append((d["period"] == k).to_numpy(float))
            names.append(f"period{k}")
    for c in conds[1:]:
        cols.append((d["condition"] == c).to_numpy(float))
        names.append(f"condition{c}")
    if carryover:
        for c in conds[1:]:
            cols.append((d["previous"] == c).to_numpy(float))
            names.append(f"carryover{c}")
    if baseline:
        cols.append(d["baseline"].to_numpy(float))
        names.append("baseline")
    return np.column_stack(cols), names


def _fit(d: pd.DataFrame, conds: list[str], carryover: bool, baseline: bool, slopes: bool):
    X, names = _design(d, conds, carryover, baseline)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise AnalysisError(
            "the crossover model is not estimable: periods and conditions are confounded "
            "(every participant in the same sequence?)"
        )
    K, C = int(d["period"].max()), len(conds)
    cov = _RandomEffects(K, C, slopes)
    ci = d["condition"].map({c: i for i, c in enumerate(conds)}).to_numpy()
    vis = (d["period"].to_numpy() - 1) * C + ci
    _, subj = np.unique(d["participant_id"].to_numpy(), return_inverse=True)
    y = d["y"].to_numpy(float)
    patterns = build_patterns(X, y, subj, vis, cov.V)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    r = y - X @ beta
    pm = pd.Series(r).groupby(subj).transform("mean").to_numpy()
    s_b = max(float(np.var(pm)), 0.05 * float(np.var(r)))
    s_w = max(float(np.var(r - pm)), 0.05 * float(np.var(r)))
    start = np.zeros(cov.n_params)
    start[0] = 0.5 * np.log(s_b)
    for j, (a, b) in enumerate(zip(*cov._tril, strict=True)):
        if j and a == b:
            start[j] = 0.5 * np.log(0.25 * s_w)
    start[-1] = 0.5 * np.log(s_w)
    fit = fit_reml(patterns, cov, X.shape[1], start)
    return fit, patterns, names, cov, X.shape[0]


def _loglik(fit: REMLFit, n_obs: int, P: int) -> float:
    return -0.5 * (fit.f + (n_obs - P) * np.log(2 * np.pi))


def _senn(d: pd.DataFrame, conds: list[str], level: float) -> dict:
    """AB/BA: the period-difference t test and Grizzle's carry-over test on totals."""
    w = d.pivot(index="participant_id", columns="period", values="y").dropna()
    seq = d.pivot(index="participant_id", columns="period", values="condition").loc[w.index]
    ref, trt = conds
    rt = (seq[1] == ref).to_numpy()  # reference first
    diff = (w[1] - w[2]).to_numpy()
    tot = (w[1] + w[2]).to_numpy()
    n1, n2 = int(rt.sum()), int((~rt).sum())
    out = {k: float("nan") for k in ("estimate", "se", "df", "p", "co_t", "co_p", "n")}
    if n1 < 2 or n2 < 2:
        return out

    def pooled(x):
        a, b = x[rt], x[~rt]
        sp2 = ((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / (n1 + n2 - 2)
        return a.mean(), b.mean(), np.sqrt(sp2 * (1 / n1 + 1 / n2))

    m_rt, m_tr, se_d = pooled(diff)
    est, se, df = (m_tr - m_rt) / 2, se_d / 2, float(n1 + n2 - 2)
    t_rt, t_tr, se_t = pooled(tot)
    co_t = (t_rt - t_tr) / se_t
    out.update(
        estimate=float(est), se=float(se), df=df, p=float(2 * stats.t.sf(abs(est / se), df)),
        co_t=float(co_t), co_p=float(2 * stats.t.sf(abs(co_t), df)), n=float(n1 + n2),
    )  # fmt: skip
    return out


def crossover(
    cohort,
    outcome: str = "pain",
    reference: str | None = None,
    baseline: bool = False,
    level: float = 0.95,
) -> CrossoverResult:
    """Within-person comparison of the conditions of a crossover cohort.

    Parameters
    ----------
    cohort : Cohort
        Visits with a ``condition`` column (``design = "crossover"``).
    outcome : {"pain", "akps"}
    reference : str, optional
        The reference condition (default: the manifest's comparator when it
        is a condition, else the first condition in sorted order).
    baseline : bool
        Adjust for the week-0 value (a between-person covariate; with
        complete data it leaves the within-person estimate unchanged).
    level : float

    Returns
    -------
    CrossoverResult
        ``.table`` (each condition vs the reference: estimate, se, df,
        ci_low, ci_high, p_value), ``.periods`` (period effects), the
        carry-over test, Senn's AB/BA analysis where it applies, and the
        between-person SD of the condition effect where the design can
        estimate it (``effect_sd``; NaN otherwise, with ``effect_sd_note``).

    Examples
    --------
    >>> import kneestudy as ks
    >>> res = ks.effects.crossover(ks.simulate.crossover(n=40, seed=1))
    >>> res.design
    'AB/BA'
    """
    check_level(level)
    d = crossover_data(cohort, outcome)
    conds = sorted(set(d["condition"].astype(str)))
    if len(conds) < 2:
        raise AnalysisError(f"only one condition ({conds}) after baseline: nothing to compare")
    if reference is None:
        comp = cohort.manifest.comparator
        reference = comp if comp in conds else conds[0]
    if reference not in conds:
        raise AnalysisError(f"unknown reference condition {reference!r}; conditions: {conds}")
    conds = [reference, *[c for c in conds if c != reference]]
    n_excl = int(d["baseline"].isna().groupby(d["participant_id"]).any().sum()) if baseline else 0
    if baseline:
        d = d.dropna(subset=["baseline"])
    K = int(d["period"].max())
    per_person = d.groupby("participant_id")["condition"].nunique()
    if (per_person < 2).all():
        raise AnalysisError("nobody was seen in two conditions: no within-person comparison")
    fit, patterns, names, cov, n_obs = _fit(d, conds, False, baseline, slopes=False)
    P = len(names)
    L = np.eye(P)
    dfs = satterthwaite_df(fit, patterns, L)
    se = np.sqrt(np.diag(fit.C))
    rows = []
    for c in conds[1:]:
        j = names.index(f"condition{c}")
        t = tcrit(level, dfs[j])
        est = float(fit.beta[j])
        rows.append({
            "condition": c, "reference": reference, "estimate": est, "se": float(se[j]),
            "df": float(dfs[j]), "ci_low": est - t * se[j], "ci_high": est + t * se[j],
            "p_value": float(2 * stats.t.sf(abs(est / se[j]), dfs[j])),
        })  # fmt: skip
    table = pd.DataFrame(rows)
    periods = pd.DataFrame(
        [{"period": int(nm[6:]), "estimate": float(fit.beta[j]), "se": float(se[j]),
          "df": float(dfs[j])} for j, nm in enumerate(names) if nm.startswith("period")]
    )  # fmt: skip
    notes = []
    if n_excl:
        notes.append(f"{n_excl} participant(s) without a baseline value left out")
    # carry-over: the model with first-order carry-over terms
    co = dict(stat=float("nan"), df=float("nan"), p=float("nan"), test="not estimable")
    try:
        fit_c, pat_c, names_c, _, _ = _fit(d, conds, True, baseline, slopes=False)
        jj = [names_c.index(f"carryover{c}") for c in conds[1:]]
        b, V = fit_c.beta[jj], fit_c.C[np.ix_(jj, jj)]
        if len(jj) == 1:
            dfc = float(satterthwaite_df(fit_c, pat_c, np.eye(len(names_c))[jj])[0])
            tt = float(b[0] / np.sqrt(V[0, 0]))
            co = dict(stat=tt, df=dfc, p=float(2 * stats.t.sf(abs(tt), dfc)),
                      test="t test of the carry-over term (Satterthwaite df)")  # fmt: skip
        else:
            chi = float(b @ np.linalg.solve(V, b))
            co = dict(stat=chi, df=float(len(jj)), p=float(stats.chi2.sf(chi, len(jj))),
                      test=f"Wald chi-square test of {len(jj)} carry-over terms")  # fmt: skip
    except AnalysisError as exc:
        notes.append(f"carry-over not estimable: {exc}")
    two_by_two = K == 2 and len(conds) == 2
    senn = _senn(d, conds, level) if two_by_two else {}
    # person-by-condition variation: needs someone in one condition in two periods
    replicated = bool((d.groupby(["participant_id", "condition"]).size() >= 2).any())
    esd = dict(sd=float("nan"), lr=float("nan"), p=float("nan"), share=float("nan"))
    if replicated and len(conds) >= 2:
        fit_s, _, _, cov_s, _ = _fit(d, conds, False, baseline, slopes=True)
        G = cov_s.G(fit_s.theta)
        lr = max(2 * (_loglik(fit_s, n_obs, P) - _loglik(fit, n_obs, P)), 0.0)
        k = len(conds) - 1
        if k == 1:  # 50:50 mixture of chi2(1) and chi2(2) (Stram & Lee 1994)
            p = 0.5 * stats.chi2.sf(lr, 1) + 0.5 * stats.chi2.sf(lr, 2)
            test = "likelihood ratio, 50:50 mixture of chi2(1) and chi2(2)"
        else:  # conservative: chi2 with all added parameters
            p = stats.chi2.sf(lr, cov_s.n_params - cov.n_params)
            test = f"likelihood ratio, chi2({cov_s.n_params - cov.n_params}) (conservative)"
        sd = float(np.sqrt(G[1, 1]))
        tau = float(table["estimate"].iloc[0])
        share = float(stats.norm.cdf(-tau / sd)) if sd > 0 else float(tau < 0)
        esd = dict(sd=sd, lr=float(lr), p=float(p), share=share)
        esd_note = (
            f"SD between persons of the effect of {conds[1]!r} vs {reference!r} "
            f"({test}); the share of people with a lower value under {conds[1]!r} assumes "
            "normally distributed person effects (assumption)"
        )
    else:
        esd_note = (
            "not estimable: each person was in each condition once, so a person-by-condition "
            "interaction cannot be told apart from within-person noise; a replicated design "
            "(e.g. ABAB/BABA or n-of-1 trials) is needed"
        )
    design = (
        "AB/BA" if two_by_two else
        f"{len(conds)} conditions × {K} periods" + (", replicated" if replicated else "")
    )  # fmt: skip
    r0 = table.iloc[0]
    sigma2 = float(np.exp(2 * fit.theta[-1]))
    return CrossoverResult(
        estimate=float(r0["estimate"]),
        se=float(r0["se"]),
        ci_low=float(r0["ci_low"]),
        ci_high=float(r0["ci_high"]),
        p_value=float(r0["p_value"]),
        df=float(r0["df"]),
        condition=str(r0["condition"]),
        reference=reference,
        outcome=outcome,
        design=design,
        n=int(d["participant_id"].nunique()),
        n_obs=int(n_obs),
        n_periods=K,
        n_within=int((per_person >= 2).sum()),
        between_sd=float(np.sqrt(cov.G(fit.theta)[0, 0])),
        within_sd=float(np.sqrt(sigma2)),
        carryover_statistic=co["stat"],
        carryover_df=co["df"],
        carryover_p=co["p"],
        carryover_test=co["test"],
        senn_estimate=senn.get("estimate", float("nan")),
        senn_se=senn.get("se", float("nan")),
        senn_df=senn.get("df", float("nan")),
        senn_p=senn.get("p", float("nan")),
        senn_n=int(senn.get("n", 0) or 0) if two_by_two else 0,
        grizzle_t=senn.get("co_t", float("nan")),
        grizzle_p=senn.get("co_p", float("nan")),
        effect_sd=esd["sd"],
        effect_sd_lr=esd["lr"],
        effect_sd_p=esd["p"],
        share_better=esd["share"],
        effect_sd_note=esd_note,
        loglik=_loglik(fit, n_obs, P),
        level=level,
        method="linear mixed model: y ~ period + condition + (1 | participant), REML, "
        "Satterthwaite df" + (" + baseline" if baseline else ""),
        table=table,
        periods=periods,
        notes=tuple(notes),
    )
