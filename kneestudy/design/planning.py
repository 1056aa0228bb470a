"""The planning content of a study's report: how many runners the next trial needs.

:func:`planning` takes a study (usually the evidence base), an idea and the
study's primary analysis, and returns the power curve of a new two-arm trial
at the idea's pooled pain difference from the study's comparison of ideas
(:func:`kneestudy.design.effect.from_evidence`), and — because a pooled point
estimate is an optimistic basis for a sample size when the evidence is
uncertain — the same curve at the confidence limit nearest no effect. The
report shows both (plot: :func:`kneestudy.plots.power_curve`).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from kneestudy.design import effect as eff
from kneestudy.design.power import power_curve
from kneestudy.design.results import PlanningResult
from kneestudy.errors import AnalysisError

__all__ = ["DEFAULT_GRID", "planning", "primary_analysis"]

#: Sample sizes per arm of the planning curve unless told otherwise.
DEFAULT_GRID: tuple[int, ...] = (20, 40, 60, 80, 100, 150, 200, 300)


def primary_analysis(study: Any) -> tuple[str, str, float]:
    """(analysis, outcome, week) of a study's cohorts' primary endpoint.

    The most common ``primary_outcome`` / ``primary_week`` of the cohort
    manifests (pain at week 12 when there are no cohorts); ANCOVA for pain
    and AKPS (Vickers & Altman 2001), responders for recovery.
    """
    cohorts = list(getattr(study, "cohorts", []) or [])
    outcomes = Counter(c.manifest.primary_outcome for c in cohorts if c.manifest.primary_outcome)
    weeks = Counter(float(c.manifest.primary_week) for c in cohorts
                    if c.manifest.primary_week is not None)  # fmt: skip
    outcome = outcomes.most_common(1)[0][0] if outcomes else "pain"
    week = weeks.most_common(1)[0][0] if weeks else 12.0
    analysis = "responders" if outcome == "recovered" else "ancova"
    return analysis, outcome, week


def planning(
    study: Any,
    idea: str,
    analysis: str | None = None,
    outcome: str | None = None,
    week: float | None = None,
    n_per_arm: Sequence[int] = DEFAULT_GRID,
    comparator: str | None = None,
    reps: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    executor: Any = None,
    *,
    compare: Callable[..., Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PlanningResult:
    """Power curve of the next trial of ``idea`` at the study's pooled effect.

    Parameters
    ----------
    study : Study
        Whose comparison of ideas gives the pooled pain difference.
    idea : str
        The idea the next trial tests.
    analysis, outcome, week : optional
        The primary analysis (default :func:`primary_analysis` of the study).
    n_per_arm : sequence of int
        Grid of sample sizes per arm.
    comparator, reps, seed, alpha, executor, progress
        As :func:`kneestudy.design.power_curve`.
    compare : callable, optional
        The comparison function (default :func:`kneestudy.compare_ideas`).

    Returns
    -------
    PlanningResult
        ``curve`` at the pooled estimate, ``conservative`` at the CI limit
        nearest no effect (None when the CI includes no effect), and the
        smallest n per arm of the grid reaching 80% and 90%.

    Raises
    ------
    AnalysisError
        When the study's comparison has no pooled estimate for the idea.

    Notes
    -----
    A pooled estimate from another week than ``week`` is carried there by
    the simulator's effect profile (:func:`kneestudy.design.effect.carry`).
    One the simulator cannot produce at all (e.g. a difference beyond what
    the 0–10 scale allows in the comparator arm) gives the curve at the
    simulator's own effect for the idea, and the note says so; the
    conservative curve is still drawn when its limit can be simulated.
    """
    a0, o0, w0 = primary_analysis(study)
    analysis = analysis or a0
    outcome = outcome or (o0 if analysis != "responders" or o0 == "recovered" else "pain")
    week = float(w0 if week is None else week)
    pooled, reason = eff.evidence_estimate(idea, week, study, compare)
    if pooled is None:
        raise AnalysisError(f"no planning curve for {idea!r}: {reason}")
    simulable, unreachable = eff.from_evidence(idea, week, study, compare, comparator=comparator)
    kw = dict(comparator=comparator, analysis=analysis, outcome=outcome, week=week, reps=reps,
              seed=seed, alpha=alpha, executor=executor, progress=progress)  # fmt: skip
    # effect=None: the carried evidence effect, or (unreachable) the simulator's own, said so
    curve = power_curve(idea, list(n_per_arm), effect=None, evidence=study, compare=compare, **kw)
    pooled = simulable or pooled
    lo, hi = pooled.ci_low, pooled.ci_high
    at = pooled.source_week if math.isfinite(pooled.source_week) else week
    estimate = pooled.source_effect if math.isfinite(pooled.source_effect) else pooled.effect
    conservative, why_not = None, ""
    if math.isfinite(lo) and math.isfinite(hi) and (lo > 0 or hi < 0):
        limit = lo if lo > 0 else hi
        try:
            limit_at_week = eff.carry(idea, comparator, at, week, limit)
            eff.peak_for(idea, comparator, (0.0, week), week, limit_at_week)  # simulable?
        except AnalysisError as exc:
            why_not = f" The confidence limit {limit:.2f} cannot be simulated ({exc})."
        else:
            conservative = power_curve(idea, list(n_per_arm), effect=limit_at_week, **kw)
            detail = f"confidence limit nearest no effect of the {pooled.detail}"
            if not np.isclose(at, week):
                detail += f"; the limit {limit:.2f} at week {at:g} carried the same way"
            conservative = dataclasses.replace(
                conservative,
                effect_source="evidence",
                effect_detail=detail,
                effect_assumption=pooled.assumption,
            )
    when = "" if np.isclose(at, week) else f" at week {at:g}"
    name = {"ancova": "ANCOVA", "ttest": "t test", "mmrm": "MMRM", "responders": "responder "
            "analysis", "logrank": "log-rank test", "cox": "Cox model"}.get(analysis, analysis)  # fmt: skip
    note = (
        f"Power of the {name} of {outcome} at week {week:g} in a new trial of "
        f"{idea}, at the pooled pain difference {estimate:.2f}{when} "
        f"(95% CI {lo:.2f} to {hi:.2f}; certainty {pooled.certainty or 'not rated'})."
    )
    if simulable is None:
        note += (
            f" But {unreachable}: the curve is at the simulator's own effect for {idea}, "
            f"{curve.effect:.2f} at week {week:g} ({curve.effect_detail}), not at the pooled "
            "estimate; read its sample sizes as those for that effect."
        )
    elif not np.isclose(at, week):
        note += (f" The evidence holds at week {at:g}: the simulator's effect profile, "
                 f"calibrated there, gives {curve.effect:.2f} at week {week:g}, the difference "
                 "simulated" + (" (the profile is partly assumed)." if pooled.assumption
                                else "."))  # fmt: skip
    if estimate > 0:
        note += (f" The pooled estimate points to more pain on {idea} than on control: the "
                 "curve is the power to detect that difference, not a benefit.")  # fmt: skip
    if conservative is None:
        note += why_not or (" The confidence interval includes no effect, so no conservative "
                            "curve is shown: a trial planned on the point estimate may well be "
                            "underpowered.")  # fmt: skip
    else:
        note += (" The second curve uses the confidence limit nearest no effect; planning on "
                 "the point estimate alone is optimistic.")  # fmt: skip
    return PlanningResult(
        idea=idea,
        analysis=analysis,
        outcome=curve.outcome,
        week=week,
        pooled_estimate=estimate,
        pooled_ci_low=lo,
        pooled_ci_high=hi,
        certainty=pooled.certainty,
        n_for_80=curve.smallest_n(0.8),
        n_for_90=curve.smallest_n(0.9),
        note=note,
        curve=curve,
        conservative=conservative,
        evidence_week=float(at),
    )
