"""Import cost: ``import kneestudy`` against ``import pandera.pandas``; CLI help time."""

import subprocess
import sys
import time

from _bench import record, run_isolated


def test_import_cost():
    ks = run_isolated("import kneestudy", repeat=1)
    # Best of five fresh interpreters each, to damp noise on a shared machine.
    ks_s = min(run_isolated("import kneestudy", repeat=1)["seconds"] for _ in range(5))
    pa_s = min(run_isolated("import pandera.pandas", repeat=1)["seconds"] for _ in range(5))
    ratio = ks_s / pa_s
    record(
        "import kneestudy",
        ks_s,
        "<= 1.3 x import pandera.pandas",
        ratio <= 1.3,
        "import pandera.pandas",
        pa_s,
        ks["peak_mb"],
    )
    assert ratio <= 1.3


def test_cli_help_under_one_second():
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kneestudy", "--help"], check=True, capture_output=True
        )
        best = min(best, time.perf_counter() - t0)
    record("kneestudy --help", best, "< 1 s", best < 1.0)
    assert best < 1.0
