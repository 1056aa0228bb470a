"""``kneestudy schemas export [--output DIR]``: machine-readable schemas and data dictionaries."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("schemas", help="export the table schemas", description=__doc__)
    action = p.add_subparsers(dest="action", metavar="ACTION")
    e = action.add_parser(
        "export",
        help="write <table>.yaml (pandera schema) and <table>.md (data dictionary)",
    )
    e.add_argument("--output", default="data_schemas", metavar="DIR", help="default: data_schemas")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "action", None) != "export":
        print("usage: kneestudy schemas export [--output DIR]", file=sys.stderr)
        return 2
    from kneestudy.schemas.export import export

    for path in export(args.output):
        print(path)
    return 0
