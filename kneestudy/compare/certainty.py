"""Certainty of evidence per idea from recognised domains (GRADE / CINeMA-like).

Start at "high" (randomised comparisons) and move down one level for each
concern found (two for serious risk of bias):

- within-study bias: more than half the studies behind the idea's direct
  comparisons are not at low risk of bias (one level; two when more than
  half are at high risk);
- imprecision: the confidence interval includes no effect, or is wider than
  two minimal clinically important differences (MCID: pain 2 points on 0–10,
  AKPS 10 points; SMD 0.5 and an odds or hazard ratio of 1.5 are assumptions);
- heterogeneity: the prediction interval includes no effect while the
  confidence interval does not;
- incoherence: a node-split test involving the idea has p < 0.10;
- indirectness: some evidence comes from another population (e.g.
  glucosamine from knee osteoarthritis), or the idea has no direct comparison
  with control.
"""

from __future__ import annotations

import math

__all__ = ["LEVELS", "MCID", "rate"]

LEVELS = ("high", "moderate", "low", "very low")
#: Minimal clinically important difference by (outcome, measure); see module doc.
MCID = {
    ("pain", "MD"): 2.0,
    ("akps", "MD"): 10.0,
    "SMD": 0.5,
    "logOR": math.log(1.5),
    "logHR": math.log(1.5),
}


def mcid(outcome: str, measure: str) -> float:
    """The MCID used for imprecision (see module doc)."""
    return MCID.get((outcome, measure), MCID.get(measure, float("nan")))


def rate(
    rob: list[str],
    ci: tuple[float, float],
    pi: tuple[float, float],
    split_p: list[float],
    populations: list[str],
    direct_to_control: bool,
    threshold: float,
) -> tuple[str, list[str]]:
    """Certainty level and reasons for downgrading."""
    down = 0
    reasons: list[str] = []
    if rob:
        not_low = sum(r != "low" for r in rob) / len(rob)
        high = sum(r == "high" for r in rob) / len(rob)
        if high > 0.5:
            down += 2
            reasons.append("risk of bias: most studies at high risk")
        elif not_low > 0.5:
            down += 1
            reasons.append("risk of bias: most studies not at low risk")
    lo, hi = ci
    if lo <= 0 <= hi:
        down += 1
        reasons.append("imprecision: the confidence interval includes no effect")
    elif math.isfinite(threshold) and hi - lo > 2 * threshold:
        down += 1
        reasons.append("imprecision: the confidence interval is wider than two MCIDs")
    plo, phi = pi
    if math.isfinite(plo) and math.isfinite(phi) and plo <= 0 <= phi and not lo <= 0 <= hi:
        down += 1
        reasons.append("heterogeneity: the prediction interval includes no effect")
    if any(p < 0.10 for p in split_p if p == p):
        down += 1
        reasons.append("incoherence: direct and indirect evidence disagree (p < 0.10)")
    other = sorted({p for p in populations if p and p != "patellofemoral pain"})
    if other or not direct_to_control:
        down += 1
        why = []
        if other:
            why.append(f"evidence from {', '.join(other)}")
        if not direct_to_control:
            why.append("no direct comparison with control")
        reasons.append("indirectness: " + "; ".join(why))
    return LEVELS[min(down, 3)], reasons
