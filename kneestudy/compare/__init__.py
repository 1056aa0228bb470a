"""The comparison of the eight ideas (network meta-analysis over a study).

- :func:`compare_ideas` -> :class:`IdeasComparison` (one row per idea)
- :func:`study_contrasts` — one outcome's contrasts from cohorts and literature
"""

from __future__ import annotations

from kneestudy.compare.contrasts import study_contrasts
from kneestudy.compare.ideas import IdeasComparison, compare_ideas

__all__ = ["IdeasComparison", "compare_ideas", "study_contrasts"]
