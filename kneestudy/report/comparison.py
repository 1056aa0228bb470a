"""The report's comparison of the eight ideas: every outcome and window with evidence.

:func:`run_comparisons` fits :func:`kneestudy.compare_ideas` (the additive
component network meta-analysis) for each outcome and window of :data:`PLAN`
— pain, AKPS and recovery up to 3 months, over 3 and under 12 months, and 12
months or longer — the outcome asked for first. :func:`comparison_blocks`
is the report section: an overview of what was compared, one line naming the
outcomes and windows without a usable row, and for each of the others
(:func:`outcome_blocks`) the per-idea table, the summary of findings, the
component forest plot, the network of combinations, the certainty by domain,
heterogeneity and incoherence (τ², I², Q, additivity, design-by-treatment,
node splitting), the sensitivity analyses, the rows used and set aside with
their reasons, and what was fitted (``IdeasComparison.methods``).

:func:`comparison_applies` decides whether a study holds enough evidence to
compare the ideas at all (at least two sources: trials with two or more arms,
or published studies); a single trial is reported as itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kneestudy.report import comparison_tables as ct
from kneestudy.report.content import (
    LABELLED,
    Bullets,
    Column,
    Figure,
    Heading,
    Paragraph,
    Problem,
    Table,
)

__all__ = [
    "PLAN",
    "ComparisonRun",
    "comparison_applies",
    "comparison_blocks",
    "evidence_sources",
    "outcome_blocks",
    "run_comparisons",
    "summary_of_findings",
]

#: The outcomes and windows a report compares the ideas on, in reading order.
PLAN: tuple[tuple[str, str], ...] = (
    ("pain", "short"), ("akps", "short"), ("recovered", "short"),
    ("pain", "medium"), ("akps", "medium"), ("recovered", "medium"),
    ("pain", "long"), ("akps", "long"), ("recovered", "long"),
)  # fmt: skip


@dataclass(frozen=True)
class ComparisonRun:
    """One outcome and window of the comparison: the result, or why there is none.

    Attributes
    ----------
    outcome, window : str
        As given to :func:`kneestudy.compare_ideas` (``window`` a name).
    result : IdeasComparison or None
    error : str
        Why the comparison could not be fitted (an AnalysisError's message).
    warnings : tuple of str
        Warnings the fit gave (shown under the section).
    week : float or None
        The target week asked for (``week=`` of the report), when one was.
    sof, sensitivity : DataFrame or None
        ``result.summary_of_findings()`` and ``result.sensitivity()``, computed
        with the fit (their warnings are in ``warnings``).
    """

    outcome: str
    window: str
    result: Any = None
    error: str = ""
    warnings: tuple[str, ...] = ()
    week: float | None = None
    sof: Any = None
    sensitivity: Any = None

    @property
    def key(self) -> str:
        """Stable part of table and figure names: ``pain-short``."""
        return f"{self.outcome}-{self.window}"

    @property
    def usable(self) -> bool:
        """Fitted on at least one row of evidence."""
        return self.result is not None and int(self.result.n_rows_used) > 0

    @property
    def informative(self) -> bool:
        """Fitted, and at least one idea has an estimate."""
        return self.usable and bool((self.result.table["status"] == "estimated").any())

    @property
    def label(self) -> str:
        """ "Pain, up to 3 months" (also without a result)."""
        if self.result is not None:
            return ct.heading(self.result)
        from kneestudy.compare.windows import WINDOWS

        win = WINDOWS.get(self.window)
        name = ct.OUTCOME_NAMES.get(self.outcome, self.outcome)
        return f"{name}, {win.label}" if win is not None else name


def evidence_sources(study: Any) -> list[str]:
    """The sources of between-arm evidence: trials with ≥ 2 arms and published studies."""
    out = [c.cohort_id for c in study.cohorts if len(c.arms) >= 2]
    for frame in (study.contrasts, study.arm_summaries):
        if isinstance(frame, pd.DataFrame) and "study_id" in frame and len(frame):
            out.extend(str(s) for s in frame["study_id"].dropna().unique())
    return list(dict.fromkeys(out))


def comparison_applies(study: Any) -> tuple[bool, str]:
    """Whether the ideas can be compared, and if not, the one-line reason."""
    sources = evidence_sources(study)
    if len(sources) >= 2:
        return True, ""
    if not sources:
        return False, "the study holds no between-arm evidence (no trial with two arms and " \
            "no published contrast)"  # fmt: skip
    return False, (
        f"it needs evidence from at least two studies; this report holds one ({sources[0]}), "
        "whose own results are reported in full"
    )


def _fit(
    study: Any, outcome: str, window: str, week: float | None, full: bool = True
) -> ComparisonRun:
    from kneestudy.compare import compare_ideas
    from kneestudy.errors import AnalysisError

    sof = sens = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if week is not None:
                result = compare_ideas(study, outcome, week=float(week))
            else:
                result = compare_ideas(study, outcome, window)
            error = ""
            if result.n_rows_used > 0:
                sof = result.summary_of_findings()
                sens = result.sensitivity() if full or result.window.name == "short" else None
        except AnalysisError as exc:
            result, error = None, str(exc)
    said = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    name = result.window.name if result is not None else window
    return ComparisonRun(outcome, name, result, error, said, week, sof, sens)


def run_comparisons(
    study: Any,
    plan: Sequence[tuple[str, str]] = PLAN,
    *,
    outcome: str = "pain",
    week: float | None = None,
    full: bool = True,
) -> list[ComparisonRun]:
    """Fit the comparison for each outcome and window of ``plan``, ``outcome`` first.

    ``week`` (optional) sets the window of the first comparison (the window
    holding it, with it as target week); the other outcomes use the named
    windows. An outcome and window that cannot be fitted keep the reason.
    ``full=False`` re-fits the sensitivity analyses only up to 3 months (the
    primary time point of the field), as a report short of time does.
    """
    first = _fit(study, outcome, "short", week, full) if week is not None else None
    runs = [first] if first is not None else []
    if first is None:  # the outcome asked for, up to 3 months, first; then the plan's order
        first = _fit(study, outcome, "short", None, full)
        runs.append(first)
    for o, w in plan:
        if (o, w) != (first.outcome, first.window):
            runs.append(_fit(study, o, w, None, full))
    return runs


def summary_of_findings(run: Any, key: str = "summary-of-findings") -> Table:
    """The summary-of-findings table of a run (or an IdeasComparison) for the summary."""
    if isinstance(run, ComparisonRun):
        return ct.sof_table(run.result, key, run.sof)
    return ct.sof_table(run, key)


def overview_table(runs: Sequence[ComparisonRun]) -> Table:
    """One row per outcome and window: what the comparison holds and its heterogeneity."""
    rows = []
    for r in runs:
        c = r.result
        rec: dict[str, Any] = {"what": r.label, "anchor": f"#comparison-{r.key}"
                               if r.informative else None, "scale": "", "studies": float("nan"),
                               "used": float("nan"), "aside": float("nan"),
                               "estimated": "", "tau2": float("nan"), "i2": float("nan"),
                               "status": ""}  # fmt: skip
        if c is None:
            rec["status"] = f"not fitted: {r.error}"
        else:
            n_est = int((c.table["status"] == "estimated").sum())
            rec.update(scale=ct.scale_text(c), studies=float(c.n_studies),
                       used=float(c.n_rows_used), aside=float(c.n_rows_set_aside),
                       estimated=f"{n_est} of {len(c.table)}", tau2=c.tau2, i2=c.i2)  # fmt: skip
            if not r.usable:
                rec["status"] = "no usable row"
            elif not r.informative:
                rec["status"] = "no idea estimable"
        rows.append(rec)
    frame = pd.DataFrame(rows)
    cols = (
        Column("what", "Outcome and window", style="link", fields=("what", "anchor")),
        Column("scale", "Scale", style="text"),
        Column("studies", "Studies", style="count", fallback="status"),
        Column("used", "Rows used", style="count"),
        Column("aside", "Rows set aside", style="count"),
        Column("estimated", "Ideas with an estimate", style="text"),
        Column("tau2", "τ²", digits=3),
        Column("i2", "I²", "%", digits=0),
    )
    return Table(
        "comparison-overview",
        "What the comparison holds: each outcome and window, the evidence used and the "
        "heterogeneity of the network",
        frame,
        cols,
        notes=(
            "Windows: up to 3 months (weeks > 0 and ≤ 13), over 3 and under 12 months, 12 "
            "months or longer (Collins et al. 2018; Winters et al. 2021); each study gives one "
            "time point per comparison, the one nearest the window's target week.",
            "– : nothing to estimate (no usable row, or fewer than 2 degrees of freedom).",
        ),
    )


def _xlabel(cmp: Any) -> str:
    name = {"MD": "Mean difference", "SMD": "Standardised mean difference",
            "logOR": "Log odds ratio", "logHR": "Log hazard ratio"}.get(cmp.measure, cmp.measure)  # fmt: skip
    unit = f" ({cmp.scale})" if cmp.measure == "MD" else ""
    return f"{name}{unit} against inactive control"


def _figures(cmp: Any, key: str) -> list[Figure]:
    from kneestudy import plots
    from kneestudy.interventions import IDEAS
    from kneestudy.plots.components import forest_frame, network_frames, network_size

    out: list[Figure] = []
    fit = cmp.network
    if fit is not None and len(fit.components):
        frame = forest_frame(fit.components, list(IDEAS))
        n = len(frame)
        height = 1.3 + 0.42 * n
        out.append(
            Figure(
                f"comparison-{key}-components",
                f"Component effects, {ct.lower(ct.heading(cmp))}: each component of the additive "
                "model against inactive control, 95% CI (bar) and 95% prediction interval "
                "(dotted); the eight ideas in colour, other components (grey, italic) are what "
                "ideas were tested with. " + ct.direction(cmp, "the component"),
                lambda ax, f=frame, c=cmp: plots.component_forest(
                    f,
                    ax,
                    xlabel=_xlabel(c),
                    lower_is_better=c.outcome == "pain",
                    title=ct.heading(c),
                ),
                (7.5, height),
                alt=f"forest plot of component effects, {ct.lower(ct.heading(cmp))}",
                margins={
                    **LABELLED,
                    "left": 0.36,
                    "bottom": 0.75 / height,
                    "top": 1 - 0.4 / height,
                },
            )  # fmt: skip
        )
    nodes, edges = network_frames(cmp.contrasts)
    if len(nodes) >= 2:
        nodes = nodes.assign(label=[ct.node_label(n) for n in nodes["node"]])
        size = network_size(len(nodes))
        out.append(
            Figure(
                f"comparison-{key}-network",
                f"The network of combinations, {ct.lower(ct.heading(cmp))}: a node per combination "
                "of active components tested (white: inactive control), in the colours of its "
                "components; lines join combinations compared in the same trial.",
                lambda ax, n=nodes, e=edges, c=cmp: plots.combination_network(
                    n, e, ax, title=f"Combinations compared: {ct.lower(ct.heading(c))}"
                ),
                size,
                alt=f"network of combinations, {ct.lower(ct.heading(cmp))}",
                margins={"left": 0.01, "right": 0.99, "top": 0.94, "bottom": 0.2},
            )
        )
    return out


def outcome_blocks(
    run: ComparisonRun, *, primary: bool = False, sof_in_summary: bool = False
) -> list[Any]:
    """Every block of one outcome and window (module docstring)."""
    cmp, key = run.result, f"comparison-{run.key}"
    t = cmp.table
    est = t[t["status"] == "estimated"]
    lead = (
        f"{cmp.n_studies} stud{'y' if cmp.n_studies == 1 else 'ies'} and {cmp.n_rows_used} "
        f"rows of evidence ({cmp.n_rows_set_aside} set aside); {len(est)} of the eight ideas "
        f"have an estimate against {cmp.reference_label}."
    )
    if len(est):
        counts = est["certainty"].value_counts()
        lead += " Certainty: " + ", ".join(
            f"{counts[c]} {c}" for c in ("high", "moderate", "low", "very low") if c in counts
        ) + "."  # fmt: skip
    out: list[Any] = [Heading(run.label, key), Paragraph(lead), ct.ideas_table(cmp, f"{key}-ideas")]
    if sof_in_summary:
        out.append(Paragraph("The summary of findings of this outcome and window opens the "
                             "report (Summary).", "muted"))  # fmt: skip
    else:
        out.append(ct.sof_table(cmp, f"{key}-sof", run.sof))
    out.extend(_figures(cmp, run.key))
    out.append(ct.certainty_table(cmp, f"{key}-certainty"))
    out.append(ct.certainty_reasons_table(cmp, f"{key}-certainty-reasons"))
    out.append(ct.tests_table(cmp, f"{key}-tests"))
    out.append(ct.node_split_table(cmp, f"{key}-node-split"))
    if run.sensitivity is not None:
        out.append(ct.sensitivity_table(cmp, f"{key}-sensitivity", run.sensitivity))
    else:
        out.append(Paragraph(
            f"Sensitivity analyses ({ct.lower(run.label)}): re-fitted in this report for the "
            "windows up to 3 months only, the primary time point of the field (Collins et al. "
            "2018; Winters et al. 2021); compare_ideas(...).sensitivity() gives them for any "
            "window.",
            "muted"))  # fmt: skip
    out.append(ct.contrasts_summary_table(cmp, f"{key}-rows"))
    out.append(ct.contrasts_table(cmp, f"{key}-row-list"))
    out.append(Bullets(tuple(cmp.methods), title="What was fitted", style="notes"))
    notes = [*cmp.notes, *run.warnings]
    if notes:
        out.append(Bullets(tuple(dict.fromkeys(notes)), title="Notes of the fit", style="notes"))
    if primary:
        from kneestudy.report.pairwise import pairwise_blocks

        out.extend(pairwise_blocks(cmp))
    return out


def comparison_blocks(runs: Sequence[ComparisonRun], *, sof_in_summary: bool = True) -> list[Any]:
    """The section: overview, the outcomes without evidence in one line, each outcome's blocks.

    ``sof_in_summary``: the first run's summary of findings is in the summary
    section (so it is not repeated here).
    """
    if not runs:
        return [Paragraph("No comparison was asked for.", "muted")]
    first = runs[0].result
    ref = first.reference_label if first is not None else "inactive control"
    out: list[Any] = [
        Paragraph(
            "Each idea is compared with " + ref + " by an additive component network "
            "meta-analysis: an arm's effect is the sum of its components' effects, so an idea "
            "tested together with others (a brace added to physiotherapy, balance training "
            "added to knee exercise) is credited with its own effect only. Outcomes keep their "
            "own scale — pain as a mean difference on 0–10, the AKPS on 0–100, recovery as an "
            "odds ratio — and are compared within windows of follow-up.",
        ),
        overview_table(runs),
    ]
    empty = [ct.lower(r.label) for r in runs if r.result is not None and not r.usable]
    if empty:
        out.append(Paragraph("No usable row of evidence, so no comparison: " + "; ".join(empty)
                             + ".", "muted"))  # fmt: skip
    blind = [r for r in runs if r.usable and not r.informative]
    for r in blind:
        c = r.result
        comps = sorted({x for side in ("components_treatment", "components_comparator")
                        for v in c.contrasts.loc[c.contrasts["status"] == "used", side]
                        for x in str(v).split("+") if x})  # fmt: skip
        from kneestudy.plots.labels import intervention_label

        out.append(Paragraph(
            f"{r.label}: {c.n_rows_used} row{'s' if c.n_rows_used != 1 else ''} of evidence "
            "used, but no idea's own effect is estimable: the rows compare "
            + (", ".join(intervention_label(x).lower() for x in comps) or "inactive arms")
            + " in ways the network cannot take apart.", "muted"))  # fmt: skip
    for i, run in enumerate(runs):
        if run.result is None:
            out.append(Problem(f"The comparison on {ct.lower(run.label)}", run.error))
        elif run.informative:
            out.extend(
                outcome_blocks(run, primary=i == 0, sof_in_summary=sof_in_summary and i == 0)
            )
    return out
