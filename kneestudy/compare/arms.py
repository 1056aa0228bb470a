r"""Published arm summaries to contrasts: every pair of a trial's arms at one time point.

For each trial and outcome, :func:`arm_contrasts`

1. sets aside baseline rows (week 0; they serve as the published baseline SD of
   an SMD standardiser) and rows outside the window, each with its reason;
2. picks the week in the window nearest the target (ties to the later week)
   among the weeks at which at least two arms are usable;
3. puts each arm on the comparison scale (:mod:`kneestudy.compare.scales`): a
   points factor for pain instruments (a VAS in mm divided by 10), or the
   trial's published baseline SD for an SMD; a missing SD is derived from a
   published standard error (:math:`SD = SE\sqrt n`) or confidence interval of
   the mean (:math:`SD = \sqrt n\,(u - l) / (2 t_{0.975, n-1})`; Cochrane
   Handbook §6.5.2.2), and the row says so;
4. forms every pair of usable arms (:func:`kneestudy.meta.pairwise`: MD, or
   log odds ratio from events with 0.5 added to every cell of a trial with a
   zero cell), so that a multi-arm trial keeps all its arms and the
   correlation of its contrasts (their shared arms);
5. for an SMD, standardises each pair's MD by the trial's baseline SD, with
   Hedges' variance (:func:`kneestudy.compare.scales.hedges_g`).

Rows that cannot be used stay in the output, ``status = "set aside"``, with
the reason.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import t as t_dist

from kneestudy.compare.scales import Scale, hedges_g, instrument, pooled_sd
from kneestudy.compare.windows import Window, nearest
from kneestudy.errors import AnalysisError
from kneestudy.interventions import components_of

__all__ = ["arm_contrasts", "baseline_sd"]

_PROVENANCE = ("doi", "pmid", "quote", "instrument_detail", "timepoint", "derivation")


def _text(x: Any) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA else str(x)


def baseline_sd(
    arms: pd.DataFrame, study_id: str, outcome: str, instrument_code: Any
) -> tuple[float, float]:
    """Published baseline (week 0) SD of a trial, pooled over its arms, in its own units.

    Only week-0 rows of ``outcome`` measured on ``instrument_code`` (or with no
    instrument when none is given) count. Returns ``(sd, n)``; NaN when absent.
    """
    if not isinstance(arms, pd.DataFrame) or arms.empty or "sd" not in arms:
        return float("nan"), float("nan")
    b = arms[(arms["study_id"] == study_id) & (arms["outcome"] == outcome) & (arms["week"] == 0)]
    if "instrument" in b:
        want = _text(instrument_code)
        b = b[b["instrument"].map(_text) == want]
    return pooled_sd(b["n"], b["sd"])


def _derived_sd(r: pd.Series) -> tuple[float, str]:
    """An arm's SD: as published, or from its published SE or CI of the mean."""
    sd = r.get("sd")
    if pd.notna(sd) and float(sd) > 0:
        return float(sd), ""
    n = float(r["n"])
    se = r.get("published_se")
    if pd.notna(se) and float(se) > 0:
        return float(se) * math.sqrt(n), "SD derived from the published SE (SD = SE √n)"
    lo, hi = r.get("published_ci_low"), r.get("published_ci_high")
    if pd.notna(lo) and pd.notna(hi) and float(hi) > float(lo) and n > 1:
        crit = float(t_dist.ppf(0.975, n - 1))
        return (
            math.sqrt(n) * (float(hi) - float(lo)) / (2 * crit),
            f"SD derived from the published 95% CI of the mean (√n (u − l) / (2 t), t on {n - 1:g} df)",
        )
    return float("nan"), "SD not reported (nor an SE or CI of the mean to derive it)"


def _usable(r: pd.Series, sc: Scale) -> tuple[bool, str, dict[str, Any]]:
    """Whether an arm row can enter a pair, why not, and its values on the scale."""
    if pd.isna(r.get("n")) or float(r["n"]) < 1:
        return False, "arm size not reported", {}
    if sc.measure == "logOR":
        if pd.isna(r.get("events")):
            return False, "events not reported for a binary outcome", {}
        return True, "", {"n": float(r["n"]), "events": float(r["events"])}
    if pd.isna(r.get("mean")):
        return False, "mean not reported", {}
    inst = instrument(r.get("instrument"))
    if inst is not None and inst.outcome != sc.outcome:
        return False, f"instrument {inst.code} measures {inst.outcome}, not {sc.outcome}", {}
    sd, how = _derived_sd(r)
    if not math.isfinite(sd):
        return False, how, {}
    return True, how, {"n": float(r["n"]), "mean": float(r["mean"]), "sd": sd, "inst": inst}


def _set_aside(r: pd.Series, reason: str, base: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    out.update(
        treatment=str(r["intervention"]), comparator="", week=float(r["week"]), measure="",
        estimate=np.nan, se=np.nan, n_treatment=r.get("n"), n_comparator=np.nan,
        status="set aside", reason=reason, note=f"arm {_text(r.get('arm'))!r}".strip(),
    )  # fmt: skip
    return out


def _base(g: pd.DataFrame, sc: Scale) -> dict[str, Any]:
    first = g.iloc[0]
    ma = first.get("meta_analysis")
    base = {
        "study_id": str(first["study_id"]),
        "outcome": sc.outcome,
        "source": _text(first.get("source")) or "published arm summaries",
        "population": _text(first.get("population")) or "patellofemoral pain",
        "risk_of_bias": first.get("risk_of_bias")
        if pd.notna(first.get("risk_of_bias"))
        else np.nan,
        "meta_analysis": bool(ma) if pd.notna(ma) else False,
        "instrument": _text(first.get("instrument")),
        "origin": "arm summaries",
    }
    for col in _PROVENANCE:
        if col in g:
            base[col] = _text(first.get(col))
    return base


def _pairs(
    sid: str, use: list[tuple[pd.Series, dict[str, Any], str]], sc: Scale, arms: pd.DataFrame,
    ref_sd: float, ref_text: str, base: dict[str, Any],
) -> list[dict[str, Any]]:  # fmt: skip
    """Every pair of the usable arms of one trial at one week, on the comparison scale."""
    from kneestudy.meta.pairwise import pairwise

    week = float(use[0][0]["week"])
    notes = sorted({how for _, _, how in use if how})
    insts = {v.get("inst").code if v.get("inst") is not None else "" for _, v, _ in use}
    if len(insts) > 1:
        raise AnalysisError(f"arms measured on different instruments ({sorted(insts)})")
    inst = use[0][1].get("inst")
    smd_route = sc.measure == "SMD" or (
        sc.measure == "MD" and inst is not None and inst.points is None
    )
    factor = 1.0
    if sc.measure == "MD" and not smd_route:
        if inst is None:
            notes.append("instrument not stated: taken to be on the comparison scale (assumption)")
        elif inst.points != 1.0:
            factor = float(inst.points)
            notes.append(f"{inst.label} multiplied by {factor:g} to {sc.unit}")
    flip = (
        inst is not None
        and inst.higher_is_better is not None
        and (inst.higher_is_better == sc.lower_is_better)
    )
    frame = pd.DataFrame(
        [{"study": sid, "treatment": str(r["intervention"]), **{k: v for k, v in vals.items()
          if k != "inst"}} for r, vals, _ in use]
    )  # fmt: skip
    if sc.measure != "logOR":
        frame["mean"] *= factor
        frame["sd"] *= factor
    change = {bool(r["change"]) for r, _, _ in use if "change" in r and pd.notna(r.get("change"))}
    if len(change) > 1:
        raise AnalysisError("arms mix change-from-baseline and final values")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pw = pairwise(frame, "logOR" if sc.measure == "logOR" else "MD", study="study")
    sd_b = n_b = float("nan")
    if smd_route:
        sd_b, n_b = baseline_sd(arms, sid, sc.outcome, base.get("instrument"))
        if not math.isfinite(sd_b):
            raise AnalysisError(
                "an SMD needs the trial's published baseline SD (week-0 arm rows), which it lacks"
            )
    out = []
    labels = {str(r["intervention"]): _text(r.get("arm")) for r, _, _ in use}
    for p in pw.itertuples(index=False):
        t, c, est, se, n1, n2 = p.treat1, p.treat2, float(p.TE), float(p.seTE), p.n1, p.n2
        if components_of(t) == () and components_of(c) != ():
            t, c, est, n1, n2 = c, t, -est, n2, n1
        row_notes = list(notes)
        if smd_route:
            g, gse = hedges_g(est, se, sd_b, n1, n2)
            if sc.measure == "SMD":
                est, se = g, gse
                row_notes.append(f"Hedges' g standardised by the published baseline SD {sd_b:.3g}")
            else:
                if not math.isfinite(ref_sd):
                    raise AnalysisError(
                        f"{inst.label} has no points factor and there is no reference SD to "
                        "re-express its SMD in points"
                    )
                est, se = g * ref_sd, gse * ref_sd
                row_notes.append(
                    f"{inst.label}: Hedges' g by the published baseline SD {sd_b:.3g}, times the "
                    f"reference SD ({ref_text})"
                )
        if flip:
            est = -est
            row_notes.append(f"sign turned: higher {inst.label} is better")
        row_notes.insert(0, f"arms {labels.get(t, t)!r} vs {labels.get(c, c)!r} at week {week:g}")
        rec = dict(base)
        rec.update(
            treatment=t, comparator=c, week=week, measure=sc.measure, estimate=est, se=se,
            n_treatment=n1, n_comparator=n2, status="used", reason="", note="; ".join(row_notes),
        )  # fmt: skip
        out.append(rec)
    return out


def arm_contrasts(
    arms: pd.DataFrame, sc: Scale, win: Window, ref_sd: float, ref_text: str
) -> list[dict[str, Any]]:
    """Contrast rows (used or set aside) from the arm summaries of one outcome (module doc)."""
    if not isinstance(arms, pd.DataFrame) or arms.empty or "outcome" not in arms:
        return []
    sub = arms[arms["outcome"] == sc.outcome]
    out: list[dict[str, Any]] = []
    for sid, g in sub.groupby("study_id", sort=False):
        base = _base(g, sc)
        if sc.outcome == "pain_free":
            out.extend(_set_aside(r, "time to pain-free needs a hazard ratio, not arm summaries",
                                  base) for _, r in g.iterrows())  # fmt: skip
            continue
        rows = []
        for _, r in g.iterrows():
            w = float(r["week"])
            if w == 0:
                out.append(_set_aside(r, "baseline (week 0): not a follow-up time point", base))
            elif not win.contains(w):
                out.append(
                    _set_aside(r, f"week {w:g} is outside the window {win.describe()}", base)
                )
            else:
                ok, how, vals = _usable(r, sc)
                rows.append((r, ok, how, vals))
        if not rows:
            continue
        weeks = pd.Series([float(r["week"]) for r, *_ in rows])
        good = pd.Series([ok for _, ok, _, _ in rows])
        counts = weeks[good].value_counts()
        candidates = counts[counts >= 2].index
        chosen = nearest(candidates, win.target) if len(candidates) else float("nan")
        single = g["intervention"].nunique() < 2
        use = []
        for r, ok, how, vals in rows:
            w = float(r["week"])
            if not math.isfinite(chosen):
                why = (
                    "single-arm study: no randomised comparison"
                    if single
                    else (f"{how}; " if not ok else "")
                    + "fewer than two arms of the trial have usable data at one week in the window"
                )
                out.append(_set_aside(r, why, base))
            elif w != chosen:
                out.append(_set_aside(
                    r, f"another time point of the trial (week {chosen:g}) is nearer the target "
                    f"week {win.target:g}", base))  # fmt: skip
            elif not ok:
                out.append(_set_aside(r, how, base))
            else:
                use.append((r, vals, how))
        if not use:
            continue
        try:
            out.extend(_pairs(str(sid), use, sc, arms, ref_sd, ref_text, base))
        except AnalysisError as exc:
            out.extend(_set_aside(r, f"no contrast: {exc}", base) for r, _, _ in use)
    return out
