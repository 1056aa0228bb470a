"""Readers of the binary formats: Parquet, Excel, SAS (sas7bdat, XPORT), SPSS and Stata.

Each returns a :class:`~kneestudy.ingest.readers.RawTable` or raises
:class:`~kneestudy.ingest.readers.TableReadError`. Value labels stored in SPSS
and Stata files are returned as ``RawTable.labels`` (column -> {code: label})
and applied alike for both formats by :mod:`kneestudy.ingest.mapping`: a
column the data model holds as text (arm, intervention, sex ...) gets the
labels, a numeric column keeps its numbers (a note names the labels).
Warnings the libraries give while reading (openpyxl's style notices, pandas'
format guesses) are not passed on: what matters becomes a note or a failure.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from kneestudy.ingest.readers import (
    RawTable,
    ReadOptions,
    TableReadError,
    _check_duplicates,
    _short,
    factorize_clean,
    is_text_type,
    text_values,
    trim_note,
)

__all__ = ["excel_sheets", "read_binary"]


def read_binary(path: Path, kind: str, opts: ReadOptions) -> RawTable:
    """Read a Parquet, Excel, SAS, XPORT, SPSS or Stata file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "parquet":
                return _read_parquet(path, opts.na)
            if kind == "excel":
                return _read_excel(path, opts.sheet)
            if kind == "sas":
                frame = pd.read_sas(path, format="sas7bdat", encoding=opts.encoding or "utf-8")
                return _raw(frame, kind)
            if kind == "xport":  # pyreadstat reads XPORT versions 5 and 8
                import pyreadstat

                frame, _ = pyreadstat.read_xport(str(path), encoding=opts.encoding)
                return _raw(frame, kind)
            return _read_labelled(path, kind, opts)
    except TableReadError:
        raise
    except Exception as exc:  # the library's own error, re-worded with the file name
        raise TableReadError(path, f"cannot read as {kind}: {_short(exc)}") from None


def _raw(frame: pd.DataFrame, kind: str, **kw) -> RawTable:
    return RawTable(frame, np.arange(1, len(frame) + 1, dtype=np.int64), kind, **kw)


def _read_parquet(path: Path, na: frozenset[str]) -> RawTable:
    """Parquet: text columns factorised in Arrow, turned into Python strings once per value."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    _check_duplicates(path, schema.names)
    meta = schema.pandas_metadata or {}
    index_cols = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
    text = [f.name for f in schema if is_text_type(f.type) and f.name not in index_cols]
    # text columns read as dictionaries: Parquet stores them so, and the distinct values
    # are what validation checks
    table = pq.read_table(path, read_dictionary=text)
    codes, notes = {}, []
    for c in text:
        k, u, trimmed = factorize_clean(table.column(c), na)
        codes[c] = (k, u)
        if trimmed:
            notes.append((c, trim_note(c, trimmed)))
    for name in text:
        # a cheap placeholder keeps the pandas metadata (index, dtypes) intact
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, pa.nulls(table.num_rows))
    frame = table.to_pandas(split_blocks=True, self_destruct=True)  # frees Arrow memory as it goes
    del table
    for name, (c, u) in codes.items():
        frame[name] = text_values(c, u)
    return _raw(frame, "parquet", codes=codes, notes=notes)


def excel_sheets(path: Path) -> list[str]:
    """Sheet names of a workbook, in order."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            return list(wb.sheetnames)
        finally:
            wb.close()


def _read_excel(path: Path, sheet: str | None) -> RawTable:
    from kneestudy.schemas.mapping import suggest

    try:
        names = excel_sheets(path)
    except Exception as exc:
        raise TableReadError(path, f"cannot read as an Excel workbook: {_short(exc)}") from None
    if sheet is None:
        if len(names) > 1:
            shown = ", ".join(f"'{n}'" for n in names)
            raise TableReadError(
                path,
                f"the workbook has {len(names)} sheets ({shown}); name the one to read in the "
                f'manifest\'s [tables], e.g. "{path.name}#{names[0]}"',
                rule="sheet",
            )
        sheet = names[0] if names else None
    elif sheet not in names:
        hint = suggest(sheet, names)
        more = f"; did you mean '{hint[0]}'?" if hint else ""
        raise TableReadError(
            path,
            f"no sheet '{sheet}' in the workbook{more} (sheets: {', '.join(names)})",
            rule="sheet",
        )
    try:
        frame = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:
        raise TableReadError(path, f"cannot read as an Excel workbook: {_short(exc)}") from None
    where = f"sheet '{sheet}'" if sheet is not None else "the first sheet"
    if frame.empty:
        raise TableReadError(path, f"{where} is empty", rule="empty_file")
    header = [None if pd.isna(v) else str(v).strip() for v in frame.iloc[0]]
    if any(h is None or h == "" for h in header):
        missing = [i + 1 for i, h in enumerate(header) if not h]
        raise TableReadError(
            path, f"header row of {where} has empty names in columns {missing}", rule="readable"
        )
    _check_duplicates(path, header)
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = header
    return RawTable(body, np.arange(2, len(body) + 2, dtype=np.int64), "excel")


def _code_text(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _read_labelled(path: Path, kind: str, opts: ReadOptions) -> RawTable:
    """SPSS (.sav, .zsav) and Stata (.dta), with the value labels the file stores.

    Both through pyreadstat, so that labels are handled one way; SPSS
    user-defined missing values are read as missing, as SPSS treats them.
    """
    import pyreadstat

    reader = pyreadstat.read_sav if kind == "spss" else pyreadstat.read_dta
    frame, meta = reader(str(path), encoding=opts.encoding, apply_value_formats=False)
    labels: dict[str, dict[str, str]] = {}
    for col, mapping in (meta.variable_value_labels or {}).items():
        if col in frame.columns and mapping:
            labels[col] = {_code_text(k): str(v) for k, v in mapping.items()}
    return _raw(frame, kind, labels=labels)
