"""The planning content of a study's report (power curve at the pooled effect)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

import kneestudy as ks
from kneestudy.design.planning import primary_analysis
from kneestudy.errors import AnalysisError

GRID = [20, 40, 80, 160]


def _compare(estimate, lo, hi):
    def compare(study, outcome, window, model):
        rows = [{"idea": "orthotics", "estimate": estimate, "ci_low": lo, "ci_high": hi,
                 "certainty": "moderate"}]  # fmt: skip
        return SimpleNamespace(table=pd.DataFrame(rows))

    return compare


@pytest.fixture(scope="module")
def study():
    return ks.Study(study_id="evidence-sample", title="hand-made")


def test_curve_at_the_pooled_effect_and_at_the_conservative_limit(study):
    res = ks.design.planning(study, "orthotics", n_per_arm=GRID, reps=200,
                             executor="serial", compare=_compare(-0.9, -1.5, -0.3))  # fmt: skip
    assert (res.analysis, res.outcome, res.week) == ("ancova", "pain", 12.0)
    assert res.curve.effect == -0.9 and res.curve.effect_source == "evidence"
    assert res.conservative.effect == -0.3 and res.conservative.effect_source == "evidence"
    assert (res.conservative.table["power"] <= res.curve.table["power"] + 0.05).all()
    assert res.n_for_80 == res.curve.smallest_n(0.8)
    frame = res.to_frame()
    assert set(frame["scenario"]) == {"pooled estimate", "CI limit nearest no effect"}
    assert "optimistic" in res.note and "moderate" in res.note
    assert "Planning" in res._repr_html_()


def test_no_conservative_curve_when_the_ci_includes_no_effect(study):
    res = ks.design.planning(study, "orthotics", n_per_arm=[30], reps=50, executor="serial",
                             compare=_compare(-0.4, -1.0, 0.2))  # fmt: skip
    assert res.conservative is None and "underpowered" in res.note


def test_no_pooled_estimate_is_an_error(study):
    with pytest.raises(AnalysisError, match="no planning curve"):
        ks.design.planning(study, "glucosamine", n_per_arm=[30], reps=20, executor="serial",
                           compare=_compare(-0.4, -1.0, 0.2))  # fmt: skip


def test_primary_analysis_of_the_demo_study():
    assert primary_analysis(ks.datasets.demo_study()) == ("ancova", "pain", 12.0)
    assert primary_analysis(ks.Study(study_id="x", title="y")) == ("ancova", "pain", 12.0)


def test_evidence_from_week_6_plans_week_12_at_the_carried_effect(study):
    from kneestudy.design import effect as eff

    def compare(study, outcome, window, model):
        rows = [{"idea": "orthotics", "estimate": -2.19, "ci_low": -3.5, "ci_high": -0.9,
                 "certainty": "low"}]  # fmt: skip
        contrasts = pd.DataFrame({"treatment": ["orthotics"], "comparator": ["flat_insert"],
                                  "week": [6.0], "estimate": [-2.19], "se": [0.66]})  # fmt: skip
        return SimpleNamespace(table=pd.DataFrame(rows), contrasts=contrasts)

    res = ks.design.planning(study, "orthotics", n_per_arm=[20, 60], reps=50,
                             executor="serial", compare=compare)  # fmt: skip
    assert (res.pooled_estimate, res.evidence_week, res.week) == (-2.19, 6.0, 12.0)
    assert res.curve.effect == pytest.approx(eff.carry("orthotics", None, 6, 12, -2.19))
    assert res.conservative.effect == pytest.approx(eff.carry("orthotics", None, 6, 12, -0.9))
    assert "holds at week 6" in res.note and "carried the same way" in (
        res.conservative.effect_detail
    )


def test_an_estimate_the_simulator_cannot_produce_plans_at_its_own_effect_and_says_so(study):
    res = ks.design.planning(study, "orthotics", n_per_arm=[20, 60], reps=40, executor="serial",
                             compare=_compare(-6.0, -9.0, -4.5))  # fmt: skip
    assert res.pooled_estimate == -6.0 and res.curve.effect_source == "simulator"
    assert "cannot reach" in res.note and "simulator's own effect" in res.note
    assert res.conservative is None and "limit -4.50 cannot be simulated" in res.note
