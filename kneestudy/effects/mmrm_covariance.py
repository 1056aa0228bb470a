"""Residual covariance structures of the MMRM and their parameterisations.

Each structure maps an unconstrained parameter vector ``theta`` to a
positive-definite covariance matrix between the ``V`` post-baseline visits
(visit index = position of the week among the post-baseline weeks).

=====================  =======================================================
``covariance``         R equivalent (``nlme::gls``, ``method = "REML"``)
=====================  =======================================================
``"unstructured"``     ``correlation = corSymm(form = ~ as.integer(visit) | id),
                       weights = varIdent(form = ~ 1 | visit)``
``"toeplitz"``         ``correlation = corARMA(form = ~ as.integer(visit) | id,
                       p = V - 1)`` (homogeneous Toeplitz, SAS ``TOEP``)
``"toeplitz_het"``     the same plus ``weights = varIdent(form = ~ 1 | visit)``
``"ar1"``              ``correlation = corAR1(form = ~ as.integer(visit) | id)``
``"ar1_het"``          the same plus ``varIdent`` by visit (SAS ``ARH(1)``)
``"cs"``               ``correlation = corCompSymm(form = ~ 1 | id)``
``"cs_het"``           the same plus ``varIdent`` by visit (SAS ``CSH``)
=====================  =======================================================

Parameterisations: unstructured uses the log-Cholesky factor of the
covariance; the others use log standard deviations and, for the correlation,
``tanh`` of an unconstrained value for AR(1), partial autocorrelations through
``tanh`` (Durbin–Levinson) for Toeplitz, and a logistic map onto
``(-1/(V-1), 1)`` for compound symmetry. REML estimates and the Satterthwaite
degrees of freedom do not depend on the parameterisation.
"""

from __future__ import annotations

import numpy as np

from kneestudy.errors import AnalysisError

__all__ = ["STRUCTURES", "CovarianceStructure", "numeric_jacobian", "structure"]

STRUCTURES: tuple[str, ...] = (
    "unstructured",
    "toeplitz",
    "toeplitz_het",
    "ar1",
    "ar1_het",
    "cs",
    "cs_het",
)


def _toeplitz_acf(pacf: np.ndarray) -> np.ndarray:
    """Autocorrelations at lags 1..p from partial autocorrelations (Durbin–Levinson)."""
    p = len(pacf)
    rho = np.zeros(p + 1)
    rho[0] = 1.0
    phi = np.zeros(0)
    for k in range(1, p + 1):
        a = pacf[k - 1]
        if k == 1:
            rho[1] = a
            phi = np.array([a])
            continue
        prev = phi
        rho[k] = a * (1 - prev @ rho[1:k]) + prev @ rho[k - 1 : 0 : -1]
        phi = np.concatenate([prev - a * prev[::-1], [a]])
    return rho


class CovarianceStructure:
    """A covariance structure for ``V`` visits: ``n_params``, ``start``, ``matrix``."""

    def __init__(self, name: str, V: int) -> None:
        if name not in STRUCTURES:
            raise AnalysisError(f"unknown covariance {name!r}; expected one of {list(STRUCTURES)}")
        self.name = name
        self.V = V
        self.het = name == "unstructured" or name.endswith("_het")
        base = name.removesuffix("_het")
        self.kind = base
        if base == "unstructured":
            self.n_params = V * (V + 1) // 2
        else:
            n_sd = V if self.het else 1
            n_cor = {"toeplitz": V - 1, "ar1": 1, "cs": 1}[base] if V > 1 else 0
            self.n_sd, self.n_cor = n_sd, n_cor
            self.n_params = n_sd + n_cor
        self._tril = np.tril_indices(V)

    # -- parameter <-> matrix ---------------------------------------------
    def correlation(self, z: np.ndarray) -> np.ndarray:
        V = self.V
        idx = np.arange(V)
        lag = np.abs(idx[:, None] - idx[None, :])
        if V == 1:
            return np.ones((1, 1))
        if self.kind == "ar1":
            return np.tanh(z[0]) ** lag
        if self.kind == "cs":
            lo = -1.0 / (V - 1)
            rho = lo + (1 - lo) / (1 + np.exp(-z[0]))
            return np.where(lag == 0, 1.0, rho)
        rho = _toeplitz_acf(np.tanh(z))
        return rho[lag]

    def matrix(self, theta: np.ndarray) -> np.ndarray:
        """The V × V covariance matrix for ``theta``."""
        V = self.V
        if self.kind == "unstructured":
            L = np.zeros((V, V))
            L[self._tril] = theta
            d = np.diag_indices(V)
            L[d] = np.exp(L[d])
            return L @ L.T
        sd = np.exp(theta[: self.n_sd]) * np.ones(V)
        R = self.correlation(theta[self.n_sd :])
        return R * np.outer(sd, sd)

    def jacobian(self, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
        """dΣ/dθ as an array (n_params, V, V).

        Analytic for the log-Cholesky factor; central differences (step 1e-6,
        truncation error O(h²) ≈ 1e-12 relative) for the others.
        """
        V = self.V
        if self.kind == "unstructured":
            L = np.zeros((V, V))
            L[self._tril] = theta
            d = np.diag_indices(V)
            L[d] = np.exp(L[d])
            a, b = self._tril
            s = np.where(a == b, L[a, b], 1.0)
            # dL = s e_a e_b': M = dL L' has row a equal to s L[:, b]
            M = np.zeros((self.n_params, V, V))
            M[np.arange(self.n_params), a, :] = s[:, None] * L[:, b].T
            return M + M.transpose(0, 2, 1)
        return numeric_jacobian(self.matrix, theta, h)

    def grad(self, theta: np.ndarray, G: np.ndarray) -> np.ndarray:
        """Chain rule: d f/dθ from the (symmetric) gradient ``G`` = d f/dΣ.

        For the log-Cholesky factor L: d f/dL = 2 G L, times L_aa on the
        (log) diagonal; otherwise through :meth:`jacobian`.
        """
        if self.kind == "unstructured":
            L = np.zeros((self.V, self.V))
            L[self._tril] = theta
            d = np.diag_indices(self.V)
            L[d] = np.exp(L[d])
            GL = 2.0 * (G @ L)
            GL[d] *= L[d]
            return GL[self._tril]
        return np.einsum("jab,ab->j", self.jacobian(theta), G)

    def start(self, S: np.ndarray) -> np.ndarray:
        """Starting values from a (positive-definite) moment estimate ``S``."""
        V = self.V
        if self.kind == "unstructured":
            L = np.linalg.cholesky(S)
            L[np.diag_indices(V)] = np.log(np.diag(L))
            return L[self._tril].copy()
        sd = np.sqrt(np.diag(S))
        logsd = np.log(sd) if self.het else np.array([np.log(np.sqrt(np.mean(sd**2)))])
        R = S / np.outer(sd, sd)
        off = R[np.triu_indices(V, 1)] if V > 1 else np.array([0.0])
        r = float(np.clip(np.mean(off), -0.5 / max(V - 1, 1), 0.9))
        if self.kind == "ar1":
            z = np.array([np.arctanh(r)])
        elif self.kind == "cs":
            lo = -1.0 / (V - 1) if V > 1 else -1.0
            u = (r - lo) / (1 - lo)
            z = np.array([np.log(u / (1 - u))])
        else:
            z = np.zeros(self.n_cor)
            if self.n_cor:
                z[0] = np.arctanh(max(r, 0.0))
        return np.concatenate([logsd, z[: self.n_cor]])


def numeric_jacobian(matrix, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """dΣ/dθ (n_params, V, V) of ``matrix(theta)`` by central differences (error O(h²))."""
    theta = np.asarray(theta, float)
    k = theta.size
    first = matrix(theta)
    out = np.empty((k, *first.shape))
    for j in range(k):
        e = np.zeros(k)
        e[j] = h
        out[j] = (matrix(theta + e) - matrix(theta - e)) / (2 * h)
    return out


def structure(name: str, V: int) -> CovarianceStructure:
    """The covariance structure ``name`` for ``V`` visits."""
    return CovarianceStructure(name, V)
