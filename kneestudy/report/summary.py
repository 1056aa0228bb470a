"""The summary: the answer to the reader's question, first.

For a study with several sources of evidence the summary opens with the
comparison of the ideas and its summary-of-findings table; for a single trial
with the trial's own key results in plain language — the primary estimate with
its CI and its sensitivity analyses, time to pain-free, harms — and for a
single-arm cohort with the change over time, said to be no effect estimate.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.ingest.model import synthetic_rows
from kneestudy.report import format as fmt
from kneestudy.report.cohort import CohortView
from kneestudy.report.content import Bullets, NotApplicable, Paragraph, Problem
from kneestudy.report.settings import Settings

__all__ = ["side_effect_claims", "summary_blocks", "trial_key_results"]

_WORDS = {"pain": ("pain (0–10)", "points", True),
          "akps": ("the AKPS score (0–100)", "points", False)}  # fmt: skip


def _difference(name: str, comp: str, outcome: str, week: float, res: Any, how: str) -> str:
    what, unit, lower_better = _WORDS.get(outcome, (outcome, "units", False))
    est, lo, hi = float(res.estimate), float(res.ci_low), float(res.ci_high)
    diff = f"difference {fmt.number(est, 1)}, 95% CI {fmt.ci(lo, hi, 1)}; {how}"
    if lo <= 0 <= hi:
        return (f"At week {week:g}, {what} on {name} did not differ clearly from {comp} "
                f"({diff}).")  # fmt: skip
    word = "lower" if est < 0 else "higher"
    good = (est < 0) == lower_better
    return (f"At week {week:g}, {what} was {fmt.number(abs(est), 1)} {unit} {word} on {name} "
            f"than on {comp} ({diff}){'' if good else ', in the direction of harm'}.")  # fmt: skip


def _at_week(res: Any, week: float, treatment: str) -> Any:
    frame = res.to_frame()
    if not {"week", "treatment", "estimate", "ci_low", "ci_high"} <= set(frame.columns):
        return None
    hit = frame[(frame["week"].astype(float) == week) & (frame["treatment"] == treatment)]
    return hit.iloc[0] if len(hit) else None


def _primary_lines(v: CohortView, settings: Settings, outcome: str) -> list[str]:
    """The primary estimate of each treatment arm and, under it, its sensitivity analyses.

    The primary analysis is the MMRM (every visit; hypothetical strategy for
    withdrawals, missing at random), as in the sensitivity table; the
    complete-case ANCOVA stands in when the MMRM could not be fitted.
    """
    from kneestudy.report.missing_data import robustness, tipping_sentence

    r = v.results
    comp = v.comparator_name or "the comparator"
    lines: list[str] = []
    mm = r.get("mmrm") if outcome == settings.outcome else None
    mm_ok = mm is not None and not isinstance(mm, AnalysisError)
    sens = r.get("sensitivity")
    sens = sens if hasattr(sens, "table") and outcome == settings.outcome else None
    for code, anc in (r.get(f"ancova_{outcome}") or {}).items():
        name = v.name(code)
        row = _at_week(mm, v.week, code) if mm_ok else None
        if row is not None:
            how = "MMRM using every visit, the primary analysis"
            lines.append(_difference(name, comp, outcome, v.week, row, how))
        elif isinstance(anc, AnalysisError):
            lines.append(f"The primary analysis of {name} vs {comp} could not be done: {anc}")
            continue
        else:
            n1, n0 = getattr(anc, "n_treatment", None), getattr(anc, "n_comparator", None)
            how = "ANCOVA adjusted for baseline" + (
                f", n = {fmt.count(n1)} and {fmt.count(n0)}"
                if n1 is not None and n0 is not None
                else ""
            )
            if mm is not None:
                how += "; the MMRM could not be fitted"
            lines.append(_difference(name, comp, outcome, v.week, anc, how))
        if sens is None:
            continue
        t = sens.table[sens.table["treatment"] == code]
        n_missing = int((r.get("missing_at_week") or {}).get(code, 0))
        others = t[(t["measure"] == "MD") & ~t["analysis"].str.startswith("primary")]
        others = others[others["estimate"].notna()]
        if len(others):
            spread = ", ".join(
                f"{_SHORT.get(a, a)} {fmt.number(e, 1)}"
                for a, e in zip(others["analysis"], others["estimate"], strict=True)
            )
            lines.append(
                f"Sensitivity analyses for the {n_missing} people on {name} without a "
                f"week-{v.week:g} value: {spread}. " + robustness(v, t, code, outcome, sens.week)
            )
        tp = sens.tipping.get(code)
        if tp is not None:
            lines.append(tipping_sentence(tp, name, comp))
    return lines


_SHORT = {
    "complete cases: ANCOVA": "complete cases",
    "conditional mean: MAR": "missing at random",
    "conditional mean: J2R": "jump to reference",
    "conditional mean: CR": "copy reference",
    "conditional mean: CIR": "copy increments in reference",
    "MI: MAR": "missing at random",
    "MI: J2R": "jump to reference",
    "MI: CR": "copy reference",
    "MI: CIR": "copy increments in reference",
}


def trial_key_results(v: CohortView, settings: Settings) -> list[str]:
    """Plain-language key results of one trial (or single-arm cohort).

    The primary estimate with its CI and its sensitivity analyses (the range
    of the differences under the other assumptions about withdrawals, and the
    tipping point), the within-person comparison of a crossover, time to
    pain-free, and harms.
    """
    m = v.original.manifest
    r = v.results
    lines: list[str] = []
    arms = v.cohort.arms
    n = int(arms["n"].sum())
    outcome = m.primary_outcome if m.primary_outcome in ("pain", "akps") else settings.outcome
    names = " vs ".join(arms["arm"])
    kind = {"parallel": "randomised trial", "single_arm": "single-arm cohort",
            "crossover": "crossover trial"}.get(m.design, m.design)  # fmt: skip
    lines.append(f"{m.title}: a {kind} of {names}, {n} participants.")
    lines.extend(_primary_lines(v, settings, outcome))
    cx_res = r.get("crossover")
    if cx_res is not None:
        from kneestudy.report.crossover import lead_sentence

        lines.append(
            f"The crossover analysis could not be done: {cx_res}"
            if isinstance(cx_res, AnalysisError)
            else lead_sentence(v, cx_res)
        )
    comp = v.comparator_name
    primary = r.get(f"ancova_{outcome}") or {}
    if not primary and m.design != "crossover":
        from kneestudy.report.cohort_results import change_from_baseline

        ch = change_from_baseline(v.cohort, v.week)
        for row in ch[ch["outcome"] == outcome].to_dict("records"):
            what, unit, _ = _WORDS.get(outcome, (outcome, "units", False))
            lines.append(
                f"On {row['arm']}, {what} changed by {fmt.number(row['change'], 1)} {unit} from "
                f"baseline to week {v.week:g} (95% CI {fmt.ci(row['ci_low'], row['ci_high'], 1)}; "
                f"n = {fmt.count(row['n'])}). Without a comparison group this change is not an "
                "effect of the intervention: it includes natural recovery and regression to the "
                "mean."
            )
    km = r.get("kaplan_meier")
    if km is not None and not isinstance(km, AnalysisError) and isinstance(km.median, pd.DataFrame):
        parts = []
        for row in km.median.to_dict("records"):
            med = row.get("median")
            parts.append(f"{'not reached' if fmt.is_missing(med) else fmt.weeks(med)} on "
                         f"{row['group']}")  # fmt: skip
        text = "Median weeks to pain-free: " + "; ".join(parts) + "."
        cx = r.get("cox")
        table = getattr(cx, "table", None)
        if isinstance(table, pd.DataFrame):
            hrs = []
            for code, name in v.names.items():
                key = f"arm: {name}"
                if code != v.comparator and key in table.index:
                    t = table.loc[key]
                    if key in tuple(getattr(cx, "infinite", ()) or ()):
                        hrs.append(f"not estimable for {name}")
                    else:
                        hrs.append(f"{fmt.estimate_ci(t['hr'], t['ci_low'], t['ci_high'], 2)} "
                                   f"for {name}")  # fmt: skip
            if hrs:
                text += (f" Hazard ratio of becoming pain-free against {comp} (above 1 = "
                         f"sooner): {'; '.join(hrs)}.")  # fmt: skip
        lines.append(text)
    if v.cohort.adverse_events is not None:
        from kneestudy.effects.safety import adverse_events

        ae = adverse_events(v.cohort)
        parts = [f"{int(x.with_event)} of {int(x.n)} ({fmt.percent(x.risk)}%) on {x.arm}"
                 for x in ae.itertuples(index=False)]  # fmt: skip
        serious = int(ae["serious"].sum())
        text = "Participants with at least one adverse event: " + "; ".join(parts)
        rr = ae.dropna(subset=["rr"]) if "rr" in ae else ae.iloc[0:0]
        if len(rr) and comp:
            text += (
                "; risk ratio against "
                + comp
                + " "
                + "; ".join(
                    f"{fmt.estimate_ci(x.rr, x.rr_ci_low, x.rr_ci_high, 2)} for {x.arm}"
                    for x in rr.itertuples(index=False)
                )
            )
        lines.append(text + f". Serious adverse events: {serious}.")
    else:
        lines.append("Harms: the cohort records no adverse-events table.")
    return lines


def side_effect_claims(views: list[CohortView]) -> list[Any]:
    """Glucosamine is said to have "no known side effects": what the cohorts show."""
    from kneestudy.effects.safety import adverse_events

    lines = []
    for v in views:
        c = v.cohort
        if c.adverse_events is None or v.comparator is None:
            continue
        arms = c.arms.drop_duplicates("intervention")
        gluc = arms.loc[arms["idea"] == "glucosamine", "intervention"].tolist()
        if not gluc:
            continue
        ae = adverse_events(c).set_index("intervention")  # one row per intervention code
        comp = str(arms.loc[arms["is_comparator"], "intervention"].iloc[0])
        for code in gluc:
            x = ae.loc[code]
            lines.append(
                f"{c.title}: {int(x['with_event'])} of {int(x['n'])} on {x['arm']} "
                f"({fmt.percent(x['risk'])}%) had at least one adverse event, against "
                f"{int(ae.loc[comp, 'with_event'])} of {int(ae.loc[comp, 'n'])} on "
                f"{ae.loc[comp, 'arm']}; "
                f"risk ratio {fmt.estimate_ci(x['rr'], x['rr_ci_low'], x['rr_ci_high'], 2)}."
            )
    if not lines:
        return []
    return [Bullets(tuple(lines), title='Glucosamine is often said to have "no known side '
                    'effects". Adverse events in the cohorts that test it:')]  # fmt: skip


def _comparison_lead(comparison: Any, study: Any) -> list[Any]:
    from kneestudy.report.comparison_tables import OUTCOME_NAMES, short_verdict

    t = comparison.table
    ranked = t[t["status"] == "estimated"] if "status" in t else t.dropna(subset=["estimate"])
    n_trials = sum(1 for c in study.cohorts if len(c.arms) >= 2)
    published: set[Any] = set()
    simulated: set[Any] = set()
    for f in (study.contrasts, study.arm_summaries):
        if f is not None and len(f):
            sim = synthetic_rows(f)
            simulated.update(f.loc[sim, "study_id"].dropna())
            published.update(f.loc[~sim, "study_id"].dropna())
    n_pub, n_synth = len(published), len(simulated)
    what = OUTCOME_NAMES.get(comparison.outcome, comparison.outcome).lower()
    sources = []
    if n_trials:
        sources.append(f"{n_trials} trial{'s' if n_trials != 1 else ''} with individual data")
    if n_pub:
        sources.append(f"{n_pub} published stud{'ies' if n_pub != 1 else 'y'}")
    if n_synth:
        sources.append(f"{n_synth} simulated stud{'ies' if n_synth != 1 else 'y'} given as "
                       "summary rows")  # fmt: skip
    out = [
        Paragraph(
            f"The eight ideas compared on {what} {comparison.window_label}: {len(ranked)} of "
            f"{len(t)} have an estimate, from {' and '.join(sources) or 'no study'} "
            f"({comparison.n_studies} of them with a usable row here), each against "
            f"{comparison.reference_label}.",
            "lead",
        )
    ]
    if len(ranked) == 1:
        only = ranked.iloc[0]
        out.append(Paragraph(f"Only {only['label']} has an estimate here. "
                             f"{short_verdict(comparison, only)}"))  # fmt: skip
    elif len(ranked) and ranked["rank"].notna().any():
        best = ranked.sort_values("rank", kind="stable").iloc[0]
        p = best.get("p_score", math.nan)
        out.append(
            Paragraph(
                f"{best['label']} ranks first of the {len(ranked)} (P-score {fmt.number(p, 2)}): "
                f"{short_verdict(comparison, best)} Ranks alone overstate differences: read "
                "them with the intervals and the certainty."
            )
        )
    return out


def summary_blocks(
    study: Any,
    views: list[CohortView],
    settings: Settings,
    comparison: Any,
    comparison_note: Any,
) -> list[Any]:
    """Blocks of the summary section.

    ``comparison`` is the IdeasComparison (or None); ``comparison_note`` a
    NotApplicable or Problem block saying why there is none.
    """
    from kneestudy.report.comparison import summary_of_findings

    out: list[Any] = []
    synthetic = [c for c in study.cohorts if c.is_synthetic]
    if synthetic:
        which = (
            "The cohort in this report is simulated, not a real trial."
            if len(study.cohorts) == 1
            else f"{len(synthetic)} of {len(study.cohorts)} cohorts in this report are "
            "simulated, not real trials."
        )
        out.append(
            Paragraph(
                f"Synthetic data: {which} Their numbers show how the analysis works; they are "
                "not evidence about runner's knee.",
                "warning",
            )
        )
    if comparison is not None:
        out.extend(_comparison_lead(comparison, study))
        out.append(summary_of_findings(comparison))
        t = comparison.table
        for status, words in (("no evidence", "No usable evidence here on"),
                              ("not estimable", "Not estimable on their own here")):  # fmt: skip
            names = t.loc[t["status"] == status, "label"].tolist()
            if names:
                out.append(Paragraph(f"{words}: " + ", ".join(map(str, names)) + ".", "muted"))
    elif len(views) == 1:
        out.append(Bullets(tuple(trial_key_results(views[0], settings)), title="Key results"))
    elif not views:
        out.append(Paragraph("The study holds no trial with individual data.", "muted"))
    else:
        for v in views:
            out.append(Bullets(tuple(trial_key_results(v, settings)), title=v.original.title))
    if isinstance(comparison_note, (NotApplicable, Problem)):
        out.append(comparison_note)
    out.extend(side_effect_claims(views))
    return out
