"""pool(method="REML") on 10,000 studies: goal under 0.5 s (absolute, from the issue)."""

from _bench import record, run_isolated

SETUP = """
import numpy as np
from kneestudy.meta import pool
rng = np.random.default_rng(2024)
vi = rng.uniform(0.005, 0.2, 10_000)
yi = rng.normal(0.3, np.sqrt(vi + 0.04))
pool(yi[:50], vi[:50])  # import and first-call costs are not part of the workload
"""


def test_pool_reml_10000_studies():
    res = run_isolated("pool(yi, vi, method='REML')", SETUP, repeat=5)
    # Same workload without the Q-profile CI and prediction interval: the
    # estimator and fit alone (kneestudy's own engine, as a reference point).
    base = run_isolated(
        "fit_rma(yi, vi, None, method='REML')",
        SETUP + "from kneestudy.meta._tau2 import fit_rma\n",
        repeat=5,
    )
    met = res["seconds"] < 0.5
    record(
        "pool REML, k = 10,000 (incl. Q-profile CI)",
        res["seconds"],
        "< 0.5 s",
        met,
        "REML fit only (no tau2 CI)",
        base["seconds"],
        res["peak_mb"],
    )
    assert met
