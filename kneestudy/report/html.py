"""The HTML renderer of the content model: one self-contained file.

Inline CSS and SVG, no JavaScript, no network fetch. Jinja2 renders every
block with autoescape on, so every string from the data is escaped; the only
markup let through is the SVG that matplotlib writes (it escapes its own
text). Figures are numbered and tables too, in reading order, the same
numbers as in the Word document.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from markupsafe import Markup

from kneestudy.report.content import Figure, Report, Table

__all__ = ["render", "table_html"]

_HERE = Path(__file__).parent / "templates"


@functools.cache
def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["id"] = id
    return env


def css() -> str:
    """The report's style sheet (inlined verbatim in every report)."""
    return (_HERE / "report.css").read_text(encoding="utf-8")


def _svg(fig: Figure) -> Markup:
    text = fig.svg()
    alt = fig.alt or fig.title
    from markupsafe import escape

    return Markup(text.replace("<svg ", f'<svg role="img" aria-label="{escape(alt)}" ', 1))


def render(report: Report) -> str:
    """The report as one HTML document."""
    return (
        _env()
        .get_template("report.html.j2")
        .render(report=report, css=css(), numbers=report.numbers(), svg=_svg)
    )


def table_html(table: Table, number: int | None = None) -> Markup:
    """One table as an HTML fragment (as in the report)."""
    module = _env().get_template("blocks.html.j2").module
    return Markup(module.table(table, number))
