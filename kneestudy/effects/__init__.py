"""Effect sizes and longitudinal analysis.

- :func:`escalc` — effect sizes from arm summaries (metafor's names).
- :func:`ancova`, :func:`mean_difference` — one week, individual data;
  :func:`immediate_effect` — the effect at the first follow-up visit.
- :func:`mmrm` — mixed model for repeated measures (REML, Satterthwaite df).
- :func:`multiple_imputation`, :func:`conditional_mean_imputation` — MAR and
  reference-based (J2R, CR, CIR) imputation: estimands after withdrawal;
  :func:`tipping_point` — delta-adjusted imputation; :func:`sensitivity_table`
  — the primary estimate beside its sensitivity analyses.
- :func:`crossover` — within-person comparison of conditions (mixed model,
  Senn's AB/BA analysis, carry-over, person-by-condition variation).
- :func:`responders` — responder analysis: RR, OR, RD, NNT.
- :func:`subgroup`, :func:`adjust_pvalues` — effect modification, multiplicity;
  :func:`iceman`, :func:`squat_test_claim` — its credibility (ICEMAN).
- :func:`cohort_contrasts` — rows of the ``contrasts`` table from a cohort.

Every estimator is checked against R (``tests/reference/effects_*.R``).
"""

from __future__ import annotations

from kneestudy.effects.ancova import ancova, first_follow_up, immediate_effect, mean_difference
from kneestudy.effects.contrasts import cohort_contrasts
from kneestudy.effects.credibility import CredibilityResult, iceman, squat_test_claim
from kneestudy.effects.crossover import CrossoverResult, crossover
from kneestudy.effects.escalc import escalc
from kneestudy.effects.imputation import conditional_mean_imputation, multiple_imputation
from kneestudy.effects.mmrm import mmrm
from kneestudy.effects.responders import responders
from kneestudy.effects.results import (
    EffectResult,
    ImputationResult,
    MMRMResult,
    ResponderResult,
    SubgroupResult,
    TippingPointResult,
)
from kneestudy.effects.safety import adverse_events, adverse_events_by_term, clopper_pearson
from kneestudy.effects.sensitivity import SensitivityResult, sensitivity_table
from kneestudy.effects.subgroup import adjust_pvalues, subgroup
from kneestudy.effects.tipping import tipping_point

__all__ = [
    "CredibilityResult",
    "CrossoverResult",
    "EffectResult",
    "ImputationResult",
    "MMRMResult",
    "ResponderResult",
    "SensitivityResult",
    "SubgroupResult",
    "TippingPointResult",
    "adjust_pvalues",
    "adverse_events",
    "adverse_events_by_term",
    "ancova",
    "clopper_pearson",
    "cohort_contrasts",
    "conditional_mean_imputation",
    "crossover",
    "escalc",
    "first_follow_up",
    "iceman",
    "immediate_effect",
    "mean_difference",
    "mmrm",
    "multiple_imputation",
    "responders",
    "sensitivity_table",
    "squat_test_claim",
    "subgroup",
    "tipping_point",
]
