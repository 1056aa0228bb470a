"""One table of contrasts for an outcome, from a study's cohorts and literature.

:func:`study_contrasts` gathers, for one outcome:

- from each cohort, every pair of arms by the effect modules:
  :func:`kneestudy.effects.cohort_contrasts` for ``pain`` and ``akps`` (MD, or
  SMD when the published rows are on another scale) and ``recovered``
  (logOR), :func:`kneestudy.survival.cohort_contrasts` for ``pain_free``
  (logHR, > 0 = pain-free sooner);
- the study's published ``contrasts`` rows for that outcome; of several rows
  of the same comparison the one whose week is nearest the requested week is
  used (the others are kept, set aside, with the reason).

Rows that cannot enter the analysis (another measure that cannot be converted,
a cohort without the outcome) are kept with ``status = "set aside"`` and a
``reason``: nothing is silently dropped. Every row keeps its ``source``
(synthetic cohort or citation), ``population`` and ``risk_of_bias``.

Putting MD on the SMD scale needs a standard deviation: the pooled
standard deviation of the outcome at that week across the study's cohorts is
used, and the row says so in ``note``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError

__all__ = ["COLUMNS", "OUTCOMES", "study_contrasts"]

#: Outcomes the comparison handles and their natural measure.
OUTCOMES: dict[str, str] = {"pain": "MD", "akps": "MD", "recovered": "logOR", "pain_free": "logHR"}
COLUMNS = [
    "study_id", "treatment", "comparator", "outcome", "week", "measure", "estimate", "se",
    "n_treatment", "n_comparator", "source", "population", "risk_of_bias", "origin",
    "status", "reason", "note",
]  # fmt: skip


def _cohort_rows(cohort: Any, outcome: str, week: float, measure: str) -> pd.DataFrame:
    if outcome == "pain_free":
        from kneestudy.survival import cohort_contrasts as surv_contrasts

        out = surv_contrasts(cohort)
    else:
        from kneestudy.effects import cohort_contrasts as eff_contrasts

        out = eff_contrasts(cohort, outcome, week, measure)
    out = out.copy()
    man = cohort.manifest
    if "population" not in out or out["population"].isna().all():
        out["population"] = man.population
    if "risk_of_bias" not in out or out["risk_of_bias"].isna().all():
        out["risk_of_bias"] = man.risk_of_bias
    if "source" not in out:
        out["source"] = man.source
    out["origin"] = "cohort"
    return out


def _pooled_sd(study: Any, outcome: str, week: float) -> float:
    """Pooled SD of the outcome at the visit nearest ``week`` across cohorts."""
    num = den = 0.0
    for c in study.cohorts:
        v = c.visits
        if outcome not in v or v[outcome].notna().sum() < 3:
            continue
        weeks = v.loc[v[outcome].notna(), "week"].unique()
        w = weeks[np.argmin(np.abs(weeks - week))]
        x = v.loc[(v["week"] == w), outcome].dropna()
        if len(x) > 1:
            num += (len(x) - 1) * float(x.var(ddof=1))
            den += len(x) - 1
    return math.sqrt(num / den) if den > 0 else float("nan")


def study_contrasts(
    study: Any, outcome: str = "pain", week: float = 12, measure: str | None = None
) -> pd.DataFrame:
    """Contrasts for one outcome from a study's cohorts and published rows.

    Parameters
    ----------
    study : kneestudy.Study
    outcome : {"pain", "akps", "recovered", "pain_free"}
    week : float
        Week of the comparison (ignored for ``pain_free``, a time to event).
    measure : str, optional
        Force a measure; by default MD for pain and AKPS (SMD when any
        published row of that outcome is an SMD), logOR for recovery, logHR
        for time to pain-free.

    Returns
    -------
    DataFrame
        DESIGN's contrast columns plus ``population``, ``risk_of_bias``,
        ``origin`` (cohort | literature), ``status`` (used | set aside),
        ``reason`` and ``note``.
    """
    if outcome not in OUTCOMES:
        raise AnalysisError(f"unknown outcome {outcome!r}; use one of {list(OUTCOMES)}")
    lit = study.contrasts if isinstance(study.contrasts, pd.DataFrame) else pd.DataFrame()
    lit = lit[lit["outcome"] == outcome].copy() if "outcome" in lit else pd.DataFrame()
    if measure is None:
        measure = OUTCOMES[outcome]
        if measure == "MD" and len(lit) and (lit["measure"] == "SMD").any():
            measure = "SMD"
    frames = []
    for cohort in study.cohorts:
        try:
            frames.append(_cohort_rows(cohort, outcome, week, measure))
        except (AnalysisError, KeyError, ValueError) as exc:
            frames.append(
                pd.DataFrame(
                    [{"study_id": cohort.cohort_id, "outcome": outcome, "week": week,
                      "measure": measure, "source": cohort.manifest.source, "origin": "cohort",
                      "population": cohort.manifest.population,
                      "risk_of_bias": cohort.manifest.risk_of_bias,
                      "status": "set aside", "reason": f"no contrast: {exc}"}]
                )
            )  # fmt: skip
    if len(lit):
        lit["origin"] = "literature"
        lit["status"] = "used"
        lit["reason"] = ""
        if "note" not in lit:
            lit["note"] = ""
        lit["note"] = lit["note"].fillna("").astype(str)
        if "risk_of_bias" not in lit:
            lit["risk_of_bias"] = "some_concerns"
        lit["risk_of_bias"] = lit["risk_of_bias"].fillna("some_concerns")
        sd = _pooled_sd(study, outcome, week) if measure == "SMD" else float("nan")
        for i in lit.index:
            m = lit.at[i, "measure"]
            if m == measure:
                continue
            if m == "MD" and measure == "SMD" and math.isfinite(sd):
                lit.at[i, "estimate"] = lit.at[i, "estimate"] / sd
                lit.at[i, "se"] = lit.at[i, "se"] / sd
                lit.at[i, "measure"] = "SMD"
                lit.at[i, "note"] = (
                    f"{lit.at[i, 'note']}; MD divided by the pooled SD {sd:.3g} of the "
                    "study's cohorts".lstrip("; ")
                )
            else:
                lit.at[i, "status"] = "set aside"
                lit.at[i, "reason"] = f"measure {m} cannot be put on the {measure} scale"
        if outcome != "pain_free":
            key = ["study_id", "treatment", "comparator"]
            dist = (lit["week"].astype(float) - float(week)).abs()
            best = dist.groupby([lit[k] for k in key]).transform("min")
            later = (dist > best) | dist.duplicated() & lit.duplicated(key)
            lit.loc[later, "status"] = "set aside"
            lit.loc[later, "reason"] = "another row of this comparison is nearer the week asked"
            off = (dist > 0) & (lit["status"] == "used")
            lit.loc[off, "note"] = lit.loc[off].apply(
                lambda r: f"{r['note']}; published at week {r['week']:g}".lstrip("; "), axis=1
            )
        frames.append(lit)
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    for c in COLUMNS:
        if c not in out:
            out[c] = np.nan if c in ("estimate", "se", "n_treatment", "n_comparator") else ""
    out["status"] = out["status"].replace("", "used").fillna("used")
    out["reason"] = out["reason"].fillna("")
    out["note"] = out["note"].fillna("")
    out["outcome"] = outcome
    return out[COLUMNS + [c for c in out.columns if c not in COLUMNS]]
