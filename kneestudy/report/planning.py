"""The planning section of a study's report: how many runners the next trial needs.

For the idea (or ideas) chosen, :func:`kneestudy.design.planning` simulates
the primary analysis of a new two-arm trial over a grid of sample sizes at
the idea's pooled pain difference in the study's comparison of ideas — and,
when its confidence interval excludes no effect, at the limit nearest no
effect, because a pooled point estimate is an optimistic basis for a sample
size. The section shows where the effect came from and how sure we are of
it (the comparison's certainty), the power curve
(:func:`kneestudy.plots.power_curve`), the power at each size with its exact
Monte Carlo interval, and the participants per arm for 80% and 90% power
with their Monte Carlo uncertainty.

The report keeps run time in check: ``reps`` (default 200) simulated trials
per size and a serial executor (the numbers are the same on any executor).
The section says so; for a protocol, rerun :func:`kneestudy.design.planning`
or :func:`kneestudy.design.sample_size` with thousands of trials.

Sample sizes for a target power are read off the curve (the trials of the
smaller sizes are the first participants of the same simulated trials, so
the curve is smooth): linear interpolation between the two simulated sizes
whose power brackets the target; the Monte Carlo range is the same reading
of the upper and lower exact 95% limits of power (the range of sizes
consistent with the simulation error).

References
----------
Morris TP, White IR, Crowther MJ. Using simulation studies to evaluate
statistical methods. Stat Med 2019;38:2074–102. Landau S, Stahl D. Stat
Methods Med Res 2013;22:324–45.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.report import format as fmt
from kneestudy.report.cohort import warning_bullets
from kneestudy.report.content import (
    Column,
    Facts,
    Figure,
    Heading,
    NotApplicable,
    Paragraph,
    Problem,
    Section,
    Table,
    slug,
)
from kneestudy.report.settings import Settings

__all__ = ["REPORT_GRID", "PlanningOptions", "n_for_power", "planning_options", "planning_section"]

#: Sample sizes per arm the report simulates.
REPORT_GRID: tuple[int, ...] = (10, 20, 30, 40, 50, 60, 80, 100, 125, 150, 200, 250, 300)


@dataclass(frozen=True)
class PlanningOptions:
    """What the planning section of a report plans.

    Attributes
    ----------
    ideas : tuple of str, optional
        The ideas of the next trial. None: the idea whose pooled pain
        difference shows the largest benefit in the study's comparison
        (``max_ideas`` of them, largest first); the section names the others.
    max_ideas : int
        How many ideas to plan when ``ideas`` is None.
    n_per_arm : tuple of int
        Grid of sample sizes per arm.
    reps, seed, alpha : simulation settings (:func:`kneestudy.design.planning`).
    analysis, week : optional
        The primary analysis and its week (default: the study's cohorts'
        primary endpoint, :func:`kneestudy.design.planning.primary_analysis`).
    executor : any
        Where the simulations run (default "serial").
    """

    ideas: tuple[str, ...] | None = None
    max_ideas: int = 1
    n_per_arm: tuple[int, ...] = REPORT_GRID
    reps: int = 200
    seed: int = 0
    alpha: float = 0.05
    analysis: str | None = None
    week: float | None = None
    executor: Any = field(default="serial", compare=False)


def planning_options(value: Any) -> PlanningOptions | None:
    """The ``planning=`` argument of the report functions as :class:`PlanningOptions`.

    None or False: no planning section; True: the defaults; an idea code or
    a sequence of them; a mapping of options; or PlanningOptions itself.
    """
    if value is None or value is False:
        return None
    if value is True:
        return PlanningOptions()
    if isinstance(value, PlanningOptions):
        return value
    if isinstance(value, str):
        return PlanningOptions(ideas=(value,))
    if isinstance(value, Mapping):
        opts = dict(value)
        if "ideas" in opts and isinstance(opts["ideas"], str):
            opts["ideas"] = (opts["ideas"],)
        try:
            return PlanningOptions(**opts)
        except TypeError as exc:
            raise ValueError(f"planning options: {exc}") from None
    if isinstance(value, Sequence):
        return PlanningOptions(ideas=tuple(str(v) for v in value))
    raise ValueError(
        f"planning must be None, True, an idea, a list of ideas, a mapping or PlanningOptions; "
        f"got {value!r}"
    )


def n_for_power(table: pd.DataFrame, target: float) -> tuple[float, float, float]:
    """(n per arm, low, high) for ``target`` power read off a simulated curve (module notes).

    ``n`` interpolates the power estimate, ``low`` and ``high`` the upper and
    lower exact Monte Carlo limits; each is the smallest whole number of
    participants at or above the interpolated crossing. NaN where the grid
    does not reach the target (the first size when it already does there).
    """
    t = table.sort_values("n_per_arm")
    n = t["n_per_arm"].to_numpy(float)

    def cross(p: np.ndarray) -> float:
        above = np.flatnonzero(p >= target)
        if not above.size:
            return math.nan
        # the first size after the last one still below the target (robust to MC wiggles)
        below = np.flatnonzero(p < target)
        j = int(below.max()) + 1 if below.size else 0
        if j >= len(n):
            return math.nan
        if j == 0:
            return float(n[0])
        n0, n1, p0, p1 = n[j - 1], n[j], p[j - 1], p[j]
        at = n0 + (target - p0) * (n1 - n0) / (p1 - p0) if p1 > p0 else n1
        return float(math.ceil(at - 1e-9))

    return (cross(t["power"].to_numpy(float)), cross(t["power_ci_high"].to_numpy(float)),
            cross(t["power_ci_low"].to_numpy(float)))  # fmt: skip


def _choose(study: Any, week: float, opts: PlanningOptions) -> tuple[list[str], str, Any]:
    """Ideas to plan, the sentence on the others, and the comparison they come from (or the
    AnalysisError saying why there is none)."""
    from kneestudy.compare import compare_ideas
    from kneestudy.design.effect import window_of
    from kneestudy.plots.labels import intervention_label

    window = window_of(week)
    try:
        cmp = compare_ideas(study, outcome="pain", window=window, model="additive")
    except AnalysisError as exc:
        return list(opts.ideas or ()), "", exc
    if opts.ideas is not None:
        return list(opts.ideas), "", cmp
    t = cmp.table.dropna(subset=["estimate"])
    benefit = t[t["estimate"] < 0].sort_values("estimate")
    chosen = list(benefit["idea"].head(opts.max_ideas))
    rest = benefit.iloc[opts.max_ideas :]
    others = []
    if len(rest):
        others.append("Other ideas whose pooled pain difference points to a benefit: " + "; ".join(
            f"{intervention_label(r.idea)} {fmt.number(r.estimate, 2)}"
            for r in rest.itertuples(index=False)
        ) + ".")  # fmt: skip
    harm = t[t["estimate"] >= 0]
    if len(harm):
        others.append("Not planned, the pooled estimate pointing to no benefit: " + ", ".join(
            intervention_label(i) for i in harm["idea"]) + ".")  # fmt: skip
    none = cmp.table.loc[cmp.table["estimate"].isna(), "idea"]
    if len(none):
        others.append("No pooled pain estimate: " + ", ".join(
            intervention_label(i) for i in none) + ".")  # fmt: skip
    return chosen, " ".join(others), cmp


#: Power from which larger sample sizes are no longer shown (every curve has reached it).
SATURATED = 0.99


def _shown_sizes(plan: Any) -> list[int]:
    """Sizes of the grid up to the first at which every curve's power reaches SATURATED."""
    curves = [plan.curve.table] + ([plan.conservative.table] if plan.conservative else [])
    sizes = sorted(int(n) for n in plan.curve.table["n_per_arm"])
    for n in sizes:
        if all(float(t.loc[t["n_per_arm"] == n, "power"].iloc[0]) >= SATURATED for t in curves):
            return [m for m in sizes if m <= n]
    return sizes


def _trimmed(plan: Any) -> Any:
    """The plan with its curves cut at the sizes shown (for the plot)."""
    keep = _shown_sizes(plan)

    def cut(curve: Any) -> Any:
        return replace(curve, table=curve.table[curve.table["n_per_arm"].isin(keep)])

    return replace(plan, curve=cut(plan.curve),
                   conservative=cut(plan.conservative) if plan.conservative else None)  # fmt: skip


def _curve_frame(plan: Any) -> pd.DataFrame:
    t = plan.curve.table[["n_per_arm", "power", "power_ci_low", "power_ci_high"]].copy()
    if plan.conservative is not None:
        k = plan.conservative.table.set_index("n_per_arm")
        for c in ("power", "power_ci_low", "power_ci_high"):
            t[f"cons_{c}"] = t["n_per_arm"].map(k[c])
    return t[t["n_per_arm"].isin(_shown_sizes(plan))].reset_index(drop=True)


def _needed_frame(plan: Any) -> pd.DataFrame:
    rows = []
    for target in (0.8, 0.9):
        row: dict[str, Any] = {"target": f"{target:.0%}"}
        row["n"], row["n_low"], row["n_high"] = n_for_power(plan.curve.table, target)
        if plan.conservative is not None:
            row["cons_n"], row["cons_n_low"], row["cons_n_high"] = n_for_power(
                plan.conservative.table, target
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _n_words(n: float, lo: float, hi: float, top: int) -> str:
    if not math.isfinite(n):
        return f"more than {top} per arm (beyond the simulated sizes)"
    rng = (f"Monte Carlo range {fmt.count(lo)} to "
           + (fmt.count(hi) if math.isfinite(hi) else f"more than {top}"))  # fmt: skip
    return f"about {fmt.count(n)} per arm ({rng})"


def _idea_blocks(study: Any, idea: str, opts: PlanningOptions, cmp: Any, settings: Settings,
                 synthetic: bool) -> list[Any]:  # fmt: skip
    from kneestudy import design, plots
    from kneestudy.plots.labels import intervention_label

    label = intervention_label(idea)
    out: list[Any] = [Heading(f"A trial of {label}", f"planning-{slug(idea)}")]
    compare = (lambda *a, **k: cmp) if cmp is not None else None
    try:
        plan = design.planning(study, idea, analysis=opts.analysis, week=opts.week,
                               n_per_arm=opts.n_per_arm, reps=opts.reps, seed=opts.seed,
                               alpha=opts.alpha, executor=opts.executor, compare=compare)  # fmt: skip
    except AnalysisError as exc:
        return out + [Problem(f"The planning curve of {label}", str(exc))]
    c = plan.curve
    top = int(max(opts.n_per_arm))
    n80, n90 = (n_for_power(c.table, t) for t in (0.8, 0.9))
    out.append(
        Paragraph(
            f"At the pooled pain difference of {label}, a two-arm trial against "
            f"{intervention_label(c.comparator)} analysed by {c.method.split(' (')[0]} at week "
            f"{plan.week:g} needs {_n_words(*n80, top)} for 80% power and "
            f"{_n_words(*n90, top)} for 90% (two-sided alpha {opts.alpha:g}).",
            "lead",
        )
    )
    out.append(
        Facts(
            (
                (
                    "Planning effect",
                    f"{fmt.number(c.effect, 2)} points of pain (0–10) at week "
                    f"{plan.week:g}, {label} − {intervention_label(c.comparator)}",
                ),
                (
                    "Where it comes from",
                    c.effect_detail
                    + (
                        " (rests in part on assumptions)"
                        if c.effect_assumption and "assumed" not in c.effect_detail
                        else ""
                    ),
                ),
                (
                    "Pooled estimate",
                    f"{fmt.estimate_ci(plan.pooled_estimate, plan.pooled_ci_low, plan.pooled_ci_high, 2)}"
                    + (
                        f" at week {plan.evidence_week:g}"
                        if math.isfinite(plan.evidence_week)
                        else ""
                    ),
                ),
                (
                    "How sure we are",
                    f"certainty {plan.certainty or 'not rated'} (GRADE, from "
                    "the comparison of the ideas)",
                ),
                ("Analysis", c.method),
                ("Dropout", f"{fmt.number(c.dropout, 3)} per visit at pain 5 (the simulator's)"),
                (
                    "Simulation",
                    f"{c.reps} trials per size, seed {c.seed}; trials of smaller sizes "
                    "are the first participants of the same trials",
                ),
            )
        )  # fmt: skip
    )
    out.append(Paragraph(plan.note))
    out.append(
        Figure(
            f"planning-{slug(idea)}-power-curve",
            f"Power of a new trial of {label} by participants per arm, at the pooled effect"
            + (" and at the confidence limit nearest no effect" if plan.conservative else "")
            + f": {c.reps} simulated trials per size, exact 95% Monte Carlo bands.",
            lambda ax: plots.power_curve(_trimmed(plan), ax),
            (6.8, 4.0),
            alt=f"power curve of a trial of {label}",
            margins={"left": 0.12, "bottom": 0.14, "right": 0.94},
        )
    )
    cons = plan.conservative is not None
    cols = [
        Column("target", "Power", style="text"),
        Column("n", "n per arm at the pooled effect", unit="Monte Carlo range", style="estimate_ci",
               digits=0, fields=("n", "n_low", "n_high")),
    ]  # fmt: skip
    if cons:
        cols.append(Column("cons_n", "n per arm at the CI limit", unit="Monte Carlo range",
                           style="estimate_ci", digits=0,
                           fields=("cons_n", "cons_n_low", "cons_n_high")))  # fmt: skip
    out.append(
        Table(
            f"planning-{slug(idea)}-sample-size",
            f"Participants per arm for 80% and 90% power in a new trial of {label}",
            _needed_frame(plan),
            tuple(cols),
            notes=(
                "Read off the simulated curve by linear interpolation between the two sizes "
                "whose power brackets the target; the range is the same reading of the exact "
                "95% Monte Carlo limits of power. – : not reached within "
                f"{top} per arm. Round up, and allow for dropout beyond the simulator's.",
            ),
        )
    )
    pcols = [
        Column("n_per_arm", "Participants per arm", style="count"),
        Column("power", "Power at the pooled effect", unit="Monte Carlo 95% CI", style="estimate_ci",
               fields=("power", "power_ci_low", "power_ci_high")),
    ]  # fmt: skip
    if cons:
        pcols.append(Column("cons_power", "Power at the CI limit", unit="Monte Carlo 95% CI",
                            style="estimate_ci",
                            fields=("cons_power", "cons_power_ci_low", "cons_power_ci_high")))  # fmt: skip
    out.append(
        Table(
            f"planning-{slug(idea)}-power",
            f"Simulated power of a new trial of {label} by participants per arm",
            _curve_frame(plan),
            tuple(pcols),
            notes=(
                f"Share of {c.reps} simulated trials with p < {opts.alpha:g} (two-sided), "
                "with its exact (Clopper–Pearson) 95% interval."
                + (
                    ""
                    if len(_shown_sizes(plan)) == len(c.table)
                    else f" Larger sizes simulated (up to {top} per arm) have power ≥ "
                    f"{SATURATED:g} and are not shown."
                ),
            ),
        )
    )
    settings.used.setdefault("planning", []).append(
        {"idea": idea, "reps": c.reps, "seed": c.seed, "grid": tuple(opts.n_per_arm)}
    )
    return out


def planning_section(study: Any, settings: Settings, options: Any = True) -> Section | None:
    """The report section "Planning the next trial" (None when ``options`` is None/False)."""
    from kneestudy.design.planning import primary_analysis

    opts = planning_options(options)
    if opts is None:
        return None
    synthetic = any(c.is_synthetic for c in study.cohorts)
    _, _, w0 = primary_analysis(study)
    week = float(opts.week if opts.week is not None else w0)
    opts = replace(opts, week=week)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ideas, others, cmp = _choose(study, week, opts)
        blocks = _blocks(study, ideas, others, cmp, opts, settings, synthetic)
    notes = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    return Section("planning", "Planning the next trial",
                   tuple([*blocks, *warning_bullets(notes)]), synthetic=synthetic,
                   kind="planning")  # fmt: skip


def _blocks(study: Any, ideas: list[str], others: str, cmp: Any, opts: PlanningOptions,
            settings: Settings, synthetic: bool) -> list[Any]:  # fmt: skip
    blocks: list[Any] = [
        Paragraph(
            "How many runners would the next trial need? Power by simulation of the primary "
            "analysis of a new two-arm trial, at the pooled pain difference of the idea in this "
            f"study's comparison. The report simulates {opts.reps} trials per size to keep its "
            "run time short: Monte Carlo error is shown, and a protocol should rerun "
            "ks.design.sample_size with thousands of trials.",
        )
    ]
    if synthetic:
        blocks.append(
            Paragraph(
                "The comparison includes simulated cohorts: these sample sizes show how the "
                "planning works and must not be used to plan a real trial.",
                "warning",
            )
        )
    if isinstance(cmp, AnalysisError):
        return blocks + [Problem("The comparison of the ideas the planning effect comes from",
                                 str(cmp))]  # fmt: skip
    if not ideas:
        blocks.append(
            NotApplicable(
                "a planning curve",
                "no idea has a pooled pain difference pointing to a benefit to plan for",
                scope="this comparison",
            )  # fmt: skip
        )
    for idea in ideas:
        blocks.extend(_idea_blocks(study, idea, opts, cmp, settings, synthetic))
    if others:
        blocks.append(Paragraph(others, "muted"))
    return blocks
