"""kneestudy.compare.sensitivity: each decision changed in turn, estimates and ranks moved."""

from __future__ import annotations

import warnings

import pytest
from _studies import contrast, study

from kneestudy import compare_ideas
from kneestudy.compare.sensitivity import SENSITIVITY_COLUMNS

ROWS = [
    contrast("o-low", "orthotics", "flat_insert", -0.5, 0.3, risk_of_bias="low"),
    contrast("o-high", "orthotics", "flat_insert", -1.5, 0.3, risk_of_bias="high"),
    contrast("g-oa", "glucosamine", "placebo", -0.5, 0.3, population="knee osteoarthritis"),
    contrast("g-pfp", "glucosamine", "placebo", -0.1, 0.3),
    contrast("st-ma", "stretching", "usual_care", -1.0, 0.3, meta_analysis=True),
    contrast("st", "stretching", "usual_care", -0.2, 0.3),
    contrast("tape", "taping", "usual_care", -0.5, 0.3),
    contrast("pt", "physical_therapy", "usual_care", -1.0, 0.3),
    contrast("sham", "sham+quadriceps_strengthening", "quadriceps_strengthening", 0.4, 0.3),
    contrast("q", "quadriceps_strengthening", "wait_and_see", -1.0, 0.3),
]


@pytest.fixture(scope="module")
def sens():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cmp = compare_ideas(study(ROWS), "pain", random=False)
        return cmp, cmp.sensitivity()


def _at(frame, analysis, idea):
    hit = frame[(frame["analysis"] == analysis) & (frame["idea"] == idea)]
    assert len(hit) == 1, (analysis, idea)
    return hit.iloc[0]


def test_each_exclusion_re_fits_without_those_rows(sens):
    """Common effect, so each estimate is the inverse-variance mean of its rows: without
    the high-risk trial orthotics is −0.5 (from −1.0); without knee osteoarthritis
    glucosamine is −0.1 (from −0.3); without the pooled row stretching is −0.2 (from −0.6)."""
    cmp, s = sens
    assert list(s.columns) == SENSITIVITY_COLUMNS
    primary = cmp.table.set_index("idea")["estimate"]
    assert primary["orthotics"] == pytest.approx(-1.0)
    r = _at(s, "without high risk of bias", "orthotics")
    assert r["estimate"] == pytest.approx(-0.5) and r["estimate_change"] == pytest.approx(0.5)
    assert r["changed"] == 1
    assert _at(s, "without indirect populations", "glucosamine")["estimate"] == pytest.approx(-0.1)
    assert _at(s, "without meta-analysis rows", "stretching")["estimate"] == pytest.approx(-0.2)
    # ideas the exclusion does not touch keep their estimate
    assert _at(s, "without high risk of bias", "glucosamine")["estimate_change"] == pytest.approx(
        0.0
    )


def test_ranks_move_and_the_other_model_is_fitted(sens):
    _, s = sens
    std = s[s["analysis"] == "standard model"]
    assert len(std) == 8 and (std["changed"] == 10).all()
    moved = s[s["analysis"] == "without high risk of bias"].set_index("idea")
    assert moved["rank_change"].notna().sum() >= 2


def test_attention_controls_and_aliases_as_components(sens):
    """With sham active, sham + exercise vs exercise estimates sham (+0.4); with taping
    apart, the physical therapist is −1.0 from its own trial and taping −0.5."""
    _, s = sens
    sham = _at(s, "attention controls as components", "sham")
    assert sham["estimate"] == pytest.approx(0.4)
    assert "not one of the eight ideas" in sham["basis"]
    # glucosamine was only ever given against placebo: with placebo active it is not estimable
    assert _at(s, "attention controls as components", "glucosamine")["status"] == "not estimable"
    assert _at(s, "aliases apart", "physical_therapy")["estimate"] == pytest.approx(-1.0)
    assert _at(s, "aliases apart", "taping")["estimate"] == pytest.approx(-0.5)
    primary_pt = _at(s, "without high risk of bias", "physical_therapy")["estimate"]
    assert primary_pt == pytest.approx(-0.75)  # taping pooled with the therapist by default


def test_an_analysis_that_changes_nothing_says_so():
    rows = [contrast("o", "orthotics", "flat_insert", -0.5, 0.3)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = compare_ideas(study(rows), "pain").sensitivity()
    r = _at(s, "without meta-analysis rows", "orthotics")
    assert r["changed"] == 0 and "same as the primary analysis" in r["note"]
    assert r["estimate_change"] == 0.0
