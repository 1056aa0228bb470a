"""The demo report: ``kneestudy demo`` end to end under 30 s; the file under 5 MB."""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench import record


def test_demo_report_end_to_end():
    out = Path(tempfile.mkdtemp()) / "kneestudy-demo.html"
    cmd = [sys.executable, "-m", "kneestudy", "demo", "--output", str(out)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    best, cpu = float("inf"), float("inf")
    for _ in range(2):  # best of two fresh processes (imports and font cache included)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        best = min(best, time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = min(cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    load = os.getloadavg()[0]
    record("kneestudy demo (end to end, wall)", best, "< 30 s", best < 30.0)
    # CPU seconds of the run: its cost on an otherwise idle machine. A shared machine
    # inflates the wall time; the 1-minute load average is recorded beside it.
    record(f"kneestudy demo (CPU s; load avg {load:.1f})", cpu, "< 30 s", cpu < 30.0)
    size_mb = out.stat().st_size / 1e6
    record(f"demo report size {size_mb:.2f} MB", size_mb, "< 5 MB", size_mb < 5.0)
    assert best < 30.0
    assert size_mb < 5.0
