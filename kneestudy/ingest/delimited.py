"""CSV and TSV (plain or gzip-compressed): bytes checked, then parsed by pyarrow.

The file's bytes are checked before parsing (empty, binary, encoding,
delimiter, header), so that what is wrong with a file is said in words; the
records are then parsed by ``pyarrow.csv`` with the columns of text kinds read
as text and the others typed by pyarrow's inference. Numbers are decimal
only: pyarrow would read ``0x1E`` as 30, so a file holding a
hexadecimal-looking number has its numeric columns read as text and parsed
strictly later (:mod:`kneestudy.ingest.values`). Records that cannot be split
into the header's fields are reported with their line, not dropped.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

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

__all__ = ["check_utf8", "read_delimited"]

# A number written in hexadecimal (pyarrow's integer inference accepts "0x1E").
_HEX = re.compile(rb"(?<![0-9A-Za-z_.])[+-]?0[xX][0-9A-Fa-f]")


def _file_bytes(path: Path, kind: str) -> bytes:
    data = path.read_bytes()
    if kind.endswith(".gz"):
        import gzip
        import zlib

        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise TableReadError(
                path, f"not a readable gzip file: {_short(exc)}", rule="readable"
            ) from None
    return data


def _decode(path: Path, data: bytes, encoding: str | None) -> bytes:
    """The file as UTF-8 bytes: checked as UTF-8, or converted from a declared encoding."""
    if encoding is not None and encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        try:
            return data.decode(encoding).encode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise TableReadError(
                path,
                f"not valid {encoding} (line {line}, byte 0x{data[exc.start]:02x})",
                rule="encoding",
            ) from None
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        raise TableReadError(
            path,
            "file is encoded as UTF-16; save it as UTF-8, or declare "
            'encoding = "utf-16" in the manifest\'s [format.<table>]',
            rule="encoding",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" not in data[:65536] and len(data) <= _CHECK_UTF8_BYTES:
        check_utf8(path, data)  # large files: checked by pyarrow while parsing, then here
    return data


#: Files up to this size are checked as UTF-8 before parsing (larger ones by the parser).
_CHECK_UTF8_BYTES = 1 << 22


def check_utf8(path: Path, data: bytes) -> None:
    """Raise :class:`TableReadError` naming the line of the first byte that is not UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TableReadError(
            path,
            f"not valid UTF-8 (line {line}, byte 0x{data[exc.start]:02x}); save the file as "
            'UTF-8, or declare its encoding (e.g. encoding = "latin-1" or "cp1252") in the '
            "manifest's [format.<table>]",
            rule="encoding",
        ) from None


def read_delimited(
    path: Path, text_columns: frozenset[str], opts: ReadOptions, kind: str
) -> RawTable:
    """Read a CSV or TSV file (``kind`` ``csv``, ``tsv``, ``csv.gz`` or ``tsv.gz``)."""
    data = _decode(path, _file_bytes(path, kind), opts.encoding)
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
    delimiter = opts.delimiter or ("\t" if kind.startswith("tsv") else ",")
    first_end = re.search(rb"[\r\n]", data)
    try:
        header_line = (data if first_end is None else data[: first_end.start()]).decode("utf-8")
    except UnicodeDecodeError:
        check_utf8(path, data)
        raise
    try:
        header = next(csv.reader([header_line], delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise TableReadError(path, f"cannot parse the header row: {exc}") from None
    if len(header) == 1:
        for delim, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'"), (",", "commas")):
            if delim != delimiter and delim in header_line:
                expected = {",": "commas", "\t": "tabs", ";": "semicolons"}.get(
                    delimiter, repr(delimiter)
                )
                raise TableReadError(
                    path,
                    f"columns appear to be separated by {name}, not {expected}; save the file "
                    f"separated by {expected}, or declare delimiter = {delim!r} in the "
                    "manifest's [format.<table>]",
                    rule="delimiter",
                )
    if any(not h.strip() for h in header):
        missing = [i + 1 for i, h in enumerate(header) if not h.strip()]
        raise TableReadError(path, f"header has empty column names (columns {missing})")
    _check_duplicates(path, header)
    # numbers are decimal only: a hexadecimal-looking value sends the numeric
    # columns through the strict text parser instead of pyarrow's inference
    as_text = set(header) if (opts.thousands or _hexlike(data)) else set(text_columns)
    return _parse_csv(path, data, header, frozenset(as_text), opts, delimiter, kind)


def _parse_csv(
    path: Path,
    data: bytes,
    header: list[str],
    text_columns: frozenset[str],
    opts: ReadOptions,
    delimiter: str,
    kind: str,
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
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(
                # text columns stay text; the others are typed by pyarrow while
                # parsing (a column with any non-number stays text and is
                # parsed strictly, value by value, later)
                column_types={h: pa.string() for h in header if h in text_columns},
                null_values=sorted(opts.na),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                decimal_point=opts.decimal,
                # "true"/"false" stay text: a boolean column is parsed by the schema's rules
                true_values=[],
                false_values=[],
            ),
        )

    try:
        table = parse(len(data) > (1 << 20))  # threads pay off on large files only
        if bad and any(b[0] is None for b in bad):
            table = parse(False)
    except Exception as exc:
        check_utf8(path, data)  # the parser's "invalid UTF8" said with the line
        raise TableReadError(path, f"cannot parse as {kind.upper()}: {_short(exc)}") from None

    n = table.num_rows
    if bad or not _one_record_a_line(data, n):
        rows, physical = _line_numbers(data, {b[0] for b in bad if b[0] is not None}, n)
        bad = [(physical.get(b[0], b[0]) if b[0] is not None else None, *b[1:]) for b in bad]
    else:
        rows = np.arange(2, n + 2, dtype=np.int64)
    columns = {}
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    notes: list[tuple[str | None, str]] = []
    for name in header:
        arr = table.column(name)
        if is_text_type(arr.type):
            c, u, trimmed = factorize_clean(arr, opts.na)
            codes[name] = (c, u)
            columns[name] = pd.Series(text_values(c, u), dtype=object)
            if trimmed:
                notes.append((name, trim_note(name, trimmed)))
        else:
            columns[name] = arr.to_pandas()
    frame = pd.DataFrame(columns, copy=False)
    frame.index = pd.RangeIndex(n)
    return RawTable(
        frame, rows, kind.removesuffix(".gz"), unparsed=list(bad), codes=codes, notes=notes
    )


def _hexlike(data: bytes) -> bool:
    """True when a cell may hold a hexadecimal number (``0x1E``).

    An ``x`` is looked for first (``memchr``); only then a vectorised byte scan
    for ``x`` after ``0``, and the exact pattern only there.
    """
    if data.find(b"x") < 0 and data.find(b"X") < 0:
        return False
    a = np.frombuffer(data, dtype=np.uint8)
    x = np.flatnonzero((a[1:] | 0x20) == ord("x")) + 1  # x or X
    x = x[a[x - 1] == ord("0")]
    return any(_HEX.search(data, max(0, int(i) - 3), int(i) + 2) for i in x[:10_000])


def _one_record_a_line(data: bytes, n: int) -> bool:
    """True when the text has exactly one line per record after the header (no blank
    line, no field spanning lines), so records are numbered by line directly."""
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return lines == n + 1


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
