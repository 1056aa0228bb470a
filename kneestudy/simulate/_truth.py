"""The true quantities a simulated cohort was drawn from (``cohort.truth``).

Computed from the model by quadrature, not by simulation, so estimators can
be checked for bias and coverage against exact targets:

* ``effect``: latent mean pain difference vs the comparator (the parameters),
  ``E[tau_arm(t)] - E[tau_comparator(t)]``;
* ``mean_pain`` / ``pain_difference``: expected *recorded* pain (true pain
  plus measurement error, bounded to 0–10, before rounding to 0.1 and before
  dropout) and its difference vs the comparator, the target of an analysis
  of all randomised participants. Given the latent recorded baseline
  ``R_0 = r``, adherence and squat test, recorded pain at week *t* > 0 is
  ``clip(Y, 0, 10)`` with ``Y`` normal, mean ``m = mu + ICC (r - mu) - M h +
  tau`` and variance ``s^2 = ICC (1 - ICC) sd^2 + sd_u^2 h^2 + sd_e^2 +
  sd_m^2``, and
  ``E[clip(Y, 0, 10)] = m [Phi(b) - Phi(a)] + s [phi(a) - phi(b)] + 10 [1 - Phi(b)]``
  with ``a = -m/s``, ``b = (10 - m)/s``; ``R_0`` (truncated normal) and
  adherence are integrated on 400 and 200 quantile mid-points (error well
  under 1e-3 points). At week 0 the expected recorded baseline is exact
  (truncated normal);
* ``mean_true_pain``: the same for true pain ``clip(L, 0, 10)`` (no
  measurement error): at week 0 it is below ``mean_pain`` by the regression
  to the mean that the entry threshold builds in;
* ``recovered``: ``P(GRC >= 6)`` by arm and week, and its difference;
* ``akps_effect_unbounded``: ``-5 x effect``, the AKPS difference before its
  0-100 bounds (approximate: ceiling effects shrink the recorded difference);
* ``effect_squat_fail`` / ``effect_squat_pass``: the latent effect by squat
  test, and ``pain_difference_squat_fail`` / ``_pass`` on the recorded scale;
* ``adverse_events``: the risk of each term by arm;
* ``baseline``: recorded and true mean baseline pain of the entrants and
  their difference (``regression_to_the_mean``), the entry threshold, the
  measurement error SD and the reliability (ICC).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from kneestudy.simulate._generate import truncnorm_ppf
from kneestudy.simulate._model import Model
from kneestudy.simulate.parameters import value

__all__ = ["truth"]

_NB, _NA = 400, 200
_SQRT2PI = float(np.sqrt(2.0 * np.pi))


def _bounded_mean(m: np.ndarray, s: float) -> np.ndarray:
    """E[clip(Y, 0, 10)] for Y ~ N(m, s^2), elementwise."""
    a = (0.0 - m) / s
    b = (10.0 - m) / s
    cdf_a, cdf_b = special.ndtr(a), special.ndtr(b)
    pdf_a, pdf_b = np.exp(-0.5 * a * a) / _SQRT2PI, np.exp(-0.5 * b * b) / _SQRT2PI
    return m * (cdf_b - cdf_a) + s * (pdf_a - pdf_b) + 10.0 * (1.0 - cdf_b)


def _truncated_baseline(model: Model) -> tuple[float, float]:
    """Exact (E[clip(R_0, 0, 10)], E[T_0]) of the entrants (R_0 normal, truncated below)."""
    mu, sd = model.screen_mean, model.screen_sd
    alpha, beta = (model.entry_low - mu) / sd, (10.0 - mu) / sd
    keep = special.ndtr(-alpha)  # P(R_0 >= low)
    pdf_a, pdf_b = np.exp(-0.5 * alpha**2) / _SQRT2PI, np.exp(-0.5 * beta**2) / _SQRT2PI
    below10 = mu * (special.ndtr(beta) - special.ndtr(alpha)) + sd * (pdf_a - pdf_b)
    recorded = (below10 + 10.0 * special.ndtr(-beta)) / keep
    true = mu + model.icc * sd * pdf_a / keep  # mu + ICC (E[R_0 | entry] - mu)
    return float(recorded), float(true)


def truth(model: Model, n: int, seed: int) -> dict[str, Any]:
    """The ``truth`` mapping of a cohort simulated from ``model``."""
    weeks = model.weeks
    q_b = (np.arange(_NB) + 0.5) / _NB
    r_nodes = truncnorm_ppf(q_b, model.screen_mean, model.screen_sd, model.entry_low, np.inf)
    t0_nodes = model.true_baseline(r_nodes)  # E[T_0 | R_0] at the nodes
    q_a = (np.arange(_NA) + 0.5) / _NA
    dose = special.betaincinv(model.adherence_a, model.adherence_b, q_a)
    dose = dose / dose.mean()  # the nodes' mean dose is exactly 1, as in the model
    fail_mult, pass_mult = model.squat_multipliers()
    pi = model.squat_fail_share
    h = model.h(weeks)
    var_true = model.baseline_cond_sd**2 + model.person_sd**2 * h**2 + model.visit_sd**2
    s_true = np.sqrt(var_true)
    s_rec = np.sqrt(var_true + model.measurement_sd**2)
    s_g = np.sqrt(model.person_sd**2 * h**2 + model.visit_sd**2 + model.grc_sd**2)
    cut6 = model.cuts[4]
    base_recorded, base_true = _truncated_baseline(model)
    base_true_bounded = float(_bounded_mean(t0_nodes, model.baseline_cond_sd).mean())

    rows = []
    for arm in model.arms:
        glute, other = model.arm_effect(arm, weeks)
        for j, t in enumerate(weeks):
            row = {"arm": arm, "intervention": arm, "week": float(t)}
            row["latent_effect"] = float(glute[j] + other[j])
            for name, mult in (("fail", fail_mult), ("pass", pass_mult)):
                tau = dose * (mult * glute[j] + other[j])  # over adherence nodes
                row[f"latent_{name}"] = float(mult * glute[j] + other[j])
                if t == 0:
                    row[f"mean_pain_{name}"] = base_recorded
                    row[f"mean_true_pain_{name}"] = base_true_bounded
                    row[f"recovered_{name}"] = np.nan
                    continue
                m = t0_nodes[:, None] - model.natural_improvement * h[j] + tau[None, :]
                row[f"mean_pain_{name}"] = float(_bounded_mean(m, s_rec[j]).mean())
                row[f"mean_true_pain_{name}"] = float(_bounded_mean(m, s_true[j]).mean())
                z = (model.natural_improvement * h[j] - tau - cut6) / s_g[j]
                row[f"recovered_{name}"] = float(special.ndtr(z).mean())
            for key in ("mean_pain", "mean_true_pain", "recovered"):
                row[key] = pi * row[f"{key}_fail"] + (1.0 - pi) * row[f"{key}_pass"]
            rows.append(row)
    frame = pd.DataFrame(rows)
    comp = frame[frame["arm"] == model.comparator].set_index("week")
    idx = frame["week"]
    frame["effect"] = frame["latent_effect"].to_numpy() - comp.loc[idx, "latent_effect"].to_numpy()
    frame["effect_squat_fail"] = (
        frame["latent_fail"].to_numpy() - comp.loc[idx, "latent_fail"].to_numpy()
    )
    frame["effect_squat_pass"] = (
        frame["latent_pass"].to_numpy() - comp.loc[idx, "latent_pass"].to_numpy()
    )
    # AKPS moves -5 points per pain point before its 0-100 bounds (approximate target)
    frame["akps_effect_unbounded"] = value("akps.per_pain_point") * frame["effect"] + 0.0
    for col in ("mean_pain", "mean_pain_fail", "mean_pain_pass"):
        diff = frame[col].to_numpy() - comp.loc[idx, col].to_numpy()
        frame[col.replace("mean_pain", "pain_difference")] = diff
    frame = frame.rename(
        columns={
            "pain_difference_fail": "pain_difference_squat_fail",
            "pain_difference_pass": "pain_difference_squat_pass",
        }
    )
    frame["recovered_difference"] = (
        frame["recovered"].to_numpy() - comp.loc[idx, "recovered"].to_numpy()
    )
    frame = frame[
        [
            "arm",
            "intervention",
            "week",
            "effect",
            "effect_squat_fail",
            "effect_squat_pass",
            "mean_pain",
            "mean_true_pain",
            "pain_difference",
            "pain_difference_squat_fail",
            "pain_difference_squat_pass",
            "akps_effect_unbounded",
            "recovered",
            "recovered_difference",
        ]
    ]
    ae_rows = [
        {"arm": arm, "intervention": arm, "term": term, "risk": risk}
        for arm in model.arms
        for term, risk in sorted(model.ae_risks(arm).items())
    ]
    return {
        "seed": seed,
        "n": n,
        "comparator": model.comparator,
        "arms": list(model.arms),
        "by_arm_week": frame.reset_index(drop=True),
        "adverse_events": pd.DataFrame(ae_rows, columns=["arm", "intervention", "term", "risk"]),
        "effect_peaks": dict(model.peaks),
        "squat_fail_ratio": model.squat_ratio,
        "natural_improvement": model.natural_improvement,
        "grc_cuts": [float(c) for c in model.cuts],
        "recovered_definition": "grc >= 6",
        "dropout": {
            "per_visit": model.dropout_per_visit,
            "logit_per_pain_point": model.dropout_slope,
            "mnar_logit_per_pain_point": model.dropout_mnar,
            "mechanism": model.dropout_mechanism,
        },
        "baseline": {
            "entry_pain": model.entry_pain,
            "recorded_mean": base_recorded,
            "true_mean": base_true,
            "regression_to_the_mean": base_recorded - base_true,
            "measurement_sd": model.measurement_sd,
            "icc": model.icc,
        },
        "grc_sd": model.grc_sd,
        "pain_resolution": 0.1,
        "akps_per_pain_point": value("akps.per_pain_point"),
    }
