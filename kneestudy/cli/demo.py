"""``kneestudy demo [--output FILE] [--format html|docx] [--figures DIR]``: the demo study's report."""

from __future__ import annotations

import argparse

DEFAULT_OUTPUT = "reports/kneestudy-demo.html"


def add_parser(sub) -> None:
    from kneestudy.cli.report import add_output_options

    p = sub.add_parser(
        "demo",
        help="write the report of the embedded demo study",
        description="Analyse the embedded (synthetic) demo study, which covers all eight "
        f"ideas, and write its report (default {DEFAULT_OUTPUT}; a .docx output writes the "
        "Word document), with a planning section for the next trial.",
    )
    add_output_options(p, default=DEFAULT_OUTPUT)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kneestudy.cli.report import command_line, output_plan, output_words, write_outputs
    from kneestudy.datasets import demo_study

    plan = output_plan(args, default=DEFAULT_OUTPUT)
    if plan is None:
        return 2
    study = demo_study()
    seeds = sorted({c.manifest.seed for c in study.cohorts if c.manifest.seed is not None})
    write_outputs(
        study,
        plan,
        label="demo report",
        command=command_line("demo", *output_words(args, plan)),
        seed=seeds[0] if len(seeds) == 1 else None,
        planning=True,  # the demo shows every part of a report, the planning section too
    )
    return 0
