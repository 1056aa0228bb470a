"""``kneestudy import redcap RECORDS.csv --dictionary DICT.csv --out COHORT_DIR``."""

from __future__ import annotations

import argparse
import sys

from kneestudy.cli._options import cohort_id, path_arg


def add_parser(sub) -> None:
    p = sub.add_parser(
        "import",
        help="turn an export of another system into a cohort folder (REDCap)",
        description="Turn an export of a data-capture system into a cohort folder with a "
        "generated cohort.toml to check and edit.",
    )
    source = p.add_subparsers(dest="source", metavar="SOURCE")
    r = source.add_parser(
        "redcap",
        help="REDCap records (CSV, raw data) and data dictionary",
        description="Split a REDCap records export (CSV, raw data; events, repeating "
        "instruments and checkboxes as REDCap writes them) into participants, visits and "
        "adverse events, and write cohort.toml with the mapping onto kneestudy's data model "
        "([columns], [values] from the dictionary's choices, [weeks] from the event names). "
        "Lines marked TODO in cohort.toml need you; then run kneestudy validate.",
    )
    r.add_argument("records", metavar="RECORDS.csv", type=path_arg)
    r.add_argument("--dictionary", required=True, metavar="DICT.csv", type=path_arg)
    r.add_argument("--out", required=True, metavar="COHORT_DIR", type=path_arg)
    r.add_argument("--cohort-id", type=cohort_id, help="cohort_id (default: from COHORT_DIR)")
    r.add_argument("--force", action="store_true", help="write into COHORT_DIR if it holds files")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "source", None) != "redcap":
        print(
            "usage: kneestudy import redcap RECORDS.csv --dictionary DICT.csv --out COHORT_DIR",
            file=sys.stderr,
        )
        return 2
    from kneestudy.ingest.redcap import from_redcap

    try:
        result = from_redcap(
            args.records, args.dictionary, args.out, cohort_id=args.cohort_id, force=args.force
        )
    except FileExistsError as exc:
        print(f"kneestudy: error: {exc.strerror}", file=sys.stderr)
        return 2
    rows = ", ".join(f"{t} {n}" for t, n in result.rows.items())
    print(f"wrote cohort folder {result.folder}: {rows} rows")
    for n in result.notes:
        print(f"  note: {n}")
    if result.todo:
        print(f"check in {result.folder / 'cohort.toml'} (marked TODO):")
        for t in dict.fromkeys(result.todo):
            print(f"  - {t}")
    print(f"then: kneestudy validate {result.folder}")
    return 0
