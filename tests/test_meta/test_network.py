"""kneestudy.meta.network against metafor rma.mv and netmeta's formulas.

Reference: tests/reference/network_nma.R (see its header for how netmeta's
numbers are reproduced). Tolerances: closed forms (common effect, DL tau²,
fixed-tau² random effects, P-scores, node splitting) agree to rounding error,
so 1e-8 relative; REML is iterative (metafor's nlminb with rel.tol = 1e-10 on
the likelihood, ours Brent with xatol = 1e-12 on tau²), so tau² to 1e-4
relative and estimates to 1e-6 absolute.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from refdata import REFERENCE_DIR, load_reference

from kneestudy.errors import AnalysisError
from kneestudy.meta import NetworkResult
from kneestudy.meta.network import network as network_fn
from kneestudy.meta.pairwise import pairwise

REF = load_reference("network_nma")
CASES = {"senn2013": ("MD", "placebo"), "hasselblad1998": ("logOR", "no_contact")}
CLOSED = 1e-8


def _contrasts(name: str) -> pd.DataFrame:
    arms = pd.read_csv(REFERENCE_DIR / "data" / f"network_{name}_arms.csv")
    return pairwise(arms, CASES[name][0])


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    name = request.param
    c = _contrasts(name)
    ref = CASES[name][1]
    fits = {
        "common": network_fn(c, reference=ref, random=False),
        "dl": network_fn(c, reference=ref, random=True, method_tau="DL"),
        "reml": network_fn(c, reference=ref, random=True, method_tau="REML"),
    }
    return name, REF[name], fits


def _by(records, key="treatment"):
    return pd.DataFrame(records).set_index(key)


@pytest.mark.parametrize("model", ["common", "dl"])
def test_effects_match_rma_mv(case, model):
    _, ref, fits = case
    got = fits[model].effects.set_index("treatment")
    exp = _by(ref[model]["effects"]).loc[got.index]
    for col in ("estimate", "se", "ci_low", "ci_high"):
        np.testing.assert_allclose(got[col], exp[col], rtol=CLOSED, atol=1e-12)
    if model == "dl":
        np.testing.assert_allclose(got["pi_low"], exp["pi_low"], rtol=CLOSED)
        np.testing.assert_allclose(got["pi_high"], exp["pi_high"], rtol=CLOSED)


def test_heterogeneity_matches(case):
    name, ref, fits = case
    res = fits["dl"]
    assert res.q == pytest.approx(ref["common"]["Q"], rel=CLOSED)
    assert res.df_q == ref["common"]["df"]
    assert res.tau2 == pytest.approx(ref["dl"]["tau2"], rel=CLOSED)
    assert res.i2 == pytest.approx(ref["dl"]["I2"], rel=CLOSED)
    dec = ref["decomp"]
    assert res.q_within == pytest.approx(dec["Q_within"], rel=CLOSED)
    assert res.df_within == dec["df_within"]
    assert res.q_between == pytest.approx(dec["Q_between"], rel=CLOSED)
    if name == "senn2013":
        # Figures recalled from netmeta's help page for Senn2013 (Q = 96.99 on 18 df,
        # tau² = 0.1087, I² = 81.4%); not checked against the page here. The binding
        # references are the R values asserted above; this only guards the print scale.
        assert res.q == pytest.approx(96.99, abs=0.01)
        assert res.tau2 == pytest.approx(0.1087, abs=1e-4)
        assert res.i2 == pytest.approx(81.4, abs=0.05)


def test_reml_matches_rma_mv(case):
    _, ref, fits = case
    res = fits["reml"]
    assert res.tau2 == pytest.approx(ref["reml"]["tau2"], rel=1e-4)
    got = res.effects.set_index("treatment")
    exp = _by(ref["reml"]["effects"]).loc[got.index]
    np.testing.assert_allclose(got["estimate"], exp["estimate"], atol=1e-6)
    np.testing.assert_allclose(got["se"], exp["se"], rtol=1e-5)


@pytest.mark.parametrize("model", ["common", "dl"])
def test_league_and_pscores(case, model):
    _, ref, fits = case
    res = fits[model]
    got = res.league.set_index(["treatment", "comparator"])
    exp = pd.DataFrame(ref[model]["league"]).set_index(["treatment", "comparator"])
    exp = exp.loc[got.index]
    np.testing.assert_allclose(got["estimate"], exp["estimate"], rtol=CLOSED, atol=1e-12)
    np.testing.assert_allclose(got["se"], exp["se"], rtol=CLOSED)
    # the R reference ranks larger = better
    ps = network_fn(
        _contrasts(case[0]),
        reference=res.reference,
        random=res.random,
        small_values="undesirable",
    ).pscores.set_index("treatment")
    exp_ps = _by(ref[model]["pscores"]).loc[ps.index]
    np.testing.assert_allclose(ps["p_score"], exp_ps["pscore"], rtol=CLOSED)
    # small values desirable flips the P-scores
    np.testing.assert_allclose(
        res.pscores.set_index("treatment")["p_score"], 1 - exp_ps["pscore"], rtol=1e-8
    )
    # SUCRA is the simulated counterpart of the P-score (Monte Carlo error ~0.005)
    np.testing.assert_allclose(res.pscores["sucra"], res.pscores["p_score"], atol=0.02)


@pytest.mark.parametrize(("model", "key"), [("common", "netsplit_common"), ("dl", "netsplit_dl")])
def test_netsplit_back_calculation(case, model, key):
    _, ref, fits = case
    got = fits[model].split.set_index(["treat1", "treat2"])
    exp = pd.DataFrame(ref[key]).set_index(["treat1", "treat2"]).loc[got.index]
    np.testing.assert_allclose(got["direct"], exp["direct"], rtol=CLOSED, atol=1e-12)
    np.testing.assert_allclose(got["se_direct"], exp["se_direct"], rtol=CLOSED)
    np.testing.assert_allclose(got["prop_direct"], exp["prop_direct"], rtol=1e-7)
    mask = exp["indirect"].notna().to_numpy()
    np.testing.assert_allclose(
        got["indirect"].to_numpy()[mask], exp["indirect"].to_numpy()[mask], rtol=1e-6, atol=1e-9
    )
    np.testing.assert_allclose(
        got["p_value"].to_numpy()[mask], exp["p_value"].to_numpy()[mask], rtol=1e-6, atol=1e-10
    )


def test_result_object(case):
    _, _, fits = case
    res = fits["dl"]
    assert isinstance(res, NetworkResult)
    frame = res.to_frame()
    assert {"estimate", "pi_low", "p_score", "rank"} <= set(frame.columns)
    assert "Network meta-analysis" in res._repr_html_()
    assert len(res.edges) > 0 and set(res.nodes["treatment"]) == set(res.treatments)
    assert res.league_table().shape == (res.n_treatments, res.n_treatments)
    assert len(res.league) == res.n_treatments * (res.n_treatments - 1)


def test_lazy_names_call_the_functions():
    import kneestudy.meta as meta

    res = meta.network(_toy(), reference="c", random=False)
    assert isinstance(res, NetworkResult)


def test_graph_counts():
    c = _contrasts("senn2013")
    res = network_fn(c, reference="placebo")
    nodes = res.nodes.set_index("treatment")
    arms = pd.read_csv(REFERENCE_DIR / "data" / "network_senn2013_arms.csv")
    expected = arms.groupby("treatment")["n"].sum()
    np.testing.assert_allclose(nodes.loc[expected.index, "n_participants"], expected)
    np.testing.assert_array_equal(
        nodes.loc[expected.index, "n_studies"], arms.groupby("treatment").size()
    )


def _toy(**extra):
    c = pd.DataFrame(
        {
            "study_id": ["s1", "s2", "s3", "s4"],
            "treatment": ["a", "b", "b", "a"],
            "comparator": ["c", "c", "a", "c"],
            "estimate": [-1.0, -2.0, -0.8, -1.3],
            "se": [0.5, 0.5, 0.6, 0.4],
        }
    )
    for k, v in extra.items():
        c[k] = v
    return c


def test_disconnected_network_names_parts():
    c = _toy()
    c.loc[len(c)] = ["s5", "x", "y", 0.1, 0.3]
    c.loc[len(c)] = ["s6", "x", "y", 0.2, 0.3]
    with pytest.raises(AnalysisError, match=r"not connected.*\{a, b, c\}; \{x, y\}"):
        network_fn(c, reference="c")


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("se", [0.5, 0.0, 0.6, 0.4], "positive"),
        ("se", [0.5, -1.0, 0.6, 0.4], "positive"),
        ("estimate", [np.nan, -2.0, -0.8, -1.3], "non-finite"),
        ("comparator", ["c", "b", "a", "c"], "itself"),
    ],
)
def test_bad_input(field, value, match):
    with pytest.raises(AnalysisError, match=match):
        network_fn(_toy(**{field: value}), reference="c")


def test_reference_not_in_network():
    with pytest.raises(AnalysisError, match="reference 'zz' is not in the network"):
        network_fn(_toy(), reference="zz")


def test_duplicated_comparison_within_study():
    c = _toy()
    c.loc[len(c)] = ["s1", "c", "a", 1.0, 0.5]
    with pytest.raises(AnalysisError, match="duplicated comparisons"):
        network_fn(c, reference="c")


def test_single_study_warns():
    c = _toy().iloc[:1]
    with pytest.warns(UserWarning, match="single study"):
        res = network_fn(c, reference="c")
    assert res.effects["estimate"].iloc[0] == pytest.approx(-1.0)


def test_multi_arm_against_common_arm_is_completed():
    """k − 1 contrasts vs a shared arm give the same fit as all pairs (MD, equal SDs)."""
    arms = pd.read_csv(REFERENCE_DIR / "data" / "network_senn2013_arms.csv")
    full = pairwise(arms, "MD")
    willms = full["study"] == "Willms (1999)"
    # keep Willms' two contrasts against placebo only; variances split by 1/n
    star = full[~willms | (full["treat2"] == "placebo")]
    res = network_fn(star, reference="placebo", random=False)
    assert res.notes and "derived" in res.notes[0]
    ref = network_fn(full, reference="placebo", random=False)
    # arm SDs differ, so the 1/n split is an approximation: close, not equal
    diff = (res.effects["estimate"] - ref.effects["estimate"]).abs().max()
    assert diff < 0.02


def test_inconsistent_multi_arm_rejected():
    arms = pd.read_csv(REFERENCE_DIR / "data" / "network_senn2013_arms.csv")
    c = pairwise(arms, "MD")
    c.loc[c.index[c["study"] == "Willms (1999)"][0], "estimate"] += 1.0
    with pytest.raises(AnalysisError, match="not consistent"):
        network_fn(c, reference="placebo")


def test_same_input_same_numbers():
    c = _contrasts("hasselblad1998")
    a = network_fn(c, reference="no_contact")
    b = network_fn(c.sample(frac=1.0, random_state=1), reference="no_contact")
    pd.testing.assert_frame_equal(a.pscores, b.pscores.loc[a.pscores.index])
    np.testing.assert_allclose(a.effects["estimate"], b.effects["estimate"], rtol=1e-10)
