r"""Certainty of each idea's estimate, domain by domain (GRADE for networks, CINeMA).

Evidence from randomised trials starts at *high* certainty and is rated down
one level for *some concerns* and two for *major concerns* in each of six
domains (Nikolakopoulou et al. 2020; Brignardello-Petersen et al. 2018); the
sum of the downgrades gives high, moderate, low or very low. Every domain
gets a level and a reason, also when it is "not assessed" or "not assessable".

Within-study bias
    Each study's risk of bias (low / some concerns / high, per study, not per
    contrast row), weighted by the study's contribution to the idea's
    estimate (percentage study weights, Riley et al. 2018): the
    contribution-weighted average score (low 1, some concerns 2, high 3; one
    of CINeMA's options) below 1.5 is no concerns, below 2.5 some concerns,
    else major concerns. A study without a rating counts as some concerns, and
    the reason says so.
Reporting bias
    Small-study effects among the studies whose contrasts isolate the idea
    (the arms differ by the idea's component only), by Egger's regression test
    in its original weighted least-squares form (Egger et al. 1997; metafor's
    ``regtest(model = "lm")``, :func:`kneestudy.meta.regtest`), only with at
    least 10 such studies (Sterne et al. 2011); p < 0.10 is some concerns
    ("suspected"). With fewer: *not assessed*.
Indirectness
    Population and intervention, per study, weighted as within-study bias:
    another population than patellofemoral pain (e.g. knee osteoarthritis) is
    high indirectness; an idea represented in the study only by an alias or a
    declared code (taping for the physical therapist) is some concerns. The
    lack of a direct comparison with the reference is *not* indirectness.
Imprecision
    The confidence interval against the MCID thresholds for benefit and harm
    (Zeng et al. 2022, GRADE guidance 34, minimally contextualised approach):
    no threshold crossed, no downgrade; one crossed, one level; both (the
    interval spans important benefit and important harm), two levels.
Heterogeneity
    The prediction interval against the same thresholds: each threshold it
    crosses that the confidence interval does not is one level (CINeMA).
    Without a prediction interval (fewer than 2 degrees of freedom for τ²)
    the domain is *not assessable*, and says why.
Incoherence
    Node-splitting (direct against indirect evidence of the comparisons that
    differ in the idea) and the design-by-treatment interaction test, and for
    the additive model the additivity test: the smallest p-value below 0.10
    is some concerns, below 0.01 major concerns. Without closed loops
    (nothing to compare): *not assessable*.

The wording of the verdicts follows Santesso et al. (2020), see
:mod:`kneestudy.compare.wording`.

References
----------
Nikolakopoulou A, Higgins JPT, Papakonstantinou T, et al. (2020). CINeMA: an
approach for assessing confidence in the results of a network meta-analysis.
*PLoS Med* 17:e1003082. Brignardello-Petersen R, Bonner A, Alexander PE, et al.
(2018). Advances in the GRADE approach to rate the certainty in estimates from
a network meta-analysis. *J Clin Epidemiol* 93:36–44. Zeng L,
Brignardello-Petersen R, Hultcrantz M, et al. (2022). GRADE Guidance 34:
update on rating imprecision using a minimally contextualized approach. *J Clin
Epidemiol* 150:216–224. Riley RD, Ensor J, Jackson D, Burke DL (2018). Deriving
percentage study weights in multi-parameter meta-analysis models. *Stat Methods
Med Res* 27:2885–2905. Egger M, Davey Smith G, Schneider M, Minder C (1997).
Bias in meta-analysis detected by a simple, graphical test. *BMJ* 315:629–634.
Sterne JAC, Sutton AJ, Ioannidis JPA, et al. (2011).
Recommendations for examining and interpreting funnel plot asymmetry in
meta-analyses of randomised controlled trials. *BMJ* 343:d4002.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kneestudy.compare.scales import Scale

__all__ = [
    "DOMAINS",
    "LEVELS",
    "Judgement",
    "heterogeneity",
    "imprecision",
    "incoherence",
    "indirectness",
    "overall",
    "reporting_bias",
    "within_study_bias",
]

LEVELS = ("high", "moderate", "low", "very low")
DOMAINS = (
    "within-study bias",
    "reporting bias",
    "indirectness",
    "imprecision",
    "heterogeneity",
    "incoherence",
)
NO, SOME, MAJOR = "no concerns", "some concerns", "major concerns"
NOT_ASSESSED, NOT_ASSESSABLE = "not assessed", "not assessable"
_SCORE = {"low": 1, "some_concerns": 2, "high": 3}
_WORDS = {"low": "low", "some_concerns": "some concerns", "high": "high"}


@dataclass(frozen=True)
class Judgement:
    """One domain's rating: level, levels rated down, and the reason."""

    domain: str
    level: str
    downgrade: int
    reason: str


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def _weighted(
    domain: str, weights: Mapping[str, float], levels: Mapping[str, str], what: str
) -> tuple[str, int, str]:
    total = sum(w for w in weights.values() if w > 0)
    if total <= 0:
        return NOT_ASSESSABLE, 0, "no study contributes to the estimate"
    share = {k: 0.0 for k in _SCORE}
    for s, w in weights.items():
        if w > 0:
            share[levels.get(s, "some_concerns")] += w / total
    avg = sum(_SCORE[k] * v for k, v in share.items())
    parts = ", ".join(f"{100 * v:.0f}% {_WORDS[k]}" for k, v in share.items() if v > 0)
    if avg < 1.5:
        lev, down = NO, 0
    elif avg < 2.5:
        lev, down = SOME, 1
    else:
        lev, down = MAJOR, 2
    return lev, down, f"by contribution to the estimate: {parts} {what} (average score {avg:.2f})"


def within_study_bias(weights: Mapping[str, float], rob: Mapping[str, str | None]) -> Judgement:
    """Contribution-weighted risk of bias (module docstring).

    ``weights``: study -> share of the estimate; ``rob``: study -> low |
    some_concerns | high, or None when not reported.
    """
    missing = sorted(s for s, w in weights.items() if w > 0 and rob.get(s) not in _SCORE)
    levels = {s: (rob.get(s) if rob.get(s) in _SCORE else "some_concerns") for s in weights}
    lev, down, why = _weighted("within-study bias", weights, levels, "risk of bias")
    if missing:
        why += f"; no rating for {', '.join(missing)}: counted as some concerns"
    return Judgement("within-study bias", lev, down, why)


def reporting_bias(
    yi: Sequence[float], vi: Sequence[float], min_studies: int = 10, alpha: float = 0.10
) -> Judgement:
    """Egger's test on the studies that isolate the idea, from ``min_studies`` on."""
    k = len(yi)
    if k < min_studies:
        return Judgement(
            "reporting bias", NOT_ASSESSED, 0,
            f"{k} {'study isolates' if k == 1 else 'studies isolate'} the idea; small-study "
            f"effects are assessed from {min_studies} (Sterne et al. 2011)",
        )  # fmt: skip
    from kneestudy.meta.bias import regtest

    res = regtest(yi, vi, model="lm")
    p = float(res.p_value)
    if p < alpha:
        return Judgement(
            "reporting bias", SOME, 1,
            f"small-study effects suspected: Egger's test p = {p:.3g} over {k} studies",
        )  # fmt: skip
    return Judgement(
        "reporting bias",
        NO,
        0,
        f"no small-study effect detected: Egger's test p = {p:.3g} over {k} studies",
    )


def indirectness(
    weights: Mapping[str, float], per_study: Mapping[str, tuple[str, str]]
) -> Judgement:
    """Contribution-weighted indirectness of population and intervention.

    ``per_study``: study -> (low | some_concerns | high, why).
    """
    levels = {s: v[0] for s, v in per_study.items()}
    lev, down, why = _weighted("indirectness", weights, levels, "indirectness")
    notes = sorted({v[1] for s, v in per_study.items() if v[0] != "low" and weights.get(s, 0) > 0})
    if notes:
        why += "; " + "; ".join(notes)
    return Judgement("indirectness", lev, down, why)


def _crossed(lo: float, hi: float, sc: Scale) -> list[tuple[str, float]]:
    out = []
    for name, t in (("benefit", sc.benefit_threshold), ("harm", sc.harm_threshold)):
        if lo < t < hi:
            out.append((name, t))
    return out


def _show(t: float, sc: Scale) -> str:
    return f"OR/HR {math.exp(t):.2g}" if sc.ratio else f"{t:+g}"


def imprecision(ci: tuple[float, float], sc: Scale) -> Judgement:
    """The CI against the MCID thresholds for benefit and harm (module docstring)."""
    lo, hi = ci
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return Judgement("imprecision", NOT_ASSESSABLE, 0, "no confidence interval")
    hit = _crossed(lo, hi, sc)
    span = f"the 95% CI ({_fmt(lo)} to {_fmt(hi)})"
    mcid = f"MCID {sc.mcid:g}" if not sc.ratio else f"MCID {math.exp(sc.mcid):.2g}-fold"
    if not hit:
        return Judgement("imprecision", NO, 0, f"{span} crosses neither threshold ({mcid})")
    if len(hit) == 1:
        name, t = hit[0]
        return Judgement(
            "imprecision",
            SOME,
            1,
            f"{span} crosses the threshold of important {name} ({_show(t, sc)})",
        )
    return Judgement(
        "imprecision", MAJOR, 2,
        f"{span} spans important benefit and important harm (thresholds "
        f"{_show(sc.benefit_threshold, sc)} and {_show(sc.harm_threshold, sc)})",
    )  # fmt: skip


def heterogeneity(
    ci: tuple[float, float], pi: tuple[float, float], sc: Scale, why_not: str = ""
) -> Judgement:
    """The prediction interval against the thresholds the CI does not cross."""
    plo, phi = pi
    if not (math.isfinite(plo) and math.isfinite(phi)):
        return Judgement(
            "heterogeneity", NOT_ASSESSABLE, 0,
            why_not or "no prediction interval: fewer than 2 degrees of freedom for τ²",
        )  # fmt: skip
    in_ci = {n for n, _ in _crossed(*ci, sc)}
    extra = [(n, t) for n, t in _crossed(plo, phi, sc) if n not in in_ci]
    span = f"the 95% prediction interval ({_fmt(plo)} to {_fmt(phi)})"
    if not extra:
        return Judgement(
            "heterogeneity", NO, 0, f"{span} crosses no threshold that the CI does not cross"
        )
    names = " and ".join(f"important {n} ({_show(t, sc)})" for n, t in extra)
    lev, down = (SOME, 1) if len(extra) == 1 else (MAJOR, 2)
    return Judgement("heterogeneity", lev, down, f"{span} reaches {names}, beyond the CI")


def incoherence(tests: Sequence[tuple[str, float]]) -> Judgement:
    """The smallest p-value of the incoherence tests given as (label, p)."""
    have = [(lab, p) for lab, p in tests if p == p]
    if not have:
        return Judgement(
            "incoherence", NOT_ASSESSABLE, 0,
            "no closed loop of evidence and no other test: direct and indirect evidence cannot "
            "be compared",
        )  # fmt: skip
    lab, p = min(have, key=lambda x: x[1])
    others = "; ".join(f"{a} p = {b:.3g}" for a, b in have if (a, b) != (lab, p))
    rest = f"; also {others}" if others else ""
    if p < 0.01:
        return Judgement("incoherence", MAJOR, 2, f"{lab} p = {p:.3g} (< 0.01){rest}")
    if p < 0.10:
        return Judgement("incoherence", SOME, 1, f"{lab} p = {p:.3g} (< 0.10){rest}")
    listing = "; ".join(f"{a} p = {b:.3g}" for a, b in have)
    return Judgement("incoherence", NO, 0, f"no test below p = 0.10: {listing}")


def overall(judgements: Sequence[Judgement]) -> tuple[str, list[str]]:
    """Level from high, rated down by the sum of the downgrades; the reasons for them."""
    down = sum(j.downgrade for j in judgements)
    reasons = [f"{j.domain}: {j.reason}" for j in judgements if j.downgrade > 0]
    return LEVELS[min(down, 3)], reasons
