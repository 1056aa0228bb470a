"""Arm-level data to contrasts: every pair of arms within each study.

:func:`pairwise` does what R's ``netmeta::pairwise`` does: each study with
``k`` arms gives its ``k (k - 1) / 2`` pairs (so multi-arm studies give all
pairs), and each pair's effect ``TE`` and standard error ``seTE`` follow
metafor's ``escalc`` formulas. The output keeps netmeta's column names
(``studlab``-like ``study``, ``treat1``, ``treat2``, ``TE``, ``seTE``,
``n1``, ``n2``) and adds DESIGN's ``contrasts`` names (``study_id``,
``treatment``, ``comparator``, ``estimate``, ``se``, ``n_treatment``,
``n_comparator``, ``measure``) so that it feeds
:func:`kneestudy.meta.network` directly.
"""

from __future__ import annotations

import math
import warnings
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.special import gammaln

from kneestudy.errors import AnalysisError

__all__ = ["MEASURES", "pairwise"]

#: Effect measures :func:`pairwise` computes.
MEASURES: tuple[str, ...] = ("MD", "SMD", "logOR", "logRR", "RD")
_CONTINUOUS = ("MD", "SMD")
_ALIASES = {"OR": "logOR", "RR": "logRR", "LOGOR": "logOR", "LOGRR": "logRR"}


def _hedges_j(m: np.ndarray) -> np.ndarray:
    """Exact small-sample correction ``J(m) = Γ(m/2) / (√(m/2) Γ((m−1)/2))``."""
    m = np.asarray(m, dtype=float)
    return np.exp(gammaln(m / 2) - 0.5 * np.log(m / 2) - gammaln((m - 1) / 2))


def _pair_effect(measure: str, a: dict, b: dict) -> tuple[float, float]:
    """Effect and variance of arm ``a`` versus arm ``b`` (metafor ``escalc``)."""
    if measure == "MD":
        yi = a["mean"] - b["mean"]
        vi = a["sd"] ** 2 / a["n"] + b["sd"] ** 2 / b["n"]
        return yi, vi
    if measure == "SMD":
        n1, n2 = a["n"], b["n"]
        m = n1 + n2 - 2
        sp = math.sqrt(((n1 - 1) * a["sd"] ** 2 + (n2 - 1) * b["sd"] ** 2) / m)
        g = float(_hedges_j(m)) * (a["mean"] - b["mean"]) / sp
        vi = 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))
        return g, vi
    x1, n1, x2, n2 = a["events"], a["n"], b["events"], b["n"]
    if measure == "logOR":
        yi = math.log(x1 / (n1 - x1)) - math.log(x2 / (n2 - x2))
        vi = 1 / x1 + 1 / (n1 - x1) + 1 / x2 + 1 / (n2 - x2)
        return yi, vi
    if measure == "logRR":
        yi = math.log(x1 / n1) - math.log(x2 / n2)
        vi = 1 / x1 - 1 / n1 + 1 / x2 - 1 / n2
        return yi, vi
    p1, p2 = x1 / n1, x2 / n2  # RD
    return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2


def pairwise(
    arms: pd.DataFrame,
    measure: str,
    study: str = "study",
    treatment: str = "treatment",
    n: str = "n",
    mean: str = "mean",
    sd: str = "sd",
    events: str = "events",
    incr: float = 0.5,
) -> pd.DataFrame:
    r"""All pairs of arms within each study, with effect and standard error.

    Parameters
    ----------
    arms : DataFrame
        One row per arm: study label, treatment, ``n`` and either ``mean`` and
        ``sd`` (MD, SMD) or ``events`` (logOR, logRR, RD).
    measure : {"MD", "SMD", "logOR", "logRR", "RD"}
        Effect measure (``"OR"`` and ``"RR"`` are accepted for the log scale).
    study, treatment, n, mean, sd, events : str
        Column names in ``arms``.
    incr : float
        Continuity correction for logOR and logRR: when any arm of a study has
        zero events (or, for logOR, only events), ``incr`` is added to the
        events and non-events of *every* arm of that study (netmeta's
        ``incr = 0.5`` applied study-wide). Pairs in which both arms have no
        events (or both only events) carry no information on a ratio scale;
        they are left out with a warning naming them.

    Returns
    -------
    DataFrame
        One row per pair, arms in the order of the data (``treat1`` is the
        earlier arm): ``study, treat1, treat2, TE, seTE, n1, n2`` (plus
        ``mean1, sd1, mean2, sd2`` or ``event1, event2``, and ``incr``) and
        DESIGN's ``study_id, treatment, comparator, measure, estimate, se,
        n_treatment, n_comparator``. ``TE`` is ``treat1`` minus ``treat2``.

    Notes
    -----
    With arm ``1`` against arm ``2`` (metafor ``escalc``):

    - MD: :math:`y = \bar x_1 - \bar x_2`, :math:`v = s_1^2/n_1 + s_2^2/n_2`.
    - SMD (Hedges' *g*): :math:`y = J(m)(\bar x_1 - \bar x_2)/s_p` with
      :math:`m = n_1 + n_2 - 2`, the pooled SD :math:`s_p` and the exact
      correction :math:`J(m) = \Gamma(m/2) / (\sqrt{m/2}\,\Gamma((m-1)/2))`;
      :math:`v = 1/n_1 + 1/n_2 + y^2 / (2(n_1 + n_2))` (``vtype = "LS"``).
    - logOR: :math:`\log\{a d / (b c)\}`, :math:`v = 1/a + 1/b + 1/c + 1/d`.
    - logRR: :math:`\log\{(a/n_1)/(c/n_2)\}`, :math:`v = 1/a - 1/n_1 + 1/c - 1/n_2`.
    - RD: :math:`p_1 - p_2`, :math:`v = p_1(1-p_1)/n_1 + p_2(1-p_2)/n_2`.

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor
    package. *J Stat Softw* 36(3). Rücker G, Krahn U, König J, Efthimiou O,
    Schwarzer G (2024). netmeta: Network meta-analysis using frequentist
    methods (``pairwise``).

    Examples
    --------
    >>> import pandas as pd
    >>> arms = pd.DataFrame({"study": ["s1", "s1", "s1"], "treatment": ["a", "b", "c"],
    ...                      "n": [20, 20, 20], "mean": [1.0, 2.0, 4.0], "sd": [1.0, 1.0, 1.0]})
    >>> pairwise(arms, "MD")[["treat1", "treat2", "TE"]].to_numpy().tolist()
    [['a', 'b', -1.0], ['a', 'c', -3.0], ['b', 'c', -2.0]]
    """
    measure = _ALIASES.get(str(measure).upper(), measure)
    if measure not in MEASURES:
        raise AnalysisError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    if not isinstance(arms, pd.DataFrame):
        raise AnalysisError("arms must be a DataFrame with one row per arm")
    needed = [study, treatment, n] + ([mean, sd] if measure in _CONTINUOUS else [events])
    missing = [c for c in needed if c not in arms.columns]
    if missing:
        raise AnalysisError(f"arms lack column(s) {missing} needed for {measure}")
    data = arms[needed].copy()
    num_cols = needed[2:]
    for c in num_cols:
        data[c] = pd.to_numeric(data[c], errors="coerce").astype(float)
    bad = data[data[num_cols].isna().any(axis=1) | data[[study, treatment]].isna().any(axis=1)]
    if len(bad):
        raise AnalysisError(
            f"missing or non-numeric values in arm rows {bad.index.tolist()} "
            f"(columns {needed}); remove or complete them"
        )
    if (data[n] <= 0).any():
        raise AnalysisError(
            f"arm sizes must be positive (rows {data.index[data[n] <= 0].tolist()})"
        )
    if measure in _CONTINUOUS:
        if (data[sd] <= 0).any():
            rows = data.index[data[sd] <= 0].tolist()
            raise AnalysisError(f"standard deviations must be positive (rows {rows})")
        if measure == "SMD" and (data[n] < 2).any():
            raise AnalysisError("SMD needs at least two participants per arm")
    else:
        if ((data[events] < 0) | (data[events] > data[n])).any():
            rows = data.index[(data[events] < 0) | (data[events] > data[n])].tolist()
            raise AnalysisError(f"events must lie between 0 and n (rows {rows})")
    dup = data.duplicated([study, treatment], keep=False)
    if dup.any():
        pairs = sorted(set(map(tuple, data.loc[dup, [study, treatment]].astype(str).to_numpy())))
        raise AnalysisError(
            f"a treatment appears more than once within a study: {pairs}; combine those arms first"
        )

    rows: list[dict] = []
    dropped: list[str] = []
    single: list[str] = []
    for sid, grp in data.groupby(study, sort=False):
        recs = [
            {
                "treatment": r[treatment],
                "n": r[n],
                **({"mean": r[mean], "sd": r[sd]} if measure in _CONTINUOUS else {}),
                **({"events": r[events]} if measure not in _CONTINUOUS else {}),
            }
            for _, r in grp.iterrows()
        ]
        if len(recs) < 2:
            single.append(str(sid))
            continue
        add = 0.0
        if measure in ("logOR", "logRR"):
            ev = np.array([r["events"] for r in recs])
            nn = np.array([r["n"] for r in recs])
            zero = (ev == 0).any() or (measure == "logOR" and (ev == nn).any())
            add = incr if zero else 0.0
        calc = [
            dict(r, events=r["events"] + add, n=r["n"] + 2 * add)
            if measure not in _CONTINUOUS
            else r
            for r in recs
        ]
        for i, j in combinations(range(len(recs)), 2):
            a, b = calc[i], calc[j]
            if measure in ("logOR", "logRR"):
                ra, rb = recs[i], recs[j]
                both_zero = ra["events"] == 0 and rb["events"] == 0
                both_all = ra["events"] == ra["n"] and rb["events"] == rb["n"]
                if both_zero or (measure == "logOR" and both_all):
                    dropped.append(f"{sid}: {recs[i]['treatment']} vs {recs[j]['treatment']}")
                    continue
            yi, vi = _pair_effect(measure, a, b)
            row = {
                "study": sid,
                "treat1": recs[i]["treatment"],
                "treat2": recs[j]["treatment"],
                "TE": yi,
                "seTE": math.sqrt(vi),
                "n1": recs[i]["n"],
                "n2": recs[j]["n"],
            }
            if measure in _CONTINUOUS:
                row.update(
                    mean1=recs[i]["mean"],
                    sd1=recs[i]["sd"],
                    mean2=recs[j]["mean"],
                    sd2=recs[j]["sd"],
                )
            else:
                row.update(event1=recs[i]["events"], event2=recs[j]["events"], incr=add)
            rows.append(row)
    if single:
        warnings.warn(
            f"studies with a single arm give no pair and are left out: {single}", stacklevel=2
        )
    if dropped:
        warnings.warn(
            "pairs with no events (or only events) in both arms carry no information "
            f"on the {measure} scale and are left out: {dropped}",
            stacklevel=2,
        )
    out = pd.DataFrame(rows)
    if out.empty:
        raise AnalysisError("no study has two or more usable arms; nothing to compare")
    out["study_id"] = out["study"]
    out["treatment"] = out["treat1"]
    out["comparator"] = out["treat2"]
    out["measure"] = measure
    out["estimate"] = out["TE"]
    out["se"] = out["seTE"]
    out["n_treatment"] = out["n1"]
    out["n_comparator"] = out["n2"]
    return out
