"""Reproducing a published pooled estimate from the evidence base's own rows.

A published meta-analysis whose trials are all in the evidence base is a check
of the extraction: pooling our rows of those trials the way the review did
must give its estimate and confidence interval to the review's rounding. A
reproduction target is a ``[[reproduction]]`` table in
``datasets/data/evidence/reproductions/*.toml``:

.. code-block:: toml

    [[reproduction]]
    review = "Author A et al. Journal 2021;10:173"
    doi = "10.xxxx/yyyy"
    quote = "verbatim sentence or table cell with the pooled estimate and its CI"
    studies = ["trial2015", "trial2011"]   # study_id of the evidence base's rows
    outcome = "pain"                       # contrasts.outcome of the rows
    week = 6.0                             # contrasts.week of the rows
    measure = "MD"                         # contrasts.measure of the rows
    method = "DL"                          # FE, DL or REML, as the review pooled
    estimate = -0.7
    ci_low = -1.9
    ci_high = 0.5

Every number of the target must appear in its quote (the evidence base's
quote test), and the review's rounding is read from the printed numbers: a
published ``-0.42`` is met by anything that rounds to it, i.e. within half a
unit of its last printed digit (write a number whose last printed digit is a
zero as text, ``ci_low = "-1.10"``, so that the digit is kept).

References
----------
Cochrane Handbook for Systematic Reviews of Interventions, version 6.4 (2023),
§10.3 (inverse-variance pooling) and §10.10.4 (DerSimonian–Laird).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from kneestudy.datasets._evidence_rules import in_quote
from kneestudy.errors import AnalysisError

__all__ = ["Reproduction", "printed_half_unit", "reproduce"]

_FIELDS = ("review", "quote", "studies", "outcome", "week", "measure", "method", "estimate",
           "ci_low", "ci_high")  # fmt: skip


def printed_half_unit(value: Any) -> float:
    """Half a unit of the last printed digit of ``value`` (``-0.42`` -> 0.005, ``3`` -> 0.5).

    A TOML integer is a whole number as printed; a float is read by its shortest
    repr, which is the printed number except for trailing zeros (``1.10``): give
    such a value as text to keep its last digit.
    """
    if isinstance(value, bool):
        raise TypeError("a printed number, not a bool")
    text = value if isinstance(value, str) else str(value) if isinstance(value, int) else repr(
        float(value))  # fmt: skip
    exponent = Decimal(text).as_tuple()
    return 0.5 * 10.0 ** int(exponent.exponent)


@dataclass(frozen=True)
class Reproduction:
    """One published pooled estimate against the same pooling of our rows.

    ``estimate``, ``ci_low``, ``ci_high`` are ours at full precision;
    ``published`` the review's three numbers; ``tolerance`` half a unit of
    each printed number's last digit; ``reproduced`` whether all three agree
    within it; ``rows`` the rows pooled.
    """

    review: str
    method: str
    estimate: float
    ci_low: float
    ci_high: float
    published: tuple[float, float, float]
    tolerance: tuple[float, float, float]
    reproduced: bool
    rows: pd.DataFrame


def reproduce(study: Any, target: Mapping[str, Any]) -> Reproduction:
    """Pool the evidence base's rows named by ``target`` as the review did.

    Parameters
    ----------
    study : Study
        E.g. :func:`kneestudy.datasets.evidence`; its ``contrasts`` are used.
    target : mapping
        A ``[[reproduction]]`` table (see the module docstring).

    Returns
    -------
    Reproduction

    Raises
    ------
    AnalysisError
        A field is missing, a number of the target is not in its quote, or a
        named trial has no row (or more than one) at that outcome, week and
        measure.
    """
    from kneestudy.meta import pool

    missing = [f for f in _FIELDS if f not in target]
    if missing:
        raise AnalysisError(f"reproduction target lacks {missing}")
    quote = str(target["quote"])
    for key in ("estimate", "ci_low", "ci_high"):
        if not in_quote(float(target[key]), quote):
            raise AnalysisError(f"{key} {target[key]} of {target['review']!r} is not in its quote")
    method = str(target["method"]).upper()
    if method not in ("FE", "DL", "REML"):
        raise AnalysisError(f"method must be FE, DL or REML, got {target['method']!r}")
    c = study.contrasts
    pick = c[(c["outcome"] == target["outcome"]) & (c["measure"] == target["measure"])
             & (c["week"].astype(float) == float(target["week"]))]  # fmt: skip
    rows = []
    for sid in target["studies"]:
        found = pick[pick["study_id"] == sid]
        if len(found) != 1:
            raise AnalysisError(
                f"{len(found)} rows of {sid!r} at {target['outcome']}, week {target['week']:g}, "
                f"{target['measure']}: a reproduction needs exactly one per trial"
            )
        rows.append(found)
    used = pd.concat(rows, ignore_index=True)
    res = pool(used["estimate"].astype(float), used["se"].astype(float) ** 2, method=method,
               labels=list(used["study_id"]))  # fmt: skip
    published = (float(target["estimate"]), float(target["ci_low"]), float(target["ci_high"]))
    tol = (printed_half_unit(target["estimate"]), printed_half_unit(target["ci_low"]),
           printed_half_unit(target["ci_high"]))  # fmt: skip
    ours = (res.estimate, res.ci_low, res.ci_high)
    ok = all(abs(o - p) <= t + 1e-12 for o, p, t in zip(ours, published, tol, strict=True))
    return Reproduction(
        review=str(target["review"]),
        method=method,
        estimate=float(res.estimate),
        ci_low=float(res.ci_low),
        ci_high=float(res.ci_high),
        published=published,
        tolerance=tol,
        reproduced=bool(ok) and all(math.isfinite(o) for o in ours),
        rows=used,
    )
