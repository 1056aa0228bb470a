"""Crossover of knee-brace settings: which direction of pull helps, person by person.

Everyone wears the brace (``intervention = "knee_brace"``) in two settings,
in random order (two sequences, equal sizes ±1): week 0 is the baseline
without a brace (``condition = "usual_care"``), each setting is then worn for
``period_weeks`` with a visit at the end of its period (``condition`` = the
setting's code, declared in the manifest's ``[codes]``). A brace acts at once
and stops acting when taken off, so there is no carry-over.

True pain at visit *t* > 0 follows the parallel-trial model with the arm
effect replaced by the setting's effect for that person::

    L_i(t) = T_0i - M h(t) + b_i(setting) + u_i h(t) + e_i(t)

and is recorded with the same measurement error as in a parallel trial
(entry on recorded baseline pain, :mod:`kneestudy.simulate._model`)

where ``b_i`` is ``crossover.preferred_peak`` for the person's preferred
direction and ``crossover.other_peak`` for the other, each plus
``N(0, crossover.person_sd^2)`` person-level spread; the preferred direction
is medial for a share ``crossover.medial_preferred_share`` of people.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kneestudy.ingest.model import Cohort, Manifest
from kneestudy.simulate._generate import draw_population, record_pain
from kneestudy.simulate._model import resolve
from kneestudy.simulate.parameters import value

__all__ = ["SETTINGS", "crossover_cohort"]

#: Declared codes of the two settings, code -> label.
SETTINGS: dict[str, str] = {
    "knee_brace_medial": "Knee brace, medial pull",
    "knee_brace_lateral": "Knee brace, lateral pull",
}


def crossover_cohort(n: int, seed: int, period_weeks: float, cohort_id: str | None) -> Cohort:
    """Simulate the crossover (arguments checked by :func:`kneestudy.simulate.crossover`)."""
    weeks = np.array([0.0, period_weeks, 2.0 * period_weeks])
    model = resolve("knee_brace", comparator=None, arms=None, weeks=weeks, effect=None, dropout=0.0)
    rng = np.random.default_rng(seed)
    codes = list(SETTINGS)
    seq = rng.permutation(np.resize(np.arange(2), n))  # 0: medial first, 1: lateral first
    pop = draw_population(rng, n, model)
    age, female, bmi = pop["age"], pop["female"], pop["bmi"]
    symptom_months, weekly_km = pop["symptom_months"], pop["weekly_km"]
    squat_fail, randomized_on, baseline = pop["squat_fail"], pop["randomized_on"], pop["baseline"]
    prefers_medial = rng.random(n) < value("crossover.medial_preferred_share")
    spread = value("crossover.person_sd") * rng.standard_normal((n, 2))
    pref, other = value("crossover.preferred_peak"), value("crossover.other_peak")
    medial = np.where(prefers_medial, pref, other) + spread[:, 0]
    lateral = np.where(prefers_medial, other, pref) + spread[:, 1]
    u = model.person_sd * rng.standard_normal(n)
    z = rng.standard_normal((n, 2))
    r = model.ar1**period_weeks
    e1 = model.visit_sd * z[:, 0]
    e2 = r * e1 + np.sqrt(1.0 - r * r) * model.visit_sd * z[:, 1]
    first = np.where(seq == 0, medial, lateral)
    second = np.where(seq == 0, lateral, medial)
    h = model.h(weeks)
    latent = np.column_stack(
        [
            baseline,
            baseline - model.natural_improvement * h[1] + first + u * h[1] + e1,
            baseline - model.natural_improvement * h[2] + second + u * h[2] + e2,
        ]
    )
    pain_true = np.clip(latent, 0.0, 10.0)
    recorded = latent + model.measurement_sd * rng.standard_normal((n, 3))
    recorded[:, 0] = pop["baseline_recorded"]
    akps = value("akps.intercept") + value("akps.per_pain_point") * pain_true
    akps = akps + value("akps.person_sd") * rng.standard_normal(n)[:, None]
    akps = np.round(np.clip(akps + value("akps.visit_sd") * rng.standard_normal((n, 3)), 0, 100))
    perceived = baseline[:, None] - latent + model.grc_sd * rng.standard_normal((n, 3))
    grc = 1 + (perceived[:, :, None] > model.cuts[None, None, :]).sum(axis=2)
    adh = np.round(
        np.clip(
            rng.beta(model.adherence_a, model.adherence_b, n)[:, None]
            + value("adherence.visit_sd") * rng.standard_normal((n, 3)),
            0.0,
            1.0,
        ),
        2,
    )
    adh[:, 0] = np.nan

    width = max(4, len(str(n)))
    ids = np.array([f"P{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    seq_label = np.where(seq == 0, "medial then lateral", "lateral then medial").astype(object)
    participants = pd.DataFrame(
        {
            "participant_id": ids,
            "arm": seq_label,
            "intervention": np.full(n, "knee_brace", dtype=object),
            "randomized_on": pd.to_datetime(randomized_on).astype("datetime64[ns]"),
            "age": age,
            "sex": pd.Categorical(
                np.where(female, "female", "male"), categories=["female", "male", "other"]
            ),
            "bmi": bmi,
            "symptom_months": symptom_months,
            "weekly_km": weekly_km,
            "squat_test": pd.Categorical(
                np.where(squat_fail, "fail", "pass"), categories=["pass", "fail"]
            ),
            "withdrawal_week": np.full(n, np.nan),
        }
    )
    cond = np.empty((n, 3), dtype=object)
    cond[:, 0] = "usual_care"
    cond[:, 1] = np.where(seq == 0, codes[0], codes[1])
    cond[:, 2] = np.where(seq == 0, codes[1], codes[0])
    grc_col = pd.array(grc.ravel().astype("int64"), dtype="Int64")
    week_col = np.tile(weeks, n)
    grc_col[week_col == 0] = pd.NA
    visits = pd.DataFrame(
        {
            "participant_id": np.repeat(ids, 3),
            "week": week_col,
            "pain": record_pain(recorded).ravel(),
            "akps": akps.ravel(),
            "grc": grc_col,
            "adherence": adh.ravel(),
            "condition": cond.ravel(),
        }
    )
    manifest = Manifest(
        cohort_id=cohort_id or f"sim-brace-crossover-s{seed}",
        title="Synthetic crossover: knee brace, medial vs lateral pull",
        design="crossover",
        comparator="knee_brace",
        primary_outcome="pain",
        primary_week=float(weeks[1]),
        visit_weeks=tuple(float(w) for w in weeks),
        risk_of_bias="low",
        source="synthetic",
        codes=dict(SETTINGS),
        seed=seed,
        description=(
            "Simulated by kneestudy.simulate.crossover: everyone wears the brace in both "
            "settings in random order; visits.condition holds the setting in force."
        ),
    )
    return Cohort(
        manifest=manifest,
        participants=participants,
        visits=visits,
        truth=_truth(model, weeks, n, seed),
    )


def _truth(model, weeks: np.ndarray, n: int, seed: int) -> dict[str, Any]:
    share = value("crossover.medial_preferred_share")
    pref, other = value("crossover.preferred_peak"), value("crossover.other_peak")
    sd = value("crossover.person_sd")
    medial = share * pref + (1 - share) * other
    lateral = share * other + (1 - share) * pref
    return {
        "seed": seed,
        "n": n,
        "design": "crossover",
        # effects vs no brace at the same week (latent pain points)
        "setting_effect": {"knee_brace_medial": medial, "knee_brace_lateral": lateral},
        "mean_difference_medial_minus_lateral": medial - lateral,
        # person-level difference medial - lateral: a two-point mixture at
        # +-(pref - other) with normal spread sd * sqrt(2)
        "individual_difference": {
            "medial_preferred_share": share,
            "preferred_minus_other": pref - other,
            "spread_sd": float(sd * np.sqrt(2.0)),
        },
        "period_effect": float(
            -model.natural_improvement * (model.h(weeks[2:3]) - model.h(weeks[1:2]))[0]
        ),
        "carry_over": 0.0,
    }
