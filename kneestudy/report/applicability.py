"""Which analyses apply to a cohort's design, and why the others do not.

A report leaves out an analysis that cannot apply to a design and says so in
one line, instead of showing it as a failure: a single-arm cohort has no
comparison group, so there is no between-arm effect, log-rank test, hazard
ratio or risk ratio; a crossover trial's arms are sequences, so the
parallel-group analyses do not estimate a treatment effect (the within-person
comparison does; Senn 2002, *Cross-over Trials in Clinical Research*, 2nd ed.,
Wiley). An analysis that applies but fails on the data (too few events, an
arm with no follow-up) is still shown as a problem, with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Inapplicable", "not_applicable", "skipped_keys"]

#: Analysis keys of :func:`kneestudy.report.analyses.cohort_analyses`, by group.
COMPARATOR_EFFECTS = ("ancova_pain", "ancova_akps", "mmrm", "responders", "cox")
BETWEEN_ARM_TESTS = ("logrank",)
SURVIVAL = ("time_to_pain_free", "kaplan_meier", "logrank", "cox", "rmst")


@dataclass(frozen=True)
class Inapplicable:
    """Analyses left out of a part of a cohort's report: what, why, and their keys."""

    part: str  # effects | survival | harms
    what: str
    why: str
    keys: tuple[str, ...]


def not_applicable(cohort: Any) -> list[Inapplicable]:
    """The analyses that do not apply to ``cohort``'s design, by report part.

    Parameters
    ----------
    cohort : Cohort

    Returns
    -------
    list of Inapplicable
        Empty for a parallel trial with a comparator arm.
    """
    m = cohort.manifest
    arms = cohort.arms
    n_arms = len(arms)
    has_comp = bool(arms["is_comparator"].any())
    if m.design == "crossover":
        why = (
            "in a crossover trial every participant has each condition in turn, so its "
            "arms are sequences and a parallel-group comparison of them estimates no "
            "treatment effect; the within-person comparison applies"
        )
        return [
            Inapplicable(
                "effects",
                "parallel-group effects (ANCOVA, MMRM, responders by arm)",
                why,
                ("ancova_pain", "ancova_akps", "mmrm", "responders"),
            ),
            Inapplicable("survival", "time to pain-free by arm", why, SURVIVAL),
            Inapplicable("harms", "adverse-event risk ratios between arms", why, ()),
        ]
    if m.design == "single_arm" or n_arms < 2:
        kind = "a single-arm cohort" if m.design == "single_arm" else "a cohort with one arm"
        why = (
            f"{kind} has no comparison group; its change over time is shown instead, and "
            "that change includes natural recovery and regression to the mean"
        )
        return [
            Inapplicable(
                "effects",
                "between-arm effects (ANCOVA, MMRM, responder risk ratios)",
                why,
                ("ancova_pain", "ancova_akps", "mmrm", "responders"),
            ),
            Inapplicable(
                "survival",
                "log-rank test, hazard ratios and differences in restricted mean time",
                f"{kind} has no comparison group",
                ("logrank", "cox"),
            ),
            Inapplicable(
                "harms", "adverse-event risk ratios", f"{kind} has no comparison group", ()
            ),
        ]
    if not has_comp:
        why = (
            f"the manifest names no comparator arm present in the data "
            f"(comparator = {m.comparator!r})"
        )
        return [
            Inapplicable(
                "effects",
                "effects against the comparator (ANCOVA, MMRM, responders)",
                why,
                ("ancova_pain", "ancova_akps", "mmrm", "responders"),
            ),
            Inapplicable("survival", "hazard ratios against the comparator", why, ("cox",)),
            Inapplicable("harms", "adverse-event risk ratios", why, ()),
        ]
    return []


def skipped_keys(items: list[Inapplicable]) -> set[str]:
    """Every analysis key the items leave out."""
    return {k for it in items for k in it.keys}
