"""Ingest at registry scale: 2,000,000 participants, 10,000,000 visits from Parquet.

Goal (issue 8): peak memory at most 4 GB for loading and validating the
cohort. The time is reported beside ``pandas.read_parquet`` of the same two
files. Peak memory is the interpreter's own high-water mark (``VmHWM``; see
:func:`test_bench_ingest.own_peak_stmt`), for the baseline too.
"""

from __future__ import annotations

from _bench import record, run_isolated
from test_bench_ingest import WEEKS, own_peak_mb, own_peak_stmt, write_cohort_isolated

N = 2_000_000
GOAL_MB = 4096


def test_load_ten_million_visits_peak_memory(tmp_path):
    folder = tmp_path / "cohort"
    write_cohort_isolated(folder, "parquet", n=N)
    peak, base_peak = tmp_path / "peak_mb", tmp_path / "base_peak_mb"
    ks = run_isolated(
        own_peak_stmt(
            f"c = load_cohort({str(folder)!r})\nassert len(c.visits) == {N * len(WEEKS)}", peak
        ),
        setup="from kneestudy.ingest import load_cohort",
        repeat=1,
    )
    base = run_isolated(
        own_peak_stmt(
            f"pd.read_parquet({str(folder / 'participants.parquet')!r}); "
            f"pd.read_parquet({str(folder / 'visits.parquet')!r})",
            base_peak,
        ),
        setup="import pandas as pd",
        repeat=1,
    )
    peak_mb = own_peak_mb(peak, ks["peak_mb"])
    met = peak_mb <= GOAL_MB
    record(
        f"load_cohort parquet: {N:,} participants, {N * len(WEEKS):,} visits",
        ks["seconds"],
        f"peak <= {GOAL_MB} MB (read_parquet: {own_peak_mb(base_peak, base['peak_mb']):.0f} MB)",
        met,
        "pandas.read_parquet (2 files)",
        base["seconds"],
        peak_mb,
    )
    assert met
