"""The tables of one outcome and window of the comparison of the eight ideas.

Each function takes an :class:`~kneestudy.compare.IdeasComparison` and returns
a report :class:`~kneestudy.report.content.Table` (data at full precision,
display rules per column) whose caption says what is compared with what and
which direction is better:

==============================  ==============================================
:func:`ideas_table`             per idea: estimate, CI, PI, P-score, rank
                                among the eight, certainty, verdict
:func:`sof_table`               the summary of findings, as the GRADE table
                                for network meta-analysis (Yepes-Nuñez et al.
                                2019): without and with the idea, difference,
                                relative effect, participants (studies),
                                certainty with footnoted reasons
:func:`certainty_table`         the six CINeMA domains per idea
:func:`certainty_reasons_table` each domain's reason (long; folded in HTML)
:func:`tests_table`             τ², I², Q, additivity, design-by-treatment
:func:`node_split_table`        direct against indirect evidence
:func:`sensitivity_table`       each idea's estimate and rank per analysis
:func:`contrasts_summary_table` rows used and set aside, by reason
:func:`contrasts_table`         every row with its status and reason (folded)
==============================  ==============================================

References
----------
Yepes-Nuñez JJ, Li SA, Guyatt G, et al. (2019). Development of the summary of
findings table for network meta-analysis. *J Clin Epidemiol* 115:1–13.
Nikolakopoulou A, Higgins JPT, Papakonstantinou T, et al. (2020). CINeMA: an
approach for assessing confidence in the results of a network meta-analysis.
*PLoS Med* 17:e1003082.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from kneestudy.interventions import INACTIVE_REFERENCE
from kneestudy.plots.labels import intervention_label
from kneestudy.report import format as fmt
from kneestudy.report.content import Column, Paragraph, Table

__all__ = [
    "OUTCOME_NAMES",
    "certainty_reasons_table",
    "certainty_table",
    "contrasts_summary_table",
    "contrasts_table",
    "direction",
    "heading",
    "lower",
    "lower_first",
    "ideas_table",
    "node_label",
    "node_split_table",
    "reason_kind",
    "scale_text",
    "sensitivity_table",
    "short_verdict",
    "sof_table",
    "tests_table",
]

#: How each outcome of the comparison is named in the report.
OUTCOME_NAMES: dict[str, str] = {
    "pain": "Pain",
    "akps": "Function (AKPS)",
    "function": "Function (other scales)",
    "recovered": "Recovery",
    "pain_free": "Time to pain-free",
}
_DOMAIN_ORDER = ("within-study bias", "reporting bias", "indirectness", "imprecision",
                 "heterogeneity", "incoherence")  # fmt: skip
_RATIO_NAME = {"logOR": "Odds ratio", "logHR": "Hazard ratio", "logRR": "Risk ratio"}


def is_ratio(cmp: Any) -> bool:
    return str(cmp.measure).startswith("log")


def node_label(code: Any) -> str:
    """A combination's label; the inactive reference reads "Inactive control"."""
    if code == INACTIVE_REFERENCE:
        return "Inactive control"
    return intervention_label(code)


def lower_first(text: str) -> str:
    """``text`` with its first letter lower case, unless it starts an acronym ("AKPS")."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def lower(text: str) -> str:
    """``text`` in lower case but for acronyms of the outcomes ("function (AKPS)")."""
    return text.lower().replace("akps", "AKPS").replace("(sd", "(SD")


def heading(cmp: Any) -> str:
    """ "Pain, up to 3 months"."""
    name = OUTCOME_NAMES.get(cmp.outcome, cmp.outcome)
    return f"{name}, {cmp.window_label}" if cmp.window.name != "time to event" else name


def scale_text(cmp: Any) -> str:
    """The scale in words: "mean difference, points on the 0–10 pain scale"."""
    if is_ratio(cmp):
        return f"{_measure_name(cmp).lower()} (analysed on the log scale)"
    return f"{_measure_name(cmp).lower()}, {cmp.scale}"


def _digits(cmp: Any) -> int:
    return 2 if is_ratio(cmp) or cmp.measure == "SMD" else 1


def _measure_name(cmp: Any) -> str:
    if is_ratio(cmp):
        return _RATIO_NAME.get(cmp.measure, cmp.measure)
    return "Standardised mean difference" if cmp.measure == "SMD" else "Mean difference"


def _unit(cmp: Any) -> str:
    if is_ratio(cmp):
        return "ratio"
    if cmp.measure == "SMD":
        return "SD units"
    return "points, 0–10" if cmp.outcome == "pain" else "points, 0–100"


def direction(cmp: Any, who: str = "the idea") -> str:
    """Which direction of the estimates is better, in words."""
    if cmp.outcome == "recovered":
        return f"An odds ratio above 1 favours {who} (more people recovered)."
    if cmp.outcome == "pain_free":
        return f"A hazard ratio above 1 favours {who} (pain-free sooner)."
    if cmp.outcome == "pain":
        return f"Negative differences favour {who} (less pain)."
    return f"Positive differences favour {who} (better function)."


def _what(cmp: Any) -> str:
    return (
        f"{_measure_name(cmp).lower()} in {lower(OUTCOME_NAMES.get(cmp.outcome, cmp.outcome))}"
        + (f" {cmp.window_label}" if cmp.window.name != "time to event" else "")
        + f", each idea against {cmp.reference_label}"
    )


def _evidence_text(studies: Any, participants: Any, participants_first: bool = False) -> str:
    """ "studies (participants)", or with ``participants_first`` "participants (studies)" as a
    GRADE summary-of-findings table writes it (Guyatt et al. 2013, J Clin Epidemiol 66:158)."""
    if fmt.is_missing(studies) or not float(studies):
        return "none"
    n = "n not reported" if fmt.is_missing(participants) or not float(participants) else \
        fmt.count(participants)  # fmt: skip
    if participants_first:
        return f"{n} ({fmt.count(studies)} {'study' if float(studies) == 1 else 'studies'})"
    return f"{fmt.count(studies)} ({n})"


def _status_text(status: Any) -> str:
    return {"not estimable": "not estimable", "no evidence": "no evidence"}.get(str(status), "")


def ideas_table(cmp: Any, key: str) -> Table:
    """The per-idea table (all eight, registry order)."""
    t = cmp.table.copy()
    t["evidence"] = [_evidence_text(s, p) for s, p in zip(t["studies"], t["participants"],
                                                          strict=True)]  # fmt: skip
    t["status_text"] = [_status_text(s) for s in t["status"]]
    k = int(t["rank"].notna().sum())
    t["rank_text"] = [f"{int(r)} of {k}" if pd.notna(r) else "" for r in t["rank"]]
    t["verdict_short"] = [short_verdict(cmp, r) for _, r in t.iterrows()]
    exp = "exp" if is_ratio(cmp) else None
    d = _digits(cmp)
    cols = (
        Column("label", "Idea", style="text"),
        Column("evidence", "Studies (participants)", style="text"),
        Column("estimate", f"{_measure_name(cmp)} (95% CI)", _unit(cmp), "estimate_ci", d,
               ("estimate", "ci_low", "ci_high"), exp, fallback="status_text"),
        Column("pi_low", "95% prediction interval", style="ci", digits=d,
               fields=("pi_low", "pi_high"), transform=exp),
        Column("p_score", "P-score", digits=2),
        Column("rank_text", "Rank", "among the ideas estimated", "text"),
        Column("certainty", "Certainty", style="text"),
        Column("verdict_short", "What it means", style="text"),
    )  # fmt: skip
    notes = [
        "Additive model: each idea's own component effect, so an idea tested only as an add-on "
        "(e.g. balance training added to knee exercise) is credited with its add-on effect only.",
        "Not estimable: the idea is in the evidence, but only together with components the "
        "network cannot separate it from. No evidence: no usable row tests the idea here.",
        "Prediction interval: where the effect in a new study would lie (– : fewer than 2 "
        "degrees of freedom for τ²). P-score: the mean certainty that the idea is better than "
        "another idea (Rücker & Schwarzer 2015); rank 1 = highest P-score.",
        f"MCID {cmp.mcid:g}" + (" (log scale)" if is_ratio(cmp) else "")
        + f": {cmp.mcid_source}.",
    ]  # fmt: skip
    return Table(key, "Each idea compared: " + _what(cmp), t, cols, direction=direction(cmp),
                 notes=tuple(notes))  # fmt: skip


def _letters(n: int) -> str:
    out, n = "", n + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


def sof_table(cmp: Any, key: str, sof: pd.DataFrame | None = None) -> Table:
    """Summary of findings (Yepes-Nuñez et al. 2019), one row per idea, reasons as footnotes."""
    s = (sof if sof is not None else cmp.summary_of_findings()).copy()
    ratio = is_ratio(cmp)
    d = _digits(cmp)
    cert = cmp.certainty
    notes: dict[str, str] = {}
    marks = []
    for idea in s["idea"]:
        rows = cert[(cert["idea"] == idea) & (cert["downgrade"] > 0)] if len(cert) else cert
        tags = []
        for r in rows.itertuples(index=False):
            text = (f"{r.domain}, rated down {int(r.downgrade)} level"
                    f"{'s' if int(r.downgrade) > 1 else ''}: {r.reason}")  # fmt: skip
            tag = notes.setdefault(text, _letters(len(notes)))
            tags.append(tag)
        marks.append(tags)
    t = cmp.table.set_index("idea")
    s["certainty_text"] = [
        (str(c) + (f" ({', '.join(m)})" if m else "")) if isinstance(c, str) and c else ""
        for c, m in zip(s["certainty"], marks, strict=True)
    ]
    s["evidence"] = [_evidence_text(k, n, participants_first=True)
                     for k, n in zip(s["studies"], s["participants"], strict=True)]  # fmt: skip
    s["status_text"] = [_status_text(t.loc[i, "status"]) for i in s["idea"]]
    s["rank"] = [t.loc[i, "rank"] for i in s["idea"]]
    s["verdict_short"] = [short_verdict(cmp, t.loc[i]) for i in s["idea"]]
    per = "per 1,000" if ratio else _unit(cmp)
    cols = [
        Column("label", "Idea", style="text"),
        Column("evidence", "Participants (studies)", style="text"),
    ]
    if ratio:
        cols.append(Column("relative_effect", f"Relative effect: {_measure_name(cmp).lower()} "
                           "(95% CI)", style="estimate_ci", digits=2,
                           fields=("relative_effect", "relative_ci_low", "relative_ci_high"),
                           fallback="status_text"))  # fmt: skip
    cols += [
        Column("comparator_value", "Without the idea", per, "number", 0 if ratio else d),
        Column("intervention_value", "With the idea", per, "number", 0 if ratio else d),
        Column("absolute_effect", "Difference (95% CI)", per, "estimate_ci", 0 if ratio else d,
               ("absolute_effect", "absolute_ci_low", "absolute_ci_high"),
               fallback="status_text"),
        Column("certainty_text", "Certainty", "GRADE", "text"),
        Column("rank", "Rank", style="count"),
        Column("verdict_short", "What it means", style="text"),
    ]  # fmt: skip
    basis = str(s["comparator_basis"].iloc[0]) if len(s) else ""
    foot = [f"{tag}. {text}" for text, tag in notes.items()]
    head = [
        f"Without the idea: {basis}." if basis else "",
        "With the idea: the comparator value plus the network difference"
        + (" (risk from the odds ratio: OR·p / (1 − p + OR·p))." if ratio else ".")
        + " Difference: the idea's effect against inactive control, as in the network table.",
        "Certainty (GRADE for network meta-analysis): high, moderate, low or very low; the "
        "letters point to the reasons for rating down below.",
    ]
    return Table(
        key,
        "Summary of findings: " + _what(cmp),
        s,
        tuple(cols),
        direction=direction(cmp),
        notes=tuple(x for x in [*head, *foot] if x),
    )


def short_verdict(cmp: Any, row: Any) -> str:
    """The GRADE informative statement (Santesso et al. 2020) without the numbers."""
    text = str(row.get("verdict", "") or "")
    if row.get("status") != "estimated":
        return {"not estimable": "Not estimable: tested only together with components it cannot "
                "be separated from.", "no evidence": "No usable evidence."}.get(
                    str(row.get("status")), text)  # fmt: skip
    for name in ("standardised mean difference", "mean difference", "odds ratio", "hazard ratio",
                 "risk ratio"):  # fmt: skip
        cut = text.rfind(f" ({name} ")
        if cut > 0:
            return text[:cut].replace(f" compared with {cmp.reference_label}", "") + "."
    return text


def certainty_table(cmp: Any, key: str) -> Table:
    """The six domains per estimated idea (levels), with the overall certainty."""
    cert = cmp.certainty
    t = cmp.table[cmp.table["status"] == "estimated"]
    rows = []
    for r in t.itertuples(index=False):
        rec: dict[str, Any] = {"label": r.label, "certainty": r.certainty}
        g = cert[cert["idea"] == r.idea].set_index("domain")
        for dom in _DOMAIN_ORDER:
            if dom in g.index:
                lev, down = str(g.loc[dom, "level"]), int(g.loc[dom, "downgrade"])
                rec[dom] = lev + (f" (−{down})" if down else "")
            else:
                rec[dom] = ""
        rows.append(rec)
    frame = pd.DataFrame(rows, columns=["label", *_DOMAIN_ORDER, "certainty"])
    cols = [Column("label", "Idea", style="text")]
    cols += [Column(dom, dom.capitalize(), style="text") for dom in _DOMAIN_ORDER]
    cols.append(Column("certainty", "Overall certainty", style="text"))
    return Table(
        key,
        "Certainty of each idea's estimate by domain (CINeMA): " + lower(heading(cmp)),
        frame,
        tuple(cols),
        notes=(
            "Evidence from randomised trials starts at high certainty and is rated down one "
            "level for some concerns and two for major concerns in a domain (−1, −2); not "
            "assessed / not assessable domains rate nothing down and say why in the reasons "
            "(Nikolakopoulou et al. 2020; Brignardello-Petersen et al. 2018).",
        ),
    )


def certainty_reasons_table(cmp: Any, key: str) -> Table:
    """Every domain's level and reason, per idea (long; folded in HTML)."""
    c = cmp.certainty.copy()
    cols = (
        Column("label", "Idea", style="text"),
        Column("domain", "Domain", style="text"),
        Column("level", "Level", style="text"),
        Column("downgrade", "Levels down", style="count"),
        Column("reason", "Reason", style="text"),
    )
    return Table(key, "Reasons of the certainty ratings: " + lower(heading(cmp)), c, cols,
                 collapse=f"The reason of every certainty domain ({len(c)} ratings)")  # fmt: skip


def _p_meaning(p: float, what_low: str, what_high: str) -> str:
    if not math.isfinite(p):
        return ""
    return what_low if p < 0.10 else what_high


def tests_table(cmp: Any, key: str) -> Table:
    """Heterogeneity (τ², I², Q) and the additivity and design-by-treatment tests."""
    rows: list[dict[str, Any]] = []
    nan = math.nan
    rows.append({"test": f"Between-study variance τ² ({cmp.method_tau})", "value": cmp.tau2,
                 "df": nan, "p": nan, "meaning": "0 when the studies agree beyond chance; "
                 "its square root is the SD of the true effects"})  # fmt: skip
    rows.append({"test": "I² (%)", "value": cmp.i2, "df": nan, "p": nan,
                 "meaning": "share of the variability due to heterogeneity rather than chance"})  # fmt: skip
    rows.append({"test": "Q of the fitted model", "value": cmp.q, "df": cmp.df_q,
                 "p": cmp.q_p_value, "meaning": _p_meaning(cmp.q_p_value,
                 "heterogeneity or inconsistency beyond chance", "no heterogeneity detected")
                 if cmp.df_q and cmp.df_q > 0 else "no degrees of freedom: not testable"})  # fmt: skip
    a = cmp.additivity
    if a is not None:
        testable = a.df_diff > 0
        rows.append({
            "test": "Additivity (netcomb): Q additive − Q standard", "value": a.q_diff,
            "df": a.df_diff, "p": a.p_value if testable else nan,
            "meaning": (_p_meaning(a.p_value, "the additive model fits worse than the standard "
                        "network: additivity is doubtful", "no evidence against additivity")
                        if testable else "no degrees of freedom: not testable")
            + (f" (standard network fitted in {a.standard_parts} parts)"
               if a.standard_parts > 1 else ""),
        })  # fmt: skip
    dbt = cmp.design_by_treatment
    if dbt is not None:
        if dbt.assessable:
            rows.append({"test": "Design-by-treatment interaction (random effects)",
                         "value": dbt.q_random, "df": dbt.df_between, "p": dbt.p_value,
                         "meaning": _p_meaning(dbt.p_value, "designs disagree: incoherence",
                                               "no incoherence detected between designs")})  # fmt: skip
        else:
            rows.append({"test": "Design-by-treatment interaction", "value": nan, "df": nan,
                         "p": nan, "meaning": "not assessable: the network has no closed loop"})  # fmt: skip
    frame = pd.DataFrame(rows)
    cols = (
        Column("test", "Statistic or test", style="text"),
        Column("value", "Value", digits=3),
        Column("df", "df", style="count"),
        Column("p", "p", style="p"),
        Column("meaning", "What it means", style="text"),
    )
    return Table(key, "Heterogeneity and incoherence of the network: " + lower(heading(cmp)),
                 frame, cols, notes=("p < 0.10 is read as a signal, as in the certainty "
                                     "ratings (CINeMA).",))  # fmt: skip


def node_split_table(cmp: Any, key: str) -> Table | Paragraph:
    """Direct and indirect evidence of each comparison that has both (node splitting)."""
    ns = cmp.node_split
    have = (
        ns[ns["indirect"].notna()].copy()
        if isinstance(ns, pd.DataFrame) and len(ns) and "indirect" in ns
        else None
    )
    if have is None or not len(have):
        return Paragraph(
            f"Node splitting ({lower(heading(cmp))}): no comparison has both direct and "
            "indirect evidence, so direct and indirect estimates cannot be compared.",
            "muted",
        )
    z = 1.959963984540054
    have["comparison"] = [f"{node_label(a)} vs {node_label(b)}"
                          for a, b in zip(have["treat1"], have["treat2"], strict=True)]  # fmt: skip
    for name in ("network", "indirect", "difference"):
        se = have[f"se_{name}"].astype(float)
        have[f"{name}_lo"] = have[name].astype(float) - z * se
        have[f"{name}_hi"] = have[name].astype(float) + z * se
    exp = "exp" if is_ratio(cmp) else None
    d = _digits(cmp)
    cols = (
        Column("comparison", "Comparison", style="text"),
        Column("direct", "Direct (95% CI)", style="estimate_ci", digits=d,
               fields=("direct", "direct_ci_low", "direct_ci_high"), transform=exp),
        Column("indirect", "Indirect (95% CI)", style="estimate_ci", digits=d,
               fields=("indirect", "indirect_lo", "indirect_hi"), transform=exp),
        Column("network", "Network (95% CI)", style="estimate_ci", digits=d,
               fields=("network", "network_lo", "network_hi"), transform=exp),
        Column("prop_direct", "Direct share", "%", style="percent"),
        Column("difference", "Direct − indirect (95% CI)", style="estimate_ci", digits=d,
               fields=("difference", "difference_lo", "difference_hi")),
        Column("p_value", "p", style="p"),
    )  # fmt: skip
    return Table(
        key,
        "Direct against indirect evidence (node splitting by back-calculation on the "
        "combinations): " + lower(heading(cmp)),
        have.reset_index(drop=True),
        cols,
        direction="Each estimate is the first node against the second. "
        + direction(cmp, "the first node"),
        notes=("Direct − indirect: on the analysis scale"
               + (" (log ratio)" if is_ratio(cmp) else "") + "; p tests that it is 0.",),
    )  # fmt: skip


def sensitivity_table(cmp: Any, key: str, sens: pd.DataFrame | None = None) -> Table:
    """Each idea's estimate and rank in the primary analysis and in each sensitivity analysis.

    ``sens``: ``cmp.sensitivity()`` when already computed.
    """
    sens = sens if sens is not None else cmp.sensitivity()
    analyses = list(dict.fromkeys(sens["analysis"]))
    frame = cmp.table[["idea", "label", "estimate", "rank"]].rename(
        columns={"estimate": "primary_estimate", "rank": "primary_rank"})  # fmt: skip
    extra = sens[~sens["idea"].isin(frame["idea"])][["idea", "label"]].drop_duplicates("idea")
    if len(extra):
        extra = extra.assign(label=[f"{lab} (component, not an idea)" for lab in extra["label"]])
        frame = pd.concat([frame, extra], ignore_index=True)
    exp = "exp" if is_ratio(cmp) else None
    d = _digits(cmp)
    cols = [Column("label", "Idea", style="text"),
            Column("primary_estimate", "Primary analysis", "estimate (rank)", "estimate_rank",
                   d, ("primary_estimate", "primary_rank"), exp)]  # fmt: skip
    notes = []
    for i, name in enumerate(analyses):
        g = sens[sens["analysis"] == name].set_index("idea")
        changed = int(g["changed"].iloc[0]) if len(g) else 0
        e, r = f"a{i}_estimate", f"a{i}_rank"
        frame[e] = [g.loc[x, "estimate"] if x in g.index else math.nan for x in frame["idea"]]
        frame[r] = [g.loc[x, "rank"] if x in g.index else pd.NA for x in frame["idea"]]
        frame[f"a{i}_status"] = [
            _status_text(g.loc[x, "status"]) if x in g.index else "" for x in frame["idea"]
        ]
        unit = "same as primary" if changed == 0 else "estimate (rank)"
        cols.append(Column(e, name.capitalize(), unit, "estimate_rank", d, (e, r), exp,
                           fallback=f"a{i}_status"))  # fmt: skip
        desc = str(g["description"].iloc[0]) if len(g) else ""
        notes.append(f"{name.capitalize()}: {desc}"
                     + ("; nothing to change here, so the primary numbers." if changed == 0
                        else f" ({changed} changed)."))  # fmt: skip
    return Table(
        key,
        "Sensitivity analyses: how each idea's estimate and rank move, " + lower(heading(cmp)),
        frame,
        tuple(cols),
        direction=direction(cmp),
        notes=(
            "Each analysis re-fits the comparison with one decision changed (Cochrane Handbook "
            "§10.14); changed counts the rows set aside, the codes re-defined or the rows "
            "re-fitted.",
            *notes,
        ),
    )


#: (pattern, kind) of the reasons rows are used or set aside, first match wins.
_KINDS: tuple[tuple[str, str], ...] = (
    (r"^used", "in the window, nearest its target week"),
    (r"^baseline", "baseline (week 0), not a follow-up"),
    (r"outside the window", "outside the window"),
    (r"another time point", "another time point of the comparison is nearer the target week"),
    (r"single-arm", "single-arm study: no randomised comparison"),
    (r"one source per trial|individual participant data are analysed",
     "the trial's other source is used (one source per trial)"),
    (r"cannot be put on|not a difference of means|measures \w+, not|baseline SD|reference SD",
     "not on the comparison's scale"),
    (r"given twice", "the same comparison given twice"),
    (r"standard error is missing", "no usable estimate or standard error"),
    (r"no visit in the window|has no .* data", "no data in the window"),
    (r"^sensitivity analysis", "set aside by a sensitivity analysis"),
)  # fmt: skip


def reason_kind(reason: Any) -> str:
    """The kind of a row's reason (:data:`_KINDS`); an unknown reason is its own kind."""
    text = str(reason or "").strip()
    for pattern, kind in _KINDS:
        if re.search(pattern, text):
            return kind
    return text or "no reason recorded"


def contrasts_summary_table(cmp: Any, key: str) -> Table:
    """Rows used and set aside, counted by the kind of their reason."""
    c = cmp.contrasts
    kinds = c.assign(kind=[reason_kind(r) for r in c["reason"]])
    rows = []
    for (status, kind), g in kinds.groupby(["status", "kind"], sort=False):
        rows.append({"status": status, "kind": kind, "rows": len(g),
                     "studies": g["study_id"].nunique()})  # fmt: skip
    frame = pd.DataFrame(rows, columns=["status", "kind", "rows", "studies"])
    frame = frame.sort_values("status", key=lambda s: s.ne("used"), kind="stable")
    cols = (
        Column("status", "Status", style="text"),
        Column("kind", "Why", style="text"),
        Column("rows", "Rows", style="count"),
        Column("studies", "Studies", style="count"),
    )
    return Table(
        key,
        f"Evidence rows used and set aside, {lower(heading(cmp))} ({int((c['status'] == 'used').sum())} "
        f"of {len(c)} used)",
        frame.reset_index(drop=True),
        cols,
        notes=("Every row of this outcome is accounted for: rows read = used + set aside. The "
               "full list, row by row, follows.",),
    )  # fmt: skip


def contrasts_table(cmp: Any, key: str) -> Table:
    """Every row of the outcome with its status and reason (folded in HTML)."""
    c = cmp.contrasts.copy()
    c["comparison"] = [
        f"{intervention_label(t)} vs {intervention_label(k)}" if isinstance(k, str) and k
        else f"{intervention_label(t)} (one arm)"
        for t, k in zip(c["treatment"], c["comparator"], strict=True)
    ]  # fmt: skip
    cols = (
        Column("study_id", "Study", style="text"),
        Column("comparison", "Comparison", style="text"),
        Column("week", "Week", style="weeks"),
        Column("status", "Status", style="text"),
        Column("reason", "Reason", style="text"),
        Column("note", "Note", style="text", missing=""),
    )
    return Table(key, f"Every evidence row, {lower(heading(cmp))}, with its status and reason",
                 c, cols, collapse=f"All {len(c)} rows, used and set aside, with the reason "
                 "of each")  # fmt: skip
