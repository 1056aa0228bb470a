"""Ingest at registry scale: 2,000,000 participants, 10,000,000 visits from Parquet.

Goal (issue 8): peak memory at most 4 GB for loading and validating the
cohort; the time is reported beside ``pandas.read_parquet`` of the same two
files (peak memory of both measured in a fresh interpreter).
"""

from __future__ import annotations

from _bench import record, run_isolated
from test_bench_ingest import WEEKS, _write_cohort

N = 2_000_000
GOAL_MB = 4096


def test_load_ten_million_visits_peak_memory(tmp_path):
    folder = tmp_path / "cohort"
    _write_cohort(folder, "parquet", n=N)
    ks = run_isolated(
        f"c = load_cohort({str(folder)!r})\nassert len(c.visits) == {N * len(WEEKS)}",
        setup="from kneestudy.ingest import load_cohort",
        repeat=1,
    )
    base = run_isolated(
        f"pd.read_parquet({str(folder / 'participants.parquet')!r}); "
        f"pd.read_parquet({str(folder / 'visits.parquet')!r})",
        setup="import pandas as pd",
        repeat=1,
    )
    met = ks["peak_mb"] <= GOAL_MB
    record(
        f"load_cohort parquet: {N:,} participants, {N * len(WEEKS):,} visits",
        ks["seconds"],
        f"peak memory <= {GOAL_MB} MB (read_parquet peak {base['peak_mb']:.0f} MB)",
        met,
        "pandas.read_parquet (2 files)",
        base["seconds"],
        ks["peak_mb"],
    )
    assert met
