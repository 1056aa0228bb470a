"""The self-contained HTML report of a study.

``write_html(study, path)`` writes one HTML file with inline CSS and SVG: no
network fetch, no JavaScript. Sections: plain-language summary, the comparison
of the eight ideas, one section per cohort (participant flow, baseline table,
trajectories, effects, time to pain-free, adverse events), data validation,
methods and provenance. All text from the data is escaped. Two runs on the
same input give the same file except the date line.

Examples
--------
>>> import kneestudy as ks  # doctest: +SKIP
>>> ks.report.write_html(ks.datasets.demo_study(), "demo.html")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kneestudy.report.cohort import Settings, cohort_section, warning_notes
from kneestudy.report.study import (
    comparison_section,
    methods_section,
    provenance_section,
    summary_section,
    validation_section,
)

__all__ = ["SECTION_IDS", "Settings", "render_html", "write_html"]

#: Ids of the study-level sections, in order (cohort sections are ``cohort-1`` …).
SECTION_IDS: tuple[str, ...] = ("summary", "comparison", "validation", "methods", "provenance")

ProgressFn = Callable[[str, int, int], None]


def _template() -> Any:
    import jinja2

    here = Path(__file__).parent / "templates"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(here),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env, (here / "report.css").read_text(encoding="utf-8")


def render_html(
    study: Any,
    *,
    outcome: str = "pain",
    week: float | None = None,
    command: str | None = None,
    seed: int | None = None,
    progress: ProgressFn | None = None,
    date: str | None = None,
) -> str:
    """The report as an HTML string (see :func:`write_html`)."""
    from kneestudy import __version__
    from kneestudy.errors import AnalysisError
    from kneestudy.report._html import error_box
    from kneestudy.report.analyses import study_analyses

    settings = Settings(outcome=outcome, week=week)
    total = 2 + len(study.cohorts) + 3
    step = 0

    def tick(what: str) -> None:
        nonlocal step
        if progress is not None:
            progress(what, step, total)
        step += 1

    cmp_week = float(week) if week is not None else 12.0
    tick("comparing the eight ideas")
    study_results = study_analyses(study, outcome=outcome, week=cmp_week)
    comparison = study_results["comparison"]
    cmp_error = None
    if not isinstance(comparison, AnalysisError):
        settings.used["comparison"] = {
            "measure": getattr(comparison, "measure", "effect"),
            "reference": getattr(comparison, "reference", "control"),
            "random": getattr(comparison, "random", True),
            "methods": tuple(getattr(comparison, "methods", ()) or ()),
        }
    if isinstance(comparison, AnalysisError):
        cmp_error = error_box("The comparison of the eight ideas", comparison)
        comparison = None
    sections: list[dict[str, Any]] = []
    any_synth = any(c.is_synthetic for c in study.cohorts)
    sections.append(
        {
            "id": "summary",
            "title": "Summary",
            "klass": "summary",
            "synthetic": any_synth,
            "body": summary_section(study, comparison, outcome, cmp_week),
        }
    )
    tick("drawing the comparison")
    sections.append(
        {
            "id": "comparison",
            "title": "The eight ideas compared",
            "klass": "comparison",
            "synthetic": False,
            "body": (cmp_error if comparison is None else comparison_section(comparison))
            + warning_notes(study_results["warnings"]),
        }
    )
    for i, cohort in enumerate(study.cohorts, start=1):
        tick(f"cohort {i} of {len(study.cohorts)}")
        anchor = f"cohort-{i}"
        sections.append(
            {
                "id": anchor,
                "title": cohort.title,
                "klass": "cohort",
                "synthetic": cohort.is_synthetic,
                "body": cohort_section(cohort, anchor, settings),
            }
        )
    tick("validation summary")
    sections.append(
        {
            "id": "validation",
            "title": "Data validation",
            "klass": "validation",
            "synthetic": False,
            "body": validation_section(study),
        }
    )
    tick("methods")
    sections.append(
        {
            "id": "methods",
            "title": "Methods",
            "klass": "methods",
            "synthetic": False,
            "body": methods_section(settings, study),
        }
    )
    tick("provenance")
    if date is None:
        date = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    sections.append(
        {
            "id": "provenance",
            "title": "Provenance",
            "klass": "provenance",
            "synthetic": False,
            "body": provenance_section(study, command=command, seed=seed, date=date),
        }
    )
    if progress is not None:
        progress("done", total, total)
    env, css = _template()
    return env.get_template("report.html.j2").render(
        title=study.title,
        version=__version__,
        css=css,
        sections=sections,
        any_synthetic=any_synth,
    )


def write_html(
    study: Any,
    path: str | Path,
    *,
    outcome: str = "pain",
    week: float | None = None,
    command: str | None = None,
    seed: int | None = None,
    progress: ProgressFn | None = None,
) -> Path:
    """Write the self-contained HTML report of ``study`` to ``path``.

    Parameters
    ----------
    study : Study
        From :func:`kneestudy.load_study` or :func:`kneestudy.datasets.demo_study`.
    path : str or Path
        Output file; parent folders are created.
    outcome : {"pain", "akps"}
        Outcome of the comparison of the ideas and of the MMRM and responder analyses.
    week : float, optional
        Week of the comparison and effects (default: each cohort's primary week;
        week 12 for the comparison of the ideas).
    command, seed : optional
        Recorded in the provenance section.
    progress : callable(step, done, total), optional
        Called as the report is built (the command line draws a progress bar).

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    text = render_html(
        study, outcome=outcome, week=week, command=command, seed=seed, progress=progress
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
