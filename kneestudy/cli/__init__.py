"""The ``kneestudy`` command line.

Subcommands live in modules of this package, each with ``add_parser(sub)``
(cheap: no heavy imports) and ``run(args) -> int``; a new command is a module
named in :data:`SUBCOMMANDS`. Exit codes: 0 success, 1 the data failed
validation, 2 usage or I/O error. Bad data never shows a traceback:
kneestudy's own errors become a readable message and an exit code. Warnings
raised while a command runs never reach stderr as such: what a user should
know is printed as ``kneestudy: note: ...``
(:func:`kneestudy.errors.notes_from_warnings`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence

from kneestudy import __version__

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

#: Subcommand modules, in the order ``--help`` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    "validate",
    "imports",
    "simulate",
    "analyze",
    "power",
    "report",
    "demo",
    "schemas",
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message (never a traceback)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kneestudy",
        description="Clinical research on runner's knee: validate cohorts, simulate trials, "
        "analyse and compare eight ideas, write HTML reports.",
    )
    parser.add_argument("--version", action="version", version=f"kneestudy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"kneestudy.cli.{name}")
        except ModuleNotFoundError as exc:  # a subcommand not built yet
            if exc.name != f"kneestudy.cli.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (also used by ``python -m kneestudy``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    from kneestudy.errors import notes_from_warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = _run(args)
    for text in notes_from_warnings(caught):
        print(f"kneestudy: note: {text}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace) -> int:
    from kneestudy.errors import KneestudyError, ReadError, ValidationError

    try:
        return int(args.run(args))
    except ValidationError as exc:
        print(exc.report if exc.report is not None else exc, file=sys.stdout)
        return EXIT_INVALID
    except ReadError as exc:
        print(f"kneestudy: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except (KneestudyError, OSError) as exc:
        print(f"kneestudy: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("kneestudy: interrupted", file=sys.stderr)
        return 130


def _entry() -> None:  # pragma: no cover - console script wrapper
    raise SystemExit(main())
