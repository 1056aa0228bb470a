"""PRISMA 2020 counts from the search records, and the table of included trials."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kneestudy.datasets._evidence_rules import in_quote
from kneestudy.report.search import (
    ANOTHER_TOPIC,
    NOT_RETRIEVED,
    exclusion_kinds,
    prisma_from_records,
    reason_category,
)
from kneestudy.report.trials import included_trials, published_figures, short_citation


def _searches():
    """Two topic searches, worked by hand:

    identified 30 + 20 = 50; one record left out because the other topic assessed it
    (removed: 1) -> screened 49. Listed exclusions (not counting the moved one): 2 no
    usable numbers, 1 not randomised, 1 full text not available = 4; the included trials
    have 3 reports -> excluded at screening 49 - 4 - 3 = 42, sought 4 + 3 = 7, not
    retrieved 1, assessed 6, excluded at eligibility 3, reports included 6 - 3 = 3.
    """
    return {
        "searches/a.toml": {"topic": "a", "records_found": 30, "excluded": [
            {"study": "A1", "reason": "no usable numbers"},
            {"study": "A2", "reason": "no usable numbers: P values only"},
            {"study": "A3", "reason": "other: exercise trial, belongs to the exercise topic"},
        ]},
        "searches/b.toml": {"topic": "b", "records_found": 20, "excluded": [
            {"study": "B1", "reason": "not randomised (quasi-experimental)"},
            {"study": "B2", "reason": "full text not available"},
        ]},
    }  # fmt: skip


def _trials():
    return {
        "trials/x.toml": {"study_id": "x2001", "sources": [{"key": "main"}, {"key": "r"}]},
        "trials/y.toml": {"study_id": "y2002", "sources": [{"key": "main"}]},
    }


def test_prisma_counts_worked_by_hand():
    counts, how = prisma_from_records(_searches(), _trials())
    d = counts.resolved()
    assert d["identified"] == 50 and d["removed"] == 1 and d["screened"] == 49
    assert d["excluded_screening"] == 42 and d["sought"] == 7
    assert d["not_retrieved"] == 1 and d["assessed"] == 6 and d["excluded"] == 3
    assert d["studies_included"] == 2 and d["reports_included"] == 3
    assert counts.excluded == {"Not randomised": 1, "No usable numbers": 2}
    # the table says how every stage is counted, with the count
    assert how.set_index("stage").loc["Records screened", "count"] == 49
    assert how["how"].str.len().gt(10).all()


def test_fewer_records_than_listed_is_not_reported_never_negative():
    s = _searches()
    s["searches/a.toml"]["records_found"] = 1
    s["searches/b.toml"]["records_found"] = 1
    counts, how = prisma_from_records(s, _trials())
    d = counts.resolved()
    assert d["excluded_screening"] is None and d["reports_included"] is None
    assert math.isnan(how.set_index("stage").loc["Excluded at screening", "count"])


@pytest.mark.parametrize(
    "reason, kind",
    [
        ("not randomised", "not randomised"),
        ("other: participants were 'sequentially assigned' to exercise", "not randomised"),
        ("no usable numbers: the abstract reports P values only", "no usable numbers"),
        ("full text not available", NOT_RETRIEVED),
        ("other: exercise trial, belongs to the exercise topic", ANOTHER_TOPIC),
        ("other: trial protocol; no results paper was found", "protocol, no results"),
        ("other: systematic review without pooling (seven studies)", "review, not a trial"),
        ("other: usable numbers but no DOI or PMID could be read", "no DOI or PMID readable"),
        ("duplicate report of tazesh2022", "duplicate or secondary report"),
        ("something new", "other reasons (see the list)"),
    ],
)
def test_reason_kinds(reason, kind):
    assert reason_category(reason) == kind


def test_the_evidence_base_flow_adds_up():
    from kneestudy.datasets.evidence_base import read_searches, read_trials

    searches, trials = read_searches(), read_trials()
    counts, _ = prisma_from_records(searches, trials)
    d = counts.resolved()
    assert d["identified"] == sum(s["records_found"] for s in searches.values())
    assert d["studies_included"] == len(trials)
    assert d["reports_included"] == sum(len(t["sources"]) for t in trials.values())
    n_listed = sum(len(s.get("excluded", [])) for s in searches.values())
    assert d["removed"] + d["not_retrieved"] + d["excluded"] == n_listed
    kinds = exclusion_kinds(searches)
    assert kinds["records"].sum() == n_listed and kinds["covers"].str.len().gt(0).all()


@pytest.mark.parametrize(
    "citation, sid, expected",
    [
        ("Bennell KL, Hinman RS. Efficacy of ... Ann Rheum Dis 2005;64:906.", "bennell2005",
         "Bennell 2005"),
        ("de Souza Junior JR, Rabelo PHR. Effects ... PLoS One 2024;19:e0295645.",
         "desouzajunior2024", "de Souza Junior 2024"),
        ("van Linschoten R, van Middelkoop M. Supervised ... BMJ 2009;339:b4074.",
         "vanlinschoten2009", "van Linschoten 2009"),
        ("Rabelo NDdA, Costa LOP. Adding motor control ... 2017;58:280.", "rabelo2017",
         "Rabelo 2017"),
        ("Hunter DJ, et al. A randomized trial ... 2011;19(7):792.", "x", "Hunter 2011"),
    ],
)  # fmt: skip
def test_short_citation(citation, sid, expected):
    assert short_citation(citation, sid) == expected


@pytest.fixture(scope="module")
def evidence():
    import kneestudy as ks

    return ks.datasets.evidence()


def test_included_trials_table(evidence):
    from kneestudy.datasets.evidence_base import read_trials

    frame = included_trials(evidence, read_trials())
    assert len(frame) == len(evidence.studies)
    pfp = frame["population"] == "patellofemoral pain"
    assert (frame.loc[~pfp, "indirect"]).all() and not frame.loc[pfp, "indirect"].any()
    assert frame.loc[~pfp, "population"].str.endswith("(indirect)").all()
    has_doi = frame["doi"].notna()
    assert (frame.loc[has_doi, "doi_url"] == "https://doi.org/" + frame.loc[has_doi, "doi"]).all()
    has_pmid = frame["pmid"].notna()
    assert frame.loc[has_pmid, "pmid_url"].str.startswith("https://pubmed.ncbi.nlm.nih.gov/").all()
    assert (has_doi | has_pmid).all()  # every trial has at least one identifier
    # arms as randomised, from the trial files
    collins = frame.set_index("study_id").loc["collins2008"]
    assert "Foot orthoses" in collins["arms"] and "Flat inserts" in collins["arms"]
    assert collins["rob_by"] == "own RoB 2 judgement"


def test_published_figures_carry_their_quotes(evidence):
    figs = published_figures(evidence)
    assert len(figs) == len(evidence.contrasts) + len(evidence.arm_summaries)
    assert (figs["quote"].str.len() > 0).all()
    # the estimate shown for a published contrast is printed in its quote
    c = evidence.contrasts
    shown = figs.iloc[: len(c)]
    for est, quote in zip(c["published_estimate"], shown["quote"], strict=True):
        assert in_quote(float(est), quote)
    assert isinstance(figs, pd.DataFrame)
