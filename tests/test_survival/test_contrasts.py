"""cohort_contrasts: one Cox model, all pairs, contrasts table format."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kneestudy.errors import AnalysisError
from kneestudy.ingest.model import Cohort, Manifest
from kneestudy.survival import cohort_contrasts, cox, time_to_pain_free


def _three_arm(seed: int = 3) -> Cohort:
    rng = np.random.default_rng(seed)
    codes = ["glute_strengthening", "running_form", "usual_care"]
    n = 60
    ids = [f"P{i:03d}" for i in range(3 * n)]
    inter = np.repeat(codes, n)
    parts = pd.DataFrame({"participant_id": ids, "arm": inter, "intervention": inter})
    weeks = np.array([0, 2, 4, 6, 12])
    rate = np.repeat([0.25, 0.15, 0.08], n)
    t = rng.exponential(1 / rate)
    rows = []
    for pid, ti in zip(ids, t, strict=True):
        for w in weeks:
            rows.append((pid, float(w), 0.0 if (w > 0 and w >= ti) else 5.0))
    visits = pd.DataFrame(rows, columns=["participant_id", "week", "pain"])
    m = Manifest("three", "three arms", comparator="usual_care", risk_of_bias="low")
    return Cohort(m, parts, visits)


def test_all_pairs_from_one_model():
    c = _three_arm()
    out = cohort_contrasts(c)
    assert len(out) == 3
    assert set(zip(out.treatment, out.comparator, strict=True)) == {
        ("glute_strengthening", "running_form"),
        ("glute_strengthening", "usual_care"),
        ("running_form", "usual_care"),
    }
    assert (out.measure == "logHR").all() and (out.outcome == "pain_free").all()
    assert out.week.isna().all() and (out.study_id == "three").all()
    est = out.set_index(["treatment", "comparator"])["estimate"]
    # consistency: A vs B = A vs C - B vs C exactly
    np.testing.assert_allclose(
        est[("glute_strengthening", "running_form")],
        est[("glute_strengthening", "usual_care")] - est[("running_form", "usual_care")],
        rtol=1e-12,
    )
    # the direct two-arm Cox fit on all data with dummies gives the same numbers
    tte = time_to_pain_free(c)
    d = pd.DataFrame({"t": tte.time_weeks, "e": tte.observed, "arm": tte.intervention})
    fit = cox(d, "t", "e", ["arm"], ph_test=False)
    # arm coded vs its first sorted level (glute_strengthening): glute vs usual care = -coef
    np.testing.assert_allclose(
        est[("glute_strengthening", "usual_care")],
        -fit.table.loc["arm[usual_care]", "coef"],
        rtol=1e-8,
    )
    # faster to pain-free -> positive log HR
    assert est[("glute_strengthening", "usual_care")] > 0
    assert (out.n_treatment + out.n_comparator <= 180).all()


def test_single_arm_is_an_error():
    c = _three_arm()
    one = c.with_tables(
        participants=c.participants.assign(intervention="usual_care", arm="usual_care")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(AnalysisError, match="fewer than two arms"):
            cohort_contrasts(one)


def test_other_measures_refused():
    with pytest.raises(AnalysisError, match="logHR"):
        cohort_contrasts(_three_arm(), measure="MD")
