"""Result objects of :mod:`kneestudy.survival` (frozen, full precision)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kneestudy._results import Result, frame_to_html

__all__ = [
    "CoxResult",
    "IntervalWeibullResult",
    "KMResult",
    "RMSTResult",
    "TestResult",
    "TurnbullResult",
]


def _tables_html(title: str, parts: list[tuple[str, pd.DataFrame]]) -> str:
    body = "".join(frame_to_html(f, caption=c) for c, f in parts)
    return f"<div><strong>{html.escape(title)}</strong>{body}</div>"


@dataclass(frozen=True, eq=False)
class KMResult(Result):
    """Kaplan–Meier estimate (see :func:`kneestudy.survival.kaplan_meier`).

    Attributes
    ----------
    table : DataFrame
        One row per distinct time per group: group, time, at_risk, events,
        censored, survival, se (standard error of S, by ``variance``), ci_low,
        ci_high.
        As in R, the log-log limits are NaN where S is 1 or 0 (the transform
        is undefined there), the log limits where S is 0, and se is NaN where
        S reaches 0 (Greenwood's term is infinite).
    median : DataFrame
        group, median, ci_low, ci_high as R's ``print.survfit`` (NaN when the
        curve, or its confidence limit, never reaches 0.5: "not reached").
    conf_type, alpha : str, float
    variance : str
        "Greenwood", or "robust (infinitesimal jackknife)" (R's choice with
        non-integer case weights).
    """

    table: pd.DataFrame
    median: pd.DataFrame
    conf_type: str = "log-log"
    alpha: float = 0.05
    variance: str = "Greenwood"
    _title: str = field(default="Kaplan–Meier estimate", repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The survival table (one row per distinct time per group)."""
        return self.table.copy()

    def at(self, times: Any) -> pd.DataFrame:
        """Survival at given times, as R's ``summary(fit, times = , extend = TRUE)``.

        S(t) is the estimate at the last distinct time ≤ t (1 before the
        first); ``at_risk`` is the number still at risk at t (time ≥ t).

        Returns
        -------
        DataFrame
            group, time, at_risk, survival, se, ci_low, ci_high.
        """
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if np.isnan(t).any():
            raise ValueError("times must not contain NaN")
        out = []
        for g, sub in self.table.groupby("group", sort=False):
            tt = sub["time"].to_numpy()
            k = np.searchsorted(tt, t, side="right") - 1  # last time <= t
            n_total = sub["at_risk"].iloc[0]
            j = np.searchsorted(tt, t, side="left")  # first time >= t
            at_risk = np.where(
                j < len(tt), sub["at_risk"].to_numpy()[np.minimum(j, len(tt) - 1)], 0.0
            )
            at_risk = np.where(t <= tt[0], n_total, at_risk)

            def pick(col: str, before: float, k: np.ndarray = k, sub: pd.DataFrame = sub) -> Any:
                v = sub[col].to_numpy()
                return np.where(k >= 0, v[np.maximum(k, 0)], before)

            out.append(
                pd.DataFrame(
                    {
                        "group": g,
                        "time": t,
                        "at_risk": at_risk,
                        "survival": pick("survival", 1.0),
                        "se": pick("se", 0.0),
                        "ci_low": pick("ci_low", 1.0),
                        "ci_high": pick("ci_high", 1.0),
                    }
                )
            )
        return pd.concat(out, ignore_index=True)

    def _repr_html_(self) -> str:
        return _tables_html(self._title, [("Median", self.median), ("Survival", self.table)])


@dataclass(frozen=True, eq=False)
class TestResult(Result):
    """A chi-square test (log-rank family or proportional-hazards test).

    Attributes
    ----------
    statistic, df, p_value : float
    method : str
    table : DataFrame
        Per group: group, n, observed, expected, (O−E)²/E, (O−E)²/V.
    variance : ndarray or None
        The variance matrix of O − E (as survdiff's ``var``).
    """

    __test__ = False  # not a pytest test class, despite the name

    statistic: float
    df: float
    p_value: float
    method: str
    table: pd.DataFrame | None = None
    variance: np.ndarray | None = field(default=None, repr=False)
    _title: str = field(default="Test", repr=False)

    def _repr_html_(self) -> str:
        parts = [("Test", Result.to_frame(self))]
        if self.table is not None:
            parts.append(("By group", self.table))
        return _tables_html(self.method, parts)


@dataclass(frozen=True, eq=False)
class CoxResult(Result):
    """Cox proportional-hazards fit (see :func:`kneestudy.survival.cox`).

    Attributes
    ----------
    table : DataFrame
        Indexed by covariate: coef, se, z, p_value, hr, ci_low, ci_high.
    vcov : ndarray
        Variance matrix of the coefficients (inverse information).
    loglik_null, loglik : float
        Partial log-likelihood at β = 0 and at the estimate.
    n, n_events, iterations : int
    ties : str
    ph_test : DataFrame
        Proportional-hazards test as R's ``cox.zph(transform = "km")``:
        indexed by term (a categorical covariate is one term, tested on all
        its dummies) and GLOBAL, columns chisq, df, p.
    infinite : tuple of str
        Covariates whose coefficient appears to diverge (monotone likelihood).
    concordance : float or None
        Harrell's C (``cox(..., concordance=True)``), as ``coxph``'s.
    """

    table: pd.DataFrame
    vcov: np.ndarray = field(repr=False)
    loglik_null: float
    loglik: float
    n: int
    n_events: int
    iterations: int
    ties: str
    ph_test: pd.DataFrame | None = None
    infinite: tuple[str, ...] = ()
    alpha: float = 0.05
    concordance: float | None = None
    _title: str = field(default="Cox proportional-hazards model", repr=False)

    @property
    def coef(self) -> pd.Series:
        return self.table["coef"]

    @property
    def lr_statistic(self) -> float:
        """Likelihood-ratio statistic 2 (ℓ(β̂) − ℓ(0))."""
        return 2.0 * (self.loglik - self.loglik_null)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def ph_violations(self, alpha: float = 0.05) -> list[str]:
        """Terms (and "GLOBAL") whose proportional-hazards test has p < ``alpha``."""
        if self.ph_test is None:
            return []
        p = self.ph_test["p"]
        return [str(t) for t in p.index[p.notna() & (p < alpha)]]

    def ph_note(self, alpha: float = 0.05) -> str:
        """A plain-language sentence on the proportional-hazards test, for reports.

        Grambsch & Therneau's test (R's ``cox.zph``) asks whether each hazard
        ratio changes over follow-up. When it fails (p < ``alpha``) the
        reported hazard ratio is an average of an effect that changes with
        time, and the note says so; when it passes the note says that a test
        with few events has little power, so passing does not prove the
        assumption (Grambsch PM, Therneau TM. Biometrika 1994;81:515–26).
        """
        if self.ph_test is None:
            return "The proportional-hazards test was not computed (cox(..., ph_test=True))."
        pt = self.ph_test
        missing = [str(t) for t in pt.index[pt["p"].isna()]]
        if missing:
            return (
                "The proportional-hazards test could not be computed for "
                f"{', '.join(missing)} (a coefficient diverges, e.g. no events in one group)."
            )
        glob = float(pt.loc["GLOBAL", "p"]) if "GLOBAL" in pt.index else float("nan")
        bad = [t for t in self.ph_violations(alpha) if t != "GLOBAL"]
        if bad or glob < alpha:
            terms = bad or ["the model as a whole"]
            ps = ", ".join(f"{t} p = {float(pt.loc[t, 'p']):.3g}" for t in (bad or ["GLOBAL"]))
            return (
                f"The proportional-hazards assumption fails for {', '.join(terms)} "
                f"(cox.zph, {ps}; global p = {glob:.3g}): the hazard ratio averages an "
                "effect that changes over follow-up, so read it with the Kaplan–Meier "
                "curves and the restricted mean survival time rather than on its own."
            )
        return (
            f"No evidence against proportional hazards (cox.zph global p = {glob:.3g}, "
            f"{self.n_events} events); with few events this test has little power, so "
            "passing it does not prove the assumption."
        )

    def _repr_html_(self) -> str:
        parts = [("Coefficients", self.table)]
        if self.ph_test is not None:
            parts.append(("Proportional-hazards test (cox.zph, KM transform)", self.ph_test))
        html_ = _tables_html(self._title, parts)
        if self.ph_test is not None:
            html_ = html_[: -len("</div>")] + f"<p>{html.escape(self.ph_note())}</p></div>"
        return html_


@dataclass(frozen=True, eq=False)
class RMSTResult(Result):
    """Restricted mean survival time up to ``tau``.

    Attributes
    ----------
    table : DataFrame
        group, rmst, se, ci_low, ci_high.
    difference, ratio : DataFrame
        One row per pair (group, reference): estimate, se (of the difference,
        or of the log ratio), ci_low, ci_high, p_value.
    tau, alpha : float
    """

    table: pd.DataFrame
    difference: pd.DataFrame
    ratio: pd.DataFrame
    tau: float
    alpha: float = 0.05
    _title: str = field(default="Restricted mean survival time", repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _repr_html_(self) -> str:
        return _tables_html(
            f"{self._title} (tau = {self.tau:g})",
            [("By group", self.table), ("Difference", self.difference), ("Ratio", self.ratio)],
        )


@dataclass(frozen=True, eq=False)
class TurnbullResult(Result):
    """Turnbull NPMLE of the survival curve for interval-censored data.

    Attributes
    ----------
    table : DataFrame
        One row per Turnbull interval: left, right, mass, survival
        (survival after the interval).
    iterations : int
    converged : bool
    """

    table: pd.DataFrame
    iterations: int
    converged: bool
    _title: str = field(default="Turnbull estimate (interval-censored)", repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def survival_at(self, times: Any) -> np.ndarray:
        """S(t): 1 minus the mass of Turnbull intervals whose midpoint is ≤ t.

        Inside a Turnbull interval the NPMLE is not unique; like R's
        ``survfit`` for interval data, each interval's drop is drawn at its
        midpoint (an exact time drops at the time itself).
        """
        t = np.atleast_1d(np.asarray(times, dtype=float))
        mid = (self.table["left"].to_numpy() + self.table["right"].to_numpy()) / 2
        cum = np.concatenate([[0.0], np.cumsum(self.table["mass"].to_numpy())])
        k = np.searchsorted(mid, t, side="right")
        return 1.0 - cum[k]


@dataclass(frozen=True, eq=False)
class IntervalWeibullResult(Result):
    """Weibull accelerated-failure-time model (as R's ``survreg(dist = "weibull")``).

    Attributes
    ----------
    table : DataFrame
        Indexed by term ("(Intercept)", covariates, "Log(scale)"): coef, se, z,
        p_value.
    contrasts : DataFrame
        Per covariate: time_ratio = exp(β) and hazard_ratio = exp(−β/σ) with
        delta-method CIs.
    scale, loglik : float
    vcov : ndarray
    n : int
        Intervals used in the fit.
    n_uninformative : int
        Intervals (0, ∞) left out, as R's ``survreg`` drops them (missing).
    notes : tuple of str
        What was left out and why.
    """

    table: pd.DataFrame
    contrasts: pd.DataFrame
    scale: float
    loglik: float
    vcov: np.ndarray = field(repr=False)
    censoring: str = "interval"
    n: int = 0
    n_uninformative: int = 0
    notes: tuple[str, ...] = ()
    _title: str = field(default="Weibull AFT model", repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.contrasts.copy()

    def _repr_html_(self) -> str:
        return _tables_html(
            f"{self._title} ({self.censoring}-censored)",
            [("Coefficients", self.table), ("Time and hazard ratios", self.contrasts)],
        )
