"""Time-to-pain-free contrasts of a cohort, in the ``contrasts`` table format.

One Cox model (Efron ties) with the intervention as a factor, the cohort's
comparator as reference, so that all pairs of a multi-arm cohort come from the
same fit and are consistent (log HR(A vs B) = β_A − β_B, variance
V_A + V_B − 2 C_AB).

Direction: the hazard is the hazard of *becoming pain-free*, so a log hazard
ratio above 0 means the treatment arm becomes pain-free sooner (benefit) —
the opposite sign convention to a mean difference in pain.
"""

from __future__ import annotations

import warnings
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.ingest.model import CONTRAST_COLUMNS
from kneestudy.survival.cox import cox
from kneestudy.survival.derive import time_to_pain_free

__all__ = ["cohort_contrasts"]


def cohort_contrasts(
    cohort: Any,
    threshold: float = 1.0,
    measure: str = "logHR",
    sustained: int = 1,
    outcome: str = "pain",
    endpoint: str = "pain_free",
) -> pd.DataFrame:
    """Log hazard ratios of becoming pain-free for every pair of arms of a cohort.

    Parameters
    ----------
    cohort : kneestudy.Cohort
    threshold, sustained, outcome, endpoint
        Passed to :func:`time_to_pain_free`.
    measure : {"logHR"}
        Only the log hazard ratio is defined for this endpoint.

    Returns
    -------
    DataFrame
        Contrasts table rows (study_id = cohort_id, treatment and comparator
        intervention codes, outcome "pain_free", week NaN, measure "logHR",
        estimate, se, n_treatment, n_comparator, source, population,
        risk_of_bias), one per pair of arms; the comparator arm (if any) is
        always the ``comparator`` of its pairs.

    Examples
    --------
    >>> cohort_contrasts(cohort)[["treatment", "comparator", "estimate", "se"]]  # doctest: +SKIP
    """
    if measure != "logHR":
        raise AnalysisError(f"time to pain-free contrasts use measure 'logHR', got {measure!r}")
    tte = time_to_pain_free(cohort, threshold, sustained, outcome, endpoint)
    codes = list(dict.fromkeys(cohort.arms["intervention"]))  # comparator last
    present = [c for c in codes if (tte["intervention"] == c).any()]
    if len(present) < 2:
        raise AnalysisError(
            f"cohort {cohort.cohort_id!r} has fewer than two arms with follow-up; "
            "no contrast can be formed"
        )
    ref = cohort.comparator if cohort.comparator in present else present[-1]
    others = [c for c in present if c != ref]
    data = pd.DataFrame({"t": tte["time_weeks"], "e": tte["observed"]})
    for c in others:
        data[c] = (tte["intervention"] == c).astype(float).to_numpy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = cox(data, "t", "e", others, ph_test=False)
    for w in caught:
        warnings.warn(f"cohort {cohort.cohort_id!r}: {w.message}", w.category, stacklevel=2)
    beta = fit.table["coef"]
    vc = pd.DataFrame(fit.vcov, index=others, columns=others)
    n = tte.groupby("intervention").size()
    m = cohort.manifest
    rows = []
    for a, b in combinations(present, 2):
        if b == ref or a == ref:
            trt, cmp_ = (b, a) if a == ref else (a, b)
            est, var = beta[trt], vc.loc[trt, trt]
        else:
            trt, cmp_ = a, b
            est = beta[a] - beta[b]
            var = vc.loc[a, a] + vc.loc[b, b] - 2 * vc.loc[a, b]
        rows.append(
            {
                "study_id": cohort.cohort_id,
                "treatment": trt,
                "comparator": cmp_,
                "outcome": "pain_free",
                "week": np.nan,
                "measure": "logHR",
                "estimate": float(est),
                "se": float(np.sqrt(var)),
                "n_treatment": int(n[trt]),
                "n_comparator": int(n[cmp_]),
                "source": m.source,
                "population": m.population,
                "risk_of_bias": m.risk_of_bias,
            }
        )
    return pd.DataFrame(rows, columns=list(CONTRAST_COLUMNS))
