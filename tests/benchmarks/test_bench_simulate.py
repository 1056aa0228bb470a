"""Simulating 100,000 participants with 7 visits: under 10 s (absolute goal).

Baseline for scale: drawing with numpy alone, in the same run, the random
numbers the model uses per person-visit (five standard normals: variation of
true pain, measurement error, AKPS, global rating and adherence noise; one
uniform for dropout).
"""

from _bench import record, run_isolated


def test_simulate_100k_participants():
    setup = "from kneestudy.simulate import cohort\ncohort('orthotics', n=100, seed=0)"
    stmt = "cohort('glute_strengthening', n=100_000, seed=1)"
    ks = run_isolated(stmt, setup, repeat=3)
    base = run_isolated(
        "rng = np.random.default_rng(1); rng.standard_normal((100_000, 7, 5)); "
        "rng.random((100_000, 7))",
        "import numpy as np",
        repeat=3,
    )
    met = ks["seconds"] < 10.0
    record(
        "simulate.cohort 100,000 participants x 7 visits",
        ks["seconds"],
        "< 10 s",
        met,
        "numpy draws of the same size",
        base["seconds"],
        ks["peak_mb"],
    )
    assert met
