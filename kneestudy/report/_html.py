"""Small HTML helpers: every piece of text passes through :func:`esc`.

Section builders return :class:`markupsafe.Markup` built only from escaped
text, kneestudy's own tags and matplotlib's SVG (which escapes its text).
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
from markupsafe import Markup

from kneestudy._results import format_number

__all__ = ["esc", "figure_svg", "note", "para", "table", "error_box"]


def esc(text: Any) -> str:
    """Escape any value for HTML text or attribute content."""
    return html.escape(str(text), quote=True)


def para(text: str) -> Markup:
    return Markup(f"<p>{esc(text)}</p>")


def note(text: str, kind: str = "note") -> Markup:
    return Markup(f'<p class="{esc(kind)}">{esc(text)}</p>')


def error_box(what: str, exc: BaseException) -> Markup:
    """The message shown in place of an analysis that could not be done."""
    return Markup(
        f'<div class="analysis-error" role="note"><strong>{esc(what)} could not be '
        f"computed.</strong> {esc(exc)}</div>"
    )


#: Columns holding counts or weeks: whole numbers are shown without decimals.
_WHOLE = frozenset(
    {"week", "n", "n_treatment", "n_comparator", "participants", "studies", "rank", "at_risk",
     "events", "censored", "events_treatment", "events_comparator", "tau", "df_model"}
)  # fmt: skip


def _cell(v: Any, digits: int, column: str = "") -> str:
    if isinstance(v, float) and math.isnan(v):
        return "–"
    if v is None or v is pd.NA:
        return "–"
    if column in _WHOLE and isinstance(v, float) and v.is_integer():
        return esc(str(int(v)))
    return esc(format_number(v, digits))


def table(
    frame: pd.DataFrame,
    *,
    digits: int = 2,
    caption: str | None = None,
    columns: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    klass: str = "data",
) -> Markup:
    """An escaped HTML table (numbers rounded for display only)."""
    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    heads = list(headers) if headers is not None else [str(c) for c in frame.columns]
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in heads)
    body = []
    names = [str(c) for c in frame.columns]
    for row in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="num">{_cell(v, digits, c)}</td>'
            if isinstance(v, (int, float)) and not isinstance(v, bool)
            else f"<td>{_cell(v, digits, c)}</td>"
            for v, c in zip(row, names, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return Markup(
        f'<div class="table-wrap"><table class="{esc(klass)}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def items(entries: Iterable[str]) -> Markup:
    return Markup("<ul>" + "".join(f"<li>{esc(e)}</li>" for e in entries) + "</ul>")


#: Default figure margins (fractions of the figure).
MARGINS = {"left": 0.1, "right": 0.97, "top": 0.9, "bottom": 0.13}
#: Margins for plots whose y tick labels are long (idea or study names).
LABELLED = {"left": 0.3, "right": 0.95, "top": 0.88, "bottom": 0.14}
#: Margins for diagrams drawn without axes.
DIAGRAM = {"left": 0.01, "right": 0.99, "top": 0.92, "bottom": 0.01}

_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.S)


def figure_svg(
    draw: Callable[[Any], Any],
    figsize: tuple[float, float] = (7.0, 4.5),
    *,
    alt: str = "",
    margins: dict[str, float] | None = None,
) -> Markup:
    """Draw on a fresh matplotlib Figure and return it as inline SVG.

    The SVG is reproducible: ``svg.hashsalt`` is fixed and the date left out
    of the metadata, so the same data give the same bytes. Text stays text
    (``svg.fonttype = "none"``), which keeps files small and searchable.
    ``draw`` receives the Axes. Margins are fixed (figure fractions, as
    ``Figure.subplots_adjust``) rather than solved by a layout engine, which
    would draw every figure twice.
    """
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(
        {
            "svg.hashsalt": "kneestudy",
            "svg.fonttype": "none",
            "font.family": "sans-serif",
            "font.size": 9,
            "axes.titlesize": 10,
        }
    ):
        fig = Figure(figsize=figsize)
        fig.subplots_adjust(**{**MARGINS, **(margins or {})})
        ax = fig.add_subplot()
        draw(ax)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "kneestudy"})
    svg = _XML_HEAD.sub("", buf.getvalue(), count=1)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{esc(alt)}" ', 1)
    return Markup(f'<figure class="plot">{svg}</figure>')
