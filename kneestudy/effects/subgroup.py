"""Subgroup (effect-modification) analysis and multiplicity adjustment."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from kneestudy.effects._common import (
    at_week,
    check_level,
    check_outcome,
    check_week,
    resolve_treatment,
    tcrit,
)
from kneestudy.effects.ancova import ols
from kneestudy.effects.results import SubgroupResult
from kneestudy.errors import AnalysisError

__all__ = ["adjust_pvalues", "subgroup"]


def adjust_pvalues(p: Sequence[float], method: str = "holm") -> np.ndarray:
    r"""Adjust p-values for multiplicity, as R's ``p.adjust``.

    ``"holm"`` (step-down, family-wise error): with ordered
    :math:`p_{(1)} \le \dots \le p_{(m)}`, :math:`\tilde p_{(i)} = \max_{j \le i}
    \min(1, (m-j+1) p_{(j)})`. ``"BH"`` (Benjamini–Hochberg, false discovery
    rate): :math:`\tilde p_{(i)} = \min_{j \ge i} \min(1, m\, p_{(j)} / j)`.
    ``"bonferroni"``: :math:`\min(1, m p)`. Missing values stay missing and
    do not count in :math:`m` (as ``p.adjust`` with the default ``n``).

    References
    ----------
    Holm S. Scand J Stat 1979;6:65–70. Benjamini Y, Hochberg Y. J R Stat Soc
    B 1995;57:289–300.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm").tolist()
    [0.03, 0.06, 0.06]
    """
    arr = np.asarray(p, dtype=float)
    if ((arr < 0) | (arr > 1)).any():
        raise AnalysisError("p-values must lie in [0, 1]")
    m_key = method.lower()
    out = np.full(arr.shape, np.nan)
    ok = ~np.isnan(arr)
    q = arr[ok]
    m = len(q)
    if m == 0:
        return out
    if m_key == "holm":
        o = np.argsort(q, kind="stable")
        adj = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * q[o]))
    elif m_key == "bh":
        o = np.argsort(q, kind="stable")[::-1]
        adj = np.minimum(1, np.minimum.accumulate(m / np.arange(m, 0, -1) * q[o]))
    elif m_key == "bonferroni":
        o = np.arange(m)
        adj = np.minimum(1, m * q)
    else:
        raise AnalysisError(f"unknown method {method!r}; expected 'holm', 'BH' or 'bonferroni'")
    res = np.empty(m)
    res[o] = adj
    out[ok] = res
    return out


def subgroup(
    cohort,
    by: str = "squat_test",
    outcome: str = "pain",
    week: float = 12,
    treatment: str | None = None,
    level: float = 0.95,
) -> SubgroupResult:
    r"""Treatment effect within each level of ``by`` and the interaction test.

    Uses the treatment and comparator arms only, complete cases at ``week``
    with a known ``by``. Within each level: ``lm(y ~ baseline + arm)``. The
    interaction: ``lm(y ~ baseline + arm * by)`` against ``lm(y ~ baseline +
    arm + by)`` by R's ``anova`` F test (with two levels this equals the t test
    of the ``arm:by`` coefficient, reported as ``interaction_estimate`` —
    the effect in the second level minus the effect in the first).

    Parameters
    ----------
    by : str
        A categorical participants column (e.g. ``squat_test``, ``sex``).

    Examples
    --------
    >>> ks.effects.subgroup(cohort, by="squat_test").interaction_p_value  # doctest: +SKIP
    """
    check_level(level)
    check_outcome(cohort, outcome)
    week = check_week(cohort, week)
    treatment, comparator, _ = resolve_treatment(cohort, treatment)
    if by not in cohort.participants.columns or by in ("participant_id", "arm", "intervention"):
        raise AnalysisError(f"unknown subgroup column {by!r}; use a participants column")
    if not cohort.participants[by].notna().any():
        raise AnalysisError(
            f"cohort {cohort.cohort_id!r} has no {by} values: the trial did not record {by} "
            "(the column is absent from its participants, or every value is missing)"
        )
    d, _ = at_week(cohort, outcome, week, [treatment, comparator])
    if by not in d.columns:  # a participant column outside the schema's
        d = d.merge(cohort.participants[["participant_id", by]], on="participant_id", how="left")
    n_missing_by = int(d[by].isna().sum())
    d = d.dropna(subset=[by])
    s = d[by]
    if isinstance(s.dtype, pd.CategoricalDtype):
        levels = [lv for lv in s.cat.categories if (s == lv).any()]
    else:
        levels = sorted(s.astype(str).unique())
        s = s.astype(str)
    if len(levels) < 2:
        raise AnalysisError(f"{by!r} has fewer than two levels among the participants analysed")
    rows = []
    for lv in levels:
        sub = d[s == lv]
        nt = int((sub["intervention"] == treatment).sum())
        nc = int((sub["intervention"] == comparator).sum())
        if nt == 0 or nc == 0:
            raise AnalysisError(
                f"subgroup {by} = {lv!r} has no participants in arm "
                f"{treatment if nt == 0 else comparator!r} at week {week:g}"
            )
        X = np.column_stack(
            [np.ones(len(sub)), sub["baseline"], (sub["intervention"] == treatment)]
        ).astype(float)
        fit = ols(X, sub["y"].to_numpy(float))
        est, se, df = float(fit["beta"][2]), float(np.sqrt(fit["cov"][2, 2])), float(fit["df"])
        t = tcrit(level, df)
        rows.append(
            {
                "level": str(lv),
                "estimate": est,
                "se": se,
                "df": df,
                "ci_low": est - t * se,
                "ci_high": est + t * se,
                "p_value": float(2 * stats.t.sf(abs(est / se), df)),
                "n": nt + nc,
                "n_treatment": nt,
                "n_comparator": nc,
            }
        )
    arm = (d["intervention"] == treatment).to_numpy(float)
    dums = np.column_stack([(s == lv).to_numpy(float) for lv in levels[1:]])
    base = [np.ones(len(d)), d["baseline"].to_numpy(float), arm]
    X0 = np.column_stack([*base, dums])
    X1 = np.column_stack([X0, dums * arm[:, None]])
    y = d["y"].to_numpy(float)
    f0, f1 = ols(X0, y), ols(X1, y)
    q = len(levels) - 1
    F = ((f0["rss"] - f1["rss"]) / q) / (f1["rss"] / f1["df"])
    p_int = float(stats.f.sf(F, q, f1["df"]))
    if q == 1:
        j = X1.shape[1] - 1
        ie, ise = float(f1["beta"][j]), float(np.sqrt(f1["cov"][j, j]))
        stat, test = ie / ise, "t test of the arm × subgroup coefficient"
    else:
        ie = ise = float("nan")
        stat, test = float(F), f"F test on {q} and {f1['df']} df (anova)"
    return SubgroupResult(
        table=pd.DataFrame(rows),
        by=by,
        outcome=outcome,
        week=week,
        treatment=treatment,
        comparator=comparator,
        interaction_estimate=ie,
        interaction_se=ise,
        interaction_statistic=float(stat),
        interaction_df=float(f1["df"]),
        interaction_df_num=float(q),
        interaction_p_value=p_int,
        interaction_test=test,
        n=len(d),
        n_missing_subgroup=n_missing_by,
        level=level,
    )
