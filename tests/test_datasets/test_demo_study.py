"""The embedded demo study: loads valid, synthetic throughout, covers and connects all eight ideas."""

from __future__ import annotations

import filecmp
from importlib import resources
from pathlib import Path

import pytest

import kneestudy as ks
from kneestudy.interventions import idea_of, split_codes


@pytest.fixture(scope="module")
def study():
    return ks.datasets.demo_study()


def _node(code: str) -> str:
    """The agreed network node of an arm code."""
    idea = idea_of(code)
    if idea is not None:
        return idea
    if "quadriceps_strengthening" in split_codes(code):
        return "quadriceps_strengthening"
    return "control"


def test_demo_study_loads_valid(study):
    from kneestudy.datasets.build import COHORTS, CROSSOVERS

    assert study.report is None or study.report.ok
    assert len(study.cohorts) == len(COHORTS) + len(CROSSOVERS) == 9
    for c in study.cohorts:
        assert c.is_synthetic and c.manifest.seed is not None
        assert c.manifest.primary_outcome == "pain"
        assert 40 <= len(c.participants) <= 900
        if c.manifest.design == "parallel":
            assert c.manifest.primary_week == 12


def test_the_brace_crossover_is_a_cohort_of_the_demo(study):
    c = study.cohort("demo-knee-brace-crossover")
    assert c.manifest.design == "crossover"
    assert set(c.visits["condition"]) == {"usual_care", "knee_brace_medial", "knee_brace_lateral"}
    # everyone is seen in both settings
    per = c.visits[c.visits["week"] > 0].groupby("participant_id")["condition"].nunique()
    assert (per == 2).all()


def test_main_contrasts_are_estimable_with_sensible_precision(study):
    """ANCOVA of pain at week 12: SE at most 0.35 points for the four first ideas' trials."""
    q = "quadriceps_strengthening"
    checks = {
        "demo-glute": [f"glute_strengthening+{q}", q],
        "demo-taping": [f"taping+{q}", q],
        "demo-orthotics": ["orthotics", "wait_and_see"],
        "demo-glucosamine": ["glucosamine"],
    }
    for cohort_id, treatments in checks.items():
        for t in treatments:
            fit = ks.effects.ancova(study.cohort(cohort_id), outcome="pain", week=12, treatment=t)
            assert fit.se <= 0.35, (cohort_id, t, fit.se)


def test_the_four_first_ideas_have_the_agreed_designs(study):
    designs = {c.cohort_id: set(c.participants["intervention"]) for c in study.cohorts}
    q = "quadriceps_strengthening"
    assert designs["demo-glute"] == {f"glute_strengthening+{q}", q, "usual_care"}
    assert designs["demo-taping"] == {f"taping+{q}", f"sham+{q}", q}
    assert designs["demo-orthotics"] == {"orthotics", "flat_insert", "wait_and_see"}
    assert designs["demo-glucosamine"] == {"glucosamine", "placebo"}
    assert study.cohort("demo-orthotics").manifest.visit_weeks[-1] == 52


def test_network_connects_all_eight_ideas_to_control(study):
    edges = set()
    for c in study.cohorts:
        nodes = sorted({_node(code) for code in c.participants["intervention"]})
        edges |= {(a, b) for a in nodes for b in nodes if a != b}
    for row in study.contrasts.itertuples():
        a, b = _node(row.treatment), _node(row.comparator)
        if a != b:
            edges |= {(a, b), (b, a)}
    seen, todo = {"control"}, ["control"]
    while todo:
        here = todo.pop()
        for a, b in edges:
            if a == here and b not in seen:
                seen.add(b)
                todo.append(b)
    assert set(ks.IDEAS) <= seen


def test_literature_is_synthetic_and_never_mixed_with_published_figures(study):
    con, arms = study.contrasts, study.arm_summaries
    assert len(con) >= 8 and len(arms) >= 3
    assert (con["source"] == "synthetic").all() and (arms["source"] == "synthetic").all()
    assert con["note"].str.contains("seed=").all() and arms["note"].str.contains("seed=").all()
    for col in ("quote", "doi", "pmid"):
        assert col not in con.columns and col not in arms.columns
    published = set(ks.datasets.evidence().contrasts["study_id"])
    published |= set(ks.datasets.evidence().arm_summaries["study_id"])
    assert not published & (set(con["study_id"]) | set(arms["study_id"]))
    assert set(con["outcome"]) <= {"pain", "akps", "recovered"}
    assert set(con["measure"]) == {"MD", "SMD", "logOR", "logRR"}
    # one row exercises the indirectness rule, and says it is a label only
    other = con[con["population"] != "patellofemoral pain"]
    assert list(other["population"]) == ["knee osteoarthritis"]
    assert other["note"].str.contains("label only").all()
    # every idea appears in the literature tables or in a cohort of its own
    lit_nodes = {_node(c) for c in [*con["treatment"], *con["comparator"]]}
    assert len(lit_nodes & set(ks.IDEAS)) >= 7


def test_packaged_files_are_found_by_importlib_resources():
    root = resources.files("kneestudy.datasets").joinpath("data", "demo_study")
    found = sorted(
        str(Path(str(p)).relative_to(Path(str(root))))
        for p in Path(str(root)).rglob("*")
        if p.is_file()
    )
    assert "study.toml" in found
    assert "literature/contrasts.csv" in found and "literature/arm_summaries.csv" in found
    assert sum(f.endswith("cohort.toml") for f in found) == 9
    assert ks.datasets.demo_study_path() == Path(str(root))


def test_example_cohort_path_points_to_the_packaged_cohort():
    try:
        path = ks.datasets.example_cohort_path()
    except FileNotFoundError:
        pytest.skip("the example cohort is not in this installation")
    assert (path / "cohort.toml").is_file()


def test_rebuild_equals_committed_files(tmp_path):
    """``python -m kneestudy.datasets.build OUT`` reproduces the package folder byte for byte."""
    from kneestudy.datasets.build import main

    assert main([str(tmp_path / "demo")]) == 0
    committed = ks.datasets.demo_study_path()

    def files(root: Path) -> list[str]:
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    assert files(tmp_path / "demo") == files(committed)
    names = files(committed)
    match, mismatch, errors = filecmp.cmpfiles(committed, tmp_path / "demo", names, shallow=False)
    assert not mismatch and not errors, mismatch
    assert match == names


def test_demo_truth_matches_the_files(study):
    truth = ks.datasets.demo_truth()
    assert set(truth) == {c.cohort_id for c in study.cohorts}
    for c in study.cohorts:
        assert truth[c.cohort_id]["seed"] == c.manifest.seed
        assert truth[c.cohort_id]["n"] == len(c.participants)
