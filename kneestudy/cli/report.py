"""``kneestudy report STUDY_DIR --output FILE``: the self-contained HTML report."""

from __future__ import annotations

import argparse
import sys

from kneestudy.cli._options import max_failures, path_arg, week


def add_parser(sub) -> None:
    p = sub.add_parser(
        "report",
        help="write the HTML report of a study folder",
        description="Validate and analyse a study folder (study.toml) or a single cohort "
        "folder and write one self-contained HTML file. Exit 1 when the data fail validation "
        "(with --quarantine, invalid rows are set aside and the report is written).",
    )
    p.add_argument(
        "path", metavar="STUDY_DIR", type=path_arg, help="study folder (or a cohort folder)"
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="FILE", type=path_arg, help="HTML file to write"
    )
    p.add_argument("--outcome", default="pain", choices=("pain", "akps"))
    p.add_argument(
        "--week", type=week, default=None, help="week of the effects (default: primary week)"
    )
    p.add_argument(
        "--quarantine",
        metavar="DIR",
        type=path_arg,
        help="set invalid rows aside in DIR (as read, with their reasons) and report on the "
        "valid ones",
    )
    p.add_argument(
        "--max-failures",
        type=max_failures,
        default=1000,
        metavar="N",
        help="failures listed per file, column and rule (default 1000)",
    )
    p.set_defaults(run=run)


def command_line(*words: object) -> str:
    """The command, rebuilt from the parsed arguments, for the provenance section."""
    import shlex

    return "kneestudy " + " ".join(shlex.quote(str(w)) for w in words if w is not None)


def run(args: argparse.Namespace) -> int:
    from kneestudy.cli._load import load_any, set_aside
    from kneestudy.cli._options import check_week
    from kneestudy.cli._progress import progress_bar
    from kneestudy.report import write_html

    study = load_any(args.path, quarantine=args.quarantine, max_failures=args.max_failures)
    if study is None:
        return 2
    problem = check_week(study, args.week)
    if problem is not None:
        print(f"kneestudy report: error: {problem}", file=sys.stderr)
        return 2
    update, close = progress_bar("report")
    try:
        out = write_html(
            study,
            args.output,
            outcome=args.outcome,
            week=args.week,
            command=command_line(
                "report",
                args.path,
                "--output",
                args.output,
                "--outcome",
                args.outcome,
                *(("--week", f"{args.week:g}") if args.week is not None else ()),
                *(("--quarantine", args.quarantine) if args.quarantine else ()),
            ),
            progress=update,
        )
    finally:
        close()
    n = set_aside(study)
    if n:
        print(f"{n} invalid rows set aside in {args.quarantine}; the report covers the valid ones")
    print(f"report written to {out}")
    return 0
