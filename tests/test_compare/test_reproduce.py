"""Reproducing published pooled estimates from the evidence base's rows (the harness, and
every target recorded in ``datasets/data/evidence/reproductions``)."""

from __future__ import annotations

import math

import pytest

from kneestudy.compare.reproduce import printed_half_unit, reproduce
from kneestudy.datasets.evidence_base import read_reproductions
from kneestudy.errors import AnalysisError

Z = 1.959963984540054  # qnorm(0.975)


@pytest.fixture(scope="module")
def evidence():
    import kneestudy as ks

    return ks.datasets.evidence()


def test_half_unit_of_the_printed_digits():
    assert printed_half_unit(-0.42) == pytest.approx(0.005)
    assert printed_half_unit(3) == pytest.approx(0.5)
    assert printed_half_unit(0.5) == pytest.approx(0.05)
    assert printed_half_unit("1.10") == pytest.approx(0.005)  # trailing zero kept as text


def _fe_by_hand(rows):
    """Inverse-variance common effect (Handbook §10.3.1): sum(w y) / sum(w), w = 1/se²."""
    w = [1 / se**2 for _, se in rows]
    est = sum(wi * y for wi, (y, _) in zip(w, rows, strict=True)) / sum(w)
    se = math.sqrt(1 / sum(w))
    return est, est - Z * se, est + Z * se


def _target(est, lo, hi, **kw):
    quote = f"pooled mean difference {est:.2f} (95% CI {lo:.2f} to {hi:.2f})"
    return {"review": "a worked example", "quote": quote, "studies": ["callaghan2015", "hunter2011"],
            "outcome": "pain", "week": 6.0, "measure": "MD", "method": "FE",
            "estimate": round(est, 2), "ci_low": round(lo, 2), "ci_high": round(hi, 2),
            **kw}  # fmt: skip


def test_the_harness_reproduces_a_pooling_worked_by_hand(evidence):
    c = evidence.contrasts
    rows = []
    for sid in ("callaghan2015", "hunter2011"):
        r = c[(c["study_id"] == sid) & (c["outcome"] == "pain") & (c["week"] == 6.0)].iloc[0]
        rows.append((float(r["estimate"]), float(r["se"])))
    est, lo, hi = _fe_by_hand(rows)
    res = reproduce(evidence, _target(est, lo, hi))
    assert res.reproduced and len(res.rows) == 2
    assert (res.estimate, res.ci_low, res.ci_high) == pytest.approx((est, lo, hi), abs=1e-12)
    # one unit off in the last printed digit is not the review's rounding
    off = _target(est + 0.01, lo, hi)
    assert not reproduce(evidence, off).reproduced


def test_the_harness_refuses_what_it_cannot_check(evidence):
    good = _target(-1.0, -1.6, -0.4)
    with pytest.raises(AnalysisError, match="not in its quote"):
        reproduce(
            evidence, {**good, "quote": "pooled -1.00 (95% CI -1.60 to 0.40)", "ci_low": -1.7}
        )
    with pytest.raises(AnalysisError, match="exactly one per trial"):
        reproduce(evidence, {**good, "studies": ["callaghan2015", "nosuchtrial"]})
    with pytest.raises(AnalysisError, match="lacks"):
        reproduce(evidence, {k: v for k, v in good.items() if k != "method"})


@pytest.mark.parametrize("target", read_reproductions(), ids=lambda t: t.get("review", "?")[:40])
def test_every_recorded_reproduction_reproduces(evidence, target):
    res = reproduce(evidence, target)
    assert res.reproduced, f"ours {res.estimate, res.ci_low, res.ci_high} v {res.published}"
