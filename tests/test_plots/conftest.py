"""Fixtures of the test_plots tests."""

from __future__ import annotations

import pytest
from standins import make_cohort


@pytest.fixture
def cohort():
    return make_cohort()
