r"""Credibility of an apparent effect modification (ICEMAN, randomised trials).

The seed text claims that a single-leg half-squat test (knee moving inward =
weak glutes) picks out who gains most from glute strengthening. That is a
claim of effect modification by ``squat_test``, whose credibility ICEMAN
assesses (Schandelmaier et al. 2020). ICEMAN applies to a *suggested*
effect modification: its tool states that it "was developed to assess the
credibility of a suggested effect modification (interaction p < 0.1). It
does not apply when there is no suggestion of effect modification"
(iceman.help, ICEMAN assessment tool, version 1.1). With p ≥ 0.1 the result
says so and the overall effect stands.

The core questions for randomised trials (each answered "definitely yes",
"probably yes", "probably no or unclear" or "definitely no"):

1. Was the direction of effect modification correctly hypothesised a priori?
   The response options follow the ICEMAN manual: "definitely yes" needs a
   prior protocol with the hypothesis and its direction; "probably yes" is
   an unequivocal a-priori statement with the correct direction but no
   protocol; "definitely no" when the results are inconsistent with the
   hypothesised direction; "probably no or unclear" for a vague hypothesis.
   Answered from the data: the level expected to gain more is compared with
   the level that did.
2. Is the effect modification supported by prior evidence? Not something
   the data can answer: given by the caller; the default ("probably no or
   unclear") is marked as an assumption.
3. Does a test for interaction suggest that chance is an unlikely
   explanation? Answered from the interaction p-value in bands; the band
   limits (default 0.001, 0.01, 0.1) are kneestudy's reading, marked as an
   assumption.
4. Did the analysis test only a small number of effect modifiers, or take
   their number into account? From ``n_modifiers`` (modifiers examined for
   this outcome): one → "definitely yes", two or three → "probably yes",
   more → "probably no or unclear" (assumption).
5. If the modifier is continuous, were arbitrary cut points avoided? A
   categorical modifier recorded as such (``squat_test`` is pass/fail by
   definition) → "definitely yes".

ICEMAN's overall rating is a judgement on a visual analogue scale from very
low to high; ``suggested_rating`` is kneestudy's rule of thumb (any
"definitely no", or a chance-compatible interaction: at most "low"; all yes:
"high"; otherwise "moderate" or "low" by the count of yes answers), labelled
as such.

References
----------
Schandelmaier S, Briel M, Varadhan R, et al. Development of the Instrument
to assess the Credibility of Effect Modification Analyses (ICEMAN) in
randomized controlled trials and meta-analyses. CMAJ 2020;192:E901–6.
doi:10.1503/cmaj.200077.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kneestudy._results import Result, frame_to_html
from kneestudy.effects._common import tcrit
from kneestudy.effects.results import SubgroupResult
from kneestudy.effects.subgroup import subgroup
from kneestudy.errors import AnalysisError

__all__ = ["ANSWERS", "CredibilityResult", "iceman", "squat_test_claim"]


@dataclass(frozen=True)
class CredibilityResult(Result):
    """ICEMAN assessment of an effect modification (:func:`kneestudy.effects.iceman`).

    Attributes
    ----------
    by, outcome, week, treatment, comparator : identification.
    expected_gain, observed_gain : str
        The level hypothesised to gain more (None: no hypothesis) and the one
        that did.
    interaction_estimate, interaction_ci_low, interaction_ci_high, interaction_p_value
        Effect in the second level minus the first, with its CI and test.
    applicable : bool
        ICEMAN applies (interaction p < 0.1).
    suggested_rating : str
        "very low", "low", "moderate", "high" or "not applicable" —
        kneestudy's rule of thumb (``note``), not ICEMAN's judgement.
    items : DataFrame
        item, question, answer, evidence, assumption (True where the answer
        rests on an assumption rather than the data).
    subgroups : DataFrame
        The effect within each level (as ``SubgroupResult.table``).
    """

    by: str
    outcome: str
    week: float
    treatment: str
    comparator: str
    expected_gain: str | None
    observed_gain: str
    interaction_estimate: float
    interaction_ci_low: float
    interaction_ci_high: float
    interaction_p_value: float
    applicable: bool
    suggested_rating: str
    note: str
    items: pd.DataFrame = field(repr=False)
    subgroups: pd.DataFrame = field(repr=False)
    level: float = 0.95

    _title = "Credibility of effect modification (ICEMAN)"

    def to_frame(self) -> pd.DataFrame:
        """The ICEMAN items (full text)."""
        return self.items.copy()

    def _repr_html_(self) -> str:
        return (
            f"<div><strong>{html.escape(self._title)}: {html.escape(self.by)}</strong>"
            f"{frame_to_html(self.subgroups)}{frame_to_html(self.items)}"
            f"<p>{html.escape(self.suggested_rating)}: {html.escape(self.note)}</p></div>"
        )


#: ICEMAN's response options, most to least credible.
ANSWERS: tuple[str, ...] = (
    "definitely yes",
    "probably yes",
    "probably no or unclear",
    "definitely no",
)
_LOWER_IS_BETTER = {"pain": True, "akps": False}


def _item3(p: float, bands: tuple[float, float, float]) -> str:
    a, b, c = bands
    if not np.isfinite(p) or p >= c:
        return "definitely no"
    if p >= b:
        return "probably no or unclear"
    if p >= a:
        return "probably yes"
    return "definitely yes"


def iceman(
    result: SubgroupResult,
    *,
    expected_gain: str | None = None,
    protocol: bool = False,
    prior_evidence: str | None = None,
    n_modifiers: int = 1,
    continuous: bool = False,
    cut_points_prespecified: bool = False,
    p_bands: tuple[float, float, float] = (0.001, 0.01, 0.1),
    level: float = 0.95,
) -> CredibilityResult:
    """ICEMAN (RCT version) for a subgroup analysis (:func:`~kneestudy.effects.subgroup`).

    Parameters
    ----------
    result : SubgroupResult
        Two levels (the interaction is then one coefficient with a CI).
    expected_gain : str, optional
        The level hypothesised a priori to gain more (None: no hypothesis).
    protocol : bool
        The hypothesis is in a prior, time-stamped protocol.
    prior_evidence : str, optional
        Answer to item 2, one of :data:`ANSWERS` (None: "probably no or
        unclear", an assumption).
    n_modifiers : int
        Effect modifiers examined for this outcome (item 4).
    continuous, cut_points_prespecified : bool
        Item 5: whether the modifier is a cut continuous variable, and if so
        whether the cut point was fixed beforehand.
    p_bands : tuple
        Item 3's band limits (assumption; module notes).

    Returns
    -------
    CredibilityResult
    """
    if len(result.table) != 2:
        raise AnalysisError("the ICEMAN summary here needs a modifier with exactly two levels")
    if prior_evidence is not None and prior_evidence not in ANSWERS:
        raise AnalysisError(f"prior_evidence must be one of {list(ANSWERS)}")
    if n_modifiers < 1:
        raise AnalysisError("n_modifiers must be at least 1")
    lower_better = _LOWER_IS_BETTER.get(result.outcome, True)
    t = result.table
    levels = list(t["level"])
    if expected_gain is not None and expected_gain not in levels:
        raise AnalysisError(f"expected_gain {expected_gain!r} is not a level: {levels}")
    est = t["estimate"].to_numpy()
    gained = levels[int(np.argmin(est) if lower_better else np.argmax(est))]
    p = float(result.interaction_p_value)
    items = []
    if expected_gain is None:
        a1, e1 = "probably no or unclear", "no direction was hypothesised"
    elif gained != expected_gain:
        a1 = "definitely no"
        e1 = f"hypothesised: {expected_gain!r} gains more; observed: {gained!r} did"
    else:
        a1 = "definitely yes" if protocol else "probably yes"
        e1 = f"hypothesised and observed: {expected_gain!r} gains more" + (
            " (in a prior protocol)" if protocol else " (stated a priori, no protocol)"
        )
    items.append((1, "Was the direction of effect modification correctly hypothesised a "
                  "priori?", a1, e1, False))  # fmt: skip
    items.append((2, "Is the effect modification supported by prior evidence?",
                  prior_evidence or "probably no or unclear",
                  "as given" if prior_evidence else "not assessed by kneestudy (no trial of the "
                  "modifier in the evidence base)", prior_evidence is None))  # fmt: skip
    items.append((3, "Does a test for interaction suggest that chance is an unlikely "
                  "explanation?", _item3(p, p_bands),
                  f"interaction p = {p:.3g} ({result.interaction_test}); bands "
                  f"{p_bands[0]:g}/{p_bands[1]:g}/{p_bands[2]:g}", True))  # fmt: skip
    a4 = (
        "definitely yes" if n_modifiers == 1
        else "probably yes" if n_modifiers <= 3 else "probably no or unclear"
    )  # fmt: skip
    items.append((4, "Did the analysis test only a small number of effect modifiers or take "
                  "their number into account?", a4,
                  f"{n_modifiers} modifier(s) examined for this outcome", True))  # fmt: skip
    if not continuous:
        a5, e5 = "definitely yes", "categorical modifier (no cut point)"
    elif cut_points_prespecified:
        a5, e5 = "probably yes", "cut point fixed beforehand"
    else:
        a5, e5 = "definitely no", "a continuous modifier cut after seeing the data"
    items.append((5, "If the modifier is continuous, were arbitrary cut points avoided?",
                  a5, e5, False))  # fmt: skip
    table = pd.DataFrame(items, columns=["item", "question", "answer", "evidence", "assumption"])
    applicable = np.isfinite(p) and p < 0.1
    yes = int(table["answer"].isin(ANSWERS[:2]).sum())
    if not applicable:
        rating = "not applicable"
    elif (table["answer"] == "definitely no").any() or table.loc[2, "answer"] not in ANSWERS[:2]:
        rating = "low" if yes >= 3 else "very low"
    elif yes == 5:
        rating = "high"
    else:
        rating = "moderate" if yes >= 4 else "low"
    df = result.interaction_df
    crit = tcrit(level, df) if np.isfinite(df) else float("nan")
    ie, ise = result.interaction_estimate, result.interaction_se
    note = (
        "ICEMAN applies to a suggested effect modification (interaction p < 0.1); here p = "
        f"{p:.3g}: no suggestion of effect modification, the overall effect applies"
        if not applicable
        else "suggested rating: kneestudy's rule of thumb, not ICEMAN's (ICEMAN's overall "
        "rating is a judgement)"
    )
    return CredibilityResult(
        by=result.by,
        outcome=result.outcome,
        week=result.week,
        treatment=result.treatment,
        comparator=result.comparator,
        expected_gain=expected_gain,
        observed_gain=gained,
        interaction_estimate=float(ie),
        interaction_ci_low=float(ie - crit * ise),
        interaction_ci_high=float(ie + crit * ise),
        interaction_p_value=p,
        applicable=bool(applicable),
        suggested_rating=rating,
        note=note,
        items=table,
        subgroups=t.copy(),
        level=level,
    )


def squat_test_claim(
    cohort,
    outcome: str = "pain",
    week: float = 12,
    treatment: str | None = None,
    n_modifiers: int = 1,
    level: float = 0.95,
) -> CredibilityResult:
    """The seed's claim: failing the squat test (knee moving inward) marks who gains most.

    :func:`~kneestudy.effects.subgroup` by ``squat_test`` with ICEMAN
    (:func:`iceman`), the hypothesis being that "fail" gains more, stated a
    priori in the seed text (no trial protocol: item 1 at best "probably yes").

    Examples
    --------
    >>> import kneestudy as ks
    >>> c = ks.datasets.demo_study().cohort("demo-glute")
    >>> r = ks.effects.squat_test_claim(c, treatment="glute_strengthening+quadriceps_strengthening")
    >>> r.expected_gain
    'fail'
    """
    res = subgroup(cohort, by="squat_test", outcome=outcome, week=week, treatment=treatment,
                   level=level)  # fmt: skip
    return iceman(res, expected_gain="fail", protocol=False, n_modifiers=n_modifiers, level=level)
