"""``kneestudy evidence [STUDY_DIR] [--output FILE ...] [--format html|docx] [--figures DIR]``.

Writes the evidence report, "What the published trials say about the eight
ideas" (:func:`kneestudy.report.evidence_report`), of the embedded evidence
base (:func:`kneestudy.datasets.evidence`) or of a study folder of published
rows given as ``STUDY_DIR``. Outputs as for ``kneestudy report``: the format
from each file's suffix (``.html``, ``.docx``) or ``--format``; ``--figures``
also writes every figure as SVG and 300 dpi PNG. Exit codes: 0 written; 1 the
study's data fail validation; 2 usage or I/O error, or a study holding
simulated cohorts (the evidence report is never pooled with them).
"""

from __future__ import annotations

import argparse
import sys

DEFAULT_OUTPUT = "reports/kneestudy-evidence.html"


def add_parser(sub) -> None:
    from kneestudy.cli.report import add_output_options, add_planning_option

    p = sub.add_parser(
        "evidence",
        help="write the report of the published trials (the evidence base)",
        description="Compare the eight ideas on the published randomised trials of the "
        "embedded evidence base (or of STUDY_DIR, a study folder of published rows), with "
        "their certainty, the discussion against the 2018 consensus and the living network "
        "meta-analysis, the PRISMA flow and risk of bias, and write the report (default "
        f"{DEFAULT_OUTPUT}; a .docx output writes the Word document).",
    )
    p.add_argument(
        "path",
        nargs="?",
        metavar="STUDY_DIR",
        help="a study folder of published rows (default: the embedded evidence base)",
    )
    add_output_options(p, default=DEFAULT_OUTPUT)
    add_planning_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kneestudy.cli._load import load_any
    from kneestudy.cli._progress import progress_bar
    from kneestudy.cli.report import (
        FORMATS,
        command_line,
        output_plan,
        output_words,
        planning_arg,
        planning_words,
    )

    plan = output_plan(args, default=DEFAULT_OUTPUT)
    if plan is None:
        return 2
    try:
        planning = planning_arg(args.planning)
    except ValueError as exc:
        print(f"kneestudy evidence: error: {exc}", file=sys.stderr)
        return 2
    study = None
    if args.path is not None:
        study = load_any(args.path)
        if study is None:
            return 2
    from kneestudy.report import write
    from kneestudy.report.evidence_report import build_evidence_report

    command = command_line(
        "evidence",
        args.path,
        *output_words(args, plan),
        *planning_words(args.planning),
    )
    update, close = progress_bar("evidence report")
    try:
        try:
            report = build_evidence_report(
                study, command=command, progress=update, planning=planning
            )
        except ValueError as exc:
            print(f"kneestudy: error: {exc}", file=sys.stderr)
            return 2
        written = write(report, html=plan.get("html"), docx=plan.get("docx"),
                        figures=plan.get("figures"))  # fmt: skip
    finally:
        close()
    for fmt in FORMATS:
        if fmt in written:
            print(f"report written to {written[fmt]}")
    if "figures" in written:
        print(f"{len(written['figures'])} figure files written to {plan['figures']}")
    return 0
