r"""Direct and indirect evidence (node splitting) and the decomposition of Q.

Node splitting by back-calculation (SIDE; König, Krahn & Binder 2013), as
netmeta's ``netsplit`` default: for each pair with direct evidence the direct
estimate pools the pair's edges with their reduced (multi-arm) weights
:math:`w_e`, :math:`\hat\theta_{dir} = \sum w_e y_e / \sum w_e`,
:math:`s_{dir}^2 = 1/\sum w_e`; with the network estimate
:math:`\hat\theta_{net}` and its direct-evidence proportion
:math:`p = s_{net}^2 / s_{dir}^2`, the indirect estimate is

.. math:: \hat\theta_{ind} = \frac{\hat\theta_{net} - p\,\hat\theta_{dir}}{1-p},\quad
          s_{ind}^2 = \Bigl(\frac{1}{s_{net}^2} - \frac{1}{s_{dir}^2}\Bigr)^{-1},

and incoherence is tested by :math:`z = (\hat\theta_{dir}-\hat\theta_{ind}) /
\sqrt{s_{dir}^2 + s_{ind}^2}`.

Design-by-treatment decomposition (Krahn, Binder & König 2013; netmeta's
``decomp.design``): the total :math:`Q` splits into heterogeneity within
designs (the sum of the common-effect :math:`Q` of each design fitted on its
own) and inconsistency between designs (the rest).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from kneestudy.meta import network_core as core
from kneestudy.meta.network_data import StudyBlock

__all__ = ["decompose", "netsplit"]


def netsplit(
    groups: core.Groups,
    model: core.Fit,
    treatments: list[str],
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Direct, indirect and network estimates for each directly compared pair.

    ``model`` is the fit whose weights and estimates are split (common or
    random effects; its study Laplacians hold the reduced weights).
    """
    n = len(treatments)
    sw = np.zeros((n, n))
    swy = np.zeros((n, n))
    for (arms, te, _), ls in zip(groups.batches, model.study_laplacians, strict=True):
        k = arms.shape[1]
        for i in range(k):
            for j in range(k):
                if i == j:
                    continue
                w = -ls[:, i, j]  # reduced weight of edge (i, j)
                a, b = arms[:, i], arms[:, j]
                np.add.at(sw, (a, b), w)
                np.add.at(swy, (a, b), w * (te[:, i] - te[:, j]))
    z = norm.ppf(1 - alpha / 2)
    rows = []
    for a in range(n):
        for b in range(a + 1, n):
            if sw[a, b] <= 0:
                continue
            direct = swy[a, b] / sw[a, b]
            se_dir = float(np.sqrt(1 / sw[a, b]))
            net = model.theta[a] - model.theta[b]
            var_net = model.cov[a, a] + model.cov[b, b] - 2 * model.cov[a, b]
            prop = var_net / se_dir**2
            if prop < 1 - 1e-10:
                ind = (net - prop * direct) / (1 - prop)
                se_ind = float(np.sqrt(1 / (1 / var_net - 1 / se_dir**2)))
                diff = direct - ind
                se_diff = float(np.sqrt(se_dir**2 + se_ind**2))
                p = float(2 * norm.sf(abs(diff / se_diff)))
            else:  # all the evidence is direct: nothing to split
                ind = se_ind = diff = se_diff = p = np.nan
            rows.append(
                {
                    "treat1": treatments[a],
                    "treat2": treatments[b],
                    "comparison": f"{treatments[a]}:{treatments[b]}",
                    "network": net,
                    "se_network": float(np.sqrt(var_net)),
                    "direct": direct,
                    "se_direct": se_dir,
                    "direct_ci_low": direct - z * se_dir,
                    "direct_ci_high": direct + z * se_dir,
                    "indirect": ind,
                    "se_indirect": se_ind,
                    "prop_direct": min(prop, 1.0),
                    "difference": diff,
                    "se_difference": se_diff,
                    "p_value": p,
                }
            )
    return pd.DataFrame(rows)


def decompose(blocks: list[StudyBlock], q_total: float, df_total: int) -> pd.DataFrame:
    """Q total, within designs (per design and summed) and between designs."""
    by_design: dict[str, list[StudyBlock]] = {}
    for b in blocks:
        by_design.setdefault(b.design, []).append(b)
    q_within = 0.0
    df_within = 0
    rows = []
    for design, bs in by_design.items():
        if len(bs) < 2:
            continue
        used = sorted({int(a) for b in bs for a in b.arms})
        remap = {t: i for i, t in enumerate(used)}
        local = [
            StudyBlock(b.study, np.array([remap[int(a)] for a in b.arms]), b.te, b.lplus, b.n_arm)
            for b in bs
        ]
        g = core.group(local, len(used))
        f = core.fit(g, 0, 0.0)
        q_within += f.q
        df_within += g.df
        rows.append({"part": f"within design {design}", "q": f.q, "df": g.df})
    q_between = q_total - q_within
    df_between = df_total - df_within
    head = [
        {"part": "total", "q": q_total, "df": df_total},
        {"part": "within designs", "q": q_within, "df": df_within},
        {"part": "between designs", "q": q_between, "df": df_between},
    ]
    out = pd.DataFrame(head + rows)
    out["p_value"] = [
        float(chi2.sf(q, d)) if d > 0 else np.nan for q, d in zip(out["q"], out["df"], strict=True)
    ]
    return out
