"""Plain-language verdicts: GRADE's informative statements (Santesso et al. 2020).

=============  ==============================  =======================================
certainty      important effect                little or no difference
=============  ==============================  =======================================
high           X reduces pain                  X results in little or no difference
moderate       X probably reduces pain         X probably results in little or no ...
low            X may reduce pain               X may result in little or no ...
very low       The evidence is very uncertain about the effect of X on pain
=============  ==============================  =======================================

"Little or no difference" is said only where the estimate lies within the
MCID (Zeng et al. 2021, GRADE guidelines 32: the point estimate sets the
target of the rating); otherwise the direction of the effect is named.
Every verdict names the window ("up to 3 months") and the comparator.

References
----------
Santesso N, Glenton C, Dahm P, et al. (2020). GRADE guidelines 26: informative
statements to communicate the findings of systematic reviews of interventions.
*J Clin Epidemiol* 119:126–135. Zeng L, Brignardello-Petersen R, Hultcrantz M,
et al. (2021). GRADE guidelines 32: GRADE offers guidance on choosing targets
of GRADE certainty of evidence ratings. *J Clin Epidemiol* 137:163–175.

Examples
--------
>>> from kneestudy.compare.scales import scale_for
>>> verdict("Glute strengthening", "moderate", -2.4, -3.1, -1.7, scale_for("pain"),
...         "up to 3 months", "inactive control")
'Glute strengthening probably reduces pain up to 3 months compared with inactive control (mean difference -2.4 points on the 0–10 pain scale, 95% CI -3.1 to -1.7; MCID 2).'
"""

from __future__ import annotations

import math

from kneestudy.compare.scales import Scale

__all__ = ["verdict"]

#: outcome -> (what, (3rd person, base form) if the estimate is above 0, ... if below 0)
_VERBS = {
    "pain": ("pain", ("increases", "increase"), ("reduces", "reduce")),
    "akps": ("the AKPS score", ("improves", "improve"), ("worsens", "worsen")),
    "function": ("function", ("improves", "improve"), ("worsens", "worsen")),
    "recovered": ("the chance of recovery", ("increases", "increase"), ("reduces", "reduce")),
    "pain_free": (
        "the time to becoming pain-free",
        ("shortens", "shorten"),
        ("lengthens", "lengthen"),
    ),
}
_HEDGE = {"high": "", "moderate": "probably ", "low": "may "}
_MEASURE = {"MD": "mean difference", "SMD": "standardised mean difference",
            "logOR": "odds ratio", "logHR": "hazard ratio"}  # fmt: skip


def _exp(x: float) -> float:
    return math.exp(x) if x < 700 else math.inf


def _size(est: float, lo: float, hi: float, sc: Scale) -> str:
    name = _MEASURE.get(sc.measure, sc.measure)
    if sc.ratio:
        return (
            f"{name} {_exp(est):.2f}, 95% CI {_exp(lo):.2f} to {_exp(hi):.2f}; "
            f"MCID {math.exp(sc.mcid):.2g}-fold{' (assumed)' if sc.mcid_assumed else ''}"
        )
    unit = "points on the 0–10 pain scale" if sc.unit.startswith("points") else sc.unit
    if sc.measure == "SMD":
        unit = "SD"
    return (
        f"{name} {est:.2g} {unit}, 95% CI {lo:.2g} to {hi:.2g}; MCID {sc.mcid:g}"
        f"{' (assumed)' if sc.mcid_assumed else ''}"
    )


def verdict(
    label: str,
    level: str,
    est: float,
    lo: float,
    hi: float,
    sc: Scale,
    when: str,
    comparator: str,
) -> str:
    """GRADE informative statement for one idea (module docstring).

    ``when`` names the window ("up to 3 months"); ``comparator`` the reference.
    """
    what, up, down = _VERBS.get(sc.outcome, (sc.outcome, ("increases", "increase"),
                                            ("reduces", "reduce")))  # fmt: skip
    tail = f" {when}" if when else ""
    size = _size(est, lo, hi, sc)
    if level == "very low":
        return (
            f"The evidence is very uncertain about the effect of {label.lower()} on {what}"
            f"{tail} compared with {comparator} ({size})."
        )
    hedge = _HEDGE[level]
    if abs(est) < sc.mcid:
        verb = "result" if hedge == "may " else "results"
        return (
            f"{label} {hedge}{verb} in little or no difference in {what}{tail} compared with "
            f"{comparator} ({size})."
        )
    forms = up if est > 0 else down
    verb = forms[1] if hedge == "may " else forms[0]
    return f"{label} {hedge}{verb} {what}{tail} compared with {comparator} ({size})."
