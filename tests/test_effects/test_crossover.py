"""Crossover analysis against nlme::lme, lme4::lmer and lmerTest (tests/reference/effects_crossover.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from refdata import load_reference
from scipy import stats

import kneestudy as ks
from kneestudy.errors import AnalysisError
from test_effects._cohorts import crossover_cohort

REF = load_reference("effects_crossover")
SETS = ["abba", "replicated", "williams"]
# REML optima on both sides: lme/lmer (tolerances 1e-12) and ours (gradient
# < 1e-8) agree to ~1e-8 relative on estimates and SEs: checked at 1e-6.
RTOL = 1e-6
# Satterthwaite df: lmerTest differentiates numerically (numDeriv); ~2e-8 here.
RTOL_DF = 1e-5


@pytest.fixture(scope="module")
def fits():
    return {k: ks.effects.crossover(crossover_cohort(f"crossover_{k}")) for k in SETS}


@pytest.mark.parametrize("key", SETS)
def test_mixed_model_matches_lme_and_lmer(fits, key):
    r, ref = fits[key], REF[key]
    k = len(r.table)
    for tool in ("lme", "lmer"):
        np.testing.assert_allclose(r.table["estimate"], ref[tool]["estimate"][-k:], rtol=RTOL)
        np.testing.assert_allclose(r.table["se"], ref[tool]["se"][-k:], rtol=RTOL)
    np.testing.assert_allclose(r.periods["estimate"], ref["lmer"]["estimate"][1:-k], rtol=RTOL)
    np.testing.assert_allclose(r.table["df"], ref["lmer"]["df"][-k:], rtol=RTOL_DF)
    np.testing.assert_allclose(r.periods["df"], ref["lmer"]["df"][1:-k], rtol=RTOL_DF)
    assert r.between_sd == pytest.approx(ref["lme"]["sd_person"], rel=RTOL)
    assert r.within_sd == pytest.approx(ref["lme"]["sd_within"], rel=RTOL)
    assert r.loglik == pytest.approx(ref["lmer"]["loglik"], abs=1e-8)
    assert r.reference == "knee_brace_lateral"
    t = r.table.iloc[0]
    assert (r.estimate, r.ci_low, r.ci_high) == (t["estimate"], t["ci_low"], t["ci_high"])


@pytest.mark.parametrize("key", SETS)
def test_carryover_test_matches_lmer(fits, key):
    r, ref = fits[key], REF[key]
    if key == "williams":  # two carry-over terms: Wald chi-square on both
        assert r.carryover_statistic == pytest.approx(ref["carryover_wald"], rel=RTOL)
        assert r.carryover_df == 2 and "chi-square" in r.carryover_test
    else:
        a = ref["carryover_anova"]
        assert r.carryover_statistic**2 == pytest.approx(a["F value"], rel=RTOL)
        assert r.carryover_df == pytest.approx(a["DenDF"], rel=RTOL_DF)
        assert r.carryover_p == pytest.approx(a["Pr(>F)"], rel=1e-5)


def test_abba_senn_and_grizzle_match_t_test(fits):
    r, s = fits["abba"], REF["abba"]["senn"]
    assert r.design == "AB/BA" and r.senn_n == s["n"] == 37  # three missed period 2
    for mine, theirs in [
        (r.senn_estimate, s["estimate"]),
        (r.senn_se, s["se"]),
        (r.senn_p, s["p"]),
        (r.grizzle_t, s["grizzle_t"]),
        (r.grizzle_p, s["grizzle_p"]),
    ]:
        assert mine == pytest.approx(theirs, rel=1e-10)  # closed forms
    assert r.senn_df == s["df"]
    # the mixed model also uses the three with one period: a different estimate
    assert r.estimate != pytest.approx(r.senn_estimate, abs=1e-3)


def test_complete_abba_model_equals_senn():
    c = crossover_cohort("crossover_abba")
    incomplete = c.visits.groupby("participant_id")["week"].count() < 3
    keep = set(incomplete.index[~incomplete])
    c = c.with_tables(
        participants=c.participants[c.participants["participant_id"].isin(keep)],
        visits=c.visits[c.visits["participant_id"].isin(keep)],
    )
    r = ks.effects.crossover(c)
    assert r.estimate == pytest.approx(r.senn_estimate, rel=1e-8)
    assert r.se == pytest.approx(r.senn_se, rel=1e-7)
    assert r.df == pytest.approx(r.senn_df, rel=1e-7)  # Satterthwaite = n - 2 here
    assert abs(r.carryover_statistic) == pytest.approx(abs(r.grizzle_t), rel=1e-7)
    # with complete data a baseline covariate leaves the within-person estimate alone
    assert ks.effects.crossover(c, baseline=True).estimate == pytest.approx(r.estimate, rel=1e-8)


def test_person_by_condition_sd_in_a_replicated_design(fits):
    r, s = fits["replicated"], REF["replicated"]["slopes"]
    assert r.effect_sd == pytest.approx(s["sd"], rel=1e-5)
    assert r.effect_sd_lr == pytest.approx(s["lr"], rel=1e-6)
    # 50:50 mixture of chi2(1) and chi2(2)
    from scipy import stats

    p = 0.5 * stats.chi2.sf(s["lr"], 1) + 0.5 * stats.chi2.sf(s["lr"], 2)
    assert r.effect_sd_p == pytest.approx(p, rel=1e-5)
    assert r.share_better == pytest.approx(stats.norm.cdf(-r.estimate / r.effect_sd))
    assert "assumption" in r.effect_sd_note


def test_person_by_condition_sd_not_estimable_without_replication(fits):
    for key in ("abba", "williams"):
        r = fits[key]
        assert np.isnan(r.effect_sd) and np.isnan(r.share_better)
        assert "replicated design" in r.effect_sd_note


def test_simulated_brace_crossover():
    c = ks.simulate.crossover(n=60, seed=4)
    r = ks.effects.crossover(c)
    assert r.design == "AB/BA" and r.n == 60 and r.n_within == 60
    assert r.condition == "knee_brace_medial" and r.reference == "knee_brace_lateral"
    # the simulated mean difference is nil; the period effect is the natural recovery
    # between the periods, which the period estimate covers (about 2 SE, t on its df)
    assert r.ci_low < 0 < r.ci_high
    per = r.periods.iloc[0]
    t = stats.t.ppf(0.975, per["df"])
    assert abs(per["estimate"] - c.truth["period_effect"]) < t * per["se"]


def test_bad_input(two_arm):
    with pytest.raises(AnalysisError, match="no 'condition' column"):
        ks.effects.crossover(two_arm)
    c = crossover_cohort("crossover_abba")
    with pytest.raises(AnalysisError, match="unknown reference condition"):
        ks.effects.crossover(c, reference="usual_care")
    v = c.visits.copy()
    v.loc[v["week"] > 0, "condition"] = "knee_brace_medial"
    with pytest.raises(AnalysisError, match="only one condition"):
        ks.effects.crossover(c.with_tables(visits=v))
    one = c.visits[~((c.visits["week"] == 4) & c.visits["participant_id"].notna())]
    with pytest.raises(AnalysisError, match="nobody was seen in two conditions"):
        ks.effects.crossover(c.with_tables(visits=pd.DataFrame(one)))
