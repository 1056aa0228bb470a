"""The comparison on the demo study: rules that hold whatever the simulated numbers are.

The demo is rebuilt with new simulator calibrations, so nothing here asserts a number
that depends on the simulated data: only structure and the rules of the comparison.
"""

from __future__ import annotations

import warnings

import pytest

import kneestudy as ks
from kneestudy.compare.certainty import DOMAINS, LEVELS
from kneestudy.interventions import IDEAS, components_of


@pytest.fixture(scope="module")
def demo():
    return ks.datasets.demo_study()


def _compare(demo, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ks.compare_ideas(demo, **kw)


@pytest.fixture(scope="module")
def pain(demo):
    return _compare(demo, outcome="pain")


def test_every_row_has_a_status_and_a_reason(pain):
    c = pain.contrasts
    assert len(c) and set(c["status"]) <= {"used", "set aside"}
    assert (c["reason"].str.len() > 0).all()
    assert pain.n_rows_used + pain.n_rows_set_aside == len(c)
    # every published row of the outcome is there, used or set aside
    lit = pain._inputs[0].contrasts
    demo_rows = lit[lit["outcome"] == "pain"]
    assert len(c[c["origin"] == "contrast"]) == len(demo_rows)


def test_an_add_on_idea_gets_only_its_add_on_effect(pain):
    """Balance training and the knee brace appear only in contrasts of an arm with the idea
    against the same arm without it (as add-ons to exercise, to physical therapy, or to
    nothing): their estimates pool those contrasts of the add-on, nothing more, so each
    lies within the range of its rows' estimates (one row: equal to it)."""
    used = pain.contrasts[pain.contrasts["status"] == "used"]
    t = pain.table.set_index("idea")
    for idea in ("balance_training", "knee_brace"):
        rows = used[[idea in components_of(a) or idea in components_of(b)
                     for a, b in zip(used["treatment"], used["comparator"], strict=True)]]  # fmt: skip
        assert len(rows) >= 1, idea
        signed = []
        for _, r in rows.iterrows():
            sign = 1.0 if idea in components_of(r["treatment"]) else -1.0
            diff = set(components_of(r["treatment"])) ^ set(components_of(r["comparator"]))
            assert diff == {idea}, (idea, r["study_id"])
            signed.append(sign * r["estimate"])
        assert min(signed) - 1e-9 <= t.loc[idea, "estimate"] <= max(signed) + 1e-9
        assert t.loc[idea, "studies"] == rows["study_id"].nunique()


def test_no_idea_is_credited_with_another_components_effect(pain):
    """Every study that contributes to an idea's estimate compares arms that differ in that
    idea; a study of other components has weight 0."""
    used = pain.contrasts[pain.contrasts["status"] == "used"]
    for idea in IDEAS:
        if pain.table.set_index("idea").loc[idea, "status"] != "estimated":
            continue
        w = pain.network.study_weights(idea).set_index("study")["weight"]
        for study_id, weight in w.items():
            g = used[used["study_id"] == study_id]
            differs = any(
                (idea in components_of(a)) != (idea in components_of(b))
                for a, b in zip(g["treatment"], g["comparator"], strict=True)
            )
            assert differs or weight < 1e-10, (idea, study_id, weight)


def test_long_window_never_uses_an_early_row(demo):
    cmp = _compare(demo, outcome="pain", week=52)
    used = cmp.contrasts[cmp.contrasts["status"] == "used"]
    assert len(used) and (used["week"] >= 52).all()
    early = cmp.contrasts[cmp.contrasts["week"] < 52]
    assert (early["status"] == "set aside").all()
    assert cmp.window_label == "12 months or longer"
    for v in cmp.table["verdict"]:
        assert "12 months or longer" in v or v.startswith("No estimate")
        assert "52 weeks" not in v


def test_each_idea_is_rated_in_six_domains(pain):
    t = pain.table
    assert list(t["idea"]) == list(IDEAS)
    est = t[t["status"] == "estimated"]
    assert est["certainty"].isin(LEVELS).all()
    for idea in est["idea"]:
        dom = pain.certainty[pain.certainty["idea"] == idea]
        assert list(dom["domain"]) == list(DOMAINS)
        assert (dom["reason"].str.len() > 0).all()
        assert dom["downgrade"].isin([0, 1, 2]).all()
    assert all("up to 3 months" in v for v in est["verdict"])


def test_summary_of_findings_and_sensitivity_cover_every_idea(pain):
    sof = pain.summary_of_findings()
    assert list(sof["idea"]) == list(IDEAS)
    sens = pain.sensitivity()
    assert {"without high risk of bias", "without indirect populations",
            "without meta-analysis rows", "standard model", "attention controls as components",
            "aliases apart"} <= set(sens["analysis"])  # fmt: skip
    for name, g in sens.groupby("analysis"):
        assert set(IDEAS) <= set(g["idea"]), name


@pytest.mark.parametrize("outcome", ["akps", "recovered", "pain_free"])
def test_other_outcomes_run_on_their_scale(demo, outcome):
    cmp = _compare(demo, outcome=outcome)
    assert cmp.measure == {"akps": "MD", "recovered": "logOR", "pain_free": "logHR"}[outcome]
    assert (cmp.contrasts["reason"].str.len() > 0).all()
    assert list(cmp.table["idea"]) == list(IDEAS)
