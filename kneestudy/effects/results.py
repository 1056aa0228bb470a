"""Result objects of :mod:`kneestudy.effects`.

All are frozen dataclasses deriving from :class:`kneestudy._results.Result`:
plain floats at full precision, ``to_frame()`` never rounded, ``_repr_html_``
for notebooks.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kneestudy._results import Result, frame_to_html
from kneestudy.errors import AnalysisError

__all__ = [
    "EffectResult",
    "ImputationResult",
    "MMRMResult",
    "ResponderResult",
    "SubgroupResult",
    "TippingPointResult",
]


@dataclass(frozen=True)
class EffectResult(Result):
    """A treatment effect (treatment − comparator) on a continuous outcome.

    Attributes
    ----------
    estimate, se, ci_low, ci_high, p_value, df : float
        The difference, its standard error, the 95% (or ``level``) confidence
        interval and the two-sided p-value from a t distribution with ``df``
        degrees of freedom.
    n, n_treatment, n_comparator : int
        Participants analysed (complete cases at the week).
    smd, smd_ci_low, smd_ci_high : float
        The estimate divided by ``sd_used`` (and its CI divided likewise);
        ``smd_sd`` names which SD that is.
    outcome, week, treatment, comparator, method : identification.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float
    n: int
    n_treatment: int
    n_comparator: int
    outcome: str
    week: float
    treatment: str
    comparator: str
    method: str
    smd: float = float("nan")
    smd_ci_low: float = float("nan")
    smd_ci_high: float = float("nan")
    sd_used: float = float("nan")
    smd_sd: str = ""
    level: float = 0.95
    n_missing: int = 0

    _title = "Treatment effect"


@dataclass(frozen=True)
class MMRMResult(Result):
    """A fitted mixed model for repeated measures (REML, Satterthwaite df).

    Attributes
    ----------
    table : DataFrame
        Treatment effect at every post-baseline week for every non-comparator
        arm: week, treatment, comparator, estimate, se, df, ci_low, ci_high,
        p_value.
    lsmeans : DataFrame
        Least-squares means by arm (intervention code) and week at the mean
        baseline: week, intervention, estimate, se, df, ci_low, ci_high.
    coef : DataFrame
        Fixed effects (name, estimate, se) in kneestudy's cell-means
        parameterisation.
    covariance_matrix : DataFrame
        Estimated residual covariance between the post-baseline weeks.
    covariance, outcome, comparator : str
    n, n_obs : int
        Participants and observations analysed.
    loglik : float
        Restricted log-likelihood at the optimum (R's ``logLik(fit)`` for a
        REML ``gls`` fit).
    converged : bool
    baseline_mean : float
        The baseline value at which least-squares means are taken.
    """

    table: pd.DataFrame
    lsmeans: pd.DataFrame
    coef: pd.DataFrame
    covariance_matrix: pd.DataFrame
    covariance: str
    outcome: str
    comparator: str
    n: int
    n_obs: int
    loglik: float
    converged: bool
    baseline_mean: float
    n_excluded: int = 0
    level: float = 0.95
    treatment: str | None = None
    _arm_counts: dict = field(default_factory=dict, repr=False)

    _title = "Mixed model for repeated measures"

    def to_frame(self) -> pd.DataFrame:
        """The per-week treatment-effect table (full precision)."""
        return self.table.copy()

    def at_week(self, week: float, treatment: str | None = None) -> EffectResult:
        """The treatment effect at ``week`` as an :class:`EffectResult`.

        ``treatment`` is the intervention code of the arm; it may be left out
        when the cohort has one non-comparator arm or ``mmrm`` was given one.
        """
        t = self.table
        treatments = list(dict.fromkeys(t["treatment"]))
        if treatment is None:
            treatment = self.treatment
        if treatment is None:
            if len(treatments) > 1:
                raise AnalysisError(
                    f"the cohort has {len(treatments)} treatment arms {treatments}; "
                    "name one with treatment="
                )
            treatment = treatments[0]
        if treatment not in treatments:
            raise AnalysisError(f"unknown treatment {treatment!r}; arms: {treatments}")
        rows = t[(t["treatment"] == treatment) & np.isclose(t["week"], float(week))]
        if rows.empty:
            raise AnalysisError(
                f"week {week} is not a post-baseline visit of the model; weeks: "
                f"{sorted(set(t['week']))}"
            )
        r = rows.iloc[0]
        counts = self._arm_counts.get(float(r["week"]), {})
        n_t = int(counts.get(treatment, 0))
        n_c = int(counts.get(self.comparator, 0))
        return EffectResult(
            estimate=float(r["estimate"]),
            se=float(r["se"]),
            ci_low=float(r["ci_low"]),
            ci_high=float(r["ci_high"]),
            p_value=float(r["p_value"]),
            df=float(r["df"]),
            n=n_t + n_c,
            n_treatment=n_t,
            n_comparator=n_c,
            outcome=self.outcome,
            week=float(r["week"]),
            treatment=treatment,
            comparator=self.comparator,
            method=f"MMRM ({self.covariance} covariance, REML, Satterthwaite df)",
            level=self.level,
        )

    def _repr_html_(self) -> str:
        return (
            f"<div><strong>{html.escape(self._title)} ({html.escape(self.covariance)})"
            f"</strong>{frame_to_html(self.table)}"
            f"{frame_to_html(self.lsmeans, caption='Least-squares means')}</div>"
        )


@dataclass(frozen=True)
class ResponderResult(Result):
    """Responder analysis: risk ratio, odds ratio, risk difference and NNT.

    ``rr``/``odds_ratio`` CIs are Wald intervals on the log scale; the RD CI is
    the Wald interval. NNT = 1 / RD; its CI follows Altman (1998): when the RD
    interval excludes 0 it is (1/RD_high, 1/RD_low); when it crosses 0 the CI
    runs from NNTB ``1/rd_ci_high`` through infinity to NNTH ``1/|rd_ci_low|``
    (``nnt_crosses_infinity`` is True).

    ``missing`` is ``"observed"`` (participants without the value left out;
    ``n_missing_*`` counts them) or ``"non_responder"`` (they count as
    non-responders; ``n_missing_*`` counts how many were so imputed).
    """

    outcome: str
    definition: str
    week: float
    treatment: str
    comparator: str
    events_treatment: int
    n_treatment: int
    events_comparator: int
    n_comparator: int
    n_missing_treatment: int
    n_missing_comparator: int
    risk_treatment: float
    risk_comparator: float
    rr: float
    rr_ci_low: float
    rr_ci_high: float
    log_rr: float
    log_rr_se: float
    odds_ratio: float
    or_ci_low: float
    or_ci_high: float
    log_or: float
    log_or_se: float
    rd: float
    rd_se: float
    rd_ci_low: float
    rd_ci_high: float
    nnt: float
    nnt_ci_low: float
    nnt_ci_high: float
    nnt_crosses_infinity: bool
    nnt_text: str
    continuity_correction: float = 0.0
    level: float = 0.95
    missing: str = "observed"

    _title = "Responder analysis"


@dataclass(frozen=True)
class SubgroupResult(Result):
    """Effect within each subgroup level and the treatment-by-subgroup interaction.

    ``table`` has one row per level (level, estimate, se, df, ci_low, ci_high,
    p_value, n, n_treatment, n_comparator); ``interaction_*`` is the test of
    the arm × subgroup coefficient in ``lm(y ~ baseline + arm * by)`` (for two
    levels a t test; with more levels the F test of R's ``anova`` comparing
    the models with and without the interaction).
    """

    table: pd.DataFrame
    by: str
    outcome: str
    week: float
    treatment: str
    comparator: str
    interaction_estimate: float
    interaction_se: float
    interaction_statistic: float
    interaction_df: float
    interaction_df_num: float
    interaction_p_value: float
    interaction_test: str
    n: int
    n_missing_subgroup: int = 0
    level: float = 0.95

    _title = "Subgroup analysis"

    def to_frame(self) -> pd.DataFrame:
        """One row per subgroup level (full precision)."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        p = self.interaction_p_value
        return (
            f"<div><strong>{html.escape(self._title)} by {html.escape(self.by)}</strong>"
            f"{frame_to_html(self.table)}<p>Interaction ({html.escape(self.interaction_test)}): "
            f"p = {p:.4g}</p></div>"
        )


@dataclass(frozen=True)
class ImputationResult(Result):
    """A treatment effect estimated after imputing the missing outcomes.

    See :func:`kneestudy.effects.multiple_imputation` and
    :func:`kneestudy.effects.conditional_mean_imputation`.

    Attributes
    ----------
    estimate, se, ci_low, ci_high, p_value, df : float
        The treatment effect (treatment − comparator, ANCOVA at ``week``);
        ``df`` is Barnard–Rubin's (inf for the jackknife's normal interval).
    n, n_treatment, n_comparator : int
        Participants analysed (every participant with a baseline value).
    n_missing_treatment, n_missing_comparator : int
        Values imputed at the week.
    n_withdrawn_treatment, n_withdrawn_comparator : int
        Participants who withdrew before the week (an intercurrent event).
    n_excluded : int
        Participants left out (no baseline value).
    mc_se, fmi : float
        Monte Carlo standard error of the estimate (0 for conditional mean)
        and the fraction of missing information.
    method, approach, variance, estimand : str
        Strategy (MAR, J2R, CR, CIR), how imputations were made ("bayes",
        "approxbayes", "condmean"), how the variance was estimated, and what
        the estimate means.
    reference : str
        Reference arm of J2R/CR/CIR.
    m, seed : int
        Imputations and the seed that reproduces them (0 and None for
        conditional mean).
    table : DataFrame
        Every treatment arm against the comparator (same columns).
    notes : tuple of str
        Participants or values left out, and why.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float
    n: int
    n_treatment: int
    n_comparator: int
    n_missing_treatment: int
    n_missing_comparator: int
    n_withdrawn_treatment: int
    n_withdrawn_comparator: int
    n_excluded: int
    mc_se: float
    fmi: float
    outcome: str
    week: float
    treatment: str
    comparator: str
    reference: str
    method: str
    approach: str
    variance: str
    estimand: str
    m: int
    seed: int | None
    level: float
    table: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    _title = "Treatment effect after imputation"

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (
            f"<div><strong>{html.escape(self._title)}: {html.escape(self.method)} "
            f"({html.escape(self.approach)})</strong><p>{html.escape(self.estimand)}</p>"
            f"{frame_to_html(self.table)}<ul>{notes}</ul></div>"
        )


@dataclass(frozen=True)
class TippingPointResult(Result):
    """Delta-adjusted imputation and its tipping point (:func:`kneestudy.effects.tipping_point`).

    Attributes
    ----------
    table : DataFrame
        One row per delta: delta, estimate, se, df, ci_low, ci_high, p_value,
        conclusion ("benefit", "harm" or "inconclusive").
    tipping_delta : float
        The delta at which the conclusion at delta = 0 changes (NaN when no
        shift within the width of the outcome's scale does, or nothing is
        missing).
    conclusion_at_zero : str
    direction : str
        Which values were shifted, the sign convention and the search direction.
    estimate_at_zero, ci_low_at_zero, ci_high_at_zero : float
        The undisturbed imputation analysis.
    n_shifted : int
        Imputed values shifted (treatment arm, analysis visit).
    """

    table: pd.DataFrame
    tipping_delta: float
    conclusion_at_zero: str
    direction: str
    estimate_at_zero: float
    ci_low_at_zero: float
    ci_high_at_zero: float
    outcome: str
    week: float
    treatment: str
    comparator: str
    method: str
    approach: str
    m: int
    seed: int | None
    n_shifted: int
    level: float = 0.95
    notes: tuple[str, ...] = ()

    _title = "Tipping-point analysis"

    def to_frame(self) -> pd.DataFrame:
        """One row per delta (full precision)."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        tip = "none" if not np.isfinite(self.tipping_delta) else f"{self.tipping_delta:.3g}"
        return (
            f"<div><strong>{html.escape(self._title)} ({html.escape(self.method)})</strong>"
            f"<p>Tipping delta: {html.escape(tip)}. {html.escape(self.direction)}</p>"
            f"{frame_to_html(self.table)}</div>"
        )
