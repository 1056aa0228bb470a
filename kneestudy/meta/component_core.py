r"""Generalised least squares for network models whose arms carry parameter rows.

Every network model of :mod:`kneestudy.meta` is one linear model on the
contrasts of each study against its first arm: an arm ``a`` of study ``s``
has a row :math:`c_{sa}` of parameters, and the true contrast of arm ``a``
against the first arm ``0`` is :math:`(c_{sa} - c_{s0})^\top\beta`.

- the standard network (Rücker 2012): one parameter per treatment;
- the additive component model (Rücker, Petropoulou & Schwarzer 2020): the
  arm's components (0/1), inactive components left out;
- the full-interaction model: one parameter per observed combination;
- the design-by-treatment interaction model (Higgins et al. 2012): one
  parameter per design and treatment.

With the study covariance :math:`S_s(\tau^2)` of
:mod:`~kneestudy.meta.network_core` (sampling covariance plus a common
:math:`\tau^2` with correlation 1/2), study Laplacian
:math:`L_s = C S_s^{-1} C^\top` and :math:`r_s = C S_s^{-1} y_s`, the GLS
normal equations are

.. math:: \Bigl(\sum_s C_s^\top L_s C_s\Bigr)\beta = \sum_s C_s^\top r_s

(:math:`C_s` the parameter rows of the study's arms). A design need not
identify every parameter: the row space of the contrast design
:math:`X` (rows :math:`c_{sa} - c_{s0}`) is found by a singular value
decomposition; the fit is the minimum-norm solution (the Moore–Penrose
inverse, as netmeta's ``ginv``), which is unique for every estimable
combination :math:`a^\top\beta` (``a`` in the row space) and is what is
reported; a combination outside the row space is *not estimable*.

Heterogeneity: the generalised DerSimonian–Laird estimator (Jackson, White &
Riley 2012; netmeta's ``netcomb``)

.. math:: \hat\tau^2 = \max\Bigl(0, \frac{Q - df}{\tfrac12\sum_s \operatorname{tr} L_s
          - \tfrac12\operatorname{tr}\bigl(L_c^{+} \sum_s C_s^\top L_s^2 C_s\bigr)}\Bigr),
          \quad df = \sum_s (k_s - 1) - \operatorname{rank} X,

or REML (restricted likelihood on a basis of the row space). Percentage study
weights follow Riley et al. (2018): the variance of an estimate
:math:`a^\top\hat\beta` splits into study parts
:math:`a^\top L_c^+ C_s^\top L_s C_s L_c^+ a`, non-negative and summing to it.

References
----------
Rücker G, Petropoulou M, Schwarzer G (2020). Network meta-analysis of
multicomponent interventions. *Biom J* 62:808–821. Higgins JPT, Jackson D,
Barrett JK, Lu G, Ades AE, White IR (2012). Consistency and inconsistency in
network meta-analysis: concepts and models for multi-arm studies. *Res Synth
Methods* 3:98–110. Jackson D, White IR, Riley RD (2012). Quantifying the impact
of between-study heterogeneity in multivariate meta-analyses. *Stat Med*
31:3805–3820. Riley RD, Ensor J, Jackson D, Burke DL (2018). Deriving
percentage study weights in multi-parameter meta-analysis models. *Stat
Methods Med Res* 27:2885–2905.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneestudy.meta import network_core as core

__all__ = [
    "Design",
    "LinearFit",
    "design",
    "design_dropping",
    "dl_tau2",
    "gls",
    "reml_tau2",
    "study_weights",
]


@dataclass
class Design:
    """Parameter rows of every arm, batch by batch, and what the data identify."""

    rows: list[np.ndarray]  # per batch: g × k × p (parameter row of each arm)
    p: int
    rank: int
    basis: np.ndarray  # p × rank: orthonormal basis of the row space of X
    null: np.ndarray  # p × (p − rank): basis of the null space
    columns: np.ndarray | None = None  # when the basis is these columns of the identity

    def estimable(self, a: np.ndarray, tol: float = 1e-8) -> bool:
        """Whether the combination ``a`` (length ``p``) is identified by the design."""
        a = np.asarray(a, dtype=float)
        if self.null.shape[1] == 0:
            return True
        scale = max(1.0, float(np.abs(a).max()))
        return bool(np.abs(a @ self.null).max() <= tol * scale)


@dataclass
class LinearFit:
    """GLS fit at one τ²."""

    beta: np.ndarray  # p: minimum-norm solution
    cov: np.ndarray  # p × p: L_c⁺ (covariance of estimable combinations)
    q: float  # Σ residual' S⁻¹ residual
    logdet_s: float
    logdet_x: float  # log det of the information on the row-space basis
    info: np.ndarray  # p × p: L_c = Σ C_sᵀ L_s C_s
    terms: list[core.StudyTerms]
    tau2: float
    q_study: list[np.ndarray]  # per batch: each study's share of q


def design(groups: core.Groups, rows: list[np.ndarray], p: int) -> Design:
    """Rank, row space and null space of the contrast design of ``rows``.

    From the eigen-decomposition of :math:`X^\top X` (the squared singular values
    of ``X``); eigenvalues below ``100 max(m, p) eps λ_max`` are zero.
    """
    if p == 0:
        return Design(rows, 0, 0, np.zeros((0, 0)), np.zeros((0, 0)))
    gram = np.zeros((p, p))
    m = 0
    for r in rows:
        x = (r[:, 1:, :] - r[:, :1, :]).reshape(-1, p)
        gram += x.T @ x
        m += x.shape[0]
    if m == 0:
        return Design(rows, p, 0, np.zeros((p, 0)), np.eye(p))
    lam, vec = np.linalg.eigh(gram)
    # eigenvalues of X'X are the squared singular values: the zero ones are rounding,
    # about eps times the largest (a contrast design of 0/±1 entries is well scaled)
    tol = max(m, p) * np.finfo(float).eps * max(float(lam.max()), 1.0) * 100
    keep = lam > tol
    rank = int(keep.sum())
    return Design(rows, p, rank, vec[:, keep], vec[:, ~keep])


def design_dropping(rows: list[np.ndarray], p: int, drop: list[int]) -> Design:
    """A design known to be identified once the parameters ``drop`` are fixed at 0.

    For one-hot treatment designs: one reference per connected part of the
    network. The basis is then a selection of columns, with no decomposition.
    """
    keep = np.array([i for i in range(p) if i not in set(drop)], dtype=int)
    eye = np.eye(p)
    return Design(rows, p, len(keep), eye[:, keep], eye[:, sorted(set(drop))], columns=keep)


def gls(groups: core.Groups, des: Design, tau2: float = 0.0) -> LinearFit:
    """GLS fit of the model with parameter rows ``des.rows`` and heterogeneity ``tau2``."""
    p = des.p
    terms = core.study_terms(groups, tau2)
    info = np.zeros((p, p))
    rhs = np.zeros(p)
    logdet_s = 0.0
    for t, r in zip(terms, des.rows, strict=True):
        info += np.einsum("gkp,gkq->pq", r, t.ls @ r)
        rhs += np.einsum("gkp,gk->p", r, t.r)
        logdet_s += t.logdet
    v = des.basis
    if des.rank and des.columns is not None:
        cols = des.columns
        m = info[np.ix_(cols, cols)]
        minv = np.linalg.inv(m)
        beta = np.zeros(p)
        beta[cols] = minv @ rhs[cols]
        cov = np.zeros((p, p))
        cov[np.ix_(cols, cols)] = minv
        logdet_x = float(np.linalg.slogdet(m)[1])
    elif des.rank:
        m = v.T @ info @ v
        minv = np.linalg.inv(m)
        beta = v @ (minv @ (v.T @ rhs))
        cov = v @ minv @ v.T
        logdet_x = float(np.linalg.slogdet(m)[1])
    else:
        beta, cov, logdet_x = np.zeros(p), np.zeros((p, p)), 0.0
    q = 0.0
    q_study = []
    for t, r in zip(terms, des.rows, strict=True):
        fitted = (r[:, 1:, :] - r[:, :1, :]) @ beta
        res = t.y - fitted
        qs = np.einsum("gi,gij,gj->g", res, t.sinv, res)
        q_study.append(qs)
        q += float(qs.sum())
    return LinearFit(beta, cov, q, logdet_s, logdet_x, info, terms, float(tau2), q_study)


def dl_tau2(groups: core.Groups, des: Design, common: LinearFit) -> float:
    r"""Generalised DerSimonian–Laird :math:`\tau^2` of the model (module docstring)."""
    df = groups.n_contrasts - des.rank
    if df <= 0:
        return 0.0
    tr_w = 0.0
    g2 = np.zeros((des.p, des.p))
    for t, r in zip(common.terms, des.rows, strict=True):
        tr_w += 0.5 * float(np.einsum("gii->", t.ls))
        g2 += np.einsum("gkp,gkq->pq", r, t.ls @ (t.ls @ r))
    denom = tr_w - 0.5 * float(np.sum(common.cov * g2.T))
    if denom <= 0:
        return 0.0
    return max(0.0, (common.q - df) / denom)


def reml_tau2(groups: core.Groups, des: Design, start: float) -> float:
    r"""REML :math:`\tau^2` of the model (common τ², correlation 1/2 within studies)."""
    if groups.n_contrasts - des.rank <= 0:
        return 0.0

    def objective(tau2: float) -> float:
        f = gls(groups, des, tau2)
        return 0.5 * (f.logdet_s + f.logdet_x + f.q)

    return core.minimise_reml(objective, start)


def study_weights(fit: LinearFit, des: Design, a: np.ndarray) -> list[np.ndarray]:
    """Each study's share of the variance of ``a @ beta`` (Riley et al. 2018).

    Returns, per batch, one non-negative number per study; over all studies
    they sum to 1 (to rounding) when the variance is positive.
    """
    u_vec = fit.cov @ np.asarray(a, dtype=float)
    total = float(np.asarray(a, dtype=float) @ u_vec)
    out = []
    for t, r in zip(fit.terms, des.rows, strict=True):
        u = r @ u_vec  # g × k
        w = np.einsum("gk,gkl,gl->g", u, t.ls, u)
        out.append(w / total if total > 0 else np.full(len(w), np.nan))
    return out
