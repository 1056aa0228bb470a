"""The fit behind :func:`kneestudy.compare_ideas`: from rows with a status to one row per idea.

:func:`run` takes the rows of :func:`kneestudy.compare.contrasts.gather` and

1. maps every arm code to its components (:func:`kneestudy.interventions.components_of`)
   and to its combination node (the set of active components; ``inactive``
   when it has none);
2. fits the additive component model and the standard (full-interaction)
   model, each combination of active components its own node
   (:func:`kneestudy.meta.component_network`), node splitting and the
   design-by-treatment test on those nodes (:mod:`kneestudy.meta.inconsistency`);
3. reports per idea, in registry order, its effect against the inactive
   reference — in the additive model the idea's own component; in the standard
   model the node of the idea alone, else the most precise contrast of a
   combination with the idea against the same combination without it (an
   add-on effect) — with its certainty (:mod:`kneestudy.compare.certainty`)
   and verdict (:mod:`kneestudy.compare.wording`).

A row whose two arms have the same active components (sham + exercise against
exercise, placebo against usual care) stays in both models: it informs the
heterogeneity and the additivity test, not an effect.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.compare import certainty as cert
from kneestudy.compare.scales import Scale
from kneestudy.compare.windows import Window
from kneestudy.compare.wording import verdict
from kneestudy.errors import AnalysisError
from kneestudy.interventions import (
    IDEA_ALIASES,
    IDEAS,
    INACTIVE_REFERENCE,
    combination_code,
    components_of,
    label_of,
    split_codes,
)
from kneestudy.meta.components import ComponentNetworkResult, component_network
from kneestudy.meta.inconsistency import DesignByTreatmentResult, design_by_treatment, node_split
from kneestudy.meta.network_rank import pscores

__all__ = ["Fitted", "Settings", "run"]

PFP = "patellofemoral pain"
TABLE_COLUMNS = [
    "idea", "label", "status", "studies", "participants", "estimate", "se", "ci_low",
    "ci_high", "pi_low", "pi_high", "p_value", "p_score", "rank", "basis", "certainty",
    "reasons", "verdict", "note",
]  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """Everything that decides the numbers of a comparison."""

    outcome: str
    window: Window
    scale: Scale
    model: str = "additive"
    random: bool = True
    method_tau: str = "DL"
    alpha: float = 0.05
    inactive: tuple[str, ...] = ()
    separate_aliases: bool = False
    reference_sd: float | None = None
    code_ideas: Mapping[str, str] = field(default_factory=dict)

    @property
    def comparator_text(self) -> str:
        """The inactive reference in words."""
        return "inactive control (" + ", ".join(label_of(c).lower() for c in self.inactive) + ")"


@dataclass
class Fitted:
    """What :func:`run` produces (assembled into an IdeasComparison)."""

    rows: pd.DataFrame
    table: pd.DataFrame
    combinations: pd.DataFrame
    certainty: pd.DataFrame
    fit: ComponentNetworkResult | None
    additive: ComponentNetworkResult | None
    standard: ComponentNetworkResult | None
    node_split: pd.DataFrame
    design_by_treatment: DesignByTreatmentResult | None
    notes: list[str]


def _components(code: str, st: Settings) -> tuple[str, ...]:
    return components_of(code, st.inactive, st.code_ideas, st.separate_aliases) if code else ()


def _network_input(rows: pd.DataFrame, used: pd.Index) -> pd.DataFrame:
    """Used rows for the network; arm sizes of a multi-arm star filled (and noted) where missing."""
    data = rows.loc[used, ["study_id", "treatment", "comparator", "estimate", "se",
                           "n_treatment", "n_comparator"]].copy()  # fmt: skip
    for _sid, g in data.groupby("study_id"):
        arms = set(g["treatment"]) | set(g["comparator"])
        k = len(arms)
        if (
            k > 2
            and len(g) < k * (k - 1) // 2
            and g[["n_treatment", "n_comparator"]].isna().any().any()
        ):
            data.loc[g.index, ["n_treatment", "n_comparator"]] = data.loc[
                g.index, ["n_treatment", "n_comparator"]].fillna(1.0)  # fmt: skip
            note = (
                "arm sizes not reported: equal arm sizes assumed to split the shared arm's "
                "variance between the trial's contrasts (assumption)"
            )
            rows.loc[g.index, "note"] = [
                f"{n}; {note}".lstrip("; ") for n in rows.loc[g.index, "note"]
            ]
    return data


def _participants(rows: pd.DataFrame, studies: list[str]) -> tuple[float, int]:
    """Participants in the given studies (each arm once) and how many studies lack sizes."""
    total, unknown = 0.0, 0
    for s in studies:
        g = rows[rows["study_id"] == s]
        arms: dict[str, float] = {}
        for t, c, nt, nc in zip(g["treatment"], g["comparator"], g["n_treatment"],
                                g["n_comparator"], strict=True):  # fmt: skip
            for code, n in ((t, nt), (c, nc)):
                if code and pd.notna(n):
                    arms.setdefault(code, float(n))
        codes = set(g["treatment"]) | set(g["comparator"])
        if not arms or len(arms) < len(codes - {""}):
            unknown += 1
        total += sum(arms.values())
    return total, unknown


def _study_rob(rows: pd.DataFrame) -> dict[str, str | None]:
    order = {"low": 0, "some_concerns": 1, "high": 2}
    out: dict[str, str | None] = {}
    for s, g in rows.groupby("study_id"):
        vals = [v for v in g["risk_of_bias"] if isinstance(v, str) and v in order]
        out[str(s)] = max(vals, key=order.get) if vals else None
    return out


def _indirect(rows: pd.DataFrame, idea: str, st: Settings) -> dict[str, tuple[str, str]]:
    """Per study: (low | some_concerns | high, why) for population and intervention."""
    out: dict[str, tuple[str, str]] = {}
    own = {idea}
    for s, g in rows.groupby("study_id"):
        pops = {str(p).strip() for p in g["population"] if isinstance(p, str) and p.strip()}
        other = sorted(p for p in pops if p.lower() != PFP)
        if other:
            out[str(s)] = ("high", f"population: {', '.join(other)} ({s})")
            continue
        codes = [c for c in set(g["treatment"]) | set(g["comparator"]) if c]
        with_idea = [c for c in codes if idea in _components(c, st)]
        parts = {p for c in with_idea for p in split_codes(c)}
        if with_idea and not parts & own:
            stand_in = sorted(p for p in parts if IDEA_ALIASES.get(p) == idea
                              or st.code_ideas.get(p) == idea)  # fmt: skip
            out[str(s)] = ("some_concerns", f"intervention: {', '.join(stand_in)} stands for "
                           f"{IDEAS[idea].label.lower()} ({s})")  # fmt: skip
        else:
            out[str(s)] = ("low", "")
    return out


def _isolating(rows: pd.DataFrame, idea: str, st: Settings) -> tuple[list[float], list[float]]:
    """Per study, the most precise row whose arms differ by the idea only (sign: idea − none)."""
    best: dict[str, tuple[float, float]] = {}
    for r in rows.itertuples(index=False):
        a, b = set(_components(r.treatment, st)), set(_components(r.comparator, st))
        if a - b == {idea} and not b - a:
            y = float(r.estimate)
        elif b - a == {idea} and not a - b:
            y = -float(r.estimate)
        else:
            continue
        if r.study_id not in best or r.se < best[r.study_id][1]:
            best[r.study_id] = (y, float(r.se))
    return [v[0] for v in best.values()], [v[1] ** 2 for v in best.values()]


def _node_comps(node: str) -> set[str]:
    return set() if node == INACTIVE_REFERENCE else set(node.split("+"))


def _basis(fit: ComponentNetworkResult, idea: str, model: str) -> tuple[Any, str] | None:
    """The estimate of an idea in a model: the vector and its description."""
    names = set(fit.component_names)
    if model == "additive":
        return ({idea: 1.0}, "component effect (additive model)") if idea in names else None
    options = []
    if idea in names and idea not in fit.not_estimable:
        return {idea: 1.0}, f"{idea} vs {INACTIVE_REFERENCE}"
    for node in sorted(names):
        comps = _node_comps(node)
        if idea not in comps or len(comps) < 2:
            continue
        rest = combination_code(comps - {idea})
        if rest not in names:
            continue
        what = {node: 1.0, rest: -1.0}
        e = fit.estimate_of(what)
        if e["estimable"]:
            options.append((float(e["se"]), what, f"{node} vs {rest}"))
    if not options:
        return None
    _, what, text = min(options, key=lambda o: (o[0], o[2]))
    return what, text


def _fit_models(data: pd.DataFrame, rows: pd.DataFrame, st: Settings, small: str, notes: list[str]):
    codes = sorted(set(data["treatment"]) | set(data["comparator"]))
    comp_map = {c: _components(c, st) for c in codes}
    node_map = {c: combination_code(comp_map[c]) for c in codes}
    kw = dict(random=st.random, method_tau=st.method_tau, alpha=st.alpha, small_values=small)
    additive = standard = None
    try:
        additive = component_network(data, inactive=(), components=comp_map, **kw)
    except AnalysisError as exc:
        notes.append(f"additive model not fitted: {exc}")
    std_map = {c: (() if n == INACTIVE_REFERENCE else (n,)) for c, n in node_map.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its warnings repeat the additive model's
            standard = component_network(data, inactive=(), components=std_map, **kw)
    except AnalysisError as exc:
        notes.append(f"standard model not fitted: {exc}")
    split, dbt = pd.DataFrame(), None
    if standard is not None:
        split = node_split(data, nodes=node_map, random=st.random, method_tau=st.method_tau,
                           alpha=st.alpha)  # fmt: skip
        dbt = design_by_treatment(data, nodes=node_map, method_tau=st.method_tau)
    return additive, standard, split, dbt


def run(rows: pd.DataFrame, st: Settings) -> Fitted:
    """Fit the models on the used rows and build the per-idea tables (module docstring)."""
    rows = rows.copy()
    for side in ("treatment", "comparator"):
        comps = [_components(c, st) for c in rows[side]]
        rows[f"components_{side}"] = ["+".join(c) for c in comps]
        rows[f"node_{side}"] = [combination_code(c) if code else ""
                                for c, code in zip(comps, rows[side], strict=True)]  # fmt: skip
    used = rows.index[rows["status"] == "used"]
    same = used[rows.loc[used, "node_treatment"] == rows.loc[used, "node_comparator"]]
    msg = "both arms have the same active components: informs heterogeneity and the additivity test only"
    rows.loc[same, "note"] = [f"{n}; {msg}".lstrip("; ") for n in rows.loc[same, "note"]]
    notes: list[str] = []
    small = "desirable" if st.scale.lower_is_better else "undesirable"
    additive = standard = dbt = None
    split = pd.DataFrame()
    if len(used):
        data = _network_input(rows, used)
        additive, standard, split, dbt = _fit_models(data, rows, st, small, notes)
    else:
        notes.append("no row of evidence is usable for this outcome in this window")
    fit = additive if st.model == "additive" else standard
    used_rows = rows.loc[used]
    table, cert_rows, combos = [], [], []
    estimable: list[tuple[str, Any]] = []
    seen = {c for side in ("components_treatment", "components_comparator")
            for cs in used_rows[side] for c in cs.split("+") if c}  # fmt: skip
    for code, idea in IDEAS.items():
        rec: dict[str, Any] = {"idea": code, "label": idea.label}
        present = code in seen
        basis = _basis(fit, code, st.model) if (fit is not None and present) else None
        est = fit.estimate_of(basis[0]) if basis is not None else None
        if est is None or not bool(est["estimable"]):
            status = "not estimable" if present else "no evidence"
            why = (
                f"{idea.label} is in the evidence but the network does not identify its effect "
                "on its own" + (" (see notes)" if fit is not None else "")
                if present else f"no usable row tests {idea.label.lower()} for this outcome in this window"
            )  # fmt: skip
            rec.update(status=status, studies=0, participants=0.0, certainty="", reasons=why,
                       verdict=f"No estimate for {idea.label.lower()}: {why}.", basis="", note="")  # fmt: skip
            table.append(rec)
            continue
        w = fit.study_weights(basis[0])
        # shares below 1e-10 are rounding noise of the weight algebra, not contributions
        weights = {str(s): float(x) for s, x in zip(w["study"], w["weight"], strict=True)
                   if float(x) > 1e-10}  # fmt: skip
        contributing = list(weights)
        participants, unknown = _participants(used_rows, contributing)
        if unknown == len(contributing):
            participants = float("nan")  # no contributing study reports its arm sizes
        judgements = _judge(code, est, weights, used_rows, st, fit, split, dbt)
        level, reasons = cert.overall(judgements)
        note = (
            f"participants not reported for {unknown} of the {len(contributing)} contributing "
            "studies (not counted)" if unknown else ""
        )  # fmt: skip
        rec.update(
            status="estimated", studies=len(contributing), participants=participants,
            estimate=float(est["estimate"]), se=float(est["se"]), ci_low=float(est["ci_low"]),
            ci_high=float(est["ci_high"]), pi_low=float(est["pi_low"]), pi_high=float(est["pi_high"]),
            p_value=float(est["p_value"]), basis=basis[1], certainty=level,
            reasons="; ".join(reasons), note=note,
            verdict=verdict(idea.label, level, float(est["estimate"]), float(est["ci_low"]),
                            float(est["ci_high"]), st.scale, st.window.label if
                            st.window.name != "time to event" else "", st.comparator_text),
        )  # fmt: skip
        table.append(rec)
        estimable.append((code, basis[0]))
        cert_rows.extend(
            {"idea": code, "label": idea.label, "domain": j.domain, "level": j.level,
             "downgrade": j.downgrade, "reason": j.reason} for j in judgements
        )  # fmt: skip
    out = pd.DataFrame(table)
    for c in TABLE_COLUMNS:
        if c not in out:
            out[c] = np.nan
    out["p_score"] = np.nan
    out["rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if fit is not None and len(estimable) >= 2:
        theta, cov = fit.joint([w for _, w in estimable])
        ps = pscores(theta, cov, small)
        idx = out.index[out["idea"].isin([c for c, _ in estimable])]
        order = {c: i for i, (c, _) in enumerate(estimable)}
        vals = np.array([ps[order[c]] for c in out.loc[idx, "idea"]])
        out.loc[idx, "p_score"] = vals
        out.loc[idx, "rank"] = (
            pd.Series(vals, index=idx).rank(ascending=False, method="min").astype(int)
        )
    elif len(estimable) == 1:
        out.loc[out["idea"] == estimable[0][0], "rank"] = 1
    if fit is not None:
        combos = _combinations(fit, used_rows, st)
    certainty = pd.DataFrame(
        cert_rows, columns=["idea", "label", "domain", "level", "downgrade", "reason"]
    )
    if fit is not None:
        notes.extend(fit.notes)
    return Fitted(rows, out[TABLE_COLUMNS], combos if len(combos) else _empty_combinations(),
                  certainty, fit, additive, standard, split, dbt, notes)  # fmt: skip


def _judge(code, est, weights, used_rows, st, fit, split, dbt) -> list[cert.Judgement]:
    rob = _study_rob(used_rows)
    yi, vi = _isolating(used_rows, code, st)
    ci = (float(est["ci_low"]), float(est["ci_high"]))
    pi = (float(est["pi_low"]), float(est["pi_high"]))
    why_pi = ""
    if not (math.isfinite(pi[0]) and math.isfinite(pi[1])):
        why_pi = (
            f"no prediction interval: {fit.pi_df} degrees of freedom for τ² (at least 2 are "
            "needed), so heterogeneity cannot be estimated"
        )
    tests: list[tuple[str, float]] = []
    if isinstance(split, pd.DataFrame) and len(split):
        for r in split.itertuples(index=False):
            a, b = _node_comps(r.treat1), _node_comps(r.treat2)
            if (code in a) != (code in b) and r.p_value == r.p_value:
                tests.append((f"node split {r.treat1} vs {r.treat2}", float(r.p_value)))
    if dbt is not None and dbt.assessable:
        tests.append(("design-by-treatment interaction", float(dbt.p_value)))
    if st.model == "additive" and fit.additivity.df_diff > 0:
        tests.append(("additivity test", float(fit.additivity.p_value)))
    return [
        cert.within_study_bias(weights, rob),
        cert.reporting_bias(yi, vi),
        cert.indirectness(weights, _indirect(used_rows, code, st)),
        cert.imprecision(ci, st.scale),
        cert.heterogeneity(ci, pi, st.scale, why_pi),
        cert.incoherence(tests),
    ]


def _empty_combinations() -> pd.DataFrame:
    return pd.DataFrame(columns=["idea", "combination", "label", "studies", "estimate", "se",
                                 "ci_low", "ci_high", "pi_low", "pi_high", "estimable"])  # fmt: skip


def _combinations(
    fit: ComponentNetworkResult, used_rows: pd.DataFrame, st: Settings
) -> pd.DataFrame:
    """Every observed combination with an idea, against the inactive reference."""
    arms: dict[str, set[str]] = {}
    for side in ("treatment", "comparator"):
        for s, node in zip(used_rows["study_id"], used_rows[f"node_{side}"], strict=True):
            if node:
                arms.setdefault(node, set()).add(str(s))
    out = []
    for code in IDEAS:
        for node in sorted(n for n in arms if code in _node_comps(n)):
            what = sorted(_node_comps(node)) if st.model == "additive" else node
            try:
                e = fit.estimate_of(what)
            except AnalysisError:
                continue
            out.append({"idea": code, "combination": node, "label": label_of(node),
                        "studies": len(arms[node]), **{k: e[k] for k in ("estimate", "se", "ci_low",
                        "ci_high", "pi_low", "pi_high")}, "estimable": bool(e["estimable"])})  # fmt: skip
    return pd.DataFrame(out)
