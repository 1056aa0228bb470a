"""Settings of one report, and the words used for outcomes and their direction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["OUTCOMES", "Settings", "better", "outcome_label"]


@dataclass(frozen=True)
class Settings:
    """Analysis settings used throughout a report (written into its methods).

    ``used`` collects, while the report is built, which methods the analyses
    reported (covariance structure, tie handling, …) so the methods section
    states what was done.
    """

    outcome: str = "pain"
    week: float | None = None  # None: each cohort's primary week
    pain_free_threshold: float = 1.0
    level: float = 0.95
    #: Multiple imputations of the tipping-point analysis, and their seed
    #: (the other sensitivity analyses are deterministic: conditional mean
    #: imputation with a jackknife standard error).
    imputations: int = 50
    imputation_seed: int = 0
    #: The planning section's options (:class:`kneestudy.report.planning.PlanningOptions`),
    #: None for no planning section.
    planning: Any = None
    used: dict[str, Any] = field(default_factory=dict, compare=False)


#: outcome -> (label, unit, lower is better)
OUTCOMES: dict[str, tuple[str, str, bool]] = {
    "pain": ("Pain", "points, 0–10 NRS", True),
    "akps": ("AKPS", "points, 0–100", False),
    "recovered": ("Recovered", "", False),
    "pain_free": ("Time to pain-free", "", False),
}


def outcome_label(outcome: str) -> str:
    """ "Pain (points, 0–10 NRS)", "AKPS (points, 0–100)", or the outcome code readable."""
    label, unit, _ = OUTCOMES.get(outcome, (outcome.replace("_", " ").capitalize(), "", False))
    return f"{label} ({unit})" if unit else label


def better(outcome: str, what: str = "differences") -> str:
    """The direction-of-benefit sentence of a treatment-minus-comparator difference."""
    if outcome == "pain":
        return f"Negative {what} favour the treatment arm (less pain)."
    if outcome == "akps":
        return f"Positive {what} favour the treatment arm (better function)."
    return f"Positive {what} favour the treatment arm."
