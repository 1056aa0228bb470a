"""Reports of a study: a self-contained HTML file, a Word document, figures and tables.

Every output starts from one content model (:mod:`kneestudy.report.content`),
built once by :func:`build` — sections of headings, text, tables (DataFrames
at full precision with caption, direction of benefit and column units) and
figures (SVG and PNG with stable names) — and rendered by
:mod:`kneestudy.report.html` (inline CSS and SVG, no JavaScript, no network,
every string escaped) and :mod:`kneestudy.report.docx` (native Word tables,
embedded figures). The two documents hold the same tables and figures with
the same numbers.

=================================  ===========================================
:func:`build`                      the content model of a study's report
:func:`write_html`                 the self-contained HTML report
:func:`write_docx`                 the Word document for manuscripts
:func:`write_figures`              every figure as SVG and 300 dpi PNG
:func:`write`                      any of the three from one build
:func:`build_evidence`             the evidence report (published trials) as a
                                   content model
:func:`write_evidence`             the evidence report as HTML or Word
:func:`export_table`               one table (a result, a DataFrame or a report
                                   table) as .tex, .docx, .html or .csv
:func:`result_table`               a report table of any result object
=================================  ===========================================

Examples
--------
>>> import kneestudy as ks  # doctest: +SKIP
>>> study = ks.datasets.demo_study()  # doctest: +SKIP
>>> ks.report.write_html(study, "demo.html")  # doctest: +SKIP
>>> ks.report.write_docx(study, "demo.docx")  # doctest: +SKIP
>>> ks.report.write_evidence("evidence.html")  # doctest: +SKIP
>>> rep = ks.report.build(study)  # doctest: +SKIP
>>> rep.table("summary-of-findings").to_latex()  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kneestudy.report.build import ProgressFn, build_report
from kneestudy.report.content import Report
from kneestudy.report.export import export_table, write_figures
from kneestudy.report.parallel import render_figures
from kneestudy.report.planning import PlanningOptions, planning_options
from kneestudy.report.settings import Settings
from kneestudy.report.tables import result_table

__all__ = [
    "SECTION_IDS",
    "PlanningOptions",
    "Report",
    "Settings",
    "build",
    "build_evidence",
    "export_table",
    "render_html",
    "result_table",
    "write",
    "write_docx",
    "write_evidence",
    "write_figures",
    "write_html",
]

#: Ids of the sections every report has, in order. Reports also have, when
#: they apply, ``comparison``, ``evidence``, one ``cohort-N`` per cohort and,
#: when asked for, ``planning`` (see ``Report.section_ids``).
SECTION_IDS: tuple[str, ...] = ("summary", "validation", "methods", "provenance")


def build(
    study: Any,
    *,
    outcome: str = "pain",
    week: float | None = None,
    command: str | None = None,
    seed: int | None = None,
    progress: ProgressFn | None = None,
    date: str | None = None,
    extra_sections: Sequence[Any] = (),
    planning: Any = None,
) -> Report:
    """The report of ``study`` as a content model (see :func:`write_html` for the options).

    ``extra_sections``: further sections (a ``Section``, or ``f(study, settings)``
    returning one or None), placed after the cohorts; the planning section
    (``planning``) comes after them.
    """
    extra = list(extra_sections)
    opts = planning_options(planning)
    if opts is not None:
        from kneestudy.report.planning import planning_section

        extra.append(lambda st, settings: planning_section(st, settings, opts))
    return build_report(
        study,
        outcome=outcome,
        week=week,
        command=command,
        seed=seed,
        progress=progress,
        date=date,
        extra_sections=extra,
    )


def render_html(study: Any, **options: Any) -> str:
    """The HTML report as a string (options as :func:`write_html`)."""
    from kneestudy.report.html import render

    return render(study if isinstance(study, Report) else build(study, **options))


def write(
    study: Any,
    *,
    html: str | Path | None = None,
    docx: str | Path | None = None,
    figures: str | Path | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Build the report once and write any of HTML, Word and the figure files.

    Returns ``{"report": Report, "html": Path, "docx": Path, "figures": [Path, ...]}``
    for what was written.
    """
    report = study if isinstance(study, Report) else build(study, **options)
    out: dict[str, Any] = {"report": report}
    formats = [f for f, given in (("svg", html is not None or figures is not None),
                                  ("png", docx is not None or figures is not None)) if given]  # fmt: skip
    if formats:  # each figure drawn once, for every format wanted, in parallel
        render_figures(report.figures(), formats)
    if figures is not None:  # draws each figure once, in both formats
        out["figures"] = write_figures(report, figures)
    if html is not None:
        from kneestudy.report.html import render

        path = Path(html)
        text = render(report)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out["html"] = path
    if docx is not None:
        from kneestudy.report.docx import render as render_docx

        out["docx"] = render_docx(report, docx)
    return out


def write_html(
    study: Any,
    path: str | Path,
    *,
    outcome: str = "pain",
    week: float | None = None,
    command: str | None = None,
    seed: int | None = None,
    progress: ProgressFn | None = None,
    planning: Any = None,
) -> Path:
    """Write the self-contained HTML report of ``study`` to ``path``.

    Parameters
    ----------
    study : Study or Report
        From :func:`kneestudy.load_study` or :func:`kneestudy.datasets.demo_study`
        (or a report already built by :func:`build`).
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
    planning : None, True, str, list of str, mapping or PlanningOptions
        Add the section "Planning the next trial": power curves and sample
        sizes of a new trial at the pooled effect of the study's comparison
        (:mod:`kneestudy.report.planning`). True plans the idea with the
        largest pooled benefit; give an idea code (or several) to choose, or
        :class:`~kneestudy.report.planning.PlanningOptions` for the grid,
        the number of simulated trials and the seed. Default: no section.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import kneestudy as ks  # doctest: +SKIP
    >>> ks.report.write_evidence("evidence.html", planning=True)  # doctest: +SKIP
    >>> ks.report.write_html(study, "r.html", planning=["orthotics", "knee_brace"])  # doctest: +SKIP
    """
    return write(
        study, html=path, outcome=outcome, week=week, command=command, seed=seed,
        progress=progress, planning=planning,
    )["html"]  # fmt: skip


def write_docx(
    study: Any,
    path: str | Path,
    *,
    outcome: str = "pain",
    week: float | None = None,
    command: str | None = None,
    seed: int | None = None,
    progress: ProgressFn | None = None,
    planning: Any = None,
) -> Path:
    """Write the report of ``study`` as a Word document (same options as :func:`write_html`).

    The document has the summary (with the summary-of-findings table when the
    ideas are compared), the baseline tables, the effects and every figure;
    tables are native Word tables and figures 300 dpi PNG.
    """
    return write(
        study, docx=path, outcome=outcome, week=week, command=command, seed=seed,
        progress=progress, planning=planning,
    )["docx"]  # fmt: skip


def build_evidence(
    study: Any = None,
    *,
    command: str | None = None,
    date: str | None = None,
    progress: ProgressFn | None = None,
    planning: Any = None,
) -> Report:
    """The evidence report, "What the published trials say about the eight ideas".

    ``study`` defaults to :func:`kneestudy.datasets.evidence`; ``planning``
    adds the section planning the next trial, as in :func:`build` (``make
    report`` passes True). See
    :func:`kneestudy.report.evidence_report.build_evidence_report`.
    """
    from kneestudy.report.evidence_report import build_evidence_report

    return build_evidence_report(
        study, command=command, date=date, progress=progress, planning=planning
    )


def write_evidence(
    path: str | Path,
    *,
    study: Any = None,
    command: str | None = None,
    progress: ProgressFn | None = None,
    planning: Any = None,
) -> Path:
    """Write the evidence report to ``path``: Word for a ``.docx`` file, else HTML.

    Returns the file written.
    """
    report = build_evidence(study, command=command, progress=progress, planning=planning)
    kind = "docx" if Path(path).suffix.lower() == ".docx" else "html"
    return write(report, **{kind: path})[kind]
