"""Responder analysis at published minimal clinically important differences.

Definitions (DESIGN.md): a pain responder improves by ≥ 2 points on the 0–10
NRS (baseline − value ≥ 2); an AKPS responder gains ≥ 10 points; recovered =
global rating of change ≥ 6. ``mcid`` overrides the threshold (for
"recovered" it is the GRC cut-off).

Changes are compared with the threshold at the resolution of the recorded
data (:func:`data_decimals`): pain recorded to 0.1 gives 6.2 − 4.2 =
1.9999999999999996 in binary floating point, which is a 2-point drop and
counts as one.

Participants without the value at the week are either left out ("as
observed", complete cases) or counted as non-responders ("non-responder
imputation", the conservative convention of many trials); ``missing`` says
which, and the result states it.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from kneestudy.effects._common import check_level, check_week, resolve_treatment
from kneestudy.effects.results import ResponderResult
from kneestudy.errors import AnalysisError

__all__ = ["DEFAULT_MCID", "MISSING_RULES", "data_decimals", "responder_table", "responders"]

#: Default thresholds: pain drop, AKPS gain, GRC cut-off.
DEFAULT_MCID = {"pain": 2.0, "akps": 10.0, "recovered": 6.0}

#: How participants without an evaluable value are handled.
MISSING_RULES: dict[str, str] = {
    "observed": "as observed: participants without the value are left out (complete cases)",
    "non_responder": "dropouts as non-responders: participants without the value count as "
    "non-responders",
}


def data_decimals(values, max_decimals: int = 6) -> int:
    """The fewest decimals that represent every finite value exactly (the data's resolution).

    A value counts as having ``d`` decimals when it differs from its rounding
    to ``d`` decimals by less than 1e-9 of its size (CSV and spreadsheet
    values parse to the nearest binary fraction, never exactly). At most
    ``max_decimals``.

    Examples
    --------
    >>> data_decimals([6.2, 4.0, 3.5])
    1
    >>> data_decimals([70.0, 85.0])
    0
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    for d in range(max_decimals + 1):
        if np.all(np.abs(x - np.round(x, d)) <= 1e-9 * np.maximum(1.0, np.abs(x))):
            return d
    return max_decimals


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
    if outcome in ("pain", "akps"):
        # compare at the data's resolution: 6.2 - 4.2 is a 2-point drop
        dec = data_decimals(long[col].to_numpy(dtype=float, na_value=np.nan))
        gain = np.round((base - val) if outcome == "pain" else (val - base), dec)
        event = np.where(val.isna() | base.isna(), np.nan, (gain >= thr).astype(float))
        what = "pain drop" if outcome == "pain" else "AKPS gain"
        text = (
            f"{what} ≥ {thr:g} points from baseline at week {week:g} (changes compared at "
            f"the data's resolution, {dec} decimal{'s' if dec != 1 else ''})"
        )
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
    missing: str = "observed",
) -> ResponderResult:
    r"""Responder analysis: RR, OR, RD and NNT with confidence intervals.

    With ``missing="observed"`` (default) complete cases at ``week``:
    participants without the value, or without a baseline for pain/AKPS, are
    not analysed; their numbers per arm are in ``n_missing_treatment`` /
    ``n_missing_comparator``. With ``missing="non_responder"`` they stay in
    the denominator as non-responders (non-responder imputation), and the
    ``n_missing_*`` fields count how many were so imputed. ``definition``
    states the rule either way.

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
    if missing not in MISSING_RULES:
        raise AnalysisError(f"missing must be one of {list(MISSING_RULES)}, got {missing!r}")
    week = check_week(cohort, week)
    treatment, comparator, _ = resolve_treatment(cohort, treatment)
    frame, text = responder_table(cohort, outcome, week, [treatment, comparator], mcid)
    text = f"{text}; {MISSING_RULES[missing]}"
    t = frame[frame["intervention"] == treatment]["event"]
    c = frame[frame["intervention"] == comparator]["event"]
    n_miss_t, n_miss_c = int(t.isna().sum()), int(c.isna().sum())
    if missing == "non_responder":
        t, c = t.fillna(0.0), c.fillna(0.0)
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
        n_missing_treatment=n_miss_t,
        n_missing_comparator=n_miss_c,
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
        missing=missing,
    )
