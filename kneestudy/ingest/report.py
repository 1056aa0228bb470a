"""The validation report: every failure found, and row counts per table."""

from __future__ import annotations

import html
import json
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "COUNT_COLUMNS",
    "DEFAULT_MAX_FAILURES",
    "FAILURE_COLUMNS",
    "ROW_COLUMNS",
    "Collector",
    "ValidationReport",
]

FAILURE_COLUMNS = ("table", "file", "row", "column", "rule", "value", "message")
ROW_COLUMNS = ("table", "file", "read", "valid", "invalid")
NOTE_COLUMNS = ("table", "file", "column", "message")


#: Failures listed per file, column and rule unless said otherwise (all are counted).
DEFAULT_MAX_FAILURES = 1000
COUNT_COLUMNS = ("table", "file", "column", "rule", "count", "listed")


class Collector:
    """Accumulates failures (vectorised chunks), row counts and notes.

    At most ``max_failures`` failures are kept per (table, file, column, rule)
    (None: all); every failure is counted, so the report gives the full count.
    """

    def __init__(self, max_failures: int | None = DEFAULT_MAX_FAILURES) -> None:
        if max_failures is not None and max_failures < 0:
            raise ValueError(f"max_failures must be >= 0 or None, not {max_failures}")
        self.max_failures = max_failures
        self._chunks: list[pd.DataFrame] = []
        self._rows: list[dict[str, Any]] = []
        self._notes: list[dict[str, Any]] = []
        self._counts: dict[tuple, list[int]] = {}
        #: True once a failure no row carries was added (cannot be quarantined)
        self.blocking = False

    def room(self, table: str, file: str | None, column: str | None, rule: str) -> int | None:
        """How many more failures of this key are listed (None: no cap)."""
        if self.max_failures is None:
            return None
        seen = self._counts.get((table, file, column, rule), (0, 0))[1]
        return max(0, self.max_failures - seen)

    def add(
        self,
        table: str,
        file: str | None,
        rows: Any,
        column: str | None,
        rule: str,
        values: Any,
        message: Any,
        total: int | None = None,
    ) -> None:
        """Add failures; ``rows``/``values``/``message`` may be arrays or scalars.

        ``total`` counts failures of which only the ones given are listed
        (default: as many as ``rows``). Beyond the cap, failures are counted only.
        """
        if np.ndim(rows) == 0:
            rows = [rows]
        n = len(rows)
        count = n if total is None else total
        if count == 0:
            return
        if any(r is None for r in rows[:1]):
            self.blocking = True
        key = (table, file, column, rule)
        tally = self._counts.setdefault(key, [0, 0])
        tally[0] += count
        room = self.room(table, file, column, rule)
        k = n if room is None else min(n, room)
        tally[1] += k
        if k == 0:
            return
        rows = rows[:k]
        if np.ndim(values) == 0 or isinstance(values, str):
            values = [values] * k
        else:
            values = values[:k]
        message = [message] * k if isinstance(message, str) else list(message)[:k]
        row_arr = pd.array([None if r is None else int(r) for r in rows], dtype="Int64")
        chunk = pd.DataFrame(
            {
                "table": table,
                "file": file,
                "row": row_arr,
                "column": column,
                "rule": rule,
                "value": [_text(v) for v in values],
                "message": message,
            }
        )
        self._chunks.append(chunk)

    def count(self, table: str, file: str | None, read: int, invalid: int) -> None:
        self._rows.append(
            {
                "table": table,
                "file": file,
                "read": read,
                "valid": read - invalid,
                "invalid": invalid,
            }
        )

    def note(self, table: str, file: str | None, column: str | None, message: str) -> None:
        self._notes.append({"table": table, "file": file, "column": column, "message": message})

    def report(self) -> ValidationReport:
        if self._chunks:
            failures = pd.concat(self._chunks, ignore_index=True)
            failures["row"] = failures["row"].astype("Int64")
        else:
            failures = _empty_failures()
        failures = failures.astype({"table": object, "file": object, "column": object})
        rows = pd.DataFrame(self._rows, columns=list(ROW_COLUMNS))
        rows = rows.astype({"read": "int64", "valid": "int64", "invalid": "int64"})
        notes = pd.DataFrame(self._notes, columns=list(NOTE_COLUMNS))
        counts = pd.DataFrame(
            [(*k, v[0], v[1]) for k, v in self._counts.items()], columns=list(COUNT_COLUMNS)
        ).astype({"count": "int64", "listed": "int64"})
        return ValidationReport(
            failures,
            rows,
            notes,
            counts=counts,
            max_failures=self.max_failures,
            blocking=self.blocking,
        )


def _text(v: Any) -> str | None:
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    text = str(v)
    return text if len(text) <= 200 else text[:197] + "..."


def _empty_failures() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in FAILURE_COLUMNS})
    out["row"] = out["row"].astype("Int64")
    return out


class ValidationReport:
    """Every failure found in one validation run, and row counts per table.

    Attributes
    ----------
    ok : bool
        True when there is no failure.
    failures : DataFrame
        One row per failure listed: ``table``, ``file``, ``row`` (line number
        in the source file, header = line 1; the sheet row for Excel; the
        1-based record number for Parquet, SAS, SPSS, Stata and in-memory
        tables; empty for file-level or manifest failures), ``column``,
        ``rule`` (a short stable identifier such as ``in_range``), ``value``
        (the original text) and ``message``. At most ``max_failures`` are
        listed per file, column and rule; ``counts`` has the full numbers.
    counts : DataFrame
        Per ``table``, ``file``, ``column`` and ``rule``: ``count`` (all
        failures) and ``listed`` (those in ``failures``).
    n_failures : int
        Every failure found, listed or not.
    rows : DataFrame
        Per table and file: ``read``, ``valid``, ``invalid`` (read = valid + invalid).
        A row is invalid when it fails a rule itself or its participant was rejected.
    notes : DataFrame
        Remarks that are not failures (columns not recorded, extra columns
        kept, values trimmed or mapped, visits at unscheduled weeks ...).
    blocking : bool
        True when some failure belongs to no row (manifest, unreadable file,
        missing column): quarantine cannot set it aside.

    Examples
    --------
    >>> import kneestudy as ks
    >>> from kneestudy.ingest import validate
    >>> from importlib.resources import files
    >>> report = validate(files("kneestudy.datasets") / "data" / "example_cohort")  # doctest: +SKIP
    >>> report.ok  # doctest: +SKIP
    True
    """

    def __init__(
        self,
        failures: pd.DataFrame,
        rows: pd.DataFrame,
        notes: pd.DataFrame | None = None,
        *,
        counts: pd.DataFrame | None = None,
        max_failures: int | None = None,
        blocking: bool | None = None,
    ) -> None:
        self.failures = failures.reset_index(drop=True)
        self.rows = rows.reset_index(drop=True)
        self.notes = notes if notes is not None else pd.DataFrame(columns=list(NOTE_COLUMNS))
        if counts is None:
            keys = ["table", "file", "column", "rule"]
            g = self.failures.groupby(keys, sort=False, dropna=False).size()
            counts = g.rename("count").reset_index().assign(listed=lambda d: d["count"])
            counts = counts.reindex(columns=list(COUNT_COLUMNS))
        self.counts = counts.reset_index(drop=True)
        self.max_failures = max_failures
        self.blocking = bool(self.failures["row"].isna().any() if blocking is None else blocking)

    @property
    def n_failures(self) -> int:
        return int(self.counts["count"].sum()) if len(self.counts) else 0

    @property
    def truncated(self) -> bool:
        """True when some failures are counted but not listed."""
        return bool(len(self.counts)) and bool((self.counts["count"] > self.counts["listed"]).any())

    @property
    def ok(self) -> bool:
        return self.n_failures == 0

    def __bool__(self) -> bool:
        return self.ok

    @property
    def summary(self) -> str:
        """One line: valid or how many failures, rules and files."""
        read = int(self.rows["read"].sum()) if len(self.rows) else 0
        invalid = int(self.rows["invalid"].sum()) if len(self.rows) else 0
        if self.ok:
            return f"valid: {read} rows in {len(self.rows)} tables, no failures"
        n_rules = self.counts["rule"].nunique()
        n_files = self.counts["file"].nunique(dropna=False)
        return (
            f"INVALID: {self.n_failures} failures ({n_rules} rules, {n_files} files); "
            f"{invalid} of {read} rows invalid"
        )

    def __str__(self) -> str:
        lines = [self.summary]
        if len(self.rows):
            lines.append("")
            lines.append(self.rows.to_string(index=False))
        if not self.ok:
            lines.append("")
            lines.append("failures (first rows of each file, column and rule):")
            keys = ["file", "table", "column", "rule"]
            f = self.failures.fillna({"file": "", "column": ""})
            groups = {k: g for k, g in f.groupby(keys, sort=False, dropna=False)}
            for c in self.counts.itertuples(index=False):
                file, column = c.file or "", c.column if isinstance(c.column, str) else ""
                g = groups.get((file, c.table, column, c.rule), f.iloc[:0])
                where = file or c.table
                col = f", column '{column}'" if column else ""
                lines.append(f"  {where}{col}: {c.rule} x{c.count}")
                for r in g.head(5).itertuples(index=False):
                    row = "" if pd.isna(r.row) else f"row {r.row}: "
                    value = "" if r.value is None else f" [value: {r.value}]"
                    lines.append(f"    {row}{r.message}{value}")
                if c.count > 5:
                    lines.append(f"    ... and {c.count - 5} more")
            if self.truncated:
                lines.append(
                    f"  (--json and .failures list at most {self.max_failures} failures per "
                    "file, column and rule; the counts are complete)"
                )
        if len(self.notes):
            lines.append("")
            lines.append("notes:")
            for r in self.notes.itertuples(index=False):
                lines.append(f"  {r.file or r.table}: {r.message}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ValidationReport {self.summary}>"

    def to_dict(self) -> dict[str, Any]:
        """Plain dict: ``ok``, ``n_failures``, ``max_failures``, ``truncated``,
        ``failures`` (those listed), ``counts``, ``rows`` and ``notes``."""
        failures = self.failures.astype(object).where(self.failures.notna(), None)
        counts = self.counts.astype(object).where(self.counts.notna(), None)
        return {
            "ok": self.ok,
            "n_failures": self.n_failures,
            "max_failures": self.max_failures,
            "truncated": self.truncated,
            "failures": failures.to_dict(orient="records"),
            "counts": counts.to_dict(orient="records"),
            "rows": self.rows.astype(object).to_dict(orient="records"),
            "notes": self.notes.astype(object)
            .where(self.notes.notna(), None)
            .to_dict(orient="records"),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON (keys as :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent, default=_json_default)

    def _repr_html_(self) -> str:
        head = f"<p><b>{html.escape(self.summary)}</b></p>"
        rows = self.rows.to_html(index=False)
        fails = "" if self.ok else self.failures.head(200).to_html(index=False, na_rep="")
        more = f"<p>... {self.n_failures - 200} more failures</p>" if self.n_failures > 200 else ""
        return head + rows + fails + more


def _json_default(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return str(v)
