"""Every row of evidence on one outcome, on one scale, in one window, with its status.

:func:`study_contrasts` gathers, for one outcome of a study:

- **individual-data cohorts**: at the cohort's visit in the window nearest the
  target week, every pair of arms from one model
  (:func:`kneestudy.effects.cohort_contrasts`: ANCOVA mean differences, log
  odds ratios of recovery; :func:`kneestudy.survival.cohort_contrasts`: log
  hazard ratios of becoming pain-free), so multi-arm cohorts keep every arm;
- **published contrasts** (``literature/contrasts.csv``): in the window, one
  time point per comparison of a trial (nearest the target, ties later), put
  on the comparison scale (:mod:`kneestudy.compare.scales`);
- **published arm summaries** (``literature/arm_summaries.csv``): every pair
  of a trial's arms at one time point (:mod:`kneestudy.compare.arms`).

One source per trial: a trial's individual data are preferred over its
published rows (same ``study_id`` as a cohort); of a trial's published
contrasts and arm summaries, the source covering more arms is used (a tie:
the contrasts, usually the trial's own adjusted estimate). A multi-arm trial
whose published contrasts are not consistent with each other (e.g. from
different weeks) keeps its contrasts against its most compared arm.

Nothing is dropped: every input row is in the output with ``status`` (used |
set aside) and ``reason``; ``note`` says what was converted or assumed.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.compare.arms import arm_contrasts, baseline_sd
from kneestudy.compare.scales import Scale, hedges_g, instrument, reference_sd, scale_for
from kneestudy.compare.windows import Window, nearest, resolve_window
from kneestudy.errors import AnalysisError
from kneestudy.meta.network_data import TOL_MULTIARM

__all__ = ["COLUMNS", "gather", "study_contrasts"]

COLUMNS = [
    "study_id", "treatment", "comparator", "outcome", "week", "measure", "estimate", "se",
    "n_treatment", "n_comparator", "source", "population", "risk_of_bias", "meta_analysis",
    "instrument", "origin", "status", "reason", "note",
]  # fmt: skip
_PROVENANCE = ("doi", "pmid", "quote", "instrument_detail", "timepoint", "derivation",
               "published_measure", "published_estimate", "published_ci_low",
               "published_ci_high", "published_se", "published_p")  # fmt: skip
_IPD_INSTRUMENT = {"pain": "nrs_0_10", "akps": "akps", "recovered": "grc"}


class _SetAside(Exception):
    """A row cannot enter the analysis; the message is the reason."""


def _text(x: Any) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA else str(x)


# -- individual-data cohorts ------------------------------------------------------------


def _cohort_rows(cohort: Any, sc: Scale, win: Window) -> list[dict[str, Any]]:
    m = cohort.manifest
    base = {
        "study_id": cohort.cohort_id, "outcome": sc.outcome, "source": m.source,
        "population": m.population or "patellofemoral pain", "risk_of_bias": m.risk_of_bias,
        "meta_analysis": False, "instrument": _IPD_INSTRUMENT.get(sc.outcome, ""),
        "origin": "cohort",
    }  # fmt: skip

    infinite: set[str] | None = set()

    def aside(reason: str, week: float = np.nan) -> list[dict[str, Any]]:
        return [dict(base, treatment="", comparator="", week=week, measure=sc.measure,
                     status="set aside", reason=reason, note="")]  # fmt: skip

    if sc.outcome == "function":
        return aside("cohorts record pain, AKPS and global change, not other function scales")
    try:
        if sc.outcome == "pain_free":
            from kneestudy.survival import cohort_contrasts as surv_contrasts

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = surv_contrasts(cohort)
            messages = list(dict.fromkeys(str(w.message) for w in caught))
            note = "; ".join(messages)
            week = np.nan
            infinite = _diverged(messages)
        else:
            from kneestudy.effects import cohort_contrasts as eff_contrasts

            col = "grc" if sc.outcome == "recovered" else sc.outcome
            v = cohort.visits
            if col not in v or not v[col].notna().any():
                return aside(f"the cohort has no {col!r} data")
            weeks = v.loc[v[col].notna() & (v["week"] > 0), "week"].astype(float).unique()
            inside = [w for w in weeks if win.contains(w)]
            if not inside:
                shown = ", ".join(f"{w:g}" for w in sorted(weeks))
                return aside(
                    f"no visit in the window {win.describe()} (visits with {col}: {shown})"
                )
            week = nearest(inside, win.target)
            measure = "logOR" if sc.outcome == "recovered" else "MD"
            out = eff_contrasts(cohort, sc.outcome, week, measure)
            note = f"visit week {week:g}, the cohort's nearest to the target week {win.target:g}"
            if sc.measure == "SMD":
                from kneestudy.effects.ancova import pooled_baseline_sd

                codes = list(dict.fromkeys(cohort.participants["intervention"].astype(str)))
                sd = pooled_baseline_sd(cohort, sc.outcome, codes)
                if not (math.isfinite(sd) and sd > 0):
                    return aside("the pooled baseline SD is zero or undefined: no SMD", week)
                gs = [hedges_g(e, s, sd, a, b) for e, s, a, b in zip(
                    out["estimate"], out["se"], out["n_treatment"], out["n_comparator"],
                    strict=True)]  # fmt: skip
                out = out.assign(estimate=[g for g, _ in gs], se=[s for _, s in gs], measure="SMD")
                note += f"; ANCOVA MD as Hedges' g by the trial's pooled baseline SD {sd:.3g}"
    except (AnalysisError, KeyError, ValueError) as exc:
        return aside(f"no contrast: {exc}")
    rows = []
    for r in out.to_dict("records"):
        rec = dict(base)
        rec.update({k: r[k] for k in ("treatment", "comparator", "estimate", "se",
                                      "n_treatment", "n_comparator")})  # fmt: skip
        rec.update(week=week, measure=sc.measure, status="used", reason="", note=note)
        if sc.outcome == "pain_free" and (
            infinite is None or {r["treatment"], r["comparator"]} & infinite
        ):
            rec.update(
                status="set aside",
                reason="the Cox estimate diverges (monotone likelihood, e.g. no arm reaching "
                "pain-free): the hazard ratio is not estimable",
            )
        rows.append(rec)
    return rows


def _diverged(messages: list[str]) -> set[str] | None:
    """Arms whose Cox coefficient diverged, from the warnings (None: all, when unnamed)."""
    import ast
    import re

    out: set[str] = set()
    for m in messages:
        if "appear infinite" not in m:
            continue
        hit = re.search(r"\[(.*?)\]", m)
        if hit is None:
            return None
        try:
            out.update(str(x) for x in ast.literal_eval(f"[{hit.group(1)}]"))
        except (ValueError, SyntaxError):
            return None
    return out


# -- published contrasts ----------------------------------------------------------------


def _n_of(row: pd.Series, arms: pd.DataFrame, week: float) -> float:
    nt, nc = row.get("n_treatment"), row.get("n_comparator")
    if pd.notna(nt) and pd.notna(nc):
        return float(nt) + float(nc)
    if isinstance(arms, pd.DataFrame) and len(arms) and "intervention" in arms:
        a = arms[(arms["study_id"] == row["study_id"]) & (arms["outcome"] == row["outcome"])]
        for w in (week, 0.0):
            at = a[a["week"] == w]
            n = at.loc[at["intervention"].isin([row["treatment"], row["comparator"]]), "n"]
            if len(n) == 2 and n.notna().all():
                return float(n.sum())
    return float("nan")


def _convert(
    row: pd.Series, sc: Scale, arms: pd.DataFrame, ref_sd: float, ref_text: str
) -> tuple[float, float, str]:
    """A published contrast on the comparison scale: (estimate, se, note)."""
    m = str(row["measure"])
    est, se = float(row["estimate"]), float(row["se"])
    inst = instrument(row.get("instrument"))
    notes: list[str] = []
    if sc.measure in ("logOR", "logHR"):
        if m != sc.measure:
            raise _SetAside(
                f"measure {m} cannot be put on the {sc.measure} scale"
                + (" without the arms' risks" if m == "logRR" and sc.measure == "logOR" else "")
            )
        return est, se, ""
    if m not in ("MD", "SMD"):
        raise _SetAside(f"measure {m} is not a difference of means ({sc.measure} compared)")
    if inst is not None and inst.outcome != sc.outcome:
        raise _SetAside(f"instrument {inst.code} measures {inst.outcome}, not {sc.outcome}")
    flip = (
        inst is not None
        and inst.higher_is_better is not None
        and (inst.higher_is_better == sc.lower_is_better)
    )
    if m == "MD" and sc.measure == "MD" and (inst is None or inst.points is not None):
        if inst is None:
            notes.append("instrument not stated: taken to be on the comparison scale (assumption)")
        elif inst.points != 1.0:
            est, se = est * inst.points, se * inst.points
            notes.append(f"{inst.label} multiplied by {inst.points:g} to {sc.unit}")
    else:
        if m == "MD":  # standardise by the trial's published baseline SD
            sd_b, _ = baseline_sd(arms, row["study_id"], row["outcome"], row.get("instrument"))
            if not math.isfinite(sd_b):
                what = inst.label if inst is not None else "the row's instrument"
                raise _SetAside(
                    f"an MD on {what} needs the trial's published baseline SD to be standardised, "
                    "and the trial has no week-0 arm rows"
                )
            n = _n_of(row, arms, float(row["week"]))
            if not math.isfinite(n):
                raise _SetAside("arm sizes unknown: the SMD's variance needs them")
            est, se = hedges_g(est, se, sd_b, n / 2, n / 2)
            notes.append(f"MD as Hedges' g by the published baseline SD {sd_b:.3g}")
        elif sc.measure == "SMD":
            notes.append("SMD as published")
        if sc.measure == "MD":
            if not math.isfinite(ref_sd):
                raise _SetAside("an SMD cannot be re-expressed in points: no reference SD")
            est, se = est * ref_sd, se * ref_sd
            notes.append(f"SMD re-expressed in {sc.unit} with the reference SD ({ref_text})")
    if flip:
        est = -est
        notes.append(f"sign turned: higher {inst.label} is better")
    return est, se, "; ".join(notes)


def _literature_rows(
    study: Any, sc: Scale, win: Window, ref_sd: float, ref_text: str
) -> list[dict[str, Any]]:
    lit = study.contrasts if isinstance(study.contrasts, pd.DataFrame) else pd.DataFrame()
    if lit.empty or "outcome" not in lit:
        return []
    lit = lit[lit["outcome"] == sc.outcome]
    arms = study.arm_summaries if isinstance(study.arm_summaries, pd.DataFrame) else pd.DataFrame()
    out = []
    for _, r in lit.iterrows():
        ma = r.get("meta_analysis")
        rec = {
            "study_id": str(r["study_id"]), "treatment": str(r["treatment"]),
            "comparator": str(r["comparator"]), "outcome": sc.outcome, "week": float(r["week"]),
            "measure": sc.measure, "estimate": np.nan, "se": np.nan,
            "n_treatment": r.get("n_treatment"), "n_comparator": r.get("n_comparator"),
            "source": _text(r.get("source")), "population": _text(r.get("population"))
            or "patellofemoral pain", "risk_of_bias": r.get("risk_of_bias", np.nan),
            "meta_analysis": bool(ma) if pd.notna(ma) else False,
            "instrument": _text(r.get("instrument")), "origin": "contrast",
            "status": "used", "reason": "", "note": _text(r.get("note")),
            "published_as": f"{r['measure']} {float(r['estimate']):.6g} (SE {float(r['se']):.6g})",
        }  # fmt: skip
        for col in _PROVENANCE:
            if col in r:
                rec[col] = r.get(col)
        w = float(r["week"])
        if sc.outcome != "pain_free" and w == 0:
            rec.update(status="set aside", reason="baseline (week 0): not a follow-up time point")
        elif not win.contains(w):
            rec.update(
                status="set aside", reason=f"week {w:g} is outside the window {win.describe()}"
            )
        else:
            try:
                est, se, note = _convert(r, sc, arms, ref_sd, ref_text)
                rec.update(estimate=est, se=se)
                rec["note"] = "; ".join(x for x in (rec["note"], note) if x)
            except _SetAside as exc:
                rec.update(status="set aside", reason=str(exc))
        out.append(rec)
    return out


# -- choices between rows ---------------------------------------------------------------


def _nearest_per_comparison(rows: pd.DataFrame, win: Window) -> None:
    """Within the window, one time point per comparison of a trial (in place)."""
    if win.name == "time to event":
        return
    lit = rows[(rows["origin"] == "contrast") & (rows["status"] == "used")]
    key = [frozenset((a, b)) for a, b in zip(lit["treatment"], lit["comparator"], strict=True)]
    for (_sid, _pair), g in lit.groupby([lit["study_id"], pd.Series(key, index=lit.index)]):
        if len(g) < 2:
            continue
        best = nearest(g["week"], win.target)
        later = g.index[g["week"] != best]
        rows.loc[later, "status"] = "set aside"
        rows.loc[later, "reason"] = (
            f"another time point of this comparison (week {best:g}) is nearer the target week "
            f"{win.target:g}"
        )
        same = g.index[g["week"] == best]
        if len(same) > 1:  # the same comparison twice at one week: keep the first
            rows.loc[same[1:], "status"] = "set aside"
            rows.loc[same[1:], "reason"] = "the same comparison is given twice at this week"


def _one_source_per_trial(rows: pd.DataFrame) -> None:
    """Individual data over published rows; contrasts or arm summaries per trial (in place)."""
    cohorts = set(rows.loc[rows["origin"] == "cohort", "study_id"])
    pub = rows["origin"].isin(["contrast", "arm summaries"]) & (rows["status"] == "used")
    dup = pub & rows["study_id"].isin(cohorts)
    rows.loc[dup, "status"] = "set aside"
    rows.loc[dup, "reason"] = rows.loc[dup, "study_id"].map(
        lambda s: f"the trial's individual participant data are analysed (cohort {s})"
    )
    used = rows[rows["status"] == "used"]
    for _sid, g in used[used["origin"] != "cohort"].groupby("study_id"):
        kinds = set(g["origin"])
        if len(kinds) < 2:
            continue
        arms = {k: set(g.loc[g["origin"] == k, "treatment"]) | set(g.loc[g["origin"] == k,
                "comparator"]) for k in kinds}  # fmt: skip
        keep = "arm summaries" if len(arms["arm summaries"]) > len(arms["contrast"]) else "contrast"
        drop = g.index[g["origin"] != keep]
        rows.loc[drop, "status"] = "set aside"
        rows.loc[drop, "reason"] = (
            "one source per trial: its arm summaries are used (they cover more arms)"
            if keep == "arm summaries"
            else "one source per trial: its published contrasts are used (they cover as many arms)"
        )


def _check_blocks(rows: pd.DataFrame) -> None:
    """Multi-arm published contrasts must be consistent, or a star around one arm (in place)."""
    used = rows[(rows["status"] == "used") & (rows["origin"] == "contrast")]
    for _sid, g in used.groupby("study_id"):
        arms = list(dict.fromkeys([*g["treatment"], *g["comparator"]]))
        k = len(arms)
        if k <= 2:
            continue
        # the hub: the arm in most pairs, then most often the comparator (the common control)
        count = pd.concat([g["treatment"], g["comparator"]]).value_counts()
        as_comp = g["comparator"].value_counts()
        hub = max(
            arms, key=lambda a: (int(count.get(a, 0)), int(as_comp.get(a, 0)), -arms.index(a))
        )
        star = g.index[(g["treatment"] == hub) | (g["comparator"] == hub)]
        if len(g) == k * (k - 1) // 2:
            te = {hub: 0.0}
            for i in star:
                a, b, e = g.at[i, "treatment"], g.at[i, "comparator"], g.at[i, "estimate"]
                te[a if b == hub else b] = e if b == hub else -e
            ok = all(
                abs(g.at[i, "estimate"] - (te[g.at[i, "treatment"]] - te[g.at[i, "comparator"]]))
                <= TOL_MULTIARM for i in g.index
            )  # fmt: skip
            if ok:
                continue
            why = "is not consistent with the trial's other contrasts (different weeks or analyses)"
        elif len(star) == k - 1 and len(g) == k - 1:
            continue
        else:
            why = "does not fit the trial's other contrasts (neither all pairs nor one common arm)"
        drop = [i for i in g.index if i not in star]
        rows.loc[drop, "status"] = "set aside"
        rows.loc[drop, "reason"] = f"this pair {why}; the contrasts against {hub!r} are used"


# -- the whole table --------------------------------------------------------------------


def gather(
    study: Any, sc: Scale, win: Window, ref_sd: float | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """All rows of one outcome with status and reason, and what was used to convert them.

    Returns the table (:data:`COLUMNS` first, provenance columns after) and a
    dict with ``reference_sd`` and ``reference_sd_text``.
    """
    if ref_sd is None:
        ref, ref_text = reference_sd(study, sc.outcome)
    else:
        ref, ref_text = float(ref_sd), f"reference SD {float(ref_sd):g} given by the user"
    records: list[dict[str, Any]] = []
    for cohort in getattr(study, "cohorts", []):
        records.extend(_cohort_rows(cohort, sc, win))
    records.extend(_literature_rows(study, sc, win, ref, ref_text))
    arms = study.arm_summaries if isinstance(study.arm_summaries, pd.DataFrame) else None
    records.extend(arm_contrasts(arms, sc, win, ref, ref_text))
    out = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=COLUMNS)
    for c in COLUMNS:
        if c not in out:
            out[c] = np.nan if c in ("estimate", "se", "n_treatment", "n_comparator") else ""
    for c in ("estimate", "se", "n_treatment", "n_comparator", "week"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    for c in ("reason", "note", "treatment", "comparator", "instrument", "source"):
        out[c] = out[c].fillna("").astype(str)
    out["meta_analysis"] = out["meta_analysis"].fillna(False).astype(bool)
    if len(out):
        bad = (out["status"] == "used") & ~(
            np.isfinite(out["estimate"]) & np.isfinite(out["se"]) & (out["se"] > 0)
        )
        out.loc[bad, "status"] = "set aside"
        out.loc[bad, "reason"] = "the estimate or its standard error is missing or not positive"
        _nearest_per_comparison(out, win)
        _one_source_per_trial(out)
        _check_blocks(out)
        used = (out["status"] == "used") & (out["reason"] == "")
        out.loc[used, "reason"] = [
            "used: time to event over follow-up"
            if win.name == "time to event"
            else f"used: week {w:g}, in the window {win.label} and nearest its target week"
            for w in out.loc[used, "week"]
        ]
    info = {"reference_sd": ref, "reference_sd_text": ref_text}
    return out[COLUMNS + [c for c in out.columns if c not in COLUMNS]], info


def study_contrasts(
    study: Any,
    outcome: str = "pain",
    window: str | tuple[float, ...] | Window = "short",
    *,
    week: float | None = None,
    scale: str | None = None,
    reference_sd: float | None = None,
) -> pd.DataFrame:
    """Every row of evidence on ``outcome`` in ``window``, on the comparison scale.

    Parameters
    ----------
    study : kneestudy.Study
    outcome : {"pain", "akps", "function", "recovered", "pain_free"}
    window : {"short", "medium", "long"} or (low, high[, target]) weeks
        See :mod:`kneestudy.compare.windows`; ignored for ``pain_free``.
    week : float, optional
        Shortcut for the window holding it, with it as target week.
    scale : {"MD", "SMD"}, optional
        ``"SMD"`` standardises pain or AKPS (default: MD in points).
    reference_sd : float, optional
        SD that re-expresses an SMD in points (default: the pooled baseline SD
        of the study, :func:`kneestudy.compare.scales.reference_sd`).

    Returns
    -------
    DataFrame
        :data:`COLUMNS` (DESIGN's contrast columns, ``meta_analysis``,
        ``instrument``, ``origin`` = cohort | contrast | arm summaries,
        ``status`` = used | set aside, ``reason``, ``note``) and provenance
        columns (doi, quote, published figures …) where the source has them.
    """
    sc = scale_for(outcome, scale)
    win = resolve_window(window, week, outcome)
    return gather(study, sc, win, reference_sd)[0]
