"""Fixtures of the test_report tests."""

from __future__ import annotations

import pytest
from report_standins import make_cohort


@pytest.fixture
def cohort():
    return make_cohort()
