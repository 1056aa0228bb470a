"""Many simulated trials from one large simulated cohort (one chunk of replicates).

Simulating ``reps`` trials one by one repeats the simulator's fixed costs
(tables, truth by quadrature) ``reps`` times. Instead a chunk draws one cohort
of ``reps x 2 x n`` participants with :func:`kneestudy.simulate.cohort` and
deals it out: the ``i``-th block of ``n`` participants of each arm (in the
cohort's participant order) is trial ``i``. This is exact, not an
approximation, because the simulator draws participants independently given
their arm (every person-level quantity, from covariates to dropout, is drawn
per person; allocation is a random permutation of equal arm sizes, independent
of everything else), so the blocks are independent trials of ``n`` per arm
with exactly the distribution of separately simulated trials. The test suite
checks this property on the simulator as it stands
(``tests/test_design/test_trials.py``).

Arrays are shaped ``(reps, 2, n, ...)`` with arm 0 the treatment and arm 1 the
comparator. A chunk simulated at ``n_max`` per arm also gives the trials of any
smaller ``n`` as the first ``n`` of each arm (nested trials: common random
numbers across sample sizes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError

__all__ = ["TrialArrays", "simulate_trials", "trial_cohort"]


@dataclass(frozen=True)
class TrialArrays:
    """Outcomes of ``reps`` two-arm trials, ``(reps, 2, n, visits)``.

    Attributes
    ----------
    weeks : ndarray
        Visit weeks (week 0 first).
    pain, akps, grc : ndarray
        ``(reps, 2, n, visits)`` values, NaN where not recorded.
    withdrawal : ndarray
        ``(reps, 2, n)`` withdrawal week (NaN = completed).
    treatment, comparator : str
        Intervention codes of arm 0 and arm 1.
    """

    weeks: np.ndarray
    pain: np.ndarray
    akps: np.ndarray
    grc: np.ndarray
    withdrawal: np.ndarray
    treatment: str
    comparator: str

    @property
    def reps(self) -> int:
        return int(self.pain.shape[0])

    @property
    def n(self) -> int:
        return int(self.pain.shape[2])

    def first(self, n: int) -> TrialArrays:
        """The nested trials of the first ``n`` participants of each arm."""
        if n > self.n:
            raise AnalysisError(f"n = {n} exceeds the {self.n} per arm simulated")
        return TrialArrays(
            self.weeks,
            self.pain[:, :, :n],
            self.akps[:, :, :n],
            self.grc[:, :, :n],
            self.withdrawal[:, :, :n],
            self.treatment,
            self.comparator,
        )

    def outcome(self, name: str) -> np.ndarray:
        """``(reps, 2, n, visits)`` array of ``pain``, ``akps`` or ``grc``."""
        return {"pain": self.pain, "akps": self.akps, "grc": self.grc}[name]


def simulate_trials(
    idea: str,
    n: int,
    reps: int,
    seed: int,
    *,
    comparator: str | None,
    weeks: Sequence[float],
    peaks: Mapping[str, float] | None,
    dropout: float | None,
) -> tuple[TrialArrays, object]:
    """Simulate ``reps`` trials of ``n`` per arm from one cohort; (arrays, cohort)."""
    from kneestudy.simulate import cohort as simulate_cohort

    big = simulate_cohort(
        idea,
        n=2 * n * reps,
        seed=int(seed),
        comparator=comparator,
        weeks=weeks,
        effect=dict(peaks) if peaks else None,
        dropout=dropout,
    )
    arms = list(big.truth["arms"])
    comp = big.truth["comparator"]
    others = [a for a in arms if a != comp]
    if len(others) != 1:
        raise AnalysisError(f"a power calculation needs a two-arm design, got arms {arms}")
    return split(big, others[0], comp, n, reps), big


def split(big, treatment: str, comparator: str, n: int, reps: int) -> TrialArrays:
    """Deal a large cohort out into ``reps`` trials of ``n`` per arm."""
    p = big.participants
    v = big.visits
    weeks = np.asarray(big.manifest.visit_weeks, dtype=float)
    pid_index = pd.Index(p["participant_id"])
    row = pid_index.get_indexer(v["participant_id"])
    col = np.searchsorted(weeks, v["week"].to_numpy(float))
    if (row < 0).any() or (col >= weeks.size).any() or not np.allclose(weeks[col], v["week"]):
        raise AnalysisError("simulated visits do not match the participants or visit weeks")
    N = len(p)

    def wide(name: str) -> np.ndarray:
        out = np.full((N, weeks.size), np.nan)
        if name in v.columns:
            out[row, col] = v[name].to_numpy(dtype=float, na_value=np.nan)
        return out

    values = {name: wide(name) for name in ("pain", "akps", "grc")}
    withdrawal = p["withdrawal_week"].to_numpy(dtype=float, na_value=np.nan)
    code = p["intervention"].to_numpy()
    pick = []
    for arm in (treatment, comparator):
        idx = np.flatnonzero(code == arm)
        if idx.size < n * reps:
            raise AnalysisError(
                f"arm {arm!r} has {idx.size} participants, fewer than {n} x {reps} trials"
            )
        pick.append(idx[: n * reps].reshape(reps, n))
    sel = np.stack(pick, axis=1)  # (reps, 2, n)
    return TrialArrays(
        weeks=weeks,
        pain=values["pain"][sel],
        akps=values["akps"][sel],
        grc=values["grc"][sel],
        withdrawal=withdrawal[sel],
        treatment=treatment,
        comparator=comparator,
    )


def trial_cohort(big, treatment: str, comparator: str, n: int, rep: int, block: int | None = None):
    """Trial ``rep`` of a dealt-out cohort as a :class:`~kneestudy.Cohort`.

    The participants are those :func:`split` puts in that trial: the first
    ``n`` of each arm's ``rep``-th block of ``block`` (default ``n``; a larger
    block gives the nested trial of a smaller sample size). Used to refit a
    trial with kneestudy's single-trial estimators.
    """
    block = n if block is None else block
    p = big.participants
    code = p["intervention"].to_numpy()
    rows = np.concatenate(
        [
            np.flatnonzero(code == arm)[rep * block : rep * block + n]
            for arm in (treatment, comparator)
        ]
    )
    part = p.iloc[np.sort(rows)].reset_index(drop=True)
    keep = big.visits["participant_id"].isin(set(part["participant_id"]))
    visits = big.visits[keep.to_numpy()].reset_index(drop=True)
    ae = big.adverse_events
    if ae is not None:
        ae = ae[ae["participant_id"].isin(set(part["participant_id"]))].reset_index(drop=True)
    return big.with_tables(participants=part, visits=visits, adverse_events=ae)
