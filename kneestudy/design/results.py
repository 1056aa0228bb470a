"""Result objects of :mod:`kneestudy.design` and the Monte Carlo performance measures.

Performance measures and their Monte Carlo standard errors follow Morris,
White & Crowther (2019): over the ``R`` replicates with an estimate,

* power (rejection rate) :math:`\\hat p = k / R_{all}` with the exact
  Clopper–Pearson interval and MCSE :math:`\\sqrt{\\hat p(1-\\hat p)/R_{all}}`
  (trials whose analysis is not defined count as not rejecting);
* bias :math:`\\bar\\theta - \\theta` with MCSE :math:`s_\\theta/\\sqrt{R}`;
* empirical SE :math:`s_\\theta` and mean model SE;
* coverage of the analysis' confidence interval, with its exact interval.

Reference: Morris TP, White IR, Crowther MJ. Using simulation studies to
evaluate statistical methods. Stat Med 2019;38:2074–102.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kneestudy._results import Result, format_number, frame_to_html

__all__ = ["PlanningResult", "PowerCurveResult", "PowerResult", "SampleSizeResult", "summarise"]


def _exact(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    from kneestudy.effects import clopper_pearson

    return clopper_pearson(int(k), int(n), level) if n > 0 else (math.nan, math.nan)


def summarise(stats: dict[str, np.ndarray], truth: float, alpha: float, benefit: int) -> dict:
    """Performance measures of one design from its replicates (module notes)."""
    ok = stats["ok"]
    reps = int(ok.size)
    est = stats["estimate"][ok]
    reject = ok & (stats["p_value"] < alpha)
    k = int(reject.sum())
    power = k / reps
    lo, hi = _exact(k, reps)
    k_benefit = int((reject & (np.sign(stats["estimate"]) == benefit)).sum())
    n_ok = int(ok.sum())
    covered = (stats["ci_low"][ok] <= truth) & (truth <= stats["ci_high"][ok])
    kc = int(covered.sum())
    c_lo, c_hi = _exact(kc, n_ok)
    emp_se = float(est.std(ddof=1)) if n_ok > 1 else math.nan
    mean = float(est.mean()) if n_ok else math.nan
    return {
        "power": power,
        "power_ci_low": lo,
        "power_ci_high": hi,
        "power_mcse": math.sqrt(power * (1 - power) / reps),
        "power_benefit": k_benefit / reps,
        "n_rejected": k,
        "n_failed": reps - n_ok,
        "mean_estimate": mean,
        "bias": mean - truth,
        "bias_mcse": emp_se / math.sqrt(n_ok) if n_ok > 1 else math.nan,
        "empirical_se": emp_se,
        "mean_model_se": float(stats["se"][ok].mean()) if n_ok else math.nan,
        "coverage": kc / n_ok if n_ok else math.nan,
        "coverage_ci_low": c_lo,
        "coverage_ci_high": c_hi,
        "mean_n_analysed": float(stats["n_analysed"].mean()),
    }


def _vertical(rows: list[tuple[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame({"quantity": [r[0] for r in rows], "value": [r[1] for r in rows]})


@dataclass(frozen=True)
class PowerResult(Result):
    """Power of one design by simulation (see :func:`kneestudy.design.power`).

    Attributes
    ----------
    power, power_ci_low, power_ci_high, power_mcse : float
        Share of trials whose two-sided test has p < ``alpha``, its exact 95%
        Monte Carlo interval and Monte Carlo standard error.
    power_benefit : float
        Share significant *and* in the direction of benefit.
    type_i_error : float
        Equal to ``power`` when the true effect is nil (``is_null``), else NaN.
    effect, effect_source, effect_detail, effect_assumption : planning effect
        The true pain difference at ``week`` the trial was simulated with,
        where it comes from (``"user"``, ``"evidence"``, ``"simulator"``), a
        citation-level description, and whether it rests on an assumption.
    true_value, true_value_se, truth_source, estimand : the analysis' target
        The true value of what the analysis estimates (mean difference, risk
        difference or log hazard ratio) and how it was obtained.
    mean_estimate, bias, bias_mcse, empirical_se, mean_model_se : float
    coverage, coverage_ci_low, coverage_ci_high : float
        Share of ``1 - alpha`` intervals containing ``true_value``.
    n_failed : int
        Trials whose analysis was not defined (counted as not rejecting).
    replicates : DataFrame
        One row per simulated trial: estimate, se, ci_low, ci_high, p_value,
        reject, ok, n_analysed.
    """

    idea: str
    treatment: str
    comparator: str
    analysis: str
    outcome: str
    week: float
    n_per_arm: int
    reps: int
    alpha: float
    power: float
    power_ci_low: float
    power_ci_high: float
    power_mcse: float
    power_benefit: float
    n_rejected: int
    n_failed: int
    effect: float
    effect_source: str
    effect_detail: str
    effect_assumption: bool
    simulator_peak: float
    estimand: str
    true_value: float
    true_value_se: float
    truth_source: str
    mean_estimate: float
    bias: float
    bias_mcse: float
    empirical_se: float
    mean_model_se: float
    coverage: float
    coverage_ci_low: float
    coverage_ci_high: float
    mean_n_analysed: float
    dropout: float
    seed: int
    executor: str
    n_chunks: int
    chunk_reps: int
    method: str
    effect_ci_low: float = math.nan
    effect_ci_high: float = math.nan
    effect_certainty: str = ""
    effect_note: str = ""
    weeks: tuple[float, ...] = ()
    replicates: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    _title = "Power by simulation"

    @property
    def is_null(self) -> bool:
        """True when the design has no true effect (the rejection rate is the type-I error)."""
        return self.effect == 0.0

    @property
    def type_i_error(self) -> float:
        return self.power if self.is_null else math.nan

    def _repr_html_(self) -> str:
        what = "Type-I error" if self.is_null else "Power"
        rows = [
            ("design", f"{self.treatment} vs {self.comparator}, {self.n_per_arm} per arm"),
            ("analysis", self.method),
            (what, f"{format_number(self.power)} (95% MC CI {format_number(self.power_ci_low)} "
                   f"to {format_number(self.power_ci_high)}), {self.reps} trials"),
            ("planning effect", f"{format_number(self.effect)} pain points at week "
                                f"{self.week:g} ({self.effect_source}: {self.effect_detail})"),
            ("estimand", f"{self.estimand}: true value {format_number(self.true_value)} "
                         f"({self.truth_source})"),
            ("bias", f"{format_number(self.bias)} (MCSE {format_number(self.bias_mcse)})"),
            ("coverage", format_number(self.coverage)),
            ("analyses not defined", self.n_failed),
        ]  # fmt: skip
        return f"<div><strong>{html.escape(self._title)}</strong>{frame_to_html(_vertical(rows))}</div>"


@dataclass(frozen=True)
class PowerCurveResult(Result):
    """Power over a grid of sample sizes (:func:`kneestudy.design.power_curve`).

    ``table`` has one row per ``n_per_arm`` with the measures of
    :class:`PowerResult` (power, its interval, bias, coverage, ...). The
    trials of a smaller n are the first participants of the trials of the
    largest n (common random numbers), so the curve is smooth.
    """

    idea: str
    treatment: str
    comparator: str
    analysis: str
    outcome: str
    week: float
    reps: int
    alpha: float
    effect: float
    effect_source: str
    effect_detail: str
    effect_assumption: bool
    simulator_peak: float
    estimand: str
    true_value: float
    truth_source: str
    dropout: float
    seed: int
    executor: str
    method: str
    table: pd.DataFrame = field(repr=False)
    effect_note: str = ""

    _title = "Power curve by simulation"

    def to_frame(self) -> pd.DataFrame:
        """One row per sample size (full precision)."""
        return self.table.copy()

    def smallest_n(self, target: float) -> float:
        """Smallest n per arm of the grid whose power reaches ``target`` (NaN if none)."""
        t = self.table
        hit = t.loc[t["power"] >= target, "n_per_arm"]
        return float(hit.min()) if len(hit) else math.nan

    def _repr_html_(self) -> str:
        cols = ["n_per_arm", "power", "power_ci_low", "power_ci_high", "bias", "coverage"]
        cap = (f"{self.treatment} vs {self.comparator}: {self.method}; effect "
               f"{format_number(self.effect)} ({self.effect_source})")  # fmt: skip
        return (
            f"<div><strong>{html.escape(self._title)}</strong>"
            f"{frame_to_html(self.table[cols], caption=cap)}</div>"
        )


@dataclass(frozen=True)
class SampleSizeResult(Result):
    """The smallest sample size reaching a target power (:func:`kneestudy.design.sample_size`).

    Attributes
    ----------
    n_per_arm, n_total : int
        Smallest n per arm whose simulated power reaches ``target`` (and the
        total of both arms).
    power, power_ci_low, power_ci_high : float
        The simulated power at ``n_per_arm`` and its exact MC interval.
    n_ci_low, n_ci_high : int
        Monte Carlo uncertainty of ``n_per_arm``: the smallest n whose upper
        (lower) 95% MC limit of power reaches the target.
    curve : DataFrame
        Every sample size evaluated, with its measures.
    """

    idea: str
    treatment: str
    comparator: str
    analysis: str
    outcome: str
    week: float
    target: float
    n_per_arm: int
    n_total: int
    power: float
    power_ci_low: float
    power_ci_high: float
    n_ci_low: int
    n_ci_high: int
    reps: int
    alpha: float
    effect: float
    effect_source: str
    effect_detail: str
    effect_assumption: bool
    simulator_peak: float
    dropout: float
    seed: int
    executor: str
    method: str
    curve: pd.DataFrame = field(repr=False)
    effect_note: str = ""

    _title = "Sample size by simulation"

    def _repr_html_(self) -> str:
        rows = [
            ("design", f"{self.treatment} vs {self.comparator}; {self.method}"),
            ("target power", format_number(self.target)),
            ("n per arm", f"{self.n_per_arm} (MC range {self.n_ci_low} to {self.n_ci_high}); "
                          f"{self.n_total} in all"),
            ("power at n", f"{format_number(self.power)} ({format_number(self.power_ci_low)} "
                           f"to {format_number(self.power_ci_high)}), {self.reps} trials"),
            ("planning effect", f"{format_number(self.effect)} pain points at week {self.week:g} "
                                f"({self.effect_source}: {self.effect_detail})"),
        ]  # fmt: skip
        return f"<div><strong>{html.escape(self._title)}</strong>{frame_to_html(_vertical(rows))}</div>"


@dataclass(frozen=True)
class PlanningResult(Result):
    """Planning the next trial of an idea from a study's pooled evidence.

    Attributes
    ----------
    idea, analysis, outcome, week : the primary analysis planned.
    pooled_estimate, pooled_ci_low, pooled_ci_high, certainty : float, str
        The idea's pooled pain difference in the study's comparison.
    curve : PowerCurveResult
        Power over ``n_per_arm`` at the pooled estimate.
    conservative : PowerCurveResult or None
        The same at the CI limit nearest no effect (when the CI excludes 0).
    n_for_80, n_for_90 : float
        Smallest n per arm of the grid reaching 80% / 90% at the pooled
        estimate (NaN when the grid does not reach it).
    note : str
    evidence_week : float
        The week the pooled estimate holds at; when it is not ``week`` the
        curves are at the effect the simulator's profile, calibrated there,
        gives at ``week`` (``curve.effect``).
    """

    idea: str
    analysis: str
    outcome: str
    week: float
    pooled_estimate: float
    pooled_ci_low: float
    pooled_ci_high: float
    certainty: str
    n_for_80: float
    n_for_90: float
    note: str
    curve: PowerCurveResult = field(repr=False)
    conservative: PowerCurveResult | None = field(default=None, repr=False)
    evidence_week: float = math.nan

    _title = "Planning the next trial"

    def to_frame(self) -> pd.DataFrame:
        """Both curves stacked, with a ``scenario`` column (pooled / conservative)."""
        parts = [self.curve.table.assign(scenario="pooled estimate", effect=self.curve.effect)]
        if self.conservative is not None:
            parts.append(
                self.conservative.table.assign(
                    scenario="CI limit nearest no effect", effect=self.conservative.effect
                )
            )
        return pd.concat(parts, ignore_index=True)

    def _repr_html_(self) -> str:
        cap = (f"{self.idea}: pooled {format_number(self.pooled_estimate)} "
               f"({format_number(self.pooled_ci_low)} to {format_number(self.pooled_ci_high)}), "
               f"certainty {self.certainty or 'not rated'}")  # fmt: skip
        cols = ["scenario", "n_per_arm", "power", "power_ci_low", "power_ci_high"]
        return (
            f"<div><strong>{html.escape(self._title)}</strong>"
            f"{frame_to_html(self.to_frame()[cols], caption=cap)}"
            f"<p>{html.escape(self.note)}</p></div>"
        )
