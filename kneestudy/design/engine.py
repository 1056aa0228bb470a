"""The simulation engine: chunks of replicates, their seeds, and what each returns.

A run of ``reps`` replicates is cut into chunks of ``chunk_reps`` trials (a
number fixed by ``reps``, the sample size and the analysis, never by the
executor). Chunk ``i`` draws one large cohort with the seed of the ``i``-th
child of ``numpy.random.SeedSequence(seed)``, deals it out into trials
(:mod:`kneestudy.design._trials`) and analyses them all at once with the
vectorised estimators. The same seed therefore gives the same numbers on any
executor and any number of workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kneestudy.design import batch, batch_mmrm
from kneestudy.design import batch_survival as bsurv
from kneestudy.design._trials import simulate_trials, trial_cohort
from kneestudy.design.executors import executor_for, run_tasks
from kneestudy.errors import AnalysisError

__all__ = [
    "ANALYSES",
    "OUTCOMES",
    "ChunkSpec",
    "check_analysis",
    "chunk_seeds",
    "plan_chunks",
    "run",
    "run_chunk",
]

#: analysis -> outcomes it accepts.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "ancova": ("pain", "akps"),
    "ttest": ("pain", "akps"),
    "mmrm": ("pain", "akps"),
    "responders": ("pain", "akps", "recovered"),
    "logrank": ("pain_free",),
    "cox": ("pain_free",),
}
ANALYSES: tuple[str, ...] = tuple(OUTCOMES)

#: Participants simulated per chunk (a chunk is one task of the executor).
CHUNK_PARTICIPANTS = {"mmrm": 30_000}
DEFAULT_CHUNK_PARTICIPANTS = 100_000

#: Pain-free means pain <= this (kneestudy.survival.time_to_pain_free's default).
PAIN_FREE_THRESHOLD = 1.0


def check_analysis(analysis: str, outcome: str) -> str:
    """Validate the pair; ``"pain"`` is accepted for the survival analyses."""
    if analysis not in OUTCOMES:
        raise AnalysisError(f"unknown analysis {analysis!r}; expected one of {list(ANALYSES)}")
    if analysis in ("logrank", "cox") and outcome == "pain":
        outcome = "pain_free"
    if outcome not in OUTCOMES[analysis]:
        raise AnalysisError(
            f"analysis {analysis!r} takes outcome {list(OUTCOMES[analysis])}, got {outcome!r}"
        )
    return outcome


@dataclass(frozen=True)
class ChunkSpec:
    """Everything one chunk needs (small and picklable, for any executor)."""

    idea: str
    comparator: str | None
    weeks: tuple[float, ...]
    peaks: tuple[tuple[str, float], ...]
    dropout: float | None
    n_max: int
    ns: tuple[int, ...]
    reps: int
    seed: int
    analysis: str
    outcome: str
    week: float
    level: float


def chunk_seeds(seed: int, n_chunks: int) -> list[int]:
    """One 64-bit seed per chunk from ``SeedSequence(seed).spawn(n_chunks)``."""
    children = np.random.SeedSequence(int(seed)).spawn(n_chunks)
    return [int(c.generate_state(1, dtype=np.uint64)[0]) for c in children]


def plan_chunks(reps: int, n_max: int, analysis: str, chunk_reps: int | None) -> list[int]:
    """Trials per chunk, fixed by ``reps``, ``n_max`` and the analysis."""
    if chunk_reps is None:
        per = CHUNK_PARTICIPANTS.get(analysis, DEFAULT_CHUNK_PARTICIPANTS)
        chunk_reps = max(1, min(reps, per // (2 * n_max)))
    elif isinstance(chunk_reps, bool) or int(chunk_reps) != chunk_reps or chunk_reps < 1:
        raise AnalysisError(f"chunk_reps must be a whole number >= 1, got {chunk_reps!r}")
    chunk_reps = int(chunk_reps)
    n_chunks = math.ceil(reps / chunk_reps)
    sizes = [chunk_reps] * n_chunks
    sizes[-1] = reps - chunk_reps * (n_chunks - 1)
    return sizes


def _analyse(spec: ChunkSpec, arr, big) -> dict[str, np.ndarray]:
    level, week = spec.level, spec.week
    a = spec.analysis
    if a in ("logrank", "cox"):
        ev, ce, na = bsurv.pain_free_counts(
            arr.pain, arr.weeks, arr.withdrawal, PAIN_FREE_THRESHOLD
        )
        res = (bsurv.logrank if a == "logrank" else bsurv.cox)(ev, ce, na, level)
    elif a == "responders":
        col = "grc" if spec.outcome == "recovered" else spec.outcome
        events = batch.responder_events(arr.outcome(col), arr.weeks, week, spec.outcome)
        res = batch.responders(events, level)
    elif a == "mmrm":
        res = batch_mmrm.fit(arr.outcome(spec.outcome), arr.weeks, week, level)
        res = _refit_mmrm(res, spec, arr, big)
    else:
        fn = batch.ancova if a == "ancova" else batch.ttest
        res = fn(arr.outcome(spec.outcome), arr.weeks, week, level)
    return {
        "estimate": res.estimate,
        "se": res.se,
        "ci_low": res.ci_low,
        "ci_high": res.ci_high,
        "p_value": res.p_value,
        "n_analysed": res.n_analysed,
        "ok": res.ok,
    }


def _refit_mmrm(res, spec: ChunkSpec, arr, big):
    """Refit with :func:`kneestudy.effects.mmrm` the estimable trials the batch did not fit."""
    import warnings

    from kneestudy.effects import mmrm

    redo = np.flatnonzero(~res.ok)
    if redo.size == 0:
        return res
    est, se, lo, hi, p, ok = (x.copy() for x in (res.estimate, res.se, res.ci_low, res.ci_high,
                                                  res.p_value, res.ok))  # fmt: skip
    for r in redo:
        cohort = trial_cohort(big, arr.treatment, arr.comparator, arr.n, int(r), spec.n_max)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                fit = mmrm(cohort, spec.outcome, level=spec.level)
            if not fit.converged:
                continue
            e = fit.at_week(spec.week)
        except AnalysisError:
            continue
        est[r], se[r], lo[r], hi[r], p[r], ok[r] = (
            e.estimate,
            e.se,
            e.ci_low,
            e.ci_high,
            e.p_value,
            True,
        )
    return batch.BatchEstimates(est, se, lo, hi, p, res.n_analysed, ok)


def run_chunk(spec: ChunkSpec) -> dict[int, dict[str, np.ndarray]]:
    """Simulate and analyse one chunk: ``{n: {statistic: array over trials}}``."""
    arr, big = simulate_trials(
        spec.idea,
        spec.n_max,
        spec.reps,
        spec.seed,
        comparator=spec.comparator,
        weeks=spec.weeks,
        peaks=dict(spec.peaks),
        dropout=spec.dropout,
    )
    return {n: _analyse(spec, arr if n == spec.n_max else arr.first(n), big) for n in spec.ns}


def run(
    *,
    idea: str,
    comparator: str | None,
    weeks: Sequence[float],
    peaks: dict[str, float],
    dropout: float | None,
    ns: Sequence[int],
    reps: int,
    seed: int,
    analysis: str,
    outcome: str,
    week: float,
    level: float,
    executor: Any = None,
    chunk_reps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[int, dict[str, np.ndarray]], dict[str, Any]]:
    """Run every chunk; per n the statistics of all ``reps`` trials, and run facts."""
    ns = tuple(sorted({int(n) for n in ns}))
    n_max = ns[-1]
    sizes = plan_chunks(reps, n_max, analysis, chunk_reps)
    seeds = chunk_seeds(seed, len(sizes))
    specs = [
        ChunkSpec(
            idea=idea,
            comparator=comparator,
            weeks=tuple(float(w) for w in weeks),
            peaks=tuple(sorted((k, float(v)) for k, v in peaks.items())),
            dropout=dropout,
            n_max=n_max,
            ns=ns,
            reps=size,
            seed=s,
            analysis=analysis,
            outcome=outcome,
            week=float(week),
            level=float(level),
        )
        for size, s in zip(sizes, seeds, strict=True)
    ]
    with executor_for(executor, len(specs)) as (ex, label):
        parts = run_tasks(ex, run_chunk, specs, progress)
    merged = {
        n: {k: np.concatenate([part[n][k] for part in parts]) for k in parts[0][n]} for n in ns
    }
    facts = {"executor": label, "n_chunks": len(sizes), "chunk_reps": sizes[0]}
    return merged, facts
