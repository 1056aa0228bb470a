r"""Ranking treatments in a network: P-scores and SUCRA.

P-score (Rücker & Schwarzer 2015), for "larger is better":

.. math:: P_i = \frac{1}{n-1}\sum_{j\ne i}\Phi\Bigl(\frac{\hat\theta_i-\hat\theta_j}{s_{ij}}\Bigr)

(with the sign turned when small values are desirable). SUCRA (Salanti et
al. 2011) comes from rank probabilities simulated from the multivariate
normal distribution of the estimates, with a fixed seed so that the same input
gives the same numbers; the P-score is its analytic counterpart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from kneestudy.errors import AnalysisError

__all__ = ["pscores", "sucra"]


def _sign(small_values: str) -> float:
    if small_values not in ("desirable", "undesirable"):
        raise AnalysisError('small_values must be "desirable" or "undesirable"')
    return -1.0 if small_values == "desirable" else 1.0


def pscores(theta: np.ndarray, cov: np.ndarray, small_values: str = "desirable") -> np.ndarray:
    """P-score of each treatment (see module docstring)."""
    s = _sign(small_values)
    n = len(theta)
    diff = theta[:, None] - theta[None, :]
    var = np.diag(cov)[:, None] + np.diag(cov)[None, :] - 2 * cov
    with np.errstate(divide="ignore", invalid="ignore"):
        z = s * diff / np.sqrt(var)
    p = norm.cdf(z)
    np.fill_diagonal(p, 0.0)
    return p.sum(axis=1) / (n - 1)


def sucra(
    theta: np.ndarray,
    cov: np.ndarray,
    small_values: str = "desirable",
    n_sim: int = 10000,
    seed: int = 0,
) -> tuple[np.ndarray, pd.DataFrame]:
    """SUCRA and rank probabilities by simulation (seeded, reproducible).

    Returns the SUCRA of each treatment and an ``n × n`` array of the
    probability that treatment ``i`` (row) takes rank ``r`` (column, 1 = best).
    """
    s = _sign(small_values)
    n = len(theta)
    rng = np.random.default_rng(seed)
    # the reference has zero variance; sample the others jointly
    keep = np.flatnonzero(np.diag(cov) > 0)
    draws = np.tile(theta, (n_sim, 1))
    sub = cov[np.ix_(keep, keep)]
    chol = np.linalg.cholesky(sub + 1e-14 * np.eye(len(keep)) * max(1.0, np.trace(sub)))
    draws[:, keep] += rng.standard_normal((n_sim, len(keep))) @ chol.T
    order = np.argsort(-s * draws, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(n_sim)[:, None]
    ranks[rows, order] = np.arange(1, n + 1)
    probs = np.stack([(ranks == r).mean(axis=0) for r in range(1, n + 1)], axis=1)
    cum = np.cumsum(probs, axis=1)[:, : n - 1]
    return cum.sum(axis=1) / (n - 1), probs
