"""REML fitting engine of the MMRM (generalised least squares, grouped by pattern).

Participants are grouped by their pattern of observed visits. For each
pattern the data enter only through the sufficient statistics

.. math:: T = \\sum_i X_i \\otimes X_i,\\quad U = \\sum_i X_i \\otimes y_i,
          \\quad Y = \\sum_i y_i y_i^\\top,

so one evaluation of the restricted likelihood costs nothing per participant
once these are formed. With :math:`W_p = \\Sigma_p^{-1}` the REML criterion is

.. math:: -2\\ell_R(\\theta) = \\sum_p n_p \\log|\\Sigma_p| + \\log|X^\\top W X|
          + (y - X\\hat\\beta)^\\top W (y - X\\hat\\beta) + (N-P)\\log 2\\pi,

and its gradient with respect to the pattern block :math:`\\Sigma_p` is
:math:`n_p W_p - W_p (S_p + M_p) W_p` with :math:`S_p = \\sum_i r_i r_i^\\top`
and :math:`M_p = \\sum_i X_i (X^\\top W X)^{-1} X_i^\\top` (Harville 1977).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from kneestudy.effects.mmrm_covariance import CovarianceStructure
from kneestudy.errors import AnalysisError

__all__ = ["Pattern", "REMLFit", "build_patterns", "fit_reml", "newton_refit", "objective"]


@dataclass
class Pattern:
    idx: np.ndarray  # observed visit indices (k,)
    n: int
    T: np.ndarray  # (P*P, k*k): T[(p,q),(k,l)] = sum_i X_i[k,p] X_i[l,q]
    U: np.ndarray  # (P, k*k): U[p,(k,l)] = sum_i X_i[k,p] y_i[l]
    Y: np.ndarray  # (k, k)


def build_patterns(
    X: np.ndarray, y: np.ndarray, subject: np.ndarray, visit: np.ndarray, V: int
) -> list[Pattern]:
    """Group rows (one per observed visit) by participant pattern.

    ``subject`` are integer codes, ``visit`` integer visit indices 0..V-1;
    a participant has at most one row per visit.
    """
    order = np.lexsort((visit, subject))
    X, y, subject, visit = X[order], y[order], subject[order], visit[order]
    P = X.shape[1]
    uniq, start, counts = np.unique(subject, return_index=True, return_counts=True)
    mask = np.add.reduceat((1 << visit.astype(np.int64)), start)
    row_mask = np.repeat(mask, counts)
    out = []
    for m in np.unique(mask):
        idx = np.array([v for v in range(V) if m >> v & 1])
        k = len(idx)
        sel = row_mask == m
        Xp = X[sel].reshape(-1, k, P)
        yp = y[sel].reshape(-1, k)
        out.append(
            Pattern(
                idx=idx,
                n=Xp.shape[0],
                T=_gram(Xp.reshape(-1, k * P), Xp.reshape(-1, k * P))
                .reshape(k, P, k, P)
                .transpose(1, 3, 0, 2)
                .reshape(P * P, k * k),
                U=_gram(Xp.reshape(-1, k * P), yp)
                .reshape(k, P, k)
                .transpose(1, 0, 2)
                .reshape(P, k * k),
                Y=yp.T @ yp,
            )
        )
    return out


def _gram(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a' b through BLAS."""
    return a.T @ b


@dataclass
class REMLFit:
    theta: np.ndarray
    sigma: np.ndarray
    beta: np.ndarray
    C: np.ndarray  # (X'WX)^-1
    f: float  # -2 restricted log-likelihood without the 2π term
    grad: np.ndarray
    hessian: np.ndarray
    converged: bool
    W: list  # per-pattern inverse covariance blocks
    jac: np.ndarray  # dΣ/dθ


class _Objective:
    """−2ℓ_R and its gradient, all patterns at once.

    Each pattern's statistics are embedded in the full V visits (zero on the
    visits it lacks) and its covariance block padded with the identity there,
    so that the Cholesky factors, inverses and contractions of every pattern
    are single batched numpy calls: the padded matrix is block diagonal, its
    inverse is the pattern's inverse beside the identity, and its log
    determinant is the pattern's.
    """

    def __init__(self, patterns: list[Pattern], cov: CovarianceStructure, P: int) -> None:
        self.patterns = patterns
        self.cov = cov
        self.P = P
        V = cov.V
        k = len(patterns)
        self.mask = np.zeros((k, V), bool)
        T = np.zeros((k, P * P, V, V))
        U = np.zeros((k, P, V, V))
        Y = np.zeros((k, V, V))
        for j, pt in enumerate(patterns):
            ix = np.ix_(pt.idx, pt.idx)
            kk = pt.idx.size
            self.mask[j, pt.idx] = True
            T[j][(slice(None), *ix)] = pt.T.reshape(P * P, kk, kk)
            U[j][(slice(None), *ix)] = pt.U.reshape(P, kk, kk)
            Y[j][ix] = pt.Y
        self.M2 = self.mask[:, :, None] & self.mask[:, None, :]
        self.pad = np.eye(V)[None] * ~self.mask[:, None, :]
        self.n = np.array([pt.n for pt in patterns], float)
        # (P², k·V²) and (P, k·V²): pattern j occupies columns j·V² .. (j+1)·V²
        self.Tflat = T.reshape(k, P * P, V * V).transpose(1, 0, 2).reshape(P * P, k * V * V)
        self.Uflat = U.reshape(k, P, V * V).transpose(1, 0, 2).reshape(P, k * V * V)
        self.Y = Y
        self._last: tuple[np.ndarray, dict] | None = None

    def adjust(self, j: int, X: np.ndarray, y: np.ndarray, vis: np.ndarray, sign: float) -> None:
        """Add (``sign`` = 1) or remove (−1) one participant of pattern ``j`` in place.

        ``X`` (k × P) and ``y`` (k) are the participant's rows at visits ``vis``.
        Used by the jackknife: remove, refit, add back, with no copy of the
        statistics.
        """
        V, P = self.cov.V, self.P
        E = np.zeros((X.shape[0], V))
        E[np.arange(X.shape[0]), vis] = 1.0
        Xv = E.T @ X  # (V, P): the participant's rows placed at their visits
        yv = E.T @ y
        cols = slice(j * V * V, (j + 1) * V * V)
        self.Tflat[:, cols] += sign * np.einsum("ap,bq->pqab", Xv, Xv).reshape(P * P, V * V)
        self.Uflat[:, cols] += sign * np.einsum("ap,b->pab", Xv, yv).reshape(P, V * V)
        self.Y[j] += sign * np.outer(yv, yv)
        self.n[j] += sign
        self._last = None

    def pieces(self, theta: np.ndarray) -> dict | None:
        if self._last is not None and np.array_equal(self._last[0], theta):
            return self._last[1]
        S = self.cov.matrix(theta)
        P = self.P
        Sb = np.where(self.M2, S[None], 0.0) + self.pad
        try:
            L = np.linalg.cholesky(Sb)
        except np.linalg.LinAlgError:
            return None
        Li = np.linalg.inv(L)
        W = np.matmul(Li.transpose(0, 2, 1), Li) * self.M2  # zero outside the pattern
        logdet = 2.0 * float(self.n @ np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1))
        w = W.ravel()
        XtWX = (self.Tflat @ w).reshape(P, P)
        XtWy = self.Uflat @ w
        yWy = float(np.sum(W * self.Y))
        try:
            Lx = np.linalg.cholesky((XtWX + XtWX.T) / 2)
        except np.linalg.LinAlgError:
            return None
        Lxi = np.linalg.inv(Lx)
        C = Lxi.T @ Lxi
        beta = C @ XtWy
        f = logdet + 2.0 * float(np.sum(np.log(np.diag(Lx)))) + yWy - beta @ XtWy
        pc = {"f": float(f), "beta": beta, "C": C, "Wb": W, "S": S}
        self._last = (np.array(theta, float, copy=True), pc)
        return pc

    def pattern_W(self, pc: dict) -> list[np.ndarray]:
        """Per-pattern inverse covariance blocks (k × k), as REMLFit.W keeps them."""
        return [pc["Wb"][j][np.ix_(pt.idx, pt.idx)] for j, pt in enumerate(self.patterns)]

    def value(self, theta: np.ndarray) -> float:
        pc = self.pieces(theta)
        return np.inf if pc is None or not np.isfinite(pc["f"]) else pc["f"]

    def grad_sigma(self, pc: dict) -> np.ndarray:
        """d(-2ℓ_R)/dΣ (V × V, entrywise)."""
        V = self.cov.V
        beta, C, W = pc["beta"], pc["C"], pc["Wb"]
        k = W.shape[0]
        A = (beta @ self.Uflat).reshape(k, V, V)
        bbC = (np.outer(beta, beta) + C).ravel()
        BM = (bbC @ self.Tflat).reshape(k, V, V)  # residual sum of squares + the C term
        R = self.Y - A - A.transpose(0, 2, 1) + BM
        Gp = self.n[:, None, None] * W - np.matmul(np.matmul(W, R), W)
        return (Gp * self.M2).sum(axis=0)

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        pc = self.pieces(theta)
        if pc is None or not np.isfinite(pc["f"]):
            return np.inf, np.zeros_like(theta)
        G = self.grad_sigma(pc)
        return pc["f"], self.cov.grad(theta, G)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Central differences of the analytic gradient (step 1e-5)."""
        n = len(theta)
        H = np.empty((n, n))
        for j in range(n):
            h = 1e-5 * max(1.0, abs(theta[j]))
            e = np.zeros(n)
            e[j] = h
            H[:, j] = (self.value_and_grad(theta + e)[1] - self.value_and_grad(theta - e)[1]) / (
                2 * h
            )
        return (H + H.T) / 2


def fit_reml(
    patterns: list[Pattern], cov: CovarianceStructure, P: int, start: np.ndarray
) -> REMLFit:
    """Minimise −2ℓ_R: BFGS with the analytic gradient, then Newton steps
    (numerical Hessian of the analytic gradient) until the gradient is below
    1e-8 in every component."""
    obj = _Objective(patterns, cov, P)
    if not np.isfinite(obj.value(start)):
        raise AnalysisError("the MMRM starting values give a singular covariance")
    res = optimize.minimize(
        obj.value_and_grad,
        start,
        jac=True,
        method="BFGS",
        options={"gtol": 1e-7, "maxiter": 2000},
    )
    theta = res.x
    f, g = obj.value_and_grad(theta)
    H = obj.hessian(theta)
    for _ in range(50):
        if np.max(np.abs(g)) < 1e-8:
            break
        try:
            step = -np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        while t > 1e-6:
            f_new, g_new = obj.value_and_grad(theta + t * step)
            if f_new <= f + 1e-12 * abs(f):
                break
            t /= 2
        else:
            break
        theta = theta + t * step
        f, g = f_new, g_new
        H = obj.hessian(theta)
    fit = _result(obj, theta, g, H, bool(np.max(np.abs(g)) < 1e-5))
    if fit is None:
        raise AnalysisError("the MMRM fit ended at a singular covariance matrix")
    return fit


def _result(
    obj: _Objective,
    theta: np.ndarray,
    g: np.ndarray,
    H: np.ndarray,
    converged: bool,
    light: bool = False,
) -> REMLFit | None:
    pc = obj.pieces(theta)
    if pc is None:
        return None
    return REMLFit(
        theta=theta,
        sigma=pc["S"],
        beta=pc["beta"],
        C=pc["C"],
        f=pc["f"],
        grad=g,
        hessian=H,
        converged=converged,
        W=[] if light else obj.pattern_W(pc),
        jac=None if light else obj.cov.jacobian(theta),
    )


def newton_refit(
    patterns: list[Pattern] | _Objective,
    cov: CovarianceStructure,
    P: int,
    start: np.ndarray,
    hessian: np.ndarray,
    tol: float = 1e-8,
    max_iter: int = 50,
    light: bool = False,
) -> REMLFit | None:
    """Re-fit REML on slightly changed data from a nearby optimum.

    Newton steps with a fixed Hessian (that of the nearby fit: leaving one
    participant out, or a resample, changes it by O(1/n)) until every
    gradient component is below ``tol``; the convergence is linear with a
    small rate. Returns None when that does not happen within ``max_iter``
    steps (the caller then fits from scratch). The returned fit keeps the
    given Hessian, which is adequate for point estimates, not for
    Satterthwaite degrees of freedom; with ``light`` it also leaves out the
    per-pattern inverses and the Jacobian (``W`` empty, ``jac`` None).
    ``patterns`` may be an objective already built (:func:`objective`).
    """
    obj = patterns if isinstance(patterns, _Objective) else _Objective(patterns, cov, P)
    try:
        hinv = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return None
    theta = np.asarray(start, float).copy()
    f, g = obj.value_and_grad(theta)
    for _ in range(max_iter):
        if not np.isfinite(f):
            return None
        if np.max(np.abs(g)) < tol:
            return _result(obj, theta, g, hessian, True, light)
        theta = theta - hinv @ g
        f, g = obj.value_and_grad(theta)
    return None


def objective(patterns: list[Pattern], cov: CovarianceStructure, P: int) -> _Objective:
    """The REML objective of ``patterns`` (for repeated refits with :func:`newton_refit`)."""
    return _Objective(patterns, cov, P)
