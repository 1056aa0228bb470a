"""Table 1 (kneestudy.report.baseline) against Python's ``tableone`` on the same data.

tableone (Pollard et al. 2018, JAMIA Open 1:26) is the reference researchers
use: mean (SD) and median [Q1, Q3] with sample SDs and linear quantiles, n (%)
of the participants with a value (``include_null=False``), the missing count
over all arms, and SMDs (continuous: Austin's; categorical: Yang & Dalton).
The same arithmetic on the same data: agreement to 1e-10 relative.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from report_standins import make_cohort
from scipy import stats

from kneestudy.report.baseline import (
    _data,
    baseline_table,
    is_skewed,
    smd,
    smd_categorical,
)

tableone = pytest.importorskip("tableone")

VARS = ["age", "bmi", "symptom_months", "weekly_km", "pain", "akps"]


@pytest.fixture(scope="module")
def cohort():
    """The demo's three-arm trial with missing values and a skewed variable added."""
    import kneestudy as ks

    c = ks.datasets.demo_study().cohort("demo-glute")
    p = c.participants.copy()
    rng = np.random.default_rng(5)
    p.loc[p.index[rng.choice(len(p), 9, replace=False)], "bmi"] = np.nan
    p.loc[p.index[rng.choice(len(p), 7, replace=False)], "sex"] = np.nan
    # running volume: right-skewed (lognormal), as it is among runners
    p["weekly_km"] = np.round(np.exp(rng.normal(3.0, 0.8, len(p))), 1)
    return c.with_tables(participants=p)


@pytest.fixture(scope="module")
def reference(cohort):
    ours = baseline_table(cohort)
    nonnormal = list(ours.loc[ours["statistic"] == "median_iqr", "variable"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t1 = tableone.TableOne(
            _data(cohort),
            columns=[*VARS, "sex", "squat_test"],
            categorical=["sex", "squat_test"],
            groupby="intervention",
            nonnormal=nonnormal,
            smd=True,
            missing=True,
            pval=False,
            include_null=False,
        )
    return ours, t1


def test_the_skewness_rule_picks_the_skewed_variable(reference):
    ours, _ = reference
    stat = ours.set_index("variable")["statistic"]
    assert stat["weekly_km"] == "median_iqr"
    assert stat["age"] == "mean_sd"


def test_continuous_summaries_match_tableone(reference):
    ours, t1 = reference
    desc = t1.cont_describe
    codes = ours.attrs["arms"]
    rows = ours.set_index("variable")
    for var in VARS:
        r = rows.loc[var]
        for code in codes:
            if r["statistic"] == "mean_sd":
                assert r[f"{code}.a"] == pytest.approx(desc["mean"][code][var], rel=1e-10)
                assert r[f"{code}.b"] == pytest.approx(desc["std"][code][var], rel=1e-10)
            else:
                assert r[f"{code}.a"] == pytest.approx(desc["median"][code][var], rel=1e-10)
                assert r[f"{code}.b"] == pytest.approx(desc["q25"][code][var], rel=1e-10)
                assert r[f"{code}.c"] == pytest.approx(desc["q75"][code][var], rel=1e-10)


def test_categorical_counts_and_percentages_match_tableone(reference):
    ours, t1 = reference
    cat = t1.cat_describe
    for _, r in ours[ours["statistic"] == "n_pct"].iterrows():
        for code in ours.attrs["arms"]:
            k, n = r[f"{code}.a"], r[f"{code}.b"]
            assert k == cat["freq"][code][(r["variable"], r["level"])]
            assert 100 * k / n == pytest.approx(
                cat["percent"][code][(r["variable"], r["level"])], rel=1e-10
            )


def test_missing_counts_match_tableone(reference):
    ours, t1 = reference
    missing = t1.tableone["Grouped by intervention"]["Missing"]
    by_label = {str(i[0]).split(",")[0]: v for i, v in missing.items() if str(v).strip()}
    rows = ours[ours["statistic"].isin(["mean_sd", "median_iqr", "header"])]
    for _, r in rows.iterrows():
        assert int(r["missing"]) == int(by_label[r["variable"]]), r["variable"]
    assert int(rows.set_index("variable").loc["bmi", "missing"]) == 9
    assert int(rows.set_index("variable").loc["sex", "missing"]) == 7


def test_smds_match_tableone(reference):
    ours, t1 = reference
    comp = ours.attrs["comparator"]
    rows = ours[ours["statistic"] != "n_pct"].set_index("variable")
    smd_table = t1.smd_table
    for code in ours.attrs["arms"]:
        if code == comp:
            continue
        names = {f"SMD ({code},{comp})", f"SMD ({comp},{code})"}
        col = next(c for c in smd_table.columns if c in names)
        for var in [*VARS, "sex", "squat_test"]:
            # ours: absolute value of arm minus comparator; tableone: second minus first
            assert rows.loc[var, f"smd.{code}"] == pytest.approx(
                abs(float(smd_table.loc[var, col])), rel=1e-10
            ), (code, var)


def test_smd_formulas():
    x1, x0 = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 3.0, 4.0, 5.0, 6.0])
    expected = (2.5 - 4.0) / math.sqrt((np.var(x1, ddof=1) + np.var(x0, ddof=1)) / 2)
    assert smd(x1, x0) == pytest.approx(expected, rel=1e-12)
    # two levels: Yang & Dalton reduces to Austin's binary formula (eq. 2)
    p1, p0 = 0.6, 0.4
    binary = abs(p1 - p0) / math.sqrt((p1 * (1 - p1) + p0 * (1 - p0)) / 2)
    assert smd_categorical([1 - p1, p1], [1 - p0, p0]) == pytest.approx(binary, rel=1e-12)
    # a level absent from both groups is left out; identical distributions give 0
    assert smd_categorical([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]) == pytest.approx(0.0, abs=1e-12)


def test_is_skewed_is_scipy_adjusted_skewness():
    x = np.exp(np.random.default_rng(1).normal(0, 1, 200))
    assert abs(stats.skew(x, bias=False)) > 1 and is_skewed(x)
    assert not is_skewed(np.random.default_rng(1).normal(0, 1, 200))
    assert not is_skewed([1.0, 1.0, 1.0])  # constant: not skewed, no error


def test_forced_summaries_and_single_arm():
    c = make_cohort()
    forced = baseline_table(c, nonnormal=["age"]).set_index("variable")
    assert forced.loc["age", "statistic"] == "median_iqr"
    import dataclasses

    single = make_cohort(cohort_id="one", arms=(("Hip", "glute_strengthening"),))
    single.manifest = dataclasses.replace(single.manifest, comparator=None)
    t = baseline_table(single)
    assert t.attrs["comparator"] is None
    assert not [col for col in t.columns if col.startswith("smd.")]
    assert t.loc[t["variable"] == "n", "glute_strengthening.a"].iloc[0] == 12


def test_baseline_report_table_shows_levels_indented_and_labels(cohort):
    from kneestudy.report.cohort import baseline
    from kneestudy.report.settings import Settings

    class View:
        slug, anchor = "g", "cohort-1"

    v = View()
    v.cohort = cohort
    heading, table = baseline(v, Settings())
    heads = [h.label for h in table.header()]
    n_arm = int((cohort.participants["intervention"] == cohort.arms["intervention"].iloc[0]).sum())
    assert heads[1] == f"Glute + quadriceps strengthening (n = {n_arm})"
    assert "Missing" in heads and any(h.startswith("SMD") for h in heads)
    rows = table.rows()
    sex = next(i for i, r in enumerate(rows) if r.cells[0] == "Sex, n (%)")
    assert rows[sex + 1].indent and rows[sex + 1].cells[0] == "Female"
    assert rows[sex + 1].cells[-1] == ""  # a level row has no SMD of its own
    age = next(r for r in rows if r.cells[0].startswith("Age"))
    assert age.cells[0] == "Age (years), mean (SD)"
    assert pd.Series(age.cells[1]).str.match(r"^\d+\.\d \(\d+\.\d\)$").all()
