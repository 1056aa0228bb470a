"""Methods text of the per-cohort trial analyses and of the planning section.

The parts that ran record what they did in ``Settings.used`` while the
report is built; :func:`methods_paragraphs` writes the matching paragraphs
(with the number of imputations and the seed, the number of simulated
trials) and references, for the report's methods section.
"""

from __future__ import annotations

from kneestudy.report.settings import Settings

__all__ = ["methods_paragraphs"]


def methods_paragraphs(settings: Settings) -> tuple[list[str], list[str]]:
    """(paragraphs, references) for the analyses this report ran."""
    used = settings.used
    text: list[str] = []
    refs: list[str] = []
    if used.get("cox_ph_test"):
        text.append(
            "Proportional hazards: Grambsch and Therneau's test of each hazard ratio over "
            "follow-up (as R's cox.zph with the Kaplan–Meier transform); when it fails the "
            "hazard ratio is an average of a changing effect, and the curves and restricted "
            "mean times are the better summary."
        )
        refs.append("Grambsch PM, Therneau TM (1994). Proportional hazards tests and diagnostics "
                    "based on weighted residuals. Biometrika 81:515.")  # fmt: skip
    sens = used.get("sensitivity")
    if sens:
        text.append(
            "Withdrawals and missing data (ICH E9(R1)): the primary analysis is the MMRM "
            "(hypothetical strategy, missing at random). Sensitivity analyses: complete cases; "
            "conditional-mean imputation from the same MMRM fitted to the observed data under "
            "missing at random and the reference-based strategies jump to reference, copy "
            "reference and copy increments in reference (Carpenter, Roger & Kenward 2013), "
            "analysed by ANCOVA with a jackknife standard error and a normal interval (Wolbers "
            "et al. 2022) — deterministic, without Monte Carlo error; responders with "
            "withdrawals counted as non-responders and as observed; and a tipping point by "
            f"delta-adjusted multiple imputation under missing at random, m = {sens['m']} "
            f"imputations from the MMRM's posterior, seed {sens['seed']}, pooled by Rubin's "
            "rules (Ratitch, O'Kelly & Tosiello 2013)."
        )
        refs += [
            "Carpenter JR, Roger JH, Kenward MG (2013). Analysis of longitudinal trials with "
            "protocol deviation. J Biopharm Stat 23:1352.",
            "ICH E9(R1) (2019). Addendum on estimands and sensitivity analysis in clinical trials.",
            "Ratitch B, O'Kelly M, Tosiello R (2013). Missing data in clinical trials: from "
            "clinical assumptions to statistical analysis using pattern mixture models. Pharm "
            "Stat 12:337.",
            "Wolbers M et al. (2022). Standard and reference-based conditional mean imputation. "
            "Pharm Stat 21:1246.",
        ]
    if used.get("crossover"):
        text.append(
            "Crossover trials: each condition against the reference within the same people, "
            "a linear mixed model with period and condition as fixed effects and a random "
            "intercept per participant (REML, Satterthwaite degrees of freedom); for AB/BA "
            "designs Senn's t test on the period differences beside it; the carry-over test "
            "is reported, not used to choose the analysis (Freeman 1989); the between-person "
            "SD of the condition effect where the design is replicated (Senn 2016)."
        )
        refs += [
            "Freeman PR (1989). The performance of the two-stage analysis of two-treatment, "
            "two-period crossover trials. Stat Med 8:1421.",
            "Senn S (2002). Cross-over Trials in Clinical Research, 2nd ed. Wiley.",
            "Senn S (2016). Mastering variation: variance components and personalised "
            "medicine. Stat Med 35:966.",
        ]
    if used.get("squat_test"):
        text.append(
            "The squat-test claim: ANCOVA with an arm by squat-test interaction; its "
            "credibility by the ICEMAN items for randomised trials (Schandelmaier et al. "
            "2020), the answers resting on assumptions marked as such and the suggested "
            "rating marked as kneestudy's reading, not ICEMAN's judgement."
        )
        refs.append("Schandelmaier S et al. (2020). Development of the Instrument to assess the "
                    "Credibility of Effect Modification Analyses (ICEMAN). CMAJ 192:E901.")  # fmt: skip
    if used.get("immediate_effect"):
        text.append(
            "The brace's immediate effect: ANCOVA and responders at the first post-baseline visit."
        )
    if used.get("adverse_events_by_term"):
        text.append(
            "Adverse events by term: participants with each term by arm, Fisher's exact test "
            "against the comparator, p-values adjusted by Holm's method across every term and "
            "arm of the cohort; harms are compared for signals, and the absence of a "
            "significant difference is not evidence of no harm (Altman & Bland 1995)."
        )
        refs += [
            "Altman DG, Bland JM (1995). Absence of evidence is not evidence of absence. BMJ "
            "311:485.",
            "Holm S (1979). A simple sequentially rejective multiple test procedure. Scand J "
            "Stat 6:65.",
        ]
    plans = used.get("planning")
    if plans:
        reps = sorted({p["reps"] for p in plans})
        seeds = sorted({p["seed"] for p in plans})
        text.append(
            "Planning the next trial: power by simulation of the primary analysis of a new "
            "two-arm trial (kneestudy.design), "
            + " / ".join(map(str, reps))
            + " simulated trials per sample size, seed "
            + " / ".join(map(str, seeds))
            + ", common random numbers across sizes; power with its exact Clopper–Pearson "
            "Monte Carlo interval (Morris, White & Crowther 2019); the planning effect is the "
            "idea's pooled pain difference in the comparison of the ideas, carried by the "
            "simulator's effect profile to the analysis week when the evidence holds at "
            "another week."
        )
        refs.append("Morris TP, White IR, Crowther MJ (2019). Using simulation studies to "
                    "evaluate statistical methods. Stat Med 38:2074.")  # fmt: skip
    return text, refs
