"""The generative model of the trial simulator (resolved parameters, profiles).

Latent pain of person *i* at week *t* > 0::

    Y_i(t) = B_i - M h(t) + tau_i(t) + u_i h(t) + e_i(t),   h(t) = 1 - exp(-t / k)

``B_i`` is the baseline pain (truncated normal), ``M h(t)`` the natural
improvement of the control arm, ``tau_i(t)`` the effect of the arm (sum of its
codes' profiles, scaled by the person's adherence relative to the mean, and
for glute strengthening by the squat test), ``u_i ~ N(0, sd_u^2)`` a person's
deviation from the average recovery and ``e_i(t)`` an AR(1) residual with
correlation ``rho ** |t - s|``. Recorded pain is ``Y`` bounded to 0–10.

The global rating of change uses the perceived improvement
``G_i(t) = B_i - Y_i(t) + w_i(t)``, ``w ~ N(0, sd_w^2)``: GRC = 1 + the number
of cut-points ``G`` exceeds. Recovered = GRC >= 6 = ``G > cut_6``. Since ``B``
cancels in ``G``, in the control arm ``P(recovered at t) = Phi((M h(t) -
cut_6) / s_G(t))`` with ``s_G^2 = sd_u^2 h^2 + sd_e^2 + sd_w^2``; ``M`` and
``cut_6`` are solved from the two published recovery shares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

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
    dropout_slope: float
    squat_ratio: float
    squat_fail_share: float
    adherence_a: float
    adherence_b: float
    extra: Mapping[str, float] = field(default_factory=dict)

    @property
    def adherence_mean(self) -> float:
        return self.adherence_a / (self.adherence_a + self.adherence_b)

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


def _calibrate(k: float, sd_u: float, sd_e: float, sd_w: float) -> tuple[float, float]:
    """Solve (M, cut_6) so the control arm matches the two recovery shares."""
    t = np.array([12.0, 52.0])
    h = 1.0 - np.exp(-t / k)
    s = np.sqrt(sd_u**2 * h**2 + sd_e**2 + sd_w**2)
    z = special.ndtri([value("natural.recovered_week12"), value("natural.recovered_week52")])
    # z_j s_j = M h_j - cut_6 for j = 12, 52 weeks.
    m = (z[1] * s[1] - z[0] * s[0]) / (h[1] - h[0])
    cut6 = m * h[0] - z[0] * s[0]
    return float(m), float(cut6)


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


def resolve(
    idea: str,
    *,
    comparator: str | None,
    arms: Sequence[str] | None,
    weeks: Sequence[float],
    effect: float | Mapping[str, float] | None,
    dropout: float | None,
) -> Model:
    """Check the arguments of :func:`kneestudy.simulate.cohort` and build the model."""
    idea = _check_code(idea)
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
    # comparator last, the others in the order given
    arm_codes = [a for a in arm_codes if a != comp] + [comp]

    peaks = {c: value(f"effect.{c}.peak") for c in effect_codes()}
    if effect is not None:
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
                    f"effect for {code!r} must be a finite number of pain points within ±10, "
                    f"got {v!r}"
                )
            peaks[code] = fv
    if dropout is None:
        drop = value("dropout.per_visit")
    else:
        try:
            drop = float(dropout)
        except (TypeError, ValueError):
            raise AnalysisError(f"dropout must be a probability, got {dropout!r}") from None
        if not 0.0 <= drop < 1.0:
            raise AnalysisError(
                f"dropout must be a per-visit probability in [0, 1), got {dropout!r}"
            )

    k = value("natural.recovery_weeks")
    sd_u, sd_e, sd_w = (
        value("variation.person_sd"),
        value("variation.visit_sd"),
        value("variation.grc_sd"),
    )
    m, cut6 = _calibrate(k, sd_u, sd_e, sd_w)
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
        comparator=comp,
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
        dropout_slope=value("dropout.logit_per_pain_point"),
        squat_ratio=value("effect.glute_strengthening.squat_fail_ratio"),
        squat_fail_share=value("population.squat_fail_share"),
        adherence_a=value("adherence.beta_a"),
        adherence_b=value("adherence.beta_b"),
    )
