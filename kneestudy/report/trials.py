"""The included trials of an evidence base, and its published figures with their quotes.

:func:`included_trials` is the table of included trials a systematic review
prints (Cochrane Handbook §5.3, "characteristics of included studies"): the
citation with its DOI and PMID as links, the population (indirect ones
flagged), the arms as randomised, the time points and outcomes the rows
report, and the risk of bias with whose judgement it is. :func:`published_figures`
lists every published number of the evidence base with the verbatim sentence
or table cell it comes from and, where a number was derived, how.

Both read the study's tables (``studies``, ``contrasts``, ``arm_summaries``)
and, when given, the trial files (``trials/*.toml``: arms as randomised).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from kneestudy.plots.labels import intervention_label
from kneestudy.report import format as fmt
from kneestudy.report.content import Column, Table

__all__ = [
    "PFP",
    "included_trials",
    "included_trials_table",
    "published_figures",
    "published_figures_table",
    "short_citation",
]

PFP = "patellofemoral pain"
_OUTCOMES = {"pain": "pain", "akps": "AKPS", "function": "function", "recovered": "recovery",
             "adverse_events": "adverse events"}  # fmt: skip


def _is_initials(token: str) -> bool:
    return (sum(ch.isupper() for ch in token) >= 2 or (len(token) == 1 and token.isupper())) \
        and token.isalpha()  # fmt: skip


def short_citation(citation: Any, study_id: Any = "") -> str:
    """ "Bennell 2005" from a Vancouver citation (first author's surname) and the year.

    The year is the study id's trailing digits, else the first year-like number
    of the citation.

    >>> short_citation("de Souza Junior JR, Rabelo PHR. Effects ... PLoS One 2024;19:e0295645.",
    ...                "desouzajunior2024")
    'de Souza Junior 2024'
    """
    text = str(citation or "").strip()
    first = re.split(r"[,.]", text, maxsplit=1)[0].split()
    while len(first) > 1 and _is_initials(first[-1]):
        first = first[:-1]
    name = " ".join(first) or str(study_id)
    year = re.search(r"(\d{4})[a-z]?$", str(study_id or ""))
    if year is None:
        year = re.search(r"\b(19|20)\d{2}\b", text)
        y = year.group(0) if year else ""
    else:
        y = year.group(1)
    return f"{name} {y}".strip()


def _literature(study: Any) -> pd.DataFrame:
    frames = []
    for kind, frame in (("contrast", study.contrasts), ("arm summary", study.arm_summaries)):
        if isinstance(frame, pd.DataFrame) and len(frame) and "study_id" in frame:
            frames.append(frame.assign(_kind=kind))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _outcome_text(g: pd.DataFrame) -> str:
    from kneestudy.schemas.instruments import INSTRUMENTS

    by: dict[str, list[str]] = {}
    for o, inst in g[["outcome", "instrument"]].drop_duplicates().itertuples(index=False):
        family = str(o).split("_")[0] if str(o).split("_")[0] in _OUTCOMES else str(o)
        label = INSTRUMENTS[inst].label if isinstance(inst, str) and inst in INSTRUMENTS else inst
        names = by.setdefault(_OUTCOMES.get(family, family), [])
        if label and str(label) not in names:
            names.append(str(label))
    return "; ".join(f"{k} ({', '.join(v)})" if v else k for k, v in by.items())


def _arms_text(sid: str, g: pd.DataFrame, trials: Mapping[str, Any] | None) -> str:
    trial = None
    for t in (trials or {}).values():
        if isinstance(t, Mapping) and t.get("study_id") == sid:
            trial = t
    if trial is not None and trial.get("arms"):
        out = []
        for a in trial["arms"]:
            n = a.get("n_randomised")
            out.append(f"{a['arm']}" + (f" (n = {n})" if n is not None else ""))
        return "; ".join(out)
    codes: list[str] = []
    for col in ("intervention", "treatment", "comparator"):
        if col in g:
            codes.extend(str(c) for c in g[col].dropna() if str(c))
    return "; ".join(dict.fromkeys(intervention_label(c) for c in codes))


def _url(prefix: str, value: Any) -> str | None:
    return None if fmt.is_missing(value) else f"{prefix}{str(value).strip()}"


def included_trials(study: Any, trials: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One row per included study (module docstring), in the order of ``study.studies``."""
    lit = _literature(study)
    studies = getattr(study, "studies", None)
    if not isinstance(studies, pd.DataFrame) or not len(studies):
        ids = list(dict.fromkeys(lit["study_id"].astype(str))) if len(lit) else []
        studies = pd.DataFrame({"study_id": ids})
    rows = []
    for rec in studies.to_dict("records"):
        sid = str(rec["study_id"])
        g = lit[lit["study_id"].astype(str) == sid] if len(lit) else lit
        pop = rec.get("population")
        if fmt.is_missing(pop) and len(g) and "population" in g:
            pop = next((p for p in g["population"] if isinstance(p, str) and p), None)
        pop = str(pop) if not fmt.is_missing(pop) else "not stated"
        indirect = pop.strip().lower() != PFP and pop != "not stated"
        citation = rec.get("citation")
        if fmt.is_missing(citation) and len(g) and "source" in g:
            citation = next((s for s in g["source"] if isinstance(s, str) and s), sid)
        doi, pmid = rec.get("doi"), rec.get("pmid")
        weeks = sorted({float(w) for w in g["week"] if float(w) > 0}) if len(g) else []
        times = (f"week{'s' if len(weeks) > 1 else ''} "
                 + ", ".join(fmt.weeks(w) for w in weeks)) if weeks else "baseline only"  # fmt: skip
        rob = rec.get("risk_of_bias")
        source = rec.get("rob_source")
        by = ("own RoB 2 judgement" if source == "own" else
              f"published: {rec.get('rob_review') or 'review'}" if source == "published" else
              "not stated")  # fmt: skip
        design = rec.get("design")
        rows.append({
            "study": short_citation(citation, sid), "study_id": sid, "citation": citation,
            "reference": f"{short_citation(citation, sid)}\n{citation}",
            "doi": None if fmt.is_missing(doi) else str(doi), "doi_url": _url("https://doi.org/", doi),
            "pmid": None if fmt.is_missing(pmid) else str(pmid),
            "pmid_url": _url("https://pubmed.ncbi.nlm.nih.gov/", pmid),
            "population": pop + (" (indirect)" if indirect else ""), "indirect": indirect,
            "design": "" if fmt.is_missing(design) else str(design).replace("_", " "),
            "n_randomised": rec.get("n_randomised"), "arms": _arms_text(sid, g, trials),
            "timepoints": times,
            "outcomes": _outcome_text(g) if len(g) and "instrument" in g else
            ", ".join(dict.fromkeys(g["outcome"].astype(str))) if len(g) else "",
            "risk_of_bias": "not reported" if fmt.is_missing(rob) else str(rob).replace("_", " "),
            "rob_by": by,
            "rob_text": ("not reported" if fmt.is_missing(rob) else str(rob).replace("_", " "))
            + f"\n({by})",
        })  # fmt: skip
    return pd.DataFrame(rows)


def included_trials_table(study: Any, trials: Mapping[str, Any] | None = None) -> Table:
    """The report table of :func:`included_trials`."""
    frame = included_trials(study, trials)
    n_ind = int(frame["indirect"].sum()) if len(frame) else 0
    own = int((frame["rob_by"] == "own RoB 2 judgement").sum()) if len(frame) else 0
    return Table(
        "evidence-trials",
        f"The {len(frame)} included studies: reference, population, arms as randomised, time "
        "points and outcomes used, and risk of bias",
        frame,
        (
            Column("reference", "Study", style="text"),
            Column("doi", "DOI", style="link", fields=("doi", "doi_url")),
            Column("pmid", "PMID", style="link", fields=("pmid", "pmid_url")),
            Column("population", "Population", style="text"),
            Column("arms", "Arms (randomised)", style="text"),
            Column("timepoints", "Time points used", style="text"),
            Column("outcomes", "Outcomes (instruments)", style="text"),
            Column("rob_text", "Risk of bias (RoB 2)", "judged by", style="text"),
        ),
        notes=(
            f"Indirect: {n_ind} studies of another population than patellofemoral pain "
            "(patellofemoral or knee osteoarthritis), used as indirect evidence and set aside "
            "in a sensitivity analysis.",
            f"Risk of bias: {own} of {len(frame)} judgements are our own RoB 2 assessments "
            "(Sterne et al. 2019), made from the text that could be read (mostly the "
            "abstract)"
            + (
                "; the others are a published review's."
                if own < len(frame)
                else "; no published review's trial-level judgement could be read."
            ),
            "Time points: the weeks of the rows (3 months = 13, 6 months = 26, 12 months = 52 "
            "weeks); the wording of each paper is in the table of published figures.",
        ),
    )


def _figure_text(rec: Mapping[str, Any]) -> str:
    if rec.get("_kind") == "contrast":
        m = str(rec.get("published_measure") or rec.get("measure") or "")
        est = rec.get("published_estimate")
        lo, hi = rec.get("published_ci_low"), rec.get("published_ci_high")
        text = f"{m} {fmt.weeks(est)}"
        if not fmt.is_missing(lo) and not fmt.is_missing(hi):
            text += f" (95% CI {fmt.weeks(lo)} to {fmt.weeks(hi)})"
        elif not fmt.is_missing(rec.get("published_se")):
            text += f" (SE {fmt.weeks(rec['published_se'])})"
        elif not fmt.is_missing(rec.get("published_p")):
            text += f" (p = {fmt.weeks(rec['published_p'])})"
        for side in ("treatment", "comparator"):
            n = rec.get(f"n_{side}")
            if not fmt.is_missing(n):
                text += f"; n {side} {fmt.count(n)}"
        return text
    n = rec.get("n")
    if not fmt.is_missing(rec.get("events")):
        return f"{fmt.count(rec['events'])} of {fmt.count(n)}"
    text = f"n {fmt.count(n)}, mean {fmt.weeks(rec.get('mean'))}"
    sd = rec.get("sd")
    if not fmt.is_missing(sd) and fmt.is_missing(rec.get("derivation")):
        text += f" (SD {fmt.weeks(sd)})"
    for name, col in (("95% CI", "published_ci_low"), ("SE", "published_se")):
        if not fmt.is_missing(rec.get(col)):
            text += (f", 95% CI {fmt.weeks(rec[col])} to {fmt.weeks(rec['published_ci_high'])}"
                     if name == "95% CI" else f", SE {fmt.weeks(rec[col])}")  # fmt: skip
    return text + (" (change from baseline)" if bool(rec.get("change")) else "")


def published_figures(study: Any) -> pd.DataFrame:
    """Every published row: study, what, time point, the figure as printed, quote, location."""
    lit = _literature(study)
    if not len(lit):
        return pd.DataFrame(columns=["study", "what", "timepoint", "figure", "quote", "location",
                                     "derivation"])  # fmt: skip
    names = {}
    studies = getattr(study, "studies", None)
    if isinstance(studies, pd.DataFrame) and len(studies) and "citation" in studies:
        names = {str(r.study_id): short_citation(r.citation, r.study_id)
                 for r in studies.itertuples(index=False)}  # fmt: skip
    rows = []
    for rec in lit.to_dict("records"):
        sid = str(rec["study_id"])
        if rec["_kind"] == "contrast":
            what = (
                f"{intervention_label(rec['treatment'])} vs {intervention_label(rec['comparator'])}"
            )
        else:
            what = f"{rec.get('arm') or intervention_label(rec.get('intervention'))}"
        what += f": {rec['outcome']}"
        tp = rec.get("timepoint")
        rows.append({
            "study": names.get(sid, sid), "what": what,
            "timepoint": tp if isinstance(tp, str) and tp else f"week {fmt.weeks(rec['week'])}",
            "figure": _figure_text(rec), "quote": rec.get("quote") or "",
            "location": rec.get("location") or "",
            "derivation": "" if fmt.is_missing(rec.get("derivation")) else str(rec["derivation"]),
        })  # fmt: skip
    return pd.DataFrame(rows)


def published_figures_table(study: Any) -> Table:
    """Every published figure with its verbatim quote (folded in HTML: long)."""
    frame = published_figures(study)
    derived = int((frame["derivation"] != "").sum()) if len(frame) else 0
    return Table(
        "evidence-quotes",
        "Every published figure of the evidence base with the verbatim sentence or table cell "
        "it comes from",
        frame,
        (
            Column("study", "Study", style="text"),
            Column("what", "Arm or comparison: outcome", style="text"),
            Column("timepoint", "Time point", style="text"),
            Column("figure", "Figure as published", style="text"),
            Column("quote", "Verbatim quote", style="text"),
            Column("location", "Where in the source", style="text"),
            Column("derivation", "Derived number (method)", style="text", missing=""),
        ),
        notes=(
            "Every number of a row is printed in its quote (checked by the evidence base's "
            f"quote test). {derived} rows carry a number the paper does not print (an SD or "
            "SE), derived by the Cochrane Handbook's methods (§6.5.2) as stated.",
        ),
        collapse=f"All {len(frame)} published figures with their verbatim quotes",
    )
