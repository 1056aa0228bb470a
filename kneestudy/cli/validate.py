"""``kneestudy validate PATH [--json] [--quarantine DIR] [--max-failures N]``."""

from __future__ import annotations

import argparse
import sys

from kneestudy.cli._options import max_failures, path_arg


def add_parser(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="validate a cohort or study folder",
        description="Validate a cohort folder (cohort.toml) or a study folder (study.toml). "
        "Exit 0 when valid, 1 when the data fail validation, 2 on usage or I/O errors.",
    )
    p.add_argument("path", type=path_arg, help="cohort or study folder")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--quarantine",
        metavar="DIR",
        type=path_arg,
        help="keep the valid rows; write the invalid ones, as read and with their reasons, "
        "to DIR (a study's cohorts go to DIR/cohorts/<cohort>/, its literature to "
        "DIR/literature/)",
    )
    p.add_argument(
        "--max-failures",
        type=max_failures,
        default=1000,
        metavar="N",
        help="failures listed per file, column and rule (default 1000; every failure is "
        "counted, and quarantine holds every rejected row)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kneestudy.errors import ValidationError
    from kneestudy.ingest import load_cohort, load_study, validate

    path = Path(args.path)
    if not path.exists():
        print(f"kneestudy: error: {path}: no such file or folder", file=sys.stderr)
        return 2
    quarantined = False
    if args.quarantine:
        study = (path / "study.toml").is_file()
        loader = load_study if study else load_cohort
        try:
            loaded = loader(
                path,
                on_invalid="quarantine",
                quarantine_dir=args.quarantine,
                max_failures=args.max_failures,
            )
            report = loaded.report
            quarantined = not report.ok
        except ValidationError as exc:
            report = exc.report
    else:
        report = validate(path, max_failures=args.max_failures)
    if args.json:
        print(report.to_json(indent=1))
    else:
        print(report)
        if quarantined:
            n = int(report.rows["invalid"].sum())
            print(f"\n{n} invalid rows written to {args.quarantine}")
        elif args.quarantine and not report.ok:
            print(
                "\nnothing was quarantined: some failures belong to no row (manifest, "
                "unreadable file, missing column); fix those first"
            )
    return 0 if report.ok else 1
