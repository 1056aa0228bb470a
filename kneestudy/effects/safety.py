r"""Adverse events by arm: risks with exact intervals, risk ratios, Fisher's test.

The seed claim "glucosamine has no known side effects" is a claim about
adverse-event risks, so each arm's risk of at least one adverse event gets an
exact interval and each treatment arm a risk ratio against the comparator.

Formulas
--------
Risk :math:`\hat p = k/n` (participants with at least one event), with the
exact Clopper–Pearson interval

.. math:: [\,B(\alpha/2;\ k,\ n-k+1),\ B(1-\alpha/2;\ k+1,\ n-k)\,]

where :math:`B(q; a, b)` is the Beta quantile (0 when k = 0, 1 when k = n),
as R's ``binom.test``. Risk ratio against the comparator on the log scale,
:math:`\log RR = \log(\hat p_1/\hat p_0)`, variance
:math:`1/k_1 - 1/n_1 + 1/k_0 - 1/n_0` (Katz et al. 1978), with 1/2 added to
every cell of a table with a zero cell, exactly metafor's ``escalc("RR")``
(``to = "only0"``, ``add = 1/2``). Two-sided Fisher's exact test as R's
``fisher.test``.

References
----------
Clopper CJ, Pearson ES (1934). Biometrika 26:404–413.
Katz D, Baptista J, Azen SP, Pike MC (1978). Biometrics 34:469–474.
Fisher RA (1935). J R Stat Soc 98:39–82.

Examples
--------
>>> import kneestudy as ks
>>> c = ks.datasets.demo_study().cohort("demo-glucosamine")
>>> t = ks.effects.adverse_events(c)
>>> list(t.columns[:4])
['arm', 'intervention', 'n', 'with_event']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from kneestudy.effects.escalc import escalc
from kneestudy.errors import AnalysisError

__all__ = ["adverse_events", "clopper_pearson"]


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) interval for a binomial proportion, as ``binom.test``.

    Parameters
    ----------
    k, n : int
        Events and trials, 0 ≤ k ≤ n, n ≥ 1.
    level : float
        Confidence level.
    """
    if n < 1 or not 0 <= k <= n:
        raise AnalysisError(f"a binomial interval needs 0 <= k <= n and n >= 1 (k = {k}, n = {n})")
    a = 1.0 - level
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def adverse_events(cohort: Any, level: float = 0.95) -> pd.DataFrame:
    """Participants with at least one adverse event, by arm, against the comparator.

    Parameters
    ----------
    cohort : Cohort
        Uses ``participants`` and, when present, ``adverse_events`` (a cohort
        without that table has no recorded events: every count is 0).
    level : float
        Confidence level of every interval.

    Returns
    -------
    DataFrame
        One row per arm (comparator last): arm, intervention, n, with_event
        (participants with at least one event), events (all reports),
        serious (serious reports), risk, risk_ci_low, risk_ci_high (exact),
        and for treatment arms rr, rr_ci_low, rr_ci_high and fisher_p against
        the comparator (NaN on the comparator's own row; the RR is NaN when
        neither arm has an event). Full precision.
    """
    p = cohort.participants
    if len(p) == 0:
        raise AnalysisError(f"cohort {cohort.cohort_id!r} has no participants")
    ae = cohort.adverse_events
    if ae is None:
        ae = pd.DataFrame({"participant_id": pd.Series(dtype=object), "serious": False})
    # arms are identified by intervention code ("arm" is its display label, unique per code)
    arms = cohort.arms.drop_duplicates("intervention")
    comp_rows = arms.loc[arms["is_comparator"], "intervention"]
    comp = comp_rows.iloc[0] if len(comp_rows) else None
    code_of = p.set_index("participant_id")["intervention"]
    ae = ae.assign(_code=ae["participant_id"].map(code_of))
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    counts = {}
    for a in arms["intervention"]:
        sub = ae[ae["_code"] == a]
        counts[a] = (
            int(sub["participant_id"].nunique()),
            int((p["intervention"] == a).sum()),
            len(sub),
            int(sub["serious"].astype(bool).sum()) if "serious" in sub else 0,
        )
    rows = []
    for shown, a in zip(arms["display"], arms["intervention"], strict=True):
        code = a
        k, n, n_reports, serious = counts[a]
        lo, hi = clopper_pearson(k, n, level)
        row = {
            "arm": shown,
            "intervention": code,
            "n": n,
            "with_event": k,
            "events": n_reports,
            "serious": serious,
            "risk": k / n,
            "risk_ci_low": lo,
            "risk_ci_high": hi,
            "rr": math.nan,
            "rr_ci_low": math.nan,
            "rr_ci_high": math.nan,
            "fisher_p": math.nan,
        }
        if comp is not None and a != comp:
            k0, n0 = counts[comp][0], counts[comp][1]
            if k + k0 > 0:  # with no event in either arm the RR says nothing: NaN
                es = escalc("RR", ai=[k], n1i=[n], ci=[k0], n2i=[n0])
                yi, se = float(es["yi"].iloc[0]), math.sqrt(float(es["vi"].iloc[0]))
                row.update(
                    rr=math.exp(yi),
                    rr_ci_low=math.exp(yi - z * se),
                    rr_ci_high=math.exp(yi + z * se),
                )
            row["fisher_p"] = float(stats.fisher_exact([[k, n - k], [k0, n0 - k0]])[1])
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.astype({"risk": np.float64, "rr": np.float64, "fisher_p": np.float64})
