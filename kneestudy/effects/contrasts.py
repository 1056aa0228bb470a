"""All pairwise contrasts of a cohort's arms, in the ``contrasts`` table format."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from kneestudy.effects._common import arm_codes, at_week, check_arm_data, check_outcome, check_week
from kneestudy.effects.ancova import _design, ols, pooled_baseline_sd
from kneestudy.effects.responders import responder_table
from kneestudy.errors import AnalysisError
from kneestudy.ingest.model import CONTRAST_COLUMNS

__all__ = ["CONTRAST_COLUMNS", "cohort_contrasts"]

_BINARY = {"recovered": "recovered", "responder": "pain"}


def cohort_contrasts(
    cohort, outcome: str = "pain", week: float = 12, measure: str = "MD"
) -> pd.DataFrame:
    r"""Every pair of arms of a cohort as rows of the ``contrasts`` table.

    All pairs come from one model, so they are consistent:
    est(A − C) − est(B − C) = est(A − B) exactly.

    - ``MD``: the ANCOVA ``lm(y ~ baseline + arm)`` with every arm (the
      comparator as reference); the A − B contrast is
      :math:`\hat\gamma_A - \hat\gamma_B` with SE from the model covariance.
    - ``SMD``: the MD and its SE divided by one SD per cohort, the pooled
      within-arm SD of the baseline value over all arms
      (:func:`~kneestudy.effects.ancova.pooled_baseline_sd`).
    - ``logOR`` / ``logRR`` for outcome ``"recovered"`` (GRC ≥ 6) or
      ``"responder"`` (pain drop ≥ 2): the saturated binomial model with arm
      as a factor, i.e. differences of arm log-odds (log risks) with
      variances :math:`1/a + 1/b` (:math:`1/a - 1/n`) summed over the two arms.
      An arm with no events (or only events) gets 1/2 added to its two cells,
      once for all its pairs (so pairs stay consistent).

    Orientation: a pair with the comparator has the comparator second; other
    pairs follow the order of the arms in the cohort.

    Returns
    -------
    DataFrame
        Columns :data:`CONTRAST_COLUMNS`; ``study_id`` is the cohort id,
        ``treatment``/``comparator`` intervention codes.

    Examples
    --------
    >>> ks.effects.cohort_contrasts(cohort, "pain", 12, "MD")  # doctest: +SKIP
    """
    codes, comparator = arm_codes(cohort)
    week = check_week(cohort, week)
    pairs = list(combinations(codes, 2))  # comparator is last, so always second
    rows = []
    if measure in ("MD", "SMD"):
        check_outcome(cohort, outcome)
        d, _ = at_week(cohort, outcome, week, codes)
        check_arm_data(d, codes, week, outcome)
        X, names = _design(d, codes, ())
        fit = ols(X, d["y"].to_numpy(float))
        sd = 1.0
        if measure == "SMD":
            sd = pooled_baseline_sd(cohort, outcome, codes)
            if not np.isfinite(sd) or sd <= 0:
                raise AnalysisError("the pooled baseline SD is zero or undefined; no SMD")
        counts = d["intervention"].value_counts()
        for t, c in pairs:
            lv = np.zeros(len(names))
            if t != comparator:
                lv[names.index(f"arm{t}")] += 1
            if c != comparator:
                lv[names.index(f"arm{c}")] -= 1
            est = float(lv @ fit["beta"]) / sd
            se = float(np.sqrt(lv @ fit["cov"] @ lv)) / sd
            rows.append((t, c, est, se, int(counts.get(t, 0)), int(counts.get(c, 0))))
    elif measure in ("logOR", "logRR"):
        if outcome not in _BINARY:
            raise AnalysisError(
                f"measure {measure!r} needs a binary outcome: {list(_BINARY)}; got {outcome!r}"
            )
        frame, _ = responder_table(cohort, _BINARY[outcome], week, codes)
        frame = frame.dropna(subset=["event"])
        g = frame.groupby("intervention")["event"].agg(["sum", "count"])
        arm = {}
        for code in codes:
            if code not in g.index or g.loc[code, "count"] == 0:
                raise AnalysisError(
                    f"arm {code!r} has no evaluable {outcome!r} data at week {week:g}"
                )
            a, n = float(g.loc[code, "sum"]), float(g.loc[code, "count"])
            b = n - a
            if a == 0 or b == 0:
                a, b = a + 0.5, b + 0.5
            if measure == "logOR":
                arm[code] = (np.log(a / b), 1 / a + 1 / b, int(n))
            else:
                arm[code] = (np.log(a / (a + b)), 1 / a - 1 / (a + b), int(n))
        for t, c in pairs:
            rows.append(
                (t, c, float(arm[t][0] - arm[c][0]), float(np.sqrt(arm[t][1] + arm[c][1])),
                 arm[t][2], arm[c][2])
            )  # fmt: skip
    else:
        raise AnalysisError(f"unknown measure {measure!r}; expected MD, SMD, logOR or logRR")
    m = cohort.manifest
    return pd.DataFrame(
        [
            {
                "study_id": cohort.cohort_id,
                "treatment": t,
                "comparator": c,
                "outcome": outcome,
                "week": week,
                "measure": measure,
                "estimate": est,
                "se": se,
                "n_treatment": nt,
                "n_comparator": nc,
                "source": m.source,
                "population": m.population,
                "risk_of_bias": m.risk_of_bias,
            }
            for t, c, est, se, nt, nc in rows
        ],
        columns=list(CONTRAST_COLUMNS),
    )
