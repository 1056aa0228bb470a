"""The content model: display rules of columns, tables and figures, report numbering."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kneestudy.report import format as fmt
from kneestudy.report.content import (
    Column,
    Figure,
    Heading,
    NotApplicable,
    Paragraph,
    Report,
    Section,
    Table,
    slug,
)
from kneestudy.report.tables import columns_for, result_table


def test_display_formatting_rounds_only_for_display():
    assert fmt.number(-1.2345, 2) == "−1.23"
    assert fmt.number(-0.004, 2) == "0.00"  # no "−0.00"
    assert fmt.number(math.inf) == "∞" and fmt.number(-math.inf) == "−∞"
    assert fmt.number(math.nan) == fmt.number(None) == fmt.number(pd.NA) == "–"
    assert fmt.p_value(0.0004) == "<0.001" and fmt.p_value(0.9999) == ">0.999"
    assert fmt.p_value(0.04719) == "0.047"
    assert fmt.estimate_ci(-2.357, -2.787, -1.927, 1) == "−2.4 (−2.8 to −1.9)"
    assert fmt.estimate_ci(1.0, math.nan, math.nan) == "1.00"
    assert fmt.count_pct(37, 60) == "37 (61.7)" and fmt.count_pct(0, 0) == "0 (–)"
    assert fmt.weeks(12.0) == "12" and fmt.weeks(2.5) == "2.5"
    assert fmt.count(np.float64(57.0)) == "57"


def test_column_styles():
    row = {"e": -0.5, "lo": -0.9, "hi": -0.1, "k": 3, "n": 20, "p": 0.2, "code": "orthotics",
           "kind": "median_iqr", "a": 2.0, "b": 1.0, "c": 3.5, "log": math.log(2.0)}  # fmt: skip
    assert Column("e", "E", style="estimate_ci", fields=("e", "lo", "hi")).format(row) == (
        "−0.50 (−0.90 to −0.10)"
    )
    assert Column("k", "K", style="events", digits=0, fields=("k", "n")).format(row) == "3/20 (15%)"
    assert (
        Column("k", "K", style="count_pct", fields=("k", "n"), digits=1).format(row) == "3 (15.0)"
    )
    assert Column("k", "K", style="pair", fields=("k", "n")).format(row) == "3 / 20"
    assert Column("code", "C", style="label").format(row) == "Insoles / orthotics"
    assert (
        Column("a", "S", style="summary", digits=1, fields=("kind", "a", "b", "c")).format(row)
        == "2.0 [1.0, 3.5]"
    )
    assert Column("log", "Ratio", transform="exp").format(row) == "2.00"
    assert Column("missing", "M", style="count", missing="").format({"missing": None}) == ""
    assert Column("t", "T", style="text").format({"t": ""}) == ""  # empty on purpose
    with pytest.raises(ValueError, match="needs 3 fields"):
        Column("e", "E", style="estimate_ci", fields=("e",))
    with pytest.raises(ValueError, match="unknown style"):
        Column("e", "E", style="fancy")


def test_table_checks_its_columns_and_keeps_full_precision():
    data = pd.DataFrame({"arm": ["A"], "estimate": [1 / 3]})
    t = Table("t-1", "A vs B", data, (Column("arm", "Arm", style="text"), Column("estimate", "E")))
    assert t.rows()[0].cells == ("A", "0.33")
    assert t.to_frame()["estimate"].iloc[0] == 1 / 3  # never rounded
    assert list(t.display().columns) == ["Arm", "E"]
    with pytest.raises(ValueError, match=r"columns \['nope'\] are not in its data"):
        Table("t-2", "x", data, (Column("nope", "N"),))
    with pytest.raises(ValueError, match="is not"):
        Table("Bad Key", "x", data, (Column("arm", "Arm", style="text"),))


def test_result_table_vocabulary():
    frame = pd.DataFrame(
        {"treatment": ["glute_strengthening+quadriceps_strengthening"], "comparator": ["usual_care"],
         "week": [12.0], "estimate": [-2.3], "ci_low": [-2.8], "ci_high": [-1.9], "p_value": [1e-9],
         "rr": [1.3], "rr_ci_low": [1.1], "rr_ci_high": [1.5], "odds_ratio": [3.0],
         "or_ci_low": [2.0], "or_ci_high": [4.5], "extra_thing": [0.123456]}
    )  # fmt: skip
    t = result_table(frame, key="r", title="T")
    heads = [h.label for h in t.header()]
    assert heads == ["Treatment", "Comparator", "Week", "Estimate (95% CI)", "p",
                     "RR (95% CI)", "OR (95% CI)", "Extra thing"]  # fmt: skip
    cells = t.rows()[0].cells
    assert cells[0] == "Glute + quadriceps strengthening" and cells[1] == "Usual care"
    assert cells[4] == "<0.001" and cells[-1] == "0.12"
    exp = columns_for(pd.DataFrame({"estimate": [0.0], "ci_low": [-1.0], "ci_high": [1.0]}),
                      exp=["estimate"])  # fmt: skip
    assert exp[0].transform == "exp"
    with pytest.raises(TypeError, match="cannot make a table"):
        result_table(42)


def test_result_table_of_a_result_object():
    from kneestudy.meta import pool

    res = pool([-1.5, -0.9, -2.1], [0.2, 0.3, 0.25])
    t = result_table(res)
    assert t.to_frame()["estimate"].iloc[0] == res.estimate
    assert "Estimate (95% CI)" in [h.label for h in t.header()]


CALLS: list[str] = []


def _fig(name: str = "f-1") -> Figure:
    def draw(ax):
        CALLS.append(name)
        ax.plot([0, 1], [0, 1], label="($40) vs ($90)")
        ax.set_title("($40) vs ($90)")

    return Figure(name, "A figure", draw, (3.0, 2.0))


def test_figure_draws_once_for_svg_and_png_and_is_reproducible(tmp_path):
    CALLS.clear()
    f = _fig()
    f.render("svg", "png")
    assert CALLS == ["f-1"]
    svg, png = f.svg(), f.png()
    assert svg.startswith("<svg") and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert CALLS == ["f-1"]  # drawn once for both formats
    assert _fig().svg() == svg  # same drawing, same bytes
    paths = f.save(tmp_path)
    assert [p.name for p in paths] == ["f-1.svg", "f-1.png"]
    from PIL import Image

    with Image.open(paths[1]) as img:  # 3 x 2 inches at 300 dpi
        assert img.size == (900, 600)
        assert round(img.info["dpi"][0]) == 300


def test_figure_text_is_literal_not_mathtext():
    import re

    # matplotlib repeats each string in an SVG comment: look at the drawn text only
    drawn = re.sub(r"<!--.*?-->", "", _fig().svg(), flags=re.S)
    # mathtext would draw "40) vs (" in italics and drop the dollars
    assert "($40) vs ($90)" in drawn


def test_report_numbers_tables_and_figures_and_rejects_duplicates():
    data = pd.DataFrame({"a": [1.0]})
    t1 = Table("t1", "one", data, (Column("a", "A"),))
    t2 = Table("t2", "two", data, (Column("a", "A"),))
    f1 = _fig("f1")
    rep = Report("R", (Section("s", "S", (Heading("h", "h"), t1, f1, Paragraph("x"), t2)),))
    n = rep.numbers()
    assert (n[id(t1)], n[id(t2)], n[id(f1)]) == (1, 2, 1)
    assert rep.table("t2") is t2 and rep.section_ids == ("s",)
    with pytest.raises(ValueError, match="table 't1'"):
        Report("R", (Section("s", "S", (t1,)), Section("u", "U", (t1,))))
    with pytest.raises(KeyError):
        rep.section("nope")


def test_not_applicable_and_slug():
    assert NotApplicable("x", "y").text == "Not applicable to this design: x — y"
    assert NotApplicable("x", "y", scope="a single study").text.startswith(
        "Not applicable to a single study"
    )
    assert slug("Demo Glute+2025") == "demo-glute-2025" and slug("") == "x"
