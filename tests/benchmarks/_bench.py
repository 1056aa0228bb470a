"""Benchmark harness: time a workload and a baseline in the same run.

Machines are shared and noisy, so goals are ratios against a baseline measured
side by side (best of ``repeat`` runs each), or absolute limits where the goal
is absolute. Each workload runs in a fresh interpreter (``run_isolated``) so
that its peak resident memory is its own and import caches do not flatter it.

Results are appended to the session table printed at the end of ``make bench``
and written to ``tests/benchmarks/results/latest.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS: list[Row] = []
RESULTS_DIR = Path(__file__).parent / "results"


@dataclass
class Row:
    workload: str
    kneestudy_s: float
    baseline: str
    baseline_s: float | None
    peak_mb: float | None
    goal: str
    met: bool

    @property
    def ratio(self) -> float | None:
        if self.baseline_s in (None, 0):
            return None
        return self.kneestudy_s / self.baseline_s


_RUNNER = r"""
import json, resource, sys, time
setup = compile({setup!r}, "<setup>", "exec")
stmt = compile({stmt!r}, "<stmt>", "exec")
ns = {{}}
exec(setup, ns)
best = float("inf")
for _ in range({repeat}):
    t0 = time.perf_counter()
    exec(stmt, ns)
    best = min(best, time.perf_counter() - t0)
# VmHWM is this process's own high-water mark; ru_maxrss on Linux survives
# exec and so would include the parent's size at fork.
peak_kb = None
try:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                peak_kb = float(line.split()[1])
except OSError:
    pass
if peak_kb is None:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": best, "peak_mb": peak_kb / 1024}}))
"""


def run_isolated(stmt: str, setup: str = "", repeat: int = 3, timeout: float = 1200) -> dict:
    """Run ``stmt`` after ``setup`` in a fresh interpreter; best wall time and peak RSS.

    The time covers ``stmt`` only; peak memory covers the whole process
    (setup included), the figure a user's machine must have.
    """
    code = _RUNNER.format(setup=textwrap.dedent(setup), stmt=textwrap.dedent(stmt), repeat=repeat)
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def record(
    workload: str,
    kneestudy_s: float,
    goal: str,
    met: bool,
    baseline: str = "",
    baseline_s: float | None = None,
    peak_mb: float | None = None,
) -> Row:
    """Add a row to the table printed at the end of the benchmark run."""
    row = Row(workload, kneestudy_s, baseline, baseline_s, peak_mb, goal, met)
    RESULTS.append(row)
    return row


def format_table(rows: list[Row]) -> str:
    head = f"{'workload':<52} {'kneestudy s':>11} {'baseline':<28} {'base s':>8} {'ratio':>6} {'peak MB':>8}  goal"
    lines = [head, "-" * len(head)]
    for r in rows:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        base_s = f"{r.baseline_s:.3f}" if r.baseline_s is not None else "-"
        peak = f"{r.peak_mb:.0f}" if r.peak_mb is not None else "-"
        mark = "met" if r.met else "MISSED"
        lines.append(
            f"{r.workload:<52} {r.kneestudy_s:>11.3f} {r.baseline:<28} {base_s:>8} {ratio:>6} {peak:>8}  {r.goal} [{mark}]"
        )
    return "\n".join(lines)


def write_results(rows: list[Row]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / "latest.json"
    path.write_text(
        json.dumps([dict(asdict(r), ratio=r.ratio) for r in rows], indent=2), encoding="utf-8"
    )
    return path
