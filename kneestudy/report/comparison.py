"""The comparison of the eight ideas: summary of findings, estimates, ranking, network.

:func:`comparison_applies` decides whether a study holds enough evidence to
compare the ideas at all (at least two sources: trials with two or more arms,
or published studies); a single trial is reported as itself, not as a
one-study network. :func:`summary_of_findings` is the GRADE-style table the
summary opens with (Guyatt et al. 2011, J Clin Epidemiol 64:383: the effect,
the number of studies and participants, the certainty and what it means);
:func:`comparison_blocks` the full section.

The comparison result is read by attribute, so content added to it later
(``summary_of_findings``, ``sensitivity``, ``additivity``, ``split``,
``combinations`` DataFrames) is shown when present, through
:func:`kneestudy.report.tables.result_table`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kneestudy.plots.labels import intervention_label
from kneestudy.report import format as fmt
from kneestudy.report.content import DIAGRAM, LABELLED, Column, Figure, Heading, Paragraph, Table
from kneestudy.report.tables import result_table

__all__ = [
    "MEASURES",
    "comparison_applies",
    "comparison_blocks",
    "evidence_sources",
    "league_frame",
    "summary_of_findings",
]

#: measure -> (name, name of the ratio when the measure is a log ratio, or None)
MEASURES: dict[str, tuple[str, str | None]] = {
    "SMD": ("Standardised mean difference", None),
    "MD": ("Mean difference", None),
    "logOR": ("Odds ratio", "OR"),
    "logRR": ("Risk ratio", "RR"),
    "logHR": ("Hazard ratio", "HR"),
}
#: Result attributes shown, when a comparison has them, as tables of their own.
EXTRA_TABLES: tuple[tuple[str, str], ...] = (
    ("combinations", "Observed combinations of components, against the inactive reference"),
    ("additivity", "Test of additivity: additive component model against the standard network"),
    ("sensitivity", "Sensitivity analyses of the comparison"),
    ("split", "Direct and indirect evidence (node splitting)"),
)


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


def _ratio(comparison: Any) -> str | None:
    return MEASURES.get(str(getattr(comparison, "measure", "")), ("", None))[1]


def _direction(comparison: Any) -> str:
    outcome = str(getattr(comparison, "outcome", "pain"))
    ratio = _ratio(comparison)
    if ratio:
        return f"{ratio} above 1 favours the idea."
    if outcome == "pain":
        return "Negative estimates favour the idea (less pain)."
    return "Positive estimates favour the idea."


def _what(comparison: Any) -> str:
    measure = str(getattr(comparison, "measure", "effect"))
    outcome = str(getattr(comparison, "outcome", "pain"))
    reference = intervention_label(str(getattr(comparison, "reference", "control")))
    week = getattr(comparison, "week", None)
    when = f" at week {week:g}" if isinstance(week, (int, float)) else ""
    name = MEASURES.get(measure, (measure, None))[0].lower()
    return f"{name} in {outcome}{when}, each idea against {reference.lower()}"


def summary_of_findings(comparison: Any) -> Table:
    """The summary-of-findings table: one row per idea (all eight), effect and certainty."""
    sof = getattr(comparison, "summary_of_findings", None)
    if isinstance(sof, pd.DataFrame) and len(sof):
        return result_table(sof, key="summary-of-findings", title="Summary of findings: "
                            + _what(comparison), direction=_direction(comparison))  # fmt: skip
    t = comparison.table.copy()
    for c in ("studies", "participants", "estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
        if c not in t:
            t[c] = math.nan
    t["evidence"] = [
        f"{fmt.count(s)} ({fmt.count(p) if (p or 0) > 0 else 'n not reported'})"
        if (s or 0) > 0 else "none"
        for s, p in zip(t["studies"].fillna(0), t["participants"].fillna(0), strict=True)
    ]  # fmt: skip
    exp = "exp" if _ratio(comparison) else None
    cols = [
        Column("label", "Idea", style="text"),
        Column("evidence", "Studies (participants)", style="text"),
        Column("estimate", "Effect (95% CI)", style="estimate_ci",
               fields=("estimate", "ci_low", "ci_high"), transform=exp),
        Column("pi_low", "95% prediction interval", style="ci", fields=("pi_low", "pi_high"),
               transform=exp),
    ]  # fmt: skip
    if "certainty" in t:
        cols.append(Column("certainty", "Certainty (GRADE)", style="text"))
    if "verdict" in t:
        cols.append(Column("verdict", "What it means", style="text"))
    return Table(
        "summary-of-findings",
        "Summary of findings: " + _what(comparison),
        t,
        tuple(cols),
        direction=_direction(comparison),
        notes=("Participants: with individual data, or as published; shared arms are counted in "
               "each comparison. Certainty: GRADE for network estimates (Puhan et al. 2014).",),
    )  # fmt: skip


def league_frame(league: pd.DataFrame, ratio: bool = False) -> pd.DataFrame:
    """League table as a lower-triangular matrix: row treatment against column treatment."""
    names = list(dict.fromkeys([*league["treatment"], *league["comparator"]]))
    est = {(r.treatment, r.comparator): r for r in league.itertuples(index=False)}
    rows = []
    for i, a in enumerate(names):
        row: dict[str, Any] = {"node": intervention_label(a)}
        for j, b in enumerate(names):
            r = est.get((a, b))
            if i == j:
                row[b] = intervention_label(a)
            elif j < i and r is not None:
                vals = [r.estimate, getattr(r, "ci_low", math.nan), getattr(r, "ci_high", math.nan)]
                if ratio:
                    vals = [math.exp(x) for x in vals]
                row[b] = f"{fmt.number(vals[0], 2)}\n({fmt.ci(vals[1], vals[2], 2)})"
            else:
                row[b] = ""
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs["nodes"] = names
    return frame


def _main_table(comparison: Any) -> Table:
    t = comparison.table
    exp = "exp" if _ratio(comparison) else None
    cols = [Column("label", "Idea", style="text")]
    if "studies" in t:
        cols.append(Column("studies", "Studies", style="count"))
    if "participants" in t:
        cols.append(Column("participants", "Participants", style="count"))
    cols += [
        Column("estimate", "Estimate (95% CI)", style="estimate_ci",
               fields=("estimate", "ci_low", "ci_high"), transform=exp),
    ]  # fmt: skip
    if {"pi_low", "pi_high"} <= set(t.columns):
        cols.append(Column("pi_low", "95% PI", style="ci", fields=("pi_low", "pi_high"),
                           transform=exp))  # fmt: skip
    if "p_score" in t:
        cols.append(Column("p_score", "P-score", digits=2))
    if "rank" in t:
        cols.append(Column("rank", "Rank", style="count"))
    return Table(
        "comparison-estimates",
        "Network estimates, " + _what(comparison) + " (random-effects network meta-analysis)",
        t,
        tuple(cols),
        direction=_direction(comparison),
        notes=("PI: 95% prediction interval (the range of the effect in a new study). "
               "P-score: the mean certainty that an idea is better than another (Rücker & "
               "Schwarzer 2015); rank 1 = highest P-score among the ideas with evidence. "
               "– : no evidence on this idea for this outcome.",),
    )  # fmt: skip


def comparison_blocks(comparison: Any) -> list[Any]:
    """Estimates table, forest plot, ranking, network, league table, certainty, pairwise."""
    from kneestudy import plots

    t = comparison.table
    measure = str(getattr(comparison, "measure", "effect"))
    outcome = str(getattr(comparison, "outcome", "pain"))
    reference = str(getattr(comparison, "reference", "control"))
    direction = "negative = less pain" if outcome == "pain" else "positive = better"
    name = MEASURES.get(measure, (measure, None))[0]
    xlabel = f"{name}{' (log scale)' if _ratio(comparison) else ''} vs " \
        f"{intervention_label(reference).lower()} ({direction})"  # fmt: skip
    n = len(t)
    out: list[Any] = [
        _main_table(comparison),
        Figure(
            "comparison-forest",
            "Each idea against " + intervention_label(reference).lower() + ": network estimate "
            "(dot), 95% CI (bar) and 95% prediction interval (dotted).",
            lambda ax: plots.network_forest(t, ax, comparator=intervention_label(reference),
                                            xlabel=xlabel),
            (7.5, 1.2 + 0.45 * n),
            alt="forest plot of the ideas",
            margins={**LABELLED, "bottom": 0.6 / (1.2 + 0.45 * n) + 0.05},
        ),
    ]  # fmt: skip
    if "p_score" in t and t["p_score"].notna().sum() >= 2:
        out.append(
            Figure(
                "comparison-ranking",
                "Ranking of the ideas by P-score (1 = surely best, 0 = surely worst); read with "
                "the intervals and the certainty, ranks alone overstate differences.",
                lambda ax: plots.ranking(t, ax),
                (6.5, 1.0 + 0.4 * n),
                alt="P-score ranking",
                margins={**LABELLED, "bottom": 0.5 / (1.0 + 0.4 * n) + 0.04},
            )
        )
    net = getattr(comparison, "network", None)
    nodes, edges = getattr(net, "nodes", None), getattr(net, "edges", None)
    # a network of two nodes is one comparison: its graph and league table say nothing more
    big = isinstance(nodes, pd.DataFrame) and len(nodes) >= 3
    if big and isinstance(edges, pd.DataFrame):
        out.append(
            Figure(
                "comparison-network",
                "The network of comparisons: node area proportional to participants with "
                "individual data, line width and number to the studies comparing two nodes.",
                lambda ax: plots.network_graph(nodes, edges, ax),
                (7.0, 6.2),
                alt="network",
                margins=DIAGRAM,
            )
        )
    league = getattr(net, "league", None)
    if (
        big
        and isinstance(league, pd.DataFrame)
        and {"treatment", "comparator", "estimate"} <= set(league.columns)
    ):
        lf = league_frame(league, ratio=bool(_ratio(comparison)))
        cols = [Column(c, intervention_label(c), style="text") for c in lf.attrs["nodes"]]
        out.append(
            Table(
                "comparison-league",
                f"League table ({name.lower()}): the row's treatment against the column's, "
                "estimate (95% CI)",
                lf,
                (Column("node", "", style="text"), *cols),
                direction=_direction(comparison).replace("the idea", "the row's treatment"),
            )
        )
    out.append(Heading("Certainty of the evidence", "certainty"))
    cols = [Column("label", "Idea", style="text")]
    for c, label in (("certainty", "Certainty"), ("reasons", "Reasons for rating down"),
                     ("verdict", "What it means")):  # fmt: skip
        if c in t:
            cols.append(Column(c, label, style="text"))
    out.append(
        Table(
            "comparison-certainty",
            "Certainty of each idea's network estimate and the reasons, GRADE-style",
            t,
            tuple(cols),
            notes=(
                "GRADE statements: high = we are confident; moderate = probably; low = may; "
                "very low = very uncertain (Santesso et al. 2020).",
            ),
        )  # fmt: skip
    )
    out.extend(_components(comparison, xlabel))
    for attr, title in EXTRA_TABLES:
        value = getattr(comparison, attr, None)
        if isinstance(value, pd.DataFrame) and len(value):
            out.append(result_table(value, key=f"comparison-{attr}", title=title))
    out.extend(unused_contrasts(comparison))
    from kneestudy.report.pairwise import pairwise_blocks

    out.extend(pairwise_blocks(comparison))
    return out


def _components(comparison: Any, xlabel: str) -> list[Any]:
    """Forest plot of component effects, when the comparison fitted an additive model."""
    from kneestudy import plots

    comp = getattr(comparison, "components", None)
    if comp is None:
        comp = getattr(getattr(comparison, "network", None), "components", None)
    need = {"component", "estimate", "ci_low", "ci_high"}
    if not isinstance(comp, pd.DataFrame) or not len(comp) or not need <= set(comp.columns):
        return []
    table = comp.assign(
        idea=comp["component"].astype(str),
        label=[intervention_label(c) for c in comp["component"]],
    )
    n = len(table)
    return [
        Figure(
            "comparison-components",
            "Effect of each component (additive component network meta-analysis, Rücker et "
            "al. 2020): an idea tested as an add-on is credited with its add-on effect only.",
            lambda ax: plots.network_forest(
                table, ax, xlabel=xlabel, title="Component effects (bar: 95% CI)"
            ),
            (7.5, 1.2 + 0.45 * n),
            alt="forest plot of component effects",
            margins={**LABELLED, "bottom": 0.6 / (1.2 + 0.45 * n) + 0.05},
        )  # fmt: skip
    ]


def unused_contrasts(comparison: Any) -> list[Any]:
    """Contrasts set aside, with their reason (every input row is accounted for)."""
    c = getattr(comparison, "contrasts", None)
    if not isinstance(c, pd.DataFrame) or "status" not in c or not len(c):
        return []
    aside = c[c["status"] != "used"]
    if not len(aside):
        return [Paragraph(f"All {len(c)} contrasts of the study were used.", "muted")]
    cols = [x for x in ("study_id", "treatment", "comparator", "week", "reason") if x in aside]
    return [
        result_table(
            aside[cols].reset_index(drop=True),
            key="comparison-set-aside",
            title=f"Contrasts set aside ({len(aside)} of {len(c)}), with the reason",
        )
    ]
