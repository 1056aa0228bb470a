"""Tables and figures for manuscripts: LaTeX, Word, HTML, CSV; figure files."""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest

import kneestudy.report as rep
from kneestudy.report.content import Column, Figure, Report, Section, Table
from kneestudy.report.export import latex_escape, table_to_latex


def table() -> Table:
    data = pd.DataFrame(
        {
            "arm": ["Hip & knee_1 ($40)", "Usual care"],
            "level": [False, True],
            "estimate": [-2.3456, 1 / 3],
            "ci_low": [-2.9, 0.1],
            "ci_high": [-1.8, 0.5],
            "p_value": [0.0001, 0.2],
        }
    )
    return Table(
        "effects",
        "Pain at week 12: each arm vs usual care ≥ 2 points",
        data,
        (
            Column("arm", "Arm", style="text"),
            Column(
                "estimate",
                "Difference (95% CI)",
                unit="points, 0–10",
                style="estimate_ci",
                digits=1,
                fields=("estimate", "ci_low", "ci_high"),
            ),
            Column("p_value", "p", style="p"),
        ),  # fmt: skip
        direction="Negative differences favour the first arm.",
        notes=("ANCOVA; τ² and I² as reported.",),
        indent="level",
    )


def test_latex_is_escaped_booktabs_with_caption_and_notes():
    tex = table_to_latex(table())
    assert tex.startswith("\\begin{table}[htbp]") and tex.rstrip().endswith("\\end{table}")
    assert "\\begin{tabular}{lrr}" in tex and "\\toprule" in tex and "\\bottomrule" in tex
    assert "\\caption{Pain at week 12: each arm vs usual care $\\geq$ 2 points}" in tex
    assert "\\label{tab:effects}" in tex
    assert "Hip \\& knee\\_1 (\\$40)" in tex
    assert "$-$2.3 ($-$2.9 to $-$1.8)" in tex  # the Unicode minus written for pdflatex
    assert "points, 0--10" in tex  # the unit row
    assert "\\quad Usual care" in tex  # an indented row
    assert "$\\tau$\\textsuperscript{2}" in tex and "<0.001" in tex
    assert "Negative differences favour the first arm." in tex
    assert (
        latex_escape("50% of {x}~y^2\\")
        == r"50\% of \{x\}\textasciitilde{}y\textasciicircum{}2\textbackslash{}"
    )


def test_export_table_by_suffix(tmp_path):
    t = table()
    tex = rep.export_table(t, tmp_path / "t.tex")
    assert tex.read_text(encoding="utf-8") == t.to_latex()
    out = rep.export_table(t, tmp_path / "t.csv")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert float(rows[0]["estimate"]) == -2.3456 and float(rows[1]["estimate"]) == 1 / 3
    html = rep.export_table(t, tmp_path / "t.html").read_text(encoding="utf-8")
    assert "Hip &amp; knee_1 ($40)" in html and "<script" not in html
    import docx

    d = docx.Document(str(rep.export_table(t, tmp_path / "t.docx")))
    assert len(d.tables) == 1
    assert d.tables[0].rows[1].cells[1].text == "−2.3 (−2.9\u00a0to\u00a0−1.8)"
    with pytest.raises(ValueError, match="use .tex, .docx, .html or .csv"):
        rep.export_table(t, tmp_path / "t.pdf")


def test_export_of_a_result_object(tmp_path):
    from kneestudy.meta import pool

    res = pool([-1.5, -0.9, -2.1], [0.2, 0.3, 0.25], method="REML")
    tex = rep.export_table(res, tmp_path / "pool.tex", title="Pooled pain difference").read_text(
        encoding="utf-8"
    )
    assert "\\caption{Pooled pain difference}" in tex
    est = f"{res.estimate:.2f}".replace("-", "$-$")
    assert est in tex
    df = pd.read_csv(rep.export_table(res, tmp_path / "pool.csv"))
    assert df["estimate"].iloc[0] == pytest.approx(res.estimate, rel=1e-15)
    assert not math.isnan(df["se"].iloc[0])


def test_write_figures_names_and_index(tmp_path):
    def draw(ax):
        ax.plot([0, 1], [1, 0])

    figs = (
        Figure("a-flow", "Flow", draw, (2.0, 1.5)),
        Figure("b-curve", "Curve", draw, (2.0, 1.5)),
    )
    report = Report("R", (Section("s", "Section S", figs),))
    paths = rep.write_figures(report, tmp_path / "figs")
    assert sorted(p.name for p in paths) == [
        "a-flow.png",
        "a-flow.svg",
        "b-curve.png",
        "b-curve.svg",
    ]
    index = list(csv.DictReader((tmp_path / "figs" / "figures.csv").open(encoding="utf-8")))
    assert [(r["name"], r["figure"], r["section"], r["caption"]) for r in index] == [
        ("a-flow", "1", "Section S", "Flow"),
        ("b-curve", "2", "Section S", "Curve"),
    ]
    svg = (tmp_path / "figs" / "a-flow.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg
