"""Per cohort: the primary estimate beside its sensitivity analyses for withdrawals.

ICH E9(R1) asks what a treatment effect means for people who withdraw (the
strategy for the intercurrent event) and whether the conclusion survives
other assumptions about their missing outcomes. The part shows, per
treatment arm, one table of :func:`kneestudy.effects.sensitivity_table` —
the primary MMRM (hypothetical strategy, missing at random), the complete
cases, conditional-mean imputation under MAR and the reference-based
treatment-policy strategies J2R, CR and CIR (Carpenter, Roger & Kenward 2013;
jackknife standard errors, Wolbers et al. 2022), the responders with
withdrawals as non-responders and as observed, and the tipping point — each
row saying in plain words what it assumes about the people who withdrew,
then the tipping-point plot with the sentence a reader needs ("the
conclusion changes if people who withdrew from X had on average D points
more pain than similar people who stayed").

The tipping point is delta-adjusted multiple imputation under MAR
(Ratitch, O'Kelly & Tosiello 2013) with the report's ``Settings.imputations``
and ``Settings.imputation_seed``; every other row is deterministic.

References
----------
ICH E9(R1) addendum on estimands and sensitivity analysis in clinical trials,
2019. Carpenter JR, Roger JH, Kenward MG. J Biopharm Stat 2013;23:1352–71.
Wolbers M et al. Pharm Stat 2022;21:1246–57. Ratitch B, O'Kelly M, Tosiello R.
Pharm Stat 2013;12:337–47.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.report import format as fmt
from kneestudy.report.cohort import CohortView, problem
from kneestudy.report.content import Column, Figure, Heading, Paragraph, Table, slug
from kneestudy.report.settings import Settings, better

__all__ = ["ROW_LABELS", "assumption_text", "robustness", "sensitivity", "tipping_sentence"]

_OUTCOME = {"pain": ("pain", "points more pain", "points less pain", True),
            "akps": ("AKPS", "points lower AKPS (worse function)",
                     "points higher AKPS (better function)", False)}  # fmt: skip

#: Minimal important change of each outcome (Crossley KM et al. Arch Phys Med Rehabil
#: 2004;85:815: 2 cm on the pain VAS, 10 points on the AKPS), the responder thresholds.
MCID: dict[str, float] = {"pain": 2.0, "akps": 10.0}

#: Readable name of each row of the sensitivity table (by its ``analysis``).
ROW_LABELS: dict[str, str] = {
    "primary: MMRM": "Primary: MMRM, every visit",
    "complete cases: ANCOVA": "Complete cases: ANCOVA at the week",
    "MAR": "Imputed: missing at random",
    "J2R": "Imputed: jump to reference",
    "CR": "Imputed: copy reference",
    "CIR": "Imputed: copy increments in reference",
    "tipping point (MI: MAR)": "Tipping point (shift of the imputed values)",
    "responders: dropouts as non-responders": "Responders: withdrawals as non-responders",
    "responders: as observed": "Responders among those seen",
}


def _method(analysis: str) -> str | None:
    for prefix in ("conditional mean: ", "MI: "):
        if analysis.startswith(prefix):
            return analysis[len(prefix) :]
    return None


def row_label(analysis: str) -> str:
    """The readable name of a row of the sensitivity table."""
    method = _method(analysis)
    label = ROW_LABELS.get(method or analysis, analysis)
    if analysis.startswith("MI: "):
        label += " (multiple imputation)"
    return label


def assumption_text(analysis: str, name: str, comp: str, week: float, outcome: str) -> str:
    """What a row assumes about the people who withdrew from ``name``, in plain words."""
    what = _OUTCOME.get(outcome, (outcome,))[0]
    method = _method(analysis)
    text = {
        "primary: MMRM": f"Hypothetical strategy: as if they had stayed on their arm — their "
        f"week-{week:g} {what} is predicted from their own earlier visits and from similar "
        "people who stayed (missing at random).",
        "complete cases: ANCOVA": f"Left out: only people seen at week {week:g} are compared "
        "(unbiased only if those seen are like those not seen).",
        "MAR": "Hypothetical strategy: imputed as if they had stayed on their arm (missing at "
        "random); should agree with the primary analysis.",
        "J2R": f"Treatment policy: from withdrawal on, their {what} is that of people on {comp} "
        f"— any benefit of {name} is lost at once.",
        "CR": f"Treatment policy: they are treated as if they had been on {comp} from the start.",
        "CIR": f"Treatment policy: from where they left, their {what} changes as it does on "
        f"{comp} — the benefit already gained is kept, no more is added.",
        "responders: dropouts as non-responders": "Withdrawal counts as treatment failure "
        "(a composite strategy).",
        "responders: as observed": f"Left out: responders among the people seen at week {week:g}.",
    }.get(method or analysis)
    return text or analysis


def tipping_sentence(tp: Any, name: str, comp: str) -> str:
    """The tipping point in words: how different the missing outcomes would have to be."""
    outcome = tp.outcome
    what, worse_words, better_words, lower_better = _OUTCOME.get(
        outcome, (outcome, "points worse", "points better", True)
    )
    who = (f"the {tp.n_shifted} people on {name} without a week-{tp.week:g} value (mostly "
           "people who withdrew)")  # fmt: skip
    how = f"(delta-adjusted multiple imputation under MAR, m = {tp.m}, seed {tp.seed})"
    if tp.n_shifted == 0:
        return (f"No one on {name} is missing a week-{tp.week:g} value, so there is no "
                "tipping point: the conclusion does not rest on assumptions about withdrawals.")  # fmt: skip
    tip = tp.tipping_delta
    if not math.isfinite(tip):
        width = "10 points" if outcome == "pain" else "100 points"
        at0 = {"benefit": "the benefit", "harm": "the harm",
               "inconclusive": "the inconclusive result"}[tp.conclusion_at_zero]  # fmt: skip
        return (f"No shift of the imputed values within the width of the {what} scale "
                f"({width}) changes {at0} of {name} against {comp} {how}.")  # fmt: skip
    worse = (tip > 0) == lower_better
    d = f"{fmt.number(abs(tip), 1)} {worse_words if worse else better_words}"
    mcid = MCID.get(outcome)
    scale = ""
    if mcid is not None and tp.conclusion_at_zero == "benefit":
        scale = (f" That is {'more' if abs(tip) >= mcid else 'less'} than the {mcid:g}-point "
                 f"minimal important change of {what} (Crossley et al. 2004): "
                 + ("only a large departure from missing at random would change the conclusion."
                    if abs(tip) >= mcid else "a modest departure from missing at random would "
                    "change the conclusion."))  # fmt: skip
    if tp.conclusion_at_zero == "benefit":
        return (f"The conclusion that {name} helps changes (the 95% CI reaches no difference) "
                f"if {who} had on average {d} at week {tp.week:g} than similar people on "
                f"{name} who stayed {how}.{scale}")  # fmt: skip
    if tp.conclusion_at_zero == "harm":
        return (f"The difference in the direction of harm disappears only if {who} had on "
                f"average {d} than similar people on {name} who stayed {how}.")  # fmt: skip
    return (f"The result is inconclusive; it would show a benefit of {name} over {comp} only if "
            f"{who} had on average {d} than similar people on {name} who stayed {how}.")  # fmt: skip


def _tipping_short(tp: Any) -> str:
    """The tipping point in one line of the table (the sentence goes under the plot)."""
    if tp.n_shifted == 0:
        return "No one on this arm is missing a value: there is no tipping point."
    tip = tp.tipping_delta
    if not math.isfinite(tip):
        return "No shift of their imputed values within the scale changes the conclusion."
    _, worse_words, better_words, lower_better = _OUTCOME.get(
        tp.outcome, (tp.outcome, "points worse", "points better", True)
    )
    d = f"{fmt.number(abs(tip), 1)} {worse_words if (tip > 0) == lower_better else better_words}"
    return (f"The conclusion ({tp.conclusion_at_zero}) changes if they had on average {d} than "
            f"similar people who stayed (δ = {fmt.number(tip, 2)}; plot below).")  # fmt: skip


def _frame(v: CohortView, res: Any, code: str, outcome: str) -> pd.DataFrame:
    t = res.table[res.table["treatment"] == code].copy()
    name, comp = v.name(code), v.comparator_name or "the comparator"
    t["label"] = [row_label(a) for a in t["analysis"]]
    t["assumption"] = [assumption_text(a, name, comp, res.week, outcome) for a in t["analysis"]]
    md, rr = t["measure"] == "MD", t["measure"] == "RR"
    for col in ("estimate", "ci_low", "ci_high"):
        t[f"md_{col}"] = t[col].where(md)
        t[f"rr_{col}"] = t[col].where(rr)
    tips = t["measure"] == "delta"
    for i in t.index[tips]:
        tp = res.tipping.get(code)
        if tp is not None:
            t.loc[i, "assumption"] = _tipping_short(tp)
        elif str(t.loc[i, "note"]).startswith("not done"):
            t.loc[i, "assumption"] = "Could not be computed: " + str(t.loc[i, "note"]).removeprefix(
                "not done: "
            )
    failed = t["note"].astype(str).str.startswith("not done") & ~tips
    reason = t.loc[failed, "note"].astype(str).str.removeprefix("not done: ")
    t.loc[failed, "assumption"] = t.loc[failed, "assumption"] + " Could not be computed: " + reason
    return t.reset_index(drop=True)


def robustness(v: CohortView, t: pd.DataFrame, code: str, outcome: str, week: float) -> str:
    """One sentence: do the differences agree in direction and significance?"""
    name, comp = v.name(code), v.comparator_name or "the comparator"
    md = t[(t["measure"] == "MD") & t["estimate"].notna()]
    if md.empty:
        return ""
    lower_better = _OUTCOME.get(outcome, ("", "", "", True))[3]
    what = _OUTCOME.get(outcome, (outcome,))[0]
    lo, hi = float(md["estimate"].min()), float(md["estimate"].max())
    span = f"differences from {fmt.number(lo, 1)} to {fmt.number(hi, 1)} points"
    good = md["ci_high"] < 0 if lower_better else md["ci_low"] > 0
    bad = md["ci_low"] > 0 if lower_better else md["ci_high"] < 0
    word = "less" if lower_better else "more"
    if bool(good.all()):
        return (f"Under every assumption about the people who withdrew, {name} led to {word} "
                f"{what} than {comp} at week {week:g} ({span}; no 95% CI includes "
                "zero).")  # fmt: skip
    if bool(bad.all()):
        return (f"Under every assumption about the people who withdrew, {name} did worse than "
                f"{comp} at week {week:g} ({span}).")  # fmt: skip
    if not bool(good.any() or bad.any()):
        return (f"No analysis shows a clear difference between {name} and {comp} at week "
                f"{week:g} ({span}; every 95% CI includes zero).")  # fmt: skip
    which = ", ".join(row_label(a).lower() for a in md.loc[~(good | bad), "analysis"])
    return (f"The conclusion depends on the assumption about the people who withdrew: the 95% CI "
            f"includes zero under {which} ({span}).")  # fmt: skip


def sensitivity(v: CohortView, settings: Settings) -> list[Any]:
    """The primary estimate and its sensitivity analyses per treatment arm, with the tipping plot."""
    r = v.results
    if "missing_at_week" not in r:
        return []
    outcome = settings.outcome
    what = _OUTCOME.get(outcome, (outcome,))[0]
    out: list[Any] = [
        Heading(
            f"Withdrawals and missing {what}: the primary estimate and its sensitivity analyses",
            f"{v.anchor}-sensitivity",
        )  # fmt: skip
    ]
    missing = r["missing_at_week"]
    if not sum(missing.values()):
        return out + [
            Paragraph(
                f"Nobody's {what} at week {v.week:g} is missing: the estimate needs no "
                "assumption about withdrawals, and the imputation-based sensitivity "
                "analyses would repeat the complete-case analysis.",
                "muted",
            )  # fmt: skip
        ]
    res = r.get("sensitivity")
    if isinstance(res, AnalysisError) or res is None:
        return out + problem("The sensitivity analyses", res)
    comp = v.comparator_name or "the comparator"
    n_missing = ", ".join(f"{missing.get(c, 0)} on {v.name(c)}" for c in v.names)
    out.append(
        Paragraph(
            f"At week {v.week:g}, {what} is missing for {n_missing}. Each analysis below "
            "makes a different assumption about these people (ICH E9(R1)): the closer "
            "the answers, the less the conclusion rests on any one of them."
        )  # fmt: skip
    )
    codes = list(dict.fromkeys(res.table["treatment"]))
    for code in codes:
        t = _frame(v, res, code, outcome)
        key = f"{v.slug}-sensitivity" + (f"-{slug(code)}" if len(codes) > 1 else "")
        cols = (
            Column("label", "Analysis", style="text"),
            Column("assumption", "What is assumed about the people who withdrew", style="text"),
            Column("md_estimate", f"Difference ({_ci_label(settings)})", unit="points",
                   style="estimate_ci", digits=1,
                   fields=("md_estimate", "md_ci_low", "md_ci_high"), missing=""),
            Column("rr_estimate", f"Risk ratio of responding ({_ci_label(settings)})",
                   style="estimate_ci", digits=2,
                   fields=("rr_estimate", "rr_ci_low", "rr_ci_high"), missing=""),
            Column("p_value", "p", style="p", missing=""),
            Column("n_missing", "Imputed or left out", unit="n", style="count", missing=""),
        )  # fmt: skip
        out.append(
            Table(
                key,
                f"{v.pair(code)} at week {res.week:g}: the primary estimate and its sensitivity "
                "analyses for the people who withdrew",
                t,
                cols,
                direction=better(outcome) + " Risk ratios above 1 favour the first arm.",
                notes=(
                    "Imputed rows: conditional-mean imputation from the MMRM fitted to the "
                    "observed data, analysed by ANCOVA, with a jackknife standard error and a "
                    "normal interval (Wolbers et al. 2022): deterministic, no Monte Carlo error. "
                    "Responders: pain drop ≥ 2 points or AKPS gain ≥ 10 (risk ratio). "
                    f"Tipping point: multiple imputation under MAR, m = {res.m}, seed "
                    f"{res.seed}.",
                ),
            )
        )
        sentence = robustness(v, t, code, outcome, res.week)
        if sentence:
            out.append(Paragraph(sentence))
        tp = res.tipping.get(code)
        if tp is not None and tp.n_shifted:
            out.append(_tipping_figure(v, tp, code, len(codes) > 1, comp))
    return out


def _ci_label(settings: Settings) -> str:
    return f"{100 * settings.level:g}% CI"


def _tipping_figure(v: CohortView, tp: Any, code: str, several: bool, comp: str) -> Figure:
    from kneestudy.plots.sensitivity import tipping_point_plot

    name = v.name(code)
    return Figure(
        f"{v.slug}-tipping-point" + (f"-{slug(code)}" if several else ""),
        f"Tipping point of {name} vs {comp}: the difference at week {tp.week:g} as the imputed "
        f"values of the people on {name} without one are shifted by δ.",
        lambda ax: tipping_point_plot(tp, ax, treatment_label=name, comparator_label=comp),
        (6.6, 3.9),
        alt=f"tipping-point plot of {name} vs {comp}",
        margins={"left": 0.13, "bottom": 0.2, "top": 0.9},
        notes=(tipping_sentence(tp, name, comp),),
    )
