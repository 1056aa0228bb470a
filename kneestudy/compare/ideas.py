"""The comparison of the eight ideas: an additive component network meta-analysis.

:func:`compare_ideas` gathers one outcome's evidence in one window on one
scale (:mod:`kneestudy.compare.contrasts`), fits the additive component model
(each arm the sum of its components, inactive codes carrying none; Rücker,
Petropoulou & Schwarzer 2020) or the standard model (each combination its own
node), and reports each idea's effect against the inactive reference with its
GRADE/CINeMA certainty, a summary of findings and sensitivity analyses.

An idea tested only as an add-on (balance training added to knee exercise, a
brace added to physical therapy) is credited only with its add-on effect: the
exercise it was added to is a component of its own.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from kneestudy._results import Result, format_number, frame_to_html
from kneestudy.compare.contrasts import gather
from kneestudy.compare.engine import Fitted, Settings, run
from kneestudy.compare.findings import summary_of_findings
from kneestudy.compare.scales import scale_for
from kneestudy.compare.sensitivity import sensitivity
from kneestudy.compare.windows import Window, resolve_window
from kneestudy.errors import AnalysisError
from kneestudy.interventions import INACTIVE, INACTIVE_REFERENCE, label_of
from kneestudy.meta.components import AdditivityTest, ComponentNetworkResult
from kneestudy.meta.inconsistency import DesignByTreatmentResult

__all__ = ["IdeasComparison", "compare_ideas"]


@dataclass(frozen=True)
class IdeasComparison(Result):
    """The eight ideas side by side for one outcome in one window.

    Attributes
    ----------
    outcome : str
    window : Window
        The window of follow-up (``window.label``: "up to 3 months").
    window_label : str
    measure, scale : str
        Measure (MD, SMD, logOR, logHR) and its unit in words.
    model : {"additive", "standard"}
    random : bool
    method_tau : str
    reference, reference_label : str
        ``"inactive"`` and the inactive codes in words.
    inactive : tuple of str
    mcid, mcid_source : float, str
        Threshold of imprecision, heterogeneity and wording, and its source.
    tau2, i2, q, df_q, q_p_value : float
        Heterogeneity of the fitted model (NaN when nothing was fitted).
    n_studies, n_rows_used, n_rows_set_aside : int
    reference_sd : float
        SD that re-expressed SMD rows in points (NaN when none).
    table : DataFrame
        One row per idea in registry order: idea, label, status (estimated |
        not estimable | no evidence), studies, participants (of the studies
        contributing to the estimate), estimate, se, ci_low, ci_high, pi_low,
        pi_high, p_value, p_score, rank (1 = best among the ideas estimated),
        basis (what the estimate is), certainty, reasons, verdict.
    combinations : DataFrame
        Every observed combination with an idea against the reference.
    certainty : DataFrame
        One row per idea and domain: level, downgrade, reason.
    contrasts : DataFrame
        Every input row with ``status`` (used | set aside) and ``reason``, its
        components and node on each side.
    network, additive, standard : ComponentNetworkResult or None
        The fitted model, and the additive and standard fits.
    additivity : AdditivityTest or None
    node_split : DataFrame
    design_by_treatment : DesignByTreatmentResult or None
    methods : tuple of str
        What was fitted, in sentences.
    notes : tuple of str
    """

    outcome: str
    window: Window
    window_label: str
    measure: str
    scale: str
    model: str
    random: bool
    method_tau: str
    reference: str
    reference_label: str
    inactive: tuple[str, ...]
    mcid: float
    mcid_source: str
    tau2: float
    i2: float
    q: float
    df_q: float
    q_p_value: float
    n_studies: int
    n_rows_used: int
    n_rows_set_aside: int
    reference_sd: float
    table: pd.DataFrame = field(repr=False)
    combinations: pd.DataFrame = field(repr=False)
    certainty: pd.DataFrame = field(repr=False)
    contrasts: pd.DataFrame = field(repr=False)
    network: ComponentNetworkResult | None = field(repr=False)
    additive: ComponentNetworkResult | None = field(repr=False)
    standard: ComponentNetworkResult | None = field(repr=False)
    additivity: AdditivityTest | None = field(repr=False)
    node_split: pd.DataFrame = field(repr=False)
    design_by_treatment: DesignByTreatmentResult | None = field(repr=False)
    methods: tuple[str, ...] = field(repr=False)
    notes: tuple[str, ...] = ()
    _inputs: Any = field(default=None, repr=False, compare=False)

    _title = "The eight ideas compared"

    def to_frame(self) -> pd.DataFrame:
        """The per-idea table at full precision."""
        return self.table.copy()

    def summary_of_findings(self) -> pd.DataFrame:
        """GRADE summary of findings, one row per idea (:mod:`kneestudy.compare.findings`)."""
        study, st = self._inputs
        return summary_of_findings(self.table, study, self.contrasts, st)

    @cached_property
    def _sensitivity(self) -> pd.DataFrame:
        _, st = self._inputs
        cols = [c for c in self.contrasts.columns if not c.startswith(("components_", "node_"))]
        return sensitivity(self.contrasts[cols], st, self.table)

    def sensitivity(self) -> pd.DataFrame:
        """Each sensitivity analysis, per idea (:mod:`kneestudy.compare.sensitivity`)."""
        return self._sensitivity.copy()

    def _repr_html_(self) -> str:
        cap = (
            f"{self.outcome} ({self.measure}, {self.scale}) {self.window_label} vs "
            f"{self.reference_label}; {self.model} model"
        )
        cols = ["label", "status", "studies", "participants", "estimate", "ci_low", "ci_high",
                "pi_low", "pi_high", "p_score", "rank", "certainty", "verdict"]  # fmt: skip
        a = self.additivity
        add = (
            f"additivity: Q diff = {format_number(a.q_diff, 2)} on {a.df_diff} df, p = "
            f"{format_number(a.p_value, 3)}; "
            if a is not None
            else ""
        )
        head = (
            f"τ² = {format_number(self.tau2, 4)} ({self.method_tau}), I² = "
            f"{format_number(self.i2, 1)}%, Q = {format_number(self.q, 2)} on "
            f"{format_number(self.df_q, 0)} df; {add}{self.n_rows_used} rows used, "
            f"{self.n_rows_set_aside} set aside (see .contrasts)"
        )
        return (
            f"<div><strong>{html.escape(self._title)}</strong><p>{html.escape(head)}</p>"
            f"{frame_to_html(self.table[cols], caption=cap)}</div>"
        )


def _code_ideas(study: Any) -> dict[str, str]:
    """Declared code -> idea, from the study's and cohorts' manifests (``code_ideas``)."""
    out: dict[str, str] = {}
    sources = [getattr(study, "manifest", None), study]
    sources += [getattr(c, "manifest", None) for c in getattr(study, "cohorts", [])]
    for obj in sources:
        m = getattr(obj, "code_ideas", None)
        if isinstance(m, Mapping):
            out.update({str(k): str(v) for k, v in m.items()})
        codes = getattr(obj, "codes", None)
        if isinstance(codes, Mapping):  # [codes] my_brace = { label = ..., idea = ... }
            for k, v in codes.items():
                if isinstance(v, Mapping) and v.get("idea"):
                    out[str(k)] = str(v["idea"])
    return out


def _conversions(rows: pd.DataFrame) -> list[str]:
    used = rows[rows["status"] == "used"]
    keys = {
        "multiplied by": "instrument scores converted to the comparison scale by their points factor",
        "re-expressed": "SMDs re-expressed in points with the reference SD",
        "Hedges' g": "mean differences standardised (Hedges' g with the g²/2N variance term)",
        "taken to be on the comparison scale": "rows naming no instrument taken to be on the comparison scale (assumption)",
        "sign turned": "signs turned where higher scores are better on the instrument",
        "derived from the published": "arm SDs derived from published SEs or CIs of the mean",
        "equal arm sizes assumed": "equal arm sizes assumed for multi-arm trials without them (assumption)",
    }  # fmt: skip
    out = []
    for k, text in keys.items():
        n = int(used["note"].str.contains(k, regex=False).sum())
        if n:
            out.append(f"{text} ({n} rows)")
    return out


def _methods(f: Fitted, st: Settings, info: dict[str, Any]) -> tuple[str, ...]:
    fit = f.fit
    inactive = ", ".join(label_of(c).lower() for c in st.inactive)
    if st.model == "additive":
        model = (
            "Additive component network meta-analysis (Rücker, Petropoulou & Schwarzer 2020; "
            "netmeta's netcomb/discomb): each arm's effect is the sum of its components' effects, "
            f"inactive codes ({inactive}) carrying none, so an idea tested as an add-on is "
            "credited only with its add-on effect."
        )
    else:
        model = (
            "Standard network meta-analysis with each combination of active components its own "
            f"node (no additivity assumed); inactive codes ({inactive}) form the reference."
        )
    out = [model]
    if fit is not None:
        tau = {"DL": "the generalised DerSimonian–Laird method", "REML": "REML"}[st.method_tau]
        eff = "random effects" if st.random else "common effect"
        pi = (
            f"prediction intervals from a t distribution on {fit.pi_df} degrees of freedom"
            if fit.pi_df >= 2
            else f"no prediction intervals ({fit.pi_df} degrees of freedom for τ²; 2 are needed)"
        )
        out.append(
            f"{fit.n_studies} studies, {int((f.rows['status'] == 'used').sum())} "
            f"contrasts; {eff}, τ² by {tau} (τ² = {fit.tau2:.4g}, I² = {fit.i2:.1f}%, Q = "
            f"{fit.q:.2f} on {fit.df_q} df); confidence intervals from the normal distribution "
            f"(z), {pi}."
        )
        a = fit.additivity if f.additive is None else f.additive.additivity
        out.append(
            f"Additivity test (netcomb): Q diff = {a.q_diff:.2f} on {a.df_diff} df"
            + (f", p = {a.p_value:.3g}" if a.df_diff > 0 else " (not testable)")
            + (f"; the standard network falls into {a.standard_parts} parts, fitted part by part"
               if a.standard_parts > 1 else "") + "."
        )  # fmt: skip
    dbt = f.design_by_treatment
    if dbt is not None:
        out.append(
            "Incoherence: node splitting by back-calculation on the combinations "
            f"({int(f.node_split['p_value'].notna().sum()) if len(f.node_split) else 0} "
            "comparisons with direct and indirect evidence) and the design-by-treatment "
            + (
                f"interaction test (random effects, τ² within designs {dbt.tau2_within:.3g}: "
                f"Q = {dbt.q_random:.2f} on {dbt.df_between} df, p = {dbt.p_value:.3g})."
                if dbt.assessable
                else "interaction test (not assessable: no closed loop)."
            )
        )
    win = st.window
    out.append(
        f"Window: {win.describe()}; each study gives one time point per comparison, the one "
        "nearest the target week (ties to the later week)."
        if win.name != "time to event"
        else "Time to becoming pain-free over the whole follow-up (log hazard ratios, > 0 = sooner)."
    )
    sc = st.scale
    conv = _conversions(f.rows)
    ref = info.get("reference_sd_text", "")
    out.append(
        f"Scale: {sc.measure} in {sc.unit}"
        + (f"; {'; '.join(conv)}" if conv else "")
        + (
            f"; reference SD: {ref}"
            if sc.measure == "MD" and "re-expressed" in " ".join(conv)
            else ""
        )
        + "."
    )
    out.append(
        "Taping and declared codes of an idea counted as that idea's component (aliases)."
        if not st.separate_aliases
        else "Taping and declared codes of an idea kept as components of their own."
    )
    out.append(
        "Certainty per idea in six domains (CINeMA, Nikolakopoulou et al. 2020; GRADE for networks, "
        "Brignardello-Petersen et al. 2018): within-study bias and indirectness weighted by each "
        "study's contribution (Riley et al. 2018), reporting bias from 10 studies, imprecision and "
        f"heterogeneity against the MCID of {sc.mcid:g} ({sc.mcid_source}; Zeng et al. 2022), "
        "incoherence from node splitting, the design-by-treatment and additivity tests; verdicts "
        "worded as Santesso et al. 2020."
    )
    return tuple(out)


def compare_ideas(
    study: Any,
    outcome: str = "pain",
    window: str | Sequence[float] | Window = "short",
    model: str = "additive",
    *,
    week: float | None = None,
    random: bool = True,
    method_tau: str = "DL",
    inactive: Iterable[str] = INACTIVE,
    scale: str | None = None,
    reference_sd: float | None = None,
    mcid: float | None = None,
    separate_aliases: bool = False,
    alpha: float = 0.05,
) -> IdeasComparison:
    """Compare the eight ideas for one outcome in one window.

    Parameters
    ----------
    study : kneestudy.Study
    outcome : {"pain", "akps", "function", "recovered", "pain_free"}
        Pain: MD on 0–10 (lower is better); AKPS: MD on 0–100; function: SMD;
        recovered: log odds ratio; pain_free: log hazard ratio (> 0 = sooner).
    window : {"short", "medium", "long"} or (low, high[, target]) weeks
        Up to 3 months, over 3 and under 12 months, 12 months or longer
        (:mod:`kneestudy.compare.windows`); ignored for ``pain_free``.
    model : {"additive", "standard"}
        Additive component model (default) or each combination its own node.
    week : float, optional
        Shortcut for the window that holds it (with it as target week).
    random : bool
        Random effects (default) or common effect.
    method_tau : {"DL", "REML"}
    inactive : iterable of str
        Codes without a specific effect (default: usual care, wait and see,
        placebo, sham, flat inserts).
    scale : {"SMD"}, optional
        Standardise pain or AKPS instead of points.
    reference_sd : float, optional
        SD to re-express SMDs in points (default: the study's pooled baseline SD).
    mcid : float, optional
        Threshold of an important difference (default per outcome, see
        :mod:`kneestudy.compare.scales`).
    separate_aliases : bool
        Keep taping (and declared codes of an idea) apart from their idea.
    alpha : float
        1 − confidence level.

    Returns
    -------
    IdeasComparison

    Examples
    --------
    >>> import kneestudy as ks  # doctest: +SKIP
    >>> cmp = ks.compare_ideas(ks.datasets.demo_study(), "pain", window="short")  # doctest: +SKIP
    >>> cmp.table[["idea", "estimate", "certainty", "verdict"]]  # doctest: +SKIP
    """
    if model not in ("additive", "standard"):
        raise AnalysisError(f'model must be "additive" or "standard"; got {model!r}')
    method_tau = str(method_tau).upper()
    if method_tau not in ("DL", "REML"):
        raise AnalysisError('method_tau must be "DL" or "REML"')
    if not 0 < alpha < 1:
        raise AnalysisError("alpha must lie between 0 and 1")
    inactive = (inactive,) if isinstance(inactive, str) else tuple(str(c) for c in inactive)
    sc = scale_for(outcome, scale, mcid)
    win = resolve_window(window, week, outcome)
    st = Settings(
        outcome=outcome, window=win, scale=sc, model=model, random=bool(random),
        method_tau=method_tau, alpha=alpha, inactive=inactive,
        separate_aliases=bool(separate_aliases), reference_sd=reference_sd,
        code_ideas=_code_ideas(study),
    )  # fmt: skip
    rows, info = gather(study, sc, win, reference_sd)
    f = run(rows, st)
    fit = f.fit
    nan = float("nan")
    used = f.rows["status"] == "used"
    return IdeasComparison(
        outcome=outcome, window=win, window_label=win.label, measure=sc.measure, scale=sc.unit,
        model=model, random=bool(random), method_tau=method_tau, reference=INACTIVE_REFERENCE,
        reference_label=st.comparator_text, inactive=inactive, mcid=sc.mcid,
        mcid_source=sc.mcid_source,
        tau2=fit.tau2 if fit else nan, i2=fit.i2 if fit else nan, q=fit.q if fit else nan,
        df_q=float(fit.df_q) if fit else nan, q_p_value=fit.q_p_value if fit else nan,
        n_studies=fit.n_studies if fit else 0, n_rows_used=int(used.sum()),
        n_rows_set_aside=int((~used).sum()),
        reference_sd=float(info["reference_sd"]) if info["reference_sd"] == info["reference_sd"] else nan,
        table=f.table, combinations=f.combinations, certainty=f.certainty, contrasts=f.rows,
        network=fit, additive=f.additive, standard=f.standard,
        additivity=f.additive.additivity if f.additive is not None else None,
        node_split=f.node_split, design_by_treatment=f.design_by_treatment,
        methods=_methods(f, st, info), notes=tuple(dict.fromkeys(f.notes)), _inputs=(study, st),
    )  # fmt: skip
