"""Satterthwaite degrees of freedom for linear contrasts of an MMRM fit.

For a contrast :math:`l` with variance :math:`v(\\theta) = l^\\top
(X^\\top W X)^{-1} l`,

.. math:: \\nu = \\frac{2\\, v(\\hat\\theta)^2}{g^\\top A\\, g},\\qquad
          g_j = \\partial v / \\partial \\theta_j,\\qquad
          A = 2 H^{-1},

where :math:`H` is the Hessian of :math:`-2\\ell_R` at the REML estimate
(so :math:`A` is the inverse observed information of the covariance
parameters). With :math:`c = (X^\\top W X)^{-1} l`,
:math:`\\partial v / \\partial \\Sigma_p = W_p (\\sum_i X_i c c^\\top X_i^\\top) W_p`.
This is what R's ``emmeans(..., mode = "satterthwaite")`` computes for an
``nlme::gls`` fit (there with a numerical gradient and nlme's ``apVar``).

References: Satterthwaite FE (1946) Biometrics Bulletin 2:110–4;
Kenward MG, Roger JH (1997) Biometrics 53:983–97.
"""

from __future__ import annotations

import numpy as np

from kneestudy.effects.mmrm_reml import Pattern, REMLFit

__all__ = ["satterthwaite_df"]


def satterthwaite_df(fit: REMLFit, patterns: list[Pattern], L: np.ndarray) -> np.ndarray:
    """Satterthwaite df for each row of the contrast matrix ``L`` (m × P)."""
    L = np.atleast_2d(L)
    try:
        A = 2.0 * np.linalg.inv(fit.hessian)
    except np.linalg.LinAlgError:
        return np.full(len(L), np.nan)
    V = fit.sigma.shape[0]
    out = np.empty(len(L))
    for r, lv in enumerate(L):
        c = fit.C @ lv
        v = float(lv @ c)
        G = np.zeros((V, V))
        for pt, W in zip(patterns, fit.W, strict=True):
            k = len(pt.idx)
            Q = (np.outer(c, c).ravel() @ pt.T).reshape(k, k)
            G[np.ix_(pt.idx, pt.idx)] += W @ Q @ W
        g = np.einsum("jab,ab->j", fit.jac, G)
        denom = float(g @ A @ g)
        out[r] = 2.0 * v**2 / denom if denom > 0 else np.inf
    return out
