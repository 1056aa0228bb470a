"""Exceptions raised by kneestudy.

Bad *data* never surfaces as a pandas or numpy traceback: readers and
validators raise these (or collect failures in a
:class:`~kneestudy.ingest.validation.ValidationReport`), and the command line
turns them into exit codes (1 = the data failed validation, 2 = usage or I/O).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "NUMERIC_NOTE",
    "AnalysisError",
    "KneestudyError",
    "ReadError",
    "ValidationError",
    "notes_from_warnings",
]


class KneestudyError(Exception):
    """Base class of kneestudy's own errors."""


class ReadError(KneestudyError):
    """A file could not be read or made sense of; the message names the file."""

    def __init__(self, path: Any, message: str) -> None:
        self.path = str(path)
        self.reason = message
        super().__init__(f"{self.path}: {message}")


class ValidationError(KneestudyError):
    """Data failed validation; ``.report`` holds every failure found."""

    def __init__(self, report: Any, message: str | None = None) -> None:
        self.report = report
        super().__init__(message or f"validation failed:\n{report}")


class AnalysisError(KneestudyError, ValueError):
    """An analysis cannot be done on the data given (says why, and what to do)."""


#: Warnings that speak to developers, not to the people reading results.
_DEVELOPER_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ImportWarning)
_NUMERIC = re.compile(
    r"(invalid value|divide by zero|overflow|underflow) encountered|Mean of empty slice|"
    r"Degrees of freedom <= 0|All-NaN (slice|axis) encountered|invalid value"
)
_GLYPH = re.compile(r"Glyph .* missing from (current )?font|findfont: Font family")
NUMERIC_NOTE = (
    "some computations met undefined values (for example a division by zero); "
    "results that could not be estimated are shown as missing"
)


def notes_from_warnings(caught: Iterable[Any]) -> list[str]:
    """Worded notes from recorded warnings (``warnings.catch_warnings(record=True)``).

    kneestudy's own warnings (participants left out, a fit that did not
    converge ...) are kept as their message, without the warning class.
    Library notices meant for developers (``FutureWarning``,
    ``DeprecationWarning``), font-glyph warnings and numpy's floating-point
    warnings never reach a user as such: the first two are dropped, the last
    becomes one worded note. Duplicates are dropped; order is kept.
    """
    notes: list[str] = []
    numeric = False
    for w in caught:
        category = getattr(w, "category", UserWarning)
        text = str(getattr(w, "message", w)).strip()
        if issubclass(category, _DEVELOPER_WARNINGS) or _GLYPH.search(text):
            continue
        if issubclass(category, RuntimeWarning) and _NUMERIC.search(text):
            numeric = True
            continue
        if text and text not in notes:
            notes.append(text)
    if numeric:
        notes.append(NUMERIC_NOTE)
    return notes
