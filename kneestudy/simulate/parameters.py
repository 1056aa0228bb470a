"""Every parameter of the trial simulator, with its source, in one table.

Each row of :data:`TABLE` is ``(name, value, unit, source, assumption)``.
``source`` names the published figure the value comes from (a citation of the
project's evidence summary, or a paper of the evidence base :func:`kneestudy.datasets.evidence`, whose
rows quote the numbers), and
says how the value was obtained when it is derived. ``assumption`` is True
whenever no source gives the *size* used — even when a source is named for
the direction of an effect, for a range the value was chosen in, or for a
figure from another population that the value was converted from. Read the
table with :func:`parameter_table` (a DataFrame) or a value with
:func:`value`.

Conventions
-----------
* Pain is the 0–10 scale (worst pain when running in the past week). The
  simulator separates *true* pain from *recorded* pain: recorded = true +
  measurement error, bounded to 0–10 (see :mod:`kneestudy.simulate._model`).
* An *effect* is a difference in mean true pain versus a no-treatment
  control at mean adherence, negative = less pain. Effects of the parts of a
  combined arm (``glute_strengthening+quadriceps_strengthening``) add up.
* Every effect follows the profile
  ``s(t) = (1 - exp(-t / onset)) * (persist + (1 - persist) * exp(-max(0, t - hold) / decay))``
  times its ``peak``: it builds up with time constant ``onset`` weeks, holds
  until week ``hold`` and then fades with time constant ``decay`` towards
  the share ``persist`` of the peak.
* *Recovered* means a global rating of change (GRC, 1–7) of 6 or 7
  ("much improved" or "completely recovered"), the definition of favourable
  recovery in Collins 2013. The GRC cut-point for "recovered" and the GRC
  noise are solved so that 45% of the control arm are recovered at 12 weeks
  and 60% at 52 weeks; the control arm's pain trajectory itself is set by
  ``natural.*`` and is not moved by that calibration.

Examples
--------
>>> from kneestudy.simulate.parameters import value, parameter_table
>>> value("effect.orthotics.peak")
-1.2
>>> t = parameter_table()
>>> t.loc["natural.recovered_week12", "source"][:11]
'Collins 201'
>>> bool(t.loc["effect.orthotics.peak", "assumption"])
True
"""

from __future__ import annotations

from types import MappingProxyType

import pandas as pd

__all__ = ["AE_TABLE", "PARAMETER_NAMES", "TABLE", "effect_codes", "parameter_table", "value"]

_A = "assumption"
_Y, _N = True, False  # assumption flags, for a readable table

# fmt: off
#: (name, value, unit, source, assumption). Effects: pain points vs control, negative = better.
TABLE: tuple[tuple[str, float, str, str, bool], ...] = (
    # -- population at entry ------------------------------------------------
    ("population.age_mean", 29.0, "years", f"{_A}: typical of adult PFP trials of runners", _Y),
    ("population.age_sd", 7.0, "years", _A, _Y),
    ("population.age_low", 16.0, "years", f"{_A}: trial inclusion range", _Y),
    ("population.age_high", 50.0, "years", f"{_A}: trial inclusion range", _Y),
    ("population.female_share", 0.6, "share", f"{_A}: PFP is about twice as common in women", _Y),
    ("population.bmi_mean", 23.5, "kg/m2", f"{_A}: recreational runners", _Y),
    ("population.bmi_sd", 3.0, "kg/m2", _A, _Y),
    ("population.bmi_low", 16.0, "kg/m2", f"{_A}: trial inclusion range", _Y),
    ("population.bmi_high", 40.0, "kg/m2", f"{_A}: trial inclusion range", _Y),
    ("population.symptom_months_mean", 39.0, "months", "Hott 2020 (mean symptom duration 39 months)", _N),
    ("population.symptom_months_log_sd", 0.9, "log months", f"{_A}: right-skewed (log-normal)", _Y),
    ("population.weekly_km_median", 20.0, "km/week", f"{_A}: recreational runners", _Y),
    ("population.weekly_km_log_sd", 0.6, "log km", _A, _Y),
    ("population.squat_fail_share", 0.5, "share", f"{_A}: knee moves inward in half of PFP runners", _Y),
    # -- pain at entry: a source population screened on recorded pain ---------
    # Recorded pain = true pain + measurement error. People whose recorded
    # baseline pain reaches the entry threshold enter; their measurement
    # errors are biased upwards, so follow-up visits regress to the mean.
    ("baseline.pain_mean", 4.5, "points 0-10", f"{_A}: recorded pain of the people screened; chosen so that those entering (pain >= 3) have a recorded baseline of about 5.2 (SD 1.5), within the baseline VAS 4.5-5.3 of Noehren 2011, Willy 2012 and Roper 2016", _Y),
    ("baseline.pain_sd", 2.0, "points 0-10", f"{_A}: between-person SD of recorded pain among those screened (see baseline.pain_mean)", _Y),
    ("baseline.pain_low", 3.0, "points 0-10", "Hott 2020 (inclusion pain >= 3/10 on a VAS); the entry threshold on recorded baseline pain", _N),
    ("measurement.icc", 0.60, "correlation", "Chesworth 1989, J Orthop Sports Phys Ther 10:302 (PMID 18796951): 'the VAS (r1 = 0.603) ... exhibited poor day-to-day reliability' in 18 people with PFP; Crossley 2004 reports ICC .49 to .83 across PFP measures", _N),
    ("akps.intercept", 96.0, "points 0-100", "JEO 2020 cohort (baseline AKPS mean 71 at pain 5)", _N),
    ("akps.per_pain_point", -5.0, "points per pain point", "Crossley 2004 (MCID 10 AKPS ~ 2 pain points)", _N),
    ("akps.person_sd", 8.0, "points 0-100", f"{_A}: JEO 2020 SD 24 mixes wider populations", _Y),
    ("akps.visit_sd", 5.0, "points 0-100", _A, _Y),
    # -- natural history (control arm) --------------------------------------
    # Mean true pain of the control arm falls by improvement * (1 - exp(-t / weeks)).
    ("natural.improvement", 2.7, "points 0-10", f"{_A}: with natural.recovery_weeks, control pain about 3.5 at 12 weeks and 2.6 at 52 weeks from a recorded 5.2 at entry (40% still unrecovered at 12 months, Collins 2013, is not a mean; no control-arm pain means of PFP trials in the evidence base yet)", _Y),
    ("natural.recovery_weeks", 16.0, "weeks", f"{_A}: time constant of natural improvement (see natural.improvement)", _Y),
    ("natural.recovered_week12", 0.45, "share", "Collins 2013, Br J Sports Med 47:227 (55% unfavourable recovery at 3 months, n 310; a cohort of trial participants, taken as the control arm)", _N),
    ("natural.recovered_week52", 0.60, "share", "Collins 2013 (40% unfavourable at 12 months)", _N),
    # -- between-person and within-person variation of true pain -----------
    ("variation.person_sd", 2.0, "points 0-10", f"{_A}: SD of each person's deviation from the average recovery (some recover fully, some worsen); recorded control SD about 2.1 at 12 weeks and 2.3 at 52", _Y),
    ("variation.visit_sd", 0.6, "points 0-10", f"{_A}: visit-to-visit variation of true pain beyond measurement error", _Y),
    ("variation.ar1_per_week", 0.9, "correlation", f"{_A}: correlation of that variation one week apart (AR(1))", _Y),
    # GRC thresholds on perceived improvement (pain points); the 6+ cut-point and
    # the GRC noise are solved from natural.recovered_week12 / _week52.
    ("grc.cut_2", -2.5, "points 0-10", f"{_A}: much worse / worse", _Y),
    ("grc.cut_3", -1.5, "points 0-10", f"{_A}: worse / slightly worse", _Y),
    ("grc.cut_4", -0.5, "points 0-10", f"{_A}: slightly worse / unchanged", _Y),
    ("grc.cut_5", 0.5, "points 0-10", f"{_A}: unchanged / slightly improved", _Y),
    ("grc.cut_7_above_6", 1.5, "points 0-10", f"{_A}: completely recovered lies 1.5 above much improved", _Y),
    # -- adherence (dose-response) ---------------------------------------------
    ("adherence.beta_a", 4.0, "", f"{_A}: person adherence ~ Beta(4, 1.5), mean 0.73", _Y),
    ("adherence.beta_b", 1.5, "", _A, _Y),
    ("adherence.visit_sd", 0.08, "share", f"{_A}: visit-to-visit variation of recorded adherence", _Y),
    # -- dropout ------------------------------------------------------------------
    ("dropout.per_visit", 0.015, "probability", "Crossley 2002 (4/71, 6%); Bonacci 2018 (2/16); Drew 2017 (8%): 6-8% over a trial of 5-6 visits", _N),
    ("dropout.logit_per_pain_point", 0.3, "log odds per point", f"{_A}: more pain at the last visit, more dropout (missing at random)", _Y),
    ("dropout.mnar_logit_per_pain_point", 0.0, "log odds per point", f"{_A}: default missing at random; set dropout_mnar= for dropout that depends on the current, unrecorded pain", _Y),
    ("dropout.reference_pain", 5.0, "points 0-10", f"{_A}: pain at which dropout.per_visit applies", _Y),
    # -- effects by code ---------------------------------------------------------
    ("effect.quadriceps_strengthening.peak", -1.0, "points 0-10", "van Linschoten 2009, BMJ 339:b4074 (supervised exercise v usual care, pain on activity MD -1.00, -1.91 to -0.08, at 3 months); Hott 2019 (knee exercise v free activity, AKPS +0.2, -5.5 to 6.0, at 3 months)", _N),
    ("effect.quadriceps_strengthening.onset", 3.0, "weeks", _A, _Y),
    ("effect.quadriceps_strengthening.hold", 12.0, "weeks", f"{_A}: programme length", _Y),
    ("effect.quadriceps_strengthening.decay", 26.0, "weeks", _A, _Y),
    ("effect.quadriceps_strengthening.persist", 0.3, "share", f"{_A}: Hott 2020 finds no difference at 12 months (no size)", _Y),
    ("effect.glute_strengthening.peak", -1.0, "points 0-10", "Nascimento 2018 (hip + knee v knee, MD -1.5, -2.3 to -0.8): a value inside its CI that makes hip exercise about equal to knee exercise, as Hansen 2023 (quadriceps - hip, AKPS 0.6, -2.0 to 3.2) and Hott 2019 (hip v knee, AKPS 0.8, -4.8 to 6.4) find", _N),
    ("effect.glute_strengthening.onset", 3.0, "weeks", _A, _Y),
    ("effect.glute_strengthening.hold", 12.0, "weeks", f"{_A}: programme length", _Y),
    ("effect.glute_strengthening.decay", 20.0, "weeks", f"{_A}: Hott 2020 finds no difference at 12 months (no size)", _Y),
    ("effect.glute_strengthening.persist", 0.2, "share", f"{_A}: Hott 2020 finds no difference at 12 months (no size)", _Y),
    ("effect.glute_strengthening.squat_fail_ratio", 4.0, "ratio", f"{_A}: effect when the squat test fails / when it passes (the claim under test; no source gives a size); large enough for the demo's interaction test to show it (power in kneestudy.datasets.build)", _Y),
    ("effect.stretching.peak", -0.5, "points 0-10", f"{_A}: Lee 2021 compares stretching types only (no difference), no size v control", _Y),
    ("effect.stretching.onset", 3.0, "weeks", _A, _Y),
    ("effect.stretching.hold", 12.0, "weeks", _A, _Y),
    ("effect.stretching.decay", 26.0, "weeks", _A, _Y),
    ("effect.stretching.persist", 0.3, "share", _A, _Y),
    ("effect.balance_training.peak", -0.8, "points 0-10", f"{_A}: Foroughi 2019 and Motealleh 2019 report gains when added to exercise, with no effect size; Rabelo 2017 (movement control added to hip and knee exercise) is mixed, pain MD -0.3 (-1.7 to 1.0) at 4 weeks and AKPS 8.5 better (0.3 to 16.8) at 3 months: the value lies inside both CIs", _Y),
    ("effect.balance_training.onset", 2.0, "weeks", _A, _Y),
    ("effect.balance_training.hold", 6.0, "weeks", "Foroughi 2019; Motealleh 2019 (4-6 week programmes)", _N),
    ("effect.balance_training.decay", 20.0, "weeks", _A, _Y),
    ("effect.balance_training.persist", 0.3, "share", _A, _Y),
    ("effect.running_form.peak", -2.0, "points 0-10", f"{_A}: the case series fall 4.5 points (Noehren 2011, 5.0 to 0.5; Willy 2012, 4.5 to 0.5), Roper 2016 5.3 to 1 (n 8 per arm); de Souza Junior 2024 (n 10 per arm) MD -3.2 (-5.1 to -1.3) and -2.9 (-4.8 to -1.0) at 24 weeks v no intervention. Small studies; a smaller value, inside those CIs once the 0-10 bounds act, keeps arm means off the floor", _Y),
    ("effect.running_form.onset", 2.0, "weeks", "Noehren 2011 (8 sessions over about 2 weeks)", _N),
    ("effect.running_form.hold", 26.0, "weeks", _A, _Y),
    ("effect.running_form.decay", 52.0, "weeks", _A, _Y),
    ("effect.running_form.persist", 0.6, "share", _A, _Y),
    ("effect.orthotics.peak", -1.2, "points 0-10", f"{_A}: Collins 2008 gives no pain difference; the size is chosen so that the simulated risk ratio of recovery v flat inserts at 6 weeks is about Collins 2008's 1.48 (1.11 to 1.99; via Hossain 2011), through the assumed GRC model", _Y),
    ("effect.orthotics.onset", 1.0, "weeks", _A, _Y),
    ("effect.orthotics.hold", 6.0, "weeks", "Collins 2008 (benefit at 6 weeks)", _N),
    ("effect.orthotics.decay", 10.0, "weeks", f"{_A}: Collins 2008 finds no difference at 52 weeks (no size)", _Y),
    ("effect.orthotics.persist", 0.0, "share", f"{_A}: Collins 2008 finds no difference at 52 weeks (no size)", _Y),
    ("effect.knee_brace.peak", -0.8, "points 0-10", f"{_A}: Petersen 2016 (brace + physiotherapy better at 6 and 12 weeks) gives the direction, not a size in the evidence summary", _Y),
    ("effect.knee_brace.onset", 0.1, "weeks", f"{_A}: a helpful brace helps at once", _Y),
    ("effect.knee_brace.hold", 12.0, "weeks", "Petersen 2016 (better at 6 and 12 weeks)", _N),
    ("effect.knee_brace.decay", 15.0, "weeks", f"{_A}: Petersen 2016 (at 1 year only KOOS-ADL better; no size)", _Y),
    ("effect.knee_brace.persist", 0.1, "share", _A, _Y),
    ("effect.physical_therapy.peak", -1.5, "points 0-10", f"{_A}: Winters 2021 (OR 25.2, 5.7 to 130.3, for any improvement v wait-and-see) gives no pain difference", _Y),
    ("effect.physical_therapy.onset", 3.0, "weeks", _A, _Y),
    ("effect.physical_therapy.hold", 12.0, "weeks", _A, _Y),
    ("effect.physical_therapy.decay", 26.0, "weeks", _A, _Y),
    ("effect.physical_therapy.persist", 0.4, "share", _A, _Y),
    ("effect.taping.peak", -0.15, "points 0-10", "Callaghan 2012 Cochrane review (taping v no taping, pain MD -0.15, -1.15 to 0.85; 5 RCTs, I2 84%); Whittingham 2004 (n 30) found more", _N),
    ("effect.taping.onset", 0.1, "weeks", f"{_A}: tape acts at once", _Y),
    ("effect.taping.hold", 4.0, "weeks", "Whittingham 2004 (4 weeks)", _N),
    ("effect.taping.decay", 8.0, "weeks", _A, _Y),
    ("effect.taping.persist", 0.0, "share", _A, _Y),
    ("effect.glucosamine.peak", -0.1, "points 0-10", f"{_A}: no trial in PFP; Clegg 2006 (GAIT, knee OA: responders 64.0% v 60.1%, P = 0.30) converted to points with an assumed SD; Towheed 2009 finds no benefit in trials with adequate allocation concealment", _Y),
    ("effect.glucosamine.onset", 4.0, "weeks", _A, _Y),
    ("effect.glucosamine.hold", 52.0, "weeks", _A, _Y),
    ("effect.glucosamine.decay", 52.0, "weeks", _A, _Y),
    ("effect.glucosamine.persist", 1.0, "share", _A, _Y),
    # crossover of brace settings: each person has a preferred direction of pull
    ("crossover.preferred_peak", -1.2, "points 0-10", f"{_A}: the helpful pull; mean of the two = knee_brace peak", _Y),
    ("crossover.other_peak", -0.4, "points 0-10", f"{_A}: the other direction of pull", _Y),
    ("crossover.person_sd", 0.5, "points 0-10", f"{_A}: person-to-person spread of a setting's effect", _Y),
    ("crossover.medial_preferred_share", 0.5, "share", f"{_A}: the best direction differs by person", _Y),
    # comparator codes: no effect beyond natural history (education, sham,
    # placebo and flat inserts included; quadriceps strengthening is above).
    ("effect.usual_care.peak", 0.0, "points 0-10", f"{_A}: natural history", _Y),
    ("effect.wait_and_see.peak", 0.0, "points 0-10", f"{_A}: natural history", _Y),
    ("effect.education.peak", 0.0, "points 0-10", f"{_A}: no effect beyond natural history", _Y),
    ("effect.sham.peak", 0.0, "points 0-10", f"{_A}: no effect beyond natural history (placebo-tape arms suggest some: Whittingham 2004; Hinman 2003, knee OA); inactive, as in the comparison's default", _Y),
    ("effect.placebo.peak", 0.0, "points 0-10", f"{_A}: no effect beyond natural history", _Y),
    ("effect.flat_insert.peak", 0.0, "points 0-10", f"{_A}: no effect beyond natural history", _Y),
    # -- adverse events: risk of at least one event over follow-up, by code --
    ("ae.orthotics.foot or shin discomfort", 0.28, "risk", f"{_A}: the assumed flat-insert risk 0.15 times Collins 2008's RR 1.87 for minor adverse effects (via Hossain 2011)", _Y),
    ("ae.flat_insert.foot or shin discomfort", 0.15, "risk", _A, _Y),
    ("ae.knee_brace.skin irritation", 0.15, "risk", _A, _Y),
    ("ae.taping.skin irritation", 0.10, "risk", _A, _Y),
    ("ae.sham.skin irritation", 0.08, "risk", f"{_A}: placebo tape", _Y),
    ("ae.glucosamine.stomach upset", 0.10, "risk", f"{_A}: Towheed 2009 reports rates similar to placebo", _Y),
    ("ae.placebo.stomach upset", 0.08, "risk", _A, _Y),
    ("ae.glute_strengthening.muscle soreness", 0.15, "risk", _A, _Y),
    ("ae.quadriceps_strengthening.muscle soreness", 0.12, "risk", _A, _Y),
    ("ae.physical_therapy.muscle soreness", 0.12, "risk", _A, _Y),
    ("ae.balance_training.muscle soreness", 0.08, "risk", _A, _Y),
    ("ae.stretching.muscle soreness", 0.05, "risk", _A, _Y),
    ("ae.running_form.calf or Achilles pain", 0.15, "risk", f"{_A}: load shifts to the calf with gait change", _Y),
    ("ae.all.upper respiratory infection", 0.05, "risk", f"{_A}: background event, unrelated", _Y),
    ("ae.severity_moderate", 0.15, "share", _A, _Y),
    ("ae.severity_severe", 0.02, "share", f"{_A}: severe events are serious", _Y),
)
# fmt: on

_VALUES = MappingProxyType({row[0]: row[1] for row in TABLE})
#: Every parameter name of the table.
PARAMETER_NAMES = frozenset(_VALUES)

#: code -> ((term, risk), ...) read from the ``ae.*`` rows ("all" applies to every arm).
AE_TABLE = MappingProxyType(
    {
        code: tuple(
            (row[0].split(".", 2)[2], row[1])
            for row in TABLE
            if row[0].startswith(f"ae.{code}.") and row[0].count(".") >= 2
        )
        for code in {
            row[0].split(".")[1]
            for row in TABLE
            if row[0].startswith("ae.") and row[0].count(".") >= 2
        }
    }
)


def value(name: str) -> float:
    """The value of the parameter ``name`` (KeyError listing close names if unknown)."""
    try:
        return float(_VALUES[name])
    except KeyError:
        prefix = name.rsplit(".", 1)[0]
        close = [k for k in _VALUES if k.startswith(prefix)]
        raise KeyError(f"no simulator parameter {name!r}; similar: {close}") from None


def effect_codes() -> tuple[str, ...]:
    """Codes with an effect profile in the table."""
    return tuple(dict.fromkeys(row[0].split(".")[1] for row in TABLE if row[0].endswith(".peak")))


def parameter_table() -> pd.DataFrame:
    """The table as a DataFrame indexed by name (value, unit, source, assumption).

    ``assumption`` is True where no source gives the size used (see the
    module docstring); ``source`` then gives the reasoning, and names any
    source used for the direction or a range.
    """
    frame = pd.DataFrame(
        TABLE, columns=["name", "value", "unit", "source", "assumption"]
    ).set_index("name")
    frame["assumption"] = frame["assumption"].astype(bool)
    return frame
