"""The comparison of the eight ideas: components, windows, one scale, certainty.

- :func:`compare_ideas` -> :class:`IdeasComparison` (one row per idea, with
  ``summary_of_findings()`` and ``sensitivity()``)
- :func:`study_contrasts` — every row of one outcome with its status and reason
- :mod:`~kneestudy.compare.windows`, :mod:`~kneestudy.compare.scales`,
  :mod:`~kneestudy.compare.certainty`, :mod:`~kneestudy.compare.wording` —
  the rules, each with its source
"""

from __future__ import annotations

from kneestudy.compare.contrasts import study_contrasts
from kneestudy.compare.ideas import IdeasComparison, compare_ideas
from kneestudy.compare.windows import WINDOWS, Window, resolve_window

__all__ = [
    "WINDOWS",
    "IdeasComparison",
    "Window",
    "compare_ideas",
    "resolve_window",
    "study_contrasts",
]
