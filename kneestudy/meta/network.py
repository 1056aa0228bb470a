r"""Network meta-analysis: the graph-theoretical model of Rücker (2012).

:func:`network` fits the frequentist network meta-analysis of R's netmeta:
weighted least squares on the network's graph, with multi-arm studies handled
exactly (reduced weights from the pseudo-inverse of each study's Laplacian,
equivalently GLS with the covariance of contrasts sharing an arm), a common-
effect and a random-effects model (netmeta's generalised DerSimonian–Laird
:math:`\tau^2`, or REML with a common :math:`\tau^2` and correlation 1/2
between the contrasts of a multi-arm study, as metafor's ``rma.mv``), league
table, P-scores and SUCRA, the design-by-treatment decomposition of Q and
direct-versus-indirect evidence by back-calculation.

References
----------
Rücker G (2012). Network meta-analysis, electrical networks and graph theory.
*Res Synth Methods* 3:312–324. Rücker G, Schwarzer G (2015). Ranking
treatments in frequentist network meta-analysis works without resampling
methods. *BMC Med Res Methodol* 15:58. Jackson D, White IR, Riley RD (2012).
Quantifying the impact of between-study heterogeneity in multivariate
meta-analyses. *Stat Med* 31:3805–3820. König J, Krahn U, Binder H (2013).
Visualizing the flow of evidence in network meta-analysis and characterizing
mixed treatment comparisons. *Stat Med* 32:5414–5429.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm
from scipy.stats import t as t_dist

from kneestudy._results import Result, format_number, frame_to_html
from kneestudy.errors import AnalysisError
from kneestudy.meta import network_core as core
from kneestudy.meta.network_data import components, graph, prepare
from kneestudy.meta.network_rank import pscores, sucra
from kneestudy.meta.network_split import decompose, netsplit

__all__ = ["NetworkResult", "network"]


@dataclass(frozen=True)
class NetworkResult(Result):
    """Result of :func:`network`.

    Attributes
    ----------
    reference : str
        The treatment every effect in ``effects`` is against.
    random : bool
        Whether ``effects``, ``league`` and the rankings use random effects.
    method_tau : str
        "DL" or "REML".
    tau2, tau, i2 : float
        Heterogeneity (I² in percent, ``max(0, (Q − df)/Q)``).
    q, df_q, q_p_value : float
        Total Q of the common-effect model, its degrees of freedom
        ``Σ(k_s − 1) − (n − 1)`` and p-value.
    q_within, df_within, q_between, df_between : float
        Design-by-treatment decomposition of ``q``.
    n_studies, n_treatments : int
    effects : DataFrame
        treatment, estimate, se, ci_low, ci_high, pi_low, pi_high, p_value vs
        the reference (selected model; the prediction interval always from
        the random-effects model: ``t`` quantile with ``df_q`` degrees of
        freedom and variance ``se² + τ²``, as netmeta; NaN when ``df_q < 2``).
    effects_common, effects_random : DataFrame
        The same for each model.
    league : DataFrame
        Every ordered pair: treatment, comparator, estimate, se, ci_low,
        ci_high, p_value (treatment minus comparator).
    pscores : DataFrame
        treatment, p_score, sucra, rank (1 = best, by P-score).
    split : DataFrame
        Direct vs indirect evidence per directly compared pair.
    decomposition : DataFrame
        Q total, within designs (and each design), between designs.
    nodes, edges : DataFrame
        Graph of the network (studies and participants per node and edge).
    vcov : DataFrame
        Covariance of the selected model's estimates vs the reference.
    notes : tuple of str
        What was derived or assumed on the way (e.g. completed multi-arm pairs).
    """

    reference: str
    random: bool
    method_tau: str
    small_values: str
    tau2: float
    tau: float
    i2: float
    q: float
    df_q: int
    q_p_value: float
    q_within: float
    df_within: int
    q_between: float
    df_between: int
    n_studies: int
    n_treatments: int
    alpha: float
    effects: pd.DataFrame = field(repr=False)
    effects_common: pd.DataFrame = field(repr=False)
    effects_random: pd.DataFrame = field(repr=False)
    league: pd.DataFrame = field(repr=False)
    pscores: pd.DataFrame = field(repr=False)
    rank_probabilities: pd.DataFrame = field(repr=False)
    split: pd.DataFrame = field(repr=False)
    decomposition: pd.DataFrame = field(repr=False)
    nodes: pd.DataFrame = field(repr=False)
    edges: pd.DataFrame = field(repr=False)
    vcov: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    _title = "Network meta-analysis"

    @property
    def treatments(self) -> list[str]:
        """Treatments of the network (sorted)."""
        return list(self.vcov.index)

    def compare(self, treatment: str, comparator: str) -> pd.Series:
        """One row of the league table: ``treatment`` minus ``comparator``."""
        hit = self.league[
            (self.league["treatment"] == treatment) & (self.league["comparator"] == comparator)
        ]
        if hit.empty:
            raise AnalysisError(
                f"no comparison {treatment!r} vs {comparator!r}; treatments: {self.treatments}"
            )
        return hit.iloc[0]

    def league_table(self) -> pd.DataFrame:
        """Square league table of estimates (row minus column)."""
        return self.league.pivot(index="treatment", columns="comparator", values="estimate")

    def to_frame(self) -> pd.DataFrame:
        """The effects against the reference, joined with the rankings (full precision)."""
        return self.effects.merge(self.pscores, on="treatment", how="left")

    def _repr_html_(self) -> str:
        model = "random effects" if self.random else "common effect"
        head = (
            f"{self.n_studies} studies, {self.n_treatments} treatments; {model} "
            f"(τ² = {format_number(self.tau2, 4)} [{self.method_tau}], "
            f"I² = {format_number(self.i2, 1)}%, Q = {format_number(self.q, 2)} on "
            f"{self.df_q} df, p = {format_number(self.q_p_value, 4)}); "
            f"reference: {self.reference}"
        )
        return (
            f"<div><strong>{html.escape(self._title)}</strong><p>{html.escape(head)}</p>"
            f"{frame_to_html(self.to_frame())}</div>"
        )


def _effects(
    fit: core.Fit,
    treatments: list[str],
    ref: int,
    alpha: float,
    tau2: float,
    df_q: int,
    pi_fit: core.Fit,
) -> pd.DataFrame:
    z = norm.ppf(1 - alpha / 2)
    se = np.sqrt(np.diag(fit.cov))
    se_pi = np.sqrt(np.diag(pi_fit.cov) + tau2)
    # netmeta gives prediction intervals only when df.Q >= 2
    crit = t_dist.ppf(1 - alpha / 2, df_q) if df_q >= 2 else np.nan
    out = pd.DataFrame(
        {
            "treatment": treatments,
            "comparator": treatments[ref],
            "estimate": fit.theta,
            "se": se,
            "ci_low": fit.theta - z * se,
            "ci_high": fit.theta + z * se,
            "pi_low": pi_fit.theta - crit * se_pi,
            "pi_high": pi_fit.theta + crit * se_pi,
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["p_value"] = 2 * norm.sf(np.abs(fit.theta / se))
    return out.drop(index=ref).reset_index(drop=True)


def _league(fit: core.Fit, treatments: list[str], alpha: float) -> pd.DataFrame:
    z = norm.ppf(1 - alpha / 2)
    n = len(treatments)
    ii, jj = np.where(~np.eye(n, dtype=bool))
    est = fit.theta[ii] - fit.theta[jj]
    se = np.sqrt(fit.cov[ii, ii] + fit.cov[jj, jj] - 2 * fit.cov[ii, jj])
    return pd.DataFrame(
        {
            "treatment": np.array(treatments)[ii],
            "comparator": np.array(treatments)[jj],
            "estimate": est,
            "se": se,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
            "p_value": 2 * norm.sf(np.abs(est / se)),
        }
    )


def network(
    contrasts: pd.DataFrame,
    reference: str | None = None,
    random: bool = True,
    method_tau: str = "DL",
    study: str = "study_id",
    treatment: str = "treatment",
    comparator: str = "comparator",
    estimate: str = "estimate",
    se: str = "se",
    alpha: float = 0.05,
    small_values: str = "desirable",
    n_sim: int = 10000,
    seed: int = 0,
) -> NetworkResult:
    r"""Fit a frequentist network meta-analysis (netmeta's model).

    Parameters
    ----------
    contrasts : DataFrame
        One row per comparison: study, treatment, comparator, estimate
        (treatment minus comparator) and its standard error; optionally
        ``n_treatment`` and ``n_comparator``. A multi-arm study gives all its
        pairs (as :func:`kneestudy.meta.pairwise` does) or its ``k − 1``
        comparisons against one common arm (the other pairs are then derived,
        splitting each variance between the arms in proportion to ``1/n``;
        see ``notes``).
    reference : str, optional
        Treatment the effects are against (default: the first in sort order).
    random : bool
        Report random effects (True) or common effect.
    method_tau : {"DL", "REML"}
        ``DL``: netmeta's generalised DerSimonian–Laird
        :math:`\hat\tau^2 = \max(0, (Q - df)/\operatorname{tr}((I-H)(BB^\top\circ E/2)W))`.
        ``REML``: restricted likelihood of the GLS model with a common
        :math:`\tau^2` and correlation 1/2 within multi-arm studies.
    study, treatment, comparator, estimate, se : str
        Column names.
    alpha : float
        1 − confidence level.
    small_values : {"desirable", "undesirable"}
        Direction for P-scores and SUCRA (netmeta's ``small.values``).
    n_sim, seed : int
        Simulations for SUCRA (seeded: same input, same numbers).

    Returns
    -------
    NetworkResult

    Raises
    ------
    AnalysisError
        For NaN or non-positive standard errors, duplicated comparisons in a
        study, a reference not in the network, or a disconnected network (the
        message names the connected parts).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"study_id": ["s1", "s2", "s3"], "treatment": ["a", "b", "b"],
    ...                   "comparator": ["c", "c", "a"], "estimate": [-1.0, -2.0, -0.8],
    ...                   "se": [0.5, 0.5, 0.6]})
    >>> res = network(c, reference="c", random=False)
    >>> round(float(res.effects.set_index("treatment").loc["b", "estimate"]), 3)
    -1.942
    """
    method_tau = str(method_tau).upper()
    if method_tau not in ("DL", "REML"):
        raise AnalysisError('method_tau must be "DL" or "REML"')
    if not 0 < alpha < 1:
        raise AnalysisError("alpha must lie between 0 and 1")
    data = prepare(contrasts, study, treatment, comparator, estimate, se)
    treatments = data.treatments
    n = len(treatments)
    index = {t: i for i, t in enumerate(treatments)}
    if reference is None:
        reference = treatments[0]
    if reference not in index:
        raise AnalysisError(
            f"reference {reference!r} is not in the network; treatments: {treatments}"
        )
    pairs = [(int(b.arms[0]), int(a)) for b in data.studies for a in b.arms[1:]]
    parts = components(treatments, pairs)
    if len(parts) > 1:
        listing = "; ".join("{" + ", ".join(p) + "}" for p in parts)
        raise AnalysisError(
            f"the network is not connected: it falls into {len(parts)} parts: {listing}. "
            "Analyse each part separately or add studies that link them."
        )
    if len(data.studies) < 2:
        warnings.warn(
            "a network of a single study: its estimates are that study's, and "
            "heterogeneity cannot be estimated",
            stacklevel=2,
        )
    ref = index[reference]
    groups = core.group(data.studies, n)
    common = core.fit(groups, ref, 0.0)
    df_q = groups.df
    if df_q <= 0 and len(data.studies) >= 2:
        warnings.warn(
            "no degrees of freedom for heterogeneity (every comparison rests on one "
            "design with one study): tau² is set to 0 and prediction intervals are undefined",
            stacklevel=2,
        )
    tau2 = core.dl_tau2(common, groups)
    if method_tau == "REML":
        tau2 = core.reml_tau2(groups, ref, tau2)
    rand = core.fit(groups, ref, tau2)
    chosen = rand if random else common
    eff_c = _effects(common, treatments, ref, alpha, tau2, df_q, rand)
    eff_r = _effects(rand, treatments, ref, alpha, tau2, df_q, rand)
    ps = pscores(chosen.theta, chosen.cov, small_values)
    sc, probs = sucra(chosen.theta, chosen.cov, small_values, n_sim=n_sim, seed=seed)
    rank = pd.Series(ps).rank(ascending=False, method="min").astype(int).to_numpy()
    ptab = pd.DataFrame({"treatment": treatments, "p_score": ps, "sucra": sc, "rank": rank})
    rp = pd.DataFrame(
        probs,
        index=pd.Index(treatments, name="treatment"),
        columns=[f"rank_{r}" for r in range(1, n + 1)],
    )
    dec = decompose(data.studies, common.q, df_q)
    nodes, edges = graph(data, treatments)
    q = common.q
    return NetworkResult(
        reference=reference,
        random=bool(random),
        method_tau=method_tau,
        small_values=small_values,
        tau2=float(tau2),
        tau=float(np.sqrt(tau2)),
        i2=float(max(0.0, (q - df_q) / q) * 100) if df_q > 0 and q > 0 else 0.0,
        q=float(q),
        df_q=int(df_q),
        q_p_value=float(chi2.sf(q, df_q)) if df_q > 0 else float("nan"),
        q_within=float(dec["q"].iloc[1]),
        df_within=int(dec["df"].iloc[1]),
        q_between=float(dec["q"].iloc[2]),
        df_between=int(dec["df"].iloc[2]),
        n_studies=len(data.studies),
        n_treatments=n,
        alpha=alpha,
        effects=eff_r if random else eff_c,
        effects_common=eff_c,
        effects_random=eff_r,
        league=_league(chosen, treatments, alpha),
        pscores=ptab,
        rank_probabilities=rp,
        split=netsplit(groups, chosen, treatments, alpha),
        decomposition=dec,
        nodes=nodes,
        edges=edges,
        vcov=pd.DataFrame(chosen.cov, index=treatments, columns=treatments),
        notes=tuple(data.notes),
    )
