r"""Summary of findings: per idea, what happens with the comparator and with the idea.

The GRADE summary-of-findings table (Guyatt et al. 2013, GRADE guidelines 12
and 13) shows, per idea:

- the **comparator's** value in the window: for a continuous outcome the mean
  on the comparison scale in the inactive arms (individual-data cohorts at the
  week analysed, published inactive arms at their week, weighted by arm size);
  for recovery the risk per 1,000 (events over participants); for time to
  pain-free the proportion per 1,000 pain-free by week 12 (Kaplan–Meier over the
  cohorts' inactive arms);
- the **corresponding** value with the idea and the absolute effect with its
  95% CI: mean + MD for continuous outcomes; for an odds ratio
  :math:`p_1 = OR\,p_0 / (1 - p_0 + OR\,p_0)`; for a hazard ratio of becoming
  pain-free :math:`p_1 = 1 - (1 - p_0)^{HR}` (proportional hazards), each per
  1,000 with the limits from the ratio's CI;
- the **relative** effect (odds or hazard ratio) for binary and time-to-event outcomes;
- participants (studies), certainty, the reasons for rating down and the verdict.

An SMD has no comparator mean: its absolute effect is the SMD itself.

References
----------
Guyatt GH, Oxman AD, Santesso N, et al. (2013). GRADE guidelines: 12. Preparing
summary of findings tables—binary outcomes. *J Clin Epidemiol* 66:158–172.
Guyatt GH, Thorlund K, Oxman AD, et al. (2013). GRADE guidelines: 13. Preparing
summary of findings tables and evidence profiles—continuous outcomes. *J Clin
Epidemiol* 66:173–183.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.compare.engine import Settings
from kneestudy.compare.scales import instrument
from kneestudy.interventions import components_of

__all__ = ["comparator_value", "summary_of_findings"]

SOF_COLUMNS = [
    "idea", "label", "comparator", "comparator_value", "comparator_unit", "comparator_basis",
    "intervention_value", "absolute_effect", "absolute_ci_low", "absolute_ci_high",
    "absolute_unit", "relative_measure", "relative_effect", "relative_ci_low",
    "relative_ci_high", "participants", "studies", "certainty", "reasons", "verdict",
]  # fmt: skip
_PAIN_FREE_WEEK = 12.0


def _inactive(code: str, st: Settings) -> bool:
    return bool(code) and not components_of(code, st.inactive, st.code_ideas, st.separate_aliases)


def comparator_value(study: Any, rows: pd.DataFrame, st: Settings) -> tuple[float, float, str]:
    """The comparator's mean (or risk) in the window: (value, participants, basis).

    ``rows`` are the comparison's contrasts with their status; only studies
    with used rows count, each at the week it was analysed.
    """
    used = rows[rows["status"] == "used"]
    if st.scale.measure == "SMD":
        return float("nan"), float("nan"), "an SMD has no comparator mean"
    values: list[float] = []
    ns: list[float] = []
    where: list[str] = []
    binary = st.scale.measure in ("logOR", "logHR")
    for cohort in getattr(study, "cohorts", []):
        g = used[(used["study_id"] == cohort.cohort_id) & (used["origin"] == "cohort")]
        if g.empty:
            continue
        codes = [c for c in set(g["treatment"]) | set(g["comparator"]) if _inactive(c, st)]
        if not codes:
            continue
        p = cohort.participants[cohort.participants["intervention"].isin(codes)]
        if st.outcome == "pain_free":
            from kneestudy.survival import kaplan_meier, time_to_pain_free

            tt = time_to_pain_free(cohort)
            tt = tt[tt["participant_id"].isin(p["participant_id"])]
            if tt.empty:
                continue
            km = kaplan_meier(tt["time_weeks"], tt["observed"])
            s = float(km.at([_PAIN_FREE_WEEK])["survival"].iloc[0])
            values.append(1.0 - s)
            ns.append(float(len(tt)))
        else:
            week = float(g["week"].iloc[0])
            col = "grc" if st.outcome == "recovered" else st.outcome
            v = cohort.visits
            x = v.loc[(v["week"] == week) & v["participant_id"].isin(p["participant_id"]), col]
            x = x.dropna().astype(float)
            if x.empty:
                continue
            values.append(float((x >= 6).mean()) if st.outcome == "recovered" else float(x.mean()))
            ns.append(float(len(x)))
        where.append(cohort.cohort_id)
    arms = getattr(study, "arm_summaries", None)
    if isinstance(arms, pd.DataFrame) and len(arms) and st.outcome != "pain_free":
        lit = used[used["origin"] == "arm summaries"]
        for sid, g in lit.groupby("study_id"):
            week = float(g["week"].iloc[0])
            a = arms[
                (arms["study_id"] == sid) & (arms["outcome"] == st.outcome) & (arms["week"] == week)
            ]
            for _, r in a.iterrows():
                if not _inactive(str(r["intervention"]), st) or pd.isna(r.get("n")):
                    continue
                if binary:
                    if pd.isna(r.get("events")):
                        continue
                    values.append(float(r["events"]) / float(r["n"]))
                else:
                    inst = instrument(r.get("instrument"))
                    factor = 1.0 if inst is None else inst.points
                    if factor is None or pd.isna(r.get("mean")):
                        continue
                    values.append(float(r["mean"]) * factor)
                ns.append(float(r["n"]))
                where.append(str(sid))
    if not values:
        return float("nan"), float("nan"), "no inactive arm reports this outcome in the window"
    n = np.asarray(ns)
    val = float(np.sum(np.asarray(values) * n) / n.sum())
    what = {"recovered": "risk of recovery", "pain_free": f"pain-free by week {_PAIN_FREE_WEEK:g}"}
    basis = (
        f"{what.get(st.outcome, 'mean')} in the inactive arms of {', '.join(sorted(set(where)))} "
        f"({int(n.sum())} participants, weighted by arm size)"
    )
    return val, float(n.sum()), basis


def _exp(x: float) -> float:
    return math.exp(x) if x < 700 else math.inf


def _risk(p0: float, ratio: float, measure: str) -> float:
    if measure == "logOR":
        if math.isinf(ratio):
            return 1.0
        return ratio * p0 / (1 - p0 + ratio * p0)
    return 1 - (1 - p0) ** ratio


def summary_of_findings(
    table: pd.DataFrame, study: Any, rows: pd.DataFrame, st: Settings
) -> pd.DataFrame:
    """The summary-of-findings table (module docstring), one row per idea, never rounded."""
    base, _, basis = comparator_value(study, rows, st)
    sc = st.scale
    out = []
    for r in table.to_dict("records"):
        rec: dict[str, Any] = {
            "idea": r["idea"], "label": r["label"], "comparator": st.comparator_text,
            "comparator_value": np.nan, "comparator_unit": "", "comparator_basis": basis,
            "intervention_value": np.nan, "absolute_effect": np.nan, "absolute_ci_low": np.nan,
            "absolute_ci_high": np.nan, "absolute_unit": "", "relative_measure": "",
            "relative_effect": np.nan, "relative_ci_low": np.nan, "relative_ci_high": np.nan,
            "participants": r["participants"], "studies": r["studies"],
            "certainty": r["certainty"], "reasons": r["reasons"], "verdict": r["verdict"],
        }  # fmt: skip
        est, lo, hi = r.get("estimate"), r.get("ci_low"), r.get("ci_high")
        has = est is not None and isinstance(est, float) and math.isfinite(est)
        if sc.ratio:
            rec.update(comparator_value=1000 * base, comparator_unit="per 1,000",
                       absolute_unit="more per 1,000 (fewer if negative)",
                       relative_measure="odds ratio" if sc.measure == "logOR" else "hazard ratio")  # fmt: skip
            if has:
                rec.update(relative_effect=_exp(est), relative_ci_low=_exp(lo),
                           relative_ci_high=_exp(hi))  # fmt: skip
                if math.isfinite(base):
                    p1 = [_risk(base, _exp(x), sc.measure) for x in (est, lo, hi)]
                    rec.update(intervention_value=1000 * p1[0],
                               absolute_effect=1000 * (p1[0] - base),
                               absolute_ci_low=1000 * (min(p1[1], p1[2]) - base),
                               absolute_ci_high=1000 * (max(p1[1], p1[2]) - base))  # fmt: skip
        elif sc.measure == "SMD":
            rec.update(absolute_unit="standard deviations (SMD)")
            if has:
                rec.update(absolute_effect=est, absolute_ci_low=lo, absolute_ci_high=hi)
        else:
            rec.update(comparator_value=base, comparator_unit=sc.unit, absolute_unit=sc.unit)
            if has:
                rec.update(absolute_effect=est, absolute_ci_low=lo, absolute_ci_high=hi,
                           intervention_value=base + est if math.isfinite(base) else np.nan)  # fmt: skip
        out.append(rec)
    return pd.DataFrame(out, columns=SOF_COLUMNS)
