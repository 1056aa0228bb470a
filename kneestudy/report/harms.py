"""Per cohort: adverse events by arm and by term, and the glucosamine claim answered.

Participants with at least one adverse event by arm (exact Clopper–Pearson
intervals, risk ratio against the comparator, Fisher's exact test), then by
adverse-event term with the multiplicity across all the term-by-arm
comparisons stated and adjusted (Holm 1979, as R's ``p.adjust``;
:func:`kneestudy.effects.adverse_events_by_term`). Harms are compared to
look for signals, not to prove safety (CONSORT Harms 2022, Junqueira et al.):
for an arm of glucosamine — said to have "no known side effects" — the part
states what the cohort's data can and cannot say about that claim.

References
----------
Holm S. A simple sequentially rejective multiple test procedure. Scand J
Stat 1979;6:65–70. Junqueira DR et al. CONSORT Harms 2022 statement. BMJ
2023;381:e073725. Altman DG, Bland JM. Absence of evidence is not evidence of
absence. BMJ 1995;311:485. Hanley JA, Lippman-Hand A. If nothing goes wrong,
is everything all right? JAMA 1983;249:1743–5.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.interventions import idea_of, split_codes
from kneestudy.report import format as fmt
from kneestudy.report.cohort import CohortView, problem
from kneestudy.report.content import Column, Heading, Paragraph, Table
from kneestudy.report.settings import Settings

__all__ = ["glucosamine_claim", "harms"]

_CI = "95% CI"


def _by_arm(v: CohortView, ae: pd.DataFrame) -> Table:
    comp = v.comparator_name
    cols = [
        Column("arm", "Arm", style="text"),
        Column("with_event", "With ≥ 1 event", style="events", digits=1, fields=("with_event", "n")),
        Column("risk_ci_low", f"Exact {_CI}", unit="%", style="ci", digits=1,
               fields=("risk_ci_low_pct", "risk_ci_high_pct")),
        Column("events", "Events reported", style="count"),
        Column("serious", "Serious", style="count"),
    ]  # fmt: skip
    ae = ae.assign(
        risk_ci_low_pct=100 * ae["risk_ci_low"], risk_ci_high_pct=100 * ae["risk_ci_high"]
    )
    applicable = comp is not None and not v.left_out("harms")
    if applicable:
        cols += [
            Column("rr", f"Risk ratio ({_CI})", unit=f"vs {comp}", style="estimate_ci",
                   fields=("rr", "rr_ci_low", "rr_ci_high")),
            Column("fisher_p", "Fisher p", style="p"),
        ]  # fmt: skip
    return Table(
        f"{v.slug}-adverse-events",
        "Participants with at least one adverse event, by arm"
        + (f", against {comp}" if applicable else ""),
        ae,
        tuple(cols),
        direction="Lower risks are better; risk ratios above 1 mean more participants with "
        "an event on the first arm."
        if applicable
        else "Lower risks are better.",
        notes=(
            "Exact (Clopper–Pearson) intervals; risk ratio with a log-scale interval, 0.5 "
            "added to every cell when one is zero; – : no event in either arm.",
        ),
    )  # fmt: skip


def _by_term(v: CohortView, terms: pd.DataFrame) -> list[Any]:
    if not len(terms):
        return []
    comp = v.comparator_name
    applicable = comp is not None and not v.left_out("harms")
    data = terms.assign(
        risk_ci_low_pct=100 * terms["risk_ci_low"], risk_ci_high_pct=100 * terms["risk_ci_high"],
        first=~terms["term"].duplicated(),
    )  # fmt: skip
    data["term_shown"] = data["term"].where(data["first"], "")
    cols = [
        Column("term_shown", "Term", style="text"),
        Column("arm", "Arm", style="text"),
        Column("with_event", "With the event", style="events", digits=1,
               fields=("with_event", "n")),
        Column("risk_ci_low", f"Exact {_CI}", unit="%", style="ci", digits=1,
               fields=("risk_ci_low_pct", "risk_ci_high_pct")),
    ]  # fmt: skip
    if applicable:
        cols += [
            Column("rr", f"Risk ratio ({_CI})", unit=f"vs {comp}", style="estimate_ci",
                   fields=("rr", "rr_ci_low", "rr_ci_high"), missing=""),
            Column("fisher_p", "Fisher p", style="p", missing=""),
            Column("p_adjusted", "Adjusted p", unit="Holm", style="p", missing=""),
        ]  # fmt: skip
    notes = [terms.attrs.get("multiplicity", "")] if applicable else []
    return [
        Table(
            f"{v.slug}-adverse-events-by-term",
            "Participants with each adverse-event term, by arm"
            + (f", against {comp}" if applicable else ""),
            data,
            tuple(cols),
            direction="Lower risks are better; risk ratios above 1 mean more participants with "
            "the event on that arm.",
            notes=tuple(n for n in notes if n),
        )
    ]


def _tests_glucosamine(code: Any) -> bool:
    return any(idea_of(p) == "glucosamine" for p in split_codes(str(code)))


def glucosamine_claim(v: CohortView, ae: pd.DataFrame, terms: Any) -> list[Any]:
    """Glucosamine is said to have "no known side effects": what this cohort's data say."""
    comp = v.comparator_name
    arms = v.cohort.arms
    gluc = [(a, c) for a, c, k in zip(arms["arm"], arms["intervention"], arms["is_comparator"],
                                      strict=True) if _tests_glucosamine(c) and not k]  # fmt: skip
    if not gluc or comp is None or v.left_out("harms"):
        return []
    by_arm = ae.set_index("arm")
    out = []
    for arm, _code in gluc:
        x, c = by_arm.loc[arm], by_arm.loc[comp]
        rr, lo, hi = float(x["rr"]), float(x["rr_ci_low"]), float(x["rr_ci_high"])
        text = (f'Glucosamine is often said to have "no known side effects". Here '
                f"{int(x['with_event'])} of {int(x['n'])} people on {arm} "
                f"({fmt.percent(x['risk'], 1)}%) had at least one adverse event, against "
                f"{int(c['with_event'])} of {int(c['n'])} on {comp} "
                f"({fmt.percent(c['risk'], 1)}%)")  # fmt: skip
        if math.isfinite(rr):
            text += f"; risk ratio {fmt.estimate_ci(rr, lo, hi, 2)}, Fisher p = " + fmt.p_value(
                x["fisher_p"]
            )
        text += "."
        if isinstance(terms, pd.DataFrame) and len(terms):
            mine = terms[(terms["arm"] == arm) & terms["rr"].notna()]
            more = mine[mine["rr"] > 1].sort_values("rr", ascending=False)
            on_comp = terms[terms["arm"] == comp].set_index("term")["with_event"]
            if len(more):
                text += " More often on glucosamine: " + ", ".join(
                    f"{t.term} ({int(t.with_event)} vs {int(on_comp[t.term])})"
                    for t in more.itertuples(index=False)
                ) + "."  # fmt: skip
            k = int(terms.attrs.get("n_comparisons", 0))
            hits = mine[mine["p_adjusted"] < 0.05]
            text += (f" {len(hits)} of these differences reach p < 0.05 after adjusting for the "
                     f"{k} term comparisons (Holm).") if k else ""  # fmt: skip
        if math.isfinite(hi) and lo <= 1 <= hi:
            text += (f" That is no evidence of side effects, but not evidence of none either: "
                     f"the data are compatible with up to {fmt.number(hi, 1)} times the "
                     f"comparator's risk (upper 95% limit), and a harm rarer than about 1 in "
                     f"{fmt.count(int(x['n']) / 3)} people could go unseen in {int(x['n'])} "
                     "(the rule of three; Hanley & Lippman-Hand 1983).")  # fmt: skip
        elif math.isfinite(lo) and lo > 1:
            text += (
                " The data contradict the claim: adverse events were more common on glucosamine."
            )
        out.append(Paragraph(text))
    return out


def harms(v: CohortView, settings: Settings) -> list[Any]:
    """Adverse events by arm and by term (multiplicity stated), and the glucosamine claim."""
    from kneestudy.effects.safety import adverse_events

    out: list[Any] = [Heading("Adverse events", f"{v.anchor}-adverse-events")]
    if v.cohort.adverse_events is None:
        return out + [Paragraph("This cohort records no adverse-events table.", "muted")]
    out.extend(v.left_out("harms"))
    ae = adverse_events(v.cohort)
    out.append(_by_arm(v, ae))
    terms = v.results.get("adverse_events_by_term")
    out.extend(problem("Adverse events by term", terms))
    if isinstance(terms, pd.DataFrame):
        out.extend(_by_term(v, terms))
        settings.used["adverse_events_by_term"] = True
    out.extend(glucosamine_claim(v, ae, None if isinstance(terms, AnalysisError) else terms))
    return out
