"""kneestudy.compare.windows: named and explicit windows, the week shortcut, nearest week."""

from __future__ import annotations

import math

import pytest

from kneestudy.compare.windows import TIME_TO_EVENT, WINDOWS, nearest, resolve_window
from kneestudy.errors import AnalysisError


@pytest.mark.parametrize(
    ("name", "inside", "outside"),
    [
        ("short", [0.5, 4, 12, 13], [0, 13.5, 26]),
        ("medium", [13.5, 26, 51.9], [13, 52, 4]),
        ("long", [52, 104], [51.9, 12]),
    ],
)
def test_named_windows(name, inside, outside):
    w = WINDOWS[name]
    assert all(w.contains(x) for x in inside)
    assert not any(w.contains(x) for x in outside)
    assert resolve_window(name) is w


def test_targets_and_labels():
    assert [WINDOWS[n].target for n in ("short", "medium", "long")] == [12, 26, 52]
    assert WINDOWS["short"].label == "up to 3 months"
    assert WINDOWS["long"].label == "12 months or longer"
    assert "target week 12" in WINDOWS["short"].describe()
    assert WINDOWS["long"].bounds() == "weeks ≥ 52"


def test_week_is_a_shortcut_for_the_window_holding_it():
    w = resolve_window(week=4)
    assert (w.name, w.target, w.label) == ("short", 4.0, "up to 3 months")
    assert resolve_window(week=26).name == "medium"
    assert resolve_window(week=52).name == resolve_window(week=78).name == "long"
    assert resolve_window("long", week=60).target == 60.0
    with pytest.raises(AnalysisError, match="baseline"):
        resolve_window(week=0)
    with pytest.raises(AnalysisError, match="lies in the 'short' window"):
        resolve_window("long", week=12)


def test_explicit_windows():
    w = resolve_window((4, 8))
    assert w.contains(4) and w.contains(8) and not w.contains(9)
    assert w.target == 8 and w.label == "weeks 4–8"
    assert not resolve_window((0, 6)).contains(0)  # baseline is never follow-up
    assert resolve_window((4, 8, 6)).target == 6
    for bad in [(8, 4), (-1, 4), (1,), ("a", "b")]:
        with pytest.raises(AnalysisError):
            resolve_window(bad)
    with pytest.raises(AnalysisError, match="outside"):
        resolve_window((4, 8, 12))
    with pytest.raises(AnalysisError, match="unknown window"):
        resolve_window("soon")


def test_time_to_event_has_no_window():
    assert resolve_window("long", outcome="pain_free") is TIME_TO_EVENT
    assert TIME_TO_EVENT.contains(float("nan")) and TIME_TO_EVENT.contains(300)


def test_nearest_ties_to_the_later_week():
    assert nearest([10, 14], 12) == 14
    assert nearest([6, 13, 11], 12) == 13
    assert nearest([2, 4], 12) == 4
    assert math.isnan(nearest([], 12))
