"""``kneestudy simulate OUT --idea CODE --n N --seed S``: write a synthetic cohort folder."""

from __future__ import annotations

import argparse
import math
import sys

from kneestudy.cli._options import (
    cohort_id,
    finite_number,
    nonnegative_int,
    path_arg,
    positive_int,
    probability,
)

__all__ = ["add_parser", "run"]


def _weeks(text: str) -> list[float]:
    try:
        weeks = [float(w) for w in text.replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"weeks must be numbers separated by commas, got {text!r}"
        ) from None
    if not weeks or not all(math.isfinite(w) and w >= 0 for w in weeks):
        raise argparse.ArgumentTypeError(f"weeks must be finite numbers >= 0, got {text!r}")
    if weeks != sorted(set(weeks)) or weeks[0] != 0:
        raise argparse.ArgumentTypeError(
            f"weeks must start with 0 (baseline), sorted and distinct, got {text!r}"
        )
    return weeks


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "simulate",
        help="write a synthetic trial cohort (for trying the toolkit and planning trials)",
        description="Simulate a randomised trial of one idea for runner's knee and write it as "
        "a cohort folder (cohort.toml, participants.csv, visits.csv, adverse_events.csv). "
        'The manifest says source = "synthetic" and records the seed; the same seed gives '
        "the same files.",
    )
    p.add_argument("out", metavar="OUT", type=path_arg, help="output folder")
    p.add_argument("--idea", required=True, help="idea or code, e.g. orthotics, taping")
    p.add_argument("--n", type=positive_int, default=200, help="participants in all (default 200)")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--arms",
        nargs="+",
        metavar="CODE",
        help="all arm codes of a multi-arm trial; the last is the comparator unless --comparator",
    )
    p.add_argument("--comparator", help="the control arm's code (default: the idea's usual one)")
    p.add_argument(
        "--weeks",
        type=_weeks,
        help="visit weeks, comma-separated, starting with 0 (default 0,2,4,6,12,26,52)",
    )
    p.add_argument(
        "--effect", type=finite_number, help="peak pain effect of the idea (points, <0 = better)"
    )
    p.add_argument(
        "--dropout", type=probability, help="per-visit dropout probability at pain 5 (0 to <1)"
    )
    p.add_argument(
        "--dropout-mar",
        type=float,
        metavar="B",
        help="log odds of dropout per point of the last recorded pain (default 0.3)",
    )
    p.add_argument(
        "--dropout-mnar",
        type=float,
        metavar="B",
        help="missing not at random: log odds of dropout per point of the current, "
        "unrecorded pain (default 0)",
    )
    p.add_argument(
        "--min-baseline-pain",
        type=float,
        metavar="P",
        help="entry threshold on recorded baseline pain, 0-9 in steps of 0.1 (default 3)",
    )
    p.add_argument(
        "--crossover",
        action="store_true",
        help="a crossover of knee-brace settings (medial vs lateral pull); needs --idea knee_brace",
    )
    p.add_argument(
        "--cohort-id", type=cohort_id, help="cohort_id of the manifest ([A-Za-z0-9._-]{1,64})"
    )
    p.add_argument("--force", action="store_true", help="write into OUT even if it holds files")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kneestudy.simulate import DEFAULT_WEEKS, cohort

    out = Path(args.out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not args.force)):
        print(
            f"kneestudy: error: {out} exists and is not an empty folder (use --force to write "
            "into it)",
            file=sys.stderr,
        )
        return 2
    if args.crossover:
        from kneestudy.simulate import crossover

        if args.idea != "knee_brace" or args.arms or args.comparator or args.effect is not None:
            print(
                "kneestudy: error: --crossover simulates knee-brace settings: use --idea "
                "knee_brace without --arms, --comparator or --effect",
                file=sys.stderr,
            )
            return 2
        c = crossover(n=args.n, seed=args.seed, cohort_id=args.cohort_id)
        c.write(out)
        print(f"wrote synthetic crossover {c.cohort_id!r} to {out}: n {args.n}; seed {args.seed}")
        return 0
    c = cohort(
        args.idea,
        n=args.n,
        seed=args.seed,
        comparator=args.comparator,
        weeks=args.weeks if args.weeks else DEFAULT_WEEKS,
        effect=args.effect,
        dropout=args.dropout,
        arms=args.arms,
        cohort_id=args.cohort_id,
        dropout_mar=args.dropout_mar,
        dropout_mnar=args.dropout_mnar,
        min_baseline_pain=args.min_baseline_pain,
    )
    c.write(out)
    arms = ", ".join(f"{r.intervention} (n {r.n})" for r in c.arms.itertuples())
    print(f"wrote synthetic cohort {c.cohort_id!r} to {out}: {arms}; seed {args.seed}")
    return 0
