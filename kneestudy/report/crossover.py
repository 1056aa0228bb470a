"""Per cohort: the within-person comparison of a crossover trial.

For a crossover (``design = "crossover"``) the part shows
:func:`kneestudy.effects.crossover`: each condition against the reference
within the same people (mixed model with period effects; Senn's AB/BA
analysis beside it when the design is AB/BA), the period effect, the
carry-over test — reported, not used to choose the analysis (Freeman 1989;
Senn 2002, §3.9) — and whether the best condition differs by person: the
between-person SD of the condition effect where the design is replicated,
otherwise the reason it cannot be estimated (Senn 2016). The seed's claim
that "the best direction of pull differs by person" is a claim about that
SD, which an average difference cannot answer.

References
----------
Senn S. Cross-over Trials in Clinical Research, 2nd ed. Wiley 2002.
Freeman PR. Stat Med 1989;8:1421–32. Senn S. Mastering variation: variance
components and personalised medicine. Stat Med 2016;35:966–77.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.plots.labels import intervention_label
from kneestudy.report import format as fmt
from kneestudy.report.cohort import CohortView, problem
from kneestudy.report.content import Column, Heading, Paragraph, Table
from kneestudy.report.settings import Settings, better

__all__ = ["crossover", "crossover_frame", "lead_sentence"]

_WHAT = {"pain": "pain", "akps": "the AKPS score"}


def _label(v: CohortView, code: str) -> str:
    return intervention_label(code, v.original.manifest.codes)


def crossover_frame(v: CohortView, res: Any) -> pd.DataFrame:
    """Rows of the crossover table: each condition vs the reference, and Senn's AB/BA analysis."""
    rows = []
    for r in res.table.to_dict("records"):
        rows.append({"effect": f"{_label(v, r['condition'])} vs {_label(v, r['reference'])}",
                     "analysis": "mixed model, within person", **r})  # fmt: skip
    if math.isfinite(res.senn_estimate):
        rows.append({
            "effect": f"{_label(v, res.condition)} vs {_label(v, res.reference)}",
            "analysis": f"Senn's AB/BA t test on the period differences (n = {res.senn_n} with "
            f"both periods; SE {fmt.number(res.senn_se, 2)}, {fmt.weeks(res.senn_df)} df)",
            "estimate": res.senn_estimate, "se": res.senn_se, "df": res.senn_df,
            "ci_low": math.nan, "ci_high": math.nan, "p_value": res.senn_p,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _person_sentence(res: Any, v: CohortView) -> str:
    cond, ref = _label(v, res.condition), _label(v, res.reference)
    if math.isfinite(res.effect_sd):
        return (
            f"Does the best condition differ by person? The SD between persons of the "
            f"difference between {cond} and {ref} is {fmt.number(res.effect_sd, 2)} points "
            f"(likelihood-ratio test p = {fmt.p_value(res.effect_sd_p)}); assuming normally "
            f"distributed person effects (an assumption), about "
            f"{fmt.percent(res.share_better)}% of people do better under {cond}."
        )
    why = str(res.effect_sd_note).removeprefix("not estimable: ")
    return (
        "Does the best condition differ by person? That cannot be estimated from this "
        f"design: {why}. An average difference near zero says nothing about "
        "individuals — it is also what one sees when about half the people do better under "
        "each condition."
    )


def lead_sentence(v: CohortView, res: Any) -> str:
    """The within-person difference between the conditions in one plain sentence."""
    what = _WHAT.get(res.outcome, res.outcome)
    cond, ref = _label(v, res.condition), _label(v, res.reference)
    est = res.estimate
    if res.ci_low <= 0 <= res.ci_high:
        return (f"Within the same people, {what} under {cond} did not differ clearly from "
                f"{ref} (difference {fmt.estimate_ci(est, res.ci_low, res.ci_high, 1)}).")  # fmt: skip
    return (f"Within the same people, {what} was {fmt.number(abs(est), 1)} points "
            f"{'lower' if est < 0 else 'higher'} under {cond} than under {ref} (95% CI "
            f"{fmt.ci(res.ci_low, res.ci_high, 1)}).")  # fmt: skip


def crossover(v: CohortView, settings: Settings) -> list[Any]:
    """The within-person comparison, period and carry-over effects, and person-level variation."""
    if "crossover" not in v.results:
        return []
    res = v.results["crossover"]
    out: list[Any] = [Heading("Within-person comparison of the conditions",
                              f"{v.anchor}-crossover")]  # fmt: skip
    if isinstance(res, AnalysisError):
        return out + problem("The crossover analysis", res)
    outcome = res.outcome
    what = _WHAT.get(outcome, outcome)
    cond, ref = _label(v, res.condition), _label(v, res.reference)
    out.append(
        Paragraph(
            f"Design {res.design}: {res.n} participants, {res.n_within} seen in two or more "
            f"conditions, {res.n_obs} post-baseline observations. "
            f"{lead_sentence(v, res)}"
        )  # fmt: skip
    )
    data = crossover_frame(v, res)
    out.append(
        Table(
            f"{v.slug}-crossover",
            f"{cond} against {ref} within the same people ({what}, each period's visit)",
            data,
            (
                Column("effect", "Comparison", style="text"),
                Column("analysis", "Analysis", style="text"),
                Column(
                    "estimate",
                    f"Difference ({100 * res.level:g}% CI)",
                    unit="points",
                    style="estimate_ci",
                    fields=("estimate", "ci_low", "ci_high"),
                ),
                Column("p_value", "p", style="p"),
            ),  # fmt: skip
            direction=better(outcome).replace("the treatment arm", "the first condition"),
            notes=(
                f"Model: {res.method} (Senn 2002). Between-person SD "
                f"{fmt.number(res.between_sd, 2)}, within-person SD "
                f"{fmt.number(res.within_sd, 2)}.",
                *res.notes,
            ),
        )
    )
    periods = []
    for r in res.periods.to_dict("records"):
        periods.append(f"period {int(r['period'])} vs period 1: {fmt.number(r['estimate'], 1)} "
                       f"(SE {fmt.number(r['se'], 2)})")  # fmt: skip
    if periods:
        out.append(
            Paragraph(
                f"Period effects ({what}; natural recovery and anything else that changes "
                "with time, taken out of the comparison): " + "; ".join(periods) + "."
            )  # fmt: skip
        )
    if math.isfinite(res.carryover_p):
        carry = (f"Carry-over ({res.carryover_test}): p = {fmt.p_value(res.carryover_p)}"
                 + (f"; Grizzle's test on the totals p = {fmt.p_value(res.grizzle_p)}"
                    if math.isfinite(res.grizzle_p) else ""))  # fmt: skip
    else:
        carry = f"Carry-over: {res.carryover_test}"
    out.append(
        Paragraph(
            carry + ". The test has little power and is not used to choose the analysis "
            "(the two-stage procedure is biased; Freeman 1989): carry-over is for the "
            "design's wash-out to prevent.",
            "muted",
        )  # fmt: skip
    )
    out.append(Paragraph(_person_sentence(res, v)))
    settings.used.setdefault("crossover", set()).add(res.method)
    return out
