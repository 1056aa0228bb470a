r"""Incoherence in a network: the design-by-treatment interaction test and node splitting.

Both work on the standard network whose nodes may be given by a mapping
``nodes`` (treatment code -> node; default: every treatment its own node), so
that arms of one study may share a node (their contrast then informs
heterogeneity only, in both models alike).

Design-by-treatment interaction (Higgins et al. 2012; White et al. 2012): the
inconsistency model gives every *design* (the set of nodes a study compares)
its own effects, one per node other than the design's first node; the
consistency model is the standard network. Both are GLS fits with the exact
multi-arm covariance (:mod:`kneestudy.meta.component_core`).

- Common effect: :math:`Q_{between} = Q_{consistency} - Q_{inconsistency}`
  (the Krahn, Binder & König 2013 decomposition: :math:`Q_{inconsistency}` is
  the within-design Q) on
  :math:`df = \operatorname{rank}(X_{inc}) - \operatorname{rank}(X_{cons})`.
- Random effects (Higgins 2012; netmeta's ``decomp.design`` ``Q.inc.random``):
  :math:`\tau^2` is estimated in the full design-by-treatment interaction
  model (``method_tau="DL"``: the method of moments, netmeta's
  ``tau.within``; ``"REML"``: restricted likelihood of that model) and the
  Wald statistic of the design terms at that :math:`\tau^2`,
  :math:`Q_{cons}(\tau^2) - Q_{inc}(\tau^2)`, is referred to :math:`\chi^2_{df}`.
  This is the statistic of ``metafor::rma.mv`` with design terms added to the
  consistency model (``QM`` of the design coefficients).

Node splitting: back-calculation (SIDE; König, Krahn & Binder 2013), as
:func:`kneestudy.meta.network_split.netsplit`, on the standard network of
``nodes`` at its own :math:`\tau^2`.

References
----------
Higgins JPT, Jackson D, Barrett JK, Lu G, Ades AE, White IR (2012). Consistency
and inconsistency in network meta-analysis: concepts and models for multi-arm
studies. *Res Synth Methods* 3:98–110. White IR, Barrett JK, Jackson D,
Higgins JPT (2012). Consistency and inconsistency in network meta-analysis:
model estimation using multivariate meta-regression. *Res Synth Methods*
3:111–125. Krahn U, Binder H, König J (2013). A graphical tool for locating
inconsistency in network meta-analyses. *BMC Med Res Methodol* 13:35.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import chi2

from kneestudy._results import Result, format_number, frame_to_html
from kneestudy.errors import AnalysisError
from kneestudy.meta import component_core as cc
from kneestudy.meta import network_core as core
from kneestudy.meta.network_data import NetworkData, components, prepare
from kneestudy.meta.network_split import netsplit

__all__ = ["DesignByTreatmentResult", "design_by_treatment", "node_split"]


@dataclass(frozen=True)
class DesignByTreatmentResult(Result):
    """Result of :func:`design_by_treatment`.

    Attributes
    ----------
    q_total, df_total : float, int
        Common-effect Q of the consistency (standard) model.
    q_within, df_within : float, int
        Within-design Q (the inconsistency model's Q).
    q_between, df_between, p_value_common : float, int, float
        Between-design Q of the common-effect model and its p-value.
    method_tau : str
    tau2_within : float
        τ² of the full design-by-treatment interaction model.
    q_random, p_value : float
        Wald statistic of the design terms at ``tau2_within`` (same df) and its
        p-value: the random-effects design-by-treatment test.
    n_designs, n_studies : int
    designs : DataFrame
        design, n_studies, q_within, df_within, p_value (within-design Q per
        design with more than one study).
    notes : tuple of str
    """

    q_total: float
    df_total: int
    q_within: float
    df_within: int
    q_between: float
    df_between: int
    p_value_common: float
    method_tau: str
    tau2_within: float
    q_random: float
    p_value: float
    n_designs: int
    n_studies: int
    designs: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    _title = "Design-by-treatment interaction test"

    @property
    def assessable(self) -> bool:
        """False when no design can disagree with another (``df_between == 0``)."""
        return self.df_between > 0

    def _repr_html_(self) -> str:
        head = (
            f"Between designs: Q = {format_number(self.q_between, 3)} on {self.df_between} df "
            f"(p = {format_number(self.p_value_common, 4)}, common effect); random effects "
            f"(τ² within designs = {format_number(self.tau2_within, 4)} [{self.method_tau}]): "
            f"Q = {format_number(self.q_random, 3)}, p = {format_number(self.p_value, 4)}"
        )
        return (
            f"<div><strong>{html.escape(self._title)}</strong><p>{html.escape(head)}</p>"
            f"{frame_to_html(self.designs)}</div>"
        )


def _node_rows(
    data: NetworkData, nodes: Mapping[str, str] | None
) -> tuple[core.Groups, list[str], np.ndarray]:
    """Groups of the studies and each treatment's node index."""
    treatments = data.treatments
    node_of = [str(nodes.get(t, t)) if nodes is not None else t for t in treatments]
    names = sorted(set(node_of))
    index = {v: i for i, v in enumerate(names)}
    t2n = np.array([index[v] for v in node_of])
    return core.group(data.studies, len(treatments)), names, t2n


def _standard(groups: core.Groups, names: list[str], t2n: np.ndarray) -> cc.Design:
    """The standard network of the nodes: one-hot rows, one reference per connected part."""
    n = len(names)
    rows = [np.eye(n)[t2n[arms]] for arms, _, _ in groups.batches]
    pairs = [(int(t2n[a[0]]), int(t2n[b])) for arms, _, _ in groups.batches for a in arms
             for b in a[1:] if t2n[a[0]] != t2n[b]]  # fmt: skip
    index = {v: i for i, v in enumerate(names)}
    return cc.design_dropping(rows, n, [index[p[0]] for p in components(names, pairs)])


def design_by_treatment(
    contrasts: pd.DataFrame,
    nodes: Mapping[str, str] | None = None,
    method_tau: str = "DL",
    *,
    study: str = "study_id",
    treatment: str = "treatment",
    comparator: str = "comparator",
    estimate: str = "estimate",
    se: str = "se",
) -> DesignByTreatmentResult:
    """The design-by-treatment interaction test of a network (module docstring).

    Parameters
    ----------
    contrasts : DataFrame
        As for :func:`kneestudy.meta.network`.
    nodes : mapping, optional
        Treatment -> node of the standard network (default: each treatment).
    method_tau : {"DL", "REML"}
        Estimator of τ² in the full interaction model.
    study, treatment, comparator, estimate, se : str
        Column names.

    Returns
    -------
    DesignByTreatmentResult
        ``df_between == 0`` (no design can disagree with another: no closed
        loop) gives NaN p-values and says so in ``notes``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"study_id": ["s1", "s2", "s3"], "treatment": ["a", "b", "b"],
    ...                   "comparator": ["c", "c", "a"], "estimate": [-1.0, -2.0, -0.8],
    ...                   "se": [0.5, 0.5, 0.6]})
    >>> res = design_by_treatment(c)
    >>> res.df_between, round(res.q_between, 4)
    (1, 0.0465)
    """
    method_tau = str(method_tau).upper()
    if method_tau not in ("DL", "REML"):
        raise AnalysisError('method_tau must be "DL" or "REML"')
    data = prepare(contrasts, study, treatment, comparator, estimate, se)
    groups, names, t2n = _node_rows(data, nodes)
    cons = _standard(groups, names, t2n)
    # one design per set of nodes; its parameters: (design, node) for nodes after the first
    design_of: list[tuple[int, ...]] = []
    for arms, _, _ in groups.batches:
        for a in arms:
            design_of.append(tuple(sorted(set(int(x) for x in t2n[a]))))
    keys: dict[tuple[tuple[int, ...], int], int] = {}
    for d in design_of:
        for v in d[1:]:
            keys.setdefault((d, v), len(keys))
    inc_rows = []
    pos = 0
    for arms, _, _ in groups.batches:
        g, k = arms.shape
        r = np.zeros((g, k, len(keys)))
        for i in range(g):
            d = design_of[pos + i]
            for j in range(k):
                v = int(t2n[arms[i, j]])
                if v != d[0]:
                    r[i, j, keys[(d, v)]] = 1.0
        pos += g
        inc_rows.append(r)
    inc = cc.design_dropping(inc_rows, len(keys), [])  # saturated within designs: full rank
    cons_fit = cc.gls(groups, cons, 0.0)
    inc_fit = cc.gls(groups, inc, 0.0)
    df_total = groups.n_contrasts - cons.rank
    df_within = groups.n_contrasts - inc.rank
    df_between = inc.rank - cons.rank
    q_between = max(cons_fit.q - inc_fit.q, 0.0)
    tau2 = cc.dl_tau2(groups, inc, inc_fit)
    if method_tau == "REML":
        tau2 = cc.reml_tau2(groups, inc, tau2)
    q_random = max(cc.gls(groups, cons, tau2).q - cc.gls(groups, inc, tau2).q, 0.0)
    notes = []
    if df_between <= 0:
        notes.append(
            "no design can disagree with another (no closed loop of evidence): the "
            "design-by-treatment test is not assessable"
        )
    # within-design Q per design
    label = {d: ":".join(names[v] for v in d) for d in set(design_of)}
    q_by: dict[tuple[int, ...], float] = {}
    n_by: dict[tuple[int, ...], int] = {}
    k_by: dict[tuple[int, ...], int] = {}
    pos = 0
    for (arms, _, _), qs in zip(groups.batches, inc_fit.q_study, strict=True):
        for i in range(arms.shape[0]):
            d = design_of[pos + i]
            q_by[d] = q_by.get(d, 0.0) + float(qs[i])
            n_by[d] = n_by.get(d, 0) + 1
            k_by[d] = k_by.get(d, 0) + arms.shape[1] - 1
        pos += arms.shape[0]
    rows = []
    for d in sorted(q_by, key=lambda x: label[x]):
        dfd = k_by[d] - (len(d) - 1)
        rows.append(
            {
                "design": label[d],
                "n_studies": n_by[d],
                "q_within": q_by[d],
                "df_within": dfd,
                "p_value": float(chi2.sf(q_by[d], dfd)) if dfd > 0 else np.nan,
            }
        )
    nan = float("nan")
    return DesignByTreatmentResult(
        q_total=float(cons_fit.q),
        df_total=int(df_total),
        q_within=float(inc_fit.q),
        df_within=int(df_within),
        q_between=float(q_between),
        df_between=int(df_between),
        p_value_common=float(chi2.sf(q_between, df_between)) if df_between > 0 else nan,
        method_tau=method_tau,
        tau2_within=float(tau2),
        q_random=float(q_random),
        p_value=float(chi2.sf(q_random, df_between)) if df_between > 0 else nan,
        n_designs=len(set(design_of)),
        n_studies=len(design_of),
        designs=pd.DataFrame(rows),
        notes=tuple(notes),
    )


def node_split(
    contrasts: pd.DataFrame,
    nodes: Mapping[str, str] | None = None,
    random: bool = True,
    method_tau: str = "DL",
    alpha: float = 0.05,
    *,
    study: str = "study_id",
    treatment: str = "treatment",
    comparator: str = "comparator",
    estimate: str = "estimate",
    se: str = "se",
) -> pd.DataFrame:
    """Direct against indirect evidence for every directly compared pair of nodes.

    Back-calculation (netmeta's ``netsplit`` default) on the standard network
    of ``nodes`` (treatment -> node; default: each treatment its own node),
    random effects with the network's own τ² (DL or REML) or common effect.
    Works on a disconnected network (each pair is split within its part).

    Returns
    -------
    DataFrame
        treat1, treat2, comparison, network, se_network, direct, se_direct,
        direct_ci_low, direct_ci_high, indirect, se_indirect, prop_direct,
        difference, se_difference, p_value (NaN where all evidence is direct).
    """
    method_tau = str(method_tau).upper()
    if method_tau not in ("DL", "REML"):
        raise AnalysisError('method_tau must be "DL" or "REML"')
    data = prepare(contrasts, study, treatment, comparator, estimate, se)
    groups, names, t2n = _node_rows(data, nodes)
    n_nodes = len(names)
    des = _standard(groups, names, t2n)
    common = cc.gls(groups, des, 0.0)
    tau2 = 0.0
    if random:
        tau2 = cc.dl_tau2(groups, des, common)
        if method_tau == "REML":
            tau2 = cc.reml_tau2(groups, des, tau2)
    model = cc.gls(groups, des, tau2) if tau2 > 0 else common
    mapped = core.Groups(
        n=n_nodes,
        batches=[(t2n[arms], te, lp) for arms, te, lp in groups.batches],
        df=groups.n_contrasts - des.rank,
        members=groups.members,
    )
    fit = core.Fit(
        theta=model.beta,
        cov=model.cov,
        q=model.q,
        laplacian=model.info,
        logdet_s=model.logdet_s,
        study_laplacians=[t.ls for t in model.terms],
    )
    return netsplit(mapped, fit, names, alpha)
