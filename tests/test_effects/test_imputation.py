"""Reference-based imputation against R (tests/reference/effects_imputation.R).

- Conditional-mean imputation: the matrix algebra on nlme::gls output, the
  end-to-end estimate and the jackknife SE (MAR, J2R, CR, CIR).
- Delta-adjusted MI against mice (norm, monotone, m = 1000, post-processing
  shift), within Monte Carlo error.
- MAR MI against the MMRM, within Monte Carlo error.
"""

from __future__ import annotations

import numpy as np
import pytest
from refdata import load_reference

import kneestudy as ks
from kneestudy.effects.imputation import impute, pooled_table, rubin
from kneestudy.effects.imputation_model import MIModel, prepare, strategy_means
from kneestudy.effects.tipping import tipping_from
from kneestudy.errors import AnalysisError
from test_effects._cohorts import imputation_cohort

REF = load_reference("effects_imputation")
METHODS = ["MAR", "J2R", "CR", "CIR"]


@pytest.fixture(scope="module")
def ice():
    return imputation_cohort("imputation_ice")


@pytest.fixture(scope="module")
def monotone():
    return imputation_cohort("imputation_monotone")


# --- conditional mean: the algebra on R's own gls estimates ---------------------


@pytest.mark.parametrize("method", METHODS)
def test_conditional_means_on_gls_output_match_r(ice, method):
    r = REF["condmean"][method]
    d = prepare(ice, "pain", 12, method)
    assert list(d.ids) == REF["condmean"]["ids"] and d.levels == REF["condmean"]["levels"]
    B, S = np.array(r["B"]), np.array(r["Sigma"])
    # the strategy means and conditional means: the same closed forms, rounding only
    np.testing.assert_allclose(
        strategy_means(d, B)[:, d.week_index], r["strategy_means_jw"], rtol=1e-12, atol=1e-12
    )
    rows, mu, _ = MIModel(d).at_week(B, S)
    y = d.Y[:, d.week_index].copy()
    y[rows] = mu
    np.testing.assert_allclose(y, np.array(r["completed"], float), rtol=1e-12, atol=1e-12)
    Z = d.Z
    est = np.linalg.lstsq(Z, y, rcond=None)[0][1 : len(d.levels)]
    np.testing.assert_allclose(est, r["estimate"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_conditional_mean_estimate_matches_r(ice, method):
    r = REF["condmean"][method]
    res = ks.effects.conditional_mean_imputation(ice, week=12, method=method)
    # Both REML fits are iterative: gls (optim BFGS, reltol 1e-14) ends within
    # 1e-9 of our optimum on the log-likelihood (ours is never lower); the
    # estimates then agree to about 1e-7, checked at 1e-6.
    np.testing.assert_allclose(res.table["estimate"], r["estimate"], atol=1e-6)
    d = prepare(ice, "pain", 12, method)
    model = MIModel(d)
    np.testing.assert_allclose(model.Sigma, r["Sigma"], rtol=1e-5)
    N, P = int(d.fit.sum()), model.P
    loglik = -0.5 * (model.fit.f + (N - P) * np.log(2 * np.pi))
    assert loglik == pytest.approx(r["loglik"], abs=1e-7)
    assert loglik >= r["loglik"] - 1e-9
    assert res.variance.startswith("jackknife") and res.m == 0 and res.seed is None


@pytest.mark.parametrize("method", ["J2R", "CIR"])
def test_jackknife_se_matches_r(ice, method):
    r = REF["condmean"][method]
    res = ks.effects.conditional_mean_imputation(ice, week=12, method=method)
    # n refits on each side, each to its REML optimum (see above): 1e-5 relative
    np.testing.assert_allclose(res.table["se"], r["se"], rtol=1e-5)
    z = 1.959963984540054
    np.testing.assert_allclose(res.table["ci_high"] - res.table["estimate"], z * res.table["se"])
    assert np.isinf(res.df)


def test_values_seen_after_withdrawal_are_left_out_of_the_fit_and_kept(ice):
    d = prepare(ice, "pain", 12, "J2R")
    post = np.arange(d.V)[None, :] >= d.ice[:, None]
    seen_after = d.obs & post
    assert seen_after.any(axis=1).sum() == 4  # four were still seen at week 12 after withdrawing
    kept = d.obs & ~d.fit  # those of the treated arms are out of the fit (J2R applies)...
    assert kept.sum() == 2 and (d.arm[kept.any(axis=1)] != d.ref).all()
    assert not np.isnan(d.Y[kept]).any()  # ...and kept for the analysis
    comp = seen_after & (d.arm == d.ref)[:, None]
    assert comp.sum() == 2 and d.fit[comp].all()  # the reference arm's stay in (MAR)
    assert any("observed after withdrawal" in n for n in d.notes)
    assert d.n_excluded == 2  # two missing baselines
    # under MAR every observed value is used
    assert (prepare(ice, "pain", 12, "MAR").fit == d.obs).all()


# --- the strategies on a hand-made example -----------------------------------


def test_strategy_means_by_hand(ice):
    d = prepare(ice, "pain", 12, "J2R")
    V, q = d.V, d.Z.shape[1]
    B = np.zeros((q, V))
    B[0] = [1.0, 2.0, 3.0, 4.0]  # reference (comparator) means, baseline slope 0
    B[1] = [-1.0, -2.0, -3.0, -4.0]  # first treatment arm: growing benefit
    i = int(np.flatnonzero((d.arm == 1) & (d.ice == 2))[0])  # withdrew after 2 visits
    own, ref = np.array([0.0, 0.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0, 4.0])
    for method, expect in {
        "MAR": own,
        "J2R": [0.0, 0.0, 3.0, 4.0],
        "CR": ref,
        "CIR": [0.0, 0.0, 0.0 + 3.0 - 2.0, 0.0 + 4.0 - 2.0],
    }.items():
        d.strategy[i] = method
        np.testing.assert_allclose(strategy_means(d, B)[i], expect)
    d.ice[i], d.strategy[i] = 0, "CIR"  # withdrew before the first visit: CIR = reference
    np.testing.assert_allclose(strategy_means(d, B)[i], ref)
    comp = int(np.flatnonzero((d.arm == 0) & (d.ice < V))[0])
    assert d.strategy[comp] == "MAR"  # the reference arm is its own reference


def test_strategies_by_withdrawal_reason(ice):
    d = prepare(ice, "pain", 12, "J2R", strategies={"moved away": "MAR"})
    reason = ice.participants.set_index("participant_id").loc[d.ids, "withdrawal_reason"]
    moved = (reason == "moved away").to_numpy()
    assert moved.any() and (d.strategy[moved] == "MAR").all()
    other = (d.ice < d.V) & (d.arm != d.ref) & ~moved
    assert (d.strategy[other] == "J2R").all()
    a = ks.effects.conditional_mean_imputation(ice, week=12, method="J2R")
    b = ks.effects.conditional_mean_imputation(
        ice, week=12, method="J2R", strategies={"moved away": "MAR"}
    )
    assert a.estimate != b.estimate
    with pytest.raises(AnalysisError, match="unknown strategies"):
        prepare(ice, "pain", 12, "J2R", strategies={"moved away": "LOCF"})
    with pytest.raises(AnalysisError, match="need a 'why' column"):
        prepare(ice, "pain", 12, "J2R", strategies={"x": "MAR"}, reason_column="why")


# --- multiple imputation -------------------------------------------------------


@pytest.fixture(scope="module")
def mono_mi(monotone):
    """MAR imputations of the monotone data set, m as in the mice reference."""
    return impute(monotone, "pain", 12, "MAR", REF["mice"]["m"], 20260503, thin=5)


@pytest.fixture(scope="module")
def tipping_mono(mono_mi):
    d, rows, values, seed = mono_mi
    return tipping_from(d, rows, values, "pain", "MAR", "bayes", seed, deltas=REF["mice"]["deltas"])


def test_delta_adjusted_mi_matches_mice_within_monte_carlo_error(tipping_mono, mono_mi):
    r = REF["mice"]
    t = tipping_mono.table
    mc_r = np.sqrt(np.asarray(r["b"]) / r["m"])  # MC SE of mice's pooled estimate
    assert tipping_mono.n_shifted == r["n_missing_treatment"]
    # MC SE of ours: sqrt(B/m) of the undisturbed analysis (the shift leaves B alone)
    mc = pooled_table(*mono_mi[:3], 0.95)["mc_se"].iloc[0]
    combined = np.sqrt(mc_r**2 + mc**2)
    # independent Monte Carlo draws (seeded): |difference| < 4 combined MC SE
    assert (np.abs(t["estimate"].to_numpy() - r["estimate"]) < 4 * combined).all()
    # Rubin's total variance: the between part has MC relative error sqrt(2/(m-1))
    # (4.5%) and is 8% of T here, so SEs agree to well under 1%; checked at 1%.
    np.testing.assert_allclose(t["se"], r["se"], rtol=0.01)
    np.testing.assert_allclose(t["df"], r["df"], rtol=0.05)
    # exactly linear in delta: the same imputations are shifted
    slope = np.diff(t["estimate"]) / np.diff(t["delta"])
    np.testing.assert_allclose(slope, slope[0], rtol=1e-9)
    np.testing.assert_allclose(np.diff(r["estimate"]) / np.diff(r["deltas"]), slope[0], rtol=0.05)


def test_tipping_point_is_where_the_interval_reaches_zero(tipping_mono, mono_mi):
    tp = tipping_mono
    assert tp.conclusion_at_zero == "benefit" and tp.m == REF["mice"]["m"]
    assert 2.0 < tp.tipping_delta < 3.0  # mice: significant at 2, not at 3
    t = tp.table
    assert list(t["conclusion"]) == ["benefit"] * 5 + ["inconclusive"]
    d, rows, values, seed = mono_mi
    at = tipping_from(d, rows, values, "pain", "MAR", "bayes", seed, deltas=[tp.tipping_delta])
    assert at.table["ci_high"].iloc[0] == pytest.approx(0.0, abs=1e-8)
    assert "lower is better" in tp.direction and "delta > 0" in tp.direction


def test_mar_mi_agrees_with_mmrm_within_monte_carlo_error(monotone):
    mi = ks.effects.multiple_imputation(monotone, week=12, m=500, seed=3, thin=5)
    mm = ks.effects.mmrm(monotone).at_week(12)
    # Both estimate the same MAR effect; besides MC error (sqrt(B/m)) they differ by
    # the posterior mean vs REML estimate, O(1/n): allow 4 MC SE + 0.005 points.
    assert abs(mi.estimate - mm.estimate) < 4 * mi.mc_se + 0.005
    assert mi.se == pytest.approx(mm.se, rel=0.03)
    assert 0 < mi.fmi < 0.5 and mi.n_missing_treatment == 20


def test_approximate_bayes_agrees_with_bayes(monotone):
    a = ks.effects.multiple_imputation(monotone, week=12, method="J2R", m=200, seed=1, thin=5)
    b = ks.effects.multiple_imputation(
        monotone, week=12, method="J2R", m=200, seed=2, approach="approxbayes"
    )
    assert b.approach == "approxbayes"
    assert abs(a.estimate - b.estimate) < 4 * np.hypot(a.mc_se, b.mc_se) + 0.01
    assert b.se == pytest.approx(a.se, rel=0.05)


def test_reference_based_moves_towards_the_reference(ice):
    res = {
        m: ks.effects.multiple_imputation(ice, week=12, method=m, m=100, seed=5, thin=5)
        for m in ("MAR", "J2R")
    }
    # J2R takes the benefit away from those who withdrew from the treated arms
    assert res["J2R"].estimate > res["MAR"].estimate
    t = res["J2R"].table
    assert list(t["treatment"]) == REF["condmean"]["levels"][1:]
    assert res["J2R"].treatment == t["treatment"].iloc[0]
    other = ks.effects.multiple_imputation(
        ice, week=12, method="J2R", m=100, seed=5, thin=5, treatment=t["treatment"].iloc[1]
    )
    assert other.estimate == t["estimate"].iloc[1]
    assert "every treatment arm" in " ".join(res["J2R"].notes)
    assert res["J2R"].n_withdrawn_treatment > 0


def test_same_seed_same_numbers(ice):
    a = ks.effects.multiple_imputation(ice, week=12, method="CIR", m=10, seed=7)
    b = ks.effects.multiple_imputation(ice, week=12, method="CIR", m=10, seed=7)
    c = ks.effects.multiple_imputation(ice, week=12, method="CIR", m=10, seed=8)
    assert a.to_frame().equals(b.to_frame()) and a.estimate != c.estimate
    d = ks.effects.multiple_imputation(ice, week=12, method="CIR", m=10, seed=None)
    e = ks.effects.multiple_imputation(ice, week=12, method="CIR", m=10, seed=d.seed)
    assert d.estimate == e.estimate


def test_rubin_rules_by_hand():
    est, var = np.array([1.0, 1.2, 0.9, 1.1]), np.array([0.04, 0.05, 0.045, 0.05])
    r = rubin(est, var, df_com=50)
    b, u = est.var(ddof=1), var.mean()
    t = u + 1.25 * b
    lam = 1.25 * b / t
    old = 3 / lam**2
    obs = 51 / 53 * 50 * (1 - lam)
    assert r["se"] == pytest.approx(np.sqrt(t), rel=1e-14)
    assert r["df"] == pytest.approx(old * obs / (old + obs), rel=1e-14)
    assert r["mc_se"] == pytest.approx(np.sqrt(b / 4), rel=1e-14)


def test_bad_input(ice, two_arm):
    with pytest.raises(AnalysisError, match="unknown method"):
        ks.effects.multiple_imputation(ice, method="LOCF")
    with pytest.raises(AnalysisError, match="m must be"):
        ks.effects.multiple_imputation(ice, m=1)
    with pytest.raises(AnalysisError, match="approach must be"):
        ks.effects.multiple_imputation(ice, approach="mcmc")
    with pytest.raises(AnalysisError, match="unknown reference arm"):
        ks.effects.multiple_imputation(ice, method="J2R", reference="sham")
    with pytest.raises(AnalysisError, match="not a visit"):
        ks.effects.conditional_mean_imputation(ice, week=10)
    with pytest.raises(AnalysisError, match="unknown treatment"):
        ks.effects.multiple_imputation(ice, m=2, treatment="usual_care")
    # without withdrawals every strategy is MAR: J2R = MAR exactly (conditional mean)
    a = ks.effects.conditional_mean_imputation(two_arm, week=12, method="J2R")
    b = ks.effects.conditional_mean_imputation(two_arm, week=12, method="MAR")
    assert a.estimate == b.estimate and a.n_missing_treatment == 0
    # nothing missing: the complete-case ANCOVA itself
    assert a.estimate == pytest.approx(ks.effects.ancova(two_arm, week=12).estimate, rel=1e-12)


def test_public_tipping_point_and_its_defaults(ice):
    tp = ks.effects.tipping_point(ice, week=12, m=20, seed=2, thin=5)
    assert tp.table["delta"].iloc[0] == 0 and len(tp.table) == 13
    assert tp.estimate_at_zero == tp.table["estimate"].iloc[0]
    # inconclusive at 0: the search runs towards better outcomes of the treated (delta < 0)
    assert tp.conclusion_at_zero == "inconclusive" and (tp.table["delta"] <= 0).all()
    assert -1.0 < tp.tipping_delta < 0  # half a point better would be needed to claim benefit
    assert tp.table["conclusion"].iloc[-1] == "benefit"
    assert tp.to_frame().equals(tp.table)
    with pytest.raises(AnalysisError, match="unknown treatment"):
        ks.effects.tipping_point(ice, week=12, m=2, treatment="usual_care")


def test_several_strategies_share_one_fit_and_give_the_same_numbers(ice, monkeypatch):
    """Values seen after withdrawal make the reference-based fits differ from MAR's: two fits,
    and every number equal to the strategy's own call."""
    from kneestudy.effects import imputation
    from kneestudy.effects.imputation import conditional_mean_imputations

    built = []

    class Counted(MIModel):
        def __init__(self, d):
            built.append(d.strategy.copy())
            super().__init__(d)

    monkeypatch.setattr(imputation, "MIModel", Counted)
    many = conditional_mean_imputations(ice, week=12)
    monkeypatch.undo()
    assert len(built) == 2  # MAR's fit, and one shared by J2R, CR and CIR
    assert list(many) == ["MAR", "J2R", "CR", "CIR"]
    for method, res in many.items():
        one = ks.effects.conditional_mean_imputation(ice, week=12, method=method)
        assert res.table.equals(one.table), method
        assert (res.method, res.variance) == (method, one.variance)


def test_a_strategy_that_cannot_be_done_is_returned_as_its_error(ice):
    from kneestudy.effects.imputation import conditional_mean_imputations

    out = conditional_mean_imputations(ice, week=12, methods=("J2R", "LOCF"))
    assert isinstance(out["LOCF"], AnalysisError) and "unknown method" in str(out["LOCF"])
    assert out["J2R"].method == "J2R"
