"""Adverse events in the report: exact intervals, risk ratios, the "no side effects" claim."""

from __future__ import annotations

import math

import pytest
from report_standins import make_cohort

from kneestudy.effects.safety import adverse_events as adverse_event_table
from kneestudy.effects.safety import clopper_pearson


def test_clopper_pearson_closed_forms():
    # k = 0: upper = 1 - (alpha/2)^(1/n); k = n: lower = (alpha/2)^(1/n)  (closed forms,
    # so agreement is to rounding: 1e-12 relative)
    assert clopper_pearson(0, 10) == (0.0, pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-12))
    assert clopper_pearson(10, 10) == (pytest.approx(0.025 ** (1 / 10), rel=1e-12), 1.0)
    # R: binom.test(3, 20)$conf.int -> 0.03207094 0.37892683 (printed to 7 digits)
    lo, hi = clopper_pearson(3, 20)
    assert lo == pytest.approx(0.03207094, abs=5e-9)
    assert hi == pytest.approx(0.37892683, abs=5e-9)


def test_adverse_event_table_counts_and_ratio():
    c = make_cohort()
    t = adverse_event_table(c).set_index("arm")
    # the two events belong to participants 0 and 1 of the first arm
    assert t.loc["Hip + knee", "with_event"] == 2 and t.loc["Usual care", "with_event"] == 0
    # zero cell: 0.5 added to each cell -> (2.5/13) / (0.5/13) = 5
    assert t.loc["Hip + knee", "rr"] == pytest.approx(5.0, rel=1e-12)
    se = math.sqrt(1 / 2.5 - 1 / 13 + 1 / 0.5 - 1 / 13)
    assert t.loc["Hip + knee", "rr_ci_high"] == pytest.approx(
        5.0 * math.exp(1.959963984540054 * se), rel=1e-12
    )
    # Fisher's exact test of [[2, 10], [0, 12]]: p = 2 * C(12,2)*C(12,0)/C(24,2) = 0.4782609
    assert t.loc["Hip + knee", "fisher_p"] == pytest.approx(2 * 66 / 276, rel=1e-9)
    assert math.isnan(t.loc["Usual care", "rr"])


def test_summary_answers_the_no_side_effects_claim():
    from kneestudy.report.cohort import cohort_view
    from kneestudy.report.settings import Settings
    from kneestudy.report.summary import side_effect_claims

    c = make_cohort(
        cohort_id="gluc",
        title="Glucosamine vs placebo",
        arms=(("Glucosamine", "glucosamine"), ("Placebo", "placebo")),
    )
    blocks = side_effect_claims([cohort_view(c, "cohort-1", "gluc", Settings())])
    assert len(blocks) == 1 and "no known side effects" in blocks[0].title
    text = " ".join(blocks[0].items)
    assert "2 of 12 on Glucosamine (17%)" in text and "0 of 12 on Placebo" in text
    assert "risk ratio 5.00" in text
    # no glucosamine arm: nothing said
    assert side_effect_claims([cohort_view(make_cohort(), "cohort-1", "x", Settings())]) == []


def test_comparison_lead_counts_simulated_summary_rows_as_simulated():
    """The demo's literature tables summarise simulated trials: the summary must not call
    them published studies."""
    from types import SimpleNamespace

    import pandas as pd

    from kneestudy.report.summary import _comparison_lead

    table = pd.DataFrame({"idea": ["orthotics"], "label": ["Insoles / orthotics"],
                          "status": ["estimated"], "estimate": [-1.0], "rank": [1.0],
                          "p_score": [1.0]})  # fmt: skip
    cmp = SimpleNamespace(table=table, outcome="pain", window_label="up to 3 months",
                          n_studies=3, reference_label="usual care")  # fmt: skip
    contrasts = pd.DataFrame({"study_id": ["s1", "s2", "p1"],
                              "source": ["synthetic", "synthetic", "Collins 2008"]})  # fmt: skip
    arms = pd.DataFrame({"study_id": ["s3", "s3"], "source": ["synthetic", "synthetic"]})
    study = SimpleNamespace(cohorts=[], contrasts=contrasts, arm_summaries=arms)
    lead = _comparison_lead(cmp, study)[0].text
    assert "from 1 published study and 3 simulated studies given as summary rows" in lead
    empty = SimpleNamespace(cohorts=[], contrasts=pd.DataFrame(), arm_summaries=pd.DataFrame())
    assert "from no study" in _comparison_lead(cmp, empty)[0].text
