"""The discussion against the 2018 consensus and the living NMA: quotes, directions, agreement."""

from __future__ import annotations

import math
import types

import pandas as pd
import pytest

from kneestudy.compare.windows import WINDOWS
from kneestudy.datasets._evidence_rules import in_quote, numbers_in
from kneestudy.interventions import IDEAS
from kneestudy.report.discussion import (
    agreement,
    compare_with_published,
    direction_of,
    discussion_table,
    not_read,
    published_statements,
    read_discussion,
    reasons,
)

DIRECTIONS = {"benefit", "uncertain", "no difference", "not recommended", "certainty"}


@pytest.fixture(scope="module")
def statements():
    return published_statements()


@pytest.fixture(scope="module")
def evidence_runs():
    import warnings

    import kneestudy as ks
    from kneestudy.report.comparison import run_comparisons

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_comparisons(ks.datasets.evidence())


def test_the_file_is_well_formed():
    data = read_discussion()
    keys = {s["key"] for s in data["sources"]}
    assert keys == {"collins2018", "winters2021"}
    for src in data["sources"]:
        assert src["doi"].startswith("10.") and src["citation"]
        # the descriptions print no number of their own (the tool's name "RoB 2" aside):
        # numbers belong in quotes
        assert numbers_in((src["kind"] + src["certainty"]).replace("RoB 2", "")) == []
    seen = set()
    for st in data["statements"]:
        assert st["key"] not in seen
        seen.add(st["key"])
        assert st["source"] in keys and st["direction"] in DIRECTIONS
        assert st["url"].startswith("https://") and st["location"]
        assert set(st["outcomes"]) <= {"pain", "akps", "recovered"}
        assert set(st["windows"]) <= set(WINDOWS)
        for item in st.get("ideas", []):
            assert item["idea"] in IDEAS and item["says"] and item["mapping"]
        # a statement about no idea says why
        assert st.get("ideas") or st.get("unmapped")
    for nr in data["not_read"]:
        assert nr["source"] in keys and nr["wanted"] and nr["why"]


def test_every_number_said_is_in_its_quote(statements):
    """The discussion's words for each statement hold only numbers its verbatim quote prints."""
    for rec in statements.to_dict("records"):
        for x in numbers_in(rec["says"]):
            assert in_quote(x, rec["quote"]), (rec["key"], rec["idea"], x)


def test_every_number_of_the_discussion_table_comes_from_a_quote(statements, evidence_runs):
    long = compare_with_published(evidence_runs, statements)
    wide = discussion_table(long, evidence_runs)
    quotes = {src: " ".join(statements.loc[statements["source"] == src, "quote"])
              for src in ("collins2018", "winters2021")}  # fmt: skip
    for col, src in (("consensus_says", "collins2018"), ("winters_says", "winters2021")):
        for text in wide[col]:
            for x in numbers_in(text):
                assert in_quote(x, quotes[src]), (col, text, x)
    # and the statement-by-statement table: what they say, from their own quote
    for rec in long.to_dict("records"):
        quote = statements.loc[statements["key"] == rec["key"], "quote"].iloc[0]
        assert all(in_quote(x, quote) for x in numbers_in(rec["says"])), rec["key"]


def test_the_quotes_hold_the_published_figures(statements):
    """Spot checks against the abstracts as read (Winters 2021, PMC7982922)."""
    w = statements[statements["key"] == "winters2021-3-months"]["quote"].iloc[0]
    for x in (9.6, 2.2, 48.8, 13.0, 2.4, 83.5, 16.5, 4.9, 65.8, 25.2, 5.7, 130.3, 38.8, 7.3,
              236.9):  # fmt: skip
        assert in_quote(x, w)
    c = statements[statements["key"] == "collins2018-uncertain"]["quote"].iloc[0]
    assert "patellar taping/bracing" in c and "gait retraining" in c


def _cmp(outcome="pain", mcid=2.0):
    return types.SimpleNamespace(outcome=outcome, mcid=mcid)


@pytest.mark.parametrize(
    "est, lo, hi, outcome, expected",
    [
        # pain (lower is better), MCID 2: worked by hand
        (-2.5, -3.5, -1.5, "pain", "benefit"),  # CI below 0, |est| >= 2
        (-1.0, -1.6, -0.4, "pain", "small benefit"),  # CI below 0, |est| < 2
        (2.5, 1.0, 4.0, "pain", "harm"),
        (0.1, -1.5, 1.7, "pain", "little or no difference"),  # the CI within (-2, 2)
        (-1.0, -3.0, 1.0, "pain", "inconclusive"),  # holds 0 and -2
        # AKPS (higher is better), MCID 10
        (12.0, 4.0, 20.0, "akps", "benefit"),
        (-12.0, -20.0, -4.0, "akps", "harm"),
    ],
)
def test_direction_of_a_finding(est, lo, hi, outcome, expected):
    row = pd.Series({"status": "estimated", "estimate": est, "ci_low": lo, "ci_high": hi})
    mcid = 10.0 if outcome == "akps" else 2.0
    assert direction_of(row, _cmp(outcome, mcid)) == expected


def test_direction_of_a_missing_estimate():
    for status in ("no evidence", "not estimable"):
        assert direction_of(pd.Series({"status": status}), _cmp()) == status


@pytest.mark.parametrize(
    "published, ours, certainty, expected",
    [
        ("benefit", "benefit", "moderate", "agrees"),
        ("benefit", "small benefit", "low", "partly agrees"),
        ("benefit", "inconclusive", "low", "not confirmed"),
        ("benefit", "little or no difference", "moderate", "contradicted"),
        # a very uncertain finding contradicts nothing (Santesso 2020: "very uncertain")
        ("benefit", "little or no difference", "very low", "not confirmed"),
        ("uncertain", "inconclusive", "moderate", "agrees"),
        ("uncertain", "benefit", "low", "agrees"),
        ("uncertain", "benefit", "high", "contradicted"),
        ("no difference", "little or no difference", "moderate", "agrees"),
        ("no difference", "benefit", "moderate", "contradicted"),
        ("no difference", "benefit", "very low", "not confirmed"),
        ("benefit", "no evidence", "", "cannot compare"),
        ("uncertain", "not estimable", "", "cannot compare"),
    ],
)
def test_agreement_rules(published, ours, certainty, expected):
    assert agreement(published, ours, certainty) == expected


def test_the_evidence_base_against_the_published_statements(statements, evidence_runs):
    long = compare_with_published(evidence_runs, statements)
    mapped = statements[statements["idea"] != ""]
    mapped = mapped[mapped["direction"] != "certainty"]
    assert len(long) == len(mapped)
    assert set(long["agreement"]) <= {"agrees", "partly agrees", "not confirmed",
                                      "contradicted", "cannot compare"}  # fmt: skip
    # every difference has its reason; an agreement needs none
    bad = long[long["agreement"] != "agrees"]
    assert (bad["reason"].str.len() > 0).all()
    assert (long.loc[long["agreement"] == "agrees", "reason"] == "").all()
    # the physical therapist is spoken of by both sources
    pt = long[long["idea"] == "physical_therapy"]
    assert set(pt["source"]) == {"collins2018", "winters2021"}
    # the consensus is compared on pain or AKPS, Winters 2021 on recovery
    assert long.loc[long["source"] == "collins2018", "compared_with"].str.match(
        r"^(Pain|Function \(AKPS\))").all()  # fmt: skip
    assert long.loc[long["source"] == "winters2021", "compared_with"].str.startswith(
        "Recovery").all()  # fmt: skip
    wide = discussion_table(long, evidence_runs)
    assert list(wide["idea"]) == list(IDEAS)
    assert wide.loc[wide["idea"] == "glucosamine", "consensus_says"].iloc[0] == "not addressed"


def test_reasons_come_from_the_data():
    """A statement about a whole combination, a finding from one indirect, imprecise trial."""
    cmp = types.SimpleNamespace(
        outcome="recovered",
        mcid=math.log(1.5),
        certainty=pd.DataFrame(
            [
                {
                    "idea": "physical_therapy",
                    "domain": "indirectness",
                    "downgrade": 2,
                    "reason": "by contribution to the estimate: "
                    "100% high indirectness (average score 3.00); population: "
                    "knee osteoarthritis (x2003)",
                }
            ]
        ),  # fmt: skip
        contrasts=pd.DataFrame(
            {
                "status": ["used"],
                "components_treatment": ["physical_therapy"],
                "components_comparator": [""],
            }
        ),  # fmt: skip
    )
    run = types.SimpleNamespace(result=cmp, label="Recovery, up to 3 months")
    row = pd.Series({"studies": 1, "participants": 80.0}, name="physical_therapy")
    f = {"direction": "inconclusive", "run": run, "row": row, "certainty": "very low"}
    st = {"outcomes": ("recovered",), "combination": True, "window_note": ""}
    text = reasons(st, f)
    assert "whole combinations" in text
    assert "indirect evidence: 100% high indirectness; population: knee osteoarthritis" in text
    assert "imprecise: 1 study, 80 participants" in text
    assert "our certainty is very low" in text
    assert "no trial" in reasons(st, {**f, "direction": "no evidence"}, exclusions=12)
    assert "(12 records" in reasons(st, {**f, "direction": "no evidence"}, exclusions=12)


def test_what_was_not_read_is_listed():
    nr = not_read()
    assert len(nr) >= 2
    assert set(nr["source"]) == {"Collins 2018 consensus", "Winters 2021 living NMA"}
    assert nr["why"].str.len().gt(20).all()
