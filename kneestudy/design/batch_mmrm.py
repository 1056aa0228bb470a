r"""The MMRM of many trials at once: unstructured covariance, REML, Satterthwaite df.

The model of :func:`kneestudy.effects.mmrm` with ``covariance="unstructured"``
(R: ``nlme::gls(y ~ visit + visit:arm + visit:baseline, correlation =
corSymm(...), weights = varIdent(~ 1 | visit), method = "REML")``), written in
its cell-means form: at post-baseline visit :math:`j`,
:math:`y_{ij} = \mu_j + \gamma_j t_i + \beta_j b_i + \varepsilon_{ij}`,
:math:`\varepsilon_i \sim N(0, \Sigma)`. This spans the same column space as
R's parameterisation, so the estimates of :math:`\gamma_j` (the treatment
effect at visit :math:`j`), their standard errors, the REML optimum and the
Satterthwaite degrees of freedom are the same.

Participants are grouped by their pattern of observed visits. With
:math:`z_i = (1, t_i, b_i)`, a pattern's data enter only through
:math:`\sum z_i z_i^\top`, :math:`\sum z_i y_i^\top` and :math:`\sum y_i y_i^\top`,
so the restricted likelihood (Harville 1977),

.. math:: -2\ell_R(\Sigma) = \sum_p n_p \log|\Sigma_p| + \log|X^\top W X|
          + (y - X\hat\beta)^\top W (y - X\hat\beta),

its gradient :math:`\sum_p n_p W_p - W_p (S_p + M_p) W_p` and everything else
is an array operation over all trials of a chunk together. The covariance is
parameterised by the lower triangle of :math:`\Sigma`; Newton steps use a
central-difference Hessian of the analytic gradient and halve when the
criterion does not fall. The Satterthwaite df of the effect at the analysis
week is :math:`2 v^2 / (g^\top A g)`, :math:`A = 2H^{-1}`, as
:mod:`kneestudy.effects.mmrm_satterthwaite`. Trials that do not converge here
are reported (``ok = False`` in :func:`fit`), and the caller refits them with
:func:`kneestudy.effects.mmrm`.

References
----------
Harville DA (1977). JASA 72:320–338. Satterthwaite FE (1946). Biometrics
Bulletin 2:110–114. Mallinckrodt CH et al. (2008). Drug Inf J 42:303–319.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from kneestudy.design.batch import BatchEstimates, _week_index

__all__ = ["fit"]


class _Data:
    """Sufficient statistics by (trial, pattern of observed visits)."""

    def __init__(self, values: np.ndarray) -> None:
        reps, _, n, visits = values.shape
        post = values[..., 1:].reshape(reps, 2 * n, visits - 1)
        base = values[..., 0].reshape(reps, 2 * n)
        t = np.zeros((reps, 2, n))
        t[:, 0] = 1.0
        t = t.reshape(reps, 2 * n)
        obs = np.isfinite(post) & np.isfinite(base)[..., None]
        self.V = V = visits - 1
        code = (obs * (1 << np.arange(V))).sum(axis=-1)
        masks = [int(m) for m in np.unique(code) if m > 0]
        self.idx = [np.array([j for j in range(V) if m >> j & 1]) for m in masks]
        member = (code[..., None] == np.array(masks)[None, None, :]).astype(float)  # (R, N, M)
        z = np.stack([np.ones_like(t), t, np.where(np.isfinite(base), base, 0.0)], axis=-1)
        y = np.where(obs, post, 0.0)
        self.count = member.sum(axis=1)  # (R, M)
        self.Z = np.einsum("rnm,rna,rnb->rmab", member, z, z)
        self.ZY = np.einsum("rnm,rna,rnk->rmak", member, z, y)
        self.YY = np.einsum("rnm,rnj,rnk->rmjk", member, y, y)
        # every arm needs data at every visit (as kneestudy.effects.mmrm requires)
        per = obs.reshape(reps, 2, n, V).sum(axis=2)
        self.estimable = (per > 0).all(axis=(1, 2))
        self.n_obs = obs.sum(axis=(1, 2))
        self.n_participants = obs.any(axis=-1).sum(axis=1)
        self.P = 3 * V
        self.tril = np.tril_indices(V)

    def subset(self, rows: np.ndarray) -> _Data:
        """The statistics of the trials ``rows`` only (for the ones still iterating)."""
        out = object.__new__(_Data)
        out.__dict__.update(self.__dict__)
        for name in ("count", "Z", "ZY", "YY", "estimable", "n_obs", "n_participants"):
            setattr(out, name, getattr(self, name)[rows])
        return out

    # -- Σ <-> θ ------------------------------------------------------------
    def sigma(self, theta: np.ndarray) -> np.ndarray:
        V = self.V
        S = np.zeros((theta.shape[0], V, V))
        S[:, self.tril[0], self.tril[1]] = theta
        S[:, self.tril[1], self.tril[0]] = theta
        return S

    def theta(self, S: np.ndarray) -> np.ndarray:
        return S[:, self.tril[0], self.tril[1]]

    def to_theta_grad(self, G: np.ndarray) -> np.ndarray:
        Gs = G + np.swapaxes(G, 1, 2)
        Gs[:, np.arange(self.V), np.arange(self.V)] /= 2
        return Gs[:, self.tril[0], self.tril[1]]


def _pieces(d: _Data, theta: np.ndarray) -> dict:
    S = d.sigma(theta)
    R, V, P = S.shape[0], d.V, d.P
    pd_ok = np.linalg.eigvalsh(S)[:, 0] > 0
    S_safe = np.where(pd_ok[:, None, None], S, np.eye(V)[None])
    M = len(d.idx)
    W = np.zeros((R, M, V, V))
    logdet = np.zeros(R)
    for m, idx in enumerate(d.idx):
        sub = S_safe[:, idx][:, :, idx]
        W[:, m][:, idx[:, None], idx[None, :]] = np.linalg.inv(sub)
        logdet += d.count[:, m] * np.linalg.slogdet(sub)[1]
    xtwx = np.einsum("rmjk,rmab->rjakb", W, d.Z).reshape(R, P, P)
    xtwx = (xtwx + np.swapaxes(xtwx, 1, 2)) / 2
    xtwy = np.einsum("rmjk,rmak->rja", W, d.ZY).reshape(R, P)
    ywy = np.einsum("rmjk,rmjk->r", W, d.YY)
    sign, ld_x = np.linalg.slogdet(xtwx)
    good = pd_ok & (sign > 0)
    C = np.linalg.inv(np.where(good[:, None, None], xtwx, np.eye(P)[None]))
    beta = np.einsum("rpq,rq->rp", C, xtwy)
    f = logdet + ld_x + ywy - np.einsum("rp,rp->r", beta, xtwy)
    f = np.where(good, f, np.inf)
    return {"f": f, "W": W, "C": C, "beta": beta, "S": S}


def _grad(d: _Data, pc: dict) -> np.ndarray:
    R, V = pc["S"].shape[0], d.V
    W, C = pc["W"], pc["C"].reshape(R, V, 3, V, 3)
    beta = pc["beta"].reshape(R, V, 3)
    A = np.einsum("rja,rmak->rmjk", beta, d.ZY)
    B = np.einsum("rja,rmab,rkb->rmjk", beta, d.Z, beta)
    Mm = np.einsum("rjakb,rmab->rmjk", C, d.Z)
    inner = d.YY - A - np.swapaxes(A, 2, 3) + B + Mm
    G = np.einsum("rm,rmjk->rjk", d.count, W) - np.einsum("rmij,rmjk,rmkl->ril", W, inner, W)
    return d.to_theta_grad(G)


def _value_grad(d: _Data, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    pc = _pieces(d, theta)
    return pc["f"], _grad(d, pc), pc


def _hessian(d: _Data, theta: np.ndarray) -> np.ndarray:
    R, q = theta.shape
    H = np.empty((R, q, q))
    h = 1e-5 * np.maximum(1.0, np.abs(theta))
    for j in range(q):
        e = np.zeros_like(theta)
        e[:, j] = h[:, j]
        gp = _value_grad(d, theta + e)[1]
        gm = _value_grad(d, theta - e)[1]
        H[:, :, j] = (gp - gm) / (2 * h[:, j, None])
    return (H + np.swapaxes(H, 1, 2)) / 2


def _regular(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(H with identity where not usable, usable): finite and well conditioned."""
    good = np.isfinite(H).all(axis=(1, 2))
    safe = np.where(good[:, None, None], H, np.eye(H.shape[1])[None])
    good &= np.linalg.cond(safe) < 1e12
    return np.where(good[:, None, None], safe, np.eye(H.shape[1])[None]), good


def _start(d: _Data, values: np.ndarray) -> np.ndarray:
    """Moment estimate of Σ from visit-by-visit least-squares residuals."""
    V = d.V
    eye = np.broadcast_to(np.eye(V), (d.Z.shape[0], V, V)).copy()
    pc = _pieces(d, d.theta(eye))
    reps, _, n, visits = values.shape
    post = values[..., 1:].reshape(reps, 2 * n, V)
    base = values[..., 0].reshape(reps, 2 * n)
    t = np.zeros((reps, 2, n))
    t[:, 0] = 1.0
    t = t.reshape(reps, 2 * n)
    beta = pc["beta"].reshape(reps, V, 3)
    fitted = (
        beta[:, None, :, 0]
        + beta[:, None, :, 1] * t[..., None]
        + beta[:, None, :, 2] * (base[..., None])
    )
    obs = np.isfinite(post) & np.isfinite(base)[..., None]
    r = np.where(obs, post - fitted, 0.0)
    num = np.einsum("rnj,rnk->rjk", r, r)
    cnt = np.einsum("rnj,rnk->rjk", obs.astype(float), obs.astype(float))
    S = np.where(cnt >= 2, num / np.maximum(cnt, 1), 0.0)
    diag = np.where(np.diagonal(S, axis1=1, axis2=2) > 0, np.diagonal(S, axis1=1, axis2=2), 1.0)
    S[:, np.arange(V), np.arange(V)] = diag
    ev, vec = np.linalg.eigh(S)
    ev = np.maximum(ev, 1e-3 * np.maximum(ev.max(axis=1, keepdims=True), 1e-8))
    S = np.einsum("rij,rj,rkj->rik", vec, ev, vec)
    return d.theta(S)


def fit(
    values: np.ndarray,
    weeks: np.ndarray,
    week: float,
    level: float = 0.95,
    max_iter: int = 50,
    gtol: float = 1e-8,
) -> BatchEstimates:
    """Treatment effect at ``week`` from the unstructured MMRM of every trial.

    Parameters
    ----------
    values : ndarray
        ``(reps, 2, n, visits)`` outcome values (visit 0 = baseline), NaN
        where not recorded.
    weeks : ndarray
        Visit weeks.
    week : float
        The analysis week (a post-baseline visit).
    level : float
        Confidence level (t interval on Satterthwaite df).
    max_iter, gtol : int, float
        Newton iterations, and the largest gradient component accepted.

    Returns
    -------
    BatchEstimates
        ``ok`` is False for trials where an arm has no data at a visit or the
        fit did not converge.
    """
    j = _week_index(weeks, week) - 1
    d = _Data(values)
    reps = values.shape[0]
    theta = _start(d, values)
    f, g, _ = _value_grad(d, theta)
    active = d.estimable & np.isfinite(f)
    for _ in range(max_iter):
        active &= np.max(np.abs(g), axis=1) >= gtol
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        da, th, fa, ga = d.subset(rows), theta[rows], f[rows], g[rows]
        H, good = _regular(_hessian(da, th))
        step = -np.linalg.solve(H, ga[..., None])[..., 0]
        step[~good] = -ga[~good] * 1e-3
        descent = np.einsum("rq,rq->r", step, ga) < 0
        step = np.where(descent[:, None], step, -ga * 1e-3)
        t = np.ones(rows.size)
        f_new, g_new, _ = _value_grad(da, th + step)
        for _h in range(40):
            worse = ~(f_new <= fa + 1e-12 * np.abs(fa))
            if not worse.any():
                break
            # halve only the trials that did not improve (the others keep their step)
            t = np.where(worse, t / 2, t)
            sub = np.flatnonzero(worse)
            f_w, g_w, _ = _value_grad(da.subset(sub), th[sub] + t[sub, None] * step[sub])
            f_new[sub], g_new[sub] = f_w, g_w
        moved = f_new <= fa + 1e-12 * np.abs(fa)
        theta[rows[moved]] = th[moved] + t[moved, None] * step[moved]
        f[rows[moved]] = f_new[moved]
        g[rows[moved]] = g_new[moved]
        active[rows[~moved]] = False  # no descent possible: stop here (checked below)
    H = _hessian(d, theta)
    pc = _pieces(d, theta)
    ok = d.estimable & (np.max(np.abs(g), axis=1) < 1e-5) & np.isfinite(pc["f"])
    k = 3 * j + 1  # γ_j in the (visit, [1, t, b]) layout
    C = pc["C"]
    est = pc["beta"][:, k]
    v = C[:, k, k]
    c = C[:, :, k].reshape(reps, d.V, 3)
    Q = np.einsum("rja,rmab,rkb->rmjk", c, d.Z, c)
    G = np.einsum("rmij,rmjk,rmkl->ril", pc["W"], Q, pc["W"])
    gv = d.to_theta_grad(G)
    H, good = _regular(H)
    ok &= good
    A = 2.0 * np.linalg.inv(H)
    denom = np.einsum("rp,rpq,rq->r", gv, A, gv)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(denom > 0, 2.0 * v**2 / denom, np.inf)
        se = np.sqrt(v)
        tq = stats.t.ppf(0.5 + level / 2, df)
        p = 2.0 * stats.t.sf(np.abs(est / se), df)
    return BatchEstimates.build(est, se, est - tq * se, est + tq * se, p, d.n_participants, ok)
