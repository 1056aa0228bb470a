"""Effect sizes and longitudinal analysis.

- :func:`escalc` — effect sizes from arm summaries (metafor's names).
- :func:`ancova`, :func:`mean_difference` — one week, individual data.
- :func:`mmrm` — mixed model for repeated measures (REML, Satterthwaite df).
- :func:`responders` — responder analysis: RR, OR, RD, NNT.
- :func:`subgroup`, :func:`adjust_pvalues` — effect modification, multiplicity.
- :func:`cohort_contrasts` — rows of the ``contrasts`` table from a cohort.

Every estimator is checked against R (``tests/reference/effects_*.R``).
"""

from __future__ import annotations

from kneestudy.effects.ancova import ancova, mean_difference
from kneestudy.effects.contrasts import cohort_contrasts
from kneestudy.effects.escalc import escalc
from kneestudy.effects.mmrm import mmrm
from kneestudy.effects.responders import responders
from kneestudy.effects.results import EffectResult, MMRMResult, ResponderResult, SubgroupResult
from kneestudy.effects.safety import adverse_events, clopper_pearson
from kneestudy.effects.subgroup import adjust_pvalues, subgroup

__all__ = [
    "EffectResult",
    "MMRMResult",
    "ResponderResult",
    "SubgroupResult",
    "adjust_pvalues",
    "adverse_events",
    "ancova",
    "clopper_pearson",
    "cohort_contrasts",
    "escalc",
    "mean_difference",
    "mmrm",
    "responders",
    "subgroup",
]
