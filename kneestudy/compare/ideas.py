"""The comparison of the eight ideas: a network meta-analysis over a study.

:func:`compare_ideas` gathers one outcome's contrasts
(:func:`~kneestudy.compare.contrasts.study_contrasts`), maps every arm to a
network node (:func:`~kneestudy.compare.nodes.node_of`), fits
:func:`kneestudy.meta.network.network` against ``control`` and reports one
row per idea, in registry order, with a certainty rating
(:mod:`kneestudy.compare.certainty`) and a plain-language verdict.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kneestudy._results import Result, format_number, frame_to_html
from kneestudy.compare import certainty as cert
from kneestudy.compare.contrasts import study_contrasts
from kneestudy.compare.nodes import CONTROL, node_of
from kneestudy.errors import AnalysisError
from kneestudy.interventions import IDEAS, split_codes
from kneestudy.meta.network import NetworkResult, network

__all__ = ["IdeasComparison", "compare_ideas"]

#: Outcomes where lower values are better (P-score direction).
LOWER_IS_BETTER = {"pain"}
_WORDS = {"pain": "pain", "akps": "the AKPS score", "recovered": "the odds of recovery",
          "pain_free": "the rate of becoming pain-free"}  # fmt: skip


@dataclass(frozen=True)
class IdeasComparison(Result):
    """The eight ideas side by side for one outcome.

    Attributes
    ----------
    outcome : str
    week : float
    measure : str
    reference : str
    table : DataFrame
        One row per idea (registry order): idea, label, studies, participants,
        estimate, ci_low, ci_high, pi_low, pi_high, p_score, rank (1 = best
        P-score among the ideas with evidence), network_rank (rank among all
        network nodes, comparators included), certainty, reasons, verdict.
    network : NetworkResult or None
    contrasts : DataFrame
        Every input row with its nodes, ``status`` and ``reason``.
    """

    outcome: str
    week: float
    measure: str
    reference: str
    table: pd.DataFrame = field(repr=False)
    network: NetworkResult | None = field(repr=False)
    contrasts: pd.DataFrame = field(repr=False)

    _title = "The eight ideas compared"

    def to_frame(self) -> pd.DataFrame:
        """The per-idea table at full precision."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        cap = f"{self.outcome} ({self.measure}) at week {format_number(self.week, 0)} vs control"
        cols = ["label", "studies", "participants", "estimate", "ci_low", "ci_high",
                "p_score", "rank", "certainty", "verdict"]  # fmt: skip
        return (
            f"<div><strong>{html.escape(self._title)}</strong>"
            f"{frame_to_html(self.table[cols], caption=cap)}</div>"
        )


def _pick_arms(rows: pd.DataFrame) -> pd.DataFrame:
    """Set aside arms that share a node with another arm of the same study."""
    rows = rows.copy()
    for sid, g in rows[rows["status"] == "used"].groupby("study_id"):
        arms: dict[str, list[str]] = {}
        for code, node in zip(
            pd.concat([g["treatment"], g["comparator"]]),
            pd.concat([g["node_treatment"], g["node_comparator"]]),
            strict=True,
        ):
            arms.setdefault(node, [])
            if code not in arms[node]:
                arms[node].append(code)
        for node, codes in arms.items():
            if len(codes) < 2:
                continue
            # prefer an attention-controlled arm (sham / placebo), else the first
            keep = next((c for c in codes if {"sham", "placebo"} & set(split_codes(c))), codes[0])
            drop = [c for c in codes if c != keep]
            hit = g.index[g["treatment"].isin(drop) | g["comparator"].isin(drop)]
            hit = [i for i in hit if rows.at[i, "status"] == "used"]
            rows.loc[hit, "status"] = "set aside"
            rows.loc[hit, "reason"] = (
                f"arm(s) {drop} share node {node!r} with arm {keep!r} of study {sid}"
            )
    return rows


def _verdict(label: str, level: str, est: float, lo: float, hi: float, outcome: str,
             measure: str, week: float, threshold: float) -> str:  # fmt: skip
    what = _WORDS.get(outcome, outcome)
    when = "" if outcome == "pain_free" else f" at {week:g} weeks"
    if lo <= 0 <= hi:
        if level == "very low":
            return f"We are very uncertain whether {label.lower()} changes {what}{when}."
        return f"{label} may make little or no difference to {what}{when} compared with control."
    ratio = measure in ("logOR", "logHR")
    up = est > 0
    verb = ("raises" if up else "lowers") if not ratio else ("increases" if up else "reduces")
    size, mcid_text = _size_words(est, outcome, measure, threshold)
    hedge = {"high": "", "moderate": "probably ", "low": "may ", "very low": None}[level]
    if hedge is None:
        return f"We are very uncertain whether {label.lower()} changes {what}{when}."
    important = abs(est) >= threshold if math.isfinite(threshold) else False
    tail = f"{'at least' if important else 'less than'} the MCID of {mcid_text}"
    if hedge == "may ":
        verb = verb[:-1] if verb.endswith("s") else verb
    return f"{label} {hedge}{verb} {what} {size}{when} compared with control ({tail})."


def _size_words(est: float, outcome: str, measure: str, threshold: float) -> tuple[str, str]:
    """Size of an effect and the MCID in words, with their units (display only)."""
    if measure in ("logOR", "logHR"):
        name = "odds" if measure == "logOR" else "hazard"
        return (
            f"{math.exp(est):.2f}-fold ({name} ratio)",
            f"{'an' if name == 'odds' else 'a'} {name} ratio of {math.exp(threshold):.2g}, an assumed value",
        )
    if measure == "SMD":
        return (
            f"by about {abs(est):.2g} standard deviations",
            f"{threshold:g} standard deviations, an assumed value",
        )
    unit = {"pain": "points on the 0–10 scale", "akps": "AKPS points"}.get(outcome, "units")
    return f"by about {abs(est):.2g} {unit}", f"{threshold:g} {unit}"


def compare_ideas(
    study: Any,
    outcome: str = "pain",
    week: float = 12,
    reference: str = CONTROL,
    random: bool = True,
    method_tau: str = "DL",
) -> IdeasComparison:
    """Compare the eight ideas by network meta-analysis of a study's evidence.

    Parameters
    ----------
    study : kneestudy.Study
    outcome : {"pain", "akps", "recovered", "pain_free"}
        Lower is better for pain; higher for AKPS, recovery (logOR) and time
        to pain-free (logHR > 0 = sooner), which sets the P-score direction.
    week : float
    reference : str
        Node the estimates are against (``control``).
    random : bool
        Random-effects (default) or common-effect network.
    method_tau : {"DL", "REML"}

    Returns
    -------
    IdeasComparison

    Examples
    --------
    >>> import kneestudy as ks  # doctest: +SKIP
    >>> ks.compare_ideas(ks.datasets.demo_study()).table[["idea", "certainty"]]  # doctest: +SKIP
    """
    rows = study_contrasts(study, outcome=outcome, week=week)
    measure = (
        str(rows.loc[rows["status"] == "used", "measure"].mode().iloc[0])
        if (rows["status"] == "used").any()
        else "MD"
    )
    rows["node_treatment"] = [
        node_of(c) if isinstance(c, str) and c else "" for c in rows["treatment"]
    ]
    rows["node_comparator"] = [
        node_of(c) if isinstance(c, str) and c else "" for c in rows["comparator"]
    ]
    same = (rows["status"] == "used") & (rows["node_treatment"] == rows["node_comparator"])
    rows.loc[same, "status"] = "set aside"
    rows.loc[same, "reason"] = "both arms map to the same node"
    rows = _pick_arms(rows)
    used = rows[rows["status"] == "used"]
    net = None
    if len(used):
        data = used.assign(treatment=used["node_treatment"], comparator=used["node_comparator"])
        if reference not in set(data["treatment"]) | set(data["comparator"]):
            raise AnalysisError(f"no evidence involves the reference {reference!r} for {outcome}")
        small = "desirable" if outcome in LOWER_IS_BETTER else "undesirable"
        net = network(data, reference=reference, random=random, method_tau=method_tau,
                      small_values=small)  # fmt: skip
    threshold = cert.mcid(outcome, measure)
    out = []
    for code, idea in IDEAS.items():
        rec: dict[str, Any] = {"idea": code, "label": idea.label}
        involved = used[(used["node_treatment"] == code) | (used["node_comparator"] == code)]
        if net is None or code not in net.treatments or code == reference:
            rec.update(studies=0, participants=0.0, certainty="no evidence", reasons="",
                       verdict=f"No evidence on {idea.label.lower()} for this outcome.")  # fmt: skip
            out.append(rec)
            continue
        e = net.effects.set_index("treatment").loc[code]
        ps = net.pscores.set_index("treatment").loc[code]
        node = net.nodes.set_index("treatment").loc[code]
        sp = net.split
        split_p = sp.loc[(sp["treat1"] == code) | (sp["treat2"] == code), "p_value"].tolist()
        direct = (
            (involved["node_treatment"] == reference) | (involved["node_comparator"] == reference)
        ).any()
        level, reasons = cert.rate(
            involved["risk_of_bias"].fillna("some_concerns").astype(str).tolist(),
            (e["ci_low"], e["ci_high"]), (e["pi_low"], e["pi_high"]), split_p,
            involved["population"].fillna("").astype(str).tolist(), bool(direct), threshold,
        )  # fmt: skip
        rec.update(
            studies=int(node["n_studies"]),
            participants=float(node["n_participants"]),
            estimate=float(e["estimate"]), se=float(e["se"]),
            ci_low=float(e["ci_low"]), ci_high=float(e["ci_high"]),
            pi_low=float(e["pi_low"]), pi_high=float(e["pi_high"]),
            p_score=float(ps["p_score"]), rank=int(ps["rank"]),
            certainty=level, reasons="; ".join(reasons),
            verdict=_verdict(idea.label, level, float(e["estimate"]), float(e["ci_low"]),
                             float(e["ci_high"]), outcome, measure, float(week), threshold),
        )  # fmt: skip
        out.append(rec)
    table = pd.DataFrame(out)
    for c in ("estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "p_score"):
        if c not in table:
            table[c] = np.nan
    # Rank among the ideas with evidence (1 = highest P-score), not among all
    # network nodes: the comparators (control, knee exercise) are not ranked here.
    table["network_rank"] = table["rank"] if "rank" in table else pd.NA
    table["network_rank"] = table["network_rank"].astype("Int64")
    table["rank"] = table["p_score"].rank(ascending=False, method="min").astype("Int64")
    cols = ["idea", "label", "studies", "participants", "estimate", "se", "ci_low", "ci_high",
            "pi_low", "pi_high", "p_score", "rank", "network_rank", "certainty", "reasons",
            "verdict"]  # fmt: skip
    return IdeasComparison(
        outcome=outcome, week=float(week), measure=measure, reference=reference,
        table=table[cols], network=net, contrasts=rows,
    )  # fmt: skip
