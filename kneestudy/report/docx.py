"""The Word renderer of the content model (python-docx).

The document holds the same sections, tables and figures as the HTML report,
in the same order and with the same numbers: tables are native Word tables
(caption above, a header row repeated on each page, three horizontal rules as
journals set them, notes below), figures are embedded as 300 dpi PNG with
their caption below. Tables of more than seven columns, or whose columns do not
fit a portrait page, go on a landscape page.
Text is added as text, so nothing needs escaping. Column widths follow the
content: numbers stay on one line where they can, text wraps between words.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from kneestudy.report.content import Figure, Report, Table

__all__ = ["add_table", "new_document", "render"]

#: Tables with more columns than this are set on a landscape page (as are tables whose
#: columns cannot all get their least width on a portrait page).
WIDE = 7
_FONT_PT = 10
_TABLE_PT = 8.5
_NOTE_PT = 8


def new_document() -> Any:
    """An empty Word document with the report's page and text settings (A4, 2 cm margins)."""
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(_FONT_PT)
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Caption", "List Bullet"):
        style = doc.styles[name]
        style.font.name = FONT
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.append(fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), FONT)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(attr), None)
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.0))
    return doc


def _text_width(doc: Any) -> Any:
    s = doc.sections[-1]
    return s.page_width - s.left_margin - s.right_margin


def _border(element: Any, tag: str, edges: dict[str, int]) -> None:
    """Set single borders of size ``edges[edge]`` (eighths of a point) on a tblPr / tcPr."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    box = element.find(qn(tag))
    if box is None:
        box = OxmlElement(tag)
        element.append(box)
    for edge, size in edges.items():
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single" if size else "nil")
        if size:
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        box.append(el)


def _orient(doc: Any, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT, WD_SECTION

    current = doc.sections[-1]
    is_land = current.orientation == WD_ORIENT.LANDSCAPE
    if is_land == landscape:
        return
    new = doc.add_section(WD_SECTION.NEW_PAGE)
    new.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    w, h = current.page_width, current.page_height
    new.page_width, new.page_height = h, w


#: Widths of the table font's characters (points at 8.5 pt Arial, whose mean letter is
#: about 0.52 em and digits 0.556 em), a header's bold letters, and the cell's padding.
_TEXT_PT = 0.55 * _TABLE_PT
_BOLD_PT = 0.62 * _TABLE_PT
_DIGIT_PT = 0.53 * _TABLE_PT
_PAD_PT = 12.0
_EMU_PT = 12700
#: The document's typeface (Liberation Sans, metric-compatible, stands in for it on Linux).
FONT = "Arial"


def _needs(t: Table, rows: list[Any]) -> tuple[list[float], list[float]]:
    """Least and comfortable width (points) of each column.

    Least: a text column fits its longest word (the header's in bold); a number
    column fits each part of its cells on one line, an interval's "(lo to hi)"
    going under its estimate when it must. Comfortable: the longest cell on one
    line, up to 60 characters.
    """
    lo, hi = [], []
    for j, h in enumerate(t.header()):
        cells = [r.cells[j] for r in rows]
        head = max((len(w) * _BOLD_PT for w in f"{h.label} {h.unit}".split()), default=0.0)
        if h.numeric:
            parts = [p for c in cells for p in c.replace(" (", "\n(").split("\n")]
            body = max((len(p) * _DIGIT_PT for p in parts), default=0.0)
            full = max((len(c) * _DIGIT_PT for c in cells), default=0.0)
        else:
            body = max((len(w) * _TEXT_PT for c in cells for w in c.split()), default=0.0)
            full = max((min(len(c), 60) * _TEXT_PT for c in cells), default=0.0)
        lo.append(max(head, body) + _PAD_PT)
        hi.append(max(head, full) + _PAD_PT)
    return lo, hi


def _is_wide(t: Table, rows: list[Any], portrait_pt: float) -> bool:
    """Set on a landscape page: many columns, or columns that cannot get their least width."""
    lo, _ = _needs(t, rows)
    return len(t.columns) > WIDE or sum(lo) > portrait_pt


def _widths(t: Table, rows: list[Any], total: int) -> list[int]:
    """Column widths (EMU) within ``total``: every column its least width (:func:`_needs`),
    the rest shared in proportion to how much more each would take to be comfortable."""
    lo, hi = _needs(t, rows)
    lo_e = [x * _EMU_PT for x in lo]
    hi_e = [x * _EMU_PT for x in hi]
    if sum(hi_e) <= total:
        return [int(total * h / sum(hi_e)) for h in hi_e]
    if sum(lo_e) >= total:
        return [int(total * x / sum(lo_e)) for x in lo_e]
    spare = total - sum(lo_e)
    extra = [h - x for h, x in zip(hi_e, lo_e, strict=True)]
    return [int(x + spare * e / max(sum(extra), 1.0)) for x, e in zip(lo_e, extra, strict=True)]


def add_table(doc: Any, t: Table, number: int | None) -> Any:
    """Add table ``t`` (caption, native table, notes) to ``doc``; returns the Word table."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    head = t.header()
    rows = t.rows()
    wide = _is_wide(t, rows, _text_width(doc) / _EMU_PT)
    if wide:
        _orient(doc, True)
    cap = doc.add_paragraph(style="Caption")
    cap.paragraph_format.keep_with_next = True
    if number is not None:
        cap.add_run(f"Table {number}. ").bold = True
    cap.add_run(t.title)

    table = doc.add_table(rows=1 + len(rows), cols=len(head))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _border(table._tbl.tblPr, "w:tblBorders", {"top": 8, "bottom": 8, "left": 0, "right": 0,
                                               "insideH": 0, "insideV": 0})  # fmt: skip
    # Word stores widths in twips (635 EMU): round down so the columns never exceed the page
    widths = [w - w % 635 for w in _widths(t, rows, int(_text_width(doc)))]

    def fill(cell: Any, text: str, numeric: bool, bold: bool = False, indent: bool = False) -> None:
        p = cell.paragraphs[0]
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.space_before = Pt(0)
        if numeric:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if not bold:  # an interval breaks before its "(", never inside "lo to hi"
                text = text.replace(" to ", "\u00a0to\u00a0")
        if indent:
            p.paragraph_format.left_indent = Pt(10)
        lines = text.split("\n")
        for k, line in enumerate(lines):
            run = p.add_run(line)
            run.font.size = Pt(_TABLE_PT)
            run.bold = bold and k == 0
            if k < len(lines) - 1:
                run.add_break()

    hdr = table.rows[0]
    tr_pr = hdr._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for j, h in enumerate(head):
        cell = hdr.cells[j]
        fill(cell, h.label + (f"\n{h.unit}" if h.unit else ""), h.numeric, bold=True)
        _border(cell._tc.get_or_add_tcPr(), "w:tcBorders", {"bottom": 6})
    for i, r in enumerate(rows, start=1):
        cells = table.rows[i].cells
        for j, text in enumerate(r.cells):
            fill(cells[j], text, head[j].numeric, indent=r.indent and j == 0)
    for j, w in enumerate(widths):  # the grid (LibreOffice reads it) and every cell (Word)
        table.columns[j].width = w
        for row in table.rows:
            row.cells[j].width = w
    for note in t.caption_notes:
        p = doc.add_paragraph()
        p.paragraph_format.space_after = Pt(2)
        run = p.add_run(note)
        run.font.size = Pt(_NOTE_PT)
    if wide:
        _orient(doc, False)
    return table


def _add_figure(doc: Any, f: Figure, number: int | None, dpi: int = 300) -> None:
    from docx.shared import Emu, Inches, Pt

    width = min(Inches(f.size[0]), Emu(int(_text_width(doc))))
    doc.add_picture(io.BytesIO(f.png(dpi)), width=width)
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    cap = doc.add_paragraph(style="Caption")
    if number is not None:
        cap.add_run(f"Figure {number}. ").bold = True
    cap.add_run(" ".join([f.title, *f.notes]))
    cap.paragraph_format.space_after = Pt(10)


def _add_block(doc: Any, b: Any, numbers: dict[int, int], dpi: int = 300) -> None:
    from docx.shared import Pt, RGBColor

    kind = b.type
    if kind == "heading":
        doc.add_heading(b.text, level=2)
    elif kind == "paragraph":
        p = doc.add_paragraph()
        run = p.add_run(b.text)
        if b.style == "warning":
            run.bold = True
            run.font.color.rgb = RGBColor(0x8A, 0x4B, 0x00)
        elif b.style == "muted":
            run.italic = True
        elif b.style == "lead":
            run.font.size = Pt(_FONT_PT + 1)
    elif kind == "bullets":
        if b.title:
            doc.add_paragraph().add_run(b.title).bold = True
        for item in b.items:
            p = doc.add_paragraph(style="List Bullet")
            run = p.add_run(item)
            if b.style == "notes":
                run.font.size = Pt(_NOTE_PT + 1)
    elif kind == "facts":
        for k, v in b.items:
            p = doc.add_paragraph()
            p.paragraph_format.space_after = Pt(1)
            p.add_run(f"{k}: ").bold = True
            p.add_run(v)
    elif kind == "not_applicable":
        p = doc.add_paragraph()
        p.add_run(f"Not applicable to {b.scope}: ").bold = True
        p.add_run(f"{b.what} — {b.why}").italic = True
    elif kind == "problem":
        p = doc.add_paragraph()
        p.add_run(f"{b.what} could not be computed. ").bold = True
        p.add_run(b.message)
    elif kind == "table":
        add_table(doc, b, numbers.get(id(b)))
    elif kind == "figure":
        _add_figure(doc, b, numbers.get(id(b)), dpi)
    else:  # pragma: no cover - every block type of the content model is handled
        raise TypeError(f"no Word rendering for block type {kind!r}")


def render(report: Report, path: str | Path, *, dpi: int = 300) -> Path:
    """Write ``report`` as a Word document to ``path``; returns the path.

    Figures are embedded as PNG at ``dpi`` (300, print quality, by default).
    """
    from docx.shared import Pt

    doc = new_document()
    props = doc.core_properties
    props.title = report.title
    props.author = "kneestudy"
    props.comments = f"Written by kneestudy {report.version}. {report.date}".strip()
    doc.add_heading(report.title, level=0)
    if report.subtitle:
        doc.add_paragraph(report.subtitle)
    meta = doc.add_paragraph()
    run = meta.add_run(
        f"kneestudy report · runner's knee (patellofemoral pain) · kneestudy {report.version}"
        + (f" · {report.date}" if report.date else "")
    )
    run.font.size = Pt(_NOTE_PT + 1)
    run.italic = True
    numbers = report.numbers()
    for s in report.sections:
        title = s.title + (" (synthetic data)" if s.synthetic else "")
        doc.add_heading(title, level=1)
        for b in s.blocks:
            _add_block(doc, b, numbers, dpi)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out
