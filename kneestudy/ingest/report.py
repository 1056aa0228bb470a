"""The validation report: every failure found, and row counts per table."""

from __future__ import annotations

import html
import json
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FAILURE_COLUMNS", "ROW_COLUMNS", "Collector", "ValidationReport"]

FAILURE_COLUMNS = ("table", "file", "row", "column", "rule", "value", "message")
ROW_COLUMNS = ("table", "file", "read", "valid", "invalid")
NOTE_COLUMNS = ("table", "file", "column", "message")


class Collector:
    """Accumulates failures (vectorised chunks), row counts and notes."""

    def __init__(self) -> None:
        self._chunks: list[pd.DataFrame] = []
        self._rows: list[dict[str, Any]] = []
        self._notes: list[dict[str, Any]] = []

    def add(
        self,
        table: str,
        file: str | None,
        rows: Any,
        column: str | None,
        rule: str,
        values: Any,
        message: Any,
    ) -> None:
        """Add failures; ``rows``/``values``/``message`` may be arrays or scalars."""
        if np.ndim(rows) == 0:
            rows = [rows]
        n = len(rows)
        if n == 0:
            return
        if np.ndim(values) == 0 or isinstance(values, str):
            values = [values] * n
        if isinstance(message, str):
            message = [message] * n
        row_arr = pd.array([None if r is None else int(r) for r in rows], dtype="Int64")
        chunk = pd.DataFrame(
            {
                "table": table,
                "file": file,
                "row": row_arr,
                "column": column,
                "rule": rule,
                "value": [_text(v) for v in values],
                "message": list(message),
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
        return ValidationReport(failures, rows, notes)


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
        One row per failure: ``table``, ``file``, ``row`` (line number in the
        source file, header = line 1; the sheet row for Excel; the 1-based
        record number for Parquet, SAS, SPSS, Stata and in-memory tables;
        empty for file-level or manifest failures), ``column``, ``rule`` (a
        short stable identifier such as ``in_range``), ``value`` (the original
        text) and ``message``.
    rows : DataFrame
        Per table and file: ``read``, ``valid``, ``invalid`` (read = valid + invalid).
        A row is invalid when it fails a rule itself or its participant was rejected.
    notes : DataFrame
        Remarks that are not failures (e.g. extra columns kept as they are).

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
        self, failures: pd.DataFrame, rows: pd.DataFrame, notes: pd.DataFrame | None = None
    ) -> None:
        self.failures = failures.reset_index(drop=True)
        self.rows = rows.reset_index(drop=True)
        self.notes = notes if notes is not None else pd.DataFrame(columns=list(NOTE_COLUMNS))

    @property
    def ok(self) -> bool:
        return len(self.failures) == 0

    def __bool__(self) -> bool:
        return self.ok

    @property
    def summary(self) -> str:
        """One line: valid or how many failures, rules and files."""
        read = int(self.rows["read"].sum()) if len(self.rows) else 0
        invalid = int(self.rows["invalid"].sum()) if len(self.rows) else 0
        if self.ok:
            return f"valid: {read} rows in {len(self.rows)} tables, no failures"
        n_rules = self.failures["rule"].nunique()
        n_files = self.failures["file"].nunique(dropna=False)
        return (
            f"INVALID: {len(self.failures)} failures ({n_rules} rules, {n_files} files); "
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
            for (file, table, column, rule), g in f.groupby(keys, sort=False, dropna=False):
                where = file or table
                col = f", column '{column}'" if column else ""
                lines.append(f"  {where}{col}: {rule} x{len(g)}")
                for r in g.head(5).itertuples(index=False):
                    row = "" if pd.isna(r.row) else f"row {r.row}: "
                    value = "" if r.value is None else f" [value: {r.value}]"
                    lines.append(f"    {row}{r.message}{value}")
                if len(g) > 5:
                    lines.append(f"    ... and {len(g) - 5} more")
        if len(self.notes):
            lines.append("")
            lines.append("notes:")
            for r in self.notes.itertuples(index=False):
                lines.append(f"  {r.file or r.table}: {r.message}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ValidationReport {self.summary}>"

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with keys ``ok``, ``failures``, ``rows`` and ``notes``."""
        failures = self.failures.astype(object).where(self.failures.notna(), None)
        return {
            "ok": self.ok,
            "failures": failures.to_dict(orient="records"),
            "rows": self.rows.astype(object).to_dict(orient="records"),
            "notes": self.notes.astype(object).to_dict(orient="records"),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON (keys ``ok``, ``failures``, ``rows``, ``notes``)."""
        return json.dumps(self.to_dict(), indent=indent, default=_json_default)

    def _repr_html_(self) -> str:
        head = f"<p><b>{html.escape(self.summary)}</b></p>"
        rows = self.rows.to_html(index=False)
        fails = "" if self.ok else self.failures.head(200).to_html(index=False, na_rep="")
        more = (
            f"<p>... {len(self.failures) - 200} more failures</p>"
            if len(self.failures) > 200
            else ""
        )
        return head + rows + fails + more


def _json_default(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return str(v)
