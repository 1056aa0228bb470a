"""Dropout: the default rate, missing not at random, and what it does to the observed data.

Monte-Carlo tolerances are 4 standard errors of the simulated estimate.
"""

from __future__ import annotations

import numpy as np
import pytest

import kneestudy as ks
from kneestudy.errors import AnalysisError
from kneestudy.simulate._generate import draw
from kneestudy.simulate._model import resolve

WEEKS = (0, 2, 4, 6, 12, 26, 52)


def _logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood logistic regression (Newton-Raphson): (beta, se)."""
    x = np.column_stack([np.ones(len(x)), x])
    beta = np.zeros(x.shape[1])
    for _ in range(30):
        p = 1 / (1 + np.exp(-x @ beta))
        info = x.T @ (x * (p * (1 - p))[:, None])
        beta = beta + np.linalg.solve(info, x.T @ (y - p))
    return beta, np.sqrt(np.diag(np.linalg.inv(info)))


def _at_risk(tables, weeks):
    """Rows (last recorded pain, true pain at the next visit, left before it)."""
    latent = np.clip(tables["_latent"], 0, 10)
    p = tables["participants"]
    wd = p["withdrawal_week"].to_numpy()
    v = tables["visits"].pivot(index="participant_id", columns="week", values="pain")
    v = v.reindex(p["participant_id"])
    rows = []
    for k in range(1, len(weeks)):
        prev = v[float(weeks[k - 1])].to_numpy()
        at_risk = ~np.isnan(prev)
        left = wd == weeks[k - 1]
        rows.append(np.column_stack([prev[at_risk], latent[at_risk, k], left[at_risk]]))
    return np.vstack(rows)


def test_default_dropout_is_the_published_rate():
    """6-8% withdraw over a trial (Crossley 2002; Bonacci 2018; Drew 2017)."""
    c = ks.simulate.cohort("stretching", n=20_000, seed=2, weeks=(0, 2, 4, 6, 12, 26))
    share = c.participants["withdrawal_week"].notna().mean()
    assert 0.05 <= share <= 0.10
    assert c.truth["dropout"]["mechanism"] == "missing at random given the last recorded pain"


@pytest.mark.parametrize(("mar", "mnar"), [(0.0, 0.8), (0.3, 0.5)])
def test_mnar_dropout_depends_on_the_unrecorded_current_pain(mar, mnar):
    """Logistic fit of leaving before visit k on the last recorded pain and the true pain
    at visit k (never recorded for leavers) recovers both slopes and the base rate."""
    m = resolve(
        "stretching",
        comparator=None,
        arms=None,
        weeks=WEEKS,
        effect=None,
        dropout=0.05,
        dropout_mar=mar,
        dropout_mnar=mnar,
    )
    tables = draw(m, 30_000, np.random.default_rng(7))
    data = _at_risk(tables, WEEKS)
    beta, se = _logistic(data[:, :2] - 5.0, data[:, 2])
    assert abs(beta[0] - np.log(0.05 / 0.95)) < 4 * se[0]
    assert abs(beta[1] - mar) < 4 * se[1]
    assert abs(beta[2] - mnar) < 4 * se[2]


def test_mnar_biases_what_is_observed_beyond_mar():
    """Under MNAR the people still observed at a year have less pain than everyone
    randomised would (the truth); under MCAR the observed mean is unbiased."""
    kw = dict(n=40_000, seed=3, weeks=(0, 6, 12, 26, 52), dropout=0.08)
    mnar = ks.simulate.cohort("stretching", dropout_mar=0.0, dropout_mnar=1.0, **kw)
    mcar = ks.simulate.cohort("stretching", dropout_mar=0.0, dropout_mnar=0.0, **kw)
    assert mnar.truth["dropout"]["mechanism"].startswith("missing not at random")
    assert mcar.truth["dropout"]["mechanism"] == "missing completely at random"
    for c, biased in ((mnar, True), (mcar, False)):
        long = c.long("pain")
        t = c.truth["by_arm_week"].set_index(["arm", "week"])
        for arm, d in long[long["week"] == 52].groupby("intervention"):
            se = d["pain"].std() / np.sqrt(len(d))
            bias = d["pain"].mean() - t.loc[(arm, 52.0), "mean_pain"]
            if biased:
                assert bias < -4 * se
            else:
                assert abs(bias) < 4 * se + 0.005


def test_dropout_option_changes_no_other_number():
    """Dropout uniforms are drawn whatever the mechanism: recorded values of the people
    still present are the same with and without MNAR dropout."""
    a = ks.simulate.cohort("orthotics", n=500, seed=9, dropout=0)
    b = ks.simulate.cohort("orthotics", n=500, seed=9, dropout=0.1, dropout_mnar=0.7)
    keys = ["participant_id", "week"]
    merged = b.visits.merge(a.visits, on=keys, suffixes=("_b", "_a"))
    assert len(merged) == len(b.visits) < len(a.visits)
    assert (merged["pain_a"] == merged["pain_b"]).all()
    assert (merged["akps_a"] == merged["akps_b"]).all()


@pytest.mark.parametrize(
    "kw", [{"dropout_mnar": "x"}, {"dropout_mnar": 9}, {"dropout_mar": np.inf}]
)
def test_bad_dropout_options(kw):
    with pytest.raises(AnalysisError, match="dropout_m"):
        ks.simulate.cohort("orthotics", n=20, **kw)
