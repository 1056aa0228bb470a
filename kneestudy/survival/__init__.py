"""Time-to-pain-free analysis: Kaplan–Meier, log-rank, Cox, RMST, interval censoring.

Every estimator matches R's ``survival`` package (3.5) on reference data sets
(``tests/reference/survival_reference.R``).

>>> import kneestudy as ks
>>> fit = ks.survival.kaplan_meier([3, 5, 5, 8, 12], [1, 1, 0, 1, 0])
>>> float(fit.median["median"].iloc[0])
8.0
"""

from __future__ import annotations

from kneestudy.survival.contrasts import cohort_contrasts
from kneestudy.survival.cox import cox
from kneestudy.survival.derive import time_to_pain_free
from kneestudy.survival.interval import interval_comparison, interval_weibull, turnbull
from kneestudy.survival.km import kaplan_meier
from kneestudy.survival.logrank import logrank
from kneestudy.survival.results import (
    CoxResult,
    IntervalWeibullResult,
    KMResult,
    RMSTResult,
    TestResult,
    TurnbullResult,
)
from kneestudy.survival.rmst import rmst

__all__ = [
    "CoxResult",
    "IntervalWeibullResult",
    "KMResult",
    "RMSTResult",
    "TestResult",
    "TurnbullResult",
    "cohort_contrasts",
    "cox",
    "interval_comparison",
    "interval_weibull",
    "kaplan_meier",
    "logrank",
    "rmst",
    "time_to_pain_free",
    "turnbull",
]
