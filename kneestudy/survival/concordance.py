r"""Harrell's concordance of a risk score with survival, as R's ``coxph`` reports it.

Pairs (i, j) are comparable when i has an event and j is still at risk after
it: :math:`t_j > t_i`, or :math:`t_j = t_i` with j censored (censoring after
an event at the same time); two events at the same time are not compared
(R's ``tied.y``), nor are participants in different strata. A comparable pair
is concordant when the one with the event first has the higher risk score:

.. math::

    C = \frac{\text{concordant} + \tfrac12 \,\text{tied in score}}
             {\text{concordant} + \text{discordant} + \text{tied in score}}.

Counting is vectorised, O(n log² n): with risk-score ranks written in binary,
"lower score" is decided at the first differing bit, so for each bit level the
pairs are counted by one sorted search of (prefix, order) keys.

References
----------
Harrell FE et al. (1982). JAMA 247:2543–2546. Therneau TM, ``concordance``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["concordance_counts"]


def _count_before(
    group: np.ndarray, v: np.ndarray, query: np.ndarray, pool: np.ndarray, vmax: int
) -> np.ndarray:
    """For each query row: pool rows with the same group and strictly smaller ``v``."""
    key_pool = np.sort(group[pool] * vmax + v[pool])
    lo = np.searchsorted(key_pool, group[query] * vmax, side="left")
    hi = np.searchsorted(key_pool, group[query] * vmax + v[query], side="left")
    return hi - lo


def concordance_counts(
    time: np.ndarray, event: np.ndarray, score: np.ndarray, strata: np.ndarray | None = None
) -> dict[str, float]:
    """Concordant, discordant and score-tied comparable pairs; C.

    Parameters
    ----------
    time, event, score : ndarray
        Follow-up, event indicator, risk score (higher = shorter survival).
    strata : ndarray of int, optional

    Returns
    -------
    dict
        concordant, discordant, tied_score, concordance.
    """
    n = time.size
    s = np.zeros(n, dtype=np.int64) if strata is None else strata.astype(np.int64)
    # v: position in "processing order" (time descending, censored before events)
    _, k = np.unique(-time, return_inverse=True)
    v = 2 * k.astype(np.int64) + event.astype(np.int64)
    vmax = int(v.max()) + 1
    _, rank = np.unique(score, return_inverse=True)
    rank = rank.astype(np.int64)
    nbits = max(1, int(rank.max()).bit_length())
    deaths = np.flatnonzero(event)
    everyone = np.arange(n)
    total = _count_before(s, v, deaths, everyone, vmax)
    tied = _count_before(s * (int(rank.max()) + 1) + rank, v, deaths, everyone, vmax)
    lower = np.zeros(deaths.size, dtype=np.int64)
    for level in range(nbits):
        bit = (rank >> level) & 1
        prefix = s * (1 << (nbits - level)) + (rank >> (level + 1))
        q = deaths[bit[deaths] == 1]
        if q.size == 0:
            continue
        pool = np.flatnonzero(bit == 0)
        cnt = _count_before(prefix, v, q, pool, vmax)
        lower[bit[deaths] == 1] += cnt
    conc = float(lower.sum())
    tie = float(tied.sum())
    disc = float(total.sum()) - conc - tie
    denom = conc + disc + tie
    return {
        "concordant": conc,
        "discordant": disc,
        "tied_score": tie,
        "concordance": (conc + tie / 2) / denom if denom > 0 else float("nan"),
    }
