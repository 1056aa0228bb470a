"""Draw participants, visits and adverse events from a resolved :class:`Model`.

Vectorised over participants (arrays of shape ``(n, visits)``); the only
Python loops run over visits and over arms. Draws happen in a fixed order from
one ``numpy.random.Generator``, so a seed fixes every number.

Recorded resolution (the full-precision latent values are not stored):
pain to 0.1 point (a 10 cm VAS read to the millimetre) after its measurement
error and the 0-10 bounds, AKPS to whole points
(a sum of item scores), adherence to 0.01, age to whole years, BMI, symptom
months and weekly km to 0.1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from kneestudy.interventions import label_of
from kneestudy.simulate._model import Model
from kneestudy.simulate.parameters import AE_TABLE, value

__all__ = ["draw", "draw_population", "record_pain", "truncnorm_ppf"]

_START = np.datetime64("2025-01-06")


def _truncnorm(rng: np.random.Generator, n: int, mean: float, sd: float, low: float, high: float):
    """Inverse-CDF draw from N(mean, sd^2) truncated to [low, high]."""
    return truncnorm_ppf(rng.random(n), mean, sd, low, high)


def truncnorm_ppf(q: np.ndarray, mean: float, sd: float, low: float, high: float) -> np.ndarray:
    """Quantiles of a truncated normal (bounds within a few SDs of the mean)."""
    lo, hi = special.ndtr((low - mean) / sd), special.ndtr((high - mean) / sd)
    return mean + sd * special.ndtri(lo + q * (hi - lo))


def draw_population(rng: np.random.Generator, n: int, model: Model) -> dict:
    """Baseline covariates and baseline pain of ``n`` trial entrants.

    Draw order is fixed (age, sex, BMI, symptom months, weekly km, squat test,
    randomisation date, recorded baseline pain, true baseline pain) so that a
    seed gives the same cohort. Recorded baseline pain ``R_0`` (before
    rounding, ``baseline_recorded``) is drawn from the screened population's
    normal distribution truncated at the entry threshold; the true baseline
    ``T_0`` (``baseline``) from its normal distribution given ``R_0``
    (:mod:`kneestudy.simulate._model`). Each person is drawn independently.
    """
    age = np.round(
        _truncnorm(
            rng,
            n,
            value("population.age_mean"),
            value("population.age_sd"),
            value("population.age_low"),
            value("population.age_high"),
        )
    )
    female = rng.random(n) < value("population.female_share")
    bmi = np.round(
        _truncnorm(
            rng,
            n,
            value("population.bmi_mean"),
            value("population.bmi_sd"),
            value("population.bmi_low"),
            value("population.bmi_high"),
        ),
        1,
    )
    symptom_months = _lognormal_months(rng, n)
    weekly_km = np.round(
        value("population.weekly_km_median")
        * np.exp(value("population.weekly_km_log_sd") * rng.standard_normal(n)),
        1,
    )
    squat_fail = rng.random(n) < model.squat_fail_share
    randomized_on = _START + rng.integers(0, 365, n).astype("timedelta64[D]")
    recorded = _truncnorm(rng, n, model.screen_mean, model.screen_sd, model.entry_low, np.inf)
    true = model.true_baseline(recorded) + model.baseline_cond_sd * rng.standard_normal(n)
    return {
        "age": age,
        "female": female,
        "bmi": bmi,
        "symptom_months": symptom_months,
        "weekly_km": weekly_km,
        "squat_fail": squat_fail,
        "randomized_on": randomized_on,
        "baseline_recorded": recorded,
        "baseline": true,
    }


def record_pain(latent: np.ndarray) -> np.ndarray:
    """Recorded pain from latent recorded values: bounded to 0-10, to 0.1 point."""
    return np.round(np.clip(latent, 0.0, 10.0), 1)


def _lognormal_months(rng: np.random.Generator, n: int) -> np.ndarray:
    """Symptom duration: log-normal with the tabled mean (not median)."""
    sd = value("population.symptom_months_log_sd")
    mu = np.log(value("population.symptom_months_mean")) - sd**2 / 2
    return np.round(np.exp(mu + sd * rng.standard_normal(n)), 1)


def draw(model: Model, n: int, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Simulate one cohort's tables (participants, visits, adverse_events).

    Participants are independent given their arm: every person-level quantity
    (covariates, baseline, recovery, residuals, measurement errors, ratings,
    adherence, dropout, adverse events) is drawn per person, and allocation
    is a random permutation of equal arm sizes, independent of all of them.
    """
    weeks = model.weeks
    n_visits = weeks.size
    n_arms = len(model.arms)

    # -- allocation: equal sizes (±1), random order --------------------------
    arm_idx = rng.permutation(np.resize(np.arange(n_arms), n))
    arm_codes = np.asarray(model.arms, dtype=object)

    # -- baseline covariates, baseline pain, person-level terms ---------------
    pop = draw_population(rng, n, model)
    age, female, bmi = pop["age"], pop["female"], pop["bmi"]
    symptom_months, weekly_km = pop["symptom_months"], pop["weekly_km"]
    squat_fail, randomized_on, baseline = pop["squat_fail"], pop["randomized_on"], pop["baseline"]
    u = model.person_sd * rng.standard_normal(n)
    propensity = rng.beta(model.adherence_a, model.adherence_b, n)
    akps_person = value("akps.person_sd") * rng.standard_normal(n)

    # -- arm effects by person and visit ------------------------------------
    fail_mult, pass_mult = model.squat_multipliers()
    squat_mult = np.where(squat_fail, fail_mult, pass_mult)
    dose = propensity / model.adherence_mean
    glute_eff = np.empty((n_arms, n_visits))
    other_eff = np.empty((n_arms, n_visits))
    for a, arm in enumerate(model.arms):
        glute_eff[a], other_eff[a] = model.arm_effect(arm, weeks)
    tau = dose[:, None] * (squat_mult[:, None] * glute_eff[arm_idx] + other_eff[arm_idx])

    # -- AR(1) variation of true pain over follow-up visits --------------------
    z = rng.standard_normal((n, n_visits))
    e = np.zeros((n, n_visits))
    e[:, 1] = model.visit_sd * z[:, 1]
    for k in range(2, n_visits):
        r = model.ar1 ** (weeks[k] - weeks[k - 1])
        e[:, k] = r * e[:, k - 1] + np.sqrt(1.0 - r * r) * model.visit_sd * z[:, k]

    # -- true pain (latent), recorded pain = true + measurement error -------------
    h = model.h(weeks)
    latent = baseline[:, None] - model.natural_improvement * h + tau + u[:, None] * h + e
    latent[:, 0] = baseline
    pain_true = np.clip(latent, 0.0, 10.0)
    error = model.measurement_sd * rng.standard_normal((n, n_visits))
    recorded = latent + error
    recorded[:, 0] = pop["baseline_recorded"]  # its error is R_0 - T_0, drawn jointly
    pain = record_pain(recorded)

    # -- AKPS (its own measurement error), correlated with true pain -----------
    akps_noise = value("akps.visit_sd") * rng.standard_normal((n, n_visits))
    akps = value("akps.intercept") + value("akps.per_pain_point") * pain_true
    akps = np.round(np.clip(akps + akps_person[:, None] + akps_noise, 0.0, 100.0))

    # -- global rating of change ------------------------------------------------
    perceived = baseline[:, None] - latent + model.grc_sd * rng.standard_normal((n, n_visits))
    grc = 1 + (perceived[:, :, None] > model.cuts[None, None, :]).sum(axis=2)

    # -- adherence --------------------------------------------------------------
    adh = propensity[:, None] + value("adherence.visit_sd") * rng.standard_normal((n, n_visits))
    adh = np.round(np.clip(adh, 0.0, 1.0), 2)
    dosed = np.array([model.dosed(a) for a in model.arms])[arm_idx]
    adh[~dosed, :] = np.nan
    adh[:, 0] = np.nan

    # -- dropout: on the last recorded pain (MAR) and the current true pain (MNAR)
    present, withdrawal = _dropout(model, rng, pain, pain_true)

    width = max(4, len(str(n)))
    ids = np.array([f"P{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    participants = pd.DataFrame(
        {
            "participant_id": ids,
            # a readable label for reports; the code stays in ``intervention``
            "arm": np.array([label_of(c) for c in arm_codes], dtype=object)[arm_idx],
            "intervention": arm_codes[arm_idx],
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
            "withdrawal_week": withdrawal,
        }
    )

    flat = present.ravel()
    grc_flat = grc.ravel().astype("int64")
    grc_col = pd.array(grc_flat[flat], dtype="Int64")
    week_col = np.tile(weeks, n)[flat]
    grc_col[week_col == 0] = pd.NA
    visits = pd.DataFrame(
        {
            "participant_id": np.repeat(ids, n_visits)[flat],
            "week": week_col,
            "pain": pain.ravel()[flat],
            "akps": akps.ravel()[flat],
            "grc": grc_col,
            "adherence": adh.ravel()[flat],
        }
    )

    adverse = _adverse_events(model, rng, arm_idx, ids, weeks, withdrawal)
    return {
        "participants": participants,
        "visits": visits,
        "adverse_events": adverse,
        "_latent": latent,
        "_arm_idx": arm_idx,
    }


def _dropout(model: Model, rng, pain: np.ndarray, pain_true: np.ndarray):
    """(present, withdrawal week): who attends each visit, and the last visit attended.

    Before each follow-up visit *k*, someone still in the trial withdraws with
    ``logit p = logit(p0) + b_mar (R(k-1) - ref) + b_mnar (T(k) - ref)``:
    ``R(k-1)`` the last recorded pain, ``T(k)`` the true pain (0-10) at the
    visit they would have attended, never recorded for those who withdraw.
    The uniform draws are made whether or not dropout is on, so turning it on
    changes no other number.
    """
    weeks = model.weeks
    n, n_visits = pain.shape
    present = np.ones((n, n_visits), dtype=bool)
    withdrawal = np.full(n, np.nan)
    u_drop = rng.random((n, n_visits))
    if model.dropout_per_visit <= 0:
        return present, withdrawal
    ref = value("dropout.reference_pain")
    base_logit = np.log(model.dropout_per_visit / (1.0 - model.dropout_per_visit))
    for k in range(1, n_visits):
        logit = (
            base_logit
            + model.dropout_slope * (pain[:, k - 1] - ref)
            + model.dropout_mnar * (pain_true[:, k] - ref)
        )
        p = special.expit(logit)
        leaves = present[:, k - 1] & (u_drop[:, k] < p)
        withdrawal[leaves] = weeks[k - 1]
        present[:, k] = present[:, k - 1] & ~leaves
    return present, withdrawal


def _adverse_events(model, rng, arm_idx, ids, weeks, withdrawal) -> pd.DataFrame:
    """Independent Bernoulli events per (arm, term); onset day uniform over follow-up.

    The risk applies to participants with follow-up after baseline (none for
    someone who withdrew at week 0); onset is a whole day in (0, last visit].
    """
    n = ids.size
    last = np.where(np.isnan(withdrawal), weeks[-1], withdrawal)
    terms = sorted({t for arm in model.arms for t in model.ae_risks(arm)})
    p_mod, p_sev = value("ae.severity_moderate"), value("ae.severity_severe")
    background = {t for t, _ in AE_TABLE.get("all", ())}
    frames = []
    for term in terms:
        risk = np.array([model.ae_risks(arm).get(term, 0.0) for arm in model.arms])[arm_idx]
        u = rng.random(n)
        timing = rng.random(n)
        sev_u = rng.random(n)
        hit = (u < risk) & (last > 0)  # no follow-up, no event
        if not hit.any():
            continue
        # onset on a whole day within follow-up, in weeks
        week = np.clip(np.ceil(timing[hit] * last[hit] * 7.0), 1.0, None) / 7.0
        sev = np.where(
            sev_u[hit] < p_sev, "severe", np.where(sev_u[hit] < p_sev + p_mod, "moderate", "mild")
        )
        related = term not in background
        frames.append(
            pd.DataFrame(
                {
                    "participant_id": ids[hit],
                    "week": week.astype(float),
                    "term": term,
                    "severity": sev,
                    "serious": sev == "severe",
                    "related": related,
                }
            )
        )
    cols = ["participant_id", "week", "term", "severity", "serious", "related"]
    if frames:
        out = pd.concat(frames, ignore_index=True)
    else:
        out = pd.DataFrame({c: [] for c in cols})
    out = out.sort_values(["participant_id", "week", "term"], kind="stable").reset_index(drop=True)
    out["participant_id"] = out["participant_id"].astype(object)
    out["term"] = out["term"].astype(object)
    out["week"] = out["week"].astype("float64")
    out["severity"] = pd.Categorical(out["severity"], categories=["mild", "moderate", "severe"])
    out["serious"] = out["serious"].astype(bool)
    out["related"] = out["related"].astype("boolean")
    return out[cols]
