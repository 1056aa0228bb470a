"""The planning section of a report: power curves and sample sizes of the next trial."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kneestudy as ks
from kneestudy.report import format as fmt
from kneestudy.report.planning import (
    PlanningOptions,
    n_for_power,
    planning_options,
    planning_section,
)
from kneestudy.report.settings import Settings

GRID = (10, 20, 40, 80, 160)


@pytest.fixture(scope="module")
def literature():
    """Two published-style contrasts: orthotics at week 12 (CI excludes 0), the brace at week 6."""
    rows = pd.DataFrame({
        "study_id": ["t1", "t2"], "treatment": ["orthotics", "knee_brace"],
        "comparator": ["flat_insert", "usual_care"], "outcome": ["pain", "pain"],
        "week": [12.0, 6.0], "measure": ["MD", "MD"], "estimate": [-1.0, -0.8],
        "se": [0.3, 0.4], "n_treatment": [50, 50], "n_comparator": [50, 50],
        "source": ["test input", "test input"],
    })  # fmt: skip
    return ks.Study(study_id="lit", title="two published trials", contrasts=rows)


@pytest.fixture(scope="module")
def section(literature):
    opts = PlanningOptions(ideas=("orthotics", "knee_brace"), n_per_arm=GRID, reps=60, seed=3)
    settings = Settings()
    return planning_section(literature, settings, opts), settings


def test_options_from_every_form_of_the_argument():
    assert planning_options(None) is None and planning_options(False) is None
    assert planning_options(True) == PlanningOptions()
    assert planning_options("orthotics").ideas == ("orthotics",)
    assert planning_options(["orthotics", "knee_brace"]).ideas == ("orthotics", "knee_brace")
    assert planning_options({"ideas": "orthotics", "reps": 50}).reps == 50
    with pytest.raises(ValueError, match="planning options"):
        planning_options({"repetitions": 5})
    with pytest.raises(ValueError, match="planning must be"):
        planning_options(3.5)


def test_sample_size_read_off_the_curve():
    t = pd.DataFrame({"n_per_arm": [10, 20, 40, 80],
                      "power": [0.3, 0.6, 0.85, 0.99],
                      "power_ci_low": [0.2, 0.5, 0.78, 0.95],
                      "power_ci_high": [0.4, 0.7, 0.9, 1.0]})  # fmt: skip
    n, lo, hi = n_for_power(t, 0.8)
    # power: 20 + (0.8 - 0.6) / (0.85 - 0.6) * 20 = 36; upper limit crosses at 20 + 0.1/0.2 * 20 = 30;
    # lower limit at 40 + (0.8 - 0.78) / (0.95 - 0.78) * 40 = 44.7 -> 45 (whole participants)
    assert (n, lo, hi) == (36.0, 30.0, 45.0)
    assert math.isnan(n_for_power(t, 0.999)[0])  # not reached within the grid
    assert n_for_power(t, 0.25)[0] == 10.0  # reached at the first size already
    wiggle = t.assign(power=[0.3, 0.82, 0.79, 0.99])  # a Monte Carlo dip: the last crossing counts
    assert n_for_power(wiggle, 0.8)[0] == 42.0  # 40 + (0.8 - 0.79) / (0.99 - 0.79) * 40


@pytest.mark.filterwarnings("ignore:no degrees of freedom for heterogeneity")
def test_section_numbers_equal_the_planning_result(literature, section):
    sec, settings = section
    assert sec.id == "planning" and not sec.synthetic
    plan = ks.design.planning(literature, "orthotics", n_per_arm=GRID, reps=60, seed=3,
                              executor="serial")  # fmt: skip
    power = next(b for b in sec.blocks if getattr(b, "key", "") == "planning-orthotics-power")
    shown = plan.curve.table[plan.curve.table["n_per_arm"].isin(power.data["n_per_arm"])]
    np.testing.assert_array_equal(power.data["power"], shown["power"])
    np.testing.assert_array_equal(power.data["cons_power_ci_low"],
                                  plan.conservative.table.loc[shown.index, "power_ci_low"])  # fmt: skip
    sizes = next(b for b in sec.blocks if getattr(b, "key", "") == "planning-orthotics-sample-size")
    for row, target in zip(sizes.data.itertuples(), (0.8, 0.9), strict=True):
        assert (row.n, row.n_low, row.n_high) == pytest.approx(n_for_power(plan.curve.table, target),
                                                               nan_ok=True)  # fmt: skip
        assert (row.cons_n, row.cons_n_low, row.cons_n_high) == pytest.approx(
            n_for_power(plan.conservative.table, target), nan_ok=True)  # fmt: skip
    # where the effect comes from, how sure we are, and the simulation settings are said
    facts = dict(next(b for b in sec.blocks if b.type == "facts").items)
    assert facts["How sure we are"].startswith("certainty moderate")
    assert "60 trials per size, seed 3" in facts["Simulation"]
    assert fmt.number(plan.curve.effect, 2) in facts["Planning effect"]
    names = [b.name for b in sec.blocks if b.type == "figure"]
    assert names == ["planning-orthotics-power-curve", "planning-knee_brace-power-curve"]
    assert settings.used["planning"][0] == {"idea": "orthotics", "reps": 60, "seed": 3,
                                            "grid": GRID}  # fmt: skip


def test_evidence_from_another_week_is_said(section):
    sec, _ = section
    facts = [dict(b.items) for b in sec.blocks if b.type == "facts"]
    brace = facts[1]
    assert brace["Pooled estimate"].endswith("at week 6")
    assert "carried to" in brace["Where it comes from"]


def test_auto_choice_plans_the_largest_benefit_and_names_the_others(literature):
    sec = planning_section(literature, Settings(),
                           PlanningOptions(n_per_arm=(20, 40), reps=20))  # fmt: skip
    heads = [b.text for b in sec.blocks if b.type == "heading"]
    assert heads == ["A trial of Insoles / orthotics"]
    others = next(b.text for b in sec.blocks if b.type == "paragraph" and "Other ideas" in b.text)
    assert "Knee brace −0.80" in others and "No pooled pain estimate" in others


def test_an_idea_without_evidence_is_a_problem_not_a_crash(literature):
    sec = planning_section(literature, Settings(),
                           PlanningOptions(ideas=("glucosamine",), n_per_arm=(20,), reps=10))  # fmt: skip
    (problem,) = [b for b in sec.blocks if b.type == "problem"]
    assert "no pooled pain estimate" in problem.text


def test_write_html_adds_the_section_only_when_asked(literature, tmp_path):
    plain = ks.report.build(literature)
    assert "planning" not in plain.section_ids
    rep = ks.report.build(literature, planning={"ideas": "orthotics", "n_per_arm": (20, 40),
                                                "reps": 20})  # fmt: skip
    ids = rep.section_ids
    assert ids.index("planning") < ids.index("validation")
    methods = " ".join(b.text for b in rep.section("methods").blocks if b.type == "paragraph")
    assert "20 simulated trials per sample size, seed 0" in methods
    html = ks.report.write_html(literature, tmp_path / "r.html", planning="orthotics")
    assert 'id="planning"' in html.read_text(encoding="utf-8")


def test_synthetic_comparison_is_flagged():
    from report_standins import make_cohort

    c = make_cohort(n_per_arm=30)
    study = ks.Study(study_id="s", title="s", cohorts=[c, make_cohort(cohort_id="b", seed=4)])
    sec = planning_section(study, Settings(), PlanningOptions(n_per_arm=(20,), reps=10))
    assert sec.synthetic
    assert any(b.type == "paragraph" and b.style == "warning" and "must not be used" in b.text
               for b in sec.blocks)  # fmt: skip
