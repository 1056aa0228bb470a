r"""Closed-form power of the standard designs, to check and to seed simulations.

* :func:`power_ttest` — two-sample t test, as R's ``power.t.test``
  (``strict = TRUE``: both tails of the noncentral t):
  :math:`1 - F_{t,\nu,\lambda}(t_{1-\alpha/2,\nu}) + F_{t,\nu,\lambda}(-t_{1-\alpha/2,\nu})`
  with :math:`\nu = 2n - 2` and :math:`\lambda = \delta / (\sigma\sqrt{2/n})`.
* :func:`power_ancova` — the variance-deflation approximation: ANCOVA on a
  baseline correlated :math:`\rho` with the outcome is a t test with
  :math:`\sigma\sqrt{1-\rho^2}` and one degree of freedom fewer (Borm,
  Fransen & Lemmens 2007).
* :func:`power_logrank` — Schoenfeld's formula for the log-rank test with
  allocation share :math:`\pi`: :math:`\Phi(\sqrt{d\,\pi(1-\pi)}\,|\log HR|
  - z_{1-\alpha/2})` for :math:`d` expected events (Schoenfeld 1983).
* :func:`power_two_proportions` — Pearson's chi-square test of two
  proportions, as R's ``power.prop.test`` (``strict = TRUE``).

References
----------
Borm GF, Fransen J, Lemmens WA. A simple sample size formula for analysis of
covariance in randomized clinical trials. J Clin Epidemiol 2007;60:1234–8.
Schoenfeld D. Sample-size formula for the proportional-hazards regression
model. Biometrics 1983;39:499–503.
"""

from __future__ import annotations

import math

from scipy import stats

__all__ = ["power_ancova", "power_logrank", "power_ttest", "power_two_proportions"]


def power_ttest(n_per_arm: float, delta: float, sd: float, alpha: float = 0.05, df_less: int = 0):
    """Power of the two-sided two-sample t test (R ``power.t.test(strict = TRUE)``).

    ``df_less`` removes degrees of freedom (1 for one covariate in ANCOVA).
    """
    n = float(n_per_arm)
    df = 2.0 * n - 2.0 - df_less
    ncp = abs(delta) / (sd * math.sqrt(2.0 / n))
    q = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(q, df, ncp) + stats.nct.cdf(-q, df, ncp))


def power_ancova(n_per_arm: float, delta: float, sd: float, rho: float, alpha: float = 0.05):
    """Approximate ANCOVA power: a t test with SD ``sd * sqrt(1 - rho^2)``, one df fewer."""
    return power_ttest(n_per_arm, delta, sd * math.sqrt(1.0 - rho * rho), alpha, df_less=1)


def power_logrank(events: float, log_hr: float, alpha: float = 0.05, share: float = 0.5):
    """Schoenfeld's power of the log-rank test for ``events`` expected events."""
    z = stats.norm.ppf(1 - alpha / 2)
    return float(stats.norm.cdf(math.sqrt(events * share * (1 - share)) * abs(log_hr) - z))


def power_two_proportions(n_per_arm: float, p1: float, p2: float, alpha: float = 0.05):
    """Power of Pearson's test of two proportions (R ``power.prop.test(strict = TRUE)``)."""
    n = float(n_per_arm)
    q = stats.norm.ppf(1 - alpha / 2)
    pbar = (p1 + p2) / 2
    d = abs(p1 - p2)
    s1 = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    s0 = math.sqrt(2 * pbar * (1 - pbar))
    up = stats.norm.cdf((math.sqrt(n) * d - q * s0) / s1)
    down = stats.norm.cdf((-math.sqrt(n) * d - q * s0) / s1)
    return float(up + down)
