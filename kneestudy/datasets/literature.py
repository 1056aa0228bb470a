"""Published figures of the demo study: contrasts and arm summaries.

Every row is a published figure (``source`` holds the citation); nothing here
is simulated. Contrasts are converted to an estimate and a standard error:

* mean differences from a 95% CI: ``se = (upper - lower) / 3.92``
  (``3.92 = 2 * 1.95996...``; the published two-decimal rounding makes the
  exact quantile immaterial);
* ratios on the log scale: ``estimate = log(ratio)``,
  ``se = (log(upper) - log(lower)) / 3.92``;
* Clegg 2006 (GAIT) gives response rates (60.1% placebo, 3.9 points higher on
  glucosamine) and P = 0.30 but no CI: ``log RR = log(64.0 / 60.1)`` and
  ``se = |log RR| / z`` with ``z = Phi^-1(1 - 0.30 / 2)`` (a test-based
  standard error; approximate, said in ``note``).

Where the evidence summary gives no follow-up week, the week used is stated in
``note`` as an assumption. Figures left out, and why: Clijsen 2014 (Hedges' g
1.18 without a CI or SE), Collins 2008 at 52 weeks ("no difference", no
estimate) and its adverse-event RR 1.87 (no CI), Petersen 2016, Lee 2021,
Foroughi 2019 and Motealleh 2019 (direction only), Dolak 2011 (arm sizes are
not in the evidence summary), the Roper 2016 control arm (no figures).

Examples
--------
>>> from kneestudy.datasets.literature import contrasts
>>> c = contrasts()
>>> row = c[c["study_id"] == "towheed2009"].iloc[0]
>>> round(float(row["se"]), 4), row["population"]
(0.125, 'knee osteoarthritis')
"""

from __future__ import annotations

import math

import pandas as pd
from scipy import special

__all__ = ["arm_summaries", "contrasts"]

_Z = 3.92
_NAN = float("nan")

# fmt: off
# (study_id, treatment, comparator, outcome, week, measure, point, lower, upper,
#  n_treatment, n_comparator, source, population, note); ratios as published
# (not logged), converted below.
_CONTRASTS = (
    ("nascimento2018-hipknee-vs-knee", "glute_strengthening+quadriceps_strengthening",
     "quadriceps_strengthening", "pain", 12, "MD", -1.5, -2.3, -0.8, None, None,
     "Nascimento LR et al. 2018, meta-analysis", None,
     "pooled over trials; week 12 (end of treatment) is an assumption"),
    ("nascimento2018-hipknee-vs-none", "glute_strengthening+quadriceps_strengthening",
     "usual_care", "pain", 12, "MD", -3.3, -5.6, -1.1, None, None,
     "Nascimento LR et al. 2018, meta-analysis", None,
     "comparator 'no training' coded usual_care; week 12 (end of treatment) is an assumption"),
    ("hott2020", "glute_strengthening", "usual_care", "akps", 52, "MD", -1.1, -8.9, 6.7, 39, 36,
     "Hott A et al. 2020, randomised trial", None,
     "comparator 'free physical activity' coded usual_care"),
    ("hansen2023", "quadriceps_strengthening", "glute_strengthening", "akps", 12, "MD",
     0.6, -2.0, 3.2, 100, 100,
     "Hansen R et al. 2023, randomised equivalence trial (Br J Sports Med 57:1287)", None,
     "change from baseline"),
    ("rathleff2015", "quadriceps_strengthening+education", "education", "recovered", 52,
     "logOR", 1.73, 1.02, 2.93, None, None,
     "Rathleff MS et al. 2015, randomised trial (n 121)", None,
     "exercise therapy coded quadriceps_strengthening"),
    ("collins2008", "orthotics", "flat_insert", "recovered", 6, "logRR", 1.48, 1.11, 1.99,
     None, None, "Collins N et al. 2008, BMJ 337:a1735 (179 people, 4 arms)", None,
     "global improvement (moderate or marked)"),
    ("callaghan2012", "taping", "usual_care", "pain", 4, "MD", -0.15, -1.15, 0.85, None, None,
     "Callaghan MJ, Selfe J 2012, Cochrane review (5 RCTs, 200 people; I2 84%)", None,
     "comparator 'no taping' coded usual_care; week 4 is an assumption"),
    ("winters2021", "physical_therapy", "wait_and_see", "recovered", 12, "logOR",
     25.2, 5.7, 130.3, None, None,
     "Winters M et al. 2021, network meta-analysis (Br J Sports Med)", None,
     "education + exercise + taping/mobilisation; outcome 'any improvement'"),
    ("towheed2009", "glucosamine", "placebo", "pain", 24, "SMD", -0.47, -0.72, -0.23, None, None,
     "Towheed T et al. 2009, Cochrane review (25 RCTs)", "knee osteoarthritis",
     "no benefit in trials with adequate allocation concealment; week 24 is an assumption"),
)
# fmt: on


def contrasts() -> pd.DataFrame:
    """Published contrasts as estimate and standard error (schema ``contrasts``)."""
    rows = []
    for sid, trt, comp, outcome, week, measure, pt, lo, hi, nt, nc, src, pop, note in _CONTRASTS:
        if measure.startswith("log"):
            est, se = math.log(pt), (math.log(hi) - math.log(lo)) / _Z
        else:
            est, se = float(pt), (hi - lo) / _Z
        rows.append(
            (sid, trt, comp, outcome, float(week), measure, est, se, nt, nc, src, pop, note)
        )
    # Clegg 2006 (GAIT): responders 64.0% vs 60.1%, P = 0.30, test-based SE.
    log_rr = math.log(0.640 / 0.601)
    z = float(special.ndtri(1.0 - 0.30 / 2.0))
    rows.append(
        (
            "clegg2006",
            "glucosamine",
            "placebo",
            "responder",
            24.0,
            "logRR",
            log_rr,
            abs(log_rr) / z,
            None,
            None,
            "Clegg DO et al. 2006, NEJM 354:795 (GAIT; n about 317 per arm)",
            "knee osteoarthritis",
            "responder = 20% fall in WOMAC pain; SE from P = 0.30 (approximate)",
        )
    )
    cols = [
        "study_id",
        "treatment",
        "comparator",
        "outcome",
        "week",
        "measure",
        "estimate",
        "se",
        "n_treatment",
        "n_comparator",
        "source",
        "population",
        "note",
    ]
    out = pd.DataFrame(rows, columns=cols)
    for col in ("n_treatment", "n_comparator"):
        out[col] = pd.array([pd.NA if pd.isna(v) else int(v) for v in out[col]], dtype="Int64")
    out["population"] = out["population"].fillna("patellofemoral pain").astype(object)
    return out


# fmt: off
# (study_id, arm, intervention, outcome, week, n, mean, sd, change, source, note)
_ASSUMED_SD = 1.5
_ARMS = (
    ("whittingham2004", "tape + exercise", "taping+quadriceps_strengthening", "pain", 4, 10,
     1.1, _ASSUMED_SD, False, "Whittingham M et al. 2004, randomised trial (n 30, 3 arms)",
     "SD assumed (1.5; not published in the evidence summary); n 10 per arm assumed (30 / 3)"),
    ("whittingham2004", "placebo tape + exercise", "sham+quadriceps_strengthening", "pain", 4, 10,
     2.4, _ASSUMED_SD, False, "Whittingham M et al. 2004, randomised trial (n 30, 3 arms)",
     "SD assumed (1.5; not published in the evidence summary); n 10 per arm assumed (30 / 3)"),
    ("whittingham2004", "exercise", "quadriceps_strengthening", "pain", 4, 10,
     2.9, _ASSUMED_SD, False, "Whittingham M et al. 2004, randomised trial (n 30, 3 arms)",
     "SD assumed (1.5; not published in the evidence summary); n 10 per arm assumed (30 / 3)"),
    ("noehren2011", "gait retraining", "running_form", "pain", 0, 10, 5.0, _NAN, False,
     "Noehren B et al. 2011, case series (Br J Sports Med)", "single arm; SD not given"),
    ("noehren2011", "gait retraining", "running_form", "pain", 2, 10, 0.5, _NAN, False,
     "Noehren B et al. 2011, case series (Br J Sports Med)",
     "single arm; SD not given; 8 sessions over about 2 weeks"),
    ("willy2012", "gait retraining", "running_form", "pain", 0, 10, 4.5, _NAN, False,
     "Willy RW et al. 2012, case series", "single arm; SD not given"),
    ("willy2012", "gait retraining", "running_form", "pain", 2, 10, 0.5, _NAN, False,
     "Willy RW et al. 2012, case series",
     "single arm; SD not given; 8 sessions, week 2 is an assumption"),
    ("roper2016", "forefoot strike", "running_form", "pain", 0, 8, 5.3, _NAN, False,
     "Roper JL et al. 2016, randomised trial (8 per arm)", "SD not given; control arm figures not available"),
    ("roper2016", "forefoot strike", "running_form", "pain", 4, 8, 1.0, _NAN, False,
     "Roper JL et al. 2016, randomised trial (8 per arm)",
     "SD not given; 1 month; control arm figures not available"),
)
# fmt: on


def arm_summaries() -> pd.DataFrame:
    """Published arm-level figures (schema ``arm_summaries``); assumed SDs said in ``note``."""
    out = pd.DataFrame(
        _ARMS,
        columns=[
            "study_id",
            "arm",
            "intervention",
            "outcome",
            "week",
            "n",
            "mean",
            "sd",
            "change",
            "source",
            "note",
        ],
    )
    out["week"] = out["week"].astype("float64")
    out["n"] = out["n"].astype("Int64")
    out["mean"] = out["mean"].astype("float64")
    out["sd"] = out["sd"].astype("float64")
    out["events"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["change"] = out["change"].astype("boolean")
    cols = ["study_id", "arm", "intervention", "outcome", "week", "n", "mean", "sd", "events"]
    return out[[*cols, "change", "source", "note"]]
