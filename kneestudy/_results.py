"""Shared behaviour of result objects.

Every estimator returns a frozen dataclass deriving from :class:`Result`:
plain float attributes at full precision, ``to_frame()`` returning a tidy,
never-rounded DataFrame, ``to_dict()`` for JSON, and ``_repr_html_`` for
notebooks. Only display code (``_repr_html_``, ``__str__``, reports) rounds,
through :func:`format_number`.
"""

from __future__ import annotations

import dataclasses
import html
import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Result", "format_number", "frame_to_html", "to_jsonable"]


def format_number(x: Any, digits: int = 3) -> str:
    """Format a number for display only (never used on stored results)."""
    if x is None:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        if math.isnan(x):
            return "NA"
        if math.isinf(x):
            return "∞" if x > 0 else "−∞"
        if x != 0 and (abs(x) < 10 ** (-digits) or abs(x) >= 1e6):
            return f"{x:.{digits}g}"
        return f"{x:.{digits}f}"
    return str(x)


def frame_to_html(frame: pd.DataFrame, digits: int = 3, caption: str | None = None) -> str:
    """Render a DataFrame as an escaped HTML table, rounding for display only."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    idx_name = frame.index.name
    show_index = not isinstance(frame.index, pd.RangeIndex)
    if show_index:
        head = f"<th>{html.escape(str(idx_name or ''))}</th>" + head
    rows = []
    for idx, row in frame.iterrows():
        cells = "".join(f"<td>{html.escape(format_number(v, digits))}</td>" for v in row.to_numpy())
        if show_index:
            cells = f"<th>{html.escape(str(idx))}</th>" + cells
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<table class="kneestudy-result">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def to_jsonable(value: Any) -> Any:
    """Convert numpy / pandas values (recursively) to JSON-serialisable Python."""
    if isinstance(value, pd.DataFrame):
        return [
            {str(k): to_jsonable(v) for k, v in rec.items()}
            for rec in value.reset_index(drop=isinstance(value.index, pd.RangeIndex)).to_dict(
                orient="records"
            )
        ]
    if isinstance(value, pd.Series):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(
            value.to_dict() if hasattr(value, "to_dict") else dataclasses.asdict(value)
        )
    return value


class Result:
    """Mixin for frozen result dataclasses.

    Subclasses are ``@dataclass(frozen=True)``. Scalar fields (numbers,
    strings, booleans, None) make up the one-row :meth:`to_frame`; fields
    holding DataFrames are tables of their own. Subclasses with a natural
    multi-row table override :meth:`to_frame`.
    """

    #: Title shown above the HTML rendering.
    _title: str = "Result"

    def _scalar_items(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name.startswith("_"):
                continue
            v = getattr(self, f.name)
            if v is None or isinstance(v, (int, float, str, bool, np.number, np.bool_)):
                out[f.name] = v
        return out

    def to_frame(self) -> pd.DataFrame:
        """Tidy one-row DataFrame of the scalar attributes, at full precision."""
        return pd.DataFrame([self._scalar_items()])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary of every public attribute (tables as records)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name.startswith("_"):
                continue
            out[f.name] = to_jsonable(getattr(self, f.name))
        return out

    def _repr_html_(self) -> str:
        return f"<div><strong>{html.escape(self._title)}</strong>{frame_to_html(self.to_frame())}</div>"

    def __str__(self) -> str:
        frame = self.to_frame()
        with pd.option_context("display.precision", 4, "display.width", 120):
            return f"{self._title}\n{frame.to_string(index=not isinstance(frame.index, pd.RangeIndex))}"
