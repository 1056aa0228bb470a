"""Large simulated cohorts shared by the simulator tests (drawn once per session)."""

from __future__ import annotations

import functools

import pytest

import kneestudy as ks

#: Participants per trial for Monte-Carlo checks: 10,000 per arm in a two-arm
#: trial puts a binomial SE of about 0.005 on a share of 0.5.
BIG_N = 20_000


@functools.cache
def big(idea: str, arms: tuple[str, ...] | None = None, dropout: float = 0.0, seed: int = 11):
    """A large trial without dropout unless asked (cached: tests must not modify it)."""
    return ks.simulate.cohort(
        idea, n=BIG_N, seed=seed, dropout=dropout, arms=list(arms) if arms else None
    )


@pytest.fixture(scope="session")
def big_cohort():
    """The cached factory :func:`big`."""
    return big
