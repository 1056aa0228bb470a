"""Leave-one-out and case-influence diagnostics (metafor's ``leave1out`` and ``influence``)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from kneestudy._results import Result, frame_to_html
from kneestudy.errors import AnalysisError
from kneestudy.meta._tau2 import RmaFit, fit_rma
from kneestudy.meta.results import (
    check_alpha,
    check_method,
    check_test,
    check_yi_vi,
    resolve_labels,
)

__all__ = ["InfluenceResult", "Leave1OutResult", "influence", "leave1out"]


@dataclass(frozen=True)
class _TableResult(Result):
    table: pd.DataFrame = field(repr=False)
    method: str = "REML"
    hksj: bool = False
    k: int = 0

    def to_frame(self) -> pd.DataFrame:
        """The per-study table, at full precision."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        return f"<div><strong>{self._title}</strong>{frame_to_html(self.table)}</div>"


@dataclass(frozen=True)
class Leave1OutResult(_TableResult):
    """Pooled results with each study left out in turn (``.table``, one row per study).

    Columns: label, estimate, se, statistic, p_value, ci_low, ci_high, q,
    q_p_value, tau2, i2, h2 (the row for study i is the fit without study i).
    """

    _title: str = field(default="Leave-one-out meta-analysis", repr=False)


@dataclass(frozen=True)
class InfluenceResult(_TableResult):
    """Case-influence diagnostics (``.table``, one row per study).

    Columns: label, rstudent, dffits, cook_d, cov_r, tau2_del, qe_del, hat,
    weight (percent), dfbetas, influential (metafor's ``*`` flag).
    """

    _title: str = field(default="Influence diagnostics", repr=False)

    @property
    def influential(self) -> list[str]:
        """Labels of the studies flagged as influential."""
        return list(self.table.loc[self.table["influential"], "label"])


def _prepare(yi, vi, method, hksj, alpha, labels, test):
    from kneestudy.meta.pool import PoolResult

    if isinstance(yi, PoolResult):
        res = yi
        s = res.studies
        return (
            s["yi"].to_numpy(float),
            s["vi"].to_numpy(float),
            res.method,
            "knha" if res.hksj else ("t" if res.test == "t" else "z"),
            res.alpha,
            list(s["label"]),
        )
    if vi is None:
        raise AnalysisError("give yi and vi, or a PoolResult from pool()")
    method = check_method(method)
    alpha = check_alpha(alpha)
    lab = resolve_labels(labels, len(np.atleast_1d(np.asarray(yi, dtype=object))))
    y, v = check_yi_vi(yi, vi, lab)
    return y, v, method, check_test(test, hksj, method), alpha, lab


def _fit_quiet(y, v, X, method, test, alpha) -> RmaFit | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fit_rma(y, v, X, method=method, test=test, alpha=alpha)
        except (AnalysisError, np.linalg.LinAlgError):
            return None


def leave1out(
    yi: Any,
    vi: Sequence[float] | np.ndarray | None = None,
    method: str = "REML",
    hksj: bool = False,
    alpha: float = 0.05,
    labels: Sequence[Any] | None = None,
    test: str | None = None,
) -> Leave1OutResult:
    """Leave-one-out meta-analysis: refit :func:`~kneestudy.meta.pool` without each study.

    Equals metafor's ``leave1out(rma(yi, vi, method=, test=))``. The row for
    study i holds the pooled estimate, its CI and test, Q, τ², I² and H²
    from the other k − 1 studies.

    Parameters
    ----------
    yi : array-like or PoolResult
        Effect sizes, or a :class:`~kneestudy.meta.pool.PoolResult` (then its
        data, method, HKSJ choice and alpha are used and the rest ignored).
    vi, method, hksj, alpha, labels, test
        As for :func:`~kneestudy.meta.pool`.

    Returns
    -------
    Leave1OutResult

    Examples
    --------
    >>> from kneestudy.meta import leave1out
    >>> l1o = leave1out([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL")
    >>> l1o.table.shape[0]
    4
    """
    y, v, method, t, alpha, lab = _prepare(yi, vi, method, hksj, alpha, labels, test)
    k = y.shape[0]
    if k < 2:
        raise AnalysisError("leave-one-out needs at least 2 studies")
    rows = []
    keep = np.ones(k, dtype=bool)
    for i in range(k):
        keep[:] = True
        keep[i] = False
        f = _fit_quiet(y[keep], v[keep], None, method, t, alpha)
        nan = math.nan
        rows.append(
            {
                "label": lab[i],
                "estimate": float(f.beta[0]) if f else nan,
                "se": float(f.se[0]) if f else nan,
                "statistic": float(f.stat[0]) if f else nan,
                "p_value": float(f.pval[0]) if f else nan,
                "ci_low": float(f.ci_lb[0]) if f else nan,
                "ci_high": float(f.ci_ub[0]) if f else nan,
                "q": f.qe if f else nan,
                "q_p_value": f.qe_p if f else nan,
                "tau2": f.tau2 if f else nan,
                "i2": f.i2 if f else nan,
                "h2": f.h2 if f else nan,
            }
        )
    return Leave1OutResult(table=pd.DataFrame(rows), method=method, hksj=t == "knha", k=k)


def influence(
    yi: Any,
    vi: Sequence[float] | np.ndarray | None = None,
    method: str = "REML",
    hksj: bool = False,
    alpha: float = 0.05,
    labels: Sequence[Any] | None = None,
    test: str | None = None,
) -> InfluenceResult:
    r"""Case-influence diagnostics, as metafor's ``influence(rma)`` (Viechtbauer & Cheung 2010).

    For study i, with :math:`\hat\theta_{(-i)}`, :math:`\hat\tau^2_{(-i)}` and
    :math:`s^2_{w(-i)}` (HKSJ factor, 1 without HKSJ) from the fit without it:

    - ``rstudent`` :math:`= (y_i - \hat\theta_{(-i)}) / \sqrt{s^2_{w(-i)}(v_i +
      \hat\tau^2_{(-i)}) + \mathrm{Var}(\hat\theta_{(-i)})}`
    - ``dffits`` :math:`= (\hat\theta - \hat\theta_{(-i)}) / \sqrt{s^2_{w(-i)} h_i
      (\hat\tau^2_{(-i)} + v_i)}`
    - ``cook_d`` :math:`= (\hat\theta - \hat\theta_{(-i)})^2 / \mathrm{Var}(\hat\theta)`
    - ``cov_r`` :math:`= \mathrm{Var}(\hat\theta_{(-i)}) / \mathrm{Var}(\hat\theta)`
    - ``dfbetas`` :math:`= (\hat\theta - \hat\theta_{(-i)}) / \sqrt{s^2_{w(-i)}
      / \sum_j (v_j + \hat\tau^2_{(-i)})^{-1}}`
    - ``hat`` :math:`h_i = w_i/\sum w_j`, ``weight`` in percent, ``tau2_del``,
      ``qe_del``.

    A study is flagged ``influential`` when \|dffits\| > 3√(1/(k−1)), or
    P(χ²₁ ≤ cook_d) > 0.5, or hat > 3/k, or \|dfbetas\| > 1 (metafor's rule).

    Parameters
    ----------
    yi, vi, method, hksj, alpha, labels, test
        As for :func:`leave1out`.

    Returns
    -------
    InfluenceResult

    References
    ----------
    Viechtbauer W, Cheung MWL (2010). Outlier and influence diagnostics for
    meta-analysis. Res Synth Methods 1:112-125.

    Examples
    --------
    >>> from kneestudy.meta import influence
    >>> inf = influence([0.1, 0.3, 0.35, 0.6, 1.9], [0.01, 0.02, 0.015, 0.03, 0.02])
    >>> list(inf.table.columns)[:3]
    ['label', 'rstudent', 'dffits']
    """
    y, v, method, t, alpha, lab = _prepare(yi, vi, method, hksj, alpha, labels, test)
    k = y.shape[0]
    if k < 2:
        raise AnalysisError("influence diagnostics need at least 2 studies")
    full = fit_rma(y, v, None, method=method, test=t, alpha=alpha)
    p = 1
    beta = float(full.beta[0])
    vb = float(full.vb[0, 0])
    w = full.weights
    hat = w / w.sum()
    weight = 100 * hat
    cols: dict[str, list[float]] = {
        c: [] for c in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del", "dfbetas")
    }
    keep = np.ones(k, dtype=bool)
    for i in range(k):
        keep[:] = True
        keep[i] = False
        f = _fit_quiet(y[keep], v[keep], None, method, t, alpha)
        if f is None:
            for c in cols:
                cols[c].append(math.nan)
            continue
        b_del = float(f.beta[0])
        vb_del = float(f.vb[0, 0])
        s2w = f.s2w
        resid = y[i] - b_del
        if abs(resid) < 100 * np.finfo(float).eps:
            resid = 0.0
        cols["rstudent"].append(resid / math.sqrt(v[i] * s2w + vb_del + f.tau2 * s2w))
        cols["dffits"].append((beta - b_del) / math.sqrt(s2w * hat[i] * (f.tau2 + v[i])))
        cols["cook_d"].append((beta - b_del) ** 2 / vb)
        cols["cov_r"].append(vb_del / vb)
        cols["tau2_del"].append(f.tau2)
        cols["qe_del"].append(f.qe)
        vb_all = 1.0 / np.sum(1.0 / (v + f.tau2))
        cols["dfbetas"].append((beta - b_del) / math.sqrt(s2w * vb_all))
    table = pd.DataFrame({"label": lab, **cols, "hat": hat, "weight": weight})
    table = table[
        [
            "label",
            "rstudent",
            "dffits",
            "cook_d",
            "cov_r",
            "tau2_del",
            "qe_del",
            "hat",
            "weight",
            "dfbetas",
        ]
    ]
    with np.errstate(invalid="ignore"):
        flag = (
            (np.abs(table["dffits"]) > 3 * math.sqrt(p / (k - p)))
            | (stats.chi2.cdf(table["cook_d"], 1) > 0.5)
            | (table["hat"] > 3 * p / k)
            | (np.abs(table["dfbetas"]) > 1)
        )
    table["influential"] = flag.fillna(False).astype(bool)
    return InfluenceResult(table=table, method=method, hksj=t == "knha", k=k)
