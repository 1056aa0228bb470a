"""Synthetic trial cohorts for the eight ideas for runner's knee.

:func:`cohort` draws a randomised (parallel, possibly multi-arm) trial from a
generative model whose every parameter, with its source or marked as an
assumption, sits in :mod:`kneestudy.simulate.parameters`
(:func:`parameter_table`); :func:`crossover` draws a within-person comparison
of knee-brace settings. The model is described in
:mod:`kneestudy.simulate._model`; each cohort carries the exact true
quantities it was drawn from in ``cohort.truth``. Throughout, *recovered*
means a global rating of change of 6 or 7 (GRC >= 6), calibrated so that 45%
of an untreated arm have recovered at 12 weeks and 60% at 52 weeks
(Collins et al. 2013). Pain is recorded with measurement error at every
visit, baseline included, and people enter on their recorded baseline pain,
so follow-up pain regresses to the mean. Recorded pain has 0.1-point
resolution and AKPS whole points; the truth is exact (no rounding).

Participants are simulated independently given their arm (allocation is a
random permutation of equal arm sizes; every other quantity is drawn per
person), so one large cohort can be dealt out into many independent trials
of the same design, as power by simulation does.

Examples
--------
>>> import kneestudy as ks
>>> c = ks.simulate.cohort("orthotics", n=60, seed=1)
>>> list(c.arms["intervention"])
['orthotics', 'flat_insert']
>>> c.manifest.source
'synthetic'
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from kneestudy.errors import AnalysisError
from kneestudy.ingest.model import Cohort, Manifest
from kneestudy.interventions import label_of
from kneestudy.simulate._model import DEFAULT_DESIGNS, resolve
from kneestudy.simulate.parameters import parameter_table

__all__ = ["DEFAULT_DESIGNS", "DEFAULT_WEEKS", "cohort", "crossover", "parameter_table"]

#: Visit weeks of a simulated trial unless told otherwise.
DEFAULT_WEEKS: tuple[float, ...] = (0, 2, 4, 6, 12, 26, 52)

_ROB = ("low", "some_concerns", "high")


def cohort(
    idea: str,
    n: int = 200,
    seed: int = 0,
    comparator: str | None = None,
    weeks: Sequence[float] = DEFAULT_WEEKS,
    effect: float | Mapping[str, float] | None = None,
    dropout: float | None = None,
    arms: Sequence[str] | None = None,
    *,
    cohort_id: str | None = None,
    title: str | None = None,
    risk_of_bias: str = "low",
    primary_week: float | None = None,
    dropout_mar: float | None = None,
    dropout_mnar: float | None = None,
    min_baseline_pain: float | None = None,
) -> Cohort:
    """Simulate a randomised trial of an idea for runner's knee.

    Parameters
    ----------
    idea : str
        The idea (or any registry code, e.g. ``"taping"``) the trial tests.
        Sets the default design (:data:`DEFAULT_DESIGNS`): e.g. orthotics vs
        flat inserts, glucosamine vs placebo.
    n : int
        Number of participants in all, allocated to the arms in equal shares
        (±1) in random order.
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same
        cohort, byte for byte once written.
    comparator : str, optional
        The control arm's code (default: the idea's usual control).
    weeks : sequence of float
        Visit weeks, strictly increasing, starting with 0 (baseline).
    effect : float or mapping, optional
        Replaces the peak pain effect (points, negative = less pain, at mean
        adherence, vs no treatment) of the idea's code, or of each code in a
        mapping ``{code: peak}``; for power and sample-size work.
    dropout : float, optional
        Per-visit probability of withdrawing at pain 5/10 (default 0.015,
        6-8% over a trial); 0 turns dropout off. ``withdrawal_week`` is the
        week of the last visit attended, and no visit follows it. By default
        withdrawal is missing at random given the last recorded pain (log
        odds +0.3 per point, ``dropout_mar``).
    arms : sequence of str, optional
        All arm codes for a multi-arm trial (e.g.
        ``["glute_strengthening+quadriceps_strengthening",
        "quadriceps_strengthening", "usual_care"]``); the comparator is
        ``comparator`` or else the last arm.
    cohort_id, title : str, optional
        Manifest fields (defaults name the idea and seed).
    risk_of_bias : {"low", "some_concerns", "high"}
        Recorded in the manifest.
    primary_week : float, optional
        The manifest's primary week, a follow-up visit week (default: week
        12, or the follow-up visit closest to it).
    dropout_mar : float, optional
        Log odds of withdrawing before a visit per point of the last recorded
        pain (default 0.3); 0 with ``dropout_mnar = 0`` is missing completely
        at random.
    dropout_mnar : float, optional
        Missing not at random: log odds of withdrawing before a visit per
        point of the true pain the person would have had at that visit,
        which is never recorded (default 0, missing at random). E.g. 0.5
        makes someone whose pain is 2 points above another's at the missed
        visit 2.7 times as likely (odds) to have left, beyond what their last
        recorded pain says; complete-case and MAR analyses are then biased.
        See :mod:`kneestudy.simulate._model` for the mechanism.
    min_baseline_pain : float, optional
        Entry threshold on *recorded* baseline pain (default 3, as Hott
        2020), a multiple of 0.1 in [0, 9]. Because recorded pain carries
        measurement error, a higher threshold admits more people whose
        error happened to be high, and the regression to the mean at
        follow-up grows (``truth["baseline"]["regression_to_the_mean"]``).

    Returns
    -------
    Cohort
        Tables with canonical dtypes, a manifest with ``source = "synthetic"``
        and the seed, and ``truth`` (see :mod:`kneestudy.simulate._truth`):
        ``truth["by_arm_week"]`` holds the true effect, expected pain,
        recovery probability (GRC >= 6) and effect by squat test for every
        arm and week.

    Notes
    -----
    True pain ``L_i(t) = T_0i - M h(t) + tau_i(t) + u_i h(t) + e_i(t)`` with
    ``h(t) = 1 - exp(-t/16)``, an AR(1) variation ``e`` and a person effect
    ``u``; recorded pain ``R_i(t) = L_i(t) + eps_i(t)`` with an independent
    measurement error at every visit (reliability ICC 0.6, Chesworth 1989),
    bounded to 0–10 and recorded to 0.1. Entrants have recorded baseline pain
    >= ``min_baseline_pain``. The GRC cut-point for "recovered" and the GRC
    noise are solved so that the control arm has 45% recovered at 12 weeks
    and 60% at 52 weeks (Collins et al. 2013, Br J Sports Med 47:227).
    ``tau_i(t)`` sums the profiles of the arm's codes, scaled by adherence /
    mean adherence (dose-response), and for glute strengthening by the squat
    test (effect four times as large when it fails: an assumption). AKPS ``=
    96 - 5 * true pain + person + visit noise`` bounded to 0–100, whole
    points. Every parameter, with its source or marked as an assumption:
    :func:`parameter_table`.

    Examples
    --------
    >>> import kneestudy as ks
    >>> c = ks.simulate.cohort(
    ...     "glute_strengthening", n=90, seed=3,
    ...     arms=["glute_strengthening+quadriceps_strengthening",
    ...           "quadriceps_strengthening", "usual_care"])
    >>> c.comparator
    'usual_care'
    >>> t = c.truth["by_arm_week"]
    >>> round(float(t.query("week == 12 and arm == 'usual_care'")["recovered"].iloc[0]), 3)
    0.45
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
        raise AnalysisError(f"n must be a whole number of participants >= 2, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise AnalysisError(f"seed must be a non-negative whole number, got {seed!r}")
    if risk_of_bias not in _ROB:
        raise AnalysisError(f"risk_of_bias must be one of {_ROB}, got {risk_of_bias!r}")
    model = resolve(
        idea,
        comparator=comparator,
        arms=arms,
        weeks=weeks,
        effect=effect,
        dropout=dropout,
        dropout_mar=dropout_mar,
        dropout_mnar=dropout_mnar,
        min_baseline_pain=min_baseline_pain,
    )
    if primary_week is None:  # week 12, or the follow-up visit closest to it (later on a tie)
        follow = model.weeks[1:]
        primary_week = float(follow[np.argmin(np.abs(follow - 12.0) - 1e-9 * follow)])
    if float(primary_week) not in set(model.weeks[1:].tolist()):
        raise AnalysisError(
            f"primary_week {primary_week!r} is not a follow-up visit week "
            f"{model.weeks[1:].tolist()}"
        )
    if n < len(model.arms):
        raise AnalysisError(f"n = {n} is fewer than the {len(model.arms)} arms")

    from kneestudy.simulate._generate import draw
    from kneestudy.simulate._truth import truth

    rng = np.random.default_rng(int(seed))
    tables = draw(model, int(n), rng)
    others = " vs ".join(label_of(a) for a in model.arms)
    manifest = Manifest(
        cohort_id=cohort_id or f"sim-{idea.replace('+', '-')}-s{int(seed)}",
        title=title or f"Synthetic trial: {others}",
        design="parallel",
        comparator=model.comparator,
        primary_outcome="pain",
        primary_week=float(primary_week),
        visit_weeks=tuple(float(w) for w in model.weeks),
        risk_of_bias=risk_of_bias,
        source="synthetic",
        tables={
            "participants": "participants.csv",
            "visits": "visits.csv",
            "adverse_events": "adverse_events.csv",
        },
        seed=int(seed),
        description=(
            "Simulated by kneestudy.simulate.cohort; parameters and their sources in "
            "kneestudy.simulate.parameters. Recovered = GRC >= 6. "
            f"Entry: recorded baseline pain >= {model.entry_pain:g}. "
            f"Dropout: {model.dropout_mechanism}."
        ),
    )
    return Cohort(
        manifest=manifest,
        participants=tables["participants"],
        visits=tables["visits"],
        adverse_events=tables["adverse_events"],
        truth=truth(model, int(n), int(seed)),
    )


def crossover(
    n: int = 40,
    seed: int = 0,
    period_weeks: float = 1.0,
    *,
    cohort_id: str | None = None,
) -> Cohort:
    """Simulate a crossover of knee-brace settings (medial vs lateral pull).

    Everyone wears the brace in both settings in random order after a
    baseline visit without it; ``visits.condition`` holds the code in force
    (``usual_care`` at baseline, then ``knee_brace_medial`` /
    ``knee_brace_lateral``, declared in the manifest's ``[codes]``). Each
    person has a preferred direction of pull (half prefer medial), so the
    average difference between settings is nil while individual differences
    are large: the case for a within-person comparison. Model and parameters:
    :mod:`kneestudy.simulate._crossover` and the ``crossover.*`` rows of
    :func:`parameter_table`. No dropout and no adverse-event table.

    Parameters
    ----------
    n : int
        Participants (two sequences, equal sizes ±1).
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    period_weeks : float
        Weeks each setting is worn; a visit closes each period.
    cohort_id : str, optional

    Returns
    -------
    Cohort
        ``design = "crossover"``; ``truth`` holds each setting's mean effect
        vs no brace, the mean and the individual spread of the difference
        between settings, and the period effect (natural recovery).

    Examples
    --------
    >>> import kneestudy as ks
    >>> c = ks.simulate.crossover(n=20, seed=1)
    >>> sorted(c.visits["condition"].unique())
    ['knee_brace_lateral', 'knee_brace_medial', 'usual_care']
    >>> c.truth["mean_difference_medial_minus_lateral"]
    0.0
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
        raise AnalysisError(f"n must be a whole number of participants >= 2, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise AnalysisError(f"seed must be a non-negative whole number, got {seed!r}")
    try:
        period = float(period_weeks)
    except (TypeError, ValueError):
        raise AnalysisError(f"period_weeks must be a number, got {period_weeks!r}") from None
    if not (np.isfinite(period) and 0 < period <= 26):
        raise AnalysisError(f"period_weeks must be in (0, 26], got {period_weeks!r}")
    from kneestudy.simulate._crossover import crossover_cohort

    return crossover_cohort(int(n), int(seed), period, cohort_id)
