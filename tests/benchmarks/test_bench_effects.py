"""MMRM cost: 10,000 participants × 5 post-baseline visits (goal: under 10 s).

Baseline for the cost class: statsmodels MixedLM with a random intercept on
the same long data (a simpler model; statsmodels has no unstructured residual
covariance), measured in the same run.
"""

from _bench import record, run_isolated

SETUP = """
import warnings
import numpy as np
import kneestudy as ks
from kneestudy.effects import mmrm
cohort = ks.simulate.cohort("glute_strengthening", n=10000, seed=1, weeks=(0, 2, 4, 6, 12, 26))
# warm up lazy imports (scipy.stats etc.) on a small cohort
mmrm(ks.simulate.cohort("glute_strengthening", n=100, seed=2, weeks=(0, 2, 4, 6, 12, 26)))
"""

SETUP_SM = """
import warnings
import statsmodels.formula.api as smf
import kneestudy as ks
cohort = ks.simulate.cohort("glute_strengthening", n=10000, seed=1, weeks=(0, 2, 4, 6, 12, 26))
d = cohort.long("pain")
d = d[(d["week"] > 0)].dropna(subset=["pain", "baseline"]).copy()
d["visit"] = d["week"].astype(int).astype(str)
"""

STMT_SM = """
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    smf.mixedlm("pain ~ C(visit) + C(visit):intervention + C(visit):baseline", d,
                groups=d["participant_id"]).fit(reml=True)
"""


def test_mmrm_10000_x_5():
    ks = run_isolated("mmrm(cohort)", SETUP, repeat=3)
    base = run_isolated(STMT_SM, SETUP_SM, repeat=1)
    record(
        "MMRM unstructured, 10,000 x 5 visits",
        ks["seconds"],
        "< 10 s",
        ks["seconds"] < 10,
        "statsmodels MixedLM (rand. int.)",
        base["seconds"],
        ks["peak_mb"],
    )
    assert ks["seconds"] < 10


def test_mmrm_toeplitz_10000_x_5():
    ks = run_isolated('mmrm(cohort, covariance="toeplitz")', SETUP, repeat=3)
    record("MMRM Toeplitz, 10,000 x 5 visits", ks["seconds"], "< 10 s", ks["seconds"] < 10,
           peak_mb=ks["peak_mb"])  # fmt: skip
    assert ks["seconds"] < 10
