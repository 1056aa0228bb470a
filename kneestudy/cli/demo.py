"""``kneestudy demo [--output FILE]``: the report of the embedded demo study."""

from __future__ import annotations

import argparse

DEFAULT_OUTPUT = "reports/kneestudy-demo.html"


def add_parser(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="write the HTML report of the embedded demo study",
        description="Analyse the embedded (synthetic) demo study, which covers all eight "
        f"ideas, and write its HTML report (default {DEFAULT_OUTPUT}).",
    )
    p.add_argument("-o", "--output", default=DEFAULT_OUTPUT, metavar="FILE")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kneestudy.cli._progress import progress_bar
    from kneestudy.cli.report import command_line
    from kneestudy.datasets import demo_study
    from kneestudy.report import write_html

    study = demo_study()
    seeds = sorted({c.manifest.seed for c in study.cohorts if c.manifest.seed is not None})
    update, close = progress_bar("demo report")
    try:
        out = write_html(
            study,
            args.output,
            command=command_line("demo", "--output", args.output),
            seed=seeds[0] if len(seeds) == 1 else None,
            progress=update,
        )
    finally:
        close()
    print(f"report written to {out}")
    return 0
