"""Readers for table files: CSV, TSV (plain or gzip), Parquet, Excel, SAS, SPSS and Stata.

Every reader returns a :class:`RawTable` (the frame as the file holds it,
plus the source row number of each record) or raises :class:`TableReadError`
(a :class:`~kneestudy.errors.ReadError` naming the file and the reason, with a
short ``rule``). Columns are never renamed: a duplicated header is an error,
not ``age.1``. How a file is written (encoding, delimiter, decimal comma,
thousands separator, missing-value strings, Excel sheet) comes from
:class:`ReadOptions` (the manifest's ``[format.TABLE]`` and ``file.xlsx#Sheet``).

The same text rules hold in every format: text cells are trimmed of
surrounding whitespace, and an empty cell or one of the missing-value strings
(:data:`NA_VALUES` unless ``na_values`` is declared) is missing. Numbers are
decimal only: pyarrow's CSV inference would read ``0x1E`` as 30, so a file
holding a hexadecimal-looking number has its numeric columns read as text and
parsed strictly by :mod:`kneestudy.ingest.values`.

CSV and Parquet text columns are factorised in Arrow while reading (one hash
pass; see :func:`factorize_text`): the frame holds the same Python strings,
and ``RawTable.codes`` lets validation check each distinct value once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import ReadError

__all__ = [
    "EXTENSIONS",
    "NA_VALUES",
    "RawTable",
    "ReadOptions",
    "TableReadError",
    "file_kind",
    "read_raw",
    "read_table",
]

#: File suffix -> format name (``.gz`` after ``.csv``/``.tsv`` means gzip-compressed).
EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".sas7bdat": "sas",
    ".xpt": "xport",
    ".sav": "spss",
    ".zsav": "spss",
    ".dta": "stata",
}

#: Cells read as missing in every format (after trimming), unless ``na_values`` is declared.
NA_VALUES: tuple[str, ...] = (
    "NA",
    "N/A",
    "NaN",
    "nan",
    "NULL",
    "null",
    "None",
    "#N/A",
    "-NaN",
    "-nan",
)


class TableReadError(ReadError):
    """A table file could not be read; ``rule`` names the problem, ``column`` the column."""

    def __init__(self, path: Any, message: str, rule: str = "readable", column: str | None = None):
        super().__init__(path, message)
        self.rule = rule
        self.column = column


@dataclass(frozen=True)
class ReadOptions:
    """How a table's file is written (the manifest's ``[format.TABLE]``).

    ``encoding`` (default UTF-8), ``delimiter`` (default ``,``; tab for TSV),
    ``decimal`` (``.`` or ``,``), ``thousands`` (a separator, or None: then
    ``1,000`` is not a number), ``na_values`` (None: :data:`NA_VALUES`),
    ``sheet`` (an Excel sheet by name), ``date_format`` (strftime; default ISO
    8601) and ``time_zone`` (``"utc"`` converts times with a zone to UTC; by
    default a zone is a failure).
    """

    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    thousands: str | None = None
    na_values: tuple[str, ...] | None = None
    sheet: str | None = None
    date_format: str | None = None
    time_zone: str | None = None

    @property
    def na(self) -> frozenset[str]:
        """Missing-value strings (after trimming); the empty string always."""
        return frozenset((NA_VALUES if self.na_values is None else self.na_values) + ("",))


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
    #: Value labels stored in the file (SPSS, Stata): column -> {code text: label}.
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Remarks made while reading: (column or None, message).
    notes: list[tuple[str | None, str]] = field(default_factory=list)

    @property
    def row_word(self) -> str:
        """What ``rows`` count: ``line`` (CSV), ``row`` (Excel sheet) or ``record``."""
        return {"csv": "line", "tsv": "line", "excel": "row"}.get(self.format, "record")


def file_kind(path: Path) -> str | None:
    """Format name of a file from its suffix (``visits.csv.gz`` -> ``"csv.gz"``)."""
    suffixes = [s.lower() for s in path.suffixes]
    if (
        len(suffixes) >= 2
        and suffixes[-1] == ".gz"
        and EXTENSIONS.get(suffixes[-2])
        in (
            "csv",
            "tsv",
        )
    ):
        return EXTENSIONS[suffixes[-2]] + ".gz"
    return EXTENSIONS.get(path.suffix.lower())


def read_table(
    path: str | Path, text_columns: tuple[str, ...] = (), options: ReadOptions | None = None
) -> pd.DataFrame:
    """Read one table file into a DataFrame, columns as the file holds them.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.tsv`` (either may be ``.gz``), ``.parquet``, ``.xlsx``,
        ``.sas7bdat``, ``.xpt``, ``.sav`` or ``.dta`` file; ``trial.xlsx#Visits``
        names a sheet.
    text_columns : tuple of str
        CSV columns kept as text (identifiers such as ``"001"``); the others are
        read as numbers when every value is one.
    options : ReadOptions, optional
        Encoding, delimiter, decimal comma and the other ``[format]`` options.

    Raises
    ------
    kneestudy.errors.ReadError
        The file is missing, empty, binary, not in its encoding, wrongly
        delimited, has a duplicated column name or cannot be parsed; the message
        names the file.

    Examples
    --------
    >>> read_table("visits.csv", text_columns=("participant_id",))  # doctest: +SKIP
    """
    from kneestudy.schemas.manifest import split_sheet

    opts = options or ReadOptions()
    rel, sheet = split_sheet(str(path))
    if sheet is not None:
        from dataclasses import replace

        opts = replace(opts, sheet=sheet)
    return read_raw(Path(rel), frozenset(text_columns), opts).frame


def read_raw(
    path: Path, text_columns: frozenset[str] = frozenset(), options: ReadOptions | None = None
) -> RawTable:
    """Read ``path`` as a :class:`RawTable` (see :func:`read_table`)."""
    opts = options or ReadOptions()
    kind = file_kind(path)
    if kind is None:
        raise TableReadError(
            path,
            f"unsupported file type '{path.suffix}'; use one of "
            f"{', '.join(sorted(EXTENSIONS))} (CSV and TSV may be .gz)",
            rule="file_type",
        )
    if not path.is_file():
        raise TableReadError(path, "file not found", rule="missing_file")
    if opts.sheet is not None and kind != "excel":
        raise TableReadError(path, f"'#{opts.sheet}' names a sheet, but this is not an Excel file")
    if kind.startswith(("csv", "tsv")):
        from kneestudy.ingest.delimited import read_delimited

        raw = read_delimited(path, text_columns, opts, kind)
    else:
        from kneestudy.ingest.formats import read_binary

        raw = read_binary(path, kind, opts)
        _check_duplicates(path, list(raw.frame.columns))
        raw.frame.index = pd.RangeIndex(len(raw.frame))  # in place: no copy of the data
    _clean_text_columns(raw, opts.na)
    return raw


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


# -- text rules shared by every format ------------------------------------------


def _clean_text_columns(raw: RawTable, na: frozenset[str]) -> None:
    """Trim text cells and make missing-value strings missing, in every column.

    Factorised columns are cleaned once per distinct value; object columns of
    the other readers are cleaned where they hold strings. Trimmed values are
    counted in a note.
    """
    frame = raw.frame
    for name in frame.columns:  # factorised columns were cleaned as they were read
        if name in raw.codes or frame[name].dtype != object:
            continue
        cleaned, trimmed = clean_objects(frame[name], na)
        if cleaned is not None:
            frame[name] = cleaned
        if trimmed:
            raw.notes.append((str(name), trim_note(str(name), trimmed)))


def trim_note(column: str, n: int) -> str:
    """The note for text cells that had surrounding whitespace."""
    return f"{column}: {n} value(s) had spaces around them; trimmed"


def clean_codes(
    codes: np.ndarray, uniques: np.ndarray, na: frozenset[str]
) -> tuple[np.ndarray, np.ndarray, int]:
    """Trim distinct text values, mark missing-value strings missing, merge duplicates.

    Returns ``(codes, uniques, rows trimmed)``; the inputs themselves when
    nothing changes (the common case, checked in Arrow without a Python loop).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(uniques):
        return codes, np.asarray(uniques, dtype=object), 0
    if isinstance(uniques, pa.Array):
        arr = uniques
    else:
        arr = pa.array(uniques, type=pa.string(), from_pandas=True)
    na_set = pa.array(sorted(na), type=pa.string())
    trimmed = pc.utf8_trim_whitespace(arr)
    changed = pc.fill_null(pc.not_equal(trimmed, arr), False)
    if not pc.any(changed).as_py() and not pc.any(pc.is_in(arr, value_set=na_set)).as_py():
        # the usual case: nothing to trim, no missing-value string
        return codes, _remember(arr.to_numpy(zero_copy_only=False).astype(object), arr), 0
    is_na = pc.fill_null(pc.is_in(trimmed, value_set=na_set), True)
    changed_np = changed.to_numpy(zero_copy_only=False).astype(bool, copy=False)
    na_np = is_na.to_numpy(zero_copy_only=False).astype(bool, copy=False)
    if not changed_np.any() and not na_np.any():
        return codes, _remember(arr.to_numpy(zero_copy_only=False).astype(object), arr), 0
    n_trimmed = 0
    present = codes >= 0
    if changed_np.any():
        used = np.bincount(codes[present], minlength=len(uniques))
        n_trimmed = int(used[changed_np & ~na_np].sum())
    values = trimmed.to_numpy(zero_copy_only=False).astype(object, copy=False)
    values = np.where(na_np, None, values)
    joint, new_uniques = pd.factorize(values, use_na_sentinel=True)
    remap = np.append(joint.astype(np.int64), -1)
    new_codes = remap[codes]
    return new_codes, np.asarray(new_uniques, dtype=object), n_trimmed


# Arrow arrays of distinct values already built, by the numpy array they were turned into:
# checks on distinct values (patterns, case) reuse them instead of converting back.
_ARROW: dict[int, tuple[Any, Any]] = {}


def _remember(values: np.ndarray, arrow: Any) -> np.ndarray:
    import weakref

    key = id(values)
    _ARROW[key] = (weakref.ref(values, lambda _, k=key: _ARROW.pop(k, None)), arrow)
    return values


def arrow_of(values: np.ndarray) -> Any:
    """``values`` (distinct text values) as an Arrow string array, reusing the reader's."""
    import pyarrow as pa

    hit = _ARROW.get(id(values))
    if hit is not None and hit[0]() is values:
        return hit[1]
    return pa.array(values, type=pa.string(), from_pandas=True)


def clean_objects(s: pd.Series, na: frozenset[str]) -> tuple[pd.Series | None, int]:
    """The text rules on an object column of mixed values (strings cleaned, others kept)."""
    is_str = s.map(lambda v: isinstance(v, str), na_action="ignore").eq(True).to_numpy(dtype=bool)
    if not is_str.any():
        return None, 0
    text = s[is_str].astype(str)
    stripped = text.str.strip()
    changed = (stripped != text).to_numpy()
    missing = stripped.isin(na).to_numpy()
    if not changed.any() and not missing.any():
        return None, 0
    out = s.copy()
    vals = stripped.to_numpy(dtype=object)
    vals[missing] = None
    out[is_str] = vals
    return out, int((changed & ~missing).sum())


def factorize_clean(column, na: frozenset[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`factorize_text` with the text rules: ``(codes, uniques, rows trimmed)``.

    Values are trimmed and missing-value strings made missing once per distinct
    value, on Arrow's dictionary (:func:`clean_codes`).
    """
    codes, dictionary = _dictionary_codes(column)
    return clean_codes(codes, dictionary, na)


def _dictionary_codes(column) -> tuple[np.ndarray, Any]:
    """int64 codes (-1 = null) and the Arrow dictionary of a text column (one hash pass)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    chunks = column.chunks
    if len(chunks) > 1 and not all(
        _same_buffers(c.dictionary, chunks[0].dictionary) for c in chunks
    ):
        # dictionaries read chunk by chunk (Parquet row groups): unify them, which hashes
        # the distinct values of each chunk only, not every row
        column = column.unify_dictionaries()
        chunks = column.chunks
    if chunks and all(_same_buffers(c.dictionary, chunks[0].dictionary) for c in chunks):
        dictionary = chunks[0].dictionary
        indices = [c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in chunks]
        codes = np.concatenate(indices).astype(np.int64, copy=False)
    elif chunks:
        arr = column.combine_chunks()
        dictionary = arr.dictionary
        codes = arr.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        dictionary = pa.array([], type=pa.string())
        codes = np.zeros(0, dtype=np.int64)
    if dictionary.null_count:
        nulls = np.append(dictionary.is_null().to_numpy(zero_copy_only=False), False)
        codes = np.where(nulls[codes], -1, codes)
    return codes, dictionary


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


def is_text_type(t) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t)
