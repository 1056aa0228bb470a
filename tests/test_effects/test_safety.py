"""Adverse events by arm against R: binom.test, fisher.test and metafor's escalc("RR")."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from refdata import load_reference

from kneestudy.effects import adverse_events, clopper_pearson
from kneestudy.errors import AnalysisError
from kneestudy.ingest.model import Cohort, Manifest

REF = load_reference("effects_safety")["cases"]


def _cohort(k1: int, n1: int, k0: int, n0: int, repeats: int = 1) -> Cohort:
    ids = [f"T{i}" for i in range(n1)] + [f"C{i}" for i in range(n0)]
    participants = pd.DataFrame(
        {
            "participant_id": ids,
            "arm": ["Glucosamine"] * n1 + ["Placebo"] * n0,
            "intervention": ["glucosamine"] * n1 + ["placebo"] * n0,
        }
    )
    # each affected participant reports `repeats` events: risks count people, not reports
    who = [f"T{i}" for i in range(k1)] + [f"C{i}" for i in range(k0)]
    ae = pd.DataFrame(
        {
            "participant_id": who * repeats,
            "week": 2.0,
            "term": "stomach upset",
            "severity": "mild",
            "serious": False,
            "related": pd.array([pd.NA] * len(who) * repeats, dtype="boolean"),
        }
    )
    manifest = Manifest(cohort_id="ae", title="AE", comparator="placebo")
    visits = pd.DataFrame({"participant_id": ids, "week": 0.0})
    return Cohort(manifest, participants, visits, adverse_events=ae)


@pytest.mark.parametrize(
    "case", REF, ids=lambda c: f"{c['k1']}/{c['n1']}v{c['k0']}/{c['n0']}@{c['level']}"
)
def test_matches_r(case):
    t = adverse_events(
        _cohort(case["k1"], case["n1"], case["k0"], case["n0"], repeats=2), level=case["level"]
    ).set_index("arm")
    trt, ctl = t.loc["Glucosamine"], t.loc["Placebo"]
    assert trt["with_event"] == case["k1"] and trt["events"] == 2 * case["k1"]
    # Beta quantiles: R and scipy agree to ~1e-12; 1e-9 relative leaves room for
    # the root-finding inside both.
    assert (trt["risk_ci_low"], trt["risk_ci_high"]) == pytest.approx(case["risk1_ci"], rel=1e-9)
    assert (ctl["risk_ci_low"], ctl["risk_ci_high"]) == pytest.approx(case["risk0_ci"], rel=1e-9)
    # closed forms (log RR, its variance, Fisher's hypergeometric sum): 1e-10
    if case["rr"] is None:
        assert math.isnan(trt["rr"]) and math.isnan(trt["rr_ci_low"])
    else:
        got = (trt["rr"], trt["rr_ci_low"], trt["rr_ci_high"])
        assert got == pytest.approx((case["rr"], case["rr_ci_low"], case["rr_ci_high"]), rel=1e-10)
    assert trt["fisher_p"] == pytest.approx(case["fisher_p"], rel=1e-10)
    assert np.isnan(ctl["rr"]) and np.isnan(ctl["fisher_p"])


def test_no_adverse_event_table_means_no_events():
    c = _cohort(0, 5, 0, 5)
    c = Cohort(c.manifest, c.participants, c.visits, adverse_events=None)
    t = adverse_events(c)
    assert (t["with_event"] == 0).all() and (t["risk_ci_low"] == 0).all()


def test_clopper_pearson_bad_input():
    with pytest.raises(AnalysisError):
        clopper_pearson(3, 2)
    with pytest.raises(AnalysisError):
        clopper_pearson(0, 0)


def _term_cohort(rows, n1: int, n0: int) -> Cohort:
    ids = [f"T{i}" for i in range(n1)] + [f"C{i}" for i in range(n0)]
    participants = pd.DataFrame(
        {
            "participant_id": ids,
            "arm": ["Glucosamine"] * n1 + ["Placebo"] * n0,
            "intervention": ["glucosamine"] * n1 + ["placebo"] * n0,
        }
    )
    recs = []
    for term, k1, k0 in rows:
        for pid in [f"T{i}" for i in range(k1)] + [f"C{i}" for i in range(k0)]:
            recs.append({"participant_id": pid, "week": 3.0, "term": term, "severity": "mild",
                         "serious": False})  # fmt: skip
    ae = pd.DataFrame(recs)
    manifest = Manifest(cohort_id="ae", title="AE", comparator="placebo")
    visits = pd.DataFrame({"participant_id": ids, "week": 0.0})
    return Cohort(manifest, participants, visits, adverse_events=ae)


@pytest.mark.parametrize("adjust", ["holm", "BH"])
def test_by_term_with_multiplicity_matches_p_adjust(adjust):
    from kneestudy.effects import adverse_events_by_term

    r = load_reference("effects_safety")["by_term"]
    rows = list(zip(r["term"], r["k1"], r["k0"], strict=True))
    t = adverse_events_by_term(_term_cohort(rows, r["n1"][0], r["n0"][0]), adjust=adjust)
    trt = t[t["intervention"] == "glucosamine"]
    assert list(trt["term"]) == r["term"]
    np.testing.assert_allclose(trt["fisher_p"], r["fisher_p"], rtol=1e-10)
    np.testing.assert_allclose(trt["rr"], r["rr"], rtol=1e-10)
    np.testing.assert_allclose(trt["p_adjusted"], r[adjust], rtol=1e-10)
    assert t.attrs["n_comparisons"] == 4
    assert "4 comparison(s)" in t.attrs["multiplicity"] and adjust in t.attrs["multiplicity"]
    # each term's numbers are those of adverse_events on that term alone
    one = adverse_events(_term_cohort([rows[1]], r["n1"][0], r["n0"][0]))
    assert trt["risk_ci_high"].iloc[1] == pytest.approx(one["risk_ci_high"].iloc[0], rel=1e-15)


def test_by_term_without_events_is_empty_but_says_so():
    from kneestudy.effects import adverse_events_by_term

    c = _cohort(0, 10, 0, 10).with_tables(adverse_events=None)
    t = adverse_events_by_term(c)
    assert t.empty and t.attrs["n_comparisons"] == 0
