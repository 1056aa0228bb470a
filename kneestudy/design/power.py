"""Power, power curves and sample size of a two-arm trial, by simulation.

A design is an idea (and comparator), a sample size per arm, the visit weeks,
dropout, a planning effect and the primary analysis. Each replicate is a whole
trial simulated by :mod:`kneestudy.simulate` and analysed as a trialist would
(:mod:`kneestudy.design.batch`, ``batch_mmrm``, ``batch_survival``: the same
numbers as kneestudy's single-trial estimators); power is the share of
trials whose two-sided test has p < alpha. See :mod:`kneestudy.design.engine`
for chunks, seeds and executors, and :mod:`kneestudy.design.results` for the
performance measures (Morris et al. 2019).

References
----------
Morris TP, White IR, Crowther MJ. Using simulation studies to evaluate
statistical methods. Stat Med 2019;38:2074–102. Landau S, Stahl D. Sample
size and power calculations for medical studies by simulation when closed
form expressions are not available. Stat Methods Med Res 2013;22:324–45.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.design import effect as eff
from kneestudy.design import engine
from kneestudy.design.results import PowerCurveResult, PowerResult, SampleSizeResult, summarise
from kneestudy.errors import AnalysisError

__all__ = ["power", "power_curve", "sample_size"]

_METHOD = {
    "ancova": "ANCOVA (outcome ~ baseline + arm, complete cases at the week), t test",
    "ttest": "two-sample t test (pooled variance), unadjusted",
    "mmrm": "MMRM (unstructured covariance, REML, Satterthwaite df), t test at the week",
    "responders": "responders: risk difference, Pearson chi-square test (no continuity correction)",
    "logrank": "log-rank test of time to pain-free; Peto log hazard ratio",
    "cox": "Cox model of time to pain-free (Efron ties), Wald test",
}
_RESPONDER = {"pain": "pain drop >= 2 points", "akps": "AKPS gain >= 10 points",
              "recovered": "global rating of change >= 6"}  # fmt: skip


@dataclass(frozen=True)
class _Plan:
    idea: str
    comparator: str | None
    treatment: str
    comparator_code: str
    analysis: str
    outcome: str
    week: float
    weeks: tuple[float, ...]
    effect: eff.PlanningEffect
    effect_note: str
    peaks: dict
    peak: float
    dropout: float | None
    dropout_used: float
    truth: float
    truth_se: float
    truth_source: str
    estimand: str
    alpha: float
    reps: int
    seed: int

    @property
    def benefit(self) -> int:
        lower_better = self.outcome == "pain" and self.analysis in ("ancova", "ttest", "mmrm")
        return -1 if lower_better else 1

    def common(self) -> dict[str, Any]:
        e = self.effect
        return {
            "idea": self.idea,
            "treatment": self.treatment,
            "comparator": self.comparator_code,
            "analysis": self.analysis,
            "outcome": self.outcome,
            "week": self.week,
            "reps": self.reps,
            "alpha": self.alpha,
            "effect": e.effect,
            "effect_source": e.source,
            "effect_detail": e.detail,
            "effect_assumption": e.assumption,
            "effect_note": self.effect_note,
            "simulator_peak": self.peak,
            "dropout": self.dropout_used,
            "seed": self.seed,
            "method": _METHOD[self.analysis],
        }


def _whole(name: str, v: Any, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
        raise AnalysisError(f"{name} must be a whole number >= {low}, got {v!r}")
    return int(v)


def _estimand(analysis: str, outcome: str, week: float) -> str:
    if analysis in ("logrank", "cox"):
        return "log hazard ratio of becoming pain-free (> 0 = sooner), over follow-up"
    if analysis == "responders":
        return f"difference in the share of responders ({_RESPONDER[outcome]}) at week {week:g}"
    return f"difference in mean {outcome} at week {week:g} (treatment - comparator)"


def _prepare(idea, comparator, analysis, outcome, week, effect, dropout, reps, seed, alpha,
             weeks, evidence, compare) -> _Plan:  # fmt: skip
    from kneestudy.simulate import DEFAULT_WEEKS
    from kneestudy.simulate.parameters import value

    reps = _whole("reps", reps, 2)
    seed = _whole("seed", seed, 0)
    if not (isinstance(alpha, numbers.Real) and 0 < alpha < 1):
        raise AnalysisError(f"alpha must be in (0, 1), got {alpha!r}")
    outcome = engine.check_analysis(analysis, outcome)
    try:
        week = float(week)
    except (TypeError, ValueError):
        raise AnalysisError(f"week must be a number, got {week!r}") from None
    if not (math.isfinite(week) and week > 0):
        raise AnalysisError(f"week must be a follow-up week > 0, got {week!r}")
    if weeks is None:
        weeks = sorted({*(w for w in DEFAULT_WEEKS if w <= week), week})
    weeks = tuple(float(w) for w in weeks)
    if not any(np.isclose(week, w) for w in weeks[1:]):
        raise AnalysisError(f"week {week:g} is not one of the visit weeks {list(weeks)}")
    if analysis in ("logrank", "cox") and not np.isclose(weeks[-1], week):
        raise AnalysisError(
            f"for time to pain-free, week is the end of follow-up: the last visit week "
            f"({weeks[-1]:g}), got {week:g}"
        )
    note = ""
    if effect is None:
        planned, note = eff.from_evidence(idea, week, evidence, compare, comparator=comparator)
        if planned is None:
            planned = eff.from_simulator(idea, comparator, weeks, week)
            note = f"simulator parameters used: {note}"
    else:
        try:
            value_ = float(effect)
        except (TypeError, ValueError):
            raise AnalysisError(f"effect must be a number of pain points, got {effect!r}") from None
        if not math.isfinite(value_):
            raise AnalysisError(f"effect must be finite, got {effect!r}")
        planned = eff.PlanningEffect(value_, "user", "planning value given by the user", True)
    code = eff.effect_code(idea)
    if planned.source == "simulator":
        peaks: dict = {}
        _, _, _, used = eff.truth_row(idea, comparator, weeks, week, {})
        peak = float(used[code])
    else:
        peak = eff.peak_for(idea, comparator, weeks, week, planned.effect)
        peaks = {code: peak}
    treatment, comp, _, _ = eff.truth_row(idea, comparator, weeks, week, peaks)
    truth, truth_se, truth_source = eff.true_value(
        analysis, outcome, idea, comparator, weeks, week, peaks
    )
    if dropout is not None:
        try:
            dropout = float(dropout)
        except (TypeError, ValueError):
            raise AnalysisError(f"dropout must be a probability, got {dropout!r}") from None
    return _Plan(
        idea=idea, comparator=comparator, treatment=treatment, comparator_code=comp,
        analysis=analysis, outcome=outcome, week=week, weeks=weeks, effect=planned,
        effect_note=note, peaks=peaks, peak=peak, dropout=dropout,
        dropout_used=value("dropout.per_visit") if dropout is None else dropout,
        truth=truth, truth_se=truth_se, truth_source=truth_source,
        estimand=_estimand(analysis, outcome, week), alpha=float(alpha), reps=reps, seed=seed,
    )  # fmt: skip


def _run(plan: _Plan, ns, executor, chunk_reps, progress, reps=None, seed=None):
    return engine.run(
        idea=plan.idea,
        comparator=plan.comparator,
        weeks=plan.weeks,
        peaks=plan.peaks,
        dropout=plan.dropout,
        ns=ns,
        reps=plan.reps if reps is None else reps,
        seed=plan.seed if seed is None else seed,
        analysis=plan.analysis,
        outcome=plan.outcome,
        week=plan.week,
        level=1.0 - plan.alpha,
        executor=executor,
        chunk_reps=chunk_reps,
        progress=progress,
    )


def power(
    idea: str,
    n_per_arm: int,
    comparator: str | None = None,
    analysis: str = "ancova",
    outcome: str = "pain",
    week: float = 12,
    effect: float | None = None,
    dropout: float | None = None,
    reps: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    executor: Any = None,
    *,
    weeks: Sequence[float] | None = None,
    evidence: Any = None,
    compare: Callable[..., Any] | None = None,
    chunk_reps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PowerResult:
    """Power of a two-arm trial of an idea, by simulating ``reps`` trials.

    Parameters
    ----------
    idea : str
        The idea (or code) tested, e.g. ``"orthotics"``.
    n_per_arm : int
        Participants randomised to each arm.
    comparator : str, optional
        The control arm's code (default: the idea's usual control in the
        simulator, e.g. flat inserts for orthotics, placebo for glucosamine).
    analysis : {"ancova", "ttest", "mmrm", "responders", "logrank", "cox"}
        The primary analysis (see :mod:`kneestudy.design.batch`).
    outcome : {"pain", "akps", "recovered"}
        Outcome of the analysis (``recovered`` for responders only; the
        survival analyses use time to pain-free, pain ≤ 1).
    week : float
        Analysis week; for time to pain-free, the end of follow-up.
    effect : float, optional
        The true difference in mean pain (0–10, treatment − comparator,
        negative = less pain) at ``week``; ``0`` gives the type-I error. None
        takes it from the evidence base, else from the simulator's parameters
        (:mod:`kneestudy.design.effect`); the result says which.
    dropout : float, optional
        Per-visit dropout probability at pain 5 (default: the simulator's).
    reps : int
        Simulated trials.
    seed : int
        The same seed gives the same numbers on any executor.
    alpha : float
        Two-sided significance level; intervals are at ``1 - alpha``.
    executor : None, "serial", int, "dask://HOST:PORT" or Executor
        Where chunks run (:mod:`kneestudy.design.executors`).
    weeks : sequence of float, optional
        Visit weeks (default: the simulator's visits up to ``week``).
    evidence, compare : optional
        The evidence study and comparison function for ``effect=None``
        (:func:`kneestudy.design.effect.from_evidence`).
    chunk_reps : int, optional
        Trials per chunk (default: about 100,000 participants a chunk, 30,000 for
        the MMRM; fixed by reps and n, never by the executor).
    progress : callable, optional
        ``progress(chunks_done, chunks_total)``.

    Returns
    -------
    PowerResult

    Examples
    --------
    >>> import kneestudy as ks
    >>> res = ks.design.power("orthotics", 60, effect=-1.0, reps=200, executor="serial")
    >>> 0 <= res.power <= 1
    True
    """
    n = _whole("n_per_arm", n_per_arm, 2)
    plan = _prepare(idea, comparator, analysis, outcome, week, effect, dropout, reps, seed,
                    alpha, weeks, evidence, compare)  # fmt: skip
    stats, facts = _run(plan, [n], executor, chunk_reps, progress)
    s = stats[n]
    m = summarise(s, plan.truth, plan.alpha, plan.benefit)
    replicates = pd.DataFrame(
        {
            "replicate": np.arange(plan.reps),
            "estimate": s["estimate"],
            "se": s["se"],
            "ci_low": s["ci_low"],
            "ci_high": s["ci_high"],
            "p_value": s["p_value"],
            "reject": s["ok"] & (s["p_value"] < plan.alpha),
            "ok": s["ok"],
            "n_analysed": s["n_analysed"],
        }
    )
    common = plan.common()
    e = plan.effect
    return PowerResult(
        **common,
        n_per_arm=n,
        **m,
        estimand=plan.estimand,
        true_value=plan.truth,
        true_value_se=plan.truth_se,
        truth_source=plan.truth_source,
        executor=facts["executor"],
        n_chunks=facts["n_chunks"],
        chunk_reps=facts["chunk_reps"],
        effect_ci_low=e.ci_low,
        effect_ci_high=e.ci_high,
        effect_certainty=e.certainty,
        weeks=plan.weeks,
        replicates=replicates,
    )


def _curve_table(plan: _Plan, stats: dict) -> pd.DataFrame:
    rows = []
    for n in sorted(stats):
        rows.append(
            {"n_per_arm": int(n), **summarise(stats[n], plan.truth, plan.alpha, plan.benefit)}
        )
    return pd.DataFrame(rows)


def power_curve(
    idea: str,
    n_per_arm: Sequence[int],
    comparator: str | None = None,
    analysis: str = "ancova",
    outcome: str = "pain",
    week: float = 12,
    effect: float | None = None,
    dropout: float | None = None,
    reps: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    executor: Any = None,
    *,
    weeks: Sequence[float] | None = None,
    evidence: Any = None,
    compare: Callable[..., Any] | None = None,
    chunk_reps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PowerCurveResult:
    """Power over a grid of sample sizes, with common random numbers across n.

    The trials are simulated once at the largest n; the trial of a smaller n
    is the first n participants of each arm of the same trial, so differences
    between sample sizes are not blurred by new random draws. Parameters are
    those of :func:`power`; ``n_per_arm`` is the grid. Plot with
    :func:`kneestudy.plots.power_curve`.

    Examples
    --------
    >>> import kneestudy as ks
    >>> curve = ks.design.power_curve("orthotics", [30, 60], effect=-1.0, reps=100,
    ...                               executor="serial")
    >>> list(curve.table["n_per_arm"])
    [30, 60]
    """
    if isinstance(n_per_arm, (str, bytes)) or not isinstance(n_per_arm, Sequence | np.ndarray):
        raise AnalysisError(f"n_per_arm must be a list of sample sizes, got {n_per_arm!r}")
    ns = sorted({_whole("n_per_arm", int(v) if isinstance(v, np.integer) else v, 2)
                 for v in n_per_arm})  # fmt: skip
    if not ns:
        raise AnalysisError("n_per_arm must name at least one sample size")
    plan = _prepare(idea, comparator, analysis, outcome, week, effect, dropout, reps, seed,
                    alpha, weeks, evidence, compare)  # fmt: skip
    stats, facts = _run(plan, ns, executor, chunk_reps, progress)
    common = plan.common()
    return PowerCurveResult(
        **{k: v for k, v in common.items()},
        estimand=plan.estimand,
        true_value=plan.truth,
        truth_source=plan.truth_source,
        executor=facts["executor"],
        table=_curve_table(plan, stats),
    )


def _crossing(points: dict[int, float], target: float, n_min: int) -> tuple[int, int | None]:
    """(last n below target, first evaluated n above it) of a noisy increasing function."""
    below = [n for n, v in points.items() if v < target]
    a = max(below) if below else n_min - 1
    above = [n for n in points if n > a]
    return a, (min(above) if above else None)


def sample_size(
    idea: str,
    target: float = 0.9,
    comparator: str | None = None,
    analysis: str = "ancova",
    outcome: str = "pain",
    week: float = 12,
    effect: float | None = None,
    dropout: float | None = None,
    reps: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    executor: Any = None,
    *,
    n_min: int = 5,
    n_max: int = 2000,
    weeks: Sequence[float] | None = None,
    evidence: Any = None,
    compare: Callable[..., Any] | None = None,
    chunk_reps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SampleSizeResult:
    """The smallest n per arm whose simulated power reaches ``target``.

    1. A pilot of ``min(reps, 200)`` trials doubles n from ``n_min`` until
       the target is reached, giving an upper bracket ``n_top`` (with a 25%
       margin, at most ``n_max``).
    2. All ``reps`` trials are simulated at ``n_top`` with the seeds of
       ``seed``; a smaller n analyses the first n participants of each arm of
       the same trials (common random numbers), so power is a smooth,
       practically monotone function of n.
    3. Bisection (eight points per pass between the brackets) narrows three
       crossings of ``target`` on the same trials: of the power estimate (the
       answer), and of the upper and lower 95% Monte Carlo limits of power
       (``n_ci_low`` and ``n_ci_high``: the range of n consistent with the
       Monte Carlo error). A crossing is the n after the largest evaluated n
       still below target, which is robust to small non-monotonicities.

    Every pass simulates the same trials again (the seeds fix them), so the
    result is the same on any executor. Other parameters are those of
    :func:`power`.

    Examples
    --------
    >>> import kneestudy as ks
    >>> res = ks.design.sample_size("orthotics", target=0.8, effect=-1.0, reps=100,
    ...                             executor="serial")  # doctest: +SKIP
    >>> res.n_per_arm  # doctest: +SKIP
    """
    if not (isinstance(target, numbers.Real) and 0 < target < 1):
        raise AnalysisError(f"target power must be in (0, 1), got {target!r}")
    n_min = _whole("n_min", n_min, 2)
    n_max = _whole("n_max", n_max, n_min)
    plan = _prepare(idea, comparator, analysis, outcome, week, effect, dropout, reps, seed,
                    alpha, weeks, evidence, compare)  # fmt: skip
    if plan.truth == 0.0:
        raise AnalysisError("the planning effect is nil: no sample size reaches the target power")
    # 1. pilot: double n until the target is reached
    pilot_reps = min(plan.reps, 200)
    n = n_min
    hit = None
    while True:
        stats, _ = _run(plan, [n], executor, chunk_reps, None, reps=pilot_reps)
        if summarise(stats[n], plan.truth, plan.alpha, plan.benefit)["power"] >= target:
            hit = n
            break
        if n >= n_max:
            break
        n = min(n_max, 2 * n)
    if hit is None:
        raise AnalysisError(
            f"power stays below {target:g} up to n_max = {n_max} per arm (pilot of {pilot_reps} "
            "trials); raise n_max or check the planning effect"
        )
    n_top = min(n_max, max(n_min + 1, math.ceil(1.25 * hit)))
    # 2-3. bisection on common random numbers
    measures: dict[int, dict] = {}
    facts: dict = {}
    todo = {n_min, n_top, max(n_min, hit // 2), hit}
    total_passes = 0
    while todo:
        total_passes += 1
        stats, facts = _run(plan, sorted(todo | {n_top}), executor, chunk_reps, progress)
        for k, s in stats.items():
            measures[k] = summarise(s, plan.truth, plan.alpha, plan.benefit)
        todo = set()
        if measures[n_top]["power_ci_low"] < target and n_top < n_max:
            n_top = min(n_max, math.ceil(1.5 * n_top))  # the bracket was too tight
            todo = {n_top}
            measures.clear()
            continue
        for key in ("power", "power_ci_low", "power_ci_high"):
            a, b = _crossing({k: m[key] for k, m in measures.items()}, target, n_min)
            if b is not None and b - a > 1:
                grid = np.unique(np.round(np.linspace(a, b, 10)[1:-1]).astype(int))
                todo |= {int(g) for g in grid if g not in measures and g >= n_min}
        if total_passes > 40:  # pragma: no cover - guards a non-terminating search
            break

    def answer(key: str) -> int:
        a, b = _crossing({k: m[key] for k, m in measures.items()}, target, n_min)
        return int(b) if b is not None else n_max

    n_star = answer("power")
    m = measures[n_star]
    curve = pd.DataFrame([{"n_per_arm": k, **measures[k]} for k in sorted(measures)])
    common = plan.common()
    return SampleSizeResult(
        **{k: v for k, v in common.items()},
        target=float(target),
        n_per_arm=n_star,
        n_total=2 * n_star,
        power=m["power"],
        power_ci_low=m["power_ci_low"],
        power_ci_high=m["power_ci_high"],
        n_ci_low=answer("power_ci_high"),
        n_ci_high=answer("power_ci_low"),
        executor=facts.get("executor", ""),
        curve=curve,
    )
