"""``kneestudy report STUDY_DIR --output FILE [--output FILE] [--format html|docx] [--figures DIR]``.

The report is built once and written to every ``--output``: its format comes
from the file's suffix (``.html``, ``.docx``), or from ``--format`` for one
output with another suffix. ``--figures DIR`` also writes every figure as SVG
and 300 dpi PNG under its stable name.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kneestudy.cli._options import max_failures, path_arg, week

#: File suffix -> report format.
SUFFIXES = {".html": "html", ".htm": "html", ".docx": "docx"}
FORMATS = ("html", "docx")


def add_output_options(p: argparse.ArgumentParser, *, default: str | None = None) -> None:
    """``--output`` (repeatable), ``--format`` and ``--figures``: shared by ``report`` and ``demo``."""
    p.add_argument(
        "-o",
        "--output",
        action="append",
        required=default is None,
        metavar="FILE",
        type=path_arg,
        help="file to write: .html (self-contained report) or .docx (Word); may be given "
        "more than once" + (f" (default {default})" if default else ""),
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="format of an output whose suffix names none (default: from the suffix)",
    )
    p.add_argument(
        "--figures",
        metavar="DIR",
        default=None,
        type=path_arg,
        help="also write every figure as DIR/<name>.svg and DIR/<name>.png (300 dpi)",
    )


def output_plan(args: argparse.Namespace, default: str | None = None) -> dict[str, Any] | None:
    """``{"html": path, "docx": path, "figures": dir}`` from the options, or None (usage error).

    Prints the error; the caller returns exit code 2.
    """
    outputs = list(args.output or ([default] if default else []))
    plan: dict[str, Any] = {}
    for out in outputs:
        known = SUFFIXES.get(Path(out).suffix.lower())
        if known and args.format and args.format != known:
            return _usage(f"--format {args.format} contradicts the output file {out}")
        fmt = known or args.format
        if fmt is None:
            return _usage(
                f"cannot tell the format of {out}: name it .html or .docx, or give --format"
            )
        if fmt in plan:
            return _usage(f"two {fmt} outputs ({plan[fmt]}, {out}); give one of each at most")
        plan[fmt] = out
    if args.figures is not None:
        plan["figures"] = args.figures
    return plan


def _usage(message: str) -> None:
    print(f"kneestudy: error: {message}", file=sys.stderr)
    return None


def add_parser(sub) -> None:
    p = sub.add_parser(
        "report",
        help="write the report of a study folder (HTML or Word)",
        description="Validate and analyse a study folder (study.toml) or a single cohort "
        "folder and write its report: one self-contained HTML file and/or a Word document, "
        "and optionally every figure as SVG and PNG. Exit 1 when the data fail validation "
        "(with --quarantine, invalid rows are set aside and the report is written).",
    )
    p.add_argument(
        "path", metavar="STUDY_DIR", type=path_arg, help="study folder (or a cohort folder)"
    )
    add_output_options(p)
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
    add_planning_option(p)
    p.set_defaults(run=run)


def add_planning_option(p: argparse.ArgumentParser) -> None:
    """``--planning [IDEA]`` (repeatable) of ``report`` and ``evidence``."""
    p.add_argument(
        "--planning",
        action="append",
        nargs="?",
        const="auto",
        metavar="IDEA",
        help="add a section planning the next trial (power curve and sample size at the pooled "
        "effect): of IDEA (repeatable), or without IDEA of the idea with the largest pooled "
        "benefit",
    )


def planning_words(values: list[str] | None) -> list[str | None]:
    """``--planning`` as words of the command line (for provenance)."""
    return [w for v in values or () for w in ("--planning", None if v == "auto" else v)]


def planning_arg(values: list[str] | None) -> Any:
    """``--planning`` as the report's ``planning=`` argument (None when not given).

    Raises ValueError naming an unknown idea.
    """
    if not values:
        return None
    from kneestudy.interventions import idea_of

    ideas = [v for v in values if v != "auto"]
    unknown = [v for v in ideas if idea_of(v) is None]
    if unknown:
        raise ValueError(f"--planning: unknown idea(s) {unknown}; use one of the eight idea codes")
    return ideas or True


def command_line(*words: object) -> str:
    """The command, rebuilt from the parsed arguments, for the provenance section."""
    import shlex

    return "kneestudy " + " ".join(shlex.quote(str(w)) for w in words if w is not None)


def output_words(args: argparse.Namespace, plan: dict[str, Any]) -> list[str]:
    """The output options as words of the command line (for provenance)."""
    words: list[str] = []
    for fmt in FORMATS:
        if fmt in plan:
            words += ["--output", str(plan[fmt])]
    if args.format:
        words += ["--format", args.format]
    if "figures" in plan:
        words += ["--figures", str(plan["figures"])]
    return words


def write_outputs(study: Any, plan: dict[str, Any], *, label: str, **options: Any) -> None:
    """Build the report once, write every output in ``plan``, say what was written."""
    from kneestudy.cli._progress import progress_bar
    from kneestudy.report import write

    update, close = progress_bar(label)
    try:
        written = write(
            study,
            html=plan.get("html"),
            docx=plan.get("docx"),
            figures=plan.get("figures"),
            progress=update,
            **options,
        )
    finally:
        close()
    for fmt in FORMATS:
        if fmt in written:
            print(f"report written to {written[fmt]}")
    if "figures" in written:
        print(f"{len(written['figures'])} figure files written to {plan['figures']}")


def run(args: argparse.Namespace) -> int:
    from kneestudy.cli._load import load_any, set_aside
    from kneestudy.cli._options import check_week

    plan = output_plan(args)
    if plan is None:
        return 2
    try:
        planning = planning_arg(args.planning)
    except ValueError as exc:
        _usage(str(exc))
        return 2
    study = load_any(args.path, quarantine=args.quarantine, max_failures=args.max_failures)
    if study is None:
        return 2
    problem = check_week(study, args.week)
    if problem is not None:
        print(f"kneestudy report: error: {problem}", file=sys.stderr)
        return 2
    command = command_line(
        "report",
        args.path,
        *output_words(args, plan),
        "--outcome",
        args.outcome,
        *(("--week", f"{args.week:g}") if args.week is not None else ()),
        *(("--quarantine", args.quarantine) if args.quarantine else ()),
        *planning_words(args.planning),
    )
    write_outputs(study, plan, label="report", outcome=args.outcome, week=args.week,
                  command=command, planning=planning)  # fmt: skip
    n = set_aside(study)
    if n:
        print(f"{n} invalid rows set aside in {args.quarantine}; the report covers the valid ones")
    return 0
