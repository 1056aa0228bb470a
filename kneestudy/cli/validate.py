"""``kneestudy validate PATH [--json] [--quarantine DIR]``."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="validate a cohort or study folder",
        description="Validate a cohort folder (cohort.toml) or a study folder (study.toml). "
        "Exit 0 when valid, 1 when the data fail validation, 2 on usage or I/O errors.",
    )
    p.add_argument("path", help="cohort or study folder")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--quarantine",
        metavar="DIR",
        help="load a cohort keeping valid rows; write invalid rows with their reasons to DIR",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kneestudy.errors import ValidationError
    from kneestudy.ingest import load_cohort, validate

    path = Path(args.path)
    if not path.exists():
        print(f"kneestudy: error: {path}: no such file or folder", file=sys.stderr)
        return 2
    if args.quarantine:
        if (path / "study.toml").is_file():
            print("kneestudy: error: --quarantine takes a cohort folder", file=sys.stderr)
            return 2
        try:
            cohort = load_cohort(path, on_invalid="quarantine", quarantine_dir=args.quarantine)
            report = cohort.report
        except ValidationError as exc:
            report = exc.report
    else:
        report = validate(path)
    print(report.to_json() if args.json else report)
    if args.quarantine and not report.ok and not args.json:
        print(f"\ninvalid rows written to {args.quarantine}")
    return 0 if report.ok else 1
