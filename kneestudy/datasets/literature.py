"""Synthetic literature of the demo study: arm summaries and contrasts of simulated trials.

The demo study is synthetic throughout and is never mixed with published
figures (those live in the evidence base, :func:`kneestudy.datasets.evidence`).
Its ``literature/`` tables stand in for published figures so that the demo
still exercises the study-level path (trials known only by their summaries):
each row summarises a further trial simulated by
:func:`kneestudy.simulate.cohort` with a fixed seed (:data:`TRIALS`), and says
``source = "synthetic"`` and the seed in ``note``.

What a trial report would give is computed from the simulated trial's
observed data (complete cases at the week; nobody is imputed):

* arm summaries: ``n``, mean and SD (``ddof = 1``) of pain and AKPS at
  baseline and at the reported week, and ``events`` (GRC >= 6) of recovered;
* contrasts, treatment minus comparator:

  - ``MD``: difference of arm means, ``se = sqrt(s1^2 / n1 + s2^2 / n2)``;
  - ``SMD``: Hedges' g, ``g = J (m1 - m2) / s_p`` with the exact
    ``J = Gamma(m / 2) / (sqrt(m / 2) Gamma((m - 1) / 2))``, ``m = n1 + n2 -
    2``, and ``v = 1 / n1 + 1 / n2 + g^2 / (2 (n1 + n2))`` (Hedges 1981, J
    Educ Stat 6:107; metafor's ``escalc("SMD")``, as
    :func:`kneestudy.effects.escalc`);
  - ``logRR`` and ``logOR`` of recovered: ``log(p1 / p2)`` with ``se =
    sqrt(1/a - 1/n1 + 1/c - 1/n2)``, and ``log(a d / (b c))`` with Woolf's
    ``se = sqrt(1/a + 1/b + 1/c + 1/d)`` (Cochrane Handbook 6.4.1); a zero
    cell adds 0.5 to every cell of its 2 x 2 table.

One row's population is set to ``knee osteoarthritis`` although it is
simulated from the patellofemoral pain model: a label only, so the demo
exercises the rule that evidence from another population is indirect.

Examples
--------
>>> from kneestudy.datasets.literature import contrasts
>>> c = contrasts()
>>> bool((c["source"] == "synthetic").all())
True
>>> sorted(c["measure"].unique())
['MD', 'SMD', 'logOR', 'logRR']
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["TRIALS", "arm_summaries", "contrasts"]

_Q = "quadriceps_strengthening"
_GQ = f"glute_strengthening+{_Q}"

#: study_id -> trial design and what its report gives: ``arms`` (comparator
#: last), ``n`` in all, ``seed``, visit ``weeks`` (0 and the reported week),
#: ``contrasts`` as (outcome, measure), ``risk_of_bias``, ``population``.
TRIALS: Mapping[str, Mapping] = {
    "synth-hip-v-knee": dict(
        arms=["glute_strengthening", _Q],
        n=160,
        seed=20250201,
        weeks=(0, 12),
        contrasts=(("pain", "MD"), ("akps", "MD")),
        risk_of_bias="low",
    ),
    "synth-hipknee-v-none": dict(
        arms=[_GQ, "usual_care"],
        n=60,
        seed=20250202,
        weeks=(0, 12),
        contrasts=(("pain", "MD"),),
        risk_of_bias="high",
    ),
    "synth-orthoses-v-flat": dict(
        arms=["orthotics", "flat_insert"],
        n=120,
        seed=20250203,
        weeks=(0, 6),
        contrasts=(("recovered", "logRR"), ("pain", "MD")),
        risk_of_bias="some_concerns",
    ),
    "synth-physio-v-education": dict(
        arms=["physical_therapy+education", "education"],
        n=120,
        seed=20250204,
        weeks=(0, 52),
        contrasts=(("recovered", "logOR"),),
        risk_of_bias="some_concerns",
    ),
    "synth-tape-v-none": dict(
        arms=["taping", "usual_care"],
        n=80,
        seed=20250205,
        weeks=(0, 4),
        contrasts=(("pain", "MD"),),
        risk_of_bias="high",
    ),
    "synth-brace-v-none": dict(
        arms=["knee_brace", "usual_care"],
        n=100,
        seed=20250206,
        weeks=(0, 6),
        contrasts=(("pain", "MD"), ("akps", "MD")),
        risk_of_bias="some_concerns",
    ),
    "synth-gait-v-wait": dict(
        arms=["running_form", "wait_and_see"],
        n=30,
        seed=20250207,
        weeks=(0, 12),
        contrasts=(("pain", "MD"),),
        risk_of_bias="high",
    ),
    "synth-balance-added": dict(
        arms=[f"balance_training+{_GQ}", _GQ],
        n=60,
        seed=20250208,
        weeks=(0, 12),
        contrasts=(("akps", "MD"),),
        risk_of_bias="some_concerns",
    ),
    "synth-stretch-v-none": dict(
        arms=["stretching", "usual_care"],
        n=70,
        seed=20250209,
        weeks=(0, 12),
        contrasts=(("pain", "MD"),),
        risk_of_bias="some_concerns",
    ),
    "synth-glucosamine-oa": dict(
        arms=["glucosamine", "placebo"],
        n=300,
        seed=20250210,
        weeks=(0, 24),
        contrasts=(("pain", "SMD"),),
        risk_of_bias="low",
        population="knee osteoarthritis",
    ),
}

_SOURCE = "synthetic"


@functools.cache
def _trial(study_id: str):
    """The simulated trial behind ``study_id`` (cached: tables are not modified)."""
    from kneestudy.simulate import cohort

    spec = TRIALS[study_id]
    return cohort(
        spec["arms"][0],
        n=spec["n"],
        seed=spec["seed"],
        arms=list(spec["arms"]),
        weeks=spec["weeks"],
        cohort_id=study_id,
        risk_of_bias=spec["risk_of_bias"],
    )


def _note(study_id: str) -> str:
    spec = TRIALS[study_id]
    text = (
        f"synthetic trial: kneestudy.simulate.cohort(arms={list(spec['arms'])}, n={spec['n']}, "
        f"seed={spec['seed']}, weeks={list(spec['weeks'])}); complete cases at the week"
    )
    if spec.get("population"):
        text += (
            f"; population '{spec['population']}' is a label only (simulated from the "
            "patellofemoral pain model), to exercise the indirectness rule"
        )
    return text


def _observed(study_id: str, outcome: str, week: float) -> dict[str, np.ndarray]:
    """arm code -> observed values of ``outcome`` at ``week`` (recovered as 0/1)."""
    c = _trial(study_id)
    long = c.long()
    d = long[long["week"] == week]
    out = {}
    for arm in TRIALS[study_id]["arms"]:
        x = d.loc[d["intervention"] == arm]
        if outcome == "recovered":
            g = x["grc"].dropna().astype(float).to_numpy()
            out[arm] = (g >= 6).astype(float)
        else:
            out[arm] = x[outcome].dropna().astype(float).to_numpy()
    return out


def _contrast(x1: np.ndarray, x2: np.ndarray, measure: str) -> tuple[float, float]:
    """(estimate, se) of treatment ``x1`` minus comparator ``x2`` on ``measure``."""
    n1, n2 = x1.size, x2.size
    if measure in ("MD", "SMD"):
        m1, m2 = float(x1.mean()), float(x2.mean())
        v1, v2 = float(x1.var(ddof=1)), float(x2.var(ddof=1))
        if measure == "MD":
            return m1 - m2, math.sqrt(v1 / n1 + v2 / n2)
        sp = math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
        m = n1 + n2 - 2.0
        j = math.exp(math.lgamma(m / 2) - 0.5 * math.log(m / 2) - math.lgamma((m - 1) / 2))
        g = j * (m1 - m2) / sp
        return g, math.sqrt(1.0 / n1 + 1.0 / n2 + g * g / (2.0 * (n1 + n2)))
    a, c = float(x1.sum()), float(x2.sum())
    b, d = n1 - a, n2 - c
    if min(a, b, c, d) == 0:  # 0.5 added to every cell of a table with a zero
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    if measure == "logRR":
        return math.log((a / (a + b)) / (c / (c + d))), math.sqrt(
            1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)
        )
    if measure == "logOR":
        return math.log(a * d / (b * c)), math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    raise ValueError(f"unknown measure {measure!r}")  # pragma: no cover - table edits


def contrasts() -> pd.DataFrame:
    """Synthetic contrasts as estimate and standard error (schema ``contrasts``)."""
    rows = []
    for sid, spec in TRIALS.items():
        treatment, comparator = spec["arms"][0], spec["arms"][-1]
        week = float(spec["weeks"][-1])
        for outcome, measure in spec["contrasts"]:
            obs = _observed(sid, outcome, week)
            est, se = _contrast(obs[treatment], obs[comparator], measure)
            rows.append(
                {
                    "study_id": sid,
                    "treatment": treatment,
                    "comparator": comparator,
                    "outcome": outcome,
                    "week": week,
                    "measure": measure,
                    "estimate": est,
                    "se": se,
                    "n_treatment": obs[treatment].size,
                    "n_comparator": obs[comparator].size,
                    "source": _SOURCE,
                    "population": spec.get("population", "patellofemoral pain"),
                    "risk_of_bias": spec["risk_of_bias"],
                    "note": _note(sid),
                }
            )
    out = pd.DataFrame(rows)
    for col in ("n_treatment", "n_comparator"):
        out[col] = out[col].astype("Int64")
    return out


def arm_summaries() -> pd.DataFrame:
    """Synthetic arm-level figures (schema ``arm_summaries``) at baseline and the reported week."""
    from kneestudy.interventions import label_of

    rows = []
    for sid, spec in TRIALS.items():
        for week in (0.0, float(spec["weeks"][-1])):
            for outcome in ("pain", "akps", "recovered"):
                if outcome == "recovered" and week == 0:
                    continue
                obs = _observed(sid, outcome, week)
                for arm in spec["arms"]:
                    x = obs[arm]
                    binary = outcome == "recovered"
                    rows.append(
                        {
                            "study_id": sid,
                            "arm": label_of(arm),
                            "intervention": arm,
                            "outcome": outcome,
                            "week": week,
                            "n": x.size,
                            "mean": np.nan if binary else float(x.mean()),
                            "sd": np.nan if binary else float(x.std(ddof=1)),
                            "events": int(x.sum()) if binary else pd.NA,
                            "change": False,
                            "source": _SOURCE,
                            "population": spec.get("population", "patellofemoral pain"),
                            "risk_of_bias": spec["risk_of_bias"],
                            "note": _note(sid),
                        }
                    )
    out = pd.DataFrame(rows)
    out["week"] = out["week"].astype("float64")
    out["n"] = out["n"].astype("Int64")
    out["mean"] = out["mean"].astype("float64")
    out["sd"] = out["sd"].astype("float64")
    out["events"] = pd.array(out["events"].tolist(), dtype="Int64")
    out["change"] = out["change"].astype("boolean")
    return out
