"""Checks of a manifest's mapping sections: a researcher's own files onto the data model.

A cohort's ``cohort.toml`` may say how its files differ from the data model;
ingest applies the mapping before validation, so validation sees our names
and values (:mod:`kneestudy.ingest.mapping`). The sections:

``[columns.TABLE]``
    our column = their column (``pain = "VAS_worst"``). Two of our columns may
    come from one of theirs (``arm`` and ``intervention`` from one coded column).
``[values.TABLE.COLUMN]``
    their code = our value (``"1" = "female"``); ``""`` maps a code to missing
    (``"999" = ""``). Keys are compared with the cell as text (``1.0`` is ``"1"``).
``[weeks]``
    visit or event name = week (``"week_12_arm_1" = 12``), for the ``week`` column.
``[wide.visits]``
    our column = their column pattern with ``{week}`` (``pain = "pain_w{week}"``):
    a table with one row per participant, reshaped to one row per visit.
``[format.TABLE]``
    how the file is written: ``encoding``, ``delimiter``, ``decimal``,
    ``thousands``, ``date_format``, ``time_zone = "utc"`` and ``na_values``.

Each check appends failures (field path, rule, value, message) to the
manifest checker; nothing here raises for bad content.
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "DATE_DIRECTIVES",
    "DECIMALS",
    "DELIMITERS",
    "FORMAT_KEYS",
    "THOUSANDS",
    "check_columns",
    "check_format",
    "check_values",
    "check_weeks",
    "check_wide",
    "suggest",
]

#: Keys of a ``[format.TABLE]`` section.
FORMAT_KEYS = (
    "encoding",
    "delimiter",
    "decimal",
    "thousands",
    "date_format",
    "time_zone",
    "na_values",
)
DELIMITERS = (",", ";", "\t", "|")
DECIMALS = (".", ",")
THOUSANDS = (",", ".", " ", "'", "_", "\u00a0", "\u202f")
#: strftime directives a declared ``date_format`` may use (no time zones: see ``time_zone``).
DATE_DIRECTIVES = frozenset("dmYybBHMSfpIjaA%")
_TABLES = ("participants", "visits", "adverse_events", "events")


def suggest(name: str, choices: Any, n: int = 1) -> list[str]:
    """Close matches of ``name`` among ``choices``: same text up to case and
    surrounding whitespace first, then close spelling (``difflib``)."""
    import difflib

    choices = [str(c) for c in choices]
    key = str(name).strip().lower()
    same = [c for c in choices if c.strip().lower() == key and c != name]
    if same:
        return same[:n]
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(key, list(lowered), n=n, cutoff=0.75)
    return [lowered[c] for c in close]


def _did_you_mean(name: str, choices: Any) -> str:
    hit = suggest(name, choices)
    return f"; did you mean '{hit[0]}'?" if hit else ""


def _columns_of(table: str) -> list[str]:
    from kneestudy.schemas.spec import table_spec

    return list(table_spec(table).columns)


def _table_key(c: Any, section: str, key: str) -> bool:
    if key in _TABLES:
        return True
    c.fail(
        f"{section}.{key}",
        "allowed_values",
        key,
        f"[{section}.{key}]: unknown table '{key}'{_did_you_mean(key, _TABLES)}; "
        f"tables: {', '.join(_TABLES)}",
    )
    return False


def _section(c: Any, name: str) -> Mapping[str, Any] | None:
    raw = c.get(name, False)
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        c.fail(name, "type", raw, f"'{name}' must be a table ([{name}.<table>] sections)")
        return None
    return raw


def check_columns(c: Any) -> dict[str, dict[str, str]]:
    """``[columns.TABLE]``: our column = their column name."""
    raw = _section(c, "columns")
    out: dict[str, dict[str, str]] = {}
    for table, pairs in (raw or {}).items():
        if not _table_key(c, "columns", table):
            continue
        if not isinstance(pairs, Mapping):
            c.fail(f"columns.{table}", "type", pairs, f'[columns.{table}] must be ours = "theirs"')
            continue
        ours_all = _columns_of(table)
        got: dict[str, str] = {}
        for ours, theirs in pairs.items():
            field = f"columns.{table}.{ours}"
            if ours not in ours_all:
                c.fail(
                    field,
                    "unknown_column",
                    ours,
                    f"[columns.{table}]: '{ours}' is not a column of {table}"
                    f"{_did_you_mean(ours, ours_all)} (the left side is our name, the right "
                    "side the column in your file)",
                )
            elif not isinstance(theirs, str) or not theirs.strip():
                c.fail(field, "type", theirs, f"{field} must name a column of your file (a string)")
            else:
                got[ours] = theirs
        out[table] = got
    return out


def _value_text(v: Any) -> str | None:
    """A TOML value as the text ingest compares (``true`` -> ``"true"``, ``2.0`` -> ``"2"``)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, str):
        return v
    return None


def check_values(c: Any) -> dict[str, dict[str, dict[str, str]]]:
    """``[values.TABLE.COLUMN]``: their code = our value ("" = missing)."""
    raw = _section(c, "values")
    out: dict[str, dict[str, dict[str, str]]] = {}
    for table, cols in (raw or {}).items():
        if not _table_key(c, "values", table):
            continue
        if not isinstance(cols, Mapping):
            c.fail(
                f"values.{table}", "type", cols, f"[values.{table}] needs [values.{table}.<column>]"
            )
            continue
        ours_all = _columns_of(table)
        out[table] = {}
        for col, pairs in cols.items():
            field = f"values.{table}.{col}"
            if col not in ours_all:
                c.fail(
                    field,
                    "unknown_column",
                    col,
                    f"[{field}]: '{col}' is not a column of {table}{_did_you_mean(col, ours_all)}",
                )
                continue
            if not isinstance(pairs, Mapping):
                c.fail(field, "type", pairs, f"[{field}] must be their code = our value")
                continue
            got: dict[str, str] = {}
            for theirs, ours in pairs.items():
                text = _value_text(ours)
                if text is None:
                    c.fail(
                        f"{field}.{theirs}",
                        "type",
                        ours,
                        f"{field}: the value for code '{theirs}' must be a string, number or "
                        'true/false ("" for missing)',
                    )
                else:
                    got[str(theirs).strip()] = text.strip()
            out[table][col] = got
    return out


def check_weeks(c: Any) -> dict[str, float]:
    """``[weeks]``: visit or event name = week (a finite number >= 0)."""
    raw = c.get("weeks", False)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        c.fail("weeks", "type", raw, "'weeks' must be a table of name = week")
        return {}
    out: dict[str, float] = {}
    for name, week in raw.items():
        field = f"weeks.{name}"
        if isinstance(week, bool) or not isinstance(week, (int, float)):
            c.fail(field, "type", week, f"week of '{name}' must be a number")
        elif not math.isfinite(week) or week < 0:
            c.fail(field, "in_range", week, f"week of '{name}' must be a finite number >= 0")
        else:
            out[str(name).strip()] = float(week)
    return out


def check_wide(c: Any, columns: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """``[wide.visits]``: our column = their column pattern holding ``{week}`` once."""
    raw = _section(c, "wide")
    out: dict[str, dict[str, str]] = {}
    for table, pats in (raw or {}).items():
        if table != "visits":
            c.fail(
                f"wide.{table}",
                "allowed_values",
                table,
                "only [wide.visits] is supported: visits are the table kept one row per visit",
            )
            continue
        if not isinstance(pats, Mapping) or not pats:
            c.fail("wide.visits", "type", pats, '[wide.visits] must be ours = "their_{week}"')
            continue
        ours_all = [x for x in _columns_of("visits") if x not in ("participant_id", "week")]
        got: dict[str, str] = {}
        for ours, pattern in pats.items():
            field = f"wide.visits.{ours}"
            if ours not in ours_all:
                c.fail(
                    field,
                    "unknown_column",
                    ours,
                    f"[wide.visits]: '{ours}' is not a visit measure{_did_you_mean(ours, ours_all)}; "
                    f"measures: {', '.join(ours_all)}",
                )
            elif not isinstance(pattern, str) or pattern.count("{week}") != 1:
                c.fail(
                    field,
                    "pattern",
                    pattern,
                    f'{field} must be a column name holding {{week}} once, e.g. "{ours}_w{{week}}"',
                )
            else:
                got[ours] = pattern
        if "week" in columns.get("visits", {}):
            c.fail(
                "columns.visits.week",
                "wide_week",
                columns["visits"]["week"],
                "with [wide.visits] the week comes from the column names ({week}); "
                "remove week from [columns.visits]",
            )
        out[table] = got
    return out


def check_format(c: Any, tables: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """``[format.TABLE]``: encoding, delimiter, decimal, thousands, date_format, time_zone, na_values."""
    raw = _section(c, "format")
    out: dict[str, dict[str, Any]] = {}
    for table, opts in (raw or {}).items():
        if not _table_key(c, "format", table):
            continue
        if not isinstance(opts, Mapping):
            c.fail(f"format.{table}", "type", opts, f"[format.{table}] must be a table of options")
            continue
        got: dict[str, Any] = {}
        for key, value in opts.items():
            field = f"format.{table}.{key}"
            ok = _format_option(c, field, key, value)
            if ok is not None:
                got[key] = ok
        file = str(tables.get(table, ""))
        tab_file = file.lower().removesuffix(".gz").endswith((".tsv", ".tab"))
        delim = got.get("delimiter", "\t" if tab_file else ",")
        if got.get("decimal") == "," and delim == ",":
            c.fail(
                f"format.{table}.decimal",
                "decimal_delimiter",
                ",",
                f"[format.{table}]: a decimal comma needs another column separator "
                '(delimiter = ";" or a TSV file)',
            )
        if "thousands" in got and got["thousands"] == got.get("decimal", "."):
            c.fail(
                f"format.{table}.thousands",
                "decimal_thousands",
                got["thousands"],
                f"[format.{table}]: thousands and decimal separators must differ",
            )
        out[table] = got
    return out


def _format_option(c: Any, field: str, key: str, value: Any) -> Any:
    """The checked value of one ``[format]`` option, or None after a failure."""
    if key not in FORMAT_KEYS:
        c.fail(
            field,
            "unknown_option",
            key,
            f"unknown option '{key}'{_did_you_mean(key, FORMAT_KEYS)}; options: "
            f"{', '.join(FORMAT_KEYS)}",
        )
        return None
    if key == "na_values":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            c.fail(field, "type", value, f"{field} must be an array of strings")
            return None
        return tuple(v.strip() for v in value)
    if not isinstance(value, str):
        c.fail(field, "type", value, f"{field} must be a string")
        return None
    if key == "encoding":
        try:
            codecs.lookup(value)
        except LookupError:
            c.fail(field, "encoding", value, f"{field}: unknown encoding '{value}'")
            return None
        return value
    choices = {"delimiter": DELIMITERS, "decimal": DECIMALS, "thousands": THOUSANDS}.get(key)
    if choices is not None:
        if value not in choices:
            shown = ", ".join(repr(x) for x in choices)
            c.fail(field, "allowed_values", value, f"{field} must be one of {shown}")
            return None
        return value
    if key == "time_zone":
        if value.strip().lower() != "utc":
            c.fail(
                field,
                "allowed_values",
                value,
                f'{field} must be "utc" (times with a zone are converted to UTC); without it '
                "a time zone in a date is a failure",
            )
            return None
        return "utc"
    # date_format
    directives = set(re.findall(r"%(.)", value))
    unknown = directives - DATE_DIRECTIVES
    has_day = "d" in directives or "j" in directives
    has_month = bool(directives & set("mbB")) or "j" in directives
    has_year = bool(directives & set("Yy"))
    if unknown:
        c.fail(
            field,
            "date_format",
            value,
            f"{field}: directive(s) {', '.join('%' + d for d in sorted(unknown))} not supported "
            '(time zones: use time_zone = "utc")',
        )
        return None
    if not (has_day and has_month and has_year):
        c.fail(
            field,
            "date_format",
            value,
            f"{field} must give day, month and year (e.g. %d/%m/%Y): a partial date is not a date",
        )
        return None
    return value
