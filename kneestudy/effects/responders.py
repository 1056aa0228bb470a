"""Responder analysis at published minimal clinically important differences.

Definitions (DESIGN.md): a pain responder improves by ≥ 2 points on the 0–10
NRS (baseline − value ≥ 2); an AKPS responder gains ≥ 10 points; recovered =
global rating of change ≥ 6. ``mcid`` overrides the threshold (for
"recovered" it is the GRC cut-off).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from kneestudy.effects._common import check_level, check_week, resolve_treatment
from kneestudy.effects.results import ResponderResult
from kneestudy.errors import AnalysisError

__all__ = ["DEFAULT_MCID", "responder_table", "responders"]

#: Default thresholds: pain drop, AKPS gain, GRC cut-off.
DEFAULT_MCID = {"pain": 2.0, "akps": 10.0, "recovered": 6.0}


def responder_table(cohort, outcome: str, week: float, codes, mcid: float | None = None):
    """Per participant of arms ``codes`` at ``week``: intervention and 0/1 ``event``
    (NaN when not evaluable). Returns (frame, definition text)."""
    if outcome not in DEFAULT_MCID:
        raise AnalysisError(
            f"unknown responder outcome {outcome!r}; expected one of {list(DEFAULT_MCID)}"
        )
    thr = DEFAULT_MCID[outcome] if mcid is None else float(mcid)
    col = "grc" if outcome == "recovered" else outcome
    if col not in cohort.visits.columns:
        raise AnalysisError(f"cohort {cohort.cohort_id!r} has no {col!r} column in its visits")
    long = cohort.long(col)
    p = cohort.participants[cohort.participants["intervention"].isin(codes)]
    wk = long[np.isclose(long["week"].astype(float), week)].set_index("participant_id")
    frame = p[["participant_id", "intervention"]].copy()
    val = frame["participant_id"].map(wk[col].astype(float)).astype(float)
    base = frame["participant_id"].map(wk["baseline"].astype(float)).astype(float)
    if outcome == "pain":
        event = np.where(val.isna() | base.isna(), np.nan, (base - val >= thr).astype(float))
        text = f"pain drop ≥ {thr:g} points from baseline at week {week:g}"
    elif outcome == "akps":
        event = np.where(val.isna() | base.isna(), np.nan, (val - base >= thr).astype(float))
        text = f"AKPS gain ≥ {thr:g} points from baseline at week {week:g}"
    else:
        event = np.where(val.isna(), np.nan, (val >= thr).astype(float))
        text = f"global rating of change ≥ {thr:g} at week {week:g}"
    frame["event"] = event
    return frame.reset_index(drop=True), text


def responders(
    cohort,
    outcome: str = "pain",
    week: float = 12,
    mcid: float | None = None,
    treatment: str | None = None,
    level: float = 0.95,
) -> ResponderResult:
    r"""Responder analysis: RR, OR, RD and NNT with confidence intervals.

    Complete cases at ``week`` (participants without the value, or without a
    baseline for pain/AKPS, are not analysed; their numbers per arm are in
    ``n_missing_treatment`` / ``n_missing_comparator``).

    With :math:`a/n_1` responders on treatment and :math:`c/n_2` on the
    comparator: :math:`\log RR` with SE :math:`\sqrt{1/a - 1/n_1 + 1/c -
    1/n_2}`, :math:`\log OR` with SE :math:`\sqrt{1/a+1/b+1/c+1/d}` (Wald
    intervals on the log scale; when a cell is zero, 1/2 is added to every
    cell for RR and OR, as ``metafor::escalc``), RD :math:`= p_1 - p_2` with
    the Wald interval :math:`\pm z\sqrt{p_1(1-p_1)/n_1 + p_2(1-p_2)/n_2}`
    (raw counts). NNT = 1/RD (positive: number needed to treat for one more
    responder, NNTB; negative: NNTH). Its CI (Altman 1998) is the reciprocal
    of the RD limits (``nnt_ci_low = 1/rd_ci_high``, ``nnt_ci_high =
    1/rd_ci_low``, signed); when the RD interval includes 0 it runs from NNTB
    :math:`1/\mathrm{RD}_{high}` through ∞ to NNTH :math:`1/|\mathrm{RD}_{low}|`.

    References
    ----------
    Altman DG. Confidence intervals for the number needed to treat. BMJ
    1998;317:1309–12.

    Examples
    --------
    >>> ks.effects.responders(cohort, "pain", 12).nnt_text  # doctest: +SKIP
    """
    check_level(level)
    week = check_week(cohort, week)
    treatment, comparator, _ = resolve_treatment(cohort, treatment)
    frame, text = responder_table(cohort, outcome, week, [treatment, comparator], mcid)
    t = frame[frame["intervention"] == treatment]["event"]
    c = frame[frame["intervention"] == comparator]["event"]
    n1, n2 = int(t.notna().sum()), int(c.notna().sum())
    if n1 == 0 or n2 == 0:
        which = treatment if n1 == 0 else comparator
        raise AnalysisError(f"arm {which!r} has no evaluable {outcome!r} data at week {week:g}")
    a, cc = float(t.sum()), float(c.sum())
    b, d = n1 - a, n2 - cc
    z = float(stats.norm.ppf(0.5 + level / 2))
    p1, p2 = a / n1, cc / n2
    rd = p1 - p2
    rd_se = float(np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2))
    if rd_se == 0:
        raise AnalysisError(
            "the risk is 0 or 1 in both arms; the risk difference has no standard error"
        )
    add = 0.5 if min(a, b, cc, d) == 0 else 0.0
    aa, bb, c2, dd = a + add, b + add, cc + add, d + add
    log_rr = float(np.log((aa / (aa + bb)) / (c2 / (c2 + dd))))
    log_rr_se = float(np.sqrt(1 / aa - 1 / (aa + bb) + 1 / c2 - 1 / (c2 + dd)))
    log_or = float(np.log(aa * dd / (bb * c2)))
    log_or_se = float(np.sqrt(1 / aa + 1 / bb + 1 / c2 + 1 / dd))
    lo, hi = rd - z * rd_se, rd + z * rd_se
    nnt = 1 / rd if rd != 0 else float("inf")
    crosses = lo <= 0 <= hi
    # Signed NNT limits: reciprocals of the RD limits (positive = NNTB, negative = NNTH).
    n_lo = 1 / hi if hi != 0 else float("inf")
    n_hi = 1 / lo if lo != 0 else float("-inf")
    if crosses:
        nnt_text = f"NNTB {n_lo:.1f} to ∞ to NNTH {abs(n_hi):.1f}"
    else:
        kind = "NNTB" if rd > 0 else "NNTH"
        a1, a2 = sorted((abs(n_lo), abs(n_hi)))
        nnt_text = f"{kind} {abs(nnt):.1f} ({a1:.1f} to {a2:.1f})"
    p = cohort.participants
    return ResponderResult(
        outcome=outcome,
        definition=text,
        week=week,
        treatment=treatment,
        comparator=comparator,
        events_treatment=int(a),
        n_treatment=n1,
        events_comparator=int(cc),
        n_comparator=n2,
        n_missing_treatment=int((p["intervention"] == treatment).sum()) - n1,
        n_missing_comparator=int((p["intervention"] == comparator).sum()) - n2,
        risk_treatment=p1,
        risk_comparator=p2,
        rr=float(np.exp(log_rr)),
        rr_ci_low=float(np.exp(log_rr - z * log_rr_se)),
        rr_ci_high=float(np.exp(log_rr + z * log_rr_se)),
        log_rr=log_rr,
        log_rr_se=log_rr_se,
        odds_ratio=float(np.exp(log_or)),
        or_ci_low=float(np.exp(log_or - z * log_or_se)),
        or_ci_high=float(np.exp(log_or + z * log_or_se)),
        log_or=log_or,
        log_or_se=log_or_se,
        rd=float(rd),
        rd_se=rd_se,
        rd_ci_low=float(lo),
        rd_ci_high=float(hi),
        nnt=float(nnt),
        nnt_ci_low=float(n_lo),
        nnt_ci_high=float(n_hi),
        nnt_crosses_infinity=bool(crosses),
        nnt_text=nnt_text,
        continuity_correction=add,
        level=level,
    )
