r"""One scale per outcome: what the comparison measures effects in, and how rows get there.

=========  ======  ==============================  ====================  =====================
outcome    scale   unit                            better                MCID (threshold)
=========  ======  ==============================  ====================  =====================
pain       MD      points on the 0–10 pain scale   lower                 2 points (Crossley 2004)
akps       MD      AKPS points (0–100)             higher                10 points (Crossley 2004)
function   SMD     standard deviations             higher                0.5 SD (assumption)
recovered  logOR   log odds ratio of recovery      higher                OR 1.5 (assumption)
pain_free  logHR   log hazard ratio (> 0 sooner)   higher                HR 1.5 (assumption)
=========  ======  ==============================  ====================  =====================

Rules (Cochrane Handbook v6.4 §10.5 and §6.5; GRADE guidelines 13):

- A mean difference on another instrument of the same construct with a
  points factor (:data:`kneestudy.schemas.instruments.INSTRUMENTS`) is put on
  the comparison scale by that factor (a VAS in mm divided by 10), stated in
  the row's note. A row that names no instrument is taken to be on the
  comparison scale already (an assumption, stated).
- A published SMD (or an MD on an instrument without a points factor, first
  standardised by the study's published baseline SD) is re-expressed in points
  by multiplying by a stated *reference SD* (GRADE guidelines 13: present the
  result in the units of a familiar instrument), by default the pooled
  baseline SD of the outcome on the comparison scale across the study's
  individual-data cohorts and published baseline arms; without one the row is
  set aside with that reason.
- An SMD network (``scale="SMD"``, and always for ``function``, whose
  instruments share no points scale) standardises every row by one rule: the
  pooled baseline SD of the trial (individual data) or the trial's published
  baseline SD (published rows), and uses Hedges' *g*, :math:`g = J\,MD/s`, with
  the large-sample variance of ``metafor::escalc`` (``vtype = "LS"``) written
  for any standardiser, :math:`v_{MD}/s^2 + g^2/(2N)` (Hedges & Olkin 1985):
  with the pooled outcome SD and :math:`v_{MD} = s^2(1/n_1 + 1/n_2)` it is
  escalc's :math:`1/n_1 + 1/n_2 + g^2/(2N)`; :math:`J` is the exact
  small-sample correction on :math:`N - 2` degrees of freedom.
- Signs follow the outcome: an instrument whose direction differs from the
  outcome's (KOOS pain, where higher is better) has its estimates negated.

References
----------
Crossley KM, Bennell KL, Cowan SM, Green S (2004). Analysis of outcome measures
for persons with patellofemoral pain: which are reliable and valid? *Arch Phys
Med Rehabil* 85:815–822. Higgins JPT, Thomas J, Chandler J, et al. (eds) (2023).
*Cochrane Handbook for Systematic Reviews of Interventions*, version 6.4,
§10.5.3. Guyatt GH, Thorlund K, Oxman AD, et al. (2013). GRADE guidelines: 13.
Preparing summary of findings tables and evidence profiles—continuous
outcomes. *J Clin Epidemiol* 66:173–183. Hedges LV, Olkin I (1985).
*Statistical Methods for Meta-Analysis*. Academic Press.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.schemas.instruments import INSTRUMENTS, Instrument

__all__ = ["OUTCOMES", "Scale", "hedges_g", "instrument", "pooled_sd", "reference_sd", "scale_for"]


@dataclass(frozen=True)
class Scale:
    """The scale an outcome is compared on.

    Attributes
    ----------
    outcome, measure, unit : str
    lower_is_better : bool
        Direction of benefit (P-scores, thresholds, verdict wording).
    mcid : float
        Minimal important difference on the scale (log scale for ratios).
    mcid_source : str
        Where the MCID comes from, or "assumption".
    mcid_assumed : bool
        True when the MCID is not from a source.
    """

    outcome: str
    measure: str
    unit: str
    lower_is_better: bool
    mcid: float
    mcid_source: str
    mcid_assumed: bool

    @property
    def benefit_threshold(self) -> float:
        """The MCID on the side of benefit (−MCID when lower is better)."""
        return -self.mcid if self.lower_is_better else self.mcid

    @property
    def harm_threshold(self) -> float:
        """The MCID on the side of harm."""
        return -self.benefit_threshold

    @property
    def ratio(self) -> bool:
        """True for log ratio scales (shown exponentiated)."""
        return self.measure in ("logOR", "logHR")


_CROSSLEY = "Crossley et al. 2004, Arch Phys Med Rehabil 85:815"
_SCALES: dict[str, Scale] = {
    "pain": Scale("pain", "MD", "points on the 0–10 pain scale", True, 2.0, _CROSSLEY, False),
    "akps": Scale("akps", "MD", "AKPS points (0–100)", False, 10.0, _CROSSLEY, False),
    "function": Scale("function", "SMD", "standard deviations", False, 0.5, "assumption", True),
    "recovered": Scale(
        "recovered", "logOR", "log odds ratio of recovery", False, math.log(1.5), "assumption", True
    ),
    "pain_free": Scale(
        "pain_free", "logHR", "log hazard ratio of becoming pain-free (> 0 = sooner)", False,
        math.log(1.5), "assumption", True,
    ),
}  # fmt: skip
#: Outcomes the comparison handles.
OUTCOMES: tuple[str, ...] = tuple(_SCALES)


def scale_for(outcome: str, scale: str | None = None, mcid: float | None = None) -> Scale:
    """The :class:`Scale` of ``outcome``; ``scale="SMD"`` standardises pain or AKPS.

    ``mcid`` replaces the default threshold (then labelled as given by the user).
    """
    if outcome not in _SCALES:
        raise AnalysisError(f"unknown outcome {outcome!r}; use one of {list(OUTCOMES)}")
    s = _SCALES[outcome]
    if scale is not None:
        scale = str(scale).upper() if str(scale).upper() in ("MD", "SMD") else str(scale)
        if scale not in (s.measure, "SMD") or (
            scale == "SMD" and outcome not in ("pain", "akps", "function")
        ):
            raise AnalysisError(
                f"outcome {outcome!r} is compared as {s.measure}"
                + (" or SMD" if outcome in ("pain", "akps") else "")
                + f"; got scale={scale!r}"
            )
        if scale == "SMD" and s.measure != "SMD":
            s = Scale(
                outcome, "SMD", "standard deviations", s.lower_is_better, 0.5, "assumption", True
            )
    if mcid is not None:
        if not (float(mcid) > 0 and math.isfinite(float(mcid))):
            raise AnalysisError(f"mcid must be a positive number; got {mcid!r}")
        s = replace(s, mcid=float(mcid), mcid_source="given by the user", mcid_assumed=False)
    return s


def instrument(code: Any) -> Instrument | None:
    """The registry entry of an instrument code, or None for a missing code."""
    if code is None or (isinstance(code, float) and math.isnan(code)) or code is pd.NA:
        return None
    code = str(code).strip()
    return INSTRUMENTS.get(code) if code else None


def _hedges_j(m: float) -> float:
    from kneestudy.meta.pairwise import _hedges_j as j

    return float(j(np.array([m]))[0])


def hedges_g(md: float, se_md: float, sd: float, n1: float, n2: float) -> tuple[float, float]:
    """Hedges' *g* and its standard error from a mean difference and a standardiser.

    ``g = J md / sd`` and ``var = se_md² / sd² + g² / (2 (n1 + n2))`` with
    ``J`` the exact correction on ``n1 + n2 − 2`` degrees of freedom (escalc's
    large-sample variance when ``sd`` is the pooled SD and ``se_md`` its MD's SE).
    """
    n = float(n1) + float(n2)
    if not (math.isfinite(n) and n > 2 and sd > 0):
        raise AnalysisError("a standardised mean difference needs both arm sizes and a positive SD")
    j = _hedges_j(n - 2)
    g = j * md / sd
    var = (se_md / sd) ** 2 + g**2 / (2 * n)
    return g, math.sqrt(var)


def pooled_sd(n: Any, sd: Any) -> tuple[float, float]:
    """Pooled within-group SD ``sqrt(Σ(n−1)s² / Σ(n−1))`` and the total n (NaN if none)."""
    n = np.asarray(n, dtype=float)
    sd = np.asarray(sd, dtype=float)
    ok = np.isfinite(n) & np.isfinite(sd) & (n > 1) & (sd > 0)
    if not ok.any():
        return float("nan"), float("nan")
    dfs = (n[ok] - 1).sum()
    return float(np.sqrt(((n[ok] - 1) * sd[ok] ** 2).sum() / dfs)), float(n[ok].sum())


def reference_sd(study: Any, outcome: str) -> tuple[float, str]:
    """Pooled baseline SD of ``outcome`` on the comparison scale, and where it comes from.

    From the week-0 visits of the study's individual-data cohorts (pooled
    within arms) and the published week-0 arm summaries whose instrument has a
    points factor (converted by it; a row without an instrument is taken to be
    on the comparison scale).
    """
    ns: list[float] = []
    sds: list[float] = []
    parts: list[str] = []
    for c in getattr(study, "cohorts", []):
        v = c.visits
        if outcome not in v:
            continue
        base = v.loc[v["week"] == 0, ["participant_id", outcome]].dropna()
        if len(base) < 3:
            continue
        arm = c.participants.set_index("participant_id")["intervention"]
        g = base.assign(arm=base["participant_id"].map(arm)).groupby("arm")[outcome]
        ns.extend(g.count().astype(float))
        sds.extend(g.std(ddof=1).astype(float))
        parts.append(c.cohort_id)
    arms = getattr(study, "arm_summaries", None)
    if isinstance(arms, pd.DataFrame) and len(arms) and {"outcome", "week", "sd"} <= set(arms):
        b = arms[(arms["outcome"] == outcome) & (arms["week"] == 0)]
        for _, r in b.iterrows():
            inst = instrument(r.get("instrument"))
            factor = 1.0 if inst is None else inst.points
            if factor is None or (inst is not None and inst.outcome != outcome):
                continue
            if pd.notna(r["sd"]) and pd.notna(r["n"]):
                ns.append(float(r["n"]))
                sds.append(float(r["sd"]) * factor)
                parts.append(str(r["study_id"]))
    sd, n = pooled_sd(ns, sds)
    if not math.isfinite(sd):
        return sd, "no baseline SD of this outcome in the study"
    src = sorted(set(parts))
    return sd, (
        f"pooled baseline SD {sd:.3g} of {outcome} on the comparison scale "
        f"({int(n)} participants; {', '.join(src)})"
    )
