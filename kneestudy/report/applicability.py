"""Which analyses apply to a cohort's design, and why the others do not.

A report leaves out an analysis that cannot apply to a design and says so in
one line, instead of showing it as a failure: a single-arm cohort has no
comparison group, so there is no between-arm effect, log-rank test, hazard
ratio or risk ratio; a crossover trial's arms are sequences, so the
parallel-group analyses do not estimate a treatment effect (the within-person
comparison does; Senn 2002, *Cross-over Trials in Clinical Research*, 2nd ed.,
Wiley). An analysis that applies but fails on the data (too few events, an
arm with no follow-up) is still shown as a problem, with its reason.

Some analyses belong to a design or to an idea, and are not mentioned where
they have no place: the within-person comparison only in a crossover trial;
the seed's claims only where their idea is tested — the squat-test subgroup
(:func:`kneestudy.effects.squat_test_claim`) for an arm of glute
strengthening, the brace's immediate effect
(:func:`kneestudy.effects.immediate_effect`) for an arm with the knee brace.
Where the idea is there but the design cannot answer the claim, one line says
why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kneestudy.interventions import idea_of, split_codes

__all__ = ["Inapplicable", "claim_arms", "not_applicable", "skipped_keys"]

#: Analysis keys of :func:`kneestudy.report.analyses.cohort_analyses`, by group.
COMPARATOR_EFFECTS = ("ancova_pain", "ancova_akps", "mmrm", "responders", "sensitivity", "cox")
BETWEEN_ARM_TESTS = ("logrank",)
SURVIVAL = ("time_to_pain_free", "kaplan_meier", "logrank", "cox", "rmst")
#: The parallel-group effects and their missing-data sensitivity analyses.
EFFECTS = ("ancova_pain", "ancova_akps", "mmrm", "responders", "sensitivity")
#: The idea each of the seed's claims is about, by analysis key.
CLAIMS = {"squat_test": "glute_strengthening", "immediate_effect": "knee_brace"}


@dataclass(frozen=True)
class Inapplicable:
    """Analyses left out of a part of a cohort's report: what, why, and their keys."""

    part: str  # effects | survival | harms | claims
    what: str
    why: str
    keys: tuple[str, ...]


def _tests(code: Any, idea: str) -> bool:
    return any(idea_of(part) == idea for part in split_codes(str(code)))


def claim_arms(cohort: Any) -> dict[str, list[str]]:
    """Treatment arms (intervention codes) to which each of the seed's claims applies.

    ``{"squat_test": [...], "immediate_effect": [...]}``: the non-comparator
    arms whose code includes glute strengthening, and the knee brace (an arm
    testing the idea against a comparator that has it too, e.g. brace vs
    brace, does not test it and is left out).
    """
    arms = cohort.arms
    comp = [str(c) for c in arms.loc[arms["is_comparator"], "intervention"]]
    out: dict[str, list[str]] = {}
    for key, idea in CLAIMS.items():
        out[key] = [
            str(c)
            for c in dict.fromkeys(arms.loc[~arms["is_comparator"], "intervention"])
            if _tests(c, idea) and not any(_tests(k, idea) for k in comp)
        ]
    return out


def _ideas_in(cohort: Any) -> set[str]:
    """The ideas among the cohort's arms (and, in a crossover, its conditions)."""
    codes = set(cohort.arms["intervention"].astype(str))
    if "condition" in cohort.visits:
        codes |= set(cohort.visits["condition"].dropna().astype(str))
    return {i for c in codes for p in split_codes(c) if (i := idea_of(p))}


def _claims_left_out(cohort: Any, why: dict[str, str]) -> list[Inapplicable]:
    """One line per claim whose idea the cohort tests but whose design cannot answer it."""
    ideas = _ideas_in(cohort)
    out = []
    if "glute_strengthening" in ideas and "squat_test" in why:
        out.append(Inapplicable("claims", "the squat-test subgroup of glute strengthening",
                                why["squat_test"], ("squat_test",)))  # fmt: skip
    if "knee_brace" in ideas and "immediate_effect" in why:
        out.append(Inapplicable("claims", "the brace's immediate effect against a comparator",
                                why["immediate_effect"], ("immediate_effect",)))  # fmt: skip
    return out


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
                "parallel-group effects (ANCOVA, MMRM, responders by arm) and their "
                "missing-data sensitivity analyses",
                why,
                EFFECTS,
            ),
            Inapplicable("survival", "time to pain-free by arm", why, SURVIVAL),
            Inapplicable("harms", "adverse-event risk ratios between arms", why, ()),
            *_claims_left_out(
                cohort,
                {
                    "squat_test": "effect modification is estimated between randomised arms; "
                    "a crossover's periods compare conditions within each person",
                    "immediate_effect": "after baseline everyone wears a brace in every "
                    "period, so no one is without it to compare with; the within-person "
                    "comparison of the settings answers the brace claims",
                },
            ),
        ]
    if m.design == "single_arm" or n_arms < 2:
        kind = "a single-arm cohort" if m.design == "single_arm" else "a cohort with one arm"
        why = (
            f"{kind} has no comparison group; its change over time is shown instead, and "
            "that change includes natural recovery and regression to the mean"
        )
        no_group = f"{kind} has no comparison group"
        return [
            Inapplicable(
                "effects",
                "between-arm effects (ANCOVA, MMRM, responder risk ratios) and their "
                "missing-data sensitivity analyses",
                why,
                EFFECTS,
            ),
            Inapplicable(
                "survival",
                "log-rank test, hazard ratios and differences in restricted mean time",
                no_group,
                ("logrank", "cox"),
            ),
            Inapplicable("harms", "adverse-event risk ratios", no_group, ()),
            *_claims_left_out(cohort, dict.fromkeys(CLAIMS, no_group)),
        ]
    if not has_comp:
        why = (
            f"the manifest names no comparator arm present in the data "
            f"(comparator = {m.comparator!r})"
        )
        return [
            Inapplicable(
                "effects",
                "effects against the comparator (ANCOVA, MMRM, responders) and their "
                "missing-data sensitivity analyses",
                why,
                EFFECTS,
            ),
            Inapplicable("survival", "hazard ratios against the comparator", why, ("cox",)),
            Inapplicable("harms", "adverse-event risk ratios", why, ()),
            *_claims_left_out(cohort, dict.fromkeys(CLAIMS, why)),
        ]
    return []


def skipped_keys(items: list[Inapplicable]) -> set[str]:
    """Every analysis key the items leave out."""
    return {k for it in items for k in it.keys}
