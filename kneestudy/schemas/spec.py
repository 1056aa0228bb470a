"""Plain column specifications read off the pandera models.

:mod:`kneestudy.ingest` validates with vectorised code driven by these specs
rather than pandera's row-wise machinery, so the models stay the single
source of truth for types, ranges, allowed values and patterns.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

__all__ = ["ColumnSpec", "TableSpec", "table_spec"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a table: canonical kind and the checks on it.

    ``kind`` is one of ``str``, ``float``, ``int``, ``bool``, ``date``,
    ``category``; ``dtype`` the canonical pandas dtype after ingest.
    """

    name: str
    kind: str
    dtype: object
    nullable: bool
    required: bool
    unique: bool
    lower: float | None = None
    lower_strict: bool = False
    upper: float | None = None
    upper_strict: bool = False
    allowed: tuple | None = None
    pattern: str | None = None
    rules: tuple[str, ...] = ()
    description: str = ""

    @property
    def range_text(self) -> str:
        """The range as text, e.g. ``12 <= x <= 90`` or ``x > 0``."""
        parts = []
        if self.lower is not None:
            parts.append(f"{_num(self.lower)} {'<' if self.lower_strict else '<='} ")
        parts.append("x")
        if self.upper is not None:
            parts.append(f" {'<' if self.upper_strict else '<='} {_num(self.upper)}")
        return "".join(parts)


@dataclass(frozen=True)
class TableSpec:
    """A table: its columns in order and its compound unique keys."""

    name: str
    columns: dict[str, ColumnSpec]
    unique: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(n for n, c in self.columns.items() if c.required)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _kind(dtype: object) -> tuple[str, object]:
    text = str(dtype)
    if text == "str" or text == "object" or text == "string":
        return "str", object
    if text == "float64":
        return "float", "float64"
    if text == "Int64":
        return "int", "Int64"
    if text == "bool":
        return "bool", bool
    if text == "boolean":
        return "bool", "boolean"
    if text.startswith("datetime64"):
        return "date", "datetime64[ns]"
    if text == "category":
        return "category", "category"
    raise TypeError(f"unsupported schema dtype {text}")


@cache
def table_spec(name: str) -> TableSpec:
    """The :class:`TableSpec` of a table by name (``participants``, ``visits`` …)."""
    from kneestudy.schemas import SCHEMAS

    schema = SCHEMAS[name].to_schema()
    cols: dict[str, ColumnSpec] = {}
    for col_name, col in schema.columns.items():
        kind, dtype = _kind(col.dtype)
        kw: dict = {}
        for check in col.checks:
            st = check.statistics
            if check.name == "greater_than_or_equal_to":
                kw.update(lower=float(st["min_value"]))
            elif check.name == "greater_than":
                kw.update(lower=float(st["min_value"]), lower_strict=True)
            elif check.name == "less_than_or_equal_to":
                kw.update(upper=float(st["max_value"]))
            elif check.name == "less_than":
                kw.update(upper=float(st["max_value"]), upper_strict=True)
            elif check.name == "in_range":
                kw.update(lower=float(st["min_value"]), upper=float(st["max_value"]))
            elif check.name == "isin":
                kw.update(allowed=tuple(st["allowed_values"]))
            elif check.name == "str_matches":
                kw.update(pattern=str(st["pattern"]))
            else:  # pragma: no cover - a model change not mirrored here
                raise TypeError(f"check {check.name} of {name}.{col_name} is not supported")
        if kind == "category":
            dtype = pd.CategoricalDtype(list(kw["allowed"]), ordered=False)
        rules = tuple((col.metadata or {}).get("rules", ()))
        cols[col_name] = ColumnSpec(
            name=col_name,
            kind=kind,
            dtype=dtype,
            nullable=bool(col.nullable),
            required=bool(col.required),
            unique=bool(col.unique),
            rules=rules,
            description=col.description or "",
            **kw,
        )
    unique = tuple(schema.unique or ())
    return TableSpec(name=name, columns=cols, unique=unique)
