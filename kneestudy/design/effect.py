"""The effect a trial is planned for, and the true value of each analysis' estimand.

The planning effect is the true difference in mean pain (0–10, treatment −
comparator, negative = less pain) at the analysis week, on the recorded scale
(bounded to 0–10): what the trial measures and what published trials report.
The simulator is driven by pain (AKPS, the global rating and time to pain-free
all follow from it), so a pain difference also fixes every other outcome.
It is turned into the simulator's ``effect=`` (the peak of the idea's effect
profile) by solving ``truth.pain_difference(week) = effect`` on the simulator's
exact truth (:mod:`kneestudy.simulate`).

``effect=None`` takes the effect from the evidence base (:func:`from_evidence`:
the pooled estimate of the idea in ``compare_ideas(evidence, outcome="pain",
window=..., model="additive")``), and otherwise, or when that has no estimate,
from the simulator's parameter table (:func:`from_simulator`), saying whether
that value is cited or an assumption.

A pooled estimate holds at the weeks of the trials behind it, not
necessarily at the analysis week: the short-term window runs to 13 weeks, so
a week-6 trial can give the idea's short-term estimate while the next trial
is analysed at week 12. The simulator's effect profile (onset, hold, decay)
is then calibrated at the week the evidence comes from (:func:`evidence_week`)
and carried to the analysis week (:func:`carry`): the planning effect is the
profile's value there, and the result says so (and that the profile, where
parts of it are assumptions, makes it one). An estimate the profile cannot
reach even at its own week gives no evidence effect, with the reason, and
:func:`kneestudy.design.power` falls back to the simulator's parameters,
saying why.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.interventions import COMPARATORS, idea_of, split_codes

__all__ = [
    "PlanningEffect",
    "carry",
    "evidence_estimate",
    "evidence_week",
    "from_evidence",
    "from_simulator",
    "peak_for",
    "true_value",
    "window_of",
]

#: Participants per arm of the large cohort that gives an estimand's true value
#: where the simulator has no exact one (Monte Carlo SE reported beside it).
TRUTH_N_PER_ARM = 100_000
#: Seed of that cohort: a constant, so the truth does not move with the seed of a run.
TRUTH_SEED = 20_260_415


@dataclass(frozen=True)
class PlanningEffect:
    """The effect a trial is planned for and where it comes from.

    Attributes
    ----------
    effect : float
        True pain difference at the analysis week (what is simulated).
    source : {"user", "evidence", "simulator"}
    detail : str
    assumption : bool
    ci_low, ci_high, certainty
        The evidence's confidence interval and certainty (at ``source_week``).
    source_effect, source_week : float
        The evidence's pooled estimate and the week it holds at (NaN when
        not from evidence); equal to ``effect`` and the analysis week unless
        the effect was carried from another week (:func:`carry`).
    """

    effect: float
    source: str  # "user", "evidence" or "simulator"
    detail: str
    assumption: bool
    ci_low: float = math.nan
    ci_high: float = math.nan
    certainty: str = ""
    source_effect: float = math.nan
    source_week: float = math.nan


def window_of(week: float) -> str:
    """The comparison's time window of a week: short ≤ 13, long ≥ 52, else medium."""
    if week <= 13:
        return "short"
    if week >= 52:
        return "long"
    return "medium"


def effect_code(idea: str) -> str:
    """The code whose peak ``simulate.cohort(effect=float)`` replaces."""
    from kneestudy.simulate.parameters import PARAMETER_NAMES

    codes = split_codes(idea)
    profiled = [c for c in codes if f"effect.{c}.onset" in PARAMETER_NAMES]
    active = [c for c in profiled if c not in COMPARATORS]
    if active or profiled:
        return (active or profiled)[0]
    raise AnalysisError(f"{idea!r} has no effect profile in the simulator's parameter table")


@functools.lru_cache(maxsize=256)
def _truth_frame(idea: str, comparator: str | None, weeks: tuple, peaks: tuple):
    from kneestudy.simulate import cohort

    c = cohort(idea, n=2, seed=0, comparator=comparator, weeks=weeks,
               effect=dict(peaks) if peaks else None, dropout=0.0)  # fmt: skip
    t = c.truth
    treatment = next(a for a in t["arms"] if a != t["comparator"])
    return treatment, t["comparator"], t["by_arm_week"], dict(t["effect_peaks"])


def truth_row(idea, comparator, weeks, week, peaks) -> tuple[str, str, Any, dict]:
    """(treatment, comparator, truth row of the treatment arm at ``week``, peaks)."""
    treatment, comp, frame, used = _truth_frame(
        idea, comparator, tuple(float(w) for w in weeks), tuple(sorted(peaks.items()))
    )
    row = frame[(frame["arm"] == treatment) & np.isclose(frame["week"], float(week))]
    if row.empty:
        raise AnalysisError(f"week {week:g} is not a visit week of {list(weeks)}")
    return treatment, comp, row.iloc[0], used


def peak_for(idea: str, comparator: str | None, weeks, week: float, effect: float) -> float:
    """The simulator peak of the idea giving a true pain difference ``effect`` at ``week``.

    Secant iterations on ``truth.pain_difference`` (monotone in the peak),
    started from the latent (unbounded) solution; stops below 1e-9 points.
    The simulator's truth at a week does not depend on the other visit weeks
    (``tests/test_design/test_effect.py`` checks it), so the truth is
    computed at baseline and ``week`` only: every call at a week shares the
    cached truths, whatever visit schedule it was given.
    """
    code = effect_code(idea)
    if not any(np.isclose(float(w), float(week)) for w in weeks):
        raise AnalysisError(f"week {week:g} is not a visit week of {list(weeks)}")
    weeks = (0.0, float(week))
    _, _, r0, _ = truth_row(idea, comparator, weeks, week, {code: 0.0})
    _, _, r1, _ = truth_row(idea, comparator, weeks, week, {code: -1.0})
    slope = float(r0["effect"] - r1["effect"])  # latent difference per point of peak
    if abs(slope) < 1e-6:
        raise AnalysisError(
            f"{idea!r} has (almost) no effect at week {week:g} in the simulator's profile, so no "
            "peak gives that effect there; plan for an earlier week"
        )

    def diff(peak: float) -> float:
        return float(truth_row(idea, comparator, weeks, week, {code: peak})[2]["pain_difference"])

    x0 = (effect - float(r0["effect"])) / slope  # the latent (unbounded) solution
    f0 = diff(x0) - effect
    if abs(f0) < 1e-12:  # e.g. the null: no effect at all, exactly
        return float(x0)
    x1 = x0 * 1.05 + (0.01 if x0 == 0 else 0.0)
    f1 = diff(x1) - effect
    for _ in range(30):
        if abs(f1) < 1e-9 or f1 == f0:
            break
        x0, x1 = x1, x1 - f1 * (x1 - x0) / (f1 - f0)
        if not math.isfinite(x1) or abs(x1) > 10:
            raise AnalysisError(
                f"a true pain difference of {effect:g} at week {week:g} needs a simulator effect "
                "beyond ±10 points; it is not reachable on the 0–10 scale"
            )
        f0, f1 = f1, diff(x1) - effect
    if abs(f1) > 1e-6:
        raise AnalysisError(f"could not find a simulator effect giving {effect:g} at week {week:g}")
    return float(x1)


def _profile_assumed(code: str) -> list[str]:
    """The parts of the code's effect profile that are assumptions (parameter table)."""
    from kneestudy.simulate.parameters import parameter_table

    table = parameter_table()
    names = [f"effect.{code}.{k}" for k in ("onset", "hold", "decay", "persist")]
    return [n.rsplit(".", 1)[1] for n in names
            if n in table.index and bool(table.loc[n, "assumption"])]  # fmt: skip


def carry(idea: str, comparator: str | None, from_week: float, to_week: float,
          effect: float) -> float:  # fmt: skip
    """The true pain difference at ``to_week`` of the profile that gives ``effect`` at ``from_week``.

    The simulator peak reaching ``effect`` at ``from_week`` (:func:`peak_for`)
    fixes the whole effect profile; its value at ``to_week`` is returned. The
    simulator's truth at a week does not depend on the other visit weeks.

    Raises
    ------
    AnalysisError
        When no peak gives ``effect`` at ``from_week``.
    """
    from_week, to_week = float(from_week), float(to_week)
    if np.isclose(from_week, to_week):
        return float(effect)
    peak = peak_for(idea, comparator, (0.0, from_week), from_week, effect)
    row = truth_row(idea, comparator, (0.0, to_week), to_week, {effect_code(idea): peak})[2]
    return float(row["pain_difference"])


def evidence_week(comparison: Any, idea: str, week: float) -> tuple[float | None, str]:
    """The week an idea's pooled estimate holds at, from the rows of the comparison.

    The rows of ``comparison.contrasts`` with an estimate and a standard
    error in which the idea is on one side only are the idea's evidence.
    When the analysis ``week`` is among their weeks it is the answer;
    otherwise the week carrying the most inverse-variance weight (the sum of
    ``1/se²`` of its rows).

    Returns
    -------
    (week or None, description)
        None when the comparison does not say (no ``contrasts`` with weeks).
    """
    rows = getattr(comparison, "contrasts", None)
    need = {"treatment", "comparator", "week", "estimate", "se"}
    if rows is None or not need <= set(getattr(rows, "columns", ())):
        return None, ""
    code = idea_of(idea) or idea

    def has(arm: Any) -> bool:
        return isinstance(arm, str) and any(idea_of(p) == code for p in split_codes(arm))

    est = pd.to_numeric(rows["estimate"], errors="coerce").to_numpy(float)
    se = pd.to_numeric(rows["se"], errors="coerce").to_numpy(float)
    one_side = np.array([has(t) != has(c) for t, c in zip(rows["treatment"], rows["comparator"],
                                                          strict=True)], bool)  # fmt: skip
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(est) & np.isfinite(se) & (se > 0) & one_side
    if not ok.any():
        return None, ""
    weight = pd.Series(1.0 / se[ok] ** 2).groupby(rows["week"].to_numpy(float)[ok]).sum()
    weeks = sorted(float(w) for w in weight.index)
    listed = (
        f"week {weeks[0]:g}" if len(weeks) == 1 else "weeks " + ", ".join(f"{w:g}" for w in weeks)
    )
    if any(np.isclose(w, week) for w in weeks):
        return float(week), f"evidence at {listed}"
    top = float(weight.idxmax())
    if len(weeks) == 1:
        return top, f"evidence at {listed}"
    return top, f"evidence at {listed}; week {top:g} carries the most weight"


def from_simulator(idea: str, comparator: str | None, weeks, week: float) -> PlanningEffect:
    """The true pain difference at ``week`` under the simulator's own parameters."""
    from kneestudy.simulate.parameters import parameter_table

    code = effect_code(idea)
    _, _, row, _ = truth_row(idea, comparator, weeks, week, {})
    table = parameter_table()
    peak = table.loc[f"effect.{code}.peak"]
    assumed_shape = _profile_assumed(code)
    detail = f"simulator parameter effect.{code}.peak = {peak['value']:g} ({peak['source']})" + (
        f"; profile {', '.join(assumed_shape)} assumed" if assumed_shape else ""
    )
    return PlanningEffect(
        effect=float(row["pain_difference"]),
        source="simulator",
        detail=detail,
        assumption=bool(peak["assumption"]) or bool(assumed_shape),
    )


def evidence_estimate(
    idea: str,
    week: float,
    study: Any = None,
    compare: Callable[..., Any] | None = None,
) -> tuple[PlanningEffect | None, str]:
    """The idea's pooled pain difference in the comparison, as published (not carried).

    Parameters are those of :func:`from_evidence`. ``effect`` and
    ``source_effect`` are the pooled estimate, ``source_week`` the week it
    holds at (:func:`evidence_week`; the analysis week when the comparison
    does not say). None, with the reason, when there is no estimate.
    """
    if study is None:
        try:
            from kneestudy import datasets

            study = datasets.evidence()
        except (AttributeError, ImportError, FileNotFoundError) as exc:
            return None, f"no evidence base in this installation ({type(exc).__name__}: {exc})"
    if compare is None:
        from kneestudy.compare import compare_ideas as compare
    window = window_of(week)
    try:
        comparison = compare(study, outcome="pain", window=window, model="additive")
    except TypeError as exc:
        return None, f"the comparison of ideas does not take window/model yet ({exc})"
    except AnalysisError as exc:
        return None, f"the comparison of the evidence failed: {exc}"
    table = comparison.table
    code = idea_of(idea) or idea
    row = table[table["idea"] == code]
    if row.empty or not np.isfinite(float(row["estimate"].iloc[0])):
        return None, f"the evidence base has no pooled pain estimate for {code!r} ({window} term)"
    r = row.iloc[0]
    pooled = float(r["estimate"])
    certainty = str(r.get("certainty", "") or "")
    study_id = getattr(study, "study_id", "evidence")
    at, where = evidence_week(comparison, code, float(week))
    detail = (
        f"pooled pain difference of {code} vs control in the additive component network "
        f"meta-analysis of {study_id!r} ({window} term)"
        + (f", certainty {certainty}" if certainty else "")
    )
    return (
        PlanningEffect(
            effect=pooled,
            source="evidence",
            detail=detail,
            assumption=False,
            ci_low=float(r.get("ci_low", math.nan)),
            ci_high=float(r.get("ci_high", math.nan)),
            certainty=certainty,
            source_effect=pooled,
            source_week=float(week) if at is None else at,
        ),
        where or f"{window} term",
    )


def from_evidence(
    idea: str,
    week: float,
    study: Any = None,
    compare: Callable[..., Any] | None = None,
    *,
    comparator: str | None = None,
) -> tuple[PlanningEffect | None, str]:
    """The idea's pooled pain difference in the comparison of the evidence base.

    Parameters
    ----------
    idea : str
    week : float
        The analysis week; sets the comparison's window (:func:`window_of`).
    study : Study, optional
        The evidence (default :func:`kneestudy.datasets.evidence`).
    compare : callable, optional
        ``compare(study, outcome="pain", window=..., model="additive")``
        returning an object whose ``table`` has one row per idea with
        ``idea``, ``estimate``, ``ci_low``, ``ci_high``, ``certainty``, and
        optionally ``contrasts`` (the rows used, with their ``week``; see
        :func:`evidence_week`) (default :func:`kneestudy.compare_ideas`).
    comparator : str, optional
        The planned trial's control arm (default: the simulator's for the
        idea), for carrying the estimate to the analysis week.

    Returns
    -------
    (PlanningEffect or None, reason)
        None, with the reason, when there is no evidence estimate, or when
        the simulator's effect profile cannot reach it at the week it holds
        at. ``effect`` is the pain difference at ``week``: the pooled
        estimate itself, or — when the evidence comes from another week —
        the value at ``week`` of the profile calibrated to the estimate at
        the evidence's week (module notes).
    """
    raw, where = evidence_estimate(idea, week, study, compare)
    if raw is None:
        return None, where
    code = idea_of(idea) or idea
    pooled, at, week = raw.source_effect, raw.source_week, float(week)
    try:
        # the peak reaching the estimate at its own week fixes the profile
        peak_for(idea, comparator, (0.0, at), at, pooled)
        effect = carry(idea, comparator, at, week, pooled)
    except AnalysisError as exc:
        return None, (
            f"the evidence's pooled pain difference for {code!r}, {pooled:.2f} at week {at:g} "
            f"({where}), is one the simulator's effect profile of {effect_code(idea)!r} cannot "
            f"reach ({exc})"
        )
    if np.isclose(at, week):
        return raw, ""
    assumed = _profile_assumed(effect_code(idea))
    detail = raw.detail + (
        f"; {pooled:.2f} at week {at:g} ({where}), carried to {effect:.2f} at week "
        f"{week:g} by the simulator's effect profile of {effect_code(idea)!r}"
        + (f" (profile {', '.join(assumed)} assumed)" if assumed else "")
    )
    return dataclasses.replace(raw, effect=effect, detail=detail, assumption=bool(assumed)), ""


@functools.lru_cache(maxsize=64)
def _large_sample(analysis, outcome, idea, comparator, weeks, week, peaks) -> tuple[float, float]:
    from kneestudy.design import batch
    from kneestudy.design import batch_survival as bsurv
    from kneestudy.design._trials import simulate_trials

    arr, _ = simulate_trials(idea, TRUTH_N_PER_ARM, 1, TRUTH_SEED, comparator=comparator,
                             weeks=weeks, peaks=dict(peaks), dropout=0.0)  # fmt: skip
    if analysis in ("logrank", "cox"):
        ev, ce, na = bsurv.pain_free_counts(arr.pain, arr.weeks, arr.withdrawal)
        res = bsurv.cox(ev, ce, na)
    elif analysis == "responders":
        res = batch.responders(
            batch.responder_events(arr.outcome(outcome), arr.weeks, week, outcome)
        )
    else:
        res = batch.ttest(arr.outcome(outcome), arr.weeks, week)
    return float(res.estimate[0]), float(res.se[0])


def true_value(analysis, outcome, idea, comparator, weeks, week, peaks) -> tuple[float, float, str]:
    """(true value, its Monte Carlo SE, how it was obtained) of the analysis' estimand.

    Exact from the simulator's truth for pain differences (``pain_difference``)
    and recovery (``recovered_difference``); otherwise from one cohort of
    :data:`TRUTH_N_PER_ARM` per arm without dropout: the difference in mean
    AKPS, the difference in responder proportions, or the Cox log hazard ratio
    of becoming pain-free over the follow-up (for non-proportional hazards the
    average hazard ratio a Cox model estimates with this follow-up).
    """
    weeks = tuple(float(w) for w in weeks)
    _, _, frame, _ = _truth_frame(idea, comparator, weeks, tuple(sorted(peaks.items())))
    if np.all(frame["effect"].to_numpy() == 0.0):
        return 0.0, 0.0, "exact (no effect at any visit: the arms do not differ in distribution)"
    if outcome == "pain" and analysis in ("ancova", "ttest", "mmrm"):
        row = truth_row(idea, comparator, weeks, week, peaks)[2]
        return float(row["pain_difference"]), 0.0, "exact (simulator truth: pain_difference)"
    if outcome == "recovered":
        row = truth_row(idea, comparator, weeks, week, peaks)[2]
        return (
            float(row["recovered_difference"]),
            0.0,
            "exact (simulator truth: recovered_difference)",
        )
    col = "pain" if outcome == "pain_free" else outcome
    est, se = _large_sample(analysis, col, idea, comparator, weeks, float(week),
                            tuple(sorted(peaks.items())))  # fmt: skip
    what = {
        "pain_free": "Cox log hazard ratio of becoming pain-free",
        "akps": "difference in mean AKPS",
    }.get(outcome, f"difference in {outcome} responder proportions")
    if analysis == "responders" and outcome == "akps":
        what = "difference in AKPS responder proportions"
    return (
        est,
        se,
        (f"large-sample ({what}, {TRUTH_N_PER_ARM:,} per arm without dropout, seed {TRUTH_SEED})"),
    )
