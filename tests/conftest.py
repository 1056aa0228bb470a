"""Shared test configuration.

Tests mirror the package: ``tests/test_<module>/``. R reference values live
in ``tests/reference/`` as JSON written by the R scripts beside them; the
test run only reads the JSON (``from refdata import load_reference``).
"""

from __future__ import annotations

import pytest
from refdata import REFERENCE_DIR, load_reference

__all__ = ["REFERENCE_DIR", "load_reference"]


@pytest.fixture(scope="session")
def reference():
    """Fixture form of :func:`refdata.load_reference`."""
    return load_reference
