"""kneestudy.meta.design_by_treatment and node_split against rma.mv with design terms.

Reference: tests/reference/meta_components.R. The common-effect between-design Q is a
closed form (1e-9); τ² of the full interaction model by the method of moments is closed
form (netmeta's tau.within formula, 1e-9 relative on the knee network; on Linde 1e-6
because R uses every published pair, rounded to 6 decimals, see test_components); REML is
iterative (1e-4 relative on τ², 1e-5 on the Wald statistic). Node splitting is closed
form given τ²: 1e-9 on the knee network, 1e-5 on Linde (rounded multi-arm estimates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from refdata import REFERENCE_DIR, load_reference
from test_components import NETWORKS

from kneestudy.meta import DesignByTreatmentResult, design_by_treatment, network, node_split
from kneestudy.meta.pairwise import pairwise

REF = load_reference("meta_components")
TOL = {"linde2016": 1e-6, "knee": 1e-9}
SPLIT_TOL = {"linde2016": 1e-5, "knee": 1e-9}


@pytest.mark.parametrize("name", list(NETWORKS))
@pytest.mark.parametrize("method_tau", ["DL", "REML"])
def test_design_by_treatment_matches_rma_mv(name, method_tau):
    ref = REF[name]
    d = design_by_treatment(NETWORKS[name](), nodes=ref["nodes"], method_tau=method_tau)
    exp = ref["design"]
    assert d.q_total == pytest.approx(exp["Q_total"], rel=1e-9)
    assert d.q_within == pytest.approx(exp["Q_within"], rel=1e-9)
    assert d.q_between == pytest.approx(exp["Q_between"], rel=1e-9)
    assert d.df_between == exp["df_between"] == exp["df_random_dl"]
    key = method_tau.lower()
    if method_tau == "DL":
        assert d.tau2_within == pytest.approx(exp["tau2_within_dl"], rel=TOL[name], abs=1e-12)
        assert d.q_random == pytest.approx(exp["Q_random_dl"], rel=TOL[name])
    else:
        assert d.tau2_within == pytest.approx(exp[f"tau2_within_{key}"], rel=1e-4, abs=1e-9)
        assert d.q_random == pytest.approx(exp[f"Q_random_{key}"], rel=1e-5)
    assert 0 < d.p_value < 1 and 0 < d.p_value_common < 1


@pytest.mark.parametrize("name", list(NETWORKS))
def test_node_split_matches_back_calculation(name):
    ref = REF[name]
    got = node_split(NETWORKS[name](), nodes=ref["nodes"])
    exp = pd.DataFrame(ref["netsplit_dl"])
    # R sorts node names in its locale; match pairs regardless of order
    flip = {(b, a): (a, b) for a, b in zip(exp["treat1"], exp["treat2"], strict=True)}
    key = [flip.get((a, b), (a, b)) for a, b in zip(got["treat1"], got["treat2"], strict=True)]
    sign = np.array([1.0 if (a, b) == k else -1.0 for (a, b), k in
                     zip(zip(got["treat1"], got["treat2"], strict=True), key, strict=True)])  # fmt: skip
    got.index = pd.MultiIndex.from_tuples(key)
    exp = exp.set_index(["treat1", "treat2"]).loc[got.index]
    tol = SPLIT_TOL[name]
    np.testing.assert_allclose(sign * got["direct"], exp["direct"], atol=tol)
    np.testing.assert_allclose(sign * got["network"], exp["network"], atol=tol)
    np.testing.assert_allclose(got["se_direct"], exp["se_direct"], atol=tol)
    np.testing.assert_allclose(got["prop_direct"], exp["prop_direct"], atol=tol)
    mixed = exp["indirect"].notna()
    assert (got["indirect"].notna() == mixed).all()
    np.testing.assert_allclose(sign[mixed] * got.loc[mixed, "indirect"], exp.loc[mixed, "indirect"],
                               atol=tol)  # fmt: skip
    np.testing.assert_allclose(got.loc[mixed, "p_value"], exp.loc[mixed, "p_value"], atol=tol * 10)


@pytest.mark.parametrize(
    ("arms", "measure", "ref"),
    [("senn2013", "MD", "placebo"), ("hasselblad1998", "logOR", "no_contact")],
)
def test_common_effect_test_is_the_krahn_decomposition(arms, measure, ref):
    c = pairwise(pd.read_csv(REFERENCE_DIR / "data" / f"network_{arms}_arms.csv"), measure)
    net = network(c, reference=ref)
    d = design_by_treatment(c)
    assert d.q_between == pytest.approx(net.q_between, rel=1e-10)
    assert d.df_between == net.df_between
    assert d.q_within == pytest.approx(net.q_within, rel=1e-10)
    split = node_split(c).set_index("comparison")
    exp = net.split.set_index("comparison")
    for col in ("direct", "indirect", "network", "p_value"):
        np.testing.assert_allclose(split[col], exp.loc[split.index, col], atol=1e-10)


def _rows(*rows):
    return pd.DataFrame(
        [dict(study_id=s, treatment=t, comparator=c, estimate=e, se=se) for s, t, c, e, se in rows]
    )


def test_a_single_loop_worked_by_hand():
    """Three two-arm trials a–c, b–c, b–a: the loop's inconsistency is
    (b−c) − (a−c) − (b−a) = −2 + 1 + 0.8 = −0.2 with variance 0.25 + 0.25 + 0.36 = 0.86,
    so Q_between = 0.04 / 0.86 on 1 df; no design has two studies, so τ² within designs is
    0 and the random-effects statistic equals it."""
    data = _rows(("s1", "a", "c", -1.0, 0.5), ("s2", "b", "c", -2.0, 0.5),
                 ("s3", "b", "a", -0.8, 0.6))  # fmt: skip
    d = design_by_treatment(data)
    assert isinstance(d, DesignByTreatmentResult)
    assert d.q_between == pytest.approx(0.04 / 0.86)
    assert d.df_between == 1 and d.df_within == 0
    assert d.tau2_within == 0.0 and d.q_random == pytest.approx(d.q_between)
    assert d.assessable and "Design-by-treatment" in d._repr_html_()


def test_no_loop_is_not_assessable():
    """A star (a–c, b–c, each twice) has no closed loop: nothing to test between designs."""
    data = _rows(("s1", "a", "c", -1.0, 0.5), ("s2", "a", "c", -0.5, 0.5),
                 ("s3", "b", "c", -2.0, 0.5), ("s4", "b", "c", -1.2, 0.6))  # fmt: skip
    d = design_by_treatment(data)
    assert d.df_between == 0 and not d.assessable
    assert np.isnan(d.p_value) and np.isnan(d.p_value_common)
    assert "not assessable" in d.notes[0]
    assert list(d.designs["design"]) == ["a:c", "b:c"]
    assert (d.designs["df_within"] == 1).all()
    split = node_split(data)
    assert split["indirect"].isna().all()  # all evidence is direct


def test_arms_sharing_a_node_inform_heterogeneity_not_inconsistency():
    """With sham+q and q on one node, their contrast is a zero row in both models: it adds
    to Q within designs only, so the between-design Q is that of the network without it."""
    loop = _rows(("s1", "a", "q", -1.0, 0.5), ("s2", "b", "q", -2.0, 0.5),
                 ("s3", "b", "a", -0.8, 0.6))  # fmt: skip
    extra = _rows(("s4", "sham+q", "q", 0.5, 0.4))
    nodes = {"a": "a", "b": "b", "q": "q", "sham+q": "q"}
    d0 = design_by_treatment(loop)
    d1 = design_by_treatment(pd.concat([loop, extra], ignore_index=True), nodes=nodes)
    assert d1.q_between == pytest.approx(d0.q_between)
    assert d1.q_within == pytest.approx(0.5**2 / 0.16)
