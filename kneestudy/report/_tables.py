"""Former home of the baseline table; kept so existing imports keep working.

Use :mod:`kneestudy.report.baseline`.
"""

from __future__ import annotations

from kneestudy.report.baseline import baseline_table, smd

__all__ = ["baseline_table", "smd"]
