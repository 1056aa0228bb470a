"""Where the planning effect comes from: the user, the evidence base, the simulator."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

import kneestudy as ks
from kneestudy.design import effect as eff
from kneestudy.errors import AnalysisError

WEEKS = (0, 2, 4, 6, 12)


def _study():
    contrasts = pd.DataFrame({"study_id": ["t1"], "treatment": ["orthotics"],
                              "comparator": ["flat_insert"], "outcome": ["pain"], "week": [6.0],
                              "measure": ["MD"], "estimate": [-0.9], "se": [0.3]})  # fmt: skip
    return ks.Study(study_id="hand-made", title="two published trials", contrasts=contrasts)


class StandIn:
    """Stands in for compare_ideas(study, outcome=, window=, model=) of the rebuilt comparison."""

    def __init__(self, rows):
        self.calls = []
        self.rows = rows

    def __call__(self, study, outcome, window, model):
        self.calls.append((study.study_id, outcome, window, model))
        return SimpleNamespace(table=pd.DataFrame(self.rows))


ROWS = [
    {"idea": "orthotics", "estimate": -0.8, "ci_low": -1.4, "ci_high": -0.2, "certainty": "low"},
    {"idea": "glucosamine", "estimate": float("nan"), "ci_low": float("nan"),
     "ci_high": float("nan"), "certainty": ""},
]  # fmt: skip


def test_peak_gives_the_planned_pain_difference():
    for idea, target in (("orthotics", -0.7), ("glute_strengthening", -0.4), ("taping", -0.2)):
        peak = eff.peak_for(idea, None, WEEKS, 12, target)
        row = eff.truth_row(idea, None, WEEKS, 12, {eff.effect_code(idea): peak})[2]
        assert row["pain_difference"] == pytest.approx(target, abs=1e-8)
    assert eff.peak_for("orthotics", None, WEEKS, 12, 0.0) == 0.0


def test_evidence_effect_is_used_and_said():
    compare = StandIn(ROWS)
    res = ks.design.power("orthotics", 40, reps=50, executor="serial", weeks=WEEKS,
                          evidence=_study(), compare=compare)  # fmt: skip
    assert compare.calls == [("hand-made", "pain", "short", "additive")]
    assert res.effect_source == "evidence" and res.effect == -0.8
    assert (res.effect_ci_low, res.effect_ci_high, res.effect_certainty) == (-1.4, -0.2, "low")
    assert "hand-made" in res.effect_detail and not res.effect_assumption
    assert res.true_value == pytest.approx(-0.8, abs=1e-8)


def test_no_evidence_estimate_falls_back_to_the_simulator():
    res = ks.design.power("glucosamine", 40, reps=50, executor="serial", weeks=WEEKS,
                          evidence=_study(), compare=StandIn(ROWS))  # fmt: skip
    assert res.effect_source == "simulator"
    assert "no pooled pain estimate" in res.effect_note
    assert "effect.glucosamine.peak" in res.effect_detail and res.effect_assumption
    truth = ks.simulate.cohort("glucosamine", n=2, weeks=WEEKS).truth["by_arm_week"]
    want = truth.query("arm == 'glucosamine' and week == 12")["pain_difference"].iloc[0]
    assert res.effect == pytest.approx(want) and res.simulator_peak == -0.1


def test_comparison_without_window_falls_back_with_the_reason():
    def old_compare(study, outcome="pain", week=12):
        raise AssertionError("not reached")

    planned, reason = eff.from_evidence("orthotics", 12, _study(), old_compare)
    assert planned is None and "window/model" in reason


def test_default_evidence_base_missing_is_said():
    planned, reason = eff.from_evidence("orthotics", 12, None, StandIn(ROWS))
    if not hasattr(ks.datasets, "evidence"):
        assert planned is None and "no evidence base" in reason
    else:  # pragma: no cover - once the evidence base ships
        assert planned is not None


def test_failing_comparison_falls_back():
    def failing(study, outcome, window, model):
        raise AnalysisError("the network is disconnected")

    planned, reason = eff.from_evidence("orthotics", 30, _study(), failing)
    assert planned is None and "disconnected" in reason


@pytest.mark.parametrize("week,window", [(6, "short"), (13, "short"), (26, "medium"), (52, "long")])
def test_windows(week, window):
    assert eff.window_of(week) == window


def test_true_values_say_how_they_were_obtained():
    peaks = {"orthotics": -1.0}
    v, se, how = eff.true_value("ancova", "pain", "orthotics", None, WEEKS, 12, peaks)
    assert se == 0.0 and how.startswith("exact")
    v, se, how = eff.true_value("responders", "recovered", "orthotics", None, WEEKS, 12, peaks)
    assert se == 0.0 and 0 < v < 1
    v, se, how = eff.true_value("cox", "pain_free", "orthotics", None, WEEKS, 12, peaks)
    assert how.startswith("large-sample") and 0 < se < 0.02 and v > 0
    v, se, how = eff.true_value("ttest", "pain", "orthotics", None, WEEKS, 12, {"orthotics": 0.0})
    assert (v, se) == (0.0, 0.0)


def test_effect_far_beyond_the_scale_is_refused():
    with pytest.raises(AnalysisError):
        eff.peak_for("orthotics", None, WEEKS, 12, -6.0)
    assert math.isfinite(eff.peak_for("orthotics", None, WEEKS, 12, -1.5))


class WithRows(StandIn):
    """A comparison that also says which rows (and weeks) its estimates come from."""

    def __init__(self, rows, contrasts):
        super().__init__(rows)
        self.contrasts = pd.DataFrame(contrasts)

    def __call__(self, study, outcome, window, model):
        self.calls.append((study.study_id, outcome, window, model))
        return SimpleNamespace(table=pd.DataFrame(self.rows), contrasts=self.contrasts)


def _rows(*weeks_se, treatment="orthotics", comparator="flat_insert"):
    return [{"treatment": treatment, "comparator": comparator, "week": w, "estimate": -1.0,
             "se": se} for w, se in weeks_se]  # fmt: skip


def test_evidence_week_is_the_analysis_week_or_the_heaviest():
    cmp = SimpleNamespace(contrasts=pd.DataFrame(_rows((6.0, 0.5), (12.0, 1.0), (4.0, 0.2))))
    assert eff.evidence_week(cmp, "orthotics", 12)[0] == 12.0
    week, how = eff.evidence_week(cmp, "orthotics", 13)
    assert week == 4.0 and "weeks 4, 6, 12" in how and "most weight" in how
    # rows where the idea is on both sides, or missing numbers, are no evidence of it
    both = _rows((6.0, 0.5), treatment="orthotics+education", comparator="orthotics")
    gone = _rows((8.0, float("nan")))
    assert eff.evidence_week(SimpleNamespace(contrasts=pd.DataFrame(both + gone)),
                             "orthotics", 12) == (None, "")  # fmt: skip
    assert eff.evidence_week(SimpleNamespace(table=None), "orthotics", 12) == (None, "")


def test_evidence_from_another_week_is_carried_by_the_profile():
    """An estimate at week 6 that the profile of the orthotics effect cannot reach at week 12
    (-4.0 points, a made-up value beyond the calibrated profile's week-12 reach) is planned at
    week 6, where the evidence holds, and carried to week 12 by the profile."""
    compare = WithRows([{**ROWS[0], "estimate": -4.0, "ci_low": -6.9, "ci_high": -1.1}],
                       _rows((6.0, 1.2)))  # fmt: skip
    with pytest.raises(AnalysisError, match="beyond"):
        eff.peak_for("orthotics", None, WEEKS, 12, -4.0)
    planned, reason = eff.from_evidence("orthotics", 12, _study(), compare)
    assert reason == "" and planned.source == "evidence"
    assert (planned.source_effect, planned.source_week) == (-4.0, 6.0)
    peak = eff.peak_for("orthotics", None, WEEKS, 6, -4.0)
    truth = eff.truth_row("orthotics", None, WEEKS, 12, {"orthotics": peak})[2]
    assert planned.effect == pytest.approx(truth["pain_difference"], abs=1e-9)
    assert -4.0 < planned.effect < 0
    assert "carried to" in planned.detail and "at week 6" in planned.detail
    res = ks.design.power("orthotics", 40, reps=50, executor="serial", weeks=WEEKS,
                          evidence=_study(), compare=compare)  # fmt: skip
    assert res.effect_source == "evidence" and res.effect == pytest.approx(planned.effect)
    assert res.true_value == pytest.approx(planned.effect, abs=1e-8)


def test_an_estimate_the_profile_cannot_reach_falls_back_with_the_reason():
    compare = WithRows([{**ROWS[0], "estimate": -6.0}], _rows((12.0, 1.0)))
    planned, reason = eff.from_evidence("orthotics", 12, _study(), compare)
    assert planned is None and "-6.00 at week 12" in reason and "cannot reach" in reason
    res = ks.design.power("orthotics", 40, reps=50, executor="serial", weeks=WEEKS,
                          evidence=_study(), compare=compare)  # fmt: skip
    assert res.effect_source == "simulator" and "cannot reach" in res.effect_note


def test_carry_is_the_identity_at_the_same_week_and_refuses_the_unreachable():
    assert eff.carry("orthotics", None, 12, 12, -2.19) == -2.19
    with pytest.raises(AnalysisError):
        eff.carry("orthotics", None, 6, 12, -8.0)


@pytest.mark.parametrize("idea", list(ks.IDEAS))
def test_truth_at_a_week_does_not_depend_on_the_other_visits(idea):
    """What lets peak_for and carry compute the truth at (0, week) only."""
    code = eff.effect_code(idea)
    full = eff.truth_row(idea, None, (0, 2, 4, 6, 12, 26), 12, {code: -1.3})[2]
    two = eff.truth_row(idea, None, (0, 12), 12, {code: -1.3})[2]
    for col in ("pain_difference", "recovered_difference", "effect"):
        assert full[col] == two[col]
