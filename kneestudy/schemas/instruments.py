"""Measurement instruments of published outcomes, and how each maps onto a comparison scale.

A published row names the instrument its numbers were measured on
(``instrument`` column of ``arm_summaries`` and ``contrasts``). The registry
says which outcome the instrument measures, its range, its direction, and the
factor that puts it on the outcome's comparison scale, where one exists:

- ``pain`` is compared on 0–10 points (lower = better). A 0–100 mm visual
  analogue scale is divided by 10; a 0–10 cm VAS and a 0–10 numeric rating
  scale are used as they are. Other pain instruments (WOMAC pain, KOOS pain)
  measure a related but different construct and have no factor: they enter
  only through a standardised mean difference.
- ``akps`` is the Anterior Knee Pain Scale (Kujala), 0–100 (higher = better).
- ``function`` collects other function scales (KOOS-PF, LEFS, FIQ, ...),
  which have no common points scale.
- ``recovered`` is a binary success (global rating of change or a responder
  definition; the threshold is stated in ``instrument_detail``).
- ``adverse_events`` counts participants with an event.

References
----------
Crossley KM et al. (2004). Analysis of outcome measures for persons with
patellofemoral pain: which are reliable and valid? Arch Phys Med Rehabil 85:815–822.
Higgins JPT et al. (eds). Cochrane Handbook for Systematic Reviews of
Interventions, version 6.4 (2023), §10.5.3 (combining different scales).

Examples
--------
>>> INSTRUMENTS["vas_0_100"].points
0.1
>>> INSTRUMENTS["akps"].outcome
'akps'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["INSTRUMENTS", "Instrument", "instruments_for"]


@dataclass(frozen=True)
class Instrument:
    """One measurement instrument.

    Attributes
    ----------
    code : str
        Code used in the ``instrument`` column.
    outcome : str
        The outcome it measures: pain, akps, function, recovered, adverse_events.
    label : str
        Human label (shown in reports).
    low, high : float or None
        Range of the scale (``None`` for binary outcomes).
    higher_is_better : bool or None
        Direction of the scale (``None`` for binary outcomes).
    points : float or None
        Factor that puts a value (or a mean difference) on the outcome's
        comparison scale; ``None`` when there is none (use an SMD).
    """

    code: str
    outcome: str
    label: str
    low: float | None
    high: float | None
    higher_is_better: bool | None
    points: float | None


def _registry(*items: Instrument) -> Mapping[str, Instrument]:
    return MappingProxyType({i.code: i for i in items})


# fmt: off
#: Instrument code -> :class:`Instrument`.
INSTRUMENTS: Mapping[str, Instrument] = _registry(
    # pain, compared on 0-10 points (lower = better)
    Instrument("nrs_0_10", "pain", "Numeric rating scale 0–10", 0, 10, False, 1.0),
    Instrument("vas_0_10", "pain", "Visual analogue scale 0–10 cm", 0, 10, False, 1.0),
    Instrument("vas_0_100", "pain", "Visual analogue scale 0–100 mm", 0, 100, False, 0.1),
    Instrument("womac_pain_0_20", "pain", "WOMAC pain, Likert 0–20", 0, 20, False, None),
    Instrument("womac_pain_0_500", "pain", "WOMAC pain, VAS 0–500 mm", 0, 500, False, None),
    Instrument("womac_pain_0_100", "pain", "WOMAC pain, normalised 0–100", 0, 100, False, None),
    Instrument("koos_pain", "pain", "KOOS pain 0–100", 0, 100, True, None),
    # the Anterior Knee Pain Scale (Kujala), 0-100 (higher = better)
    Instrument("akps", "akps", "Anterior Knee Pain Scale (Kujala) 0–100", 0, 100, True, 1.0),
    # other function scales
    Instrument("koos_pf", "function", "KOOS patellofemoral subscale 0–100", 0, 100, True, None),
    Instrument("koos_adl", "function", "KOOS activities of daily living 0–100", 0, 100, True, None),
    Instrument("koos_sport", "function", "KOOS sport and recreation 0–100", 0, 100, True, None),
    Instrument("koos_qol", "function", "KOOS knee-related quality of life 0–100", 0, 100, True, None),
    Instrument("lefs", "function", "Lower Extremity Functional Scale 0–80", 0, 80, True, None),
    Instrument("fiq", "function", "Functional Index Questionnaire 0–16", 0, 16, True, None),
    Instrument("lysholm", "function", "Lysholm knee score 0–100", 0, 100, True, None),
    Instrument("ikdc", "function", "IKDC subjective knee form 0–100", 0, 100, True, None),
    Instrument("womac_function_0_68", "function", "WOMAC function, Likert 0–68", 0, 68, False, None),
    Instrument("womac_function_0_100", "function", "WOMAC function, normalised 0–100", 0, 100, False, None),
    Instrument("womac_total_0_96", "function", "WOMAC total, Likert 0–96", 0, 96, False, None),
    Instrument("lequesne", "function", "Lequesne algofunctional index 0–24", 0, 24, False, None),
    # binary success (threshold in instrument_detail)
    Instrument("grc", "recovered", "Global rating of change (success as defined)", None, None, None, None),
    Instrument("global_improvement", "recovered", "Global improvement (success as defined)", None, None, None, None),
    Instrument("treatment_success", "recovered", "Treatment success (responder definition)", None, None, None, None),
    Instrument("womac_pain_response", "recovered", "WOMAC pain response (as defined)", None, None, None, None),
    Instrument("omeract_oarsi", "recovered", "OMERACT-OARSI responder", None, None, None, None),
    # harms
    Instrument("any_adverse_event", "adverse_events", "Participants with any adverse event", None, None, None, None),
    Instrument("minor_adverse_event", "adverse_events", "Participants with minor adverse events", None, None, None, None),
    Instrument("serious_adverse_event", "adverse_events", "Participants with serious adverse events", None, None, None, None),
    Instrument("withdrawal_adverse_event", "adverse_events", "Withdrawals due to adverse events", None, None, None, None),
)
# fmt: on


def instruments_for(outcome: str) -> tuple[str, ...]:
    """Codes of the instruments that measure ``outcome``."""
    return tuple(code for code, i in INSTRUMENTS.items() if i.outcome == outcome)
