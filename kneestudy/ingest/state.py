"""The state of one table during validation, and how failures are recorded on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.ingest.report import Collector

__all__ = ["TableState", "messages_at"]


@dataclass
class TableState:
    """One table during validation: canonical frame, source rows, invalid mask."""

    name: str
    file: str | None
    frame: pd.DataFrame
    raw: pd.DataFrame
    rows: np.ndarray
    bad: np.ndarray
    unparsed: list = field(default_factory=list)
    fatal: bool = False
    raw_na: dict = field(default_factory=dict)
    factorized: dict = field(default_factory=dict)
    #: text columns factorised by the reader whose canonical column is the
    #: text as read (name -> (codes, uniques); see ``RawTable.codes``)
    text_codes: dict = field(default_factory=dict)
    #: what the source rows count: "line" (CSV), "row" (Excel) or "record"
    row_word: str = "line"
    #: the table as read (the file's column names), written to quarantine
    original: pd.DataFrame | None = None
    #: every failure of each row, kept for quarantine: (positions, column, rule, message)
    reasons: list | None = None
    #: columns the file did not have, read as all-missing
    absent: tuple[str, ...] = ()

    def factorize(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Codes of a canonical column, computed once (missing -> -1).

        ``pandas.factorize``, or the reader's factorisation of a text column
        (whose ``uniques`` may be in another order and hold unused values).
        """
        if column not in self.factorized:
            if column in self.text_codes:
                self.factorized[column] = self.text_codes[column]
            else:
                self.factorized[column] = pd.factorize(self.frame[column])
        return self.factorized[column]

    @property
    def n(self) -> int:
        return len(self.frame)

    def where(self, row: Any) -> str:
        """``"visits.csv line 12"`` (or ``row``/``record``, as the format counts)."""
        return f"{self.file or self.name} {self.row_word} {row}"

    def fail(
        self, out: Collector, mask: np.ndarray, column: str | None, rule: str, message, values=None
    ) -> None:
        """Record a failure for each row where ``mask`` is true (original text as value).

        ``message`` is a string, an array aligned with the table, or a callable
        giving the messages of an array of positions (built only for the
        failures listed and, with quarantine, for the reasons of each row).
        """
        pos = np.flatnonzero(mask)
        if not len(pos):
            return
        self.bad[pos] = True
        if self.reasons is not None:
            self.reasons.append((pos, column, rule, message))
        room = out.room(self.name, self.file, column, rule)
        shown = pos if room is None or room >= len(pos) else pos[:room]
        if values is None:
            if column is not None and column in self.raw.columns:
                values = self.raw[column].to_numpy()[shown]
            else:
                values = None
        elif not np.isscalar(values):
            values = np.asarray(values, dtype=object)[shown]
        out.add(
            self.name,
            self.file,
            self.rows[shown],
            column,
            rule,
            values,
            messages_at(message, shown),
            total=len(pos),
        )

    def fail_table(self, out: Collector, column: str | None, rule: str, message: str, value=None):
        """A failure of the whole table (no row): every row counts as invalid."""
        out.add(self.name, self.file, None, column, rule, value, message)
        self.bad[:] = True
        self.fatal = True


def messages_at(message: Any, pos: np.ndarray) -> Any:
    """The messages of table positions ``pos`` (a string stays a string)."""
    if isinstance(message, str):
        return message
    if callable(message):
        return list(message(pos))
    return np.asarray(message, dtype=object)[pos]
