"""The demo's synthetic literature: each row is what a report of its simulated trial gives.

Estimates and SEs are recomputed from the arm summaries of the same table by
:func:`kneestudy.effects.escalc` (checked against metafor): MD and SMD from
means, SDs and n (the SMD with Hedges' exact correction, as escalc), log RR
and log OR from events. Tolerance 1e-12 (floating point only; both come
from the same observed data).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import kneestudy as ks
from kneestudy.datasets.literature import TRIALS, arm_summaries, contrasts


@pytest.fixture(scope="module")
def tables():
    return contrasts(), arm_summaries()


def _arm(arms, sid, code, outcome, week):
    r = arms[
        (arms["study_id"] == sid)
        & (arms["intervention"] == code)
        & (arms["outcome"] == outcome)
        & (arms["week"] == week)
    ]
    assert len(r) == 1, (sid, code, outcome, week)
    return r.iloc[0]


def test_contrasts_follow_from_the_arm_summaries(tables):
    con, arms = tables
    for row in con.itertuples():
        t = _arm(arms, row.study_id, row.treatment, row.outcome, row.week)
        c = _arm(arms, row.study_id, row.comparator, row.outcome, row.week)
        assert (row.n_treatment, row.n_comparator) == (t["n"], c["n"])
        if row.measure in ("MD", "SMD"):
            es = ks.effects.escalc(
                row.measure,
                m1i=[t["mean"]], sd1i=[t["sd"]], n1i=[t["n"]],
                m2i=[c["mean"]], sd2i=[c["sd"]], n2i=[c["n"]],
            )  # fmt: skip
        else:
            es = ks.effects.escalc(
                row.measure[3:],
                ai=[t["events"]], n1i=[t["n"]], ci=[c["events"]], n2i=[c["n"]],
            )  # fmt: skip
        assert row.estimate == pytest.approx(float(es["yi"].iloc[0]), rel=1e-12, abs=1e-12)
        assert row.se == pytest.approx(math.sqrt(float(es["vi"].iloc[0])), rel=1e-12)


def test_each_row_summarises_its_simulated_trial(tables):
    con, arms = tables
    assert set(con["study_id"]) == set(TRIALS) == set(arms["study_id"])
    for sid, spec in TRIALS.items():
        c = ks.simulate.cohort(
            spec["arms"][0], n=spec["n"], seed=spec["seed"], arms=list(spec["arms"]),
            weeks=spec["weeks"],
        )  # fmt: skip
        week = float(spec["weeks"][-1])
        long = c.long("pain")
        for code in spec["arms"]:
            x = long.loc[(long["intervention"] == code) & (long["week"] == week), "pain"]
            row = _arm(arms, sid, code, "pain", week)
            assert row["n"] == len(x)
            assert row["mean"] == pytest.approx(float(x.mean()), rel=1e-12)
            assert row["sd"] == pytest.approx(float(x.std(ddof=1)), rel=1e-12)
        assert f"seed={spec['seed']}" in con.loc[con["study_id"] == sid, "note"].iloc[0]


def test_literature_tables_validate_and_round_trip(tmp_path, tables):
    from kneestudy.ingest import load_study
    from kneestudy.ingest.model import Study

    con, arms = tables
    Study(study_id="lit-only", title="t", contrasts=con, arm_summaries=arms).write(tmp_path / "s")
    back = load_study(tmp_path / "s")
    assert back.report is None or back.report.ok
    assert len(back.contrasts) == len(con) and len(back.arm_summaries) == len(arms)
    np.testing.assert_allclose(back.contrasts["estimate"], con["estimate"], rtol=0, atol=0)
    assert (arms.loc[arms["outcome"] != "recovered", "sd"] > 0).all()
    assert arms.loc[arms["outcome"] == "recovered", "events"].notna().all()
