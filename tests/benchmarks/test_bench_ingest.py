"""Ingest speed: load + validate a 200,000-participant cohort (about 1,000,000 visits).

Goals (issue 2): at most 3 x ``pandas.read_csv`` of the same two CSV files,
and (goal only) at most 2 x ``pandas.read_parquet`` for the Parquet variant,
each measured side by side in the same run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _bench import record, run_isolated

HERE = Path(__file__).parent
N = 200_000
WEEKS = (0.0, 2.0, 6.0, 12.0, 26.0)


def _write_cohort(folder: Path, fmt: str, n: int = N) -> None:
    """A valid cohort of ``n`` participants with five visits each, as CSV or Parquet."""
    rng = np.random.default_rng(20250101)
    ids = np.array([f"P{i:07d}" for i in range(n)], dtype=object)
    arm = rng.integers(0, 2, n)
    p = pd.DataFrame(
        {
            "participant_id": ids,
            "arm": np.where(arm == 1, "Hip + knee", "Knee"),
            "intervention": np.where(
                arm == 1, "glute_strengthening+quadriceps_strengthening", "quadriceps_strengthening"
            ),
            "randomized_on": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "age": rng.uniform(18, 60, n).round(1),
            "sex": rng.choice(["female", "male"], n),
            "bmi": rng.uniform(18, 32, n).round(1),
            "symptom_months": rng.uniform(1, 36, n).round(1),
            "weekly_km": rng.uniform(5, 60, n).round(1),
            "squat_test": rng.choice(["pass", "fail"], n),
            "withdrawal_week": np.nan,
        }
    )
    v = pd.DataFrame(
        {
            "participant_id": np.repeat(ids, len(WEEKS)),
            "week": np.tile(WEEKS, n),
            "pain": rng.uniform(0, 10, n * len(WEEKS)).round(1),
            "akps": rng.uniform(40, 100, n * len(WEEKS)).round(0),
            "grc": pd.array(rng.integers(1, 8, n * len(WEEKS)), dtype="Int64"),
            "adherence": rng.uniform(0, 1, n * len(WEEKS)).round(2),
        }
    )
    v.loc[v["week"] == 0, "grc"] = pd.NA
    folder.mkdir(parents=True)
    ext = {"csv": "csv", "parquet": "parquet"}[fmt]
    if fmt == "csv":
        from kneestudy.ingest.model import write_csv

        write_csv(p, folder / "participants.csv")
        write_csv(v, folder / "visits.csv")
    else:
        p.to_parquet(folder / "participants.parquet", index=False)
        v.to_parquet(folder / "visits.parquet", index=False)
    (folder / "cohort.toml").write_text(
        'cohort_id = "bench"\ntitle = "Benchmark"\ndesign = "parallel"\n'
        'comparator = "quadriceps_strengthening"\nprimary_outcome = "pain"\nprimary_week = 12\n'
        "visit_weeks = [0, 2, 6, 12, 26]\n"
        'risk_of_bias = "low"\nsource = "synthetic"\n[tables]\n'
        f'participants = "participants.{ext}"\nvisits = "visits.{ext}"\n',
        encoding="utf-8",
    )


def write_cohort_isolated(folder: Path, fmt: str, n: int = N) -> None:
    """:func:`_write_cohort` in a fresh interpreter.

    A child's ``ru_maxrss`` starts at the resident size of the process that
    started it (Linux keeps the high-water mark across fork and exec), so data
    generated in the test process would inflate every later peak figure.
    """
    run_isolated(
        f"_write_cohort(Path({str(folder)!r}), {fmt!r}, n={n})",
        setup=f"import sys\nfrom pathlib import Path\nsys.path.insert(0, {str(HERE)!r})\n"
        "from test_bench_ingest import _write_cohort",
        repeat=1,
    )


def own_peak_stmt(stmt: str, out: Path) -> str:
    """``stmt``, then the interpreter's own peak resident memory (``VmHWM``) written to ``out``.

    ``VmHWM`` belongs to the process image (reset by exec), unlike ``ru_maxrss``.
    """
    return (
        f"{stmt}\n"
        "with open('/proc/self/status') as _fh:\n"
        "    _kb = next(int(x.split()[1]) for x in _fh if x.startswith('VmHWM:'))\n"
        f"open({str(out)!r}, 'w').write(str(_kb / 1024))"
    )


def own_peak_mb(out: Path, fallback: float) -> float:
    """The peak written by :func:`own_peak_stmt` (``fallback`` without ``/proc``)."""
    return float(out.read_text()) if out.exists() else fallback


@pytest.mark.parametrize(
    ("fmt", "goal", "reader"), [("csv", 3.0, "read_csv"), ("parquet", 2.0, "read_parquet")]
)
def test_load_and_validate_large_cohort(tmp_path, fmt, goal, reader):
    folder = tmp_path / "cohort"
    write_cohort_isolated(folder, fmt)
    peak = tmp_path / "peak_mb"
    ks = run_isolated(
        own_peak_stmt(
            f"c = load_cohort({str(folder)!r})\nassert len(c.visits) == {N * len(WEEKS)}", peak
        ),
        setup="from kneestudy.ingest import load_cohort",
        repeat=3,
    )
    ext = fmt
    base = run_isolated(
        f"pd.{reader}({str(folder / ('participants.' + ext))!r}); "
        f"pd.{reader}({str(folder / ('visits.' + ext))!r})",
        setup="import pandas as pd",
        repeat=3,
    )
    ratio = ks["seconds"] / base["seconds"]
    record(
        f"load_cohort {fmt}: {N:,} participants, {N * len(WEEKS):,} visits",
        ks["seconds"],
        f"<= {goal:g} x pandas.{reader}",
        ratio <= goal,
        f"pandas.{reader} (2 files)",
        base["seconds"],
        own_peak_mb(peak, ks["peak_mb"]),
    )
    if fmt == "csv":  # the done-when goal; the Parquet goal is reported only
        assert ratio <= goal
