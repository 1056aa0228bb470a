"""The closing sections: data validation, methods (with references), provenance."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

import pandas as pd

from kneestudy.report.content import Bullets, Column, Facts, Heading, Paragraph, Table
from kneestudy.report.settings import Settings

__all__ = [
    "COMPARISON_REFERENCES",
    "comparison_methods",
    "file_hashes",
    "methods_blocks",
    "package_versions",
    "provenance_blocks",
    "validation_blocks",
]

_PACKAGES = ("kneestudy", "numpy", "pandas", "scipy", "statsmodels", "pandera", "matplotlib",
             "jinja2", "python-docx")  # fmt: skip


def validation_blocks(study: Any) -> list[Any]:
    """Rows read, valid and set aside, per file."""
    # The study's report covers every file of the study, its cohorts' included.
    if getattr(study, "report", None) is not None:
        reports = [(study.study_id, study.report)]
    else:
        reports = [
            (c.cohort_id, c.report) for c in study.cohorts if getattr(c, "report", None) is not None
        ]
    if not reports:
        return [
            Paragraph(
                "The data were not read from files (built in memory), so there is no validation "
                "report; in-memory cohorts are checked by each analysis.",
                "muted",
            )
        ]
    frames = []
    for name, rep in reports:
        rows = getattr(rep, "rows", None)
        if isinstance(rows, pd.DataFrame) and len(rows):
            frames.append(rows.assign(source=name))
    out: list[Any] = []
    if frames:
        allrows = pd.concat(frames, ignore_index=True)
        cols = []
        if len(reports) > 1:
            cols.append(Column("source", "Source", style="text"))
        for c, label, style in (("file", "File", "text"), ("table", "Table", "text"),
                                ("read", "Rows read", "count"), ("valid", "Valid", "count"),
                                ("invalid", "Set aside", "count")):  # fmt: skip
            if c in allrows:
                cols.append(Column(c, label, style=style))
        out.append(
            Table(
                "validation-rows",
                "Rows read, valid and set aside per file (rows read = valid + set aside)",
                allrows,
                tuple(cols),
            )
        )
    n_fail = 0
    truncated = False
    notes = []
    for _, rep in reports:
        f = getattr(rep, "failures", None)
        # every failure counts, also those beyond the cap of the failures listed
        n_fail += getattr(rep, "n_failures", len(f) if isinstance(f, pd.DataFrame) else 0)
        truncated = truncated or bool(getattr(rep, "truncated", False))
        n = getattr(rep, "notes", None)
        if isinstance(n, pd.DataFrame) and len(n):
            notes.append(n)
    out.append(
        Paragraph(
            "Every file passed validation."
            if n_fail == 0
            else f"{n_fail} validation failures were found; failing rows were set aside "
            "and are not analysed."
            + (" The lists of failures are capped per file, column and rule; the quarantine "
               "files hold every rejected row." if truncated else "")
        )
    )  # fmt: skip
    if notes:
        frame = pd.concat(notes, ignore_index=True).drop_duplicates()
        out.append(
            Table(
                "validation-notes",
                "Notes on the data as read (absent optional columns, mappings applied, values "
                "trimmed, unscheduled visit weeks, ids that differ only by case)",
                frame,
                tuple(Column(c, c.capitalize(), style="text") for c in frame.columns),
            )
        )
    return out


#: References of the comparison of the ideas (methods sections).
COMPARISON_REFERENCES: tuple[str, ...] = (
    "Brignardello-Petersen R et al. (2018). Advances in the GRADE approach to rate the "
    "certainty in estimates from a network meta-analysis. J Clin Epidemiol 93:36.",
    "Nikolakopoulou A et al. (2020). CINeMA: an approach for assessing confidence in the "
    "results of a network meta-analysis. PLoS Med 17:e1003082.",
    "Rücker G, Petropoulou M, Schwarzer G (2020). Network meta-analysis of multicomponent "
    "interventions. Biom J 62:808.",
    "Yepes-Nuñez JJ et al. (2019). Development of the summary of findings table for network "
    "meta-analysis. J Clin Epidemiol 115:1.",
    "Zeng L et al. (2022). GRADE Guidance 34: update on rating imprecision using a minimally "
    "contextualized approach. J Clin Epidemiol 150:216.",
)


def comparison_methods(cmp: dict[str, Any]) -> str:
    """The methods paragraph of the comparison of the ideas: what was actually fitted.

    ``cmp`` is ``settings.used["comparison"]``: the first comparison's
    ``methods`` sentences (:attr:`IdeasComparison.methods`) and the outcomes
    and windows compared (``runs``).
    """
    runs = cmp.get("runs", ())
    text = "Comparison of the ideas: " + " ".join(cmp.get("methods", ()))
    if runs:
        text += (" The same model was fitted for each outcome and window with evidence ("
                 + "; ".join(r[:1].lower() + r[1:] for r in runs) + "); each outcome's own "
                 "sentences of "
                 "what was fitted are under it.")  # fmt: skip
    return text + (
        " Summary of findings as the GRADE table for network meta-analysis (Yepes-Nuñez et "
        "al. 2019). Pairwise pooling of the most often compared pair: REML with prediction "
        "intervals (Riley et al. 2011); funnel asymmetry shown by Egger's regression line "
        "(Egger et al. 1997)."
    )


def methods_blocks(settings: Settings, study: Any, *, evidence: bool = True) -> list[Any]:
    """Methods written from the settings used, with references.

    The paragraph on the comparison of the ideas is there only when the ideas
    were compared; the one on risk of bias and the search only with ``evidence``.
    """
    wk = "each cohort's primary week" if settings.week is None else f"week {settings.week:g}"
    used = settings.used

    def said(name: str, default: str) -> str:
        values = sorted(used.get(name, ())) or [default]
        return " / ".join(v.replace("_", " ") for v in values)

    cmp = used.get("comparison", {})
    text = [
        f"Outcome of the comparison, MMRM and responder analyses: {settings.outcome}; effects at "
        f"{wk}. Confidence intervals are {100 * settings.level:g}%. Numbers are rounded for "
        "display only (pain and AKPS to 1 decimal, ratios and standardised differences to 2, "
        "P values to 3 or '<0.001').",
        "Baseline table: mean (SD), or median [Q1, Q3] when |skewness| > 1 (Bulmer 1979); "
        "n (%) of participants with a value; missing values counted; absolute standardised "
        "differences against the comparator (Austin 2009; categorical variables by Yang & "
        "Dalton 2012). No significance tests of baseline differences (CONSORT 2010).",
        "ANCOVA: the outcome at the week regressed on its baseline (week 0) value and arm by "
        "ordinary least squares (t intervals on the residual degrees of freedom); each "
        "treatment arm minus the comparator arm.",
        "MMRM: all post-baseline visits, outcome ~ visit + visit:arm + visit:baseline, "
        f"{said('mmrm_covariance', 'unstructured')} covariance, REML, Satterthwaite degrees "
        "of freedom (Mallinckrodt et al. 2008).",
        "Responders: pain drop ≥ 2 points or AKPS gain ≥ 10 points (Crossley et al. 2004); "
        "risk ratio, odds ratio, risk difference and number needed to treat (Altman 1998). "
        "A cohort without a comparison group shows each arm's change from baseline instead.",
        f"Pain-free: pain ≤ {settings.pain_free_threshold:g} on the 0–10 scale. Time to "
        "pain-free is known only between two visits; curves use the visit week "
        "(right-censored Kaplan–Meier, Greenwood variance, "
        f"{said('km_conf_type', 'log-log')} confidence intervals), log-rank test, Cox model "
        f"({said('cox_ties', 'efron')} ties) and restricted mean survival time up to the "
        "week of the effects (Royston & Parmar 2013).",
        "Adverse events: participants with at least one event, exact Clopper–Pearson "
        "intervals (Clopper & Pearson 1934), risk ratio with a log-scale (Katz) interval, 0.5 "
        "added to every cell when one is zero, and Fisher's exact test.",
        None if not cmp else comparison_methods(cmp),
        None
        if not evidence
        else "Risk of bias: RoB 2 judgements per study and domain as recorded (Sterne et al. "
        "2019), plotted as robvis does (McGuinness & Higgins 2021); the search as a PRISMA 2020 "
        "flow (Page et al. 2021) when the study records it.",
    ]
    if not study.cohorts:
        text = [text[0], *text[-2:]]
    from kneestudy.report.trial_methods import methods_paragraphs

    more, more_refs = methods_paragraphs(settings)
    text += more
    refs = [
        "Altman DG (1998). Confidence intervals for the number needed to treat. BMJ 317:1309.",
        "Austin PC (2009). Balance diagnostics for comparing the distribution of baseline "
        "covariates between treatment groups in propensity-score matched samples. Stat Med "
        "28:3083.",
        "Bulmer MG (1979). Principles of Statistics. Dover.",
        "Clopper CJ, Pearson ES (1934). Biometrika 26:404.",
        "Crossley KM et al. (2004). Arch Phys Med Rehabil 85:815.",
        "Egger M et al. (1997). Bias in meta-analysis detected by a simple graphical test. "
        "BMJ 315:629.",
        "Mallinckrodt CH et al. (2008). Recommendations for the primary analysis of continuous "
        "endpoints in longitudinal clinical trials. Drug Inf J 42:303.",
        "McGuinness LA, Higgins JPT (2021). Risk-of-bias VISualization (robvis). Res Synth "
        "Methods 12:55.",
        "Moher D et al. (2010). CONSORT 2010 explanation and elaboration. BMJ 340:c869.",
        "Page MJ et al. (2021). The PRISMA 2020 statement. BMJ 372:n71.",
        *(COMPARISON_REFERENCES if cmp else ()),
        "Riley RD, Higgins JPT, Deeks JJ (2011). Interpretation of random effects "
        "meta-analyses. BMJ 342:d549.",
        "Royston P, Parmar MKB (2013). Restricted mean survival time. BMC Med Res Methodol 13:152.",
        "Rücker G, Schwarzer G (2015). Ranking treatments in frequentist network "
        "meta-analysis works without resampling methods. BMC Med Res Methodol 15:58.",
        "Santesso N et al. (2020). GRADE guidelines 26: informative statements to communicate "
        "the findings of systematic reviews of interventions. J Clin Epidemiol 119:126.",
        "Sterne JAC et al. (2019). RoB 2: a revised tool for assessing risk of bias in "
        "randomised trials. BMJ 366:l4898.",
        "Yang D, Dalton JE (2012). A unified approach to measuring the effect size between two "
        "groups using SAS. SAS Global Forum, paper 335.",
    ]
    refs = sorted({*refs, *more_refs})
    return [
        *(Paragraph(t) for t in text if t),
        Heading("References", "references"),
        Bullets(tuple(sorted(refs))),
    ]


def file_hashes(study: Any) -> pd.DataFrame:
    """SHA-256 of the files the study uses (:func:`kneestudy.ingest.provenance.file_hashes`)."""
    from kneestudy.ingest.provenance import file_hashes as hashes

    return hashes(study)


def package_versions() -> pd.DataFrame:
    rows = [{"package": "python", "version": platform.python_version()}]
    for name in _PACKAGES:
        try:
            rows.append({"package": name, "version": metadata.version(name)})
        except metadata.PackageNotFoundError:
            rows.append({"package": name, "version": "not installed"})
    return pd.DataFrame(rows)


def provenance_blocks(study: Any, *, command: str | None, seed: int | None, date: str) -> list[Any]:
    """Input files with SHA-256, package versions, seed, command and date."""
    from kneestudy.ingest.provenance import mapping_table

    hashes = file_hashes(study)
    mapping = mapping_table(study)
    seeds = sorted({c.manifest.seed for c in study.cohorts if c.manifest.seed is not None})
    seed_text = str(seed) if seed is not None else "none given"
    if seeds:
        seed_text += f"; cohort simulation seeds: {', '.join(map(str, seeds))}"
    out: list[Any] = [
        Facts(
            (
                ("Study", f"{study.study_id} — {study.title}"),
                ("Command", command or "kneestudy.report"),
                ("Seed", seed_text),
                # The date is the only line that differs between two runs on the same input.
                ("Date", date),
            )
        )
    ]
    if len(hashes):
        out.append(
            Table(
                "provenance-files",
                "Input files and their SHA-256 checksums",
                hashes,
                (
                    Column("file", "File", style="text"),
                    *((Column("role", "Role", style="text"),) if "role" in hashes else ()),
                    Column("bytes", "Bytes", style="count"),
                    Column("sha256", "SHA-256", style="text"),
                    *(
                        (Column("note", "Note", style="text"),)
                        if "note" in hashes and hashes["note"].astype(bool).any()
                        else ()
                    ),
                ),
            )
        )
        if len(mapping):
            out.append(
                Table(
                    "provenance-mapping",
                    "Mapping of the files onto the data model (from each cohort.toml)",
                    mapping,
                    tuple(Column(c, c.capitalize(), style="text") for c in mapping.columns),
                )
            )
    else:
        out.append(
            Paragraph("The study was built in memory; there are no input files to hash.", "muted")
        )
    out.append(
        Table(
            "provenance-software",
            "Software versions",
            package_versions(),
            (
                Column("package", "Package", style="text"),
                Column("version", "Version", style="text"),
            ),
        )
    )
    return out
