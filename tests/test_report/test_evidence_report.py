"""The evidence report: its sections, the panel's summary, the limitations counted from the data."""

from __future__ import annotations

import re
import warnings

import pytest

import kneestudy as ks
from kneestudy.interventions import IDEAS
from kneestudy.report.evidence_report import (
    EVIDENCE_SECTION_IDS,
    build_evidence_report,
    limitations,
    panel_summary,
)


@pytest.fixture(scope="module")
def report():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the report shows warnings; it never prints them
        return build_evidence_report(date="fixed", command="test")


@pytest.fixture(scope="module")
def runs():
    from kneestudy.report.comparison import run_comparisons

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_comparisons(ks.datasets.evidence())


def test_sections_and_title(report):
    assert report.section_ids == EVIDENCE_SECTION_IDS
    assert report.title == "What the published trials say about the eight ideas"
    assert not report.synthetic and "not pooled with any simulated data" in report.subtitle
    keys = [t.key for t in report.tables()]
    assert len(keys) == len(set(keys))
    assert keys[:2] == ["evidence-panel-summary", "summary-of-findings"]


def test_the_same_input_gives_the_same_report():
    from kneestudy.report.html import render

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = render(build_evidence_report(date="fixed"))
        b = render(build_evidence_report(date="fixed"))
    assert a == b


def test_simulated_cohorts_are_refused():
    with pytest.raises(ValueError, match="never pooled with simulated cohorts"):
        build_evidence_report(ks.datasets.demo_study())


def test_panel_summary_speaks_of_every_idea_in_santesso_words(runs):
    panel = panel_summary(runs)
    assert list(panel["idea"]) == list(IDEAS)
    words = ("probably", "may", "very uncertain", "results in", "reduces", "increases",
             "improves", "No published trial", "Not estimable")  # fmt: skip
    for text in panel["says"]:
        for line in text.split("\n"):
            assert any(w in line for w in words), line
            assert "95% CI" not in line  # numbers are in the summary of findings
    # how sure: the highest certainty among the idea's findings
    for rec in panel.to_dict("records"):
        levels = re.findall(r"\((high|moderate|low|very low) certainty\)", rec["says"])
        if levels:
            best = min(levels, key=("high", "moderate", "low", "very low").index)
            assert rec["how_sure"].startswith(best + ":")
        else:
            assert rec["how_sure"] == "no estimate"


def test_limitations_are_counted_from_the_data(runs):
    from kneestudy.datasets.evidence_base import read_searches, read_trials
    from kneestudy.report.trials import included_trials

    study = ks.datasets.evidence()
    frame = included_trials(study, read_trials())
    lines = limitations(study, runs, read_searches(), frame)
    text = " ".join(lines)
    n_rows = len(study.contrasts) + len(study.arm_summaries)
    assert f"of the {n_rows} published rows were read in an abstract" in text
    n_ind = int(frame["indirect"].sum())
    assert f"Indirect populations: {n_ind} of the {len(frame)} included studies" in text
    assert "Glucosamine rests only on knee osteoarthritis trials" in text
    own = int((study.studies["rob_source"] == "own").sum())
    assert f"Risk of bias: {own} of {len(study.studies)} judgements" in text
    assert "Towheed 2009 is a published meta-analysis" in text


def test_the_discussion_and_the_evidence_are_in_the_report(report):
    disc = report.section("discussion")
    table = next(b for b in disc.blocks if getattr(b, "key", "") == "discussion-ideas")
    assert list(table.data["idea"]) == list(IDEAS)
    assert any(getattr(b, "key", "") == "discussion-not-read" for b in disc.blocks)
    ev = report.section("evidence")
    keys = [getattr(b, "key", getattr(b, "name", "")) for b in ev.blocks]
    for k in ("evidence-trials", "evidence-risk-of-bias-traffic-light", "evidence-prisma-flow",
              "evidence-prisma-counts", "evidence-exclusion-kinds", "evidence-excluded",
              "evidence-contrasts", "evidence-arms", "evidence-quotes"):  # fmt: skip
        assert k in keys
    rob = next(b for b in ev.blocks if getattr(b, "name", "") == "evidence-risk-of-bias-summary")
    assert "own RoB 2" in rob.title  # whose judgement it is, said


def test_methods_state_what_was_fitted(report):
    text = " ".join(b.text for b in report.section("methods").blocks if b.type == "paragraph")
    assert "Additive component network meta-analysis" in text
    assert "generalised DerSimonian–Laird" in text and "prediction intervals" in text
    assert "PRISMA 2020" in text and "RoB 2" in text and "verbatim" in text
