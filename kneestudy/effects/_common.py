"""Shared helpers of :mod:`kneestudy.effects`: arms, outcomes, weeks, checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError

#: Continuous outcomes the cohort-level estimators accept.
CONTINUOUS_OUTCOMES: tuple[str, ...] = ("pain", "akps")


def arm_codes(cohort) -> tuple[list[str], str]:
    """The intervention codes of the arms, comparator last, and the comparator code.

    Raises AnalysisError for a single-arm cohort, a cohort without a
    comparator, or a comparator code that no arm has.
    """
    p = cohort.participants
    if "intervention" not in p.columns or p.empty:
        raise AnalysisError(f"cohort {cohort.cohort_id!r} has no participants with an intervention")
    codes = list(dict.fromkeys(p["intervention"].dropna().astype(str)))
    comparator = cohort.manifest.comparator
    if len(codes) < 2:
        raise AnalysisError(
            f"cohort {cohort.cohort_id!r} has a single arm ({codes}); a between-arm "
            "effect needs a comparator arm"
        )
    if comparator is None:
        raise AnalysisError(
            f"cohort {cohort.cohort_id!r} declares no comparator in its manifest; "
            "set comparator = '<intervention code of the control arm>'"
        )
    if comparator not in codes:
        raise AnalysisError(
            f"the manifest's comparator {comparator!r} is not the intervention of any arm "
            f"of cohort {cohort.cohort_id!r}; arms: {codes}"
        )
    others = [c for c in codes if c != comparator]
    return [*others, comparator], comparator


def resolve_treatment(cohort, treatment: str | None) -> tuple[str, str, list[str]]:
    """(treatment, comparator, all codes with comparator last)."""
    codes, comparator = arm_codes(cohort)
    others = codes[:-1]
    if treatment is None:
        if len(others) > 1:
            raise AnalysisError(
                f"cohort {cohort.cohort_id!r} has {len(others)} treatment arms {others}; "
                "name one with treatment="
            )
        treatment = others[0]
    if treatment == comparator:
        raise AnalysisError(f"treatment {treatment!r} is the comparator itself")
    if treatment not in others:
        raise AnalysisError(
            f"unknown treatment {treatment!r} in cohort {cohort.cohort_id!r}; "
            f"treatment arms: {others} (comparator {comparator!r})"
        )
    return treatment, comparator, codes


def check_outcome(cohort, outcome: str, allowed: tuple[str, ...] = CONTINUOUS_OUTCOMES) -> None:
    if outcome not in allowed:
        raise AnalysisError(f"unknown outcome {outcome!r}; expected one of {list(allowed)}")
    if outcome not in cohort.visits.columns:
        raise AnalysisError(f"cohort {cohort.cohort_id!r} has no {outcome!r} column in its visits")
    if not cohort.visits[outcome].notna().any():
        raise AnalysisError(
            f"cohort {cohort.cohort_id!r} has no {outcome} values: the trial did not record "
            f"{outcome} (the column is absent from its visits, or every value is missing)"
        )


def check_week(cohort, week: float) -> float:
    weeks = sorted(set(float(w) for w in cohort.visits["week"].dropna()))
    week = float(week)
    if week <= 0:
        raise AnalysisError(f"week must be a post-baseline visit (> 0), got {week}")
    if not any(np.isclose(week, w) for w in weeks):
        raise AnalysisError(
            f"week {week:g} is not a visit of cohort {cohort.cohort_id!r}; visits: "
            f"{[f'{w:g}' for w in weeks]}"
        )
    return week


def at_week(
    cohort,
    outcome: str,
    week: float,
    codes: list[str],
    extra: tuple[str, ...] = (),
    need_baseline: bool = True,
) -> tuple[pd.DataFrame, int]:
    """Rows of ``cohort.long(outcome)`` at ``week`` for arms ``codes`` with y, baseline
    (and ``extra`` columns) present. Returns (frame, number of participants
    of those arms left out for a missing value)."""
    long = _with_columns(cohort, cohort.long(outcome), extra)
    long = long[long["intervention"].isin(codes)]
    wk = long[np.isclose(long["week"].astype(float), week)]
    p = cohort.participants
    n_arms = int(p["intervention"].isin(codes).sum())
    need = [outcome, *(["baseline"] if need_baseline else []), *extra]
    d = wk.dropna(subset=need).copy()
    d = d.rename(columns={outcome: "y"})
    return d.reset_index(drop=True), n_arms - len(d)


def _with_columns(cohort, long: pd.DataFrame, columns) -> pd.DataFrame:
    """``long`` with participant columns it lacks (``Cohort.long`` keeps the schema's)."""
    more = [c for c in columns if c not in long.columns and c in cohort.participants.columns]
    if not more:
        return long
    return long.merge(cohort.participants[["participant_id", *more]], on="participant_id",
                      how="left")  # fmt: skip


def check_arm_data(d: pd.DataFrame, codes: list[str], week: float, outcome: str, col: str = "y"):
    """Every arm needs ≥ 1 observation and the model must have residual df."""
    for c in codes:
        n = int((d["intervention"] == c).sum())
        if n == 0:
            raise AnalysisError(
                f"arm {c!r} has no {outcome!r} data (with baseline) at week {week:g}"
            )
    if np.nanstd(d[col].to_numpy(float)) == 0:
        raise AnalysisError(
            f"{outcome!r} has zero variance at week {week:g}; no effect can be estimated"
        )


def tcrit(level: float, df: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, df))


def check_level(level: float) -> None:
    if not 0 < level < 1:
        raise AnalysisError(f"level must be in (0, 1), got {level}")
