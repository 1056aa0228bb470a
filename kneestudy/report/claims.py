"""Per cohort: the seed's claims about glute strengthening and the knee brace, tested.

* **The squat test** — "a single-leg half squat in which the knee moves
  inward (weak glutes) picks out who gains most from glute strengthening":
  the effect within those who pass and who fail, the interaction with its
  confidence interval, and the ICEMAN credibility items (Schandelmaier et
  al. 2020), each answer marked as coming from the data or from an
  assumption, the suggested rating marked as kneestudy's reading
  (:func:`kneestudy.effects.squat_test_claim`).
* **The brace helps at once** — the effect at the first follow-up visit
  (:func:`kneestudy.effects.immediate_effect`) and the responders there.

Shown only for cohorts with an arm of the idea concerned
(:func:`kneestudy.report.applicability.claim_arms`).

References
----------
Schandelmaier S et al. Development of the Instrument to assess the
Credibility of Effect Modification Analyses (ICEMAN) in randomized controlled
trials and meta-analyses. CMAJ 2020;192:E901–6. doi:10.1503/cmaj.200077.
Sun X, Briel M, Walter SD, Guyatt GH. Is a subgroup effect believable?
BMJ 2010;340:c117.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.report import format as fmt
from kneestudy.report.cohort import CohortView
from kneestudy.report.content import Column, Heading, Paragraph, Problem, Table
from kneestudy.report.settings import Settings, better

__all__ = ["immediate_effect", "squat_test"]

_LEVELS = {"pass": "Passed (knee stays in line)", "fail": "Failed (knee moves inward)"}
_WHAT = {"pain": "pain", "akps": "AKPS"}


def _squat_frame(res: Any) -> pd.DataFrame:
    t = res.subgroups.copy()
    t["label"] = [_LEVELS.get(str(x), str(x)) for x in t["level"]]
    first, second = str(t["level"].iloc[0]), str(t["level"].iloc[1])
    inter = {
        "level": "interaction",
        "label": f"Difference between subgroups ({second} minus {first})",
        "n_treatment": float(t["n_treatment"].sum()),
        "n_comparator": float(t["n_comparator"].sum()),
        "estimate": res.interaction_estimate,
        "ci_low": res.interaction_ci_low,
        "ci_high": res.interaction_ci_high,
        "p_value": res.interaction_p_value,
    }
    return pd.concat([t, pd.DataFrame([inter])], ignore_index=True)


def _iceman_frame(res: Any) -> pd.DataFrame:
    t = res.items.copy()
    t["basis"] = ["assumption (kneestudy's reading)" if a else "the data and the claim"
                  for a in t["assumption"]]  # fmt: skip
    return t


def _squat_words(v: CohortView, res: Any) -> str:
    name, comp = v.name(res.treatment), v.comparator_name or "the comparator"
    what = _WHAT.get(res.outcome, res.outcome)
    inter = fmt.estimate_ci(res.interaction_estimate, res.interaction_ci_low,
                            res.interaction_ci_high, 1)  # fmt: skip
    text = (f"The claim: people who fail the single-leg squat test (knee moving inward) gain "
            f"more from {name}. Against {comp} at week {res.week:g}, the difference in the "
            f"effect on {what} between those who failed and those who passed is {inter} points "
            f"(interaction p = {fmt.p_value(res.interaction_p_value)}); the subgroup that "
            f"gained more here is those who {'failed' if res.observed_gain == 'fail' else 'passed'}.")  # fmt: skip
    if not res.applicable:
        return text + (" With interaction p ≥ 0.1 there is no suggestion of effect modification "
                       "(ICEMAN does not apply): the overall effect applies to both subgroups.")  # fmt: skip
    return text + (f" ICEMAN items below; kneestudy's suggested rating of credibility: "
                   f"{res.suggested_rating} ({res.note}).")  # fmt: skip


def squat_test(v: CohortView, settings: Settings) -> list[Any]:
    """The squat-test subgroup of each glute-strengthening arm, with ICEMAN."""
    results = v.results.get("squat_test")
    left = v.left_out("claims")
    squat_left = [b for b in left if "squat" in b.what]
    if not results and not squat_left:
        return []
    out: list[Any] = [Heading("Does the squat test pick out who gains most from glute "
                              "strengthening?", f"{v.anchor}-squat-test")]  # fmt: skip
    out.extend(squat_left)
    for code, res in (results or {}).items():
        if isinstance(res, AnalysisError):
            out.append(Problem(f"The squat-test subgroup of {v.pair(code)}", str(res)))
            continue
        key = f"{v.slug}-squat-test" + (f"-{_slug(code)}" if len(results) > 1 else "")
        out.append(Paragraph(_squat_words(v, res)))
        out.append(
            Table(
                key,
                f"{v.pair(code)} at week {res.week:g} by the single-leg squat test: the effect "
                "in each subgroup and the difference between them (interaction)",
                _squat_frame(res),
                (
                    Column("label", "Subgroup", style="text"),
                    Column(
                        "n_treatment",
                        "n",
                        unit="arm / comparator",
                        style="pair",
                        fields=("n_treatment", "n_comparator"),
                        missing="",
                    ),
                    Column(
                        "estimate",
                        f"Difference ({100 * res.level:g}% CI)",
                        unit="points",
                        style="estimate_ci",
                        digits=1,
                        fields=("estimate", "ci_low", "ci_high"),
                    ),
                    Column("p_value", "p", style="p"),
                ),  # fmt: skip
                direction=better(res.outcome) + " A negative interaction (pain) means a larger "
                "benefit in the second subgroup.",
                notes=(
                    "ANCOVA with an arm × squat-test interaction, lm(y ~ baseline + arm * "
                    "squat_test); participants without a squat test are left out.",
                ),  # fmt: skip
            )
        )
        # the items, also when ICEMAN finds no suggested modification to rate
        if len(res.items):
            out.append(
                Table(
                    f"{key}-iceman",
                    f"Credibility of the squat-test effect modification of {v.pair(code)} "
                    "(ICEMAN, randomised trials)",
                    _iceman_frame(res),
                    (
                        Column("item", "Item", style="count"),
                        Column("question", "Question", style="text"),
                        Column("answer", "Answer", style="text"),
                        Column("evidence", "Why", style="text"),
                        Column("basis", "Based on", style="text"),
                    ),
                    notes=(
                        "Schandelmaier et al. 2020 (CMAJ 192:E901). "
                        + (
                            f"The suggested overall rating, {res.suggested_rating}, is "
                            "kneestudy's rule of thumb; ICEMAN's overall rating is a judgement."
                            if res.applicable
                            else f"ICEMAN rates a suggested effect modification (interaction p < 0.1); "
                            f"here p = {fmt.p_value(res.interaction_p_value)}, so there is none to "
                            "rate and the answers show only how a claimed one would fare."
                        ),
                    ),  # fmt: skip
                )
            )
    settings.used["squat_test"] = True
    return out


def _slug(code: str) -> str:
    from kneestudy.report.content import slug

    return slug(code)


def immediate_effect(v: CohortView, settings: Settings) -> list[Any]:
    """The brace's effect at the first follow-up visit, and the responders there."""
    results = v.results.get("immediate_effect")
    left = [b for b in v.left_out("claims") if "immediate" in b.what]
    if not results and not left:
        return []
    rows, problems = [], []
    for code, res in (results or {}).items():
        if isinstance(res, AnalysisError):
            problems.append(Problem(f"The immediate effect of {v.pair(code)}", str(res)))
            continue
        row = {"comparison": v.pair(code), **res.to_frame().iloc[0].to_dict()}
        rr = (v.results.get("immediate_responders") or {}).get(code)
        if rr is not None and not isinstance(rr, AnalysisError):
            row.update(rr=rr.rr, rr_ci_low=rr.rr_ci_low, rr_ci_high=rr.rr_ci_high,
                       events_treatment=rr.events_treatment, n_rr_treatment=rr.n_treatment,
                       events_comparator=rr.events_comparator, n_rr_comparator=rr.n_comparator)  # fmt: skip
        elif isinstance(rr, AnalysisError):
            problems.append(Problem(f"Responders at the first follow-up of {v.pair(code)}",
                                    str(rr)))  # fmt: skip
        rows.append(row)
    week = rows[0]["week"] if rows else None
    title = "Does the brace help at once?" + (
        f" The effect at the first follow-up (week {fmt.weeks(week)})" if week is not None else ""
    )
    out: list[Any] = [Heading(title, f"{v.anchor}-immediate-effect"), *left, *problems]
    if not rows:
        return out
    data = pd.DataFrame(rows)
    for c in ("rr", "rr_ci_low", "rr_ci_high", "events_treatment", "n_rr_treatment",
              "events_comparator", "n_rr_comparator"):  # fmt: skip
        if c not in data:
            data[c] = float("nan")
    what = _WHAT.get(settings.outcome, settings.outcome)
    for r in rows:
        lo, hi = r["ci_low"], r["ci_high"]
        verdict = ("no clear difference" if lo <= 0 <= hi else
                   f"{'less' if r['estimate'] < 0 else 'more'} {what}")  # fmt: skip
        out.append(Paragraph(
            f"The seed says a helpful brace helps at once. At the first follow-up (week "
            f"{fmt.weeks(r['week'])}), {r['comparison']}: {verdict} (difference "
            f"{fmt.estimate_ci(r['estimate'], lo, hi, 1)} points, ANCOVA adjusted for "
            "baseline). An early effect is not the same as one that lasts: compare the effects "
            f"at week {v.week:g} above."
        ))  # fmt: skip
    out.append(
        Table(
            f"{v.slug}-immediate-effect",
            f"The effect at the first follow-up visit: each brace arm minus {v.comparator_name}",
            data,
            (
                Column("comparison", "Comparison", style="text"),
                Column("week", "Week", style="weeks"),
                Column(
                    "n_treatment",
                    "n analysed",
                    unit="arm / comparator",
                    style="pair",
                    fields=("n_treatment", "n_comparator"),
                ),
                Column(
                    "estimate",
                    "Difference (95% CI)",
                    unit="points",
                    style="estimate_ci",
                    digits=1,
                    fields=("estimate", "ci_low", "ci_high"),
                ),
                Column("p_value", "p", style="p"),
                Column(
                    "rr",
                    "Responders: risk ratio (95% CI)",
                    style="estimate_ci",
                    fields=("rr", "rr_ci_low", "rr_ci_high"),
                ),
            ),  # fmt: skip
            direction=better(settings.outcome) + " Risk ratios above 1 favour the brace arm.",
            notes=(
                "ANCOVA at the first post-baseline visit (complete cases); responders: pain "
                "drop ≥ 2 points or AKPS gain ≥ 10 at that visit.",
            ),  # fmt: skip
        )
    )
    settings.used["immediate_effect"] = True
    return out
