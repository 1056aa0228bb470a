"""kneestudy.compare: node mapping, study_contrasts and compare_ideas on a literature-only study."""

from __future__ import annotations

import pandas as pd
import pytest

from kneestudy.compare import IdeasComparison, compare_ideas, study_contrasts
from kneestudy.compare.nodes import node_of
from kneestudy.ingest.model import Study
from kneestudy.interventions import IDEAS


@pytest.mark.parametrize(
    ("code", "node"),
    [
        ("glute_strengthening+quadriceps_strengthening", "glute_strengthening"),
        ("knee_brace+physical_therapy", "knee_brace"),
        ("taping", "physical_therapy"),
        ("sham+quadriceps_strengthening", "quadriceps_strengthening"),
        ("usual_care", "control"),
        ("flat_insert", "control"),
    ],
)
def test_node_mapping(code, node):
    assert node_of(code) == node


def _row(sid, t, c, est, se, pop="patellofemoral pain", rob="low", week=12.0, measure="MD"):
    return dict(study_id=sid, treatment=t, comparator=c, outcome="pain", week=week,
                measure=measure, estimate=est, se=se, n_treatment=30, n_comparator=30,
                source="test", population=pop, risk_of_bias=rob)  # fmt: skip


@pytest.fixture
def study():
    rows = [
        _row("g1", "glute_strengthening", "usual_care", -2.5, 0.5),
        _row("g2", "glute_strengthening+quadriceps_strengthening", "quadriceps_strengthening",
             -1.5, 0.4),
        _row("q1", "quadriceps_strengthening", "wait_and_see", -1.0, 0.5),
        _row("o1", "orthotics", "flat_insert", -0.3, 0.4, rob="high"),
        _row("o2", "orthotics", "flat_insert", -0.5, 0.5, rob="high", week=6.0),
        _row("gl", "glucosamine", "placebo", -0.2, 0.3, pop="knee osteoarthritis"),
        _row("sh", "sham+quadriceps_strengthening", "quadriceps_strengthening", 0.1, 0.4),
        _row("o2", "orthotics", "flat_insert", -0.9, 0.5, rob="high", week=52.0),
    ]  # fmt: skip
    return Study(study_id="t", title="test", contrasts=pd.DataFrame(rows))


def test_study_contrasts_nearest_week(study):
    c = study_contrasts(study, "pain", 12)
    o2 = c[c["study_id"] == "o2"].set_index("week")
    assert o2.loc[6.0, "status"] == "used" and o2.loc[52.0, "status"] == "set aside"
    assert "nearer" in o2.loc[52.0, "reason"]
    assert (c["source"] == "test").all()


def test_compare_ideas_table(study):
    res = compare_ideas(study, outcome="pain", week=12)
    assert isinstance(res, IdeasComparison)
    t = res.table
    assert list(t["idea"]) == list(IDEAS)
    byidea = t.set_index("idea")
    for code in ("stretching", "balance_training", "running_form", "knee_brace"):
        assert byidea.loc[code, "certainty"] == "no evidence"
        assert byidea.loc[code, "studies"] == 0
    # glute: g1 direct vs control, g2 via quadriceps -> network estimate between
    g = byidea.loc["glute_strengthening"]
    assert g["ci_low"] < g["estimate"] < g["ci_high"]
    assert g["rank"] == 1 and g["p_score"] > 0.8  # lower pain is better
    # glucosamine evidence from knee OA is downgraded for indirectness
    assert "indirectness" in byidea.loc["glucosamine", "reasons"]
    # orthotics: mostly high risk of bias
    assert "risk of bias" in byidea.loc["orthotics", "reasons"]
    # the sham+quadriceps vs quadriceps contrast is set aside, not dropped
    sh = res.contrasts[res.contrasts["study_id"] == "sh"]
    assert (sh["status"] == "set aside").all() and "same node" in sh["reason"].iloc[0]
    assert "compared with control" in g["verdict"] or "uncertain" in g["verdict"]
    assert "eight ideas" in res._repr_html_()
    assert len(res.to_frame()) == 8


def test_direction_for_higher_is_better(study):
    c = study.contrasts.copy()
    c["outcome"] = "akps"
    c["estimate"] = -c["estimate"] * 5
    res = compare_ideas(Study(study_id="t", title="t", contrasts=c), outcome="akps")
    t = res.table.set_index("idea")
    assert t.loc["glute_strengthening", "rank"] == 1


def test_verdict_states_the_scale_of_the_effect():
    # The size in a verdict must carry its unit: an SMD of -1.8 is not "1.8 points".
    from kneestudy.compare.ideas import _verdict

    smd = _verdict("Glute", "moderate", -1.8, -2.3, -1.2, "pain", "SMD", 12, 0.5)
    assert "standard deviations" in smd and "points" not in smd
    md = _verdict("Glute", "moderate", -1.5, -2.3, -0.8, "pain", "MD", 12, 2.0)
    assert "1.5 points on the 0–10 scale" in md and "less than the MCID of 2 points" in md
    ratio = _verdict("Glute", "high", 0.5, 0.2, 0.8, "recovered", "logOR", 12, 0.405)
    assert "1.65-fold (odds ratio)" in ratio and "an odds ratio of 1.5" in ratio


def test_ranks_are_among_the_ideas_not_the_comparators():
    import warnings

    import kneestudy as ks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = ks.compare_ideas(ks.datasets.demo_study(), outcome="pain", week=12).table
    ranked = t.dropna(subset=["p_score"]).sort_values("p_score", ascending=False)
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert (ranked["network_rank"] >= ranked["rank"]).all()
