"""The generative model of the trial simulator (resolved parameters, profiles).

Entry (a screened population, measurement error)
    People screened for a trial have *recorded* pain ``R_0 = T_0 + eps_0``:
    true pain ``T_0`` plus a measurement error ``eps_0 ~ N(0, sd_m^2)``, with
    ``R_0 ~ N(mu, sd^2)`` (``baseline.pain_mean``, ``baseline.pain_sd``) and
    reliability ``ICC = var(T_0) / var(R_0)`` (``measurement.icc``), so
    ``sd_T^2 = ICC sd^2`` and ``sd_m^2 = (1 - ICC) sd^2``. Those whose
    recorded pain reaches the entry threshold (``baseline.pain_low``,
    default 3) enter: ``R_0`` is drawn from its normal distribution
    truncated there, and ``T_0 | R_0 ~ N(mu + ICC (R_0 - mu), ICC (1 - ICC) sd^2)``.
    Entrants' measurement errors are biased upwards (``E[eps_0 | entry] > 0``),
    so recorded pain regresses to the mean at follow-up even without any
    treatment or natural recovery (Barnett, van der Pols and Dobson 2005, Int
    J Epidemiol 34:215).

True pain of person *i* at week *t* > 0 (latent, unbounded)::

    L_i(t) = T_0i - M h(t) + tau_i(t) + u_i h(t) + e_i(t),   h(t) = 1 - exp(-t / k)

``M h(t)`` is the natural improvement of the control arm
(``natural.improvement``, ``natural.recovery_weeks``), ``tau_i(t)`` the
effect of the arm (sum of its codes' profiles, scaled by the person's
adherence relative to the mean, and for glute strengthening by the squat
test), ``u_i ~ N(0, sd_u^2)`` a person's deviation from the average recovery
and ``e_i(t)`` an AR(1) variation with correlation ``rho ** |t - s|``.

Recorded pain (every visit, baseline included)::

    R_i(t) = min(max(L_i(t) + eps_i(t), 0), 10),   eps_i(t) ~ N(0, sd_m^2) independent

recorded to 0.1 point. The bounds act on the recorded value only (a censored
normal); with the tabled parameters the arms' means stay at or above about 1.5
points at every visit, as published arms do, so there is no floor effect
beyond what they show.

The global rating of change uses the perceived improvement
``G_i(t) = T_0i - L_i(t) + w_i(t)``, ``w ~ N(0, sd_w^2)``: GRC = 1 + the
number of cut-points ``G`` exceeds. Recovered = GRC >= 6 = ``G > cut_6``.
``T_0`` cancels in ``G``, so in the control arm ``P(recovered at t) =
Phi((M h(t) - cut_6) / s_G(t))`` with ``s_G^2 = sd_u^2 h^2 + sd_e^2 +
sd_w^2``; ``cut_6`` and ``sd_w`` are solved from the two published recovery
shares (Collins 2013) with ``M`` and ``k`` held at their tabled values.

Dropout (per visit, among those still in the trial)::

    logit P(withdraw before visit k) = logit(p) + b_mar (R(k-1) - 5) + b_mnar (T(k) - 5)

with ``R(k-1)`` the last recorded pain and ``T(k) = min(max(L(k), 0), 10)``
the true pain the person would have had at visit *k*, which is never
recorded. ``b_mnar = 0`` (the default) is missing at random given the
observed pain; ``b_mnar > 0`` is missing not at random, of strength
``b_mnar`` log odds per point of unobserved pain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special

from kneestudy.errors import AnalysisError
from kneestudy.interventions import split_codes, unknown_codes
from kneestudy.simulate.parameters import AE_TABLE, PARAMETER_NAMES, effect_codes, value

__all__ = ["DEFAULT_DESIGNS", "NO_DOSE", "Model", "profile", "resolve"]

#: Arms prescribing nothing to adhere to: adherence is not recorded.
NO_DOSE = frozenset({"usual_care", "wait_and_see", "education"})

#: idea or code -> (treatment arm code, comparator code) of the default two-arm design.
DEFAULT_DESIGNS: Mapping[str, tuple[str, str]] = {
    "glute_strengthening": (
        "glute_strengthening+quadriceps_strengthening",
        "quadriceps_strengthening",
    ),
    "stretching": ("stretching", "usual_care"),
    "balance_training": ("balance_training", "usual_care"),
    "running_form": ("running_form", "wait_and_see"),
    "orthotics": ("orthotics", "flat_insert"),
    "knee_brace": ("knee_brace", "usual_care"),
    "physical_therapy": ("physical_therapy", "wait_and_see"),
    "taping": ("taping", "sham"),
    "glucosamine": ("glucosamine", "placebo"),
}


def profile(t: np.ndarray, onset: float, hold: float, decay: float, persist: float) -> np.ndarray:
    """Effect profile ``s(t)`` in [0, 1] (see :mod:`kneestudy.simulate.parameters`)."""
    t = np.asarray(t, dtype=float)
    build = 1.0 - np.exp(-t / onset)
    fade = persist + (1.0 - persist) * np.exp(-np.maximum(0.0, t - hold) / decay)
    return build * fade


@dataclass(frozen=True)
class Model:
    """All numbers one simulation uses, resolved from the parameter table."""

    arms: tuple[str, ...]
    comparator: str
    weeks: np.ndarray
    peaks: Mapping[str, float]
    natural_improvement: float  # M
    recovery_weeks: float  # k
    cuts: np.ndarray  # cut_2 .. cut_7
    person_sd: float
    visit_sd: float
    ar1: float
    grc_sd: float
    dropout_per_visit: float
    dropout_slope: float  # b_mar, on the last recorded pain
    dropout_mnar: float  # b_mnar, on the current unrecorded true pain
    squat_ratio: float
    squat_fail_share: float
    adherence_a: float
    adherence_b: float
    screen_mean: float  # mu: recorded pain of those screened
    screen_sd: float  # sd: its between-person SD
    icc: float  # reliability of one recorded pain score
    entry_pain: float  # recorded baseline pain needed to enter
    extra: Mapping[str, float] = field(default_factory=dict)

    @property
    def adherence_mean(self) -> float:
        return self.adherence_a / (self.adherence_a + self.adherence_b)

    @property
    def measurement_sd(self) -> float:
        """SD of the measurement error of one recorded pain score, ``sd sqrt(1 - ICC)``."""
        return float(self.screen_sd * np.sqrt(1.0 - self.icc))

    @property
    def baseline_cond_sd(self) -> float:
        """SD of true baseline pain given recorded baseline pain, ``sd sqrt(ICC (1 - ICC))``."""
        return float(self.screen_sd * np.sqrt(self.icc * (1.0 - self.icc)))

    @property
    def entry_low(self) -> float:
        """Lower truncation of latent recorded baseline pain: it rounds to >= the threshold."""
        return float(self.entry_pain) - 0.05 + 1e-6

    @property
    def dropout_mechanism(self) -> str:
        """The dropout mechanism in words."""
        if self.dropout_per_visit == 0:
            return "no dropout"
        if self.dropout_mnar != 0:
            return (
                "missing not at random: withdrawal depends on the current, unrecorded true pain "
                f"({self.dropout_mnar:g} log odds per point) and on the last recorded pain "
                f"({self.dropout_slope:g} per point)"
            )
        if self.dropout_slope != 0:
            return "missing at random given the last recorded pain"
        return "missing completely at random"

    def true_baseline(self, recorded: np.ndarray) -> np.ndarray:
        """``E[T_0 | R_0]``: the linear shrinkage of recorded towards the screened mean."""
        return self.screen_mean + self.icc * (np.asarray(recorded, dtype=float) - self.screen_mean)

    def h(self, t: np.ndarray) -> np.ndarray:
        """Natural-recovery shape ``1 - exp(-t / k)``."""
        return 1.0 - np.exp(-np.asarray(t, dtype=float) / self.recovery_weeks)

    def squat_multipliers(self) -> tuple[float, float]:
        """Glute effect multipliers (fail, pass); their population mean is 1."""
        pi, r = self.squat_fail_share, self.squat_ratio
        denom = pi * r + 1.0 - pi
        return r / denom, 1.0 / denom

    def code_effect(self, code: str, t: np.ndarray) -> np.ndarray:
        """Mean effect (pain points) of one single code at weeks ``t``."""
        peak = self.peaks.get(code, 0.0)
        if peak == 0.0:
            return np.zeros_like(np.asarray(t, dtype=float))
        prof = profile(
            t,
            value(f"effect.{code}.onset"),
            value(f"effect.{code}.hold"),
            value(f"effect.{code}.decay"),
            value(f"effect.{code}.persist"),
        )
        return peak * prof

    def arm_effect(self, arm: str, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(effect of the glute part, effect of the other parts) of an arm at weeks ``t``."""
        glute = np.zeros(len(t))
        other = np.zeros(len(t))
        for code in split_codes(arm):
            if code == "glute_strengthening":
                glute = glute + self.code_effect(code, t)
            else:
                other = other + self.code_effect(code, t)
        return glute, other

    def dosed(self, arm: str) -> bool:
        """True when the arm prescribes something (adherence recorded)."""
        return not all(c in NO_DOSE for c in split_codes(arm))

    def ae_risks(self, arm: str) -> dict[str, float]:
        """term -> risk of at least one event over follow-up (independent causes combined)."""
        out: dict[str, float] = {}
        for code in (*split_codes(arm), "all"):
            for term, risk in AE_TABLE.get(code, ()):
                out[term] = 1.0 - (1.0 - out.get(term, 0.0)) * (1.0 - risk)
        return out


def calibrate_grc(m: float, k: float, sd_u: float, sd_e: float) -> tuple[float, float]:
    """Solve (cut_6, sd_w) so the control arm matches the two recovery shares.

    With ``z_j = Phi^-1(share_j)`` and ``s_j^2 = sd_u^2 h_j^2 + sd_e^2 +
    sd_w^2`` at 12 and 52 weeks: ``z_j s_j = M h_j - cut_6``. Subtracting,
    ``z_52 s_52(sd_w) - z_12 s_12(sd_w) = M (h_52 - h_12)``, increasing in
    ``sd_w`` when ``z_52 > 0 > z_12``: one root, found by Brent's method.
    """
    t = np.array([12.0, 52.0])
    h = 1.0 - np.exp(-t / k)
    z = special.ndtri([value("natural.recovered_week12"), value("natural.recovered_week52")])

    def s(sd_w: float) -> np.ndarray:
        return np.sqrt(sd_u**2 * h**2 + sd_e**2 + sd_w**2)

    def gap(sd_w: float) -> float:
        sj = s(sd_w)
        return float(z[1] * sj[1] - z[0] * sj[0] - m * (h[1] - h[0]))

    if gap(0.0) >= 0 or gap(50.0) <= 0:  # pragma: no cover - guards edits of the table
        raise AnalysisError(
            "no GRC noise reproduces the recovery shares natural.recovered_week12 / _week52 "
            "with the tabled natural improvement; the parameters are inconsistent"
        )
    sd_w = float(optimize.brentq(gap, 0.0, 50.0, xtol=1e-14, rtol=1e-14))
    cut6 = float(m * h[0] - z[0] * s(sd_w)[0])
    return cut6, sd_w


def _check_weeks(weeks: Sequence[float]) -> np.ndarray:
    try:
        w = np.asarray(weeks, dtype=float)
    except (TypeError, ValueError):
        raise AnalysisError(f"weeks must be numbers, got {weeks!r}") from None
    if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)):
        raise AnalysisError(f"weeks must be a non-empty list of finite numbers, got {weeks!r}")
    if np.any(w < 0) or np.any(np.diff(w) <= 0):
        raise AnalysisError(f"weeks must be >= 0 and strictly increasing, got {w.tolist()}")
    if w[0] != 0:
        raise AnalysisError(f"weeks must start with 0 (the baseline visit), got {w.tolist()}")
    if w.size < 2:
        raise AnalysisError("weeks needs at least one follow-up visit after week 0")
    return w


def _check_code(code: str) -> str:
    if not isinstance(code, str) or not code.strip():
        raise AnalysisError(f"an arm code must be a non-empty string, got {code!r}")
    bad = unknown_codes(code)
    if bad:
        raise AnalysisError(
            f"unknown intervention code(s) {list(bad)} in {code!r}; use the eight ideas "
            "(kneestudy.IDEAS), their aliases (taping) or comparator codes (kneestudy.COMPARATORS)"
        )
    return "+".join(split_codes(code))


def _number(name: str, v: object, low: float, high: float, *, closed_high: bool = True) -> float:
    """A finite float in [low, high] (or [low, high)), else a clear AnalysisError."""
    if isinstance(v, bool):
        raise AnalysisError(f"{name} must be a number, got {v!r}")
    try:
        fv = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AnalysisError(f"{name} must be a number, got {v!r}") from None
    ok = np.isfinite(fv) and low <= fv and (fv <= high if closed_high else fv < high)
    if not ok:
        bracket = "]" if closed_high else ")"
        raise AnalysisError(f"{name} must be in [{low:g}, {high:g}{bracket}, got {v!r}")
    return fv


def _arm_codes(idea: str, comparator: str | None, arms: Sequence[str] | None) -> list[str]:
    """The arm codes, comparator last."""
    if arms is not None:
        if isinstance(arms, str):
            arms = [arms]
        arm_codes = [_check_code(a) for a in arms]
        if not arm_codes:
            raise AnalysisError("arms must name at least one arm")
        comp = _check_code(comparator) if comparator is not None else arm_codes[-1]
        if comp not in arm_codes:
            arm_codes.append(comp)
    else:
        treatment, default_comp = DEFAULT_DESIGNS.get(idea, (idea, "usual_care"))
        comp = _check_code(comparator) if comparator is not None else default_comp
        arm_codes = [treatment, comp]
    if len(set(arm_codes)) != len(arm_codes):
        raise AnalysisError(f"arms must be distinct, got {arm_codes}")
    if len(arm_codes) < 2:
        raise AnalysisError(f"a trial needs at least two arms, got {arm_codes}")
    return [a for a in arm_codes if a != comp] + [comp]


def _peaks(idea: str, effect: float | Mapping[str, float] | None) -> dict[str, float]:
    peaks = {c: value(f"effect.{c}.peak") for c in effect_codes()}
    if effect is None:
        return peaks
    if isinstance(effect, Mapping):
        overrides = dict(effect)
    else:
        target = [c for c in split_codes(idea) if c not in NO_DOSE][:1] or [idea]
        overrides = {target[0]: effect}
    profiled = [c for c in effect_codes() if f"effect.{c}.onset" in PARAMETER_NAMES]
    for code, v in overrides.items():
        if code not in profiled:
            raise AnalysisError(
                f"no effect profile for code {code!r} (comparators without a programme "
                f"have natural history only); codes with a profile: {profiled}"
            )
        try:
            fv = float(v)
        except (TypeError, ValueError):
            raise AnalysisError(f"effect for {code!r} must be a number, got {v!r}") from None
        if not np.isfinite(fv) or abs(fv) > 10:
            raise AnalysisError(
                f"effect for {code!r} must be a finite number of pain points within ±10, got {v!r}"
            )
        peaks[code] = fv
    return peaks


def resolve(
    idea: str,
    *,
    comparator: str | None,
    arms: Sequence[str] | None,
    weeks: Sequence[float],
    effect: float | Mapping[str, float] | None,
    dropout: float | None,
    dropout_mar: float | None = None,
    dropout_mnar: float | None = None,
    min_baseline_pain: float | None = None,
) -> Model:
    """Check the arguments of :func:`kneestudy.simulate.cohort` and build the model."""
    idea = _check_code(idea)
    arm_codes = _arm_codes(idea, comparator, arms)
    peaks = _peaks(idea, effect)
    drop = (
        value("dropout.per_visit")
        if dropout is None
        else _number("dropout (a per-visit probability)", dropout, 0.0, 1.0, closed_high=False)
    )
    b_mar = (
        value("dropout.logit_per_pain_point")
        if dropout_mar is None
        else _number("dropout_mar (log odds per point)", dropout_mar, -5.0, 5.0)
    )
    b_mnar = (
        value("dropout.mnar_logit_per_pain_point")
        if dropout_mnar is None
        else _number("dropout_mnar (log odds per point)", dropout_mnar, -5.0, 5.0)
    )
    entry = (
        value("baseline.pain_low")
        if min_baseline_pain is None
        else _number("min_baseline_pain (recorded pain, 0-10)", min_baseline_pain, 0.0, 9.0)
    )
    if min_baseline_pain is not None and abs(round(entry, 1) - entry) > 1e-9:
        raise AnalysisError(
            f"min_baseline_pain must be a multiple of 0.1 (pain is recorded to 0.1), got "
            f"{min_baseline_pain!r}"
        )

    m, k = value("natural.improvement"), value("natural.recovery_weeks")
    sd_u, sd_e = value("variation.person_sd"), value("variation.visit_sd")
    cut6, sd_w = calibrate_grc(m, k, sd_u, sd_e)
    cuts = np.array(
        [
            value("grc.cut_2"),
            value("grc.cut_3"),
            value("grc.cut_4"),
            value("grc.cut_5"),
            cut6,
            cut6 + value("grc.cut_7_above_6"),
        ]
    )
    if np.any(np.diff(cuts) <= 0):  # pragma: no cover - guards edits of the table
        raise AnalysisError(f"GRC cut-points must increase, got {cuts}")
    return Model(
        arms=tuple(arm_codes),
        comparator=arm_codes[-1],
        weeks=_check_weeks(weeks),
        peaks=peaks,
        natural_improvement=m,
        recovery_weeks=k,
        cuts=cuts,
        person_sd=sd_u,
        visit_sd=sd_e,
        ar1=value("variation.ar1_per_week"),
        grc_sd=sd_w,
        dropout_per_visit=drop,
        dropout_slope=b_mar,
        dropout_mnar=b_mnar,
        squat_ratio=value("effect.glute_strengthening.squat_fail_ratio"),
        squat_fail_share=value("population.squat_fail_share"),
        adherence_a=value("adherence.beta_a"),
        adherence_b=value("adherence.beta_b"),
        screen_mean=value("baseline.pain_mean"),
        screen_sd=value("baseline.pain_sd"),
        icc=value("measurement.icc"),
        entry_pain=entry,
    )
