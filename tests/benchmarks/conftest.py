"""Print the benchmark table at the end of ``make bench``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from _bench import RESULTS, format_table, write_results


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.bench)


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    terminalreporter.write_sep("=", "kneestudy benchmarks (ratio = kneestudy / baseline)")
    terminalreporter.write_line(format_table(RESULTS))
    terminalreporter.write_line(f"written to {write_results(RESULTS)}")
