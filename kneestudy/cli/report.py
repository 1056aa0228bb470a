"""``kneestudy report STUDY_DIR --output FILE``: the self-contained HTML report."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser(
        "report",
        help="write the HTML report of a study folder",
        description="Validate and analyse a study folder (study.toml) or a single cohort "
        "folder and write one self-contained HTML file. Exit 1 when the data fail validation.",
    )
    p.add_argument("path", metavar="STUDY_DIR", help="study folder (or a cohort folder)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="HTML file to write")
    p.add_argument("--outcome", default="pain", choices=("pain", "akps"))
    p.add_argument(
        "--week", type=float, default=None, help="week of the effects (default: primary week)"
    )
    p.set_defaults(run=run)


def command_line(*words: object) -> str:
    """The command, rebuilt from the parsed arguments, for the provenance section."""
    import shlex

    return "kneestudy " + " ".join(shlex.quote(str(w)) for w in words if w is not None)


def run(args: argparse.Namespace) -> int:
    from kneestudy.cli._load import load_any
    from kneestudy.cli._progress import progress_bar
    from kneestudy.report import write_html

    study = load_any(args.path)
    if study is None:
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
            ),
            progress=update,
        )
    finally:
        close()
    print(f"report written to {out}")
    return 0
