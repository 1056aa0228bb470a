"""kneestudy.meta.component_network against metafor rma.mv and netcomb's formulas.

Reference: tests/reference/meta_components.R (its header says how netcomb's numbers are
reproduced). Networks: Linde et al. (2016) from metadat (the example of Rücker et al.
2020: 93 trials, 14 multi-arm, drug + psychotherapy combinations, placebo inactive) and a
hand-made runner's-knee network (three-arm trials, add-on arms, attention controls, a
standard network in two parts).

Tolerances:
- common effect, fixed-τ² random effects, Q and study weights are closed forms: 1e-9
  absolute on the knee network (rounding only). On Linde the published log odds ratios of
  multi-arm trials are rounded to 6 decimals, so A−B differs from (A−C)−(B−C) by up to
  1e-6; R's DL Q sums over every pair (netmeta's edge level), ours over the contrasts
  against each study's first arm, which moves τ²_DL by about 3e-7 relative: τ² to 1e-6
  relative and the DL estimates to 1e-7.
- REML is iterative (metafor's nlminb to rel.tol 1e-10, ours Brent to xatol 1e-12 on
  τ²): τ² to 1e-4 relative, estimates to 1e-6.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from refdata import REFERENCE_DIR, load_reference

from kneestudy.errors import AnalysisError
from kneestudy.meta import ComponentNetworkResult, component_network, network
from kneestudy.meta.pairwise import pairwise

REF = load_reference("meta_components")
CLOSED = 1e-9


def linde() -> pd.DataFrame:
    d = pd.read_csv(REFERENCE_DIR / "data" / "components_linde2016.csv")
    return pd.DataFrame(
        {"study_id": d["id"].astype(str), "treatment": d["treat1"], "comparator": d["treat2"],
         "estimate": d["lnOR"], "se": d["selnOR"]}
    )  # fmt: skip


def knee() -> pd.DataFrame:
    return pairwise(pd.read_csv(REFERENCE_DIR / "data" / "components_knee_arms.csv"), "MD")


NETWORKS = {"linde2016": linde, "knee": knee}
# (absolute tolerance of DL estimates, relative tolerance of DL tau²) per network, see above
DL_TOL = {"linde2016": (1e-7, 1e-6), "knee": (CLOSED, CLOSED)}


def _inactive(ref: dict) -> list[str]:
    return ref["inactive"] if isinstance(ref["inactive"], list) else [ref["inactive"]]


@pytest.fixture(scope="module", params=list(NETWORKS))
def case(request):
    name = request.param
    ref = REF[name]
    data = NETWORKS[name]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = {
            "common": component_network(data, inactive=_inactive(ref), random=False),
            "dl": component_network(data, inactive=_inactive(ref)),
            "reml": component_network(data, inactive=_inactive(ref), method_tau="REML"),
        }
    return name, ref, fits


def test_the_knee_data_match_rs_escalc():
    got = knee().set_index(["study", "treat1", "treat2"])
    exp = pd.DataFrame(REF["knee_pairwise"]).set_index(["study", "treat1", "treat2"])
    np.testing.assert_allclose(got.loc[exp.index, "TE"], exp["TE"], atol=1e-12)
    np.testing.assert_allclose(got.loc[exp.index, "seTE"], exp["seTE"], atol=1e-12)


@pytest.mark.parametrize("model", ["common", "dl", "reml"])
def test_components_match_rma_mv(case, model):
    name, ref, fits = case
    got = fits[model].components.set_index("component")
    exp = pd.DataFrame(ref[model]).set_index("name").loc[got.index]
    atol = {"common": CLOSED, "dl": DL_TOL[name][0], "reml": 1e-6}[model]
    cols = ["estimate", "se", "ci_low", "ci_high", "p_value"]
    if model != "common":
        cols += ["pi_low", "pi_high"]
    for col in cols:
        np.testing.assert_allclose(got[col], exp[col], atol=atol, err_msg=f"{name} {model} {col}")
    assert got["estimable"].all()


def test_heterogeneity_and_additivity_match(case):
    name, ref, fits = case
    dl, reml = fits["dl"], fits["reml"]
    assert dl.tau2 == pytest.approx(ref["tau2_dl"], rel=DL_TOL[name][1])
    assert reml.tau2 == pytest.approx(ref["tau2_reml"], rel=1e-4, abs=1e-10)
    a = dl.additivity
    assert a.q_additive == pytest.approx(ref["Q_additive"], rel=CLOSED)
    assert a.df_additive == ref["df_additive"] == dl.df_q
    assert a.q_standard == pytest.approx(ref["Q_standard"], rel=CLOSED)
    assert a.df_standard == ref["df_standard"]
    assert a.q_diff == pytest.approx(ref["Q_diff"], rel=1e-7, abs=1e-9)
    assert a.df_diff == ref["df_diff"]
    assert a.p_value == pytest.approx(ref["p_diff"], rel=1e-7)
    assert dl.i2 == pytest.approx(max(0.0, (a.q_additive - a.df_additive) / a.q_additive) * 100)


def test_combinations_are_sums_of_components(case):
    name, ref, fits = case
    got = fits["dl"].combinations.set_index("treatment")
    exp = pd.DataFrame(ref["combinations_dl"]).set_index("name")
    atol = DL_TOL[name][0]
    np.testing.assert_allclose(got.loc[exp.index, "estimate"], exp["estimate"], atol=atol)
    np.testing.assert_allclose(got.loc[exp.index, "se"], exp["se"], atol=atol)
    # every observed treatment is listed; inactive ones are exactly zero
    assert set(got.index) == set(ref["treatments"])
    for t in _inactive(ref):
        if t in got.index:
            assert got.loc[t, "estimate"] == 0.0 and got.loc[t, "se"] == 0.0


def test_study_weights_match(case):
    name, ref, fits = case
    for comp, rows in ref["weights_dl"].items():
        exp = pd.DataFrame(rows).set_index("study")
        got = fits["dl"].study_weights(comp).set_index("study").loc[exp.index]
        np.testing.assert_allclose(got["weight"], exp["weight"], atol=1e-7)
        assert got["weight"].sum() == pytest.approx(1.0)
        assert (got["weight"] >= -1e-12).all()


def test_knee_network_is_disconnected_by_labels_but_not_by_components():
    res = component_network(knee(), inactive=_inactive(REF["knee"]))
    assert res.additivity.standard_parts == 2
    assert any("parts" in n for n in res.notes)
    # the brace is credited only with its add-on effect over physical therapy (study s04)
    w = res.study_weights("knee_brace").set_index("study")["weight"]
    assert w.loc["s04"] == pytest.approx(1.0)
    assert (w.drop("s04") == 0).all()


@pytest.mark.parametrize("method_tau", ["DL", "REML"])
@pytest.mark.parametrize(
    ("arms", "measure", "ref"),
    [("senn2013", "MD", "placebo"), ("hasselblad1998", "logOR", "no_contact")],
)
def test_every_treatment_its_own_component_is_the_standard_network(arms, measure, ref, method_tau):
    c = pairwise(pd.read_csv(REFERENCE_DIR / "data" / f"network_{arms}_arms.csv"), measure)
    net = network(c, reference=ref, method_tau=method_tau)
    trts = sorted(set(c["treatment"]) | set(c["comparator"]))
    cn = component_network(c, inactive=(ref,), components={t: (t,) for t in trts},
                           method_tau=method_tau)  # fmt: skip
    tol = 1e-12 if method_tau == "DL" else 1e-7  # REML: both iterate to 1e-12 on tau²
    assert cn.tau2 == pytest.approx(net.tau2, rel=tol * 100)
    assert cn.q == pytest.approx(net.q, rel=1e-12)
    assert cn.df_q == net.df_q
    e = net.effects.set_index("treatment")
    k = cn.components.set_index("component").loc[e.index]
    for col in ("estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "p_value"):
        np.testing.assert_allclose(k[col], e[col], atol=tol * 10, err_msg=col)
    assert cn.additivity.df_diff == 0 and cn.additivity.q_diff == 0.0


def _rows(*rows):
    return pd.DataFrame(
        [dict(study_id=s, treatment=t, comparator=c, estimate=e, se=se) for s, t, c, e, se in rows]
    )


def test_components_that_always_appear_together_are_not_estimable():
    """a and b are only ever given together (a+b vs placebo): neither has a number of its
    own, their sum has; c is identified by its own trial."""
    data = _rows(("s1", "a+b", "placebo", -1.0, 0.4), ("s2", "a+b", "placebo", -1.4, 0.5),
                 ("s3", "c", "placebo", -0.5, 0.3))  # fmt: skip
    res = component_network(data, random=False)
    comp = res.components.set_index("component")
    assert set(res.not_estimable) == {"a", "b"}
    assert comp.loc[["a", "b"], "estimate"].isna().all()
    assert not comp.loc[["a", "b"], "estimable"].any()
    assert comp.loc["c", "estimate"] == pytest.approx(-0.5)
    assert any("always appear together" in n and "a + b" in n for n in res.notes)
    # the sum is estimable: the inverse-variance pool of s1 and s2
    pooled = (-1.0 / 0.16 - 1.4 / 0.25) / (1 / 0.16 + 1 / 0.25)
    assert res.estimate_of(["a", "b"])["estimate"] == pytest.approx(pooled)
    comb = res.combinations.set_index("treatment")
    assert comb.loc["a+b", "estimate"] == pytest.approx(pooled)
    with pytest.raises(AnalysisError, match="not identified"):
        res.study_weights("a")


def test_components_connect_a_disconnected_network():
    """Labels fall into two parts ({a, placebo} and {a+b, b}), but both trials isolate a:
    a is the common-effect pool of -1.0 (se 0.4) and -0.6 (se 0.3); b cannot be estimated."""
    data = _rows(("s1", "a", "placebo", -1.0, 0.4), ("s2", "a+b", "b", -0.6, 0.3))
    res = component_network(data, random=False)
    a = res.components.set_index("component").loc["a"]
    w1, w2 = 1 / 0.16, 1 / 0.09
    assert a["estimate"] == pytest.approx((-1.0 * w1 - 0.6 * w2) / (w1 + w2))
    assert a["se"] == pytest.approx((w1 + w2) ** -0.5)
    assert res.not_estimable == ("b",)
    assert res.additivity.standard_parts == 2
    # a+b and b are not estimable against the reference, only their difference
    comb = res.combinations.set_index("treatment")
    assert comb.loc["b", "estimate"] != comb.loc["b", "estimate"]  # NaN
    assert res.estimate_of({"a": 1.0})["estimate"] == pytest.approx(a["estimate"])


def test_inactive_arms_inform_heterogeneity_only():
    """sham vs usual care (both inactive) has no component difference: it adds to Q and its
    degrees of freedom but does not move the estimate of a."""
    base = _rows(("s1", "a", "usual_care", -1.0, 0.4), ("s2", "a", "usual_care", -0.4, 0.3))
    more = pd.concat([base, _rows(("s3", "sham", "usual_care", 0.8, 0.5))], ignore_index=True)
    r1 = component_network(base, random=False)
    r2 = component_network(more, random=False)
    assert r2.components["estimate"].iloc[0] == pytest.approx(r1.components["estimate"].iloc[0])
    assert r2.df_q == r1.df_q + 1
    assert r2.q == pytest.approx(r1.q + 0.8**2 / 0.25)


def test_result_api_and_warnings():
    with pytest.warns(UserWarning, match="a network of a single study"):
        res = component_network(_rows(("s1", "a", "placebo", -1.0, 0.4)))
    assert isinstance(res, ComponentNetworkResult)
    assert np.isnan(res.components["pi_low"]).all()  # df < 2: no prediction interval
    assert "component" in res.to_frame().columns
    assert "Additive component" in res._repr_html_()
    assert res.to_dict()["additivity"]["df_diff"] == 0
    with pytest.raises(AnalysisError, match="every treatment is inactive"):
        component_network(_rows(("s1", "sham", "placebo", -1.0, 0.4)))
    with pytest.raises(AnalysisError, match="method_tau"):
        component_network(_rows(("s1", "a", "placebo", -1.0, 0.4)), method_tau="PM")
    with pytest.raises(AnalysisError, match="unknown component"):
        res.estimate_of({"zzz": 1})


def test_pscores_among_components():
    data = _rows(("s1", "a", "placebo", -1.0, 0.3), ("s2", "b", "placebo", -0.2, 0.3),
                 ("s3", "a", "b", -0.7, 0.4))  # fmt: skip
    res = component_network(data, random=False)
    ps = res.pscores().set_index("component")
    assert ps.loc["a", "rank"] == 1 and ps.loc["a", "p_score"] == pytest.approx(
        1 - ps.loc["b", "p_score"]
    )
    up = res.pscores(small_values="undesirable").set_index("component")
    assert up.loc["b", "rank"] == 1


def test_same_input_same_numbers():
    data = knee()
    a = component_network(data).components
    b = component_network(data.sample(frac=1.0, random_state=3)).components
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
