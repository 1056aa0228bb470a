"""kneestudy.meta.pairwise against metafor's escalc (tests/reference/network_nma.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from refdata import REFERENCE_DIR, load_reference

from kneestudy.errors import AnalysisError
from kneestudy.meta.pairwise import pairwise

REF = load_reference("network_nma")


def _arms(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "data" / f"network_{name}_arms.csv")


@pytest.mark.parametrize(
    ("name", "measure", "key"),
    [
        ("senn2013", "MD", "senn2013"),
        ("senn2013", "SMD", "senn2013_smd_pairwise"),
        ("hasselblad1998", "logOR", "hasselblad1998"),
    ],
)
def test_pairs_match_escalc(name, measure, key):
    ref = REF[key] if key.endswith("pairwise") else REF[key]["pairwise"]
    ref = pd.DataFrame(ref)
    out = pairwise(_arms(name), measure)
    assert list(out["treat1"]) == list(ref["treat1"])
    assert list(out["treat2"]) == list(ref["treat2"])
    # closed-form formulas: agreement to rounding error
    np.testing.assert_allclose(out["TE"], ref["TE"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["seTE"], ref["seTE"], rtol=1e-10)


def test_multi_arm_gives_all_pairs_and_design_columns():
    out = pairwise(_arms("senn2013"), "MD")
    willms = out[out["study"] == "Willms (1999)"]
    assert len(willms) == 3
    for col in ("study_id", "treatment", "comparator", "estimate", "se", "n_treatment"):
        assert col in out
    assert (out["estimate"] == out["TE"]).all()


def test_zero_cell_adds_half_to_every_arm_of_the_study():
    arms = pd.DataFrame(
        {
            "study": ["a", "a", "a", "b", "b"],
            "treatment": ["x", "y", "z", "x", "y"],
            "n": [10, 10, 10, 20, 20],
            "events": [0, 3, 5, 2, 4],
        }
    )
    out = pairwise(arms, "OR")
    a = out[out["study"] == "a"]
    assert (a["incr"] == 0.5).all()
    # y vs z uses 3.5/11 vs 5.5/11 although neither arm has a zero cell
    yz = a[(a["treat1"] == "y") & (a["treat2"] == "z")].iloc[0]
    expected = np.log(3.5 / 7.5) - np.log(5.5 / 5.5)
    assert yz["TE"] == pytest.approx(expected, rel=1e-12)
    assert (out[out["study"] == "b"]["incr"] == 0).all()


def test_double_zero_pair_is_left_out_with_warning():
    arms = pd.DataFrame(
        {
            "study": ["a", "a", "b", "b"],
            "treatment": ["x", "y", "x", "y"],
            "n": [10, 10, 10, 10],
            "events": [0, 0, 1, 2],
        }
    )
    with pytest.warns(UserWarning, match="no events"):
        out = pairwise(arms, "logRR")
    assert list(out["study"]) == ["b"]


def test_rd_and_logrr_formulas():
    arms = pd.DataFrame(
        {"study": ["a", "a"], "treatment": ["x", "y"], "n": [40, 50], "events": [10, 20]}
    )
    rd = pairwise(arms, "RD").iloc[0]
    assert rd["TE"] == pytest.approx(0.25 - 0.4)
    assert rd["seTE"] ** 2 == pytest.approx(0.25 * 0.75 / 40 + 0.4 * 0.6 / 50)
    rr = pairwise(arms, "RR").iloc[0]
    assert rr["TE"] == pytest.approx(np.log(0.25 / 0.4))
    assert rr["seTE"] ** 2 == pytest.approx(1 / 10 - 1 / 40 + 1 / 20 - 1 / 50)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"sd": [1.0, -1.0]}, "standard deviations"),
        ({"mean": [1.0, np.nan]}, "missing"),
        ({"treatment": ["x", "x"]}, "more than once"),
    ],
)
def test_bad_input_is_a_clear_error(change, match):
    arms = pd.DataFrame(
        {
            "study": ["a", "a"],
            "treatment": ["x", "y"],
            "n": [10, 10],
            "mean": [1.0, 2.0],
            "sd": [1.0, 1.0],
        }
    )
    for k, v in change.items():
        arms[k] = v
    with pytest.raises(AnalysisError, match=match):
        pairwise(arms, "MD")


def test_unknown_measure():
    with pytest.raises(AnalysisError, match="unknown measure"):
        pairwise(pd.DataFrame(), "HR")
