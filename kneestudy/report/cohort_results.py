"""Result parts of a cohort section: effects and time to pain-free.

Each table says what is compared with what, at which week, and which
direction is better; its data keep full precision. Analyses left out for the
design get one line (:class:`~kneestudy.report.content.NotApplicable`);
analyses that failed on the data get their reason
(:class:`~kneestudy.report.content.Problem`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.report import format as fmt
from kneestudy.report.cohort import CohortView, problem, warning_bullets
from kneestudy.report.content import Column, Figure, Heading, Paragraph, Problem, Table
from kneestudy.report.settings import Settings, better, outcome_label

__all__ = ["change_from_baseline", "effects", "survival"]

_CI = "95% CI"


def _present(data: pd.DataFrame, cols: list[Column]) -> tuple[Column, ...]:
    """The columns whose sources the data have (a result may not report every column)."""
    have = set(data.columns)
    return tuple(c for c in cols if set(c.sources) <= have)


def _frames(v: CohortView, key: str, what: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Rows of the per-arm results under ``key`` that worked, Problems for the others."""
    frames, errors = [], []
    for code, res in (v.results.get(key) or {}).items():
        if isinstance(res, AnalysisError):
            errors.append(Problem(f"{what} of {v.pair(code)}", str(res)))
        else:
            frames.append(res.to_frame().assign(treatment=code))
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()), errors


def _ancova(v: CohortView) -> list[Any]:
    parts, out = [], []
    for outcome in ("pain", "akps"):
        frame, errors = _frames(v, f"ancova_{outcome}", f"ANCOVA of {outcome}")
        out.extend(errors)
        if len(frame):
            parts.append(frame.assign(outcome=outcome))
    if not parts:
        return out
    data = pd.concat(parts, ignore_index=True)
    data["comparison"] = [v.pair(t) for t in data["treatment"]]
    data["outcome_label"] = [outcome_label(o) for o in data["outcome"]]
    cols = [
        Column("comparison", "Comparison", style="text"),
        Column("outcome_label", "Outcome", style="text"),
        Column("n_treatment", "n analysed", unit="arm / comparator", style="pair",
               fields=("n_treatment", "n_comparator")),
        Column("estimate", f"Difference ({_CI})", unit="points", style="estimate_ci", digits=1,
               fields=("estimate", "ci_low", "ci_high")),
        Column("p_value", "p", style="p"),
    ]  # fmt: skip
    if {"smd", "smd_ci_low", "smd_ci_high"} <= set(data.columns):
        cols.append(Column("smd", f"SMD ({_CI})", style="estimate_ci", digits=2,
                           fields=("smd", "smd_ci_low", "smd_ci_high")))  # fmt: skip
    out.append(
        Table(
            f"{v.slug}-ancova",
            f"Between-arm differences at week {v.week:g}: each arm minus {v.comparator_name}, "
            "adjusted for the baseline value (ANCOVA)",
            data,
            _present(data, cols),
            direction="Pain: negative differences favour the first arm (less pain). AKPS: "
            "positive differences favour the first arm (better function).",
            notes=("Complete cases at the week; SMD = difference / pooled baseline SD.",),
        )
    )
    return out


def _mmrm(v: CohortView, settings: Settings) -> list[Any]:
    res = v.results.get("mmrm")
    if res is None:
        return []
    if isinstance(res, AnalysisError):
        return problem(f"MMRM of {settings.outcome}", res)
    data = res.to_frame()
    cov = getattr(res, "covariance", "unstructured")
    title = (f"{outcome_label(settings.outcome)} at every visit: each arm minus "
             f"{v.comparator_name} (MMRM, {str(cov).replace('_', ' ')} covariance, REML, "
             "Satterthwaite degrees of freedom)")  # fmt: skip
    if not {"treatment", "week", "estimate", "ci_low", "ci_high"} <= set(data.columns):
        from kneestudy.report.tables import result_table

        return [result_table(res, key=f"{v.slug}-mmrm", title=title,
                             direction=better(settings.outcome))]  # fmt: skip
    data = data.assign(comparison=[v.pair(t) for t in data["treatment"]])
    return [
        Table(
            f"{v.slug}-mmrm",
            title,
            data,
            (
                Column("comparison", "Comparison", style="text"),
                Column("week", "Week", style="weeks"),
                Column(
                    "estimate",
                    f"Difference ({_CI})",
                    unit="points",
                    style="estimate_ci",
                    digits=1,
                    fields=("estimate", "ci_low", "ci_high"),
                ),
                Column("p_value", "p", style="p"),
            ),  # fmt: skip
            direction=better(settings.outcome),
            notes=("All post-baseline visits of every participant are used (missing at random).",),
        )
    ]


def _responders(v: CohortView, settings: Settings) -> list[Any]:
    frame, errors = _frames(v, "responders", "Responder analysis")
    if not len(frame):
        return list(errors)
    frame = frame.assign(comparison=[v.pair(t) for t in frame["treatment"]])
    definition = str(frame["definition"].iloc[0]) if "definition" in frame else "responders"
    return [
        *errors,
        Table(
            f"{v.slug}-responders",
            f"Responders ({definition}): each arm against {v.comparator_name}",
            frame,
            _present(
                frame,
                [
                    Column("comparison", "Comparison", style="text"),
                    Column(
                        "events_treatment",
                        "Responders, first arm",
                        style="events",
                        digits=0,
                        fields=("events_treatment", "n_treatment"),
                    ),
                    Column(
                        "events_comparator",
                        "Responders, comparator",
                        style="events",
                        digits=0,
                        fields=("events_comparator", "n_comparator"),
                    ),
                    Column(
                        "rr",
                        f"Risk ratio ({_CI})",
                        style="estimate_ci",
                        fields=("rr", "rr_ci_low", "rr_ci_high"),
                    ),
                    Column(
                        "rd",
                        f"Risk difference ({_CI})",
                        style="estimate_ci",
                        fields=("rd", "rd_ci_low", "rd_ci_high"),
                    ),
                    Column("nnt_text", "NNT", style="text"),
                ],
            ),
            direction="Risk ratios above 1 and positive risk differences favour the first arm.",
            notes=(
                "NNT: number needed to treat for one more responder (NNTB; NNTH for harm), "
                "Altman 1998; participants without the week's visit are not counted.",
            ),
        ),  # fmt: skip
    ]


def change_from_baseline(cohort: Any, week: float) -> pd.DataFrame:
    """Mean change from baseline to ``week`` per arm and outcome, with t-based 95% CIs.

    Participants with both the baseline and the week's value; a descriptive
    summary (no comparison group, so not an effect estimate).
    """
    from kneestudy.plots.curves import trajectory_summary

    rows = []
    for outcome in ("pain", "akps"):
        if outcome not in cohort.visits or not cohort.visits[outcome].notna().any():
            continue
        long = cohort.long(outcome)
        at = long[np.isclose(long["week"].astype(float), week)].dropna(subset=[outcome, "baseline"])
        if not len(at):
            continue
        s = trajectory_summary(at.assign(week=week), "change")
        base = at.groupby("arm", observed=True)["baseline"].mean()
        value = at.groupby("arm", observed=True)[outcome].mean()
        for r in s.to_dict("records"):
            rows.append({"arm": r["arm"], "outcome": outcome, "week": week, "n": r["n"],
                         "baseline": float(base[r["arm"]]), "value": float(value[r["arm"]]),
                         "change": r["mean"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]})  # fmt: skip
    return pd.DataFrame(rows, columns=["arm", "outcome", "week", "n", "baseline", "value",
                                       "change", "ci_low", "ci_high"])  # fmt: skip


def _within_arm(v: CohortView, settings: Settings) -> list[Any]:
    data = change_from_baseline(v.cohort, v.week)
    if not len(data):
        return [Paragraph(f"No participant has both a baseline and a week-{v.week:g} value.")]
    data["outcome_label"] = [outcome_label(o) for o in data["outcome"]]
    return [
        Table(
            f"{v.slug}-change",
            f"Change from baseline to week {v.week:g} within each arm of {v.cohort.title}",
            data,
            (
                Column("arm", "Arm", style="text"),
                Column("outcome_label", "Outcome", style="text"),
                Column("n", "n", style="count"),
                Column("baseline", "Baseline mean", digits=1),
                Column("value", f"Mean at week {v.week:g}", digits=1),
                Column(
                    "change",
                    f"Mean change ({_CI})",
                    style="estimate_ci",
                    digits=1,
                    fields=("change", "ci_low", "ci_high"),
                ),
            ),  # fmt: skip
            direction="Pain falling (negative change) and AKPS rising (positive) are improvements.",
            notes=(
                "Participants with both values; t intervals. Without a comparison group the "
                "change includes natural recovery and regression to the mean.",
            ),
        )  # fmt: skip
    ]


def effects(v: CohortView, settings: Settings) -> list[Any]:
    """ANCOVA, MMRM and responders against the comparator (or within-arm change)."""
    out: list[Any] = [Heading(f"Effects at week {v.week:g}", f"{v.anchor}-effects")]
    out.extend(v.left_out("effects"))
    has_between = any(k in v.results for k in ("ancova_pain", "ancova_akps", "mmrm", "responders"))
    if has_between:
        out.extend(_ancova(v))
        out.extend(_mmrm(v, settings))
        out.extend(_responders(v, settings))
    elif v.original.manifest.design != "crossover":
        out.extend(_within_arm(v, settings))
    return out


def _per_arm_survival(v: CohortView, km: Any, rm: Any) -> pd.DataFrame:
    tt = v.results["time_to_pain_free"]
    counts = tt.groupby("arm", sort=False, observed=True)["observed"].agg(["size", "sum"])
    med = km.median if isinstance(km.median, pd.DataFrame) else pd.DataFrame()
    rows = []
    for arm in v.cohort.arms["arm"]:
        r: dict[str, Any] = {"arm": arm, "n": float(counts["size"].get(arm, 0)),
                             "events": float(counts["sum"].get(arm, 0))}  # fmt: skip
        m = med[med["group"].astype(str) == str(arm)] if "group" in med else med.iloc[0:0]
        for c in ("median", "ci_low", "ci_high"):
            r[f"median_{c}" if c != "median" else "median"] = (
                float(m[c].iloc[0]) if len(m) else math.nan
            )
        if rm is not None:
            t = rm.table[rm.table["group"].astype(str) == str(arm)]
            for c in ("rmst", "ci_low", "ci_high"):
                r[f"rmst_{c}" if c != "rmst" else "rmst"] = (
                    float(t[c].iloc[0]) if len(t) else math.nan
                )
        rows.append(r)
    return pd.DataFrame(rows)


def _vs_comparator(v: CohortView, cx: Any) -> pd.DataFrame:
    """HR and RMST difference of each arm against the comparator."""
    comp = v.comparator_name
    rows = []
    for code, arm in v.names.items():
        if code == v.comparator:
            continue
        r: dict[str, Any] = {"comparison": f"{arm} vs {comp}"}
        t = getattr(cx, "table", None)
        if isinstance(t, pd.DataFrame):
            key = f"arm: {arm}"
            if key in t.index:
                r.update(hr=float(t.loc[key, "hr"]), hr_ci_low=float(t.loc[key, "ci_low"]),
                         hr_ci_high=float(t.loc[key, "ci_high"]), hr_p=float(t.loc[key, "p_value"]),
                         infinite=key in tuple(getattr(cx, "infinite", ()) or ()))  # fmt: skip
        pair = (v.results.get("rmst_vs_comparator") or {}).get(arm)
        if pair is not None and not isinstance(pair, AnalysisError) and len(pair.difference):
            d = pair.difference
            g, ref = d["group"].astype(str), d["reference"].astype(str)
            hit, flip = d[(g == arm) & (ref == comp)], d[(g == comp) & (ref == arm)]
            if len(hit):
                r.update(rmst_d=float(hit["estimate"].iloc[0]), rmst_lo=float(hit["ci_low"].iloc[0]),
                         rmst_hi=float(hit["ci_high"].iloc[0]))  # fmt: skip
            elif len(flip):  # the same difference the other way round
                r.update(rmst_d=-float(flip["estimate"].iloc[0]),
                         rmst_lo=-float(flip["ci_high"].iloc[0]),
                         rmst_hi=-float(flip["ci_low"].iloc[0]))  # fmt: skip
        rows.append(r)
    frame = pd.DataFrame(rows)
    for c in ("hr", "hr_ci_low", "hr_ci_high", "hr_p", "rmst_d", "rmst_lo", "rmst_hi"):
        if c not in frame:
            frame[c] = math.nan
    return frame


def survival(v: CohortView, settings: Settings) -> list[Any]:
    """Kaplan–Meier curves, median and restricted mean time, log-rank, hazard ratios."""
    from kneestudy import plots

    out: list[Any] = [Heading("Time to pain-free", f"{v.anchor}-survival")]
    out.extend(v.left_out("survival"))
    r = v.results
    if "time_to_pain_free" not in r:
        return out + warning_bullets(r.get("warnings", []))
    tt = r["time_to_pain_free"]
    if isinstance(tt, AnalysisError):
        return out + problem("Time to pain-free", tt) + warning_bullets(r.get("warnings", []))
    km = r.get("kaplan_meier")
    out.extend(problem("Kaplan–Meier curves", km))
    comp = v.comparator_name
    thr = settings.pain_free_threshold
    if km is not None and not isinstance(km, AnalysisError):
        colors = plots.arm_colors(list(v.cohort.arms["arm"]), comp)
        n_arms = len(v.cohort.arms)
        out.append(
            Figure(
                f"{v.slug}-time-to-pain-free",
                f"Share of participants pain-free (pain ≤ {thr:g}) over time by arm in "
                f"{v.cohort.title}: 1 − Kaplan–Meier with 95% CI bands, number still at risk below.",
                lambda ax: plots.pain_free_curves(km, ax, colors=colors, comparator=comp),
                (7.0, 5.2),
                alt="share pain-free over time by arm",
                margins={"left": 0.2, "bottom": 0.17 + 0.045 * n_arms, "top": 0.93},
            )
        )
    rm = r.get("rmst")
    out.extend(problem("Restricted mean time", rm))
    rm = None if isinstance(rm, AnalysisError) else rm
    if km is not None and not isinstance(km, AnalysisError):
        data = _per_arm_survival(v, km, rm)
        cols = [
            Column("arm", "Arm", style="text"),
            Column("n", "n", style="count"),
            Column("events", "Became pain-free", style="count"),
            Column("median", f"Median weeks ({_CI})", style="estimate_ci", digits=1,
                   fields=("median", "median_ci_low", "median_ci_high")),
        ]  # fmt: skip
        if "rmst" in data:
            cols.append(Column("rmst", f"Restricted mean weeks until pain-free ({_CI})",
                    unit=f"up to week {v.week:g}",
                               style="estimate_ci", digits=1,
                               fields=("rmst", "rmst_ci_low", "rmst_ci_high")))  # fmt: skip
        out.append(
            Table(
                f"{v.slug}-pain-free",
                f"Time to pain-free by arm: median (Kaplan–Meier) and restricted mean time "
                f"until pain-free up to week {v.week:g}",
                data,
                tuple(cols),
                direction="Shorter times are better.",
                notes=(
                    f"Pain-free: pain ≤ {thr:g} at a visit; the visit week is used (right-"
                    "censored). – : median or limit not reached.",
                ),
            )  # fmt: skip
        )
    lr = r.get("logrank")
    out.extend(problem("Log-rank test", lr))
    if lr is not None and not isinstance(lr, AnalysisError):
        out.append(
            Paragraph(
                f"Log-rank test of equal times to pain-free across arms: χ² = "
                f"{fmt.number(lr.statistic, 2)} on {fmt.weeks(lr.df)} df, p = "
                f"{fmt.p_value(lr.p_value)}.".replace("p = <", "p < ")
            )
        )
    cx = r.get("cox")
    out.extend(problem("Cox model", cx))
    cx = None if isinstance(cx, AnalysisError) else cx
    if comp is not None and (cx is not None or rm is not None):
        data = _vs_comparator(v, cx)
        if bool(data.get("infinite", pd.Series(dtype=bool)).fillna(False).any()):
            bad = ", ".join(data.loc[data["infinite"].fillna(False).astype(bool), "comparison"])
            out.append(
                Problem(
                    "A finite hazard ratio",
                    f"The Cox fit diverges for {bad} (e.g. no one in an arm became pain-free): "
                    "that hazard ratio is not estimable; read the curves and the log-rank test.",
                )
            )
        out.append(
            Table(
                f"{v.slug}-pain-free-comparisons",
                f"Time to pain-free, each arm against {comp}: hazard ratio of becoming pain-free "
                f"(Cox) and difference in restricted mean time to week {v.week:g}",
                data,
                (
                    Column("comparison", "Comparison", style="text"),
                    Column(
                        "hr",
                        f"Hazard ratio ({_CI})",
                        style="estimate_ci",
                        fields=("hr", "hr_ci_low", "hr_ci_high"),
                    ),
                    Column("hr_p", "p", style="p"),
                    Column(
                        "rmst_d",
                        f"Difference in mean weeks ({_CI})",
                        style="estimate_ci",
                        digits=1,
                        fields=("rmst_d", "rmst_lo", "rmst_hi"),
                    ),
                ),  # fmt: skip
                direction="Hazard ratios above 1 and negative differences in mean weeks favour "
                "the first arm (pain-free sooner).",
            )
        )
    out.extend(_ph_test(cx))
    return out + warning_bullets(r.get("warnings", []))


def _ph_test(cx: Any) -> list[Any]:
    """The proportional-hazards test of the Cox model in a plain sentence (R's ``cox.zph``)."""
    if cx is None or getattr(cx, "ph_test", None) is None:
        return []
    failed = bool(cx.ph_violations(0.05))
    return [
        Paragraph("Proportional hazards: " + cx.ph_note(0.05), "warning" if failed else "muted")
    ]
