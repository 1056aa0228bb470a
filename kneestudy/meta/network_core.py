r"""Linear algebra of the graph-theoretical network model (Rücker 2012).

Studies are grouped by their number of arms ``k`` and handled in batches.
For a study with pseudo-inverse Laplacian :math:`L^+_s` (from its pairwise
variances) and heterogeneity :math:`\tau^2`, the covariance of its ``k − 1``
contrasts against its first arm is

.. math:: S_s(\tau^2) = C^\top (L^+_s + \tfrac{\tau^2}{2} P) C,

``C`` mapping the contrasts to arms and ``P = I − J/k``: every pairwise
variance grows by :math:`\tau^2` (netmeta) which is a common :math:`\tau^2`
with correlation 1/2 within a multi-arm study (metafor ``rma.mv`` with
``struct = "CS"``, ``rho = 1/2``). The study's Laplacian (reduced weights) is
:math:`L_s = C S_s^{-1} C^\top`; the network Laplacian is
:math:`L = \sum_s L_s` and the treatment effects relative to the reference
solve :math:`L_{-r,-r}\,\theta_{-r} = \sum_s C S_s^{-1} y_s` (GLS, identical
to Rücker's weighted least squares with reduced weights).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneestudy.errors import AnalysisError
from kneestudy.meta.network_data import StudyBlock

__all__ = [
    "Fit",
    "Groups",
    "StudyTerms",
    "dl_tau2",
    "fit",
    "group",
    "minimise_reml",
    "reml_tau2",
    "study_terms",
]


@dataclass
class Groups:
    """Studies batched by number of arms."""

    n: int
    batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # (arms g×k, te g×k, lplus g×k×k)
    df: int  # Σ (k_s − 1) − (n − 1)
    members: list[np.ndarray] | None = None  # per batch: index of each study in the input list

    @property
    def n_contrasts(self) -> int:
        """Σ (k_s − 1): independent contrasts over all studies."""
        return int(sum(arms.shape[0] * (arms.shape[1] - 1) for arms, _, _ in self.batches))


@dataclass
class StudyTerms:
    """One batch of studies at a given τ²: contrasts vs the first arm and their weights."""

    arms: np.ndarray  # g × k treatment indices
    y: np.ndarray  # g × (k−1) contrasts against the first arm
    sinv: np.ndarray  # g × (k−1) × (k−1) inverse covariance of y
    ls: np.ndarray  # g × k × k study Laplacians C S⁻¹ Cᵀ (reduced weights)
    r: np.ndarray  # g × k: C S⁻¹ y
    logdet: float  # Σ log det S over the batch


@dataclass
class Fit:
    theta: np.ndarray  # effects relative to the reference (reference = 0)
    cov: np.ndarray  # n × n covariance (zero row/column for the reference)
    q: float  # Σ r' S⁻¹ r
    laplacian: np.ndarray
    logdet_s: float
    study_laplacians: list[np.ndarray]  # per batch: g × k × k


def _cmat(k: int) -> np.ndarray:
    c = np.zeros((k, k - 1))
    c[0, :] = -1.0
    c[1:, :] = np.eye(k - 1)
    return c


def group(blocks: list[StudyBlock], n: int) -> Groups:
    """Batch study blocks by their number of arms."""
    by_k: dict[int, list[int]] = {}
    for i, b in enumerate(blocks):
        by_k.setdefault(len(b.arms), []).append(i)
    batches = []
    members = []
    for k in sorted(by_k):
        bs = [blocks[i] for i in by_k[k]]
        batches.append(
            (
                np.stack([b.arms for b in bs]),
                np.stack([b.te for b in bs]),
                np.stack([b.lplus for b in bs]),
            )
        )
        members.append(np.array(by_k[k]))
    df = sum(len(b.arms) - 1 for b in blocks) - (n - 1)
    return Groups(n=n, batches=batches, df=df, members=members)


def study_terms(groups: Groups, tau2: float = 0.0) -> list[StudyTerms]:
    """Per batch: contrasts, inverse covariances ``S_s(τ²)⁻¹`` and study Laplacians."""
    out = []
    for arms, te, lplus in groups.batches:
        k = arms.shape[1]
        c = _cmat(k)
        p = np.eye(k) - 1.0 / k
        s = c.T @ (lplus + 0.5 * tau2 * p) @ c  # g × (k−1) × (k−1)
        sign, ld = np.linalg.slogdet(s)
        if (sign <= 0).any():
            raise AnalysisError(
                "a multi-arm study's contrast variances do not form a valid covariance "
                "matrix (check its standard errors)"
            )
        sinv = np.linalg.inv(s)
        y = te[:, 1:]
        ls = c @ sinv @ c.T
        r = np.einsum("ij,gjl,gl->gi", c, sinv, y)
        out.append(StudyTerms(arms, y, sinv, ls, r, float(ld.sum())))
    return out


def fit(groups: Groups, ref: int, tau2: float = 0.0) -> Fit:
    """GLS fit of the network with heterogeneity ``tau2`` (0 = common effect)."""
    n = groups.n
    lap = np.zeros((n, n))
    rhs = np.zeros(n)
    logdet = 0.0
    cache = []
    study_laps = []
    for t in study_terms(groups, tau2):
        np.add.at(lap, (t.arms[:, :, None], t.arms[:, None, :]), t.ls)
        np.add.at(rhs, t.arms, t.r)
        logdet += t.logdet
        cache.append((t.arms, t.y, t.sinv))
        study_laps.append(t.ls)
    keep = np.array([i for i in range(n) if i != ref])
    try:
        red = np.linalg.inv(lap[np.ix_(keep, keep)])
    except np.linalg.LinAlgError as exc:  # pragma: no cover - connectivity is checked first
        raise AnalysisError("the network is not connected") from exc
    theta = np.zeros(n)
    theta[keep] = red @ rhs[keep]
    cov = np.zeros((n, n))
    cov[np.ix_(keep, keep)] = red
    q = 0.0
    for arms, y, sinv in cache:
        fitted = theta[arms[:, 1:]] - theta[arms[:, :1]]
        res = y - fitted
        q += float(np.einsum("gi,gij,gj->", res, sinv, res))
    return Fit(theta, cov, q, lap, logdet, study_laps)


def dl_tau2(common: Fit, groups: Groups) -> float:
    r"""netmeta's generalised DerSimonian–Laird :math:`\tau^2`.

    .. math:: \hat\tau^2 = \max\Bigl(0, \frac{Q - df}
              {\operatorname{tr}\bigl((I - H)(B B^\top \circ E / 2) W\bigr)}\Bigr)

    on the edge level (reduced weights ``W``, incidence ``B``, hat matrix
    ``H = B L^+ B^\top W``, same-study indicator ``E``). Because
    :math:`B_s^\top W_s B_s = L_s` the trace equals
    :math:`\sum_s \operatorname{tr}(L_s)/2 - \tfrac12\operatorname{tr}(L^+ \sum_s L_s^2)`.
    """
    if groups.df <= 0:
        return 0.0
    lpinv = np.linalg.pinv(common.laplacian)
    n = groups.n
    g2 = np.zeros((n, n))
    tr_w = 0.0
    for (arms, _, _), ls in zip(groups.batches, common.study_laplacians, strict=True):
        tr_w += 0.5 * float(np.einsum("gii->", ls))
        np.add.at(g2, (arms[:, :, None], arms[:, None, :]), ls @ ls)
    denom = tr_w - 0.5 * float(np.sum(lpinv * g2.T))
    return max(0.0, (common.q - groups.df) / denom)


def _reml_objective(groups: Groups, ref: int, tau2: float) -> float:
    f = fit(groups, ref, tau2)
    keep = [i for i in range(groups.n) if i != ref]
    _, ld_x = np.linalg.slogdet(f.laplacian[np.ix_(keep, keep)])
    return 0.5 * (f.logdet_s + ld_x + f.q)


def minimise_reml(objective, start: float) -> float:
    r"""Minimise a restricted likelihood over :math:`\tau^2 \ge 0` by Brent's method.

    The search interval starts at ``[0, max(10 start, 1)]`` and widens tenfold
    while the minimum sits at its upper end; the boundary ``τ² = 0`` wins when
    its objective is not larger.
    """
    from scipy.optimize import minimize_scalar

    upper = max(10.0 * start, 1.0)
    for _ in range(8):
        res = minimize_scalar(
            objective,
            bounds=(0.0, upper),
            method="bounded",
            options={"xatol": 1e-12, "maxiter": 500},
        )
        if res.x < 0.99 * upper:
            break
        upper *= 10.0
    if objective(0.0) <= res.fun:
        return 0.0
    return float(res.x)


def reml_tau2(groups: Groups, ref: int, start: float) -> float:
    r"""REML :math:`\tau^2` (common :math:`\tau^2`, correlation 1/2), by Brent's method."""
    if groups.df <= 0:
        return 0.0
    return minimise_reml(lambda t: _reml_objective(groups, ref, t), start)
