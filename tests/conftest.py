"""Shared test configuration.

Tests mirror the package: ``tests/test_<module>/``. R reference values live
in ``tests/reference/`` as JSON written by the R scripts beside them; the
test run only reads the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REFERENCE_DIR = Path(__file__).parent / "reference"


def load_reference(name: str) -> dict:
    """Load ``tests/reference/<name>.json`` (written by the R script of that name)."""
    with open(REFERENCE_DIR / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="session")
def reference():
    """Fixture form of :func:`load_reference`."""
    return load_reference
