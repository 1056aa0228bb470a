"""``kneestudy analyze STUDY_DIR [--json] [--outcome pain] [--week 12]``: every result."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kneestudy.cli._options import path_arg, week


def add_parser(sub) -> None:
    p = sub.add_parser(
        "analyze",
        help="analyse a study folder; every result as text or JSON",
        description="Validate and analyse a study folder (study.toml) or a cohort folder: "
        "the comparison of the eight ideas, and per cohort ANCOVA, MMRM, responders, "
        "time to pain-free (Kaplan–Meier, log-rank, Cox, RMST), baseline balance and "
        "adverse events. Numbers in JSON are at full precision.",
    )
    p.add_argument(
        "path", metavar="STUDY_DIR", type=path_arg, help="study folder (or a cohort folder)"
    )
    p.add_argument("--json", action="store_true", help="print every result as JSON")
    p.add_argument("--outcome", default="pain", choices=("pain", "akps"))
    p.add_argument(
        "--week", type=week, default=None, help="week of the effects (default: primary week)"
    )
    p.set_defaults(run=run)


def _jsonable(value: Any) -> Any:
    import pandas as pd

    from kneestudy._results import to_jsonable
    from kneestudy.errors import AnalysisError

    if isinstance(value, AnalysisError):
        return {"error": str(value)}
    if isinstance(value, dict):  # e.g. one result (or AnalysisError) per treatment arm
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "to_dict") and not isinstance(value, (pd.DataFrame, pd.Series)):
        return to_jsonable(value.to_dict())
    return to_jsonable(value)


def collect(study: Any, outcome: str = "pain", week: float | None = None) -> dict[str, Any]:
    """Every analysis of the study as a JSON-ready dict (errors as ``{"error": ...}``)."""
    from kneestudy.effects.safety import adverse_events
    from kneestudy.plots import consort_counts
    from kneestudy.report._tables import baseline_table
    from kneestudy.report.analyses import cohort_analyses, study_analyses

    out: dict[str, Any] = {
        "study_id": study.study_id,
        "title": study.title,
        "settings": {"outcome": outcome, "week": week, "pain_free_threshold": 1.0},
    }
    out.update(
        {k: _jsonable(v) for k, v in study_analyses(study, outcome=outcome, week=week).items()}
    )
    cohorts = []
    for cohort in study.cohorts:
        res = cohort_analyses(cohort, outcome=outcome, week=week)
        entry: dict[str, Any] = {
            "cohort_id": cohort.cohort_id,
            "title": cohort.title,
            "synthetic": cohort.is_synthetic,
            "arms": _jsonable(cohort.arms),
            "consort": _jsonable(consort_counts(cohort)),
            "baseline": _jsonable(baseline_table(cohort)),
        }
        entry.update({k: _jsonable(v) for k, v in res.items()})
        if cohort.adverse_events is not None:
            entry["adverse_events"] = _jsonable(adverse_events(cohort))
        cohorts.append(entry)
    out["cohorts"] = cohorts
    rep = getattr(study, "report", None)
    if rep is not None and hasattr(rep, "to_json"):
        out["validation"] = json.loads(rep.to_json())
    return out


def run(args: argparse.Namespace) -> int:
    from kneestudy.cli._load import load_any
    from kneestudy.cli._options import check_week

    study = load_any(args.path)
    if study is None:
        return 2
    problem = check_week(study, args.week)
    if problem is not None:
        print(f"kneestudy analyze: error: {problem}", file=sys.stderr)
        return 2
    result = collect(study, outcome=args.outcome, week=args.week)
    if args.json:
        json.dump(result, sys.stdout, indent=1, allow_nan=False)
        sys.stdout.write("\n")
        return 0
    print(f"{study.title} ({len(study.cohorts)} cohorts)")
    cmp = result.get("comparison", {})
    if "error" in cmp:
        print(f"  comparison of the ideas: not computed: {cmp['error']}")
    else:
        when = cmp.get("window_label") or f"at week {cmp.get('week', 12):g}"
        print(
            f"  {cmp.get('measure', 'effect')} in {cmp.get('outcome', args.outcome)} {when} vs "
            f"{cmp.get('reference_label') or cmp.get('reference', 'control')} (95% CI):"
        )
        for row in cmp.get("table", []):
            est = row.get("estimate")
            shown = (
                "no data"
                if est is None
                else f"{est:+.2f} ({row['ci_low']:+.2f} to {row['ci_high']:+.2f})"
            )
            print(f"  {row['label']:<28} {shown}  certainty {row.get('certainty') or '-'}")
    for c in result["cohorts"]:
        errors = [k for k, v in c.items() if isinstance(v, dict) and "error" in v]
        note = f"; not computed: {', '.join(errors)}" if errors else ""
        print(f"  cohort {c['cohort_id']}: {len(c['arms'])} arms{note}")
    print("(use --json for every result at full precision)")
    return 0
