"""The Word report, opened again with python-docx and compared with the HTML report."""

from __future__ import annotations

import re

import pytest
from report_standins import install_fakes, make_study

import kneestudy.report as rep

docx = pytest.importorskip("docx")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One report of a two-cohort study, written as HTML and Word from one build."""
    out = tmp_path_factory.mktemp("docx")
    with pytest.MonkeyPatch.context() as mp:
        install_fakes(mp)
        res = rep.write(make_study(), html=out / "r.html", docx=out / "r.docx", date="2026-01-01")
    return res


def _html_tables(html: str) -> list[str]:
    return re.findall(r"<table class=\"data\">.*?</table>", html, flags=re.S)


def test_word_tables_are_native_and_match_the_html(written):
    report = written["report"]
    document = docx.Document(str(written["docx"]))
    html = written["html"].read_text(encoding="utf-8")
    assert len(document.tables) == len(report.tables()) == len(_html_tables(html))
    for word, table in zip(document.tables, report.tables(), strict=True):
        head = [c.text.split("\n")[0] for c in word.rows[0].cells]
        assert head == [h.label for h in table.header()]
        # the same rounded strings (Word's intervals hold no-break spaces: "lo to hi" stays whole)
        body = [[c.text.replace("\u00a0", " ") for c in row.cells] for row in word.rows[1:]]
        assert body == [list(r.cells) for r in table.rows()]


def test_word_has_every_section_caption_and_figure(written):
    report = written["report"]
    document = docx.Document(str(written["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert [h.replace(" (synthetic data)", "") for h in headings] == [
        s.title for s in report.sections
    ]
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    n_tab, n_fig = len(report.tables()), len(report.figures())
    assert sum(c.startswith("Table ") for c in captions) == n_tab
    assert sum(c.startswith("Figure ") for c in captions) == n_fig
    assert captions[0].startswith("Table 1. ")
    assert len(document.inline_shapes) == n_fig  # figures embedded as pictures
    assert document.core_properties.title == report.title


def test_wide_tables_go_on_landscape_pages(tmp_path):
    import pandas as pd
    from docx.enum.section import WD_ORIENT

    from kneestudy.report.content import Column, Paragraph, Report, Section, Table
    from kneestudy.report.docx import WIDE, render

    cols = [f"c{i}" for i in range(WIDE + 2)]
    wide = Table("wide", "Wide", pd.DataFrame([dict.fromkeys(cols, "x y z")]),
                 tuple(Column(c, c.upper(), style="text") for c in cols))  # fmt: skip
    narrow = Table(
        "narrow", "Narrow", pd.DataFrame({"a": ["x"]}), (Column("a", "A", style="text"),)
    )
    report = Report(
        "R", (Section("s", "S", (Paragraph("before"), wide, narrow, Paragraph("after"))),)
    )
    document = docx.Document(str(render(report, tmp_path / "w.docx")))
    orient = [s.orientation for s in document.sections]
    assert orient == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    land = document.sections[1]
    assert land.page_width > land.page_height
    # every table fits its page's text width
    for word, section in zip(document.tables, document.sections[1:], strict=True):
        text_width = section.page_width - section.left_margin - section.right_margin
        assert sum(c.width for c in word.columns) <= text_width


def test_write_docx_returns_the_path(tmp_path, monkeypatch):
    install_fakes(monkeypatch)
    from report_standins import make_cohort

    from kneestudy.ingest.model import Study

    out = rep.write_docx(
        Study(study_id="s", title="One", cohorts=[make_cohort()]), tmp_path / "a" / "one.docx"
    )
    assert out.is_file() and out.suffix == ".docx"
    assert docx.Document(str(out)).paragraphs[0].text == "One"


def test_a_few_columns_that_cannot_fit_also_go_landscape(tmp_path):
    import pandas as pd
    from docx.enum.section import WD_ORIENT

    from kneestudy.report.content import Column, Report, Section, Table
    from kneestudy.report.docx import render

    long = "a" * 64  # e.g. a SHA-256 checksum: one word that cannot wrap
    t = Table("hashes", "Hashes", pd.DataFrame({"f": [long], "g": [long], "h": [long]}),
              tuple(Column(c, c, style="text") for c in "fgh"))  # fmt: skip
    document = docx.Document(
        str(render(Report("R", (Section("s", "S", (t,)),)), tmp_path / "h.docx"))
    )
    assert [s.orientation for s in document.sections][:2] == [
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.LANDSCAPE,
    ]
