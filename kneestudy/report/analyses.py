"""Run every analysis of a study once; the report and ``kneestudy analyze`` share them.

Each entry is the result object, or the :class:`~kneestudy.errors.AnalysisError`
that said why the analysis cannot be done on these data. Any other exception
is a bug and propagates.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection
from typing import Any

import pandas as pd

from kneestudy.errors import AnalysisError, notes_from_warnings

__all__ = ["arm_groups", "cohort_analyses", "run", "study_analyses", "survival_design"]


def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, or the AnalysisError it raised."""
    try:
        return fn(*args, **kwargs)
    except AnalysisError as exc:
        return exc


def comparator_arm(cohort: Any) -> str | None:
    """The display label of the comparator arm (None when the cohort has none)."""
    rows = cohort.arms.loc[cohort.arms["is_comparator"], "display"]
    return str(rows.iloc[0]) if len(rows) else None


def arm_groups(cohort: Any, codes: pd.Series) -> pd.Series:
    """Each row's arm for grouping: the display label of its intervention code.

    Analyses identify arms by intervention code; the display labels are unique
    per code (:func:`kneestudy.ingest.model.display_labels`), so grouping by
    them is grouping by code, and the groups read as labels.
    """
    return codes.map(cohort.display_labels())


def survival_design(tt: pd.DataFrame, arms: list[str], comparator: str) -> pd.DataFrame:
    """Cox design: duration, event and one 0/1 column per arm vs the comparator.

    ``tt["group"]`` (or ``tt["arm"]``) holds each row's arm as named in ``arms``.
    """
    design = pd.DataFrame(
        {"duration": tt["time_weeks"].to_numpy(), "event": tt["observed"].to_numpy()}
    )
    group = tt["group"] if "group" in tt else tt["arm"]
    for arm in arms:
        if arm != comparator:
            design[f"arm: {arm}"] = (group == arm).astype(float).to_numpy()
    return design


def _has(cohort: Any, outcome: str) -> bool:
    return outcome in cohort.visits and bool(cohort.visits[outcome].notna().any())


def cohort_analyses(
    cohort: Any,
    *,
    outcome: str = "pain",
    week: float | None = None,
    threshold: float = 1.0,
    skip: Collection[str] = (),
    rmst_pairs: bool = False,
) -> dict[str, Any]:
    """Every per-cohort analysis of the report.

    Keys: ``ancova_pain``, ``ancova_akps`` and ``responders`` (dicts:
    treatment arm's intervention code -> result, one per non-comparator arm),
    ``mmrm`` (one fit, every arm),
    ``time_to_pain_free`` (DataFrame), ``kaplan_meier``, ``logrank``, ``cox``,
    ``rmst``, and with ``rmst_pairs`` ``rmst_vs_comparator`` (arm label -> RMST of
    that arm and the comparator only, so each difference is against the
    comparator); values are results or AnalysisError. Arms are identified by
    intervention code; the survival analyses name their groups by each code's
    display label (``cohort.arms["display"]``). ``warnings`` lists, as worded
    notes, what the analyses warned of (e.g. participants left out, with the
    reason; see :func:`kneestudy.errors.notes_from_warnings`), so the report
    can show them. ``week`` defaults to the cohort's primary week; RMST is
    restricted to that week. Keys in ``skip`` (analyses that do not apply to
    the cohort's design, see :mod:`kneestudy.report.applicability`) are not run.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _cohort_analyses(
            cohort,
            outcome=outcome,
            week=week,
            threshold=threshold,
            skip=frozenset(skip),
            rmst_pairs=rmst_pairs,
        )
    out["warnings"] = notes_from_warnings(caught)
    return out


def _cohort_analyses(
    cohort: Any,
    *,
    outcome: str,
    week: float | None,
    threshold: float,
    skip: frozenset[str],
    rmst_pairs: bool,
) -> dict[str, Any]:
    from kneestudy import effects, survival

    wk = float(week if week is not None else cohort.manifest.primary_week)
    out: dict[str, Any] = {"week": wk}
    arms = cohort.arms
    treatments = [str(c) for c in arms.loc[~arms["is_comparator"], "intervention"]]
    for o in ("pain", "akps"):
        if _has(cohort, o) and f"ancova_{o}" not in skip:
            out[f"ancova_{o}"] = {
                t: run(effects.ancova, cohort, outcome=o, week=wk, treatment=t) for t in treatments
            }
    if _has(cohort, outcome):
        if "mmrm" not in skip:
            out["mmrm"] = run(effects.mmrm, cohort, outcome=outcome)
        if "responders" not in skip:
            out["responders"] = {
                t: run(effects.responders, cohort, outcome=outcome, week=wk, treatment=t)
                for t in treatments
            }
    if "time_to_pain_free" in skip:
        return out
    tt = run(survival.time_to_pain_free, cohort, threshold=threshold)
    out["time_to_pain_free"] = tt
    if isinstance(tt, AnalysisError):
        return out
    g = arm_groups(cohort, tt["intervention"])  # by intervention code, named for display
    d, e = tt["time_weeks"], tt["observed"]
    out["kaplan_meier"] = run(survival.kaplan_meier, d, e, g)
    if "logrank" not in skip:
        out["logrank"] = run(survival.logrank, d, e, g)
    comp = comparator_arm(cohort)
    if comp is not None and "cox" not in skip:
        arms = list(dict.fromkeys(cohort.arms["display"]))
        design = survival_design(tt.assign(group=g.to_numpy()), arms, comp)
        covs = [c for c in design.columns if c.startswith("arm: ")]
        # Hazard ratios only: the report does not show the proportional-hazards test.
        out["cox"] = run(survival.cox, design, "duration", "event", covs, ph_test=False)
    if "rmst" not in skip:
        out["rmst"] = run(survival.rmst, d, e, g, wk)
        if rmst_pairs and comp is not None and "cox" not in skip:
            # each arm against the comparator, so the difference is the one the reader wants
            pairs = {}
            for arm in dict.fromkeys(cohort.arms["display"]):
                if arm != comp:
                    two = (g == arm) | (g == comp)
                    pairs[str(arm)] = run(survival.rmst, d[two], e[two], g[two], wk)
            out["rmst_vs_comparator"] = pairs
    return out


def study_analyses(
    study: Any, *, outcome: str = "pain", week: float | None = None
) -> dict[str, Any]:
    """The comparison of the eight ideas (``comparison``) at ``week`` (default 12).

    ``warnings`` lists the warnings the comparison gave, for the report to show.
    """
    from kneestudy.compare import compare_ideas

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        comparison = run(
            compare_ideas, study, outcome=outcome, week=float(week) if week is not None else 12.0
        )
    return {"comparison": comparison, "warnings": notes_from_warnings(caught)}
