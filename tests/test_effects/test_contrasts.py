"""cohort_contrasts: every pair from one model (tests/reference/effects_lm.R)."""

import numpy as np
import pytest
from refdata import load_reference

from kneestudy.effects import ancova, cohort_contrasts, responders
from kneestudy.effects.contrasts import CONTRAST_COLUMNS
from kneestudy.errors import AnalysisError

REF = load_reference("effects_lm")
RTOL = 1e-9  # lm closed forms


def test_md_pairs_match_lm(dropout):
    out = cohort_contrasts(dropout, "pain", 12, "MD")
    assert list(out.columns) == list(CONTRAST_COLUMNS)
    ref = REF["effects_dropout_pain_w12"]["pairs"]
    assert len(out) == len(ref) == 3
    for (_, row), r in zip(out.iterrows(), ref, strict=True):
        assert (row["treatment"], row["comparator"]) == (r["treatment"], r["comparator"])
        assert row["estimate"] == pytest.approx(r["estimate"], rel=RTOL)
        assert row["se"] == pytest.approx(r["se"], rel=RTOL)
    assert set(out["study_id"]) == {"effects_dropout"}
    assert set(out["source"]) == {"synthetic"}


@pytest.mark.parametrize("measure", ["MD", "SMD", "logOR", "logRR"])
def test_pairs_consistent(dropout, measure):
    outcome = "pain" if measure in ("MD", "SMD") else "recovered"
    out = cohort_contrasts(dropout, outcome, 12, measure).set_index(["treatment", "comparator"])
    a, b, c = (
        "glute_strengthening+quadriceps_strengthening",
        "quadriceps_strengthening",
        "usual_care",
    )
    ac, bc, ab = (
        out.loc[(a, c), "estimate"],
        out.loc[(b, c), "estimate"],
        out.loc[(a, b), "estimate"],
    )
    assert ac - bc == pytest.approx(ab, abs=1e-12)


def test_smd_uses_pooled_baseline_sd(dropout):
    md = cohort_contrasts(dropout, "pain", 12, "MD")
    smd = cohort_contrasts(dropout, "pain", 12, "SMD")
    sd = REF["effects_dropout_pain_w12"]["pooled_baseline_sd"]
    np.testing.assert_allclose(smd["estimate"], md["estimate"] / sd, rtol=RTOL)
    np.testing.assert_allclose(smd["se"], md["se"] / sd, rtol=RTOL)


def test_two_arm_equals_ancova_and_responders(two_arm):
    md = cohort_contrasts(two_arm, "pain", 12, "MD").iloc[0]
    res = ancova(two_arm, "pain", 12)
    assert md["estimate"] == pytest.approx(res.estimate, rel=1e-12)
    assert md["se"] == pytest.approx(res.se, rel=1e-12)
    lor = cohort_contrasts(two_arm, "responder", 12, "logOR").iloc[0]
    r = responders(two_arm, "pain", 12)
    assert lor["estimate"] == pytest.approx(r.log_or, rel=1e-12)
    assert lor["se"] == pytest.approx(r.log_or_se, rel=1e-12)


def test_bad_input(two_arm):
    with pytest.raises(AnalysisError, match="unknown measure"):
        cohort_contrasts(two_arm, "pain", 12, "HR")
    with pytest.raises(AnalysisError, match="binary outcome"):
        cohort_contrasts(two_arm, "pain", 12, "logOR")
    with pytest.raises(AnalysisError, match="unknown outcome"):
        cohort_contrasts(two_arm, "recovered", 12, "MD")
    one = two_arm.with_tables(
        participants=two_arm.participants[two_arm.participants["intervention"] == "usual_care"]
    )
    with pytest.raises(AnalysisError, match="single arm"):
        cohort_contrasts(one)
