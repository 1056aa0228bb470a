"""Reference-based imputation cost: 1,000 participants × 5 post-baseline visits.

Goals (issue 14): J2R multiple imputation with m = 100 under 10 s, and
conditional-mean J2R with its jackknife (1,000 REML refits) under 10 s.
Baseline for the cost class, measured in the same run: one MMRM fit of the
same data (the imputation model itself).
"""

from _bench import record, run_isolated

SETUP = """
import kneestudy as ks
from kneestudy.effects import conditional_mean_imputation, mmrm, multiple_imputation
cohort = ks.simulate.cohort("glute_strengthening", n=1000, seed=1,
                            weeks=(0, 2, 4, 6, 12, 26), dropout=0.05)
assert cohort.participants["withdrawal_week"].notna().mean() > 0.05
# warm up lazy imports on a small cohort
small = ks.simulate.cohort("glute_strengthening", n=100, seed=2, weeks=(0, 2, 4, 6, 12, 26),
                           dropout=0.05)
multiple_imputation(small, week=12, method="J2R", m=2)
conditional_mean_imputation(small, week=12, method="J2R")
"""


def test_j2r_multiple_imputation_m100_1000_x_5():
    ks = run_isolated('multiple_imputation(cohort, week=12, method="J2R", m=100)', SETUP, 3)
    base = run_isolated("mmrm(cohort)", SETUP, repeat=3)
    record(
        "J2R MI (m = 100), 1,000 x 5 visits",
        ks["seconds"],
        "< 10 s",
        ks["seconds"] < 10,
        "kneestudy MMRM, same data",
        base["seconds"],
        ks["peak_mb"],
    )
    assert ks["seconds"] < 10


def test_j2r_conditional_mean_jackknife_1000_x_5():
    ks = run_isolated('conditional_mean_imputation(cohort, week=12, method="J2R")', SETUP, 2)
    base = run_isolated("mmrm(cohort)", SETUP, repeat=3)
    record(
        "J2R conditional mean + jackknife, 1,000 x 5",
        ks["seconds"],
        "< 10 s",
        ks["seconds"] < 10,
        "kneestudy MMRM, same data",
        base["seconds"],
        ks["peak_mb"],
    )
    assert ks["seconds"] < 10
