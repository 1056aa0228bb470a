"""The content model of a report: sections made of blocks, shared by every renderer.

A :class:`Report` is a title and a sequence of :class:`Section` objects; a
section is a sequence of blocks:

=====================  ======================================================
:class:`Heading`       a sub-heading with a stable anchor
:class:`Paragraph`     plain text (``style``: body, lead, warning, muted)
:class:`Bullets`       a list of plain-text items (``style``: list, notes)
:class:`Table`         a DataFrame at full precision with its caption (what is
                       compared with what), the direction of benefit, column
                       labels and units, and display rules per column
:class:`Figure`        a matplotlib drawing with a stable file name, rendered
                       on demand as SVG (inline in HTML) and PNG (Word, files)
:class:`Facts`         label–value pairs (a definition list)
:class:`NotApplicable` one line: an analysis that does not apply to this design,
                       and why
:class:`Problem`       an analysis that applies but could not be done on these
                       data, and why
=====================  ======================================================

The HTML renderer (:mod:`kneestudy.report.html`) and the Word renderer
(:mod:`kneestudy.report.docx`) walk the same model, so both documents hold the
same sections, tables and figures in the same order and with the same
numbers. Blocks hold plain text only; renderers escape it. Numbers are
rounded by the :class:`Column` display rules (:mod:`kneestudy.report.format`),
never in ``Table.data``.

New content slots in by building blocks: a result table is
``Table(key, title, frame, columns)`` (or :func:`kneestudy.report.tables.result_table`
for any result object), a figure ``Figure(name, title, draw)`` where ``draw(ax)``
draws on a matplotlib Axes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from kneestudy.report import format as fmt

__all__ = [
    "Block",
    "Bullets",
    "Column",
    "Facts",
    "Figure",
    "Heading",
    "NotApplicable",
    "Paragraph",
    "Problem",
    "Report",
    "Section",
    "Table",
    "slug",
]

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_STYLES = frozenset(
    {"text", "label", "number", "count", "weeks", "p", "percent", "estimate_ci", "ci",
     "count_pct", "events", "summary", "pair"}
)  # fmt: skip
_COMBINED = {"estimate_ci": 3, "ci": 2, "count_pct": 2, "events": 2, "summary": 4, "pair": 2}


def slug(text: Any) -> str:
    """A stable file-name part: lower case, ``[a-z0-9._-]``, runs of others as ``-``."""
    out = re.sub(r"[^a-z0-9._-]+", "-", str(text).lower()).strip("-.")
    return out or "x"


# -- tables -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """How one displayed column of a :class:`Table` is labelled and formatted.

    Attributes
    ----------
    key : str
        Column of ``Table.data`` (the first source for combined styles).
    label : str
        Header text.
    unit : str
        Unit shown under the header ("points, 0–10", "weeks", "%").
    style : str
        ``text``; ``label`` (an intervention code shown by its label);
        ``number`` (``digits`` decimals); ``count``; ``weeks``; ``p`` (P value);
        ``percent`` (a proportion shown as a percentage); ``estimate_ci``
        (``fields`` = estimate, lower, upper: "e (lo to hi)"); ``ci`` (lower,
        upper); ``count_pct`` (k, n: "k (pct)"); ``events`` (k, n: "k/n (pct%)");
        ``pair`` (two counts: "a / b");
        ``summary`` (kind, a, b, c — a descriptive statistic whose kind varies
        by row: ``n``; ``mean_sd`` "a (b)"; ``median_iqr`` "a [b, c]"; ``n_pct``
        "a (100·a/b)"; ``header`` empty).
    digits : int
        Decimals of numbers.
    fields : tuple of str
        Source columns of combined styles (default: ``(key,)``).
    transform : {None, "exp"}
        ``exp``: the values are on the log scale and shown as ratios.
    missing : str
        Shown for a missing value (default an en dash; "" leaves the cell empty).
    """

    key: str
    label: str
    unit: str = ""
    style: str = "number"
    digits: int = 2
    fields: tuple[str, ...] = ()
    transform: str | None = None
    missing: str = fmt.MISSING

    def __post_init__(self) -> None:
        if self.style not in _STYLES:
            raise ValueError(f"column {self.key!r}: unknown style {self.style!r}")
        need = _COMBINED.get(self.style)
        if need is not None and len(self.sources) != need:
            raise ValueError(
                f"column {self.key!r}: style {self.style!r} needs {need} fields, "
                f"got {list(self.sources)}"
            )
        if self.transform not in (None, "exp"):
            raise ValueError(f"column {self.key!r}: unknown transform {self.transform!r}")

    @property
    def sources(self) -> tuple[str, ...]:
        """The columns of the data this column reads."""
        return self.fields or (self.key,)

    @property
    def numeric(self) -> bool:
        """Right-aligned (numbers) rather than left-aligned (text)."""
        return self.style not in ("text", "label")

    def _value(self, v: Any) -> Any:
        if self.transform == "exp" and not fmt.is_missing(v):
            import math

            try:
                return math.exp(float(v))
            except OverflowError:
                return float("inf")
        return v

    def format(self, row: Mapping[str, Any]) -> str:
        """The display text of this column for one row of the data."""
        text = self._format(row)
        return self.missing if text == fmt.MISSING else text

    def _format(self, row: Mapping[str, Any]) -> str:
        vals = [self._value(row.get(s)) for s in self.sources]
        s, d = self.style, self.digits
        if s == "text":
            v = vals[0]
            if isinstance(v, str):
                return v
            return fmt.MISSING if fmt.is_missing(v) else str(v)
        if s == "label":
            from kneestudy.plots.labels import intervention_label

            return fmt.MISSING if fmt.is_missing(vals[0]) else intervention_label(vals[0])
        if s == "number":
            return fmt.number(vals[0], d)
        if s == "count":
            return fmt.count(vals[0])
        if s == "weeks":
            return fmt.weeks(vals[0])
        if s == "p":
            return fmt.p_value(vals[0])
        if s == "percent":
            return fmt.percent(vals[0], d)
        if s == "estimate_ci":
            return fmt.estimate_ci(*vals, digits=d)
        if s == "ci":
            return fmt.ci(*vals, digits=d)
        if s == "count_pct":
            return fmt.count_pct(*vals, digits=d)
        if s == "pair":
            return f"{fmt.count(vals[0])} / {fmt.count(vals[1])}"
        if s == "summary":
            kind, a, b, c = vals
            if kind == "n":
                return fmt.count(a)
            if kind == "mean_sd":
                return (
                    fmt.MISSING if fmt.is_missing(a) else f"{fmt.number(a, d)} ({fmt.number(b, d)})"
                )
            if kind == "median_iqr":
                if fmt.is_missing(a):
                    return fmt.MISSING
                return f"{fmt.number(a, d)} [{fmt.number(b, d)}, {fmt.number(c, d)}]"
            if kind == "n_pct":
                return fmt.count_pct(a, b, d)
            return ""
        k, n = vals  # events
        if fmt.is_missing(k) or fmt.is_missing(n):
            return fmt.MISSING
        pct = fmt.number(100 * float(k) / float(n), d) if float(n) else fmt.MISSING
        return f"{fmt.count(k)}/{fmt.count(n)} ({pct}%)"


@dataclass(frozen=True)
class HeaderCell:
    label: str
    unit: str
    numeric: bool


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    indent: bool = False


@dataclass(frozen=True, eq=False)
class Table:
    """A table of a report: data at full precision and how to show it.

    Attributes
    ----------
    key : str
        Stable identifier (``[a-z0-9._-]``), unique in a report; the file name
        when tables are exported.
    title : str
        The caption: what is compared with what, at which time.
    data : DataFrame
        The numbers, never rounded (``to_frame()`` returns a copy).
    columns : tuple of Column
        Displayed columns, in order.
    direction : str
        Which direction is better ("Negative differences favour the first arm
        (less pain)"); shown under the table.
    notes : tuple of str
        Abbreviations, methods and caveats, shown under the table.
    indent : str, optional
        A boolean column of ``data``: rows that are levels of the row above
        (categories of a baseline characteristic).
    """

    key: str
    title: str
    data: pd.DataFrame
    columns: tuple[Column, ...]
    direction: str = ""
    notes: tuple[str, ...] = ()
    indent: str | None = None
    type: ClassVar[str] = "table"

    def __post_init__(self) -> None:
        problems = []
        if not _NAME.match(self.key):
            problems.append(f"key {self.key!r} is not [a-z0-9._-]")
        need = {s for c in self.columns for s in c.sources}
        if self.indent:
            need.add(self.indent)
        missing = sorted(need - {str(c) for c in self.data.columns})
        if missing:
            problems.append(f"columns {missing} are not in its data")
        if not self.columns:
            problems.append("no columns to show")
        if problems:
            raise ValueError(f"table {self.key!r}: " + "; ".join(problems))

    def header(self) -> list[HeaderCell]:
        """Header cells: label, unit and alignment of each displayed column."""
        return [HeaderCell(c.label, c.unit, c.numeric) for c in self.columns]

    def rows(self) -> list[Row]:
        """Every row as display strings (rounded here, for display only)."""
        out = []
        for rec in self.data.to_dict(orient="records"):
            cells = tuple(c.format(rec) for c in self.columns)
            indent = bool(rec.get(self.indent)) if self.indent else False
            out.append(Row(cells, indent))
        return out

    @property
    def caption_notes(self) -> list[str]:
        """The direction line and the notes, in the order shown under the table."""
        return [t for t in (self.direction, *self.notes) if t]

    def display(self) -> pd.DataFrame:
        """The table as shown: string cells, headers with their units."""
        heads = [f"{h.label} ({h.unit})" if h.unit else h.label for h in self.header()]
        return pd.DataFrame([list(r.cells) for r in self.rows()], columns=heads)

    def to_frame(self) -> pd.DataFrame:
        """The data at full precision (a copy)."""
        return self.data.copy()

    def to_latex(self, *, label: str | None = None) -> str:
        """LaTeX (booktabs) of the table with its caption and notes."""
        from kneestudy.report.export import table_to_latex

        return table_to_latex(self, label=label)

    def to_docx(self, path: str | Path | None = None) -> Any:
        """A Word document holding this table (saved to ``path`` when given)."""
        from kneestudy.report.export import table_to_docx

        return table_to_docx(self, path)

    def to_html(self) -> str:
        """The table as an HTML fragment (escaped; the report's CSS classes)."""
        from kneestudy.report.html import table_html

        return str(table_html(self))

    def _repr_html_(self) -> str:
        return self.to_html()


# -- figures ------------------------------------------------------------------

#: Default figure margins (fractions of the figure, as Figure.subplots_adjust).
MARGINS: dict[str, float] = {"left": 0.1, "right": 0.97, "top": 0.9, "bottom": 0.13}
#: Margins for plots whose y tick labels are long (idea or study names).
LABELLED: dict[str, float] = {"left": 0.3, "right": 0.95, "top": 0.88, "bottom": 0.14}
#: Margins for diagrams drawn without axes.
DIAGRAM: dict[str, float] = {"left": 0.01, "right": 0.99, "top": 0.92, "bottom": 0.01}

_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.S)
#: matplotlib settings of every report figure: reproducible SVG, text kept as
#: text, no mathtext (labels are drawn as typed).
RC: dict[str, Any] = {
    "svg.hashsalt": "kneestudy",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.titlesize": 10,
    "text.parse_math": False,
}


@dataclass(frozen=True, eq=False)
class Figure:
    """A figure of a report, drawn on demand.

    Attributes
    ----------
    name : str
        Stable file name without suffix (``[a-z0-9._-]``), unique in a report:
        ``--figures DIR`` writes ``DIR/<name>.svg`` and ``DIR/<name>.png``.
    title : str
        The caption.
    draw : callable(ax)
        Draws on a matplotlib Axes (kneestudy.plots functions take ``ax``).
    size : (width, height)
        Inches.
    alt : str
        Text alternative for screen readers (default: the title).
    margins : mapping, optional
        Figure-fraction margins (``left``, ``right``, ``top``, ``bottom``).
    notes : tuple of str
        Shown under the caption.
    """

    name: str
    title: str
    draw: Callable[[Any], Any]
    size: tuple[float, float] = (7.0, 4.5)
    alt: str = ""
    margins: Mapping[str, float] | None = None
    notes: tuple[str, ...] = ()
    type: ClassVar[str] = "figure"
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"figure name {self.name!r} is not [a-z0-9._-]")

    def render(self, *formats: str, dpi: int = 300) -> None:
        """Draw once and keep the requested formats (``svg``, ``png``)."""
        want = [f for f in formats if (f if f == "svg" else f"png{dpi}") not in self._cache]
        if not want:
            return
        import matplotlib
        from matplotlib.figure import Figure as MplFigure

        with matplotlib.rc_context(RC):
            fig = MplFigure(figsize=self.size)
            fig.subplots_adjust(**{**MARGINS, **dict(self.margins or {})})
            self.draw(fig.add_subplot())
            for f in want:
                if f == "svg":
                    buf = io.StringIO()
                    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "kneestudy"})
                    self._cache["svg"] = _XML_HEAD.sub("", buf.getvalue(), count=1)
                elif f == "png":
                    raw = io.BytesIO()
                    fig.savefig(raw, format="png", dpi=dpi, metadata={"Software": "kneestudy"})
                    self._cache[f"png{dpi}"] = raw.getvalue()
                else:
                    raise ValueError(f"figure format {f!r}: use 'svg' or 'png'")

    def svg(self) -> str:
        """The figure as an ``<svg>`` element (no XML header)."""
        self.render("svg")
        return self._cache["svg"]

    def png(self, dpi: int = 300) -> bytes:
        """The figure as PNG bytes at ``dpi``."""
        self.render("png", dpi=dpi)
        return self._cache[f"png{dpi}"]

    def save(
        self, folder: str | Path, formats: Sequence[str] = ("svg", "png"), dpi: int = 300
    ) -> list[Path]:
        """Write ``<folder>/<name>.<format>`` for each format; returns the paths."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        self.render(*formats, dpi=dpi)
        paths = []
        for f in formats:
            p = out / f"{self.name}.{f}"
            if f == "svg":
                p.write_text(
                    '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + self.svg(),
                    encoding="utf-8",
                )
            else:
                p.write_bytes(self.png(dpi))
            paths.append(p)
        return paths


# -- text blocks --------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A sub-heading of a section; ``id`` is its anchor."""

    text: str
    id: str
    type: ClassVar[str] = "heading"


@dataclass(frozen=True)
class Paragraph:
    """Plain text. ``style``: body, lead (the answer first), warning, muted."""

    text: str
    style: str = "body"
    type: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class Bullets:
    """A list of plain-text items, with an optional title. ``style``: list, notes."""

    items: tuple[str, ...]
    title: str = ""
    style: str = "list"
    type: ClassVar[str] = "bullets"


@dataclass(frozen=True)
class Facts:
    """Label–value pairs (design, source, command, …)."""

    items: tuple[tuple[str, str], ...]
    type: ClassVar[str] = "facts"


@dataclass(frozen=True)
class NotApplicable:
    """An analysis that does not apply to this design: one line saying why."""

    what: str
    why: str
    scope: str = "this design"
    type: ClassVar[str] = "not_applicable"

    @property
    def text(self) -> str:
        return f"Not applicable to {self.scope}: {self.what} — {self.why}"


@dataclass(frozen=True)
class Problem:
    """An analysis that applies but could not be done on these data."""

    what: str
    message: str
    type: ClassVar[str] = "problem"

    @property
    def text(self) -> str:
        return f"{self.what} could not be computed. {self.message}"


Block = Heading | Paragraph | Bullets | Facts | Table | Figure | NotApplicable | Problem


# -- sections and the report --------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A top-level section: ``id`` is its anchor, ``synthetic`` marks simulated data."""

    id: str
    title: str
    blocks: tuple[Any, ...]
    synthetic: bool = False
    kind: str = ""


@dataclass(frozen=True, eq=False)
class Report:
    """A whole report: title, sections, and what produced it.

    Tables and figures are numbered in reading order (:meth:`numbers`), the
    same in every renderer.
    """

    title: str
    sections: tuple[Section, ...]
    subtitle: str = ""
    synthetic: bool = False
    version: str = ""
    date: str = ""

    def __post_init__(self) -> None:
        seen: dict[str, set[str]] = {"table": set(), "figure": set(), "section": set()}
        dup = []
        for s in self.sections:
            if s.id in seen["section"]:
                dup.append(f"section {s.id!r}")
            seen["section"].add(s.id)
            for b in s.blocks:
                if b.type in ("table", "figure"):
                    key = b.key if b.type == "table" else b.name
                    if key in seen[b.type]:
                        dup.append(f"{b.type} {key!r}")
                    seen[b.type].add(key)
        if dup:
            raise ValueError("names used twice in the report: " + ", ".join(dup))

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sections)

    def section(self, id: str) -> Section:
        for s in self.sections:
            if s.id == id:
                return s
        raise KeyError(f"no section {id!r}; sections: {list(self.section_ids)}")

    def blocks(self) -> Iterator[tuple[Section, Any]]:
        for s in self.sections:
            for b in s.blocks:
                yield s, b

    def tables(self) -> list[Table]:
        """Every table, in reading order."""
        return [b for _, b in self.blocks() if b.type == "table"]

    def figures(self) -> list[Figure]:
        """Every figure, in reading order."""
        return [b for _, b in self.blocks() if b.type == "figure"]

    def table(self, key: str) -> Table:
        for t in self.tables():
            if t.key == key:
                return t
        raise KeyError(f"no table {key!r}; tables: {[t.key for t in self.tables()]}")

    def numbers(self) -> dict[int, int]:
        """``id(block) -> number`` of every table and figure (each counted on its own)."""
        out: dict[int, int] = {}
        n = {"table": 0, "figure": 0}
        for _, b in self.blocks():
            if b.type in n:
                n[b.type] += 1
                out[id(b)] = n[b.type]
        return out
