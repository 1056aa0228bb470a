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

Per term (:func:`adverse_events_by_term`): the same risks, risk ratios and
Fisher's tests for each adverse-event term, with the p-values adjusted for
the number of terms and treatment arms compared (Holm by default, as R's
``p.adjust``), because many terms are compared and some will differ by
chance; harms comparisons are for signal detection and their number is
stated (Ioannidis et al. 2004, CONSORT extension for harms).

References
----------
Clopper CJ, Pearson ES (1934). Biometrika 26:404–413.
Katz D, Baptista J, Azen SP, Pike MC (1978). Biometrics 34:469–474.
Fisher RA (1935). J R Stat Soc 98:39–82.
Ioannidis JPA, Evans SJW, Gøtzsche PC, et al. (2004). Better reporting of
harms in randomized trials: an extension of the CONSORT statement. Ann Intern
Med 141:781–788.

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

__all__ = ["adverse_events", "adverse_events_by_term", "clopper_pearson"]


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


def _comparison(k: int, n: int, k0: int, n0: int, z: float) -> dict[str, float]:
    """RR (escalc, 1/2 added to a zero cell) and Fisher's p of k/n against k0/n0."""
    row = {"rr": math.nan, "rr_ci_low": math.nan, "rr_ci_high": math.nan}
    if k + k0 > 0:  # with no event in either arm the RR says nothing: NaN
        es = escalc("RR", ai=[k], n1i=[n], ci=[k0], n2i=[n0])
        yi, se = float(es["yi"].iloc[0]), math.sqrt(float(es["vi"].iloc[0]))
        row.update(
            rr=math.exp(yi), rr_ci_low=math.exp(yi - z * se), rr_ci_high=math.exp(yi + z * se)
        )
    row["fisher_p"] = float(stats.fisher_exact([[k, n - k], [k0, n0 - k0]])[1])
    return row


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
            row.update(_comparison(k, n, counts[comp][0], counts[comp][1], z))
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.astype({"risk": np.float64, "rr": np.float64, "fisher_p": np.float64})


def adverse_events_by_term(cohort: Any, level: float = 0.95, adjust: str = "holm") -> pd.DataFrame:
    """Participants with each adverse-event term, by arm, with multiplicity-adjusted tests.

    Parameters
    ----------
    cohort : Cohort
    level : float
        Confidence level of every interval.
    adjust : {"holm", "BH", "bonferroni"}
        Adjustment of Fisher's p-values across every (term, treatment arm)
        comparison, as R's ``p.adjust``.

    Returns
    -------
    DataFrame
        One row per term and arm (comparator last within a term): term, arm,
        intervention, n, with_event, risk, risk_ci_low, risk_ci_high (exact),
        rr, rr_ci_low, rr_ci_high, fisher_p and p_adjusted against the
        comparator (NaN on the comparator's rows). ``.attrs["n_comparisons"]``
        is the number of comparisons adjusted for and ``.attrs["multiplicity"]``
        states it in words. Empty (with the attrs) without adverse events.
    """
    from kneestudy.effects.subgroup import adjust_pvalues

    p = cohort.participants
    if len(p) == 0:
        raise AnalysisError(f"cohort {cohort.cohort_id!r} has no participants")
    ae = cohort.adverse_events
    arms = cohort.arms
    comp_rows = arms.loc[arms["is_comparator"], "arm"]
    comp = comp_rows.iloc[0] if len(comp_rows) else None
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    n_arm = {a: int((p["arm"] == a).sum()) for a in arms["arm"]}
    rows = []
    terms = [] if ae is None else sorted(ae["term"].dropna().astype(str).unique())
    for term in terms:
        sub = ae[ae["term"].astype(str) == term]
        arm_of = p.set_index("participant_id")["arm"]
        who = sub.assign(arm=sub["participant_id"].map(arm_of))
        k_arm = {a: int(who.loc[who["arm"] == a, "participant_id"].nunique()) for a in n_arm}
        for a, code in zip(arms["arm"], arms["intervention"], strict=True):
            k, n = k_arm[a], n_arm[a]
            lo, hi = clopper_pearson(k, n, level)
            row = {"term": term, "arm": a, "intervention": code, "n": n, "with_event": k,
                   "risk": k / n, "risk_ci_low": lo, "risk_ci_high": hi, "rr": math.nan,
                   "rr_ci_low": math.nan, "rr_ci_high": math.nan, "fisher_p": math.nan}  # fmt: skip
            if comp is not None and a != comp:
                row.update(_comparison(k, n, k_arm[comp], n_arm[comp], z))
            rows.append(row)
    cols = ["term", "arm", "intervention", "n", "with_event", "risk", "risk_ci_low",
            "risk_ci_high", "rr", "rr_ci_low", "rr_ci_high", "fisher_p"]  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    out["p_adjusted"] = adjust_pvalues(out["fisher_p"].to_numpy(float), adjust)
    k = int(out["fisher_p"].notna().sum())
    out.attrs["n_comparisons"] = k
    out.attrs["multiplicity"] = (
        f"{k} comparison(s) of adverse-event terms between arms (Fisher's exact test); "
        f"p-values adjusted by the {adjust} method across all of them. Harms are compared "
        "for signals, not to prove safety: few events give wide intervals, and the absence "
        "of a significant difference is not evidence of no harm."
    )
    return out
