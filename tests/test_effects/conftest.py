"""Fixtures of the effects tests."""

from __future__ import annotations

import pytest

from kneestudy.ingest.model import Cohort
from test_effects._cohorts import reference_cohort


@pytest.fixture(scope="session")
def two_arm() -> Cohort:
    return reference_cohort("effects_two_arm")


@pytest.fixture(scope="session")
def dropout() -> Cohort:
    return reference_cohort("effects_dropout")
