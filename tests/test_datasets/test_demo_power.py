"""Slow: the power of the demo glute trial's squat-test interaction test, as stated.

2,000 trials of the demo design (``COHORTS["demo-glute"]``: arms, size,
visits, default dropout) are dealt out of one simulated cohort (participants
are independent given arm). In each, the ANCOVA ``pain_12 ~ baseline + arm *
squat_test`` of the treatment (hip + knee exercise) against each other arm,
complete cases, as :func:`kneestudy.effects.subgroup`; power = share of
interaction p-values below 0.05. The seed is fixed, so the figure is
reproduced exactly; its Monte-Carlo SE is about 0.008. The fast fit is
checked against ``ks.effects.subgroup`` on a few of the trials.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import kneestudy as ks
from kneestudy.datasets.build import COHORTS, SQUAT_POWER

REPS, SEED = 2000, 77


def _trials():
    spec = COHORTS["demo-glute"]
    arms = list(spec["arms"])
    per_arm = spec["n"] // len(arms)
    c = ks.simulate.cohort(arms[0], n=len(arms) * per_arm * REPS, seed=SEED, arms=arms,
                           weeks=spec["weeks"])  # fmt: skip
    return c, arms, per_arm


def _interaction_p(base, y, arm, fail):
    ok = ~np.isnan(y)
    base, y, arm, fail = base[ok], y[ok], arm[ok], fail[ok]
    x = np.column_stack([np.ones_like(y), base, arm, fail, arm * fail])
    xtx = x.T @ x
    beta = np.linalg.solve(xtx, x.T @ y)
    df = len(y) - x.shape[1]
    s2 = float(((y - x @ beta) ** 2).sum() / df)
    se = np.sqrt(s2 * np.linalg.inv(xtx)[4, 4])
    return float(2 * stats.t.sf(abs(beta[4] / se), df)), float(beta[4])


@pytest.mark.slow
def test_squat_interaction_power_is_as_stated():
    c, arms, per_arm = _trials()
    p = c.participants
    pos = {k: i for i, k in enumerate(p["participant_id"])}
    base = np.full(len(p), np.nan)
    y12 = np.full(len(p), np.nan)
    v = c.visits
    for week, out in ((0, base), (12, y12)):
        d = v[v["week"] == week]
        out[d["participant_id"].map(pos).to_numpy()] = d["pain"].to_numpy()
    code = p["intervention"].to_numpy()
    fail = (p["squat_test"] == "fail").to_numpy(float)
    for comparator in arms[1:]:
        blocks = [
            np.flatnonzero(code == a)[: per_arm * REPS].reshape(REPS, per_arm)
            for a in (arms[0], comparator)
        ]
        arm = np.r_[np.ones(per_arm), np.zeros(per_arm)]
        hits = 0
        for r in range(REPS):
            ids = np.concatenate([blocks[0][r], blocks[1][r]])
            pval, est = _interaction_p(base[ids], y12[ids], arm, fail[ids])
            hits += pval < 0.05
            if r < 3:  # the fast fit is ks.effects.subgroup's
                keep = set(p["participant_id"].to_numpy()[ids])
                trial = c.with_tables(
                    participants=p[p["participant_id"].isin(keep)].reset_index(drop=True),
                    visits=v[v["participant_id"].isin(keep)].reset_index(drop=True),
                )
                sub = ks.effects.subgroup(
                    _with_comparator(trial, comparator), by="squat_test", week=12,
                    treatment=arms[0],
                )  # fmt: skip
                assert sub.interaction_p_value == pytest.approx(pval, rel=1e-9)
                assert sub.interaction_estimate == pytest.approx(est, rel=1e-9)
        assert hits / REPS == pytest.approx(SQUAT_POWER[comparator], abs=5e-4), comparator
        assert SQUAT_POWER[comparator] >= 0.8


def _with_comparator(cohort, comparator):
    import dataclasses

    return dataclasses.replace(cohort, manifest=dataclasses.replace(cohort.manifest,
                               comparator=comparator))  # fmt: skip
