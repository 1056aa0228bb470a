r"""Tipping-point analysis: how different would the missing outcomes have to be?

Delta adjustment (Ratitch, O'Kelly & Tosiello 2013; van Buuren 2018, §3.9.1):
impute the missing outcomes at the analysis visit (MAR by default, or J2R,
CR, CIR), add :math:`\delta` to every imputed value in the treatment arm,
and analyse and pool as usual. The same imputations serve every
:math:`\delta` (a post-processing shift, as ``mice``'s ``post``), so the
pooled estimate is exactly linear in :math:`\delta` and the interval moves
smoothly with it. The *tipping point* is the :math:`\delta` at which the
conclusion at :math:`\delta = 0` changes: where the confidence limit nearest
0 reaches 0, found by root finding (Brent) to 1e-10 of the outcome's scale.

Sign: :math:`\delta` is on the outcome's own scale; for pain (lower is
better) :math:`\delta > 0` makes the treated participants with missing
values worse off, for AKPS (higher is better) :math:`\delta < 0` does. The
search runs towards the unfavourable side when the effect at
:math:`\delta = 0` is a significant benefit, towards the favourable side
when it is a significant harm or inconclusive (how optimistic one must be
about the missing outcomes to conclude benefit); ``direction`` says which.

References
----------
Ratitch B, O'Kelly M, Tosiello R. Missing data in clinical trials: from
clinical assumptions to statistical analysis using pattern mixture models.
Pharm Stat 2013;12:337–47. van Buuren S. Flexible Imputation of Missing Data,
2nd ed. CRC Press 2018. ICH E9(R1) (sensitivity analysis).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize

from kneestudy.effects._common import check_level
from kneestudy.effects.imputation import impute, pooled_table
from kneestudy.effects.imputation_model import MIData
from kneestudy.effects.results import TippingPointResult
from kneestudy.errors import AnalysisError

__all__ = ["LOWER_IS_BETTER", "tipping_from", "tipping_point"]

#: Whether a lower value of the outcome is better.
LOWER_IS_BETTER: dict[str, bool] = {"pain": True, "akps": False}
#: Width of each outcome's scale (0–10 NRS, 0–100 AKPS): no shift can exceed it.
SCALE_WIDTH: dict[str, float] = {"pain": 10.0, "akps": 100.0}


def _conclusion(lo: float, hi: float, lower_better: bool) -> str:
    if hi < 0:
        return "benefit" if lower_better else "harm"
    if lo > 0:
        return "harm" if lower_better else "benefit"
    return "inconclusive"


def tipping_point(
    cohort,
    outcome: str = "pain",
    week: float = 12,
    deltas: Sequence[float] | None = None,
    method: str = "MAR",
    m: int = 100,
    seed: int | None = 0,
    *,
    approach: str = "bayes",
    treatment: str | None = None,
    reference: str | None = None,
    covariates: Sequence[str] = (),
    burn_in: int = 200,
    thin: int = 10,
    level: float = 0.95,
) -> TippingPointResult:
    """Delta-adjusted imputation in the treatment arm and the delta that tips the conclusion.

    Parameters
    ----------
    cohort, outcome, week, method, m, seed, approach, reference, covariates,
    burn_in, thin, level
        As :func:`kneestudy.effects.multiple_imputation`.
    deltas : sequence of float, optional
        Shifts to tabulate (outcome scale). Default: 13 values from 0 to 1.5
        times the tipping point (or to 2 baseline SDs, at most the scale's
        width, when there is none).
    treatment : str, optional
        The arm whose imputed values are shifted (default: the first
        treatment arm).

    Returns
    -------
    TippingPointResult
        ``.table`` (delta, estimate, se, df, ci_low, ci_high, p_value,
        conclusion), ``.tipping_delta`` (NaN when no shift changes the
        conclusion within the width of the outcome's scale, 10 pain points or
        100 AKPS points), ``.conclusion_at_zero``,
        ``.direction``; plot with :func:`kneestudy.plots.sensitivity.tipping_point_plot`.

    Examples
    --------
    >>> import kneestudy as ks
    >>> c = ks.datasets.demo_study().cohort("demo-glucosamine")
    >>> tp = ks.effects.tipping_point(c, week=12, m=20, seed=1)
    >>> tp.conclusion_at_zero in ("benefit", "harm", "inconclusive")
    True
    """
    check_level(level)
    if outcome not in LOWER_IS_BETTER:
        raise AnalysisError(f"unknown outcome {outcome!r}; expected one of {list(LOWER_IS_BETTER)}")
    d, rows, values, seed = impute(
        cohort, outcome, week, method, m, seed, approach, reference, covariates, None,
        "withdrawal_reason", burn_in, thin,
    )  # fmt: skip
    return tipping_from(d, rows, values, outcome, method, approach, seed, treatment, deltas, level)


def tipping_from(
    d: MIData,
    rows: np.ndarray,
    values: np.ndarray,
    outcome: str,
    method: str,
    approach: str,
    seed: int | None,
    treatment: str | None = None,
    deltas: Sequence[float] | None = None,
    level: float = 0.95,
) -> TippingPointResult:
    """:func:`tipping_point` on imputations already drawn (by ``imputation.impute``)."""
    arms = d.levels[1:]
    treatment = arms[0] if treatment is None else treatment
    if treatment not in arms:
        raise AnalysisError(f"unknown treatment {treatment!r}; treatment arms: {arms}")
    a = d.levels.index(treatment)
    shifted = (d.arm[rows] == a).astype(float)
    n_shifted = int(shifted.sum())
    lower_better = LOWER_IS_BETTER[outcome]
    notes = list(d.notes)

    def row(delta: float) -> pd.Series:
        t = pooled_table(d, rows, values, level, shift=delta * shifted)
        return t[t["treatment"] == treatment].iloc[0]

    base = row(0.0)
    at0 = _conclusion(base["ci_low"], base["ci_high"], lower_better)
    worse = 1.0 if lower_better else -1.0  # the sign of an unfavourable shift
    sign = worse if at0 == "benefit" else -worse
    # the limit that crosses 0: the one nearer 0 now (or, inconclusive, the one to move past 0)
    if at0 == "inconclusive":
        limit = "ci_high" if lower_better else "ci_low"
    else:
        limit = "ci_high" if base["ci_high"] < 0 else "ci_low"
    width = SCALE_WIDTH[outcome]
    tip = float("nan")
    if n_shifted == 0:
        notes.append(f"no value is missing at week {d.weeks[d.week_index]:g} in arm {treatment!r}")
    else:

        def g(x: float) -> float:
            return float(row(sign * x)[limit])

        g0 = g(0.0)
        if np.sign(g(width)) != np.sign(g0):
            tip = sign * float(optimize.brentq(g, 0.0, width, xtol=1e-10 * width))
        else:
            notes.append(
                f"no shift within the width of the {outcome} scale ({width:g} points) changes "
                "the conclusion"
            )
    if deltas is None:
        sd = float(np.std(d.Z[:, d.names.index("baseline")], ddof=1))
        end = abs(tip) * 1.5 if np.isfinite(tip) else min(2 * sd, width)
        deltas = sign * np.linspace(0.0, end, 13)
    table = pd.DataFrame([row(float(x)) for x in deltas]).reset_index(drop=True)
    table.insert(0, "delta", np.asarray(deltas, float))
    table["conclusion"] = [
        _conclusion(lo, hi_, lower_better)
        for lo, hi_ in zip(table["ci_low"], table["ci_high"], strict=True)
    ]
    table = table[["delta", "estimate", "se", "df", "ci_low", "ci_high", "p_value", "conclusion"]]
    better = "lower" if lower_better else "higher"
    direction = (
        f"delta is added to the {n_shifted} imputed {outcome} value(s) of arm {treatment!r} at "
        f"week {d.weeks[d.week_index]:g} ({better} is better, so delta "
        f"{'> 0' if worse > 0 else '< 0'} makes them worse); searched towards "
        f"{'worse' if sign == worse else 'better'} outcomes from the conclusion at delta = 0 "
        f"({at0})"
    )
    return TippingPointResult(
        table=table,
        tipping_delta=tip,
        conclusion_at_zero=at0,
        direction=direction,
        estimate_at_zero=float(base["estimate"]),
        ci_low_at_zero=float(base["ci_low"]),
        ci_high_at_zero=float(base["ci_high"]),
        outcome=outcome,
        week=float(d.weeks[d.week_index]),
        treatment=treatment,
        comparator=d.levels[0],
        method=method,
        approach=approach,
        m=int(values.shape[0]),
        seed=seed,
        n_shifted=n_shifted,
        level=level,
        notes=tuple(notes),
    )
