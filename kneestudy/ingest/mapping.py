"""Map a researcher's own files onto the data model, before validation.

The manifest says how a cohort's files differ from the data model (see
:mod:`kneestudy.schemas.mapping` for the sections). :func:`table_mapping`
collects what applies to one table and :func:`apply_mapping` turns the table
as read into the data model's terms, in this order:

1. ``[wide.visits]``: a table with one row per participant is reshaped to one
   row per visit (each visit row keeps the line of the row it came from);
2. ``[columns.TABLE]``: their column names become ours;
3. value labels stored in SPSS and Stata files are applied to the columns the
   data model holds as text (a numeric column keeps its numbers);
4. ``[values.TABLE.COLUMN]``: their codes become our values (a code is looked
   up as stored, then by its label);
5. ``[weeks]``: visit or event names in ``week`` become weeks.

Validation then sees our names and values, and reports the rows by the lines
of the files. Every step is recorded in the notes (and so in the report);
nothing is dropped: codes not in a ``[values]`` table stay as they are and
fail validation if they are not valid values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.ingest.readers import RawTable, ReadOptions, text_values
from kneestudy.schemas.spec import TableSpec

__all__ = ["MappedTable", "TableMapping", "apply_mapping", "mapping_records", "table_mapping"]

_TEXT_KINDS = ("str", "category", "bool", "date")


@dataclass(frozen=True)
class TableMapping:
    """What the manifest maps for one table (empty parts map nothing)."""

    table: str
    columns: dict[str, str] = field(default_factory=dict)  # ours -> theirs
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # ours -> {theirs: ours}
    weeks: dict[str, float] = field(default_factory=dict)
    wide: dict[str, str] = field(default_factory=dict)  # ours -> "their_{week}"
    options: ReadOptions = field(default_factory=ReadOptions)

    def text_sources(self, spec: TableSpec) -> frozenset[str]:
        """Names in the file to read as text: columns the data model holds as
        text, and columns whose codes a ``[values]`` or ``[weeks]`` table maps."""
        theirs_of = dict(self.columns)
        names = set()
        for ours, cs in spec.columns.items():
            source = theirs_of.get(ours, ours)
            if cs.kind in _TEXT_KINDS or ours in self.values or (ours == "week" and self.weeks):
                names.add(source)
        return frozenset(names)


def table_mapping(manifest: Any, table: str) -> TableMapping:
    """The :class:`TableMapping` of ``table`` from a manifest (sheet from ``file.xlsx#Sheet``)."""
    from kneestudy.schemas.manifest import split_sheet

    if manifest is None:
        return TableMapping(table)
    fmt = dict(getattr(manifest, "format", {}).get(table, {}))
    _, sheet = split_sheet(str(manifest.tables.get(table, "")))
    options = ReadOptions(
        encoding=fmt.get("encoding"),
        delimiter=fmt.get("delimiter"),
        decimal=fmt.get("decimal", "."),
        thousands=fmt.get("thousands"),
        na_values=tuple(fmt["na_values"]) if "na_values" in fmt else None,
        sheet=sheet,
        date_format=fmt.get("date_format"),
        time_zone=fmt.get("time_zone"),
    )
    weeks = dict(manifest.weeks) if table in ("visits", "adverse_events") else {}
    return TableMapping(
        table=table,
        columns=dict(getattr(manifest, "columns", {}).get(table, {})),
        values={k: dict(v) for k, v in getattr(manifest, "values", {}).get(table, {}).items()},
        weeks=weeks,
        wide=dict(getattr(manifest, "wide", {}).get(table, {})),
        options=options,
    )


@dataclass
class MappedTable:
    """A table in the data model's terms, with what the mapping found."""

    raw: RawTable
    #: the table as read (their names, one row per record), for quarantine
    original: pd.DataFrame
    #: failures of the whole table: (column, rule, value, message)
    fatal: list[tuple[str | None, str, Any, str]] = field(default_factory=list)
    #: our column -> the file's column it came from
    sources: dict[str, str] = field(default_factory=dict)


def _text(v: Any) -> str | None:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float):
        if np.isnan(v):
            return None
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, (np.floating,)):
        return _text(float(v))
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    return str(v).strip()


def apply_mapping(raw: RawTable, mapping: TableMapping, spec: TableSpec, file: str) -> MappedTable:
    """Apply ``mapping`` to ``raw`` (see the module docstring); never raises for bad data."""
    result = MappedTable(raw=raw, original=raw.frame)
    if mapping.wide:
        raw = _reshape_wide(raw, mapping, file, result)
        if result.fatal:
            result.raw = raw
            return result
    raw = _rename(raw, mapping, spec, file, result)
    if result.fatal:
        result.raw = raw
        return result
    _labels_and_values(raw, mapping, spec, file, result)
    if mapping.weeks and "week" in raw.frame.columns:
        _week_names(raw, mapping, file)
    result.raw = raw
    return result


def _rename(
    raw: RawTable, mapping: TableMapping, spec: TableSpec, file: str, result: MappedTable
) -> RawTable:
    from kneestudy.schemas.mapping import suggest

    frame = raw.frame
    present = [str(c) for c in frame.columns]
    if not mapping.columns:
        return raw
    mapped_sources = set(mapping.columns.values())
    new_cols: dict[str, pd.Series] = {}
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    labels: dict[str, dict[str, str]] = {}
    for ours, theirs in mapping.columns.items():
        if theirs not in present:
            hint = suggest(theirs, [p for p in present if p not in spec.columns or p == ours])
            more = f"; did you mean '{hint[0]}'?" if hint else ""
            result.fatal.append(
                (
                    ours,
                    "mapped_column",
                    theirs,
                    f"[columns.{mapping.table}] maps {ours} to '{theirs}', which is not a column "
                    f"of {file}{more}",
                )
            )
            continue
        if ours in present and ours not in mapped_sources:
            result.fatal.append(
                (
                    ours,
                    "mapped_column",
                    theirs,
                    f"{file} has a column '{ours}' and [columns.{mapping.table}] maps '{theirs}' "
                    f"to {ours} as well; map one of them",
                )
            )
            continue
        new_cols[ours] = frame[theirs]
        if theirs in raw.codes:
            codes[ours] = raw.codes[theirs]
        if theirs in raw.labels:
            labels[ours] = raw.labels[theirs]
        result.sources[ours] = theirs
        raw.notes.append(
            (ours, f"{ours} read from the column '{theirs}' ([columns.{mapping.table}])")
        )
    if result.fatal:
        return raw
    out: dict[str, pd.Series] = {}
    targets: dict[str, list[str]] = {}
    for ours, theirs in mapping.columns.items():
        targets.setdefault(theirs, []).append(ours)
    for name in present:  # the file's order, each mapped column in its source's place
        if name in mapped_sources:
            for ours in targets[name]:
                out[ours] = new_cols[ours]
            continue
        out[name] = frame[name]
        if name in raw.codes:
            codes[name] = raw.codes[name]
        if name in raw.labels:
            labels[name] = raw.labels[name]
    renamed = pd.DataFrame(out, index=frame.index, copy=False)
    return replace(raw, frame=renamed, codes=codes, labels=labels)


def _labels_and_values(
    raw: RawTable, mapping: TableMapping, spec: TableSpec, file: str, result: MappedTable
) -> None:
    frame = raw.frame
    for col in list(frame.columns):
        cs = spec.columns.get(col)
        labels = raw.labels.get(col)
        vmap = mapping.values.get(col)
        text_kind = cs is not None and cs.kind in _TEXT_KINDS
        if labels and not text_kind and vmap is None:
            if cs is not None:
                shown = ", ".join(f"{k} = {v}" for k, v in list(labels.items())[:4])
                raw.notes.append(
                    (
                        col,
                        f"{col}: the file's value labels ({shown}) are not applied; "
                        "the numbers are kept",
                    )
                )
            continue
        if not labels and vmap is None:
            continue
        s = frame[col]
        if col in raw.codes:
            codes, uniques = raw.codes[col]
        else:
            codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
            uniques = np.asarray(uniques, dtype=object)
        texts = [_text(u) for u in uniques]
        new = np.empty(len(uniques), dtype=object)
        unmapped: dict[str, int] = {}
        used = np.bincount(codes[codes >= 0], minlength=len(uniques)) if len(codes) else []
        n_mapped = 0
        for i, t in enumerate(texts):
            if t is None:
                new[i] = None
                continue
            label = labels.get(t) if labels else None
            if vmap is not None and t in vmap:
                new[i] = vmap[t] or None
                n_mapped += int(used[i]) if len(used) else 0
            elif vmap is not None and label is not None and label.strip() in vmap:
                new[i] = vmap[label.strip()] or None
                n_mapped += int(used[i]) if len(used) else 0
            elif label is not None and (text_kind or cs is None):
                new[i] = label.strip()
            else:
                new[i] = t if text_kind or isinstance(uniques[i], str) else uniques[i]
                if vmap is not None and len(used) and used[i]:
                    unmapped[t] = int(used[i])
        joint, merged = pd.factorize(new, use_na_sentinel=True)
        new_codes = np.append(joint.astype(np.int64), -1)[codes]
        merged = np.asarray(merged, dtype=object)
        frame[col] = text_values(new_codes, merged) if len(merged) else s.where(s.isna(), None)
        if all(isinstance(m, str) for m in merged):
            raw.codes[col] = (new_codes, merged)
        else:
            raw.codes.pop(col, None)
        if labels and text_kind:
            raw.notes.append((col, f"{col}: the file's value labels applied"))
        if vmap is not None:
            note = f"{col}: {n_mapped} value(s) mapped by [values.{mapping.table}.{col}]"
            if unmapped:
                shown = ", ".join(f"'{k}' ({v} rows)" for k, v in list(unmapped.items())[:5])
                note += f"; codes not in that table, kept as read: {shown}"
            raw.notes.append((col, note))


def _week_names(raw: RawTable, mapping: TableMapping, file: str) -> None:
    """``[weeks]``: names in the week column become weeks; numbers stay as they are."""
    s = raw.frame["week"]
    if s.dtype != object:
        return
    codes, uniques = raw.codes.get("week") or pd.factorize(s.to_numpy(dtype=object))
    uniques = np.asarray(uniques, dtype=object)
    out = np.empty(len(uniques), dtype=object)
    unknown = []
    mapped = 0
    for i, u in enumerate(uniques):
        t = _text(u)
        if t is not None and t in mapping.weeks:
            out[i] = mapping.weeks[t]
            mapped += 1
        else:
            out[i] = u
            if t is not None and not re.fullmatch(r"[+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?", t):
                unknown.append(t)
    raw.frame["week"] = text_values(np.asarray(codes, dtype=np.int64), out)
    raw.codes.pop("week", None)
    if not mapped and not unknown:
        return  # weeks given as numbers: nothing to map
    note = f"week: {mapped} visit or event name(s) mapped by [weeks]"
    if unknown:
        note += f"; not in [weeks]: {', '.join(repr(u) for u in unknown[:8])}"
    raw.notes.append(("week", note))


def _wide_regex(pattern: str) -> re.Pattern[str]:
    before, after = pattern.split("{week}")
    return re.compile(f"^{re.escape(before)}(?P<week>.+?){re.escape(after)}$")


def _reshape_wide(raw: RawTable, mapping: TableMapping, file: str, result: MappedTable) -> RawTable:
    """One row per participant -> one row per participant and week."""
    from kneestudy.ingest.values import parse_numbers

    frame = raw.frame
    regexes = {ours: _wide_regex(p) for ours, p in mapping.wide.items()}
    cells: dict[float, dict[str, str]] = {}  # week -> ours -> their column
    keep: list[str] = []
    for col in map(str, frame.columns):
        hit = None
        for ours, rx in regexes.items():
            m = rx.match(col)
            if m:
                hit = (ours, m.group("week"))
                break
        if hit is None:
            keep.append(col)
            continue
        ours, token = hit
        if token in mapping.weeks:
            week = mapping.weeks[token]
        else:
            value, problem = parse_numbers(np.array([token], dtype=object))
            if problem[0] is not None or not np.isfinite(value[0]) or value[0] < 0:
                result.fatal.append(
                    (
                        ours,
                        "wide_week",
                        col,
                        f"column '{col}' matches [wide.visits] {ours} = '{mapping.wide[ours]}', "
                        f"but '{token}' is not a week (a number, or a name in [weeks])",
                    )
                )
                continue
            week = float(value[0])
        if ours in cells.setdefault(week, {}):
            result.fatal.append(
                (
                    ours,
                    "wide_week",
                    col,
                    f"columns '{cells[week][ours]}' and '{col}' are both {ours} at week {week:g}",
                )
            )
            continue
        cells[week][ours] = col
    if not cells and not result.fatal:
        shown = ", ".join(f"{o} = '{p}'" for o, p in mapping.wide.items())
        result.fatal.append(
            (None, "wide_week", None, f"no column of {file} matches [wide.visits] ({shown})")
        )
    if result.fatal:
        return raw
    weeks = sorted(cells)
    n = len(frame)
    measures = list(mapping.wide)
    parts_idx, parts_week, present = [], [], []
    for w in weeks:
        block = pd.DataFrame({o: frame[cells[w][o]] if o in cells[w] else None for o in measures})
        any_value = block.notna().any(axis=1).to_numpy()
        present.append(any_value)
        parts_idx.append(np.flatnonzero(any_value))
        parts_week.append(np.full(int(any_value.sum()), w))
    idx = np.concatenate(parts_idx) if parts_idx else np.zeros(0, np.int64)
    week_col = np.concatenate(parts_week) if parts_week else np.zeros(0)
    order = np.lexsort((week_col, idx))  # participant by participant, weeks in order
    idx, week_col = idx[order], week_col[order]
    out: dict[str, Any] = {c: frame[c].to_numpy()[idx] for c in keep}
    out["week"] = week_col
    for o in measures:
        stacked = np.empty(len(idx), dtype=object)
        for w in weeks:
            sel = week_col == w
            if o in cells[w]:
                stacked[sel] = frame[cells[w][o]].to_numpy(dtype=object)[idx[sel]]
            else:
                stacked[sel] = None
        out[o] = pd.Series(stacked, dtype=object).infer_objects()
    long = pd.DataFrame(
        {k: pd.Series(v) if not isinstance(v, pd.Series) else v for k, v in out.items()}
    )
    long.index = pd.RangeIndex(len(long))
    codes = {c: (raw.codes[c][0][idx], raw.codes[c][1]) for c in keep if c in raw.codes}
    empty = int(n * len(weeks) - len(idx))
    notes = list(raw.notes)
    notes.append(
        (
            "week",
            f"[wide.visits]: {n} row(s) x {len(weeks)} week(s) reshaped to {len(long)} visit "
            f"row(s); {empty} participant-week(s) with no value in any measure are not visits",
        )
    )
    result.original = long
    return RawTable(long, raw.rows[idx], raw.format, raw.unparsed, codes, dict(raw.labels), notes)


def mapping_records(manifest: Any) -> pd.DataFrame:
    """The mapping a manifest declares, one row per entry: table, kind, source, target.

    For the provenance section of a report (``kind`` is ``column``, ``value``,
    ``week``, ``wide`` or ``format``).
    """
    rows: list[dict[str, Any]] = []
    for table, pairs in (getattr(manifest, "columns", {}) or {}).items():
        rows += [
            {"table": table, "kind": "column", "source": t, "target": o} for o, t in pairs.items()
        ]
    for table, cols in (getattr(manifest, "values", {}) or {}).items():
        for col, pairs in cols.items():
            rows += [
                {
                    "table": table,
                    "kind": "value",
                    "source": f"{col}: {t}",
                    "target": o or "(missing)",
                }
                for t, o in pairs.items()
            ]
    for name, week in (getattr(manifest, "weeks", {}) or {}).items():
        rows.append({"table": "visits", "kind": "week", "source": name, "target": f"{week:g}"})
    for table, pats in (getattr(manifest, "wide", {}) or {}).items():
        rows += [
            {"table": table, "kind": "wide", "source": p, "target": o} for o, p in pats.items()
        ]
    for table, opts in (getattr(manifest, "format", {}) or {}).items():
        rows += [
            {"table": table, "kind": "format", "source": k, "target": str(v)}
            for k, v in opts.items()
        ]
    return pd.DataFrame(rows, columns=["table", "kind", "source", "target"])
