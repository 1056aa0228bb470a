r"""Additive component network meta-analysis (Rücker, Petropoulou & Schwarzer 2020).

An arm that combines several interventions (``a+b``) is the sum of its
components: with the treatment-by-component matrix :math:`C`, the true
effects of the treatments are :math:`\theta = C\beta` and a contrast of two
arms is the difference of their component sums, so a component common to both
arms cancels. Inactive components (usual care, placebo, …) carry no effect and
are left out of :math:`C`. This is netmeta's ``netcomb`` (connected networks)
and ``discomb`` (networks whose parts are joined only by shared components):
the model is the meta-regression of the study contrasts on their component
differences without an intercept, fitted by GLS with the exact multi-arm
covariance (:mod:`kneestudy.meta.component_core`).

- Common effect: :math:`\hat\beta = (X^\top S^{-1} X)^{+} X^\top S^{-1} y`.
- Random effects: a common :math:`\tau^2` added to every pairwise variance
  (correlation 1/2 within multi-arm studies), estimated by netcomb's
  generalised DerSimonian–Laird method from the additive model's
  :math:`Q_{add}` (``method_tau="DL"``) or by REML.
- Additivity test (netcomb): :math:`Q_{diff} = Q_{add} - Q_{std}` on
  :math:`\operatorname{rank}(B) - \operatorname{rank}(X)` degrees of freedom,
  :math:`Q_{std}` being the common-effect Q of the standard network (each
  treatment as given its own node). netmeta leaves the test out for a
  disconnected standard network (``discomb``); here the standard model is then
  fitted within each connected part (its Q is the sum over the parts), which
  keeps the two models nested, and the result says so.
- Components the design cannot identify (e.g. two that always appear
  together) are reported as not estimable (``NaN``, netmeta's
  ``na.unident = TRUE``), with the reason in ``notes``; so are the
  combinations that contain them.
- Prediction intervals: :math:`\hat\beta \pm t_{df}\sqrt{se^2 + \tau^2}` with
  the additive model's residual degrees of freedom, given when ``df ≥ 2`` (as
  netmeta does for networks).

A model in which every treatment is a component of its own (``components=
{t: (t,)}``, the reference inactive) is the standard network meta-analysis,
:func:`kneestudy.meta.network`.

References
----------
Rücker G, Petropoulou M, Schwarzer G (2020). Network meta-analysis of
multicomponent interventions. *Biom J* 62:808–821. Welton NJ, Caldwell DM,
Adamopoulos E, Vedhara K (2009). Mixed treatment comparison meta-analysis of
complex interventions. *Am J Epidemiol* 169:1158–1165. Rücker G, Krahn U,
König J, Efthimiou O, Schwarzer G (2024). netmeta: Network meta-analysis using
frequentist methods (``netcomb``, ``discomb``).
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm
from scipy.stats import t as t_dist

from kneestudy._results import Result, format_number, frame_to_html
from kneestudy.errors import AnalysisError
from kneestudy.interventions import INACTIVE
from kneestudy.meta import component_core as cc
from kneestudy.meta import network_core as core
from kneestudy.meta.network_data import components as connected_parts
from kneestudy.meta.network_data import graph, prepare
from kneestudy.meta.network_rank import pscores as _pscores

__all__ = ["AdditivityTest", "ComponentNetworkResult", "component_network"]


@dataclass(frozen=True)
class AdditivityTest(Result):
    """netcomb's test of the additive model against the standard network.

    Attributes
    ----------
    q_additive, df_additive, p_additive : float
        Common-effect Q of the additive model, its degrees of freedom
        ``Σ(k_s − 1) − rank(X)`` and p-value.
    q_standard, df_standard, p_standard : float
        The same for the standard network (every treatment its own node).
    q_diff, df_diff, p_value : float
        ``q_additive − q_standard`` on ``df_additive − df_standard`` degrees of
        freedom and its chi-square p-value (NaN when df = 0).
    standard_parts : int
        Connected parts of the standard network (> 1: fitted within each part).
    """

    q_additive: float
    df_additive: int
    p_additive: float
    q_standard: float
    df_standard: int
    p_standard: float
    q_diff: float
    df_diff: int
    p_value: float
    standard_parts: int

    _title = "Additivity test (additive model vs standard network)"


@dataclass(frozen=True)
class ComponentNetworkResult(Result):
    """Result of :func:`component_network`.

    Attributes
    ----------
    inactive : tuple of str
        Codes treated as carrying no effect.
    random : bool
        Whether ``components`` and ``combinations`` are the random-effects model.
    method_tau : str
        "DL" or "REML".
    tau2, tau, i2 : float
        Heterogeneity of the additive model (I² in percent from its Q and df).
    q, df_q, q_p_value : float
        Common-effect Q of the additive model, degrees of freedom, p-value.
    n_studies, n_treatments, n_components, rank : int
        ``rank`` is the number of independent component contrasts identified.
    alpha : float
    pi_df : int
        Degrees of freedom of the prediction intervals (``df_q``; intervals
        are NaN when it is below 2).
    additivity : AdditivityTest
    components : DataFrame
        component, estimate, se, ci_low, ci_high, pi_low, pi_high, p_value,
        estimable, n_studies (studies whose arms differ in the component),
        for the selected model; ``components_common`` / ``components_random``
        for each model.
    combinations : DataFrame
        Every observed treatment against the inactive reference as the sum of
        its components: treatment, components, the same columns;
        ``combinations_common`` / ``combinations_random``.
    not_estimable : tuple of str
        Components the design does not identify.
    nodes, edges : DataFrame
        Graph of the treatments as given.
    vcov : DataFrame
        Covariance of the selected model's component estimates (NaN rows for
        components that are not estimable).
    notes : tuple of str
    """

    inactive: tuple[str, ...]
    random: bool
    method_tau: str
    small_values: str
    tau2: float
    tau: float
    i2: float
    q: float
    df_q: int
    q_p_value: float
    n_studies: int
    n_treatments: int
    n_components: int
    rank: int
    alpha: float
    pi_df: int
    additivity: AdditivityTest = field(repr=False)
    components: pd.DataFrame = field(repr=False)
    components_common: pd.DataFrame = field(repr=False)
    components_random: pd.DataFrame = field(repr=False)
    combinations: pd.DataFrame = field(repr=False)
    combinations_common: pd.DataFrame = field(repr=False)
    combinations_random: pd.DataFrame = field(repr=False)
    not_estimable: tuple[str, ...] = field(repr=False)
    nodes: pd.DataFrame = field(repr=False)
    edges: pd.DataFrame = field(repr=False)
    vcov: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()
    _state: Any = field(default=None, repr=False, compare=False)

    _title = "Additive component network meta-analysis"

    @property
    def component_names(self) -> list[str]:
        """Components in model order."""
        return list(self.components["component"])

    def _vector(self, what: str | Iterable[str] | Mapping[str, float]) -> np.ndarray:
        names = self.component_names
        index = {c: i for i, c in enumerate(names)}
        st = self._state
        if isinstance(what, str):
            if what in index:
                what = {what: 1.0}
            elif what in st["treatment_index"]:
                return st["C"][st["treatment_index"][what]].copy()
            else:
                raise AnalysisError(
                    f"{what!r} is neither a component ({names}) nor a treatment of the network"
                )
        if not isinstance(what, Mapping):
            what = {c: 1.0 for c in what}
        a = np.zeros(len(names))
        for c, w in what.items():
            if c not in index:
                raise AnalysisError(f"unknown component {c!r}; components: {names}")
            a[index[c]] += float(w)
        return a

    def estimate_of(self, what: str | Iterable[str] | Mapping[str, float]) -> pd.Series:
        """Any sum of components against the inactive reference (netmeta's ``netcomplex``).

        ``what`` is a component, an observed treatment, a list of components
        (their sum) or a mapping component -> coefficient (e.g. ``{"a": 1,
        "b": -1}`` for the comparison of ``a`` with ``b``). Returns estimate,
        se, ci_low, ci_high, pi_low, pi_high, p_value (selected model) and
        ``estimable``; NaN where the design does not identify it.
        """
        a = self._vector(what)
        st = self._state
        fit = st["random_fit"] if self.random else st["common_fit"]
        return pd.Series(_summary(a, fit, st["design"], self.alpha, self.tau2, self.pi_df))

    def joint(
        self, whats: Iterable[str | Iterable[str] | Mapping[str, float]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Estimates of several sums of components and their covariance (selected model).

        Each item is as for :meth:`estimate_of`; all must be estimable.
        """
        a = np.array([self._vector(w) for w in whats])
        st = self._state
        fit = st["random_fit"] if self.random else st["common_fit"]
        if not all(st["design"].estimable(v) for v in a):
            raise AnalysisError("every estimate must be identified by the network")
        return a @ fit.beta, a @ fit.cov @ a.T

    def study_weights(self, what: str | Iterable[str] | Mapping[str, float]) -> pd.DataFrame:
        """Percentage study weights of an estimate (Riley et al. 2018), selected model.

        Returns one row per study: ``study`` and ``weight`` (shares summing to
        1). A study with weight 0 does not inform the estimate.
        """
        a = self._vector(what)
        st = self._state
        fit = st["random_fit"] if self.random else st["common_fit"]
        if not st["design"].estimable(a):
            raise AnalysisError("the estimate is not identified by the network; no weights")
        w = cc.study_weights(fit, st["design"], a)
        studies = st["studies"]
        rows = []
        for members, ws in zip(st["groups"].members, w, strict=True):
            rows.extend(
                {"study": studies[i], "weight": float(x)} for i, x in zip(members, ws, strict=True)
            )
        out = pd.DataFrame(rows)
        order = {s: i for i, s in enumerate(studies)}
        return out.sort_values("study", key=lambda s: s.map(order)).reset_index(drop=True)

    def pscores(
        self, components: Iterable[str] | None = None, small_values: str | None = None
    ) -> pd.DataFrame:
        """P-scores (Rücker & Schwarzer 2015) among estimable components (default: all).

        Returns component, p_score, rank (1 = best). Needs at least two.
        """
        names = [c for c in (components or self.component_names) if c not in self.not_estimable]
        if len(names) < 2:
            raise AnalysisError("P-scores need at least two estimable components")
        idx = [self.component_names.index(c) for c in names]
        st = self._state
        fit = st["random_fit"] if self.random else st["common_fit"]
        ps = _pscores(fit.beta[idx], fit.cov[np.ix_(idx, idx)], small_values or self.small_values)
        rank = pd.Series(ps).rank(ascending=False, method="min").astype(int).to_numpy()
        return pd.DataFrame({"component": names, "p_score": ps, "rank": rank})

    def to_frame(self) -> pd.DataFrame:
        """The component effects of the selected model (full precision)."""
        return self.components.copy()

    def _repr_html_(self) -> str:
        model = "random effects" if self.random else "common effect"
        a = self.additivity
        head = (
            f"{self.n_studies} studies, {self.n_treatments} treatments, "
            f"{self.n_components} components; {model} (τ² = {format_number(self.tau2, 4)} "
            f"[{self.method_tau}], I² = {format_number(self.i2, 1)}%, Q = "
            f"{format_number(self.q, 2)} on {self.df_q} df); additivity: Q diff = "
            f"{format_number(a.q_diff, 2)} on {a.df_diff} df, p = {format_number(a.p_value, 4)}"
        )
        return (
            f"<div><strong>{html.escape(self._title)}</strong><p>{html.escape(head)}</p>"
            f"{frame_to_html(self.components)}"
            f"{frame_to_html(self.combinations, caption='Observed treatments')}</div>"
        )


def _crit(alpha: float, pi_df: int) -> tuple[float, float]:
    z = float(norm.ppf(1 - alpha / 2))
    t = float(t_dist.ppf(1 - alpha / 2, pi_df)) if pi_df >= 2 else float("nan")
    return z, t


def _summary(
    a: np.ndarray, fit: cc.LinearFit, des: cc.Design, alpha: float, tau2: float, pi_df: int,
    crit: tuple[float, float] | None = None,
) -> dict[str, Any]:  # fmt: skip
    if not des.estimable(a):
        nan = float("nan")
        return dict(estimate=nan, se=nan, ci_low=nan, ci_high=nan, pi_low=nan, pi_high=nan,
                    p_value=nan, estimable=False)  # fmt: skip
    z, t = crit if crit is not None else _crit(alpha, pi_df)
    est = float(a @ fit.beta)
    se = float(np.sqrt(max(float(a @ fit.cov @ a), 0.0)))
    if pi_df >= 2:
        half = t * np.sqrt(se**2 + tau2)
        plo, phi = est - half, est + half
    else:
        plo = phi = float("nan")
    p = float(2 * norm.sf(abs(est / se))) if se > 0 else float("nan")
    return dict(estimate=est, se=se, ci_low=est - z * se, ci_high=est + z * se, pi_low=plo,
                pi_high=phi, p_value=p, estimable=True)  # fmt: skip


def _table(
    names: list[str], vectors: np.ndarray, fit: cc.LinearFit, des: cc.Design, alpha: float,
    tau2: float, pi_df: int, key: str,
) -> pd.DataFrame:  # fmt: skip
    crit = _crit(alpha, pi_df)
    rows = [
        {key: n, **_summary(v, fit, des, alpha, tau2, pi_df, crit)}
        for n, v in zip(names, vectors, strict=True)
    ]
    return pd.DataFrame(rows)


def _components_matrix(
    treatments: list[str],
    inactive: Iterable[str],
    components: Mapping[str, Iterable[str]] | None,
    sep: str,
) -> tuple[np.ndarray, list[str], list[tuple[str, ...]]]:
    off = {str(x).strip() for x in inactive}
    comps_of: list[tuple[str, ...]] = []
    for t in treatments:
        if components is not None and t in components:
            parts = [str(c).strip() for c in components[t]]
        else:
            parts = [p.strip() for p in t.split(sep)] if sep else [t]
        kept = tuple(dict.fromkeys(p for p in parts if p and p not in off))
        comps_of.append(kept)
    names = sorted({c for cs in comps_of for c in cs})
    index = {c: i for i, c in enumerate(names)}
    mat = np.zeros((len(treatments), len(names)))
    for i, cs in enumerate(comps_of):
        for c in cs:
            mat[i, index[c]] = 1.0
    return mat, names, comps_of


def _explain_unidentified(des: cc.Design, names: list[str], xcols: np.ndarray) -> list[str]:
    """netmeta's wording: components that always appear together, and the rest."""
    loads = np.abs(des.null).max(axis=1) if des.null.shape[1] else np.zeros(len(names))
    bad = [i for i in range(len(names)) if loads[i] > 1e-8]
    notes: list[str] = []
    seen: set[int] = set()
    for i in bad:
        if i in seen:
            continue
        same = [j for j in bad if j not in seen and np.allclose(xcols[:, i], xcols[:, j])]
        if len(same) > 1 and np.abs(xcols[:, i]).sum() > 0:
            seen.update(same)
            group = " + ".join(names[j] for j in same)
            notes.append(
                f"components {group} always appear together in the compared arms: each is not "
                f"estimable on its own, only their sum ({group})"
            )
    rest = [names[i] for i in bad if i not in seen]
    if rest:
        notes.append(
            "not estimable from this network (no comparison isolates it): " + ", ".join(rest)
        )
    return notes


def component_network(
    contrasts: pd.DataFrame,
    inactive: Iterable[str] = INACTIVE,
    random: bool = True,
    method_tau: str = "DL",
    alpha: float = 0.05,
    *,
    components: Mapping[str, Iterable[str]] | None = None,
    sep: str = "+",
    study: str = "study_id",
    treatment: str = "treatment",
    comparator: str = "comparator",
    estimate: str = "estimate",
    se: str = "se",
    small_values: str = "desirable",
) -> ComponentNetworkResult:
    r"""Fit the additive component network meta-analysis (netmeta's ``netcomb``/``discomb``).

    Parameters
    ----------
    contrasts : DataFrame
        As for :func:`kneestudy.meta.network`: one row per comparison (study,
        treatment, comparator, estimate as treatment minus comparator, se;
        optionally ``n_treatment``/``n_comparator``); multi-arm studies give
        all their pairs or their ``k − 1`` comparisons against one arm.
    inactive : iterable of str
        Components without an effect (default: usual care, wait and see,
        placebo, sham, flat inserts). Any other component has its own effect.
    random : bool
        Report random effects (True) or the common-effect model.
    method_tau : {"DL", "REML"}
        Heterogeneity estimator of the additive model (module docstring).
    alpha : float
        1 − confidence level of the intervals.
    components : mapping, optional
        Treatment -> its components (netmeta's ``C.matrix``). Treatments not
        named are split on ``sep``.
    sep : str
        Separator of components in a treatment code (``"+"``; whitespace
        around parts is ignored). ``""`` makes every treatment one component.
    study, treatment, comparator, estimate, se : str
        Column names.
    small_values : {"desirable", "undesirable"}
        Direction for :meth:`ComponentNetworkResult.pscores`.

    Returns
    -------
    ComponentNetworkResult

    Raises
    ------
    AnalysisError
        For the input errors of :func:`kneestudy.meta.network`, or when the
        network identifies no component at all.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"study_id": ["s1", "s2", "s3"],
    ...                   "treatment": ["a", "a+b", "b"], "comparator": ["placebo", "a", "placebo"],
    ...                   "estimate": [-1.0, -0.5, -0.6], "se": [0.4, 0.3, 0.5]})
    >>> res = component_network(c, random=False)
    >>> res.components[["component", "estimate"]].round(3).to_numpy().tolist()
    [['a', -1.0], ['b', -0.526]]
    """
    method_tau = str(method_tau).upper()
    if method_tau not in ("DL", "REML"):
        raise AnalysisError('method_tau must be "DL" or "REML"')
    if not 0 < alpha < 1:
        raise AnalysisError("alpha must lie between 0 and 1")
    inactive = tuple(str(x) for x in ([inactive] if isinstance(inactive, str) else inactive))
    data = prepare(contrasts, study, treatment, comparator, estimate, se)
    treatments = data.treatments
    n = len(treatments)
    cmat, names, comps_of = _components_matrix(treatments, inactive, components, sep)
    if not names:
        raise AnalysisError(
            "every treatment is inactive: there is no component to estimate "
            f"(inactive: {list(inactive)})"
        )
    groups = core.group(data.studies, n)
    rows = [cmat[arms] for arms, _, _ in groups.batches]
    des = cc.design(groups, rows, len(names))
    if des.rank == 0:
        raise AnalysisError(
            "no component effect is identified: no comparison differs in its active components"
        )
    if len(data.studies) < 2:
        warnings.warn(
            "a network of a single study: its estimates are that study's, and "
            "heterogeneity cannot be estimated",
            stacklevel=2,
        )
    df_add = groups.n_contrasts - des.rank
    if df_add <= 0 and len(data.studies) >= 2:
        warnings.warn(
            "no degrees of freedom for heterogeneity in the additive model: tau² is set to 0 "
            "and prediction intervals are undefined",
            stacklevel=2,
        )
    common = cc.gls(groups, des, 0.0)
    tau2 = cc.dl_tau2(groups, des, common)
    if method_tau == "REML":
        tau2 = cc.reml_tau2(groups, des, tau2)
    rand = cc.gls(groups, des, tau2)
    pi_df = int(df_add)

    # additivity: the standard network on the treatments as given
    std_rows = [np.eye(n)[arms] for arms, _, _ in groups.batches]
    pairs = [(int(b.arms[0]), int(a)) for b in data.studies for a in b.arms[1:]]
    parts = connected_parts(treatments, pairs)
    n_parts = len(parts)
    index = {t: i for i, t in enumerate(treatments)}
    std_des = cc.design_dropping(std_rows, n, [index[p[0]] for p in parts])
    std_fit = cc.gls(groups, std_des, 0.0)
    df_std = groups.n_contrasts - std_des.rank
    q_diff = common.q - std_fit.q
    if abs(q_diff) < np.finfo(float).eps ** 0.75 * max(1.0, common.q):
        q_diff = 0.0
    df_diff = std_des.rank - des.rank
    additivity = AdditivityTest(
        q_additive=float(common.q),
        df_additive=int(df_add),
        p_additive=float(chi2.sf(common.q, df_add)) if df_add > 0 else float("nan"),
        q_standard=float(std_fit.q),
        df_standard=int(df_std),
        p_standard=float(chi2.sf(std_fit.q, df_std)) if df_std > 0 else float("nan"),
        q_diff=float(q_diff),
        df_diff=int(df_diff),
        p_value=float(chi2.sf(q_diff, df_diff)) if df_diff > 0 else float("nan"),
        standard_parts=int(n_parts),
    )

    eye = np.eye(len(names))
    comp_c = _table(names, eye, common, des, alpha, tau2, pi_df, "component")
    comp_r = _table(names, eye, rand, des, alpha, tau2, pi_df, "component")
    xcols = np.concatenate([(r[:, 1:, :] - r[:, :1, :]).reshape(-1, len(names)) for r in rows])
    per_study = np.concatenate(
        [np.abs(r[:, 1:, :] - r[:, :1, :]).sum(axis=1) for r in rows], axis=0
    )
    n_comp_studies = (per_study > 0).sum(axis=0).astype(int)
    for t in (comp_c, comp_r):
        t["n_studies"] = n_comp_studies
    joined = ["+".join(cs) for cs in comps_of]
    comb_c = _table(treatments, cmat, common, des, alpha, tau2, pi_df, "treatment")
    comb_r = _table(treatments, cmat, rand, des, alpha, tau2, pi_df, "treatment")
    for t in (comb_c, comb_r):
        t.insert(1, "components", joined)
    not_est = tuple(n_ for n_, ok in zip(names, comp_c["estimable"], strict=True) if not ok)
    chosen = rand if random else common
    cov = chosen.cov.copy()
    bad = np.array([not ok for ok in comp_c["estimable"]])
    cov[bad, :] = np.nan
    cov[:, bad] = np.nan
    notes = list(data.notes)
    notes.extend(_explain_unidentified(des, names, xcols))
    if n_parts > 1:
        notes.append(
            f"the standard network falls into {n_parts} parts joined only by shared components; "
            "its Q for the additivity test is the sum over the parts (netmeta's discomb "
            "reports no test here)"
        )
    nodes, edges = graph(data, treatments)
    q = float(common.q)
    state = {
        "groups": groups,
        "design": des,
        "common_fit": common,
        "random_fit": rand,
        "C": cmat,
        "treatment_index": {t: i for i, t in enumerate(treatments)},
        "studies": [b.study for b in data.studies],
        "blocks": data.studies,
        "treatments": treatments,
    }
    return ComponentNetworkResult(
        inactive=inactive,
        random=bool(random),
        method_tau=method_tau,
        small_values=small_values,
        tau2=float(tau2),
        tau=float(np.sqrt(tau2)),
        i2=float(max(0.0, (q - df_add) / q) * 100) if df_add > 0 and q > 0 else 0.0,
        q=q,
        df_q=int(df_add),
        q_p_value=additivity.p_additive,
        n_studies=len(data.studies),
        n_treatments=n,
        n_components=len(names),
        rank=int(des.rank),
        alpha=alpha,
        pi_df=pi_df,
        additivity=additivity,
        components=comp_r if random else comp_c,
        components_common=comp_c,
        components_random=comp_r,
        combinations=comb_r if random else comb_c,
        combinations_common=comb_c,
        combinations_random=comb_r,
        not_estimable=not_est,
        nodes=nodes,
        edges=edges,
        vcov=pd.DataFrame(cov, index=names, columns=names),
        notes=tuple(notes),
        _state=state,
    )
