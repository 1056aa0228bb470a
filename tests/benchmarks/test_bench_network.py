"""Network meta-analysis: 8 treatments x 500 studies (some three-arm) in under 1 s."""

from _bench import record, run_isolated

SETUP = """
import numpy as np, pandas as pd
from kneestudy.meta.network import network
rng = np.random.default_rng(1)
trts = [f"t{i}" for i in range(8)]
effect = dict(zip(trts, np.linspace(0, -2, 8)))
rows = []
for s in range(500):
    k = 3 if s % 10 == 0 else 2
    arms = list(rng.choice(trts, size=k, replace=False))
    se_arm = rng.uniform(0.2, 0.4, size=k)
    for i in range(k):
        for j in range(i + 1, k):
            rows.append((f"s{s}", arms[i], arms[j],
                         effect[arms[i]] - effect[arms[j]] + rng.normal(0, 0.1),
                         float(np.hypot(se_arm[i], se_arm[j]))))
c = pd.DataFrame(rows, columns=["study_id", "treatment", "comparator", "estimate", "se"])
# make three-arm studies consistent
for sid, g in c.groupby("study_id"):
    if len(g) == 3:
        a, b, d = g.index
        c.loc[d, "estimate"] = c.loc[b, "estimate"] - c.loc[a, "estimate"]
"""


def test_network_500_studies():
    res = run_isolated("network(c, reference='t0', method_tau='DL')", SETUP, repeat=3)
    record("network 8 trts x 500 studies (DL)", res["seconds"], "< 1 s", res["seconds"] < 1.0,
           peak_mb=res["peak_mb"])  # fmt: skip
    reml = run_isolated("network(c, reference='t0', method_tau='REML')", SETUP, repeat=3)
    record("network 8 trts x 500 studies (REML)", reml["seconds"], "< 1 s",
           reml["seconds"] < 1.0, peak_mb=reml["peak_mb"])  # fmt: skip
    assert res["seconds"] < 1.0
