"""Tables and figures for manuscripts: LaTeX, Word, HTML and CSV; SVG and PNG.

``export_table(obj, path)`` writes any result table (a result object, a
DataFrame or a report :class:`~kneestudy.report.content.Table`) in the format
the file suffix names:

=========  ===============================================================
``.tex``   a ``table`` float with ``booktabs`` rules, caption, label and
           notes (``\\usepackage{booktabs}``); text is escaped and the
           report's Unicode signs (−, ≥, ², τ …) are written as LaTeX
``.docx``  a Word document with the table as a real Word table (not a
           picture): caption, header row, three rules, notes
``.html``  the table as in the HTML report (escaped)
``.csv``   the data at full precision (``to_frame()``), never rounded
=========  ===============================================================

``write_figures(report, folder)`` writes every figure of a report as SVG and
300 dpi PNG under its stable name, with ``figures.csv`` listing name,
section and caption.

great_tables was considered for these exports and not used: Word output must
be native Word tables (python-docx makes them), and the LaTeX a journal
template takes is a plain booktabs tabular, which this module writes from the
same display rules as the report, so numbers read the same everywhere.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kneestudy.report.content import Report, Table
from kneestudy.report.tables import result_table

__all__ = ["export_table", "table_to_docx", "table_to_latex", "write_figures"]

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_UNICODE = {
    "\u2212": "$-$",
    "–": "--",
    "—": "---",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "±": r"$\pm$",
    "×": r"$\times$",
    "²": r"\textsuperscript{2}",
    "τ": r"$\tau$",
    "χ": r"$\chi$",
    "∞": r"$\infty$",
    "…": r"\ldots{}",
    "·": r"$\cdot$",
    "→": r"$\rightarrow$",
    "←": r"$\leftarrow$",
    "≈": r"$\approx$",
    "\u00a0": "~",
    "’": "'",
    "‘": "`",
    "“": "``",
    "”": "''",
}
_LATEX_RE = re.compile("|".join(re.escape(k) for k in (*_LATEX_SPECIAL, *_LATEX_UNICODE)))


def latex_escape(text: Any) -> str:
    """Escape LaTeX's special characters and spell the report's Unicode signs in LaTeX."""

    def sub(m: re.Match[str]) -> str:
        s = m.group(0)
        return _LATEX_SPECIAL.get(s) or _LATEX_UNICODE[s]

    return _LATEX_RE.sub(sub, str(text))


def _as_table(obj: Any, **kwargs: Any) -> Table:
    return obj if isinstance(obj, Table) else result_table(obj, **kwargs)


def table_to_latex(obj: Any, *, label: str | None = None, **kwargs: Any) -> str:
    """LaTeX of a table: ``table`` float, ``booktabs`` rules, caption, label, notes.

    ``obj`` is a report Table, a result or a DataFrame (``kwargs`` go to
    :func:`~kneestudy.report.tables.result_table`).
    """
    t = _as_table(obj, **kwargs)
    head = t.header()
    spec = "".join("r" if h.numeric else "l" for h in head)
    lines = [
        r"\begin{table}[htbp]",
        r"\centering",
        rf"\caption{{{latex_escape(t.title)}}}",
        rf"\label{{{label or 'tab:' + t.key}}}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(latex_escape(h.label) for h in head) + r" \\",
    ]
    if any(h.unit for h in head):
        lines.append(" & ".join(latex_escape(h.unit) for h in head) + r" \\")
    lines.append(r"\midrule")
    for row in t.rows():
        cells = [latex_escape(c) for c in row.cells]
        if row.indent and cells:
            cells[0] = r"\quad " + cells[0]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    notes = t.caption_notes
    if notes:
        lines.append(r"\par\smallskip")
        lines.append(
            r"\begin{minipage}{\linewidth}\footnotesize "
            + " ".join(latex_escape(n) for n in notes)
            + r"\end{minipage}"
        )
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def table_to_docx(obj: Any, path: str | Path | None = None, **kwargs: Any) -> Any:
    """A Word document holding one table (saved to ``path`` when given).

    Returns the ``docx.Document``. The table is a native Word table, styled
    as in the Word report (caption above, rules, notes below).
    """
    from kneestudy.report.docx import add_table, new_document

    t = _as_table(obj, **kwargs)
    doc = new_document()
    add_table(doc, t, None)
    if path is not None:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        doc.save(str(out))
    return doc


def export_table(obj: Any, path: str | Path, **kwargs: Any) -> Path:
    """Write a table to ``path`` in the format its suffix names (.tex, .docx, .html, .csv).

    Parameters
    ----------
    obj : Table, result object or DataFrame
    path : str or Path
    **kwargs
        For a result or DataFrame: ``key``, ``title``, ``direction``,
        ``notes``, ``digits``, … of :func:`~kneestudy.report.tables.result_table`.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import kneestudy as ks  # doctest: +SKIP
    >>> res = ks.effects.ancova(cohort, outcome="pain", week=12)  # doctest: +SKIP
    >>> ks.report.export_table(res, "ancova.tex", title="Pain at week 12")  # doctest: +SKIP
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".tex", ".docx", ".html", ".htm", ".csv"):
        raise ValueError(
            f"{out.name}: cannot tell the format from {suffix or 'no suffix'!r}; "
            "use .tex, .docx, .html or .csv"
        )
    t = _as_table(obj, **kwargs)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".tex":
        out.write_text(table_to_latex(t), encoding="utf-8")
    elif suffix == ".docx":
        table_to_docx(t, out)
    elif suffix in (".html", ".htm"):
        from kneestudy.report.html import css, table_html

        out.write_text(
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<style>{css()}</style></head><body>{table_html(t)}</body></html>\n",
            encoding="utf-8",
        )
    else:
        t.to_frame().to_csv(out, index=False, lineterminator="\n")
    return out


def write_figures(
    report: Report, folder: str | Path, formats: Sequence[str] = ("svg", "png"), dpi: int = 300
) -> list[Path]:
    """Every figure of ``report`` as ``<folder>/<name>.svg`` and ``.png`` (``dpi``).

    Also writes ``figures.csv`` (file name, section, caption) so the figures
    can be matched to the report. Returns the figure files written.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    index = []
    numbers = report.numbers()
    for section, block in report.blocks():
        if block.type != "figure":
            continue
        paths.extend(block.save(out, formats, dpi))
        index.append(
            {
                "name": block.name,
                "figure": numbers[id(block)],
                "section": section.title,
                "caption": block.title,
            }
        )
    with (out / "figures.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["name", "figure", "section", "caption"])
        writer.writeheader()
        writer.writerows(index)
    return paths
