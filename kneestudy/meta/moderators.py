"""Study-level moderators: subgroup analysis and meta-regression (metafor ``rma(mods=)``)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from kneestudy._results import Result, frame_to_html
from kneestudy.errors import AnalysisError
from kneestudy.meta._tau2 import fit_rma
from kneestudy.meta.results import (
    check_alpha,
    check_method,
    check_test,
    check_yi_vi,
    resolve_labels,
)

__all__ = ["MetaRegResult", "SubgroupResult", "metareg", "subgroup"]


@dataclass(frozen=True)
class MetaRegResult(Result):
    """Mixed-effects meta-regression (metafor ``rma(yi, vi, mods = ~ ...)``).

    ``coefficients`` has one row per term (``intrcpt`` first): estimate, se,
    statistic (z, or t with k − p df under HKSJ), p_value, ci_low, ci_high.
    ``qm`` tests all moderators (χ² with ``qm_df``; under HKSJ an F statistic
    with ``(qm_df, qm_df2)``); ``qe`` is the test for residual heterogeneity;
    ``tau2``, ``i2``, ``h2`` are residual; ``r2`` is the percent of τ²
    accounted for (metafor's pseudo-R²).
    """

    coefficients: pd.DataFrame = field(repr=False)
    qm: float = math.nan
    qm_df: int = 0
    qm_df2: float = math.nan
    qm_p_value: float = math.nan
    qe: float = math.nan
    qe_df: int = 0
    qe_p_value: float = math.nan
    tau2: float = math.nan
    tau2_se: float = math.nan
    i2: float = math.nan
    h2: float = math.nan
    r2: float = math.nan
    k: int = 0
    p: int = 0
    method: str = "REML"
    test: str = "z"
    _title: str = field(default="Meta-regression", repr=False)

    def _repr_html_(self) -> str:
        return (
            f"<div><strong>{self._title}</strong>{frame_to_html(self.coefficients)}"
            f"{frame_to_html(self.to_frame())}</div>"
        )


@dataclass(frozen=True)
class SubgroupResult(Result):
    """Subgroup analysis with tests for subgroup differences.

    ``table``: one row per subgroup (separate random-effects model in each):
    group, k, estimate, se, ci_low, ci_high, p_value, tau2, i2, q, q_p_value.

    Two tests of differences between subgroups are given:

    - ``q_between`` (df ``q_between_df``): the fixed-effect Q statistic of the
      subgroup estimates, :math:`\\sum_g (\\hat\\theta_g - \\bar\\theta)^2 / SE_g^2`,
      each subgroup keeping its own τ² (as RevMan / meta's ``subgroup``);
    - ``qm`` (df ``qm_df``): the omnibus moderator test of the mixed-effects
      meta-regression ``rma(yi, vi, mods = ~ factor(group))``, which assumes one
      τ² common to all subgroups (F statistic under HKSJ).
    """

    table: pd.DataFrame = field(repr=False)
    q_between: float = math.nan
    q_between_df: int = 0
    q_between_p_value: float = math.nan
    qm: float = math.nan
    qm_df: int = 0
    qm_p_value: float = math.nan
    tau2_common: float = math.nan
    k: int = 0
    method: str = "REML"
    test: str = "z"
    _title: str = field(default="Subgroup analysis", repr=False)

    def _repr_html_(self) -> str:
        return (
            f"<div><strong>{self._title}</strong>{frame_to_html(self.table)}"
            f"{frame_to_html(self.to_frame())}</div>"
        )


def _design(moderators: Any, k: int, fixed: bool = False) -> tuple[np.ndarray, list[str]]:
    """Model matrix with intercept; categorical columns get treatment contrasts (as R)."""
    if isinstance(moderators, pd.DataFrame):
        frame = moderators.reset_index(drop=True)
    elif isinstance(moderators, Mapping):
        frame = pd.DataFrame({str(c): list(v) for c, v in moderators.items()})
    elif isinstance(moderators, pd.Series):
        frame = moderators.reset_index(drop=True).to_frame(name=moderators.name or "x")
    else:
        arr = np.asarray(moderators)
        if arr.ndim == 1:
            arr = arr[:, None]
        frame = pd.DataFrame(arr, columns=[f"x{j + 1}" for j in range(arr.shape[1])])
    if frame.shape[0] != k:
        raise AnalysisError(f"moderators have {frame.shape[0]} rows but yi has {k}")
    cols = [np.ones(k)]
    names = ["intrcpt"]
    for c in frame.columns:
        s = frame[c]
        if s.isna().any():
            pos = list(np.flatnonzero(s.isna().to_numpy()))
            raise AnalysisError(f"moderator {c!r} is missing at position(s) {pos}")
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            cat = s.astype("category") if not isinstance(s.dtype, pd.CategoricalDtype) else s
            levels = [lv for lv in cat.cat.categories if (cat == lv).any()]
            if len(levels) < 2:
                raise AnalysisError(f"moderator {c!r} has a single level; it cannot be estimated")
            for lv in levels[1:]:
                cols.append((cat == lv).to_numpy(float))
                names.append(f"{c}{lv}")
        else:
            cols.append(s.to_numpy(float))
            names.append(str(c))
    X = np.column_stack(cols)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise AnalysisError(
            "moderators are collinear (the model matrix is not of full rank): "
            f"{', '.join(names[1:])}"
        )
    if X.shape[1] + (0 if fixed else 1) > k:
        raise AnalysisError(
            f"{X.shape[1]} coefficients (and tau^2) cannot be estimated from {k} studies"
        )
    return X, names


def _weighted_adj_r2(y, v, X) -> float:
    w = 1.0 / v
    k, p = X.shape
    if np.var(y) == 0:
        return 0.0
    if k == p:  # no residual df: R's adjusted R^2 is NaN
        return math.nan
    XtW = X.T * w
    b = np.linalg.solve(XtW @ X, XtW @ y)
    rss = np.sum(w * (y - X @ b) ** 2)
    tss = np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2)
    r2 = 1 - rss / tss
    adj = 1 - (1 - r2) * (k - 1) / (k - p)
    return max(0.0, 100 * adj)


def metareg(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    moderators: pd.DataFrame | Mapping[str, Sequence[Any]] | np.ndarray,
    method: str = "REML",
    hksj: bool = False,
    alpha: float = 0.05,
    labels: Sequence[Any] | None = None,
    test: str | None = None,
) -> MetaRegResult:
    r"""Mixed-effects meta-regression on study-level moderators.

    Fits :math:`y_i = x_i^\top\beta + u_i + e_i`, :math:`u_i\sim N(0,\tau^2)`,
    :math:`e_i \sim N(0, v_i)`, as metafor's ``rma(yi, vi, mods = ~ x1 + x2,
    method=)``: τ² by the chosen estimator, then
    :math:`\hat\beta = (X^\top W X)^{-1} X^\top W y` with
    :math:`W = \mathrm{diag}(1/(v_i+\hat\tau^2))`. ``QM`` :math:`=
    \hat\beta_m^\top \mathrm{Var}(\hat\beta_m)^{-1}\hat\beta_m` over the
    moderator coefficients; ``QE`` is the weighted residual sum of squares
    with weights :math:`1/v_i`. :math:`R^2 = \max(0, 100(\hat\tau^2_0 -
    \hat\tau^2)/\hat\tau^2_0)` with :math:`\hat\tau^2_0` from the model
    without moderators.

    Parameters
    ----------
    yi, vi : array-like
        Effect sizes and sampling variances.
    moderators : DataFrame, mapping of name to values, or array
        One column per moderator. Numeric columns enter as they are;
        text, categorical or boolean columns are dummy-coded against their
        first level (sorted, as R's ``factor``).
    method, hksj, alpha, labels, test
        As for :func:`~kneestudy.meta.pool`.

    Returns
    -------
    MetaRegResult

    Examples
    --------
    >>> from kneestudy.meta import metareg
    >>> res = metareg([0.1, 0.3, 0.35, 0.6, 0.2], [0.01, 0.02, 0.015, 0.03, 0.02],
    ...               {"dose": [1, 2, 3, 4, 2]}, method="DL")
    >>> list(res.coefficients["term"])
    ['intrcpt', 'dose']
    """
    method = check_method(method)
    alpha = check_alpha(alpha)
    lab = resolve_labels(labels, len(np.atleast_1d(np.asarray(yi, dtype=object))))
    y, v = check_yi_vi(yi, vi, lab)
    t = check_test(test, hksj, method)
    k = y.shape[0]
    X, names = _design(moderators, k, fixed=method == "FE")
    fit = fit_rma(y, v, X, method=method, test=t, alpha=alpha)
    if method == "FE":
        r2 = _weighted_adj_r2(y, v, X)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tau2_0 = fit_rma(y, v, None, method=method, test=t, alpha=alpha).tau2
        r2 = 0.0 if tau2_0 == 0 else max(0.0, 100 * (tau2_0 - fit.tau2) / tau2_0)
    coefficients = pd.DataFrame(
        {
            "term": names,
            "estimate": fit.beta,
            "se": fit.se,
            "statistic": fit.stat,
            "p_value": fit.pval,
            "ci_low": fit.ci_lb,
            "ci_high": fit.ci_ub,
        }
    )
    return MetaRegResult(
        coefficients=coefficients,
        qm=fit.qm,
        qm_df=int(fit.qm_df[0]),
        qm_df2=float(fit.qm_df[1]) if fit.qm_df[1] is not None else math.nan,
        qm_p_value=fit.qm_p,
        qe=fit.qe,
        qe_df=fit.qe_df,
        qe_p_value=fit.qe_p,
        tau2=fit.tau2,
        tau2_se=fit.se_tau2,
        i2=fit.i2,
        h2=fit.h2,
        r2=float(r2),
        k=k,
        p=X.shape[1],
        method=method,
        test="t" if t in ("knha", "t") else "z",
    )


def subgroup(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    groups: Sequence[Any] | np.ndarray | pd.Series,
    method: str = "REML",
    hksj: bool = False,
    alpha: float = 0.05,
    labels: Sequence[Any] | None = None,
    test: str | None = None,
) -> SubgroupResult:
    r"""Subgroup analysis: a separate model in each subgroup, and tests of differences.

    Each subgroup g is pooled with :func:`~kneestudy.meta.pool` (its own τ²).
    The test for subgroup differences is the fixed-effect Q of the subgroup
    estimates, :math:`Q_B = \sum_g w_g(\hat\theta_g - \bar\theta)^2` with
    :math:`w_g = 1/SE_g^2`, on G − 1 df (``q_between``). The mixed-effects
    alternative with a common τ², metafor's ``rma(yi, vi, mods = ~ factor(g))``
    omnibus test ``QM``, is given as ``qm``. With ``hksj=True`` each subgroup
    uses the HKSJ-adjusted SE in :math:`Q_B` (a subgroup of one study uses z,
    as metafor), and ``qm`` is the F statistic of the adjusted meta-regression.

    Parameters
    ----------
    yi, vi : array-like
        Effect sizes and sampling variances.
    groups : array-like
        Subgroup of each study (no missing values; at least two subgroups).
    method, hksj, alpha, labels, test
        As for :func:`~kneestudy.meta.pool`.

    Returns
    -------
    SubgroupResult

    Examples
    --------
    >>> from kneestudy.meta import subgroup
    >>> res = subgroup([0.1, 0.3, 0.35, 0.6, 0.2, 0.5], [0.01, 0.02, 0.015, 0.03, 0.02, 0.01],
    ...                ["a", "a", "a", "b", "b", "b"], method="DL")
    >>> res.q_between_df
    1
    """
    from kneestudy.meta.pool import pool as _pool

    method = check_method(method)
    alpha = check_alpha(alpha)
    lab = resolve_labels(labels, len(np.atleast_1d(np.asarray(yi, dtype=object))))
    y, v = check_yi_vi(yi, vi, lab)
    t = check_test(test, hksj, method)
    k = y.shape[0]
    g = pd.Series(list(groups) if not isinstance(groups, pd.Series) else groups.to_list())
    if g.shape[0] != k:
        raise AnalysisError(f"groups has {g.shape[0]} entries but yi has {k}")
    if g.isna().any():
        pos = list(np.flatnonzero(g.isna().to_numpy()))
        raise AnalysisError(f"groups is missing at position(s) {pos}")
    cat = g.astype("category")
    levels = [lv for lv in cat.cat.categories if (cat == lv).any()]
    if len(levels) < 2:
        raise AnalysisError("subgroup analysis needs at least two subgroups")
    rows = []
    for lv in levels:
        m = (cat == lv).to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = _pool(y[m], v[m], method=method, alpha=alpha, test=t)
        if m.sum() == 1:
            warnings.warn(
                f"subgroup {lv!r} has a single study: its heterogeneity is not estimable",
                stacklevel=2,
            )
        rows.append(
            {
                "group": lv,
                "k": int(m.sum()),
                "estimate": r.estimate,
                "se": r.se,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "p_value": r.p_value,
                "tau2": r.tau2,
                "i2": r.i2,
                "q": r.q,
                "q_p_value": r.q_p_value,
            }
        )
    table = pd.DataFrame(rows)
    est = table["estimate"].to_numpy(float)
    wg = 1.0 / table["se"].to_numpy(float) ** 2
    qb = float(np.sum(wg * (est - np.sum(wg * est) / np.sum(wg)) ** 2))
    G = len(levels)
    X = np.column_stack([np.ones(k)] + [(cat == lv).to_numpy(float) for lv in levels[1:]])
    qm = qm_p = tau2_common = math.nan
    if k > G or (method == "FE" and k == G):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = fit_rma(y, v, X, method=method, test=t, alpha=alpha)
        qm, qm_p, tau2_common = fit.qm, fit.qm_p, fit.tau2
    return SubgroupResult(
        table=table,
        q_between=qb,
        q_between_df=G - 1,
        q_between_p_value=float(stats.chi2.sf(qb, G - 1)),
        qm=qm,
        qm_df=G - 1,
        qm_p_value=qm_p,
        tau2_common=tau2_common,
        k=k,
        method=method,
        test="t" if t in ("knha", "t") else "z",
    )
