"""Exceptions raised by kneestudy.

Bad *data* never surfaces as a pandas or numpy traceback: readers and
validators raise these (or collect failures in a
:class:`~kneestudy.ingest.validation.ValidationReport`), and the command line
turns them into exit codes (1 = the data failed validation, 2 = usage or I/O).
"""

from __future__ import annotations

from typing import Any

__all__ = ["AnalysisError", "KneestudyError", "ReadError", "ValidationError"]


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
