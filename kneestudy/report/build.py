"""Build the content model of a study's report (every renderer starts here).

Order of sections, chosen by what the study holds:

1. **Summary** — the answer first: the comparison and its summary of findings
   when the study holds at least two sources of evidence; otherwise the
   trial's own key results.
2. **The eight ideas compared** — when it applies (else one line in the summary).
3. **The evidence** — the studies, their risk of bias, the search (PRISMA)
   and the published figures, when the study holds published rows or several
   trials.
4. One section per cohort.
5. **Data validation**, **Methods**, **Provenance**.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import Any

from kneestudy.report.content import NotApplicable, Problem, Report, Section, slug
from kneestudy.report.settings import Settings

__all__ = ["ExtraSection", "ProgressFn", "build_report"]

ProgressFn = Callable[[str, int, int], None]
#: An extra section: a Section, or ``f(study, settings) -> Section | None`` built with the
#: report (e.g. a planning section with a power curve, or a discussion of the evidence).
ExtraSection = Section | Callable[[Any, Settings], Section | None]


def _slugs(study: Any) -> list[str]:
    out: list[str] = []
    for c in study.cohorts:
        s = slug(c.cohort_id)
        base, k = s, 2
        while s in out:
            s, k = f"{base}-{k}", k + 1
        out.append(s)
    return out


def build_report(
    study: Any,
    *,
    outcome: str = "pain",
    week: float | None = None,
    command: str | None = None,
    seed: int | None = None,
    progress: ProgressFn | None = None,
    date: str | None = None,
    extra_sections: Sequence[ExtraSection] = (),
) -> Report:
    """The report of ``study`` as a :class:`~kneestudy.report.content.Report`.

    Parameters are those of :func:`kneestudy.report.write_html`; ``date``
    (default: now, UTC) is the only thing that differs between two builds of
    the same input. ``extra_sections`` go after the cohorts, before data
    validation, in the order given (a callable returning None adds nothing).
    """
    from kneestudy import __version__
    from kneestudy.errors import AnalysisError
    from kneestudy.report.analyses import study_analyses
    from kneestudy.report.cohort import cohort_section, cohort_view, warning_bullets
    from kneestudy.report.comparison import comparison_applies, comparison_blocks
    from kneestudy.report.evidence import evidence_blocks
    from kneestudy.report.provenance import methods_blocks, provenance_blocks, validation_blocks
    from kneestudy.report.summary import summary_blocks

    settings = Settings(outcome=outcome, week=week)
    total = len(study.cohorts) + 5
    step = 0

    def tick(what: str) -> None:
        nonlocal step
        if progress is not None:
            progress(what, step, total)
        step += 1

    cmp_week = float(week) if week is not None else 12.0
    applies, why = comparison_applies(study)
    comparison, note, cmp_warnings = None, None, []
    tick("comparing the eight ideas")
    if applies:
        res = study_analyses(study, outcome=outcome, week=cmp_week)
        cmp_warnings = res["warnings"]
        if isinstance(res["comparison"], AnalysisError):
            note = Problem("The comparison of the eight ideas", str(res["comparison"]))
        else:
            comparison = res["comparison"]
            settings.used["comparison"] = {
                "measure": getattr(comparison, "measure", "effect"),
                "reference": getattr(comparison, "reference", "control"),
            }
    else:
        note = NotApplicable("the comparison of the eight ideas", why, scope="a single study")
    views = []
    for i, (cohort, s) in enumerate(zip(study.cohorts, _slugs(study), strict=True), start=1):
        tick(f"cohort {i} of {len(study.cohorts)}")
        views.append(cohort_view(cohort, f"cohort-{i}", s, settings))
    synthetic = any(c.is_synthetic for c in study.cohorts)
    sections = [
        Section(
            "summary",
            "Summary",
            tuple(summary_blocks(study, views, settings, comparison, note)),
            synthetic=synthetic,
            kind="summary",
        )
    ]
    tick("drawing the comparison")
    if comparison is not None or isinstance(note, Problem):
        blocks = comparison_blocks(comparison) if comparison is not None else [note]
        sections.append(
            Section(
                "comparison",
                "The eight ideas compared",
                tuple([*blocks, *warning_bullets(cmp_warnings)]),
                kind="comparison",
            )
        )
    has_literature = any(
        len(getattr(study, name)) for name in ("contrasts", "arm_summaries")
    ) or bool((getattr(study, "metadata", {}) or {}).get("prisma"))
    evidence = has_literature or len(study.cohorts) >= 2
    if evidence:
        sections.append(
            Section("evidence", "The evidence", tuple(evidence_blocks(study)), kind="evidence")
        )
    sections.extend(cohort_section(v, settings) for v in views)
    for extra in extra_sections:
        section = extra(study, settings) if callable(extra) else extra
        if section is not None:
            sections.append(section)
    tick("validation summary")
    sections.append(
        Section("validation", "Data validation", tuple(validation_blocks(study)), kind="validation")
    )
    tick("methods")
    sections.append(
        Section(
            "methods",
            "Methods",
            tuple(methods_blocks(settings, study, evidence=evidence)),
            kind="methods",
        )
    )
    tick("provenance")
    if date is None:
        date = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    sections.append(
        Section(
            "provenance",
            "Provenance",
            tuple(provenance_blocks(study, command=command, seed=seed, date=date)),
            kind="provenance",
        )
    )
    if progress is not None:
        progress("done", total, total)
    return Report(
        title=study.title,
        sections=tuple(sections),
        synthetic=synthetic,
        version=__version__,
        date=date,
    )
