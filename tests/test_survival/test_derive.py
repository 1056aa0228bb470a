"""time_to_pain_free: the derivation rules, on cohorts built by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kneestudy.errors import AnalysisError
from kneestudy.ingest.model import Cohort, Manifest
from kneestudy.survival import time_to_pain_free


def _cohort(events: pd.DataFrame | None = None) -> Cohort:
    parts = pd.DataFrame(
        {
            "participant_id": ["a", "b", "c", "d", "e", "f"],
            "arm": ["T", "T", "C", "C", "C", "T"],
            "intervention": ["glute_strengthening"] * 2
            + ["usual_care"] * 3
            + ["glute_strengthening"],
            "withdrawal_week": [np.nan, np.nan, 5.0, np.nan, np.nan, np.nan],
        }
    )
    visits = pd.DataFrame(
        {
            "participant_id": list("aaaa")
            + list("bbbb")
            + list("cccc")
            + ["d", "d", "e", "e"]
            + list("ffff"),
            "week": [0, 2, 4, 6] * 3 + [0, 2, 0, 2] + [0, 2, 4, 6],
            "pain": [5, 1, 2, 0.5, 5, 1, 1, 1, 6, 5, 0, 0, 0.5, 0, 4, np.nan, 7, np.nan, 3, 3],
        }
    )
    return Cohort(Manifest("toy", "toy", comparator="usual_care"), parts, visits, events=events)


def test_first_visit_rule_and_censoring():
    with pytest.warns(UserWarning, match="left out"):
        tte = time_to_pain_free(_cohort(), threshold=1.0).set_index("participant_id")
    assert list(tte.index) == ["a", "b", "c", "f"]
    assert tte.loc["a", ["time_weeks", "interval_low_weeks", "interval_high_weeks"]].tolist() == [
        2.0,
        0.0,
        2.0,
    ]
    assert bool(tte.loc["a", "observed"])
    # c withdrew at week 5: the week-6 visit is not used; event at week 4 in (2, 4]
    assert tte.loc["c", ["time_weeks", "interval_low_weeks"]].tolist() == [4.0, 2.0]
    # f: missing pain at week 2 is skipped, never pain-free -> censored at 6
    assert not tte.loc["f", "observed"]
    assert tte.loc["f", "time_weeks"] == 6.0 and np.isinf(tte.loc["f", "interval_high_weeks"])


def test_sustained_requires_consecutive_visits():
    with pytest.warns(UserWarning):
        tte = time_to_pain_free(_cohort(), sustained=2).set_index("participant_id")
    assert not tte.loc["a", "observed"] and tte.loc["a", "time_weeks"] == 6.0
    assert tte.loc["b", "observed"] and tte.loc["b", "time_weeks"] == 2.0
    # c: pain-free at 4, but the confirming visit (6) is after withdrawal
    assert not tte.loc["c", "observed"] and tte.loc["c", "time_weeks"] == 4.0


def test_excluded_are_named():
    with pytest.warns(UserWarning, match=r"pain-free at baseline: \['d'\]"):
        tte = time_to_pain_free(_cohort())
    assert tte.attrs["excluded"] == {
        "d": "pain-free at baseline",
        "e": "no assessed visit after baseline",
    }


def test_events_table_is_used_when_present():
    ev = pd.DataFrame(
        {
            "participant_id": ["a", "b"],
            "endpoint": ["pain_free", "pain_free"],
            "time_weeks": [3.0, 5.0],
            "observed": [True, False],
            "interval_low_weeks": [2.0, np.nan],
        }
    )
    with pytest.warns(UserWarning):
        tte = time_to_pain_free(_cohort(ev)).set_index("participant_id")
    assert tte.loc["a", ["time_weeks", "interval_low_weeks", "interval_high_weeks"]].tolist() == [
        3.0,
        2.0,
        3.0,
    ]
    assert not tte.loc["b", "observed"] and np.isinf(tte.loc["b", "interval_high_weeks"])
    assert tte.loc["c", "time_weeks"] == 4.0  # not in the events table: from visits


def test_bad_sustained():
    with pytest.raises(AnalysisError, match="sustained"):
        time_to_pain_free(_cohort(), sustained=0)


def test_unknown_outcome():
    with pytest.raises(AnalysisError, match="no outcome column"):
        time_to_pain_free(_cohort(), outcome="akps")
