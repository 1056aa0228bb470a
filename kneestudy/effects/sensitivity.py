"""The primary estimate of a cohort beside its sensitivity analyses, in one table.

ICH E9(R1) separates the estimand (what is estimated, including what happens
after withdrawal) from the sensitivity analyses that probe the assumptions
behind its estimate. :func:`sensitivity_table` lines them up per treatment
arm at one week:

====================================  =========================================
primary: MMRM                         likelihood-based, missing at random
                                      (:func:`~kneestudy.effects.mmrm`)
complete cases: ANCOVA                participants seen at the week only
MI: MAR, J2R, CR, CIR                 :func:`~kneestudy.effects.multiple_imputation`
                                      (``approach="bayes"`` or
                                      ``"approxbayes"``), or conditional mean:
                                      MAR, J2R, CR, CIR with ``approach=
                                      "condmean"`` (:func:`~kneestudy.effects.
                                      conditional_mean_imputation`, jackknife
                                      SE, deterministic)
tipping point                         :func:`~kneestudy.effects.tipping_point`
                                      on the MAR imputations (the shift of the
                                      treated arm's missing values that
                                      changes the conclusion); always by
                                      multiple imputation (``m``, ``seed``)
responders: dropouts as               :func:`~kneestudy.effects.responders`,
non-responders / as observed          risk ratio
====================================  =========================================

An analysis that cannot be done on the cohort's data gives a row with NaN
numbers and the reason in ``note``; the others still run.

Conditional-mean imputation with the jackknife (Wolbers et al. 2022) gives
the limit of the MI estimate as m → ∞ with a repeated-sampling standard
error (Rubin's variance is conservative under reference-based imputation),
without Monte Carlo error and faster than MI with many imputations: the
better default where a report must be reproducible to the last digit.

References
----------
Wolbers M et al. Standard and reference-based conditional mean imputation.
Pharm Stat 2022;21:1246–57. ICH E9(R1) addendum, 2019.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kneestudy._results import Result, frame_to_html
from kneestudy.effects._common import arm_codes, check_level
from kneestudy.effects.ancova import ancova
from kneestudy.effects.imputation import (
    APPROACHES,
    ESTIMANDS,
    conditional_mean_imputations,
    impute,
    multiple_imputation,
    pooled_table,
)
from kneestudy.effects.mmrm import mmrm
from kneestudy.effects.responders import responders
from kneestudy.effects.results import MMRMResult, TippingPointResult
from kneestudy.effects.tipping import tipping_from
from kneestudy.errors import AnalysisError

__all__ = ["COLUMNS", "SensitivityResult", "sensitivity_table"]

#: Columns of the sensitivity table, in order.
COLUMNS: tuple[str, ...] = (
    "treatment",
    "comparator",
    "analysis",
    "estimand",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "n",
    "n_missing",
    "mc_se",
    "note",
)


@dataclass(frozen=True)
class SensitivityResult(Result):
    """Primary estimate and sensitivity analyses (:func:`sensitivity_table`).

    Attributes
    ----------
    table : DataFrame
        One row per treatment arm and analysis (:data:`COLUMNS`): measure
        "MD" (difference in means, treatment − comparator), "RR"
        (responders' risk ratio) or "delta" (the tipping shift, outcome
        scale); ``n_missing`` counts the values imputed (or not analysed);
        ``mc_se`` the Monte Carlo SE of an MI estimate; ``note`` says what a
        row assumes, or why it could not be computed.
    tipping : dict
        Treatment arm -> TippingPointResult (for the plot).
    outcome, week, m, seed, level, approach : the settings (``m`` and ``seed``
        serve only the tipping point when ``approach`` is "condmean").
    """

    table: pd.DataFrame
    tipping: dict = field(repr=False)
    outcome: str
    week: float
    m: int
    seed: int | None
    level: float = 0.95
    approach: str = "bayes"

    _title = "Primary estimate and sensitivity analyses"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _repr_html_(self) -> str:
        return (
            f"<div><strong>{html.escape(self._title)} ({html.escape(self.outcome)}, week "
            f"{self.week:g})</strong>{frame_to_html(self.table)}</div>"
        )


def _row(treatment, comparator, analysis, estimand, measure, **kw) -> dict:
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(treatment=treatment, comparator=comparator, analysis=analysis,
               estimand=estimand, measure=measure, note="")  # fmt: skip
    row.update(kw)
    return row


def _failed(treatment, comparator, analysis, estimand, measure, exc: AnalysisError) -> dict:
    return _row(treatment, comparator, analysis, estimand, measure, note=f"not done: {exc}")


def sensitivity_table(
    cohort,
    outcome: str = "pain",
    week: float | None = None,
    m: int = 100,
    seed: int | None = 0,
    methods: Sequence[str] = ("MAR", "J2R", "CR", "CIR"),
    tipping: bool = True,
    thin: int = 10,
    level: float = 0.95,
    approach: str = "bayes",
    fit: MMRMResult | None = None,
) -> SensitivityResult:
    """The primary MMRM estimate beside complete-case, MI, tipping-point and responder analyses.

    Parameters
    ----------
    cohort : Cohort
    outcome : {"pain", "akps"}
    week : float, optional
        Default: the manifest's primary week.
    m, seed, thin
        Imputations (each method uses ``seed``; the MAR imputations also
        serve the tipping point).
    methods : sequence of str
        The imputation strategies to show.
    tipping : bool
        Add the tipping point of each treatment arm.
    level : float
    approach : {"bayes", "approxbayes", "condmean"}
        How the strategies' rows are estimated: multiple imputation from the
        MMRM's posterior or from bootstrap REML fits (Rubin's rules), or
        conditional-mean imputation with a jackknife SE (rows "conditional
        mean: J2R", …; ``m`` and ``seed`` then serve the tipping point only,
        which is by MI under MAR with ``approach="bayes"``).
    fit : MMRMResult, optional
        ``mmrm(cohort, outcome, level=level)`` already fitted, to reuse as
        the primary analysis (it must be of this outcome and level).

    Returns
    -------
    SensitivityResult

    Examples
    --------
    >>> import kneestudy as ks
    >>> c = ks.datasets.demo_study().cohort("demo-glucosamine")
    >>> s = ks.effects.sensitivity_table(c, m=20, seed=1)
    >>> list(s.table["analysis"])[:3]
    ['primary: MMRM', 'complete cases: ANCOVA', 'MI: MAR']
    """
    check_level(level)
    if approach not in (*APPROACHES, "condmean"):
        raise AnalysisError(
            f"approach must be one of {[*APPROACHES, 'condmean']}, got {approach!r}"
        )
    week = float(cohort.manifest.primary_week if week is None else week)
    codes, comparator = arm_codes(cohort)
    treatments = codes[:-1]
    rows: dict[str, list[dict]] = {t: [] for t in treatments}
    mar = "hypothetical (missing at random)"
    if fit is not None and (fit.outcome != outcome or fit.level != level):
        raise AnalysisError(
            f"the MMRM given is of {fit.outcome!r} at level {fit.level:g}, not {outcome!r} at "
            f"{level:g}"
        )
    try:
        fit = fit if fit is not None else mmrm(cohort, outcome, level=level)
        for t in treatments:
            e = fit.at_week(week, t)
            rows[t].append(_row(t, comparator, "primary: MMRM", mar, "MD", estimate=e.estimate,
                                ci_low=e.ci_low, ci_high=e.ci_high, p_value=e.p_value, n=e.n,
                                note="unstructured covariance, REML, Satterthwaite df"))  # fmt: skip
    except AnalysisError as exc:
        for t in treatments:
            rows[t].append(_failed(t, comparator, "primary: MMRM", mar, "MD", exc))
    for t in treatments:
        try:
            e = ancova(cohort, outcome, week, treatment=t, level=level)
            n_pair = int(cohort.participants["intervention"].isin([t, comparator]).sum())
            rows[t].append(_row(t, comparator, "complete cases: ANCOVA", "participants seen at "
                                f"week {week:g}", "MD", estimate=e.estimate, ci_low=e.ci_low,
                                ci_high=e.ci_high, p_value=e.p_value, n=e.n,
                                n_missing=n_pair - e.n))  # fmt: skip
        except AnalysisError as exc:
            rows[t].append(_failed(t, comparator, "complete cases: ANCOVA", "", "MD", exc))
    tips: dict[str, TippingPointResult] = {}
    # MAR imputations: the tipping point's, and the "MI: MAR" row's
    mi_approach = "bayes" if approach == "condmean" else approach
    draws: tuple | AnalysisError | None = None
    if tipping or (approach != "condmean" and "MAR" in methods):
        try:
            draws = impute(cohort, outcome, week, "MAR", m, seed, mi_approach, thin=thin)
        except AnalysisError as exc:
            draws = exc
    if approach == "condmean":
        _condmean_rows(rows, cohort, outcome, week, methods, comparator, level)
    for method in methods if approach != "condmean" else ():
        label = f"MI: {method}"
        try:
            if method == "MAR":
                if isinstance(draws, AnalysisError):
                    raise draws
                tab = pooled_table(*draws[:3], level)
            else:
                tab = multiple_imputation(cohort, outcome, week, method, m, seed, thin=thin,
                                          level=level, approach=approach).table  # fmt: skip
            for _, x in tab.iterrows():
                rows[x["treatment"]].append(_row(
                    x["treatment"], comparator, label, ESTIMANDS[method], "MD",
                    estimate=x["estimate"], ci_low=x["ci_low"], ci_high=x["ci_high"],
                    p_value=x["p_value"], n=x["n_treatment"] + x["n_comparator"],
                    n_missing=x["n_missing_treatment"] + x["n_missing_comparator"],
                    mc_se=x["mc_se"], note=f"m = {m}, Rubin's rules" + (
                        "" if approach == "bayes" else " (approximate Bayesian bootstrap)"),
                ))  # fmt: skip
        except AnalysisError as exc:
            for t in treatments:
                rows[t].append(_failed(t, comparator, label, ESTIMANDS.get(method, ""), "MD", exc))
    if tipping and isinstance(draws, AnalysisError):
        for t in treatments:
            rows[t].append(_failed(t, comparator, "tipping point (MI: MAR)", "", "delta", draws))
    elif tipping:
        d, r_, vals, used = draws
        for t in treatments:
            tips[t] = tipping_from(d, r_, vals, outcome, "MAR", mi_approach, used, t, level=level)
    for t, tp in tips.items():
        note = tp.direction + ("; " + "; ".join(tp.notes) if tp.notes else "")
        note = f"m = {tp.m}, seed {tp.seed}; " + note
        rows[t].append(_row(t, comparator, "tipping point (MI: MAR)", "shift of the treated "
                            "arm's imputed values that changes the conclusion", "delta",
                            estimate=tp.tipping_delta, n_missing=tp.n_shifted, note=note))  # fmt: skip
    for t in treatments:
        for rule, label in (("non_responder", "responders: dropouts as non-responders"),
                            ("observed", "responders: as observed")):  # fmt: skip
            try:
                r = responders(cohort, outcome, week, treatment=t, level=level, missing=rule)
                rows[t].append(_row(
                    t, comparator, label, r.definition, "RR", estimate=r.rr, ci_low=r.rr_ci_low,
                    ci_high=r.rr_ci_high, n=r.n_treatment + r.n_comparator,
                    n_missing=r.n_missing_treatment + r.n_missing_comparator,
                    note=f"{r.events_treatment}/{r.n_treatment} vs "
                    f"{r.events_comparator}/{r.n_comparator}",
                ))  # fmt: skip
            except AnalysisError as exc:
                rows[t].append(_failed(t, comparator, label, "", "RR", exc))
    table = pd.DataFrame([r for t in treatments for r in rows[t]], columns=list(COLUMNS))
    return SensitivityResult(table=table, tipping=tips, outcome=outcome, week=week, m=int(m),
                             seed=seed, level=level, approach=approach)  # fmt: skip


def _condmean_rows(rows, cohort, outcome, week, methods, comparator, level) -> None:
    """Rows "conditional mean: <method>" (jackknife SE), one shared fit for all methods."""
    results = conditional_mean_imputations(cohort, outcome, week, tuple(methods), level=level)
    for method in methods:
        label = f"conditional mean: {method}"
        res = results[method]
        if isinstance(res, AnalysisError):
            for t in rows:
                rows[t].append(_failed(t, comparator, label, ESTIMANDS.get(method, ""), "MD",
                                       res))  # fmt: skip
            continue
        for _, x in res.table.iterrows():
            rows[x["treatment"]].append(_row(
                x["treatment"], comparator, label, ESTIMANDS[method], "MD",
                estimate=x["estimate"], ci_low=x["ci_low"], ci_high=x["ci_high"],
                p_value=x["p_value"], n=x["n_treatment"] + x["n_comparator"],
                n_missing=x["n_missing_treatment"] + x["n_missing_comparator"], mc_se=0.0,
                note="jackknife SE, normal interval (Wolbers et al. 2022); no Monte Carlo error",
            ))  # fmt: skip
