"""The evidence report: what the published trials say about the eight ideas.

:func:`build_evidence_report` turns the evidence base (:func:`kneestudy.datasets.evidence`,
or any study of published rows only) into a report of the content model,
written as HTML and Word like every report (``kneestudy evidence``, ``make
report``). Its sections:

1. **Summary for a guideline panel and for runners** — per idea what the
   trials say and how sure we are, in the words of GRADE's informative
   statements (Santesso et al. 2020), and the summary of findings of pain up
   to 3 months;
2. **The eight ideas compared** — :func:`kneestudy.report.comparison.comparison_blocks`
   for pain, AKPS and recovery in each window with evidence;
3. **What others published** — the 2018 consensus and the living network
   meta-analysis against these findings (:mod:`kneestudy.report.discussion`);
4. **The included trials** — the trials table, risk-of-bias plots (whose
   judgements they are), the PRISMA 2020 flow counted from the search records
   (:mod:`kneestudy.report.search`) and every published figure with its quote;
5. **Limitations** — counted from the data: abstracts, trials left out,
   indirect populations, own risk-of-bias judgements, derived numbers;
6. data validation, methods and provenance.

The evidence base is never pooled with simulated cohorts: a study holding
any is refused.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kneestudy.interventions import IDEAS
from kneestudy.report.content import (
    Bullets,
    Column,
    Heading,
    Paragraph,
    Report,
    Section,
    Table,
)

__all__ = [
    "EVIDENCE_PLANNING_SECTION_IDS",
    "EVIDENCE_SECTION_IDS",
    "build_evidence_report",
    "limitations",
    "panel_summary",
]

#: Sections of the evidence report, in order.
EVIDENCE_SECTION_IDS: tuple[str, ...] = (
    "summary", "comparison", "discussion", "evidence", "limitations", "validation", "methods",
    "provenance",
)  # fmt: skip
#: With ``planning=``, the section planning the next trial follows the discussion.
EVIDENCE_PLANNING_SECTION_IDS: tuple[str, ...] = (
    *EVIDENCE_SECTION_IDS[:3], "planning", *EVIDENCE_SECTION_IDS[3:]
)  # fmt: skip
_HOW_SURE = {
    "high": "high: we are confident",
    "moderate": "moderate: probably",
    "low": "low: may",
    "very low": "very low: we are very uncertain",
}
_LEVELS = ("high", "moderate", "low", "very low")


def _trials_with(cmp: Any, idea: str) -> set[str]:
    """Studies with a used row whose two arms differ in ``idea``."""
    c = cmp.contrasts
    c = c[c["status"] == "used"]
    out = set()
    for s, a, b in zip(c["study_id"], c["components_treatment"], c["components_comparator"],
                       strict=True):  # fmt: skip
        if (idea in str(a).split("+")) != (idea in str(b).split("+")):
            out.add(str(s))
    return out


def panel_summary(runs: Sequence[Any]) -> pd.DataFrame:
    """Per idea (registry order): what the trials say, how sure we are, the trials behind it.

    Columns: idea, label, says (one line per outcome and window with an
    estimate, Santesso-worded), how_sure (the highest certainty of those
    findings, in words), trials (studies with a usable row testing the idea),
    n_trials.
    """
    from kneestudy.report.comparison_tables import lower, short_verdict

    rows = []
    for code, idea in IDEAS.items():
        says, levels, trials, blocked = [], [], set(), []
        for r in runs:
            if not r.usable:
                continue
            t = r.result.table.set_index("idea")
            row = t.loc[code]
            trials |= _trials_with(r.result, code)
            if row["status"] == "estimated":
                says.append(f"{short_verdict(r.result, row)[:-1]} ({row['certainty']} "
                            "certainty).")  # fmt: skip
                levels.append(str(row["certainty"]))
            elif row["status"] == "not estimable":
                blocked.append(lower(r.label))
        if blocked:
            says.append("Not estimable on its own (tested only with components it cannot be "
                        "separated from): " + "; ".join(blocked) + ".")  # fmt: skip
        best = min(levels, key=_LEVELS.index) if levels else ""
        rows.append({
            "idea": code, "label": idea.label,
            "says": "\n".join(says) if says else "No published trial gives a usable figure.",
            "how_sure": _HOW_SURE.get(best, "no estimate"), "trials": ", ".join(sorted(trials)),
            "n_trials": len(trials),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _runner_lines(runs: Sequence[Any]) -> list[str]:
    from kneestudy.report.discussion import direction_of

    helps, no_diff, unsure = set(), set(), set()
    for r in runs:
        if not r.usable:
            continue
        for _, row in r.result.table.iterrows():
            if row["status"] != "estimated":
                continue
            d = direction_of(row, r.result)
            if d == "benefit" and row["certainty"] in ("high", "moderate", "low"):
                helps.add(row["label"])
            elif d in ("little or no difference", "small benefit", "small harm") and row[
                "certainty"] in ("high", "moderate"):  # fmt: skip
                no_diff.add(row["label"])
            else:
                unsure.add(row["label"])
    order = [i.label for i in IDEAS.values()]
    none = [lab for lab in order if lab not in helps | no_diff | unsure]

    def names(s: set[str]) -> str:
        return ", ".join(x for x in order if x in s)

    out = []
    out.append("May help on at least one outcome (an important benefit whose 95% CI excludes "
               f"no effect, low certainty or better): {names(helps) or 'none'}.")  # fmt: skip
    if no_diff:
        out.append("Probably little or no difference on at least one outcome (moderate or "
                   f"high certainty): {names(no_diff)}.")  # fmt: skip
    only_unsure = unsure - helps - no_diff
    if only_unsure:
        out.append(f"Too uncertain to say: {names(only_unsure)}.")
    if none:
        out.append(f"No usable published trial: {', '.join(none)}.")
    return out


def _summary_blocks(study: Any, runs: Sequence[Any]) -> list[Any]:
    from kneestudy.report.comparison import summary_of_findings

    panel = panel_summary(runs)
    n_studies = len(getattr(study, "studies", pd.DataFrame()))
    with_any = int((panel["n_trials"] > 0).sum())
    out: list[Any] = [
        Paragraph(
            f"{n_studies} published randomised trials and reviews make up this evidence base; "
            f"{with_any} of the eight ideas have at least one trial with a usable figure. Every "
            "number comes from a paper, with its verbatim quote; most were read in abstracts. "
            "For most ideas the certainty is low or very low: the trials are few and small, and "
            "some are of another population.",
            "lead",
        ),
        Table(
            "evidence-panel-summary",
            "What the published trials say about each idea, and how sure we are (GRADE "
            "informative statements, Santesso et al. 2020)",
            panel,
            (
                Column("label", "Idea", style="text"),
                Column("says", "What the trials say", style="text"),
                Column("how_sure", "How sure we are (highest certainty)", style="text"),
                Column("n_trials", "Trials", style="count"),
            ),
            notes=(
                "Each line: one outcome and window with an estimate against inactive control "
                "(usual care, wait and see, placebo, sham, flat inserts); the idea's own "
                "effect in the additive component model. Certainty: high (we are confident), "
                "moderate (probably), low (may), very low (we are very uncertain).",
                "Trials: studies with a usable row comparing arms that differ in the idea.",
            ),
        ),
        Bullets(tuple(_runner_lines(runs)), title="For a runner with kneecap pain, in short"),
    ]
    first = runs[0] if runs else None
    if first is not None and first.usable:
        out.append(summary_of_findings(first))
    return out


def limitations(study: Any, runs: Sequence[Any], searches: Mapping[str, Any] | None,
                trials_frame: pd.DataFrame) -> list[str]:  # fmt: skip
    """The limitations of the evidence base and of the comparison, counted from the data."""
    from kneestudy.report.search import excluded_records

    out = []
    rows = pd.concat([f for f in (study.contrasts, study.arm_summaries)
                      if isinstance(f, pd.DataFrame) and len(f)], ignore_index=True)  # fmt: skip
    loc = rows["location"].fillna("").astype(str).str.lower() if "location" in rows else None
    if loc is not None and len(rows):
        n_abs = int(loc.str.contains("abstract").sum())
        out.append(f"Most numbers come from abstracts: {n_abs} of the {len(rows)} published rows "
                   "were read in an abstract (the rest in a table or the text of a paper or "
                   "review); abstracts report fewer outcomes and rarely the SDs, so several "
                   "trials give one outcome or one time point only.")  # fmt: skip
    if searches:
        ex = excluded_records(searches)
        cats = ex["category"].value_counts()
        words = {
            "no usable numbers": "without usable numbers",
            "full text not available": "whose full text could not be read",
            "no DOI or PMID readable": "with usable numbers but no readable DOI or PMID",
        }
        parts = [f"{int(cats[k])} records {w}" for k, w in words.items() if k in cats.index]
        if parts:
            out.append("Trials left out for lack of usable numbers: " + "; ".join(parts)
                       + " (each record with its reason is listed under the PRISMA flow). The "
                       "comparison therefore holds fewer trials than the published reviews.")  # fmt: skip
    ind = trials_frame[trials_frame["indirect"]] if len(trials_frame) else trials_frame
    if len(ind):
        pops = ind["population"].str.replace(" (indirect)", "", regex=False).value_counts()
        text = ", ".join(f"{n} of {p}" for p, n in pops.items())
        gl = [r for r in runs if r.usable and (r.result.table.set_index("idea").loc[
            "glucosamine", "status"] == "estimated")]  # fmt: skip
        out.append(f"Indirect populations: {len(ind)} of the {len(trials_frame)} included "
                   f"studies are of another population ({text}). They are flagged as indirect, "
                   "rated down for indirectness by their share of each estimate, and set aside "
                   "in a sensitivity analysis."
                   + (" Glucosamine rests only on knee osteoarthritis trials: there is no trial "
                      "of it in patellofemoral pain." if gl or "glucosamine" in " ".join(
                          trials_frame["arms"]).lower() else ""))  # fmt: skip
    st = getattr(study, "studies", pd.DataFrame())
    if len(st) and "rob_source" in st:
        own = int((st["rob_source"] == "own").sum())
        out.append(f"Risk of bias: {own} of {len(st)} judgements are our own RoB 2 "
                   "assessments, mostly from abstracts; no published review's trial-level "
                   "judgement could be read. They are uncertain themselves, and domains that "
                   "could not be judged are shown as not reported.")  # fmt: skip
    if "meta_analysis" in rows and rows["meta_analysis"].astype(bool).any():
        from kneestudy.report.trials import short_citation

        cite = dict(zip(trials_frame.get("study_id", ()), trials_frame.get("study", ()),
                        strict=True)) if len(trials_frame) else {}  # fmt: skip
        ma = sorted({cite.get(s, short_citation("", s)) for s in
                     rows.loc[rows["meta_analysis"].astype(bool), "study_id"]})  # fmt: skip
        out.append(f"Pooled estimates: {', '.join(ma)} is a published meta-analysis, not a "
                   "trial; it stands for an idea without a trial of its own, is never counted "
                   "as one study and is set aside in a sensitivity analysis.")  # fmt: skip
    if "derivation" in rows:
        n_der = int(rows["derivation"].notna().sum())
        if n_der:
            out.append(f"Derived numbers: {n_der} rows carry an SD or SE the paper does not "
                       "print, derived from its CI, SE or p value by the Cochrane Handbook's "
                       "methods (§6.5.2); SEs from p values are approximate.")  # fmt: skip
    est = [r.result.table for r in runs if r.usable]
    if est:
        all_est = pd.concat(est)
        all_est = all_est[all_est["status"] == "estimated"]
        low = int(all_est["certainty"].isin(["low", "very low"]).sum())
        out.append(f"Certainty: {low} of the {len(all_est)} estimates (ideas × outcomes × "
                   "windows) are of low or very low certainty; rankings are shown but should "
                   "not be read without the intervals and the certainty.")  # fmt: skip
        blocked = sorted({row["label"] for t in est for _, row in t.iterrows()
                          if row["status"] == "not estimable"})  # fmt: skip
        if blocked:
            out.append("Components not estimable: " + ", ".join(blocked) + " were tested only "
                       "together with other components in some windows; the additive model "
                       "gives them no number there rather than borrow another component's "
                       "effect.")  # fmt: skip
    out.append("Time points are grouped into windows (up to 3 months, over 3 and under 12 "
               "months, 12 months or longer) with months converted to weeks (3 months = 13, 12 "
               "months = 52); a trial reporting 6 weeks and one reporting 3 months are compared "
               "in the same window.")  # fmt: skip
    return out


def _methods_blocks(runs: Sequence[Any]) -> list[Any]:
    from kneestudy.report.build import comparison_settings
    from kneestudy.report.provenance import COMPARISON_REFERENCES, comparison_methods

    text = [
        "Evidence base: published randomised trials of the eight ideas in patellofemoral pain "
        "(and, for glucosamine, knee osteoarthritis as indirect evidence), one file per trial; "
        "every number is printed in the verbatim quote of its row, checked by a test, and "
        "numbers a paper does not print are derived by the Cochrane Handbook's methods "
        "(§6.5.2) and say so. The evidence base is never pooled with simulated cohorts.",
        "Search and selection as a PRISMA 2020 flow (Page et al. 2021), counted from the "
        "search records as the table under the flow states.",
        "Risk of bias: RoB 2 (Sterne et al. 2019) per trial and domain, plotted as robvis does "
        "(McGuinness & Higgins 2021); whose judgement each is, is stated.",
        "Discussion: the statements of the 2018 consensus (Collins et al. 2018) and the living "
        "network meta-analysis (Winters et al. 2021) are quoted verbatim from their abstracts; "
        "which idea each is about, this evidence base's direction (95% CI against no effect "
        "and the MCID) and the agreement are worked out by rules stated in "
        "kneestudy.report.discussion.",
    ]
    if runs and runs[0].result is not None:
        text.append(comparison_methods(comparison_settings(runs)))
    refs = sorted([
        *COMPARISON_REFERENCES,
        "Collins NJ et al. (2018). 2018 Consensus statement on exercise therapy and physical "
        "interventions (orthoses, taping and manual therapy) to treat patellofemoral pain. Br J "
        "Sports Med 52:1170. doi:10.1136/bjsports-2018-099397",
        "Higgins JPT et al. (eds) (2023). Cochrane Handbook for Systematic Reviews of "
        "Interventions, version 6.4.",
        "McGuinness LA, Higgins JPT (2021). Risk-of-bias VISualization (robvis). Res Synth "
        "Methods 12:55.",
        "Page MJ et al. (2021). The PRISMA 2020 statement. BMJ 372:n71.",
        "Rücker G, Schwarzer G (2015). Ranking treatments in frequentist network "
        "meta-analysis works without resampling methods. BMC Med Res Methodol 15:58.",
        "Santesso N et al. (2020). GRADE guidelines 26: informative statements to communicate "
        "the findings of systematic reviews of interventions. J Clin Epidemiol 119:126.",
        "Sterne JAC et al. (2019). RoB 2: a revised tool for assessing risk of bias in "
        "randomised trials. BMJ 366:l4898.",
        "Winters M et al. (2021). Comparative effectiveness of treatments for patellofemoral "
        "pain: a living systematic review with network meta-analysis. Br J Sports Med 55:369. "
        "doi:10.1136/bjsports-2020-102819",
    ])  # fmt: skip
    return [*(Paragraph(t) for t in text), Heading("References", "evidence-references"),
            Bullets(tuple(refs))]  # fmt: skip


def _evidence_blocks(study: Any, trials: Mapping[str, Any] | None,
                     searches: Mapping[str, Any] | None) -> list[Any]:  # fmt: skip
    from kneestudy.report.evidence import prisma_figure, published_tables, risk_of_bias_blocks
    from kneestudy.report.search import excluded_records, exclusion_kinds, prisma_from_records
    from kneestudy.report.trials import included_trials_table, published_figures_table

    out: list[Any] = [included_trials_table(study, trials)]
    out.extend(risk_of_bias_blocks(study))
    if searches:
        counts, how = prisma_from_records(searches, trials or {})
        out.append(Heading("Search and selection (PRISMA 2020)", "prisma"))
        out.append(prisma_figure(counts))
        out.append(
            Table(
                "evidence-prisma-counts",
                "How each count of the flow is made from the search records and trial files",
                how,
                (
                    Column("stage", "Stage", style="text"),
                    Column("count", "Count", style="count"),
                    Column("how", "How it is counted", style="text"),
                ),
            )
        )
        out.append(
            Table(
                "evidence-exclusion-kinds",
                "The kinds of reasons records were left out for, and what each covers",
                exclusion_kinds(searches),
                (
                    Column("kind", "Left out as", style="text"),
                    Column("records", "Records", style="count"),
                    Column("covers", "What it covers", style="text"),
                ),
                notes=(
                    "Each record's reason, as its search file records it, is matched to the "
                    "first kind whose rule fits (kneestudy.report.search.REASON_RULES).",
                ),
            )  # fmt: skip
        )
        ex = excluded_records(searches)
        ex["ref"] = [("doi:" + str(d)) if isinstance(d, str) and d else
                     (f"PMID {p}" if isinstance(p, str) and p else "")
                     for d, p in zip(ex["doi"], ex["pmid"], strict=True)]  # fmt: skip
        out.append(
            Table(
                "evidence-excluded",
                "Every record left out, with its reason as recorded and the kind it is counted "
                "under",
                ex,
                (
                    Column("study", "Record", style="text"),
                    Column("ref", "DOI / PMID", style="text", missing=""),
                    Column("category", "Counted as", style="text"),
                    Column("reason", "Reason (as recorded)", style="text"),
                ),
                collapse=f"All {len(ex)} records left out, with their reasons",
            )
        )
    else:
        out.append(Paragraph("The study records no search: no PRISMA flow.", "muted"))
    out.append(Heading("Published figures", "published"))
    out.extend(published_tables(study))
    out.append(published_figures_table(study))
    return out


def _sources(study: Any) -> tuple[Any, Mapping[str, Any] | None, Mapping[str, Any] | None]:
    from kneestudy.datasets import evidence
    from kneestudy.datasets.evidence_base import read_searches, read_trials

    study = evidence() if study is None else study
    root = getattr(study, "path", None)
    trials = searches = None
    if root is not None and (Path(root) / "trials").is_dir():
        trials = read_trials(root)
    if root is not None and (Path(root) / "searches").is_dir():
        searches = read_searches(root)
    return study, trials, searches


def build_evidence_report(
    study: Any = None,
    *,
    trials: Mapping[str, Any] | None = None,
    searches: Mapping[str, Any] | None = None,
    command: str | None = None,
    date: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    planning: Any = None,
) -> Report:
    """The evidence report of ``study`` (default: :func:`kneestudy.datasets.evidence`).

    Parameters
    ----------
    study : Study, optional
        Published rows only (``contrasts``, ``arm_summaries``, ``studies``).
    trials, searches : mapping, optional
        Parsed ``trials/*.toml`` and ``searches/*.toml`` (default: read from
        the study's folder when it has them).
    command : str, optional
        Recorded in the provenance section.
    date : str, optional
        Default now (UTC); the only thing two builds of the same input differ in.
    progress : callable(step, done, total), optional
    planning : None, True, str, list of str, mapping or PlanningOptions
        Add the section planning the next trial of an idea at its pooled
        effect (:func:`kneestudy.report.planning.planning_section`), after the
        discussion.

    Raises
    ------
    ValueError
        When the study holds simulated cohorts (never pooled with the evidence).
    """
    from kneestudy import __version__
    from kneestudy.report.comparison import comparison_blocks, run_comparisons
    from kneestudy.report.discussion import discussion_blocks
    from kneestudy.report.provenance import provenance_blocks, validation_blocks
    from kneestudy.report.search import excluded_records
    from kneestudy.report.trials import included_trials

    study, found_trials, found_searches = _sources(study)
    trials = trials if trials is not None else found_trials
    searches = searches if searches is not None else found_searches
    synthetic = [c.cohort_id for c in getattr(study, "cohorts", []) if c.is_synthetic]
    if synthetic:
        raise ValueError(
            "the evidence report is of published trials only and is never pooled with "
            f"simulated cohorts; this study holds {len(synthetic)} ({', '.join(synthetic)})"
        )
    from kneestudy.report.planning import planning_options

    opts = planning_options(planning)
    total, step = 6 + (opts is not None), 0

    def tick(what: str) -> None:
        nonlocal step
        if progress is not None:
            progress(what, step, total)
        step += 1

    tick("comparing the eight ideas")
    runs = run_comparisons(study)
    tick("discussion")
    lacking = None
    if searches:
        ex = excluded_records(searches)
        lacking = int(ex["category"].str.startswith("no usable numbers").sum())
    frame = included_trials(study, trials)
    sections = [
        Section("summary", "Summary for a guideline panel and for runners",
                tuple(_summary_blocks(study, runs)), kind="summary"),
        Section("comparison", "The eight ideas compared",
                tuple(comparison_blocks(runs, sof_in_summary=True)), kind="comparison"),
        Section("discussion", "What others published: the 2018 consensus and the living "
                "network meta-analysis", tuple(discussion_blocks(runs, exclusions=lacking)),
                kind="discussion"),
    ]  # fmt: skip
    if opts is not None:
        from kneestudy.report.planning import planning_section
        from kneestudy.report.settings import Settings

        tick("planning the next trial")
        section = planning_section(study, Settings(planning=opts), opts)
        if section is not None:
            sections.append(section)
    tick("the included trials")
    sections.append(Section("evidence", "The included trials",
                            tuple(_evidence_blocks(study, trials, searches)), kind="evidence"))  # fmt: skip
    tick("limitations")
    sections.append(Section("limitations", "Limitations", (
        Bullets(tuple(limitations(study, runs, searches, frame))),), kind="limitations"))  # fmt: skip
    sections.append(Section("validation", "Data validation", tuple(validation_blocks(study)),
                            kind="validation"))  # fmt: skip
    tick("methods")
    sections.append(Section("methods", "Methods", tuple(_methods_blocks(runs)), kind="methods"))
    if date is None:
        date = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    sections.append(Section("provenance", "Provenance", tuple(provenance_blocks(
        study, command=command, seed=None, date=date)), kind="provenance"))  # fmt: skip
    if progress is not None:
        progress("done", total, total)
    return Report(
        title="What the published trials say about the eight ideas",
        subtitle="Published randomised trials in patellofemoral pain (runner's knee), each "
        "number with its source and verbatim quote; not pooled with any simulated data.",
        sections=tuple(sections),
        synthetic=False,
        version=__version__,
        date=date,
    )
