r"""Multiple imputation under MAR and reference-based assumptions (J2R, CR, CIR).

ICH E9(R1) asks what a treatment effect means when people stop treatment or
drop out (the *estimand*) and whether the answer survives other assumptions
about them. Two estimators answer it here, with the same imputation model
(:mod:`kneestudy.effects.imputation_model`) and the same analysis model:

* :func:`multiple_imputation` — ``m`` imputations drawn from the posterior of
  the MMRM (``approach="bayes"``, data augmentation) or from REML fits to
  bootstrap samples (``approach="approxbayes"``, stratified by arm), each
  analysed by ANCOVA at the week, combined by Rubin's rules with the
  Barnard–Rubin degrees of freedom;
* :func:`conditional_mean_imputation` — each missing value set to its
  conditional mean under the REML estimate, analysed by the same ANCOVA,
  with a jackknife standard error (Wolbers et al. 2022), deterministic.

The analysis model is R's ``lm(y ~ arm + baseline + covariates)`` at the
week on every participant with a baseline value (observed or imputed), arm a
factor with the comparator as reference. For participant sets, ICE handling
and the strategies see :mod:`kneestudy.effects.imputation_model`.

Rubin's rules (Rubin 1987; Barnard & Rubin 1999, as ``mice::pool``): with
estimates :math:`\hat\theta_l` and variances :math:`U_l`,
:math:`\bar\theta = \frac1m\sum\hat\theta_l`, :math:`\bar U = \frac1m\sum U_l`,
:math:`B = \frac1{m-1}\sum(\hat\theta_l-\bar\theta)^2`,
:math:`T = \bar U + (1 + 1/m) B`; with :math:`\lambda = (1+1/m)B/T` (at
least 1e-4, as mice), :math:`\nu_{old} = (m-1)/\lambda^2`,
:math:`\nu_{obs} = \frac{\nu_{com}+1}{\nu_{com}+3}\nu_{com}(1-\lambda)` and
:math:`\nu = \nu_{old}\nu_{obs}/(\nu_{old}+\nu_{obs})`, :math:`\nu_{com} =
n - q` the ANCOVA's residual df. The Monte Carlo standard error of
:math:`\bar\theta` is :math:`\sqrt{B/m}`.

Under reference-based assumptions Rubin's variance exceeds the repeated-
sampling variance of the estimator (it keeps the information of the MAR
analysis: "information anchoring", Cro, Carpenter & Kenward 2019), so its
intervals are conservative; the jackknife of the conditional-mean estimator
targets the repeated-sampling variance (Wolbers et al. 2022). Both are
offered and the result says which was used.

References
----------
Carpenter JR, Roger JH, Kenward MG. J Biopharm Stat 2013;23:1352–71.
Wolbers M et al. Pharm Stat 2022;21:1246–57.
Barnard J, Rubin DB. Biometrika 1999;86:948–55.
Cro S, Carpenter JR, Kenward MG. J R Stat Soc A 2019;182:623–45.
ICH E9(R1) addendum on estimands and sensitivity analysis, 2019.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from kneestudy.effects._common import check_level, tcrit
from kneestudy.effects.imputation_model import MIData, MIModel, prepare
from kneestudy.effects.results import ImputationResult
from kneestudy.errors import AnalysisError

__all__ = [
    "ESTIMANDS",
    "conditional_mean_imputation",
    "conditional_mean_imputations",
    "multiple_imputation",
    "rubin",
]

APPROACHES = ("bayes", "approxbayes")

#: What each strategy assumes about outcomes after withdrawal (the estimand).
ESTIMANDS: dict[str, str] = {
    "MAR": "hypothetical: outcomes after withdrawal as if the participant had stayed in the "
    "randomised arm (missing at random given arm, baseline and observed outcomes)",
    "J2R": "treatment policy, jump to reference: after withdrawal from a treatment arm the "
    "mean outcome is the reference arm's",
    "CR": "treatment policy, copy reference: participants who withdrew from a treatment arm "
    "follow the reference arm's distribution at every visit",
    "CIR": "treatment policy, copy increments in reference: after withdrawal the outcome "
    "changes as in the reference arm from the last visit attended",
}


def rubin(est: np.ndarray, var: np.ndarray, df_com: float) -> dict[str, float]:
    """Rubin's rules with Barnard–Rubin df (module notes), as ``mice::pool``.

    Parameters
    ----------
    est, var : array (m,)
        Estimates and their squared standard errors from ``m`` imputations.
    df_com : float
        Complete-data residual degrees of freedom.
    """
    est, var = np.asarray(est, float), np.asarray(var, float)
    m = est.size
    if m < 2:
        raise AnalysisError("Rubin's rules need at least 2 imputations")
    qbar, ubar = float(est.mean()), float(var.mean())
    b = float(est.var(ddof=1))
    t = ubar + (1 + 1 / m) * b
    lam = max((1 + 1 / m) * b / t, 1e-4)
    df_old = (m - 1) / lam**2
    df_obs = (df_com + 1) / (df_com + 3) * df_com * (1 - lam)
    df = df_old * df_obs / (df_old + df_obs)
    riv = (1 + 1 / m) * b / ubar if ubar > 0 else float("inf")
    fmi = (riv + 2 / (df + 3)) / (1 + riv)
    return {
        "estimate": qbar,
        "se": float(np.sqrt(t)),
        "df": float(df),
        "within": ubar,
        "between": b,
        "riv": float(riv),
        "fmi": float(fmi),
        "mc_se": float(np.sqrt(b / m)),
    }


@dataclass
class _Analysis:
    """Per-imputation ANCOVA coefficients and their variances (m × q; arms in columns 1..A−1)."""

    est: np.ndarray
    var: np.ndarray
    df_com: float


def _ancova(Z: np.ndarray, Yc: np.ndarray) -> _Analysis:
    """``lm(y ~ arm + baseline + ...)`` for each row of ``Yc`` (m × n) at once."""
    n, q = Z.shape
    ZtZi = np.linalg.inv(Z.T @ Z)
    beta = Yc @ (ZtZi @ Z.T).T  # (m, q)
    resid = Yc - beta @ Z.T
    sigma2 = (resid * resid).sum(axis=1) / (n - q)
    return _Analysis(
        est=beta,
        var=sigma2[:, None] * np.diag(ZtZi)[None, :],
        df_com=float(n - q),
    )


def _completed(d: MIData, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The analysis visit completed with ``values`` (m × n_missing) at ``rows``."""
    y = d.Y[:, d.week_index]
    Yc = np.repeat(y[None, :], values.shape[0], axis=0)
    Yc[:, rows] = values
    return Yc


def _draw_imputations(
    d: MIData,
    model: MIModel,
    approach: str,
    m: int,
    rng: np.random.Generator,
    burn_in: int,
    thin: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``m`` draws of the missing values at the analysis visit: (rows, values m × k)."""
    if approach == "bayes":
        params = model.posterior_draws(m, rng, burn_in, thin)
    else:  # bootstrap participants within arms, refit, impute the original data
        params = []
        for _ in range(m):
            rows = np.concatenate(
                [rng.choice(np.flatnonzero(d.arm == a), int((d.arm == a).sum()))
                 for a in range(len(d.levels))]
            )  # fmt: skip
            params.append(model.refit(model.patterns_of(rows)))
    rows, _, _ = model.at_week(model.B, model.Sigma)
    values = np.empty((m, rows.size))
    for k, (B, Sigma) in enumerate(params):
        r, mu, var = model.at_week(B, Sigma)  # same rows, same order, every time
        values[k] = mu + np.sqrt(var) * rng.standard_normal(r.size)
    return rows, values


def _table(d: MIData, pooled: list[dict], level: float, normal: bool) -> pd.DataFrame:
    rows = []
    for a, res in zip(range(1, len(d.levels)), pooled, strict=True):
        crit = float(stats.norm.ppf(0.5 + level / 2)) if normal else tcrit(level, res["df"])
        est, se = res["estimate"], res["se"]
        z = est / se
        p = 2 * (stats.norm.sf(abs(z)) if normal else stats.t.sf(abs(z), res["df"]))
        rows.append(
            {
                "treatment": d.levels[a],
                "comparator": d.levels[0],
                "estimate": est,
                "se": se,
                "df": res["df"],
                "ci_low": est - crit * se,
                "ci_high": est + crit * se,
                "p_value": float(p),
                "mc_se": res.get("mc_se", 0.0),
                "fmi": res.get("fmi", float("nan")),
                "n_treatment": int((d.arm == a).sum()),
                "n_comparator": int((d.arm == 0).sum()),
                "n_missing_treatment": int((np.isnan(d.Y[:, d.week_index]) & (d.arm == a)).sum()),
                "n_missing_comparator": int((np.isnan(d.Y[:, d.week_index]) & (d.arm == 0)).sum()),
                "n_withdrawn_treatment": int(((d.ice <= d.week_index) & (d.arm == a)).sum()),
                "n_withdrawn_comparator": int(((d.ice <= d.week_index) & (d.arm == 0)).sum()),
            }
        )
    return pd.DataFrame(rows)


def _result(
    d: MIData,
    table: pd.DataFrame,
    treatment: str | None,
    outcome: str,
    method: str,
    approach: str,
    variance: str,
    m: int,
    seed: int | None,
    level: float,
    extra: Mapping | None = None,
) -> ImputationResult:
    if treatment is None:
        treatment = str(table["treatment"].iloc[0])
    if treatment not in set(table["treatment"]):
        raise AnalysisError(
            f"unknown treatment {treatment!r}; treatment arms: {list(table['treatment'])} "
            f"(comparator {d.levels[0]!r})"
        )
    r = table[table["treatment"] == treatment].iloc[0]
    notes = list(d.notes)
    if len(table) > 1:
        notes.append(f"every treatment arm is in .table; the attributes are for {treatment!r}")
    return ImputationResult(
        estimate=float(r["estimate"]),
        se=float(r["se"]),
        ci_low=float(r["ci_low"]),
        ci_high=float(r["ci_high"]),
        p_value=float(r["p_value"]),
        df=float(r["df"]),
        n=int(r["n_treatment"] + r["n_comparator"]),
        n_treatment=int(r["n_treatment"]),
        n_comparator=int(r["n_comparator"]),
        n_missing_treatment=int(r["n_missing_treatment"]),
        n_missing_comparator=int(r["n_missing_comparator"]),
        n_withdrawn_treatment=int(r["n_withdrawn_treatment"]),
        n_withdrawn_comparator=int(r["n_withdrawn_comparator"]),
        n_excluded=d.n_excluded,
        mc_se=float(r["mc_se"]),
        fmi=float(r["fmi"]),
        outcome=outcome,
        week=float(d.weeks[d.week_index]),
        treatment=treatment,
        comparator=d.levels[0],
        reference=d.levels[d.ref],
        method=method,
        approach=approach,
        variance=variance,
        estimand=ESTIMANDS[method],
        m=m,
        seed=seed,
        level=level,
        table=table,
        notes=tuple(notes),
        **(extra or {}),
    )


def _check(m: int, approach: str, burn_in: int, thin: int) -> None:
    if approach not in APPROACHES:
        raise AnalysisError(f"approach must be one of {APPROACHES}, got {approach!r}")
    if int(m) != m or m < 2:
        raise AnalysisError(f"m must be a whole number of imputations >= 2, got {m!r}")
    if int(burn_in) != burn_in or burn_in < 0 or int(thin) != thin or thin < 1:
        raise AnalysisError("burn_in must be >= 0 and thin >= 1 (whole numbers)")


def impute(
    cohort,
    outcome: str,
    week: float,
    method: str,
    m: int,
    seed: int | None,
    approach: str = "bayes",
    reference: str | None = None,
    covariates: Sequence[str] = (),
    strategies: Mapping[str, str] | None = None,
    reason_column: str = "withdrawal_reason",
    burn_in: int = 200,
    thin: int = 10,
) -> tuple[MIData, np.ndarray, np.ndarray, int]:
    """The imputations behind :func:`multiple_imputation` (used by ``tipping_point``).

    Returns (data, rows missing at the week, values m × rows, seed used).
    """
    _check(m, approach, burn_in, thin)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    d = prepare(cohort, outcome, week, method, reference, covariates, strategies, reason_column)
    model = MIModel(d)
    rng = np.random.default_rng(seed)
    rows, values = _draw_imputations(d, model, approach, int(m), rng, int(burn_in), int(thin))
    return d, rows, values, int(seed)


def pooled_table(
    d: MIData, rows: np.ndarray, values: np.ndarray, level: float, shift: np.ndarray | None = None
) -> pd.DataFrame:
    """ANCOVA of every imputation, pooled by Rubin's rules; ``shift`` (per row of
    ``rows``) is added to the imputed values first (delta adjustment)."""
    if shift is not None:
        values = values + shift[None, :]
    an = _ancova(d.Z, _completed(d, rows, values))
    pooled = [rubin(an.est[:, a], an.var[:, a], an.df_com) for a in range(1, len(d.levels))]
    return _table(d, pooled, level, normal=False)


def multiple_imputation(
    cohort,
    outcome: str = "pain",
    week: float = 12,
    method: str = "MAR",
    m: int = 100,
    seed: int | None = 0,
    *,
    approach: str = "bayes",
    treatment: str | None = None,
    reference: str | None = None,
    covariates: Sequence[str] = (),
    strategies: Mapping[str, str] | None = None,
    reason_column: str = "withdrawal_reason",
    burn_in: int = 200,
    thin: int = 10,
    level: float = 0.95,
) -> ImputationResult:
    r"""Treatment effect at ``week`` by (reference-based) multiple imputation.

    Parameters
    ----------
    cohort : Cohort
    outcome : {"pain", "akps"}
    week : float
        The analysis visit (a post-baseline visit week).
    method : {"MAR", "J2R", "CR", "CIR"}
        What is assumed after withdrawal (module :data:`ESTIMANDS`).
    m : int
        Number of imputations.
    seed : int or None
        Seed of the random numbers; the same seed gives the same result.
        None draws one, recorded in ``.seed``.
    approach : {"bayes", "approxbayes"}
        Posterior draws by data augmentation, or REML fits to bootstrap
        samples stratified by arm.
    treatment : str, optional
        The arm the attributes describe (``.table`` has every arm).
    reference : str, optional
        The reference arm of J2R/CR/CIR (default: the comparator).
    covariates : sequence of str
        Participant columns added to the imputation and the analysis model.
    strategies : mapping, optional
        Withdrawal reason -> strategy, read from ``reason_column`` of the
        participants (e.g. ``{"moved away": "MAR"}``); other withdrawals get
        ``method``.
    burn_in, thin : int
        Data augmentation: iterations discarded first, and kept every
        ``thin``-th iteration after.
    level : float

    Returns
    -------
    ImputationResult
        Rubin's rules with Barnard–Rubin df; ``mc_se`` is the Monte Carlo
        standard error of the estimate, ``fmi`` the fraction of missing
        information.

    Examples
    --------
    >>> import kneestudy as ks
    >>> c = ks.datasets.demo_study().cohort("demo-glucosamine")
    >>> r = ks.effects.multiple_imputation(c, week=12, method="J2R", m=20, seed=1)
    >>> r.method, r.reference
    ('J2R', 'placebo')
    """
    check_level(level)
    d, rows, values, seed = impute(
        cohort, outcome, week, method, m, seed, approach, reference, covariates, strategies,
        reason_column, burn_in, thin,
    )  # fmt: skip
    table = pooled_table(d, rows, values, level)
    variance = "Rubin's rules, Barnard–Rubin df" + (
        " (conservative under reference-based imputation: information anchoring)"
        if method != "MAR"
        else ""
    )
    return _result(d, table, treatment, outcome, method, approach, variance, int(m), seed, level)


def conditional_mean_imputation(
    cohort,
    outcome: str = "pain",
    week: float = 12,
    method: str = "J2R",
    *,
    treatment: str | None = None,
    reference: str | None = None,
    covariates: Sequence[str] = (),
    strategies: Mapping[str, str] | None = None,
    reason_column: str = "withdrawal_reason",
    level: float = 0.95,
) -> ImputationResult:
    r"""Conditional-mean imputation with a jackknife standard error (Wolbers et al. 2022).

    Each missing value at ``week`` is replaced by its conditional mean given
    the participant's observed values under the strategy (``method``) and
    the REML estimate of the imputation model; the ANCOVA estimate on the
    completed data is the point estimate (the limit of the MI estimate as
    m → ∞). The jackknife leaves out each participant in turn, refits the
    model (REML, warm-started), re-imputes and re-analyses:
    :math:`\widehat{se}^2 = \frac{n-1}{n}\sum_i(\hat\theta_{(-i)} -
    \bar\theta_{(\cdot)})^2`, with a normal-theory interval, as rbmi's
    ``method_condmean(type = "jackknife")``. Deterministic: no seed.

    Parameters are those of :func:`multiple_imputation` without the Monte
    Carlo ones.

    Examples
    --------
    >>> import kneestudy as ks
    >>> c = ks.datasets.demo_study().cohort("demo-glucosamine")
    >>> r = ks.effects.conditional_mean_imputation(c, week=12, method="CR")
    >>> r.variance
    'jackknife (leave one participant out)'
    """
    check_level(level)
    d = prepare(cohort, outcome, week, method, reference, covariates, strategies, reason_column)
    model = MIModel(d)
    return _condmean(d, model, _JackknifeFits(model), treatment, outcome, method, level)


class _JackknifeFits:
    """The leave-one-out REML fits of an imputation model, each made once when first needed."""

    def __init__(self, model: MIModel) -> None:
        self.model = model
        self._fits: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        if i not in self._fits:
            self._fits[i] = self.model.refit_without(i)
        return self._fits[i]


def _condmean(
    d: MIData,
    model: MIModel,
    fits: _JackknifeFits,
    treatment: str | None,
    outcome: str,
    method: str,
    level: float,
) -> ImputationResult:
    """Conditional-mean estimate and jackknife SE of ``d``'s strategy on ``model``'s fits."""
    jw = d.week_index
    rows, mu, _ = model.at_week(model.B, model.Sigma, data=d)
    y = d.Y[:, jw].copy()
    y[rows] = mu
    full = _ancova(d.Z, y[None, :]).est[0]
    Z = d.Z
    ZtZ = Z.T @ Z
    n = d.n
    loo = np.empty((n, Z.shape[1]))
    for i in range(n):
        B, Sigma = fits[i]
        r, mu_i, _ = model.at_week(B, Sigma, exclude=i, data=d)
        yi = d.Y[:, jw].copy()
        yi[r] = mu_i
        yi[i] = 0.0  # participant i is out: no contribution to Z'y
        loo[i] = np.linalg.solve(ZtZ - np.outer(Z[i], Z[i]), Z.T @ yi)
    pooled = []
    for a in range(1, len(d.levels)):
        th = loo[:, a]
        se = float(np.sqrt((n - 1) / n * np.sum((th - th.mean()) ** 2)))
        pooled.append({"estimate": float(full[a]), "se": se, "df": float("inf"), "mc_se": 0.0})
    table = _table(d, pooled, level, normal=True)
    return _result(
        d,
        table,
        treatment,
        outcome,
        method,
        "condmean",
        "jackknife (leave one participant out)",
        0,
        None,
        level,
    )


def conditional_mean_imputations(
    cohort,
    outcome: str = "pain",
    week: float = 12,
    methods: Sequence[str] = ("MAR", "J2R", "CR", "CIR"),
    *,
    treatment: str | None = None,
    reference: str | None = None,
    covariates: Sequence[str] = (),
    strategies: Mapping[str, str] | None = None,
    reason_column: str = "withdrawal_reason",
    level: float = 0.95,
) -> dict[str, ImputationResult | AnalysisError]:
    """:func:`conditional_mean_imputation` for several strategies at the cost of one.

    The imputation model and its leave-one-out refits depend on the strategy
    only through the values left out of the fit (those observed after a
    withdrawal to which a reference-based strategy applies); strategies with
    the same fit share one REML fit and one set of jackknife refits, so the
    numbers equal separate calls exactly.

    Returns
    -------
    dict
        Strategy -> ImputationResult, or the AnalysisError saying why that
        strategy could not be done on these data.

    Examples
    --------
    >>> import kneestudy as ks
    >>> from kneestudy.effects.imputation import conditional_mean_imputations
    >>> c = ks.datasets.demo_study().cohort("demo-glucosamine")
    >>> sorted(conditional_mean_imputations(c, week=12, methods=("J2R", "CR")))
    ['CR', 'J2R']
    """
    check_level(level)
    out: dict[str, ImputationResult | AnalysisError] = {}
    fitted: list[tuple[MIModel, _JackknifeFits]] = []
    for method in methods:
        try:
            d = prepare(cohort, outcome, week, method, reference, covariates, strategies,
                        reason_column)  # fmt: skip
            hit = next(((m, f) for m, f in fitted if m.shares_fit(d)), None)
            if hit is None:
                model = MIModel(d)
                hit = (model, _JackknifeFits(model))
                fitted.append(hit)
            out[method] = _condmean(d, *hit, treatment, outcome, method, level)
        except AnalysisError as exc:
            out[method] = exc
    return out
