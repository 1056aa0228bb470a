"""Survival benchmarks: KM + log-rank on 1,000,000 and Cox (3 covariates) on 100,000.

Baselines are lifelines (KaplanMeierFitter per group + logrank_test;
CoxPHFitter, Efron ties) on the same data, measured in the same run, each in
a fresh interpreter (``run_isolated``).
"""

from _bench import record, run_isolated

DATA_KM = """
import numpy as np
rng = np.random.default_rng(20261123)
n = 1_000_000
g = rng.integers(0, 2, n)
# follow-up in whole days (as trial data are recorded), about 30 % censored
t = np.ceil(rng.exponential(300 + 150 * g)).clip(1, 730)
e = (rng.random(n) < 0.7) & (t < 730)
"""

DATA_KM_CONT = DATA_KM + "\nt = rng.exponential(300 + 150 * g) + 1e-3\n"

DATA_COX = """
import numpy as np, pandas as pd
rng = np.random.default_rng(20261124)
n = 100_000
x = rng.normal(size=(n, 3))
t = np.ceil(rng.exponential(200 * np.exp(-x @ np.array([0.5, -0.3, 0.2])))).clip(1, 730)
e = (rng.random(n) < 0.8) & (t < 730)
df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(t=t, e=e)
"""

KS_KM = "import kneestudy.survival as S\n"
KS_KM_STMT = "S.kaplan_meier(t, e, g); S.logrank(t, e, g)"
LL_KM = """
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test
"""
LL_KM_STMT = """
for j in (0, 1):
    KaplanMeierFitter().fit(t[g == j], e[g == j])
logrank_test(t[g == 0], t[g == 1], e[g == 0], e[g == 1])
"""


def _km(data: str, label: str) -> None:
    ks = run_isolated(KS_KM_STMT, data + KS_KM, repeat=3)
    ll = run_isolated(LL_KM_STMT, data + LL_KM, repeat=3)
    ratio = ks["seconds"] / ll["seconds"]
    record(
        label,
        ks["seconds"],
        "<= 1 x lifelines",
        ratio <= 1.0,
        "lifelines KM + logrank_test",
        ll["seconds"],
        ks["peak_mb"],
    )
    assert ratio <= 1.0


def test_km_logrank_1m_days():
    _km(DATA_KM, "KM + log-rank, 1e6 participants (days)")


def test_km_logrank_1m_continuous():
    _km(DATA_KM_CONT, "KM + log-rank, 1e6 participants (continuous)")


def test_cox_3_covariates_100k():
    ks = run_isolated(
        "S.cox(df, 't', 'e', ['a', 'b', 'c'], ph_test=False)",
        DATA_COX + "import kneestudy.survival as S\n",
        repeat=3,
    )
    ll = run_isolated(
        "CoxPHFitter().fit(df, 't', 'e')",
        DATA_COX + "from lifelines import CoxPHFitter\n",
        repeat=3,
    )
    ratio = ks["seconds"] / ll["seconds"]
    record(
        "Cox, 3 covariates, 1e5 participants (Efron)",
        ks["seconds"],
        "<= 1.2 x lifelines",
        ratio <= 1.2,
        "lifelines CoxPHFitter",
        ll["seconds"],
        ks["peak_mb"],
    )
    assert ratio <= 1.2
