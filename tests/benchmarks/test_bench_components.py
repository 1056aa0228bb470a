"""Additive component NMA: 8 ideas and 6 comparator components over 500 studies in under 1 s.

Arms combine one or two components (or none: usual care); one study in ten has three
arms. Each arm's mean is the sum of its components' effects plus noise, so the
contrasts of a multi-arm study are consistent. The baseline is the standard network
meta-analysis of the same contrasts (every combination its own node), timed side by side.
"""

from _bench import record, run_isolated

SETUP = """
import numpy as np, pandas as pd
from kneestudy.interventions import IDEAS
from kneestudy.meta import component_network, network
rng = np.random.default_rng(2)
comps = list(IDEAS) + ["quadriceps_strengthening", "education", "sham", "placebo",
                       "flat_insert", "massage"]
effect = dict(zip(comps, np.linspace(-2.0, 0.2, len(comps))))
def arm_code():
    k = rng.choice([0, 1, 1, 2])
    if k == 0:
        return "usual_care"
    return "+".join(sorted(rng.choice(comps, size=k, replace=False)))
rows = []
for s in range(500):
    k = 3 if s % 10 == 0 else 2
    codes = []
    while len(codes) < k:
        c = arm_code()
        if c not in codes:
            codes.append(c)
    mean = [sum(effect.get(p, 0.0) for p in c.split("+")) + rng.normal(0, 0.2) for c in codes]
    var = rng.uniform(0.04, 0.16, size=k)
    for i in range(k):
        for j in range(i + 1, k):
            rows.append((f"s{s}", codes[i], codes[j], mean[i] - mean[j],
                         float(np.sqrt(var[i] + var[j])), 40, 40))
c = pd.DataFrame(rows, columns=["study_id", "treatment", "comparator", "estimate", "se",
                                "n_treatment", "n_comparator"])
inactive = ("usual_care", "wait_and_see")
"""


def test_component_network_500_studies():
    dl = run_isolated("component_network(c, inactive=inactive, method_tau='DL')", SETUP)
    base = run_isolated("network(c, reference='usual_care', method_tau='DL', n_sim=1000)", SETUP)
    record(
        "component NMA 14 components x 500 studies (DL)", dl["seconds"], "< 1 s",
        dl["seconds"] < 1.0, baseline="standard NMA, same contrasts (DL)",
        baseline_s=base["seconds"], peak_mb=dl["peak_mb"],
    )  # fmt: skip
    reml = run_isolated("component_network(c, inactive=inactive, method_tau='REML')", SETUP)
    record("component NMA 14 components x 500 studies (REML)", reml["seconds"], "< 1 s",
           reml["seconds"] < 1.0, peak_mb=reml["peak_mb"])  # fmt: skip
    assert dl["seconds"] < 1.0
