"""Fixtures: a writable copy of the example cohort, and line edits of its files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "kneestudy" / "datasets" / "data" / "example_cohort"


@pytest.fixture
def cohort_dir(tmp_path: Path) -> Path:
    """A copy of the shipped example cohort in a temporary folder."""
    dest = tmp_path / "cohort"
    shutil.copytree(EXAMPLE, dest)
    return dest
