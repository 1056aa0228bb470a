"""Readers for table files: CSV, Parquet, Excel, SAS, SPSS and Stata.

Every reader returns a :class:`RawTable` (the frame as the file holds it,
plus the source row number of each record) or raises :class:`TableReadError`
(a :class:`~kneestudy.errors.ReadError` naming the file and the reason, with a
short ``rule``). Columns are never renamed: a duplicated header is an error,
not ``age.1``. CSV is read with pyarrow: columns named in ``text_columns`` as text, the
others typed by pyarrow's inference (a column holding any non-number stays
text, so nothing is coerced silently).

CSV and Parquet text columns are factorised in Arrow while reading (one hash
pass; see :func:`factorize_text`): the frame holds the same Python strings,
and ``RawTable.codes`` lets validation check each distinct value once.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import ReadError

__all__ = ["EXTENSIONS", "RawTable", "TableReadError", "read_raw", "read_table"]

#: File suffix -> format name.
EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".sas7bdat": "sas",
    ".xpt": "xport",
    ".sav": "spss",
    ".dta": "stata",
}

_NULLS = ["", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", "#N/A", "-NaN", "-nan"]


class TableReadError(ReadError):
    """A table file could not be read; ``rule`` names the problem, ``column`` the column."""

    def __init__(self, path: Any, message: str, rule: str = "readable", column: str | None = None):
        super().__init__(path, message)
        self.rule = rule
        self.column = column


@dataclass
class RawTable:
    """A table as read: ``frame`` (positional index), ``rows`` (source row of each
    record), ``unparsed`` (records that could not be split into fields:
    list of (row, text, message)) and the ``format``."""

    frame: pd.DataFrame
    rows: np.ndarray
    format: str
    unparsed: list[tuple[int | None, str, str]] = field(default_factory=list)
    #: Text columns factorised while reading: name -> (codes, uniques), with
    #: ``frame[name]`` equal to ``uniques[codes]`` (code -1 = missing). Checks
    #: then run once per distinct value instead of once per row.
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def read_table(path: str | Path, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read one table file into a DataFrame, columns as the file holds them.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.parquet``, ``.xlsx``, ``.sas7bdat``, ``.xpt``, ``.sav`` or ``.dta`` file.
    text_columns : tuple of str
        CSV columns kept as text (identifiers such as ``"001"``); the others are
        read as numbers when every value is one.

    Raises
    ------
    kneestudy.errors.ReadError
        The file is missing, empty, binary, not UTF-8, wrongly delimited, has a
        duplicated column name or cannot be parsed; the message names the file.

    Examples
    --------
    >>> read_table("visits.csv", text_columns=("participant_id",))  # doctest: +SKIP
    """
    return read_raw(Path(path), frozenset(text_columns)).frame


def read_raw(path: Path, text_columns: frozenset[str] = frozenset()) -> RawTable:
    """Read ``path`` as a :class:`RawTable` (see :func:`read_table`)."""
    kind = EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        raise TableReadError(
            path,
            f"unsupported file type '{path.suffix}'; use one of {', '.join(sorted(EXTENSIONS))}",
            rule="file_type",
        )
    if not path.is_file():
        raise TableReadError(path, "file not found", rule="missing_file")
    if kind == "csv":
        return _read_csv(path, text_columns)
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    try:
        if kind == "parquet":
            frame, codes = _read_parquet(path)
        elif kind == "excel":
            return _read_excel(path)
        elif kind == "sas":
            frame = pd.read_sas(path, format="sas7bdat", encoding="utf-8")
        elif kind == "xport":  # pyreadstat reads XPORT versions 5 and 8
            import pyreadstat

            frame, _ = pyreadstat.read_xport(str(path))
        elif kind == "spss":
            import pyreadstat

            frame, _ = pyreadstat.read_sav(str(path))
        else:
            frame = pd.read_stata(path)
    except TableReadError:
        raise
    except Exception as exc:  # the library's own error, re-worded with the file name
        raise TableReadError(path, f"cannot read as {kind}: {_short(exc)}") from None
    _check_duplicates(path, list(frame.columns))
    frame.index = pd.RangeIndex(len(frame))  # in place: no copy of the data
    if kind != "parquet":
        frame = _blank_to_null(frame)
    return RawTable(frame, np.arange(1, len(frame) + 1, dtype=np.int64), kind, codes=codes)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _check_duplicates(path: Path, names: list[Any]) -> None:
    counts = Counter(str(n) for n in names)
    for name, k in counts.items():
        if k > 1:
            where = [i + 1 for i, n in enumerate(names) if str(n) == name]
            raise TableReadError(
                path,
                f"column name '{name}' appears {k} times (columns {', '.join(map(str, where))}); "
                "rename or remove the duplicate",
                rule="duplicate_column",
                column=name,
            )


def _blank_to_null(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty or blank text cells become missing (as in CSV); vectorised."""
    for col in frame.columns:
        s = frame[col]
        if s.dtype != object:
            continue
        if pd.api.types.infer_dtype(s, skipna=True) == "string":
            blank = s.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        else:
            blank = (
                s.map(lambda v: isinstance(v, str) and not v.strip(), na_action="ignore")
                .eq(True)
                .to_numpy(dtype=bool)
            )
        if blank.any():
            frame[col] = s.mask(blank, None)
    return frame


def factorize_text(column, blank_to_null: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values of an Arrow text column, by one hash pass in Arrow.

    Returns ``(codes, uniques)``: ``codes`` int64 with -1 for a missing value
    (and, with ``blank_to_null``, for an empty or blank one), ``uniques`` an
    object array of ``str``. The order of ``uniques`` is not that of
    ``pandas.factorize`` and may hold values no row uses (a blank one).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    if not pa.types.is_dictionary(column.type):
        # one hash table over all chunks: every chunk gets the same final dictionary
        column = pc.dictionary_encode(column)
    chunks = column.chunks
    if chunks and all(_same_buffers(c.dictionary, chunks[0].dictionary) for c in chunks):
        dictionary = chunks[0].dictionary
        indices = [c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in chunks]
        codes = np.concatenate(indices).astype(np.int64, copy=False)
    else:  # dictionaries differ by chunk: unify them (slower)
        arr = column.combine_chunks()
        dictionary = arr.dictionary
        codes = arr.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    drop = dictionary.is_null()
    if blank_to_null:
        # empty, or whitespace only (Unicode), as utf8_trim_whitespace(x) == "" but
        # without building the trimmed strings
        blank = pc.or_kleene(pc.equal(pc.utf8_length(dictionary), 0), pc.utf8_is_space(dictionary))
        drop = pc.or_kleene(drop, blank)
    drop_u = drop.to_numpy(zero_copy_only=False).astype(bool, copy=False)
    if drop_u.any():
        codes = np.where(np.append(drop_u, False)[codes], -1, codes)
    return codes, dictionary.to_numpy(zero_copy_only=False).astype(object, copy=False)


def _same_buffers(a, b) -> bool:
    """True when two Arrow arrays are views of the same memory (no value comparison)."""
    if a is b:
        return True
    if len(a) != len(b) or a.offset != b.offset:
        return False
    return [x.address if x is not None else None for x in a.buffers()] == [
        x.address if x is not None else None for x in b.buffers()
    ]


def text_values(codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    """``uniques[codes]`` as an object array, ``None`` where the code is -1."""
    ext = np.empty(len(uniques) + 1, dtype=object)
    ext[:-1] = uniques
    ext[-1] = None
    return ext[codes]


def _is_text(t) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _read_parquet(path: Path) -> tuple[pd.DataFrame, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Parquet: text columns factorised in Arrow, turned into Python strings once per value."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    _check_duplicates(path, schema.names)
    meta = schema.pandas_metadata or {}
    index_cols = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
    text = [f.name for f in schema if _is_text(f.type) and f.name not in index_cols]
    table = pq.read_table(path)
    codes = {c: factorize_text(table.column(c), blank_to_null=True) for c in text}
    for name in text:
        # a cheap placeholder keeps the pandas metadata (index, dtypes) intact
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, pa.nulls(table.num_rows))
    frame = table.to_pandas(split_blocks=True, self_destruct=True)  # frees Arrow memory as it goes
    del table
    for name, (c, u) in codes.items():
        frame[name] = text_values(c, u)
    return frame, codes


def _read_excel(path: Path) -> RawTable:
    try:
        frame = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:
        raise TableReadError(path, f"cannot read as an Excel workbook: {_short(exc)}") from None
    if frame.empty:
        raise TableReadError(path, "the first sheet is empty", rule="empty_file")
    header = [None if pd.isna(v) else str(v).strip() for v in frame.iloc[0]]
    if any(h is None or h == "" for h in header):
        missing = [i + 1 for i, h in enumerate(header) if not h]
        raise TableReadError(
            path, f"header row has empty names in columns {missing}", rule="readable"
        )
    _check_duplicates(path, header)
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = header
    body = _blank_to_null(body)
    return RawTable(body, np.arange(2, len(body) + 2, dtype=np.int64), "excel")


# -- CSV -------------------------------------------------------------------


def _read_csv(path: Path, text_columns: frozenset[str]) -> RawTable:
    data = path.read_bytes()
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        raise TableReadError(
            path, "file is encoded as UTF-16; save it as UTF-8 CSV", rule="encoding"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if re.search(rb"\S", data) is None:
        raise TableReadError(path, "file is empty (no header row)", rule="empty_file")
    head = data[:65536]
    if b"\x00" in head:
        hint = ""
        if data.startswith(b"PK\x03\x04"):
            hint = " (it looks like an Excel workbook: name it .xlsx)"
        elif data.startswith(b"PAR1"):
            hint = " (it looks like a Parquet file: name it .parquet)"
        raise TableReadError(path, f"binary file, not CSV text{hint}", rule="binary_file")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TableReadError(
            path,
            f"not valid UTF-8 (line {line}, byte 0x{data[exc.start]:02x}); the encoding is "
            "unknown (perhaps Latin-1 or Windows-1252): save the file as UTF-8",
            rule="encoding",
        ) from None
    first_end = re.search(rb"[\r\n]", data)
    header_line = (data if first_end is None else data[: first_end.start()]).decode("utf-8")
    try:
        header = next(csv.reader([header_line]))
    except (csv.Error, StopIteration) as exc:
        raise TableReadError(path, f"cannot parse the header row: {exc}") from None
    if len(header) == 1:
        for delim, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if delim in header_line:
                raise TableReadError(
                    path,
                    f"columns appear to be separated by {name}, not commas; "
                    "save the file as comma-separated CSV",
                    rule="delimiter",
                )
    if any(not h.strip() for h in header):
        missing = [i + 1 for i, h in enumerate(header) if not h.strip()]
        raise TableReadError(path, f"header has empty column names (columns {missing})")
    _check_duplicates(path, header)
    return _parse_csv(path, data, header, text_columns)


def _parse_csv(
    path: Path, data: bytes, header: list[str], text_columns: frozenset[str]
) -> RawTable:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad: list[tuple[int | None, str, str]] = []

    def handler(row: Any) -> str:
        bad.append(
            (
                row.number,
                row.text,
                f"expected {row.expected_columns} fields, found {row.actual_columns}",
            )
        )
        return "skip"

    def parse(threads: bool):
        bad.clear()
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(
                column_names=header, skip_rows=1, use_threads=threads, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(
                # text columns stay text; the others are typed by pyarrow while
                # parsing (a column with any non-number stays text and is
                # reported value by value later)
                column_types={h: pa.string() for h in header if h in text_columns},
                null_values=_NULLS,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )

    try:
        table = parse(len(data) > (1 << 20))  # threads pay off on large files only
        if bad and any(b[0] is None for b in bad):
            table = parse(False)
    except Exception as exc:
        raise TableReadError(path, f"cannot parse as CSV: {_short(exc)}") from None

    n = table.num_rows
    if bad or b"\n\n" in data or b"\n\r\n" in data:
        rows, physical = _line_numbers(data, {b[0] for b in bad if b[0] is not None}, n)
        bad = [(physical.get(b[0], b[0]) if b[0] is not None else None, *b[1:]) for b in bad]
    else:
        rows = np.arange(2, n + 2, dtype=np.int64)
    columns = {}
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in header:
        arr = table.column(name)
        if name in text_columns and _is_text(arr.type):
            codes[name] = factorize_text(arr)
            columns[name] = pd.Series(text_values(*codes[name]), dtype=object)
        else:
            columns[name] = arr.to_pandas()
    frame = pd.DataFrame(columns, copy=False)
    frame.index = pd.RangeIndex(n)
    return RawTable(frame, rows, "csv", unparsed=list(bad), codes=codes)


def _line_numbers(data: bytes, skipped: set[int], n: int) -> tuple[np.ndarray, dict[int, int]]:
    """Line number of each parsed record when blank or malformed lines were skipped.

    pyarrow numbers rows over non-blank lines (header = 1); returns the physical
    line of each parsed record and a map from pyarrow's numbers to physical lines.
    """
    physical: dict[int, int] = {}
    out = []
    k = 0
    for i, line in enumerate(data.decode("utf-8").split("\n")):
        if not line.strip("\r").strip():
            continue
        k += 1
        physical[k] = i + 1
        if k > 1 and k not in skipped:
            out.append(i + 1)
    if len(out) != n:  # quoted fields spanning lines: fall back to record order
        return np.arange(2, n + 2, dtype=np.int64), {}
    return np.asarray(out, dtype=np.int64), physical
