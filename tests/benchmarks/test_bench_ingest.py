"""Ingest speed and memory, each against the fastest path into pandas in the same run.

Goals (issue 12):

- load + validate 200,000 participants / 1,000,000 visits from CSV in at most
  2 x ``pyarrow.csv.read_csv`` + ``to_pandas`` of the same two files;
- the same from Parquet in at most 2 x ``pandas.read_parquet``;
- 10,000,000 visits from Parquet at a peak memory at most 1.3 x that of
  ``pandas.read_parquet`` of the same files;
- ``kneestudy validate --json`` of 5,000,000 invalid rows within 2 x the peak
  memory of the plain-text report.

Each workload runs in a fresh interpreter, best of three, beside its baseline
(the machine may be shared: the goals are ratios, never absolute times).
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


BASELINES = {
    "csv": (
        "import pyarrow.csv as pacsv",
        "pacsv.read_csv({p!r}).to_pandas(); pacsv.read_csv({v!r}).to_pandas()",
        "pyarrow.csv.read_csv + to_pandas",
    ),
    "parquet": (
        "import pandas as pd",
        "pd.read_parquet({p!r}); pd.read_parquet({v!r})",
        "pandas.read_parquet",
    ),
}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_load_and_validate_large_cohort(tmp_path, fmt):
    goal = 2.0
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
    setup, stmt, name = BASELINES[fmt]
    files = {"p": str(folder / f"participants.{fmt}"), "v": str(folder / f"visits.{fmt}")}
    base = run_isolated(stmt.format(**files), setup=setup, repeat=3)
    ratio = ks["seconds"] / base["seconds"]
    record(
        f"load_cohort {fmt}: {N:,} participants, {N * len(WEEKS):,} visits",
        ks["seconds"],
        f"<= {goal:g} x {name}",
        ratio <= goal,
        f"{name} (2 files)",
        base["seconds"],
        own_peak_mb(peak, ks["peak_mb"]),
    )
    assert ratio <= goal


def test_ten_million_visits_peak_memory_ratio(tmp_path):
    n, goal = 2_000_000, 1.3
    folder = tmp_path / "cohort"
    write_cohort_isolated(folder, "parquet", n=n)
    peak, base_peak = tmp_path / "peak_mb", tmp_path / "base_peak_mb"
    ks = run_isolated(
        own_peak_stmt(
            f"c = load_cohort({str(folder)!r})\nassert len(c.visits) == {n * len(WEEKS)}", peak
        ),
        setup="from kneestudy.ingest import load_cohort",
        repeat=1,
    )
    base = run_isolated(
        own_peak_stmt(
            f"p = pd.read_parquet({str(folder / 'participants.parquet')!r}); "
            f"v = pd.read_parquet({str(folder / 'visits.parquet')!r})",
            base_peak,
        ),
        setup="import pandas as pd",
        repeat=1,
    )
    mb, base_mb = own_peak_mb(peak, ks["peak_mb"]), own_peak_mb(base_peak, base["peak_mb"])
    ratio = mb / base_mb
    record(
        f"load_cohort parquet: {n:,} participants, {n * len(WEEKS):,} visits (peak memory)",
        ks["seconds"],
        f"peak <= {goal:g} x read_parquet's ({base_mb:.0f} MB); ratio {ratio:.2f}",
        ratio <= goal,
        "pandas.read_parquet (2 files)",
        base["seconds"],
        mb,
    )
    assert ratio <= goal


def _write_invalid(folder: Path, n: int) -> None:
    """A cohort whose ``n`` participants' visits are all out of range (5 per participant)."""
    _write_cohort(folder, "parquet", n=n)
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pq.read_table(folder / "visits.parquet")
    i = t.schema.get_field_index("pain")
    t = t.set_column(i, "pain", pa.array(np.full(t.num_rows, 11.0)))
    pq.write_table(t, folder / "visits.parquet")


def test_validate_json_memory_of_millions_of_failures(tmp_path):
    n, goal = 1_000_000, 2.0
    folder = tmp_path / "cohort"
    run_isolated(
        f"_write_invalid(Path({str(folder)!r}), {n})",
        setup=f"import sys\nfrom pathlib import Path\nsys.path.insert(0, {str(HERE)!r})\n"
        "from test_bench_ingest import _write_invalid",
        repeat=1,
    )
    out = {}
    for mode in ("text", "json"):
        peak = tmp_path / f"peak_{mode}"
        target = tmp_path / f"report.{mode}"
        argv = ["validate", str(folder)] + (["--json"] if mode == "json" else [])
        out[mode] = run_isolated(
            own_peak_stmt(
                f"import contextlib\nwith open({str(target)!r}, 'w') as fh, "
                f"contextlib.redirect_stdout(fh):\n    code = main({argv!r})\nassert code == 1",
                peak,
            ),
            setup="from kneestudy.cli import main",
            repeat=1,
        )
        out[mode]["mb"] = own_peak_mb(peak, out[mode]["peak_mb"])
        out[mode]["bytes"] = target.stat().st_size
    ratio = out["json"]["mb"] / out["text"]["mb"]
    record(
        f"validate --json: {n * len(WEEKS):,} invalid visits "
        f"({out['json']['bytes'] / 1e6:.1f} MB written)",
        out["json"]["seconds"],
        f"peak <= {goal:g} x the text report's ({out['text']['mb']:.0f} MB); ratio {ratio:.2f}",
        ratio <= goal,
        "validate (text report)",
        out["text"]["seconds"],
        out["json"]["mb"],
    )
    assert ratio <= goal
    assert out["json"]["bytes"] < 50e6  # capped: at most 1,000 failures listed per rule
