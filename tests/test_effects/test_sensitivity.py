"""The sensitivity table: each row is the estimator it names, on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kneestudy as ks
from kneestudy.effects.sensitivity import COLUMNS
from kneestudy.errors import AnalysisError
from test_effects._cohorts import imputation_cohort


@pytest.fixture(scope="module")
def ice():
    return imputation_cohort("imputation_ice")


@pytest.fixture(scope="module")
def table(ice):
    return ks.effects.sensitivity_table(ice, week=12, m=20, seed=4, thin=5)


def test_rows_are_the_estimators_they_name(ice, table):
    t = table.table
    assert list(t.columns) == list(COLUMNS)
    arm = "glute_strengthening+quadriceps_strengthening"
    mine = t[t["treatment"] == arm].set_index("analysis")
    assert list(mine.index) == [
        "primary: MMRM", "complete cases: ANCOVA", "MI: MAR", "MI: J2R", "MI: CR", "MI: CIR",
        "tipping point (MI: MAR)", "responders: dropouts as non-responders",
        "responders: as observed",
    ]  # fmt: skip
    mm = ks.effects.mmrm(ice).at_week(12, arm)
    assert mine.loc["primary: MMRM", "estimate"] == mm.estimate
    cc = ks.effects.ancova(ice, "pain", 12, treatment=arm)
    assert mine.loc["complete cases: ANCOVA", "ci_low"] == cc.ci_low
    j2r = ks.effects.multiple_imputation(ice, week=12, method="J2R", m=20, seed=4, thin=5)
    assert mine.loc["MI: J2R", "estimate"] == j2r.estimate
    assert mine.loc["MI: J2R", "mc_se"] == j2r.mc_se
    mar = ks.effects.multiple_imputation(ice, week=12, m=20, seed=4, thin=5)
    assert mine.loc["MI: MAR", "estimate"] == mar.estimate
    tp = ks.effects.tipping_point(ice, week=12, m=20, seed=4, thin=5)
    assert mine.loc["tipping point (MI: MAR)", "estimate"] == tp.tipping_delta
    assert table.tipping[arm].tipping_delta == tp.tipping_delta
    nr = ks.effects.responders(ice, "pain", 12, treatment=arm, missing="non_responder")
    assert mine.loc["responders: dropouts as non-responders", "estimate"] == nr.rr
    assert mine.loc["responders: as observed", "n"] < nr.n_treatment + nr.n_comparator
    assert set(t["treatment"]) == {arm, "quadriceps_strengthening"}
    assert (mine["measure"] == ["MD"] * 6 + ["delta", "RR", "RR"]).all()


def test_an_analysis_that_cannot_run_says_why(ice):
    v = ice.visits.copy()
    v["akps"] = np.nan
    v.loc[v["week"] == 0, "akps"] = 70.0  # AKPS only at baseline: nothing to analyse
    s = ks.effects.sensitivity_table(ice.with_tables(visits=v), outcome="akps", week=12, m=5,
                                     seed=1, methods=("MAR",))  # fmt: skip
    assert s.table["estimate"].isna().all()
    assert s.table["note"].str.startswith("not done: ").all()
    assert "<table" in s._repr_html_()


def test_conditional_mean_rows_are_the_jackknife_estimator(ice):
    s = ks.effects.sensitivity_table(ice, week=12, m=20, seed=4, thin=5, approach="condmean")
    t = s.table
    arm = "glute_strengthening+quadriceps_strengthening"
    mine = t[t["treatment"] == arm].set_index("analysis")
    assert list(mine.index) == [
        "primary: MMRM", "complete cases: ANCOVA", "conditional mean: MAR",
        "conditional mean: J2R", "conditional mean: CR", "conditional mean: CIR",
        "tipping point (MI: MAR)", "responders: dropouts as non-responders",
        "responders: as observed",
    ]  # fmt: skip
    for method in ("MAR", "J2R", "CR", "CIR"):
        cm = ks.effects.conditional_mean_imputation(ice, week=12, method=method, treatment=arm)
        row = mine.loc[f"conditional mean: {method}"]
        assert (row["estimate"], row["ci_low"], row["ci_high"]) == (cm.estimate, cm.ci_low,
                                                                   cm.ci_high)  # fmt: skip
        assert row["mc_se"] == 0.0 and "jackknife" in row["note"]
    # the tipping point is still by MI under MAR, with the m and seed given
    tp = ks.effects.tipping_point(ice, week=12, m=20, seed=4, thin=5, treatment=arm)
    assert mine.loc["tipping point (MI: MAR)", "estimate"] == tp.tipping_delta
    assert mine.loc["tipping point (MI: MAR)", "note"].startswith("m = 20, seed 4; ")
    assert s.approach == "condmean" and s.tipping[arm].m == 20


def test_unknown_approach_is_refused(ice):
    with pytest.raises(AnalysisError, match="approach must be one of"):
        ks.effects.sensitivity_table(ice, m=5, approach="hot-deck")


def test_a_fitted_primary_mmrm_is_reused_as_is(ice):
    fit = ks.effects.mmrm(ice, "pain")
    a = ks.effects.sensitivity_table(ice, week=12, m=5, seed=1, approach="condmean", fit=fit)
    b = ks.effects.sensitivity_table(ice, week=12, m=5, seed=1, approach="condmean")
    pd.testing.assert_frame_equal(a.table, b.table)
    with pytest.raises(AnalysisError, match="the MMRM given is of 'pain' at level 0.9"):
        ks.effects.sensitivity_table(ice, week=12, m=5, fit=ks.effects.mmrm(ice, level=0.9))
