"""Checks of command-line options: usage errors exit 2 with a one-line message.

argparse ``type=`` functions raise ``argparse.ArgumentTypeError``, which the
parser turns into ``kneestudy <command>: error: ...`` and exit code 2.
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path
from typing import Any

__all__ = [
    "check_week",
    "cohort_id",
    "max_failures",
    "nonnegative_int",
    "path_arg",
    "positive_int",
    "probability",
    "finite_number",
    "week",
]


def path_arg(text: str) -> str:
    """A file or folder path (a NUL byte or other control character is refused)."""
    if any(ord(c) < 32 for c in text):
        raise argparse.ArgumentTypeError(
            f"{text!r} holds a control character (such as a NUL byte); give a plain path"
        )
    return text


def finite_number(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return x


def week(text: str) -> float:
    """A week: finite and >= 0 (whether it is a visit week is checked on the data)."""
    x = finite_number(text)
    if x < 0:
        raise argparse.ArgumentTypeError(f"a week is >= 0, got {text!r}")
    return x


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def positive_int(text: str) -> int:
    n = _int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return n


def nonnegative_int(text: str) -> int:
    n = _int(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return n


def max_failures(text: str) -> int:
    """``--max-failures``: failures listed per file, column and rule (>= 0)."""
    return nonnegative_int(text)


def probability(text: str) -> float:
    """A probability in [0, 1)."""
    x = finite_number(text)
    if not 0 <= x < 1:
        raise argparse.ArgumentTypeError(f"expected a probability in [0, 1), got {text!r}")
    return x


def cohort_id(text: str) -> str:
    """A cohort id, checked as the manifest checks it."""
    from kneestudy.schemas.cohort import ID_PATTERN

    if not re.match(ID_PATTERN, text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a valid cohort id: use 1-64 letters, digits, '.', '_' or '-'"
        )
    return text


def study_weeks(study: Any) -> list[float]:
    """Every visit week of the study's cohorts and every week of its literature tables."""
    weeks: set[float] = set()
    for c in study.cohorts:
        weeks.update(float(w) for w in c.manifest.visit_weeks)
    for name in ("contrasts", "arm_summaries"):
        frame = getattr(study, name, None)
        if frame is not None and "week" in getattr(frame, "columns", ()):
            weeks.update(float(w) for w in frame["week"].dropna())
    return sorted(weeks)


def check_week(study: Any, value: float | None) -> str | None:
    """Why ``--week`` does not fit the study (None when it does)."""
    if value is None:
        return None
    weeks = study_weeks(study)
    shown = ", ".join(f"{w:g}" for w in weeks)
    if value == 0:
        return f"--week 0 is the baseline; effects need a later visit week (weeks: {shown})"
    if not any(math.isclose(value, w) for w in weeks):
        return f"--week {value:g} is not a visit week of the data (weeks: {shown})"
    return None


def folder_arg(text: str) -> Path:
    return Path(path_arg(text))
