"""Every parameter of the trial simulator, with its source, in one table.

Each row of :data:`TABLE` is ``(name, value, unit, source)``. ``source`` is a
citation from the project's evidence summary, or starts with ``"assumption"``
when no published figure exists (the reasoning follows the word). Read the
table with :func:`parameter_table` (a DataFrame) or a value with
:func:`value`.

Conventions
-----------
* Pain is the 0–10 scale (worst pain when running in the past week); an
  *effect* is a difference in mean pain versus a no-treatment control at mean
  adherence, negative = less pain. Effects of the parts of a combined arm
  (``glute_strengthening+quadriceps_strengthening``) add up.
* Every effect follows the profile
  ``s(t) = (1 - exp(-t / onset)) * (persist + (1 - persist) * exp(-max(0, t - hold) / decay))``
  times its ``peak``: it builds up with time constant ``onset`` weeks, holds
  until week ``hold`` and then fades with time constant ``decay`` towards
  the share ``persist`` of the peak.
* *Recovered* means a global rating of change (GRC, 1–7) of 6 or 7
  ("much improved" or "completely recovered"), the definition of favourable
  recovery in Collins 2013. The natural recovery of the control arm is
  calibrated so that 45% are recovered at 12 weeks and 60% at 52 weeks.

Examples
--------
>>> from kneestudy.simulate.parameters import value, parameter_table
>>> value("effect.orthotics.peak")
-1.0
>>> parameter_table().loc["natural.recovered_week12", "source"][:11]
'Collins 201'
"""

from __future__ import annotations

from types import MappingProxyType

import pandas as pd

__all__ = ["AE_TABLE", "PARAMETER_NAMES", "TABLE", "effect_codes", "parameter_table", "value"]

_A = "assumption"

# fmt: off
#: (name, value, unit, source). Effects: pain points vs control, negative = better.
TABLE: tuple[tuple[str, float, str, str], ...] = (
    # -- population at entry ------------------------------------------------
    ("population.age_mean", 29.0, "years", f"{_A}: typical of adult PFP trials of runners"),
    ("population.age_sd", 7.0, "years", _A),
    ("population.age_low", 16.0, "years", f"{_A}: trial inclusion range"),
    ("population.age_high", 50.0, "years", f"{_A}: trial inclusion range"),
    ("population.female_share", 0.6, "share", f"{_A}: PFP is about twice as common in women"),
    ("population.bmi_mean", 23.5, "kg/m2", f"{_A}: recreational runners"),
    ("population.bmi_sd", 3.0, "kg/m2", _A),
    ("population.bmi_low", 16.0, "kg/m2", f"{_A}: trial inclusion range"),
    ("population.bmi_high", 40.0, "kg/m2", f"{_A}: trial inclusion range"),
    ("population.symptom_months_mean", 39.0, "months", "Hott 2020 (mean symptom duration 39 months)"),
    ("population.symptom_months_log_sd", 0.9, "log months", f"{_A}: right-skewed (log-normal)"),
    ("population.weekly_km_median", 20.0, "km/week", f"{_A}: recreational runners"),
    ("population.weekly_km_log_sd", 0.6, "log km", _A),
    ("population.squat_fail_share", 0.5, "share", f"{_A}: knee moves inward in half of PFP runners"),
    # -- baseline outcomes ----------------------------------------------------
    ("baseline.pain_mean", 5.0, "points 0-10", "Noehren 2011; Willy 2012; Roper 2016 (baseline VAS 4.5-5.3)"),
    ("baseline.pain_sd", 1.5, "points 0-10", _A),
    ("baseline.pain_low", 3.0, "points 0-10", "Hott 2020 (inclusion pain >= 3/10)"),
    ("akps.intercept", 96.0, "points 0-100", "JEO 2020 cohort (baseline AKPS mean 71 at pain 5)"),
    ("akps.per_pain_point", -5.0, "points per pain point", "Crossley 2004 (MCID 10 AKPS ~ 2 pain points)"),
    ("akps.person_sd", 8.0, "points 0-100", f"{_A}: JEO 2020 SD 24 mixes wider populations"),
    ("akps.visit_sd", 5.0, "points 0-100", _A),
    # -- natural history (control arm) --------------------------------------
    ("natural.recovered_week12", 0.45, "share", "Collins 2013 (55% unfavourable at 3 months, n 310)"),
    ("natural.recovered_week52", 0.60, "share", "Collins 2013 (40% unfavourable at 12 months)"),
    ("natural.recovery_weeks", 8.0, "weeks", f"{_A}: time constant of natural improvement"),
    # -- between-person and within-person variation ------------------------
    ("variation.person_sd", 1.2, "points 0-10", f"{_A}: random deviation of each person's recovery"),
    ("variation.visit_sd", 1.0, "points 0-10", f"{_A}: visit-to-visit residual"),
    ("variation.ar1_per_week", 0.9, "correlation", f"{_A}: residual correlation one week apart (AR(1))"),
    ("variation.grc_sd", 2.0, "points 0-10", f"{_A}: noise of the global rating beyond pain change; GRC then correlates about 0.5 with pain change"),
    # GRC thresholds on perceived improvement (pain points); 6+ threshold is calibrated.
    ("grc.cut_2", -2.5, "points 0-10", f"{_A}: much worse / worse"),
    ("grc.cut_3", -1.5, "points 0-10", f"{_A}: worse / slightly worse"),
    ("grc.cut_4", -0.5, "points 0-10", f"{_A}: slightly worse / unchanged"),
    ("grc.cut_5", 0.75, "points 0-10", f"{_A}: unchanged / slightly improved"),
    ("grc.cut_7_above_6", 1.5, "points 0-10", f"{_A}: completely recovered lies 1.5 above much improved"),
    # -- adherence (dose-response) ---------------------------------------------
    ("adherence.beta_a", 4.0, "", f"{_A}: person adherence ~ Beta(4, 1.5), mean 0.73"),
    ("adherence.beta_b", 1.5, "", _A),
    ("adherence.visit_sd", 0.08, "share", f"{_A}: visit-to-visit variation of recorded adherence"),
    # -- dropout (missing at random given observed pain) -----------------------
    ("dropout.per_visit", 0.015, "probability", "Crossley 2002; Bonacci 2018; Drew 2017 (6-8% overall)"),
    ("dropout.logit_per_pain_point", 0.3, "log odds per point", f"{_A}: more pain, more dropout"),
    ("dropout.reference_pain", 5.0, "points 0-10", f"{_A}: pain at which dropout.per_visit applies"),
    # -- effects by code ---------------------------------------------------------
    ("effect.quadriceps_strengthening.peak", -1.8, "points 0-10", "Nascimento 2018 (hip+knee vs none -3.3 minus hip+knee vs knee -1.5)"),
    ("effect.quadriceps_strengthening.onset", 3.0, "weeks", _A),
    ("effect.quadriceps_strengthening.hold", 12.0, "weeks", f"{_A}: programme length"),
    ("effect.quadriceps_strengthening.decay", 26.0, "weeks", _A),
    ("effect.quadriceps_strengthening.persist", 0.4, "share", _A),
    ("effect.glute_strengthening.peak", -1.5, "points 0-10", "Nascimento 2018 (hip+knee vs knee, MD -1.5)"),
    ("effect.glute_strengthening.onset", 3.0, "weeks", _A),
    ("effect.glute_strengthening.hold", 12.0, "weeks", f"{_A}: programme length"),
    ("effect.glute_strengthening.decay", 20.0, "weeks", "Hott 2020 (no difference at 12 months)"),
    ("effect.glute_strengthening.persist", 0.2, "share", "Hott 2020 (no difference at 12 months)"),
    ("effect.glute_strengthening.squat_fail_ratio", 2.0, "ratio", f"{_A}: effect when the squat test fails / when it passes"),
    ("effect.stretching.peak", -0.5, "points 0-10", f"{_A}: Lee 2021 reports no difference between stretching types"),
    ("effect.stretching.onset", 3.0, "weeks", _A),
    ("effect.stretching.hold", 12.0, "weeks", _A),
    ("effect.stretching.decay", 26.0, "weeks", _A),
    ("effect.stretching.persist", 0.3, "share", _A),
    ("effect.balance_training.peak", -0.8, "points 0-10", f"{_A}: Foroughi 2019; Motealleh 2019 report gains, no size"),
    ("effect.balance_training.onset", 2.0, "weeks", _A),
    ("effect.balance_training.hold", 6.0, "weeks", "Foroughi 2019; Motealleh 2019 (4-6 week programmes)"),
    ("effect.balance_training.decay", 20.0, "weeks", _A),
    ("effect.balance_training.persist", 0.3, "share", _A),
    ("effect.running_form.peak", -2.5, "points 0-10", "Noehren 2011; Willy 2012; Roper 2016 case series less natural recovery (low certainty)"),
    ("effect.running_form.onset", 2.0, "weeks", "Noehren 2011 (8 sessions over about 2 weeks)"),
    ("effect.running_form.hold", 26.0, "weeks", _A),
    ("effect.running_form.decay", 52.0, "weeks", _A),
    ("effect.running_form.persist", 0.6, "share", _A),
    ("effect.orthotics.peak", -1.0, "points 0-10", "Collins 2008 (global improvement RR 1.48 at 6 weeks; size assumed)"),
    ("effect.orthotics.onset", 1.0, "weeks", _A),
    ("effect.orthotics.hold", 6.0, "weeks", "Collins 2008 (benefit at 6 weeks)"),
    ("effect.orthotics.decay", 10.0, "weeks", "Collins 2008 (no difference at 52 weeks)"),
    ("effect.orthotics.persist", 0.0, "share", "Collins 2008 (no difference at 52 weeks)"),
    ("effect.knee_brace.peak", -1.0, "points 0-10", "Petersen 2016 (better with brace at 6 and 12 weeks; size assumed)"),
    ("effect.knee_brace.onset", 0.1, "weeks", f"{_A}: a helpful brace helps at once"),
    ("effect.knee_brace.hold", 12.0, "weeks", "Petersen 2016"),
    ("effect.knee_brace.decay", 15.0, "weeks", "Petersen 2016 (at 1 year only KOOS-ADL better)"),
    ("effect.knee_brace.persist", 0.1, "share", _A),
    ("effect.physical_therapy.peak", -2.0, "points 0-10", "Winters 2021 (OR 25.2 any improvement vs wait-and-see; size assumed)"),
    ("effect.physical_therapy.onset", 3.0, "weeks", _A),
    ("effect.physical_therapy.hold", 12.0, "weeks", _A),
    ("effect.physical_therapy.decay", 26.0, "weeks", _A),
    ("effect.physical_therapy.persist", 0.4, "share", _A),
    ("effect.taping.peak", -0.4, "points 0-10", "Callaghan 2012 (MD -0.15, -1.15 to 0.85); Whittingham 2004 (larger)"),
    ("effect.taping.onset", 0.1, "weeks", f"{_A}: tape acts at once"),
    ("effect.taping.hold", 4.0, "weeks", "Whittingham 2004 (4 weeks)"),
    ("effect.taping.decay", 8.0, "weeks", _A),
    ("effect.taping.persist", 0.0, "share", _A),
    ("effect.glucosamine.peak", -0.1, "points 0-10", "Clegg 2006 (GAIT: +3.9 points responders, P = 0.30; knee OA)"),
    ("effect.glucosamine.onset", 4.0, "weeks", _A),
    ("effect.glucosamine.hold", 52.0, "weeks", _A),
    ("effect.glucosamine.decay", 52.0, "weeks", _A),
    ("effect.glucosamine.persist", 1.0, "share", _A),
    # crossover of brace settings: each person has a preferred direction of pull
    ("crossover.preferred_peak", -1.6, "points 0-10", f"{_A}: the helpful pull; mean of the two = knee_brace peak"),
    ("crossover.other_peak", -0.4, "points 0-10", f"{_A}: the other direction of pull"),
    ("crossover.person_sd", 0.5, "points 0-10", f"{_A}: person-to-person spread of a setting's effect"),
    ("crossover.medial_preferred_share", 0.5, "share", f"{_A}: the best direction differs by person"),
    # comparator codes: no effect beyond natural history (education, sham,
    # placebo and flat inserts included; quadriceps strengthening is above).
    ("effect.usual_care.peak", 0.0, "points 0-10", f"{_A}: natural history"),
    ("effect.wait_and_see.peak", 0.0, "points 0-10", f"{_A}: natural history"),
    ("effect.education.peak", 0.0, "points 0-10", f"{_A}: no effect beyond natural history"),
    ("effect.sham.peak", 0.0, "points 0-10", f"{_A}: no effect beyond natural history"),
    ("effect.placebo.peak", 0.0, "points 0-10", f"{_A}: no effect beyond natural history"),
    ("effect.flat_insert.peak", 0.0, "points 0-10", f"{_A}: no effect beyond natural history"),
    # -- adverse events: risk of at least one event over follow-up, by code --
    ("ae.orthotics.foot or shin discomfort", 0.28, "risk", "Collins 2008 via Hossain 2011 (RR 1.87 vs flat inserts; base assumed)"),
    ("ae.flat_insert.foot or shin discomfort", 0.15, "risk", _A),
    ("ae.knee_brace.skin irritation", 0.15, "risk", _A),
    ("ae.taping.skin irritation", 0.10, "risk", _A),
    ("ae.sham.skin irritation", 0.08, "risk", f"{_A}: placebo tape"),
    ("ae.glucosamine.stomach upset", 0.10, "risk", f"{_A}: Towheed 2009 reports rates similar to placebo"),
    ("ae.placebo.stomach upset", 0.08, "risk", _A),
    ("ae.glute_strengthening.muscle soreness", 0.15, "risk", _A),
    ("ae.quadriceps_strengthening.muscle soreness", 0.12, "risk", _A),
    ("ae.physical_therapy.muscle soreness", 0.12, "risk", _A),
    ("ae.balance_training.muscle soreness", 0.08, "risk", _A),
    ("ae.stretching.muscle soreness", 0.05, "risk", _A),
    ("ae.running_form.calf or Achilles pain", 0.15, "risk", f"{_A}: load shifts to the calf with gait change"),
    ("ae.all.upper respiratory infection", 0.05, "risk", f"{_A}: background event, unrelated"),
    ("ae.severity_moderate", 0.15, "share", _A),
    ("ae.severity_severe", 0.02, "share", f"{_A}: severe events are serious"),
)
# fmt: on

_VALUES = MappingProxyType({name: v for name, v, _, _ in TABLE})
#: Every parameter name of the table.
PARAMETER_NAMES = frozenset(_VALUES)

#: code -> ((term, risk), ...) read from the ``ae.*`` rows ("all" applies to every arm).
AE_TABLE = MappingProxyType(
    {
        code: tuple(
            (name.split(".", 2)[2], v)
            for name, v, _, _ in TABLE
            if name.startswith(f"ae.{code}.") and name.count(".") >= 2
        )
        for code in {
            name.split(".")[1]
            for name, *_ in TABLE
            if name.startswith("ae.") and name.count(".") >= 2
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
    return tuple(dict.fromkeys(n.split(".")[1] for n, *_ in TABLE if n.endswith(".peak")))


def parameter_table() -> pd.DataFrame:
    """The table as a DataFrame indexed by name (value, unit, source, assumption)."""
    frame = pd.DataFrame(TABLE, columns=["name", "value", "unit", "source"]).set_index("name")
    frame["assumption"] = frame["source"].str.startswith(_A)
    return frame
