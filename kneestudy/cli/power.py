"""``kneestudy power --idea CODE --n N [--analysis A] [--reps R] [--scheduler HOST:PORT]``.

Power of a two-arm trial by simulation (:func:`kneestudy.design.power`), or
with ``--target`` the smallest n per arm reaching a power
(:func:`kneestudy.design.sample_size`). A progress bar shows on a terminal;
``--json`` prints the result as JSON (without the per-trial table unless
``--replicates``).
"""

from __future__ import annotations

import argparse
import json
import sys

from kneestudy.cli.simulate import _weeks

__all__ = ["ANALYSES", "add_parser", "run"]

#: kneestudy.design.engine.ANALYSES, repeated so that building the parser stays cheap.
ANALYSES = ("ancova", "ttest", "mmrm", "responders", "logrank", "cox")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "power",
        help="power or sample size of a new trial, by simulation (laptop or Dask cluster)",
        description="Simulate many trials of one idea against its control, analyse each as "
        "planned and report the share with p < alpha (power), with its Monte Carlo interval, "
        "bias and coverage. Without --effect the effect comes from the evidence base or the "
        "simulator's parameters, and the output says which.",
    )
    p.add_argument("--idea", required=True, help="idea or code, e.g. orthotics, taping")
    p.add_argument("--n", type=int, help="participants per arm (or use --target)")
    p.add_argument("--target", type=float, help="find the smallest n per arm reaching this power")
    p.add_argument("--analysis", default="ancova", choices=ANALYSES, help="default ancova")
    p.add_argument("--outcome", default="pain", choices=("pain", "akps", "recovered"))
    p.add_argument("--week", type=float, default=12.0, help="analysis week (default 12)")
    p.add_argument("--comparator", help="control arm code (default: the idea's usual one)")
    p.add_argument(
        "--effect", type=float, help="true pain difference at the week (points, <0 = better)"
    )
    p.add_argument("--dropout", type=float, help="per-visit dropout probability at pain 5")
    p.add_argument("--weeks", type=_weeks, help="visit weeks, comma-separated, from 0")
    p.add_argument("--reps", type=int, default=1000, help="simulated trials (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--alpha", type=float, default=0.05, help="two-sided level (default 0.05)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="HOST:PORT", help="run on this Dask scheduler")
    where.add_argument("--workers", type=int, help="local worker processes (default all cores)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--replicates", action="store_true", help="with --json: every trial too")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    from kneestudy.cli._progress import progress_bar
    from kneestudy.design import power, sample_size

    if (args.n is None) == (args.target is None):
        print("kneestudy: error: give either --n or --target", file=sys.stderr)
        return 2
    executor = None
    if args.scheduler:
        addr = args.scheduler
        executor = addr if "://" in addr else f"dask://{addr}"
    elif args.workers is not None:
        executor = args.workers
    update, close = progress_bar("simulating")
    progress = (lambda done, total: update("chunks", done, total)) if update else None
    common = dict(
        comparator=args.comparator,
        analysis=args.analysis,
        outcome=args.outcome,
        week=args.week,
        effect=args.effect,
        dropout=args.dropout,
        reps=args.reps,
        seed=args.seed,
        alpha=args.alpha,
        executor=executor,
        weeks=args.weeks,
        progress=progress,
    )
    try:
        if args.target is not None:
            res = sample_size(args.idea, target=args.target, **common)
        else:
            res = power(args.idea, args.n, **common)
    finally:
        close()
    if args.json:
        out = res.to_dict()
        if not args.replicates:
            out.pop("replicates", None)
        print(json.dumps(out, indent=2))
        return 0
    print(_text(res))
    return 0


def _text(res) -> str:
    from kneestudy._results import format_number as f

    lines = [
        f"{res.treatment} vs {res.comparator}: {res.method}",
        f"planning effect: {f(res.effect)} pain points at week {res.week:g} "
        f"({res.effect_source}: {res.effect_detail})",
    ]
    if res.effect_note:
        lines.append(f"note: {res.effect_note}")
    if hasattr(res, "target"):
        lines += [
            f"n per arm for power {f(res.target, 2)}: {res.n_per_arm} "
            f"(Monte Carlo range {res.n_ci_low} to {res.n_ci_high}); {res.n_total} in all",
            f"power at {res.n_per_arm} per arm: {f(res.power)} "
            f"(95% MC CI {f(res.power_ci_low)} to {f(res.power_ci_high)}), {res.reps} trials",
        ]
    else:
        what = "type-I error" if res.is_null else "power"
        lines += [
            f"{what} with {res.n_per_arm} per arm: {f(res.power)} "
            f"(95% MC CI {f(res.power_ci_low)} to {f(res.power_ci_high)}), {res.reps} trials",
            f"estimand: {res.estimand}; true value {f(res.true_value)} ({res.truth_source})",
            f"mean estimate {f(res.mean_estimate)}, bias {f(res.bias)} "
            f"(MCSE {f(res.bias_mcse)}), coverage {f(res.coverage)}",
            f"analyses not defined: {res.n_failed}; ran on {res.executor}",
        ]
    return "\n".join(lines)
