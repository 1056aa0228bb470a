"""The reports checked as a person would see them.

Six reports — the demo study, one trial, a single-arm cohort, a crossover,
a study of published rows only, and the evidence report of the published
trials (the demo, the published rows and the evidence report with their
planning sections) — are opened in headless Chromium at 1280 px, every
folded table unfolded: the page never scrolls sideways, no table or figure
is wider than its column, the console shows no error, every section and
table is there. The Word documents of the demo and of the evidence report
are opened again with python-docx (their tables counted against the HTML's,
their links kept) and converted to
PDF by LibreOffice, whose page count must be plausible.

The reports carry no JavaScript; to measure the layout the test loads a
copy with one measuring script appended.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from report_standins import crossover_study, literature_study, one_trial_study, single_arm_study

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
WIDTH = 1280

#: Appended to a copy of the report: measures the laid-out page and writes the
#: result into the DOM, where --dump-dom returns it.
MEASURE = """<script>
(function () {
  document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  const de = document.documentElement;
  const out = {client: de.clientWidth, scroll: de.scrollWidth, wide: []};
  document.querySelectorAll(".table-wrap, figure, table, svg, p, dl, ul, h1, h2, h3, nav")
    .forEach(function (el) {
      const r = el.getBoundingClientRect();
      if (el.scrollWidth > el.clientWidth + 1 || r.right > de.clientWidth + 1) {
        out.wide.push([el.tagName, el.id || el.className, el.scrollWidth, el.clientWidth,
                       Math.round(r.right)]);
      }
    });
  document.body.setAttribute("data-measure", JSON.stringify(out));
})();
</script>"""


def demo_study():
    import kneestudy as ks

    return ks.datasets.demo_study()


def evidence_report():
    import kneestudy as ks

    return ks.report.build_evidence(command="test", planning=True)


#: What each report is made of: a study, or (the evidence report) a report already built.
STUDIES = {
    "demo": demo_study,
    "one-trial": one_trial_study,
    "single-arm": single_arm_study,
    "crossover": crossover_study,
    "published": literature_study,
    "evidence": evidence_report,
}
#: The reports built with a planning section (as ``kneestudy demo`` and ``make report`` do).
PLANNING = {"demo": True, "published": True, "evidence": True}


def chromium(*args: str, profile: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    if CHROMIUM is None:
        pytest.skip("no chromium binary on PATH (make test installs Debian's chromium)")
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def console_errors(stderr: str) -> list[str]:
    """Console messages and uncaught errors of the page from Chromium's stderr log."""
    return [ln for ln in stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """``reports(name) -> (name, Report, HTML path)``, each report built once per module."""
    import kneestudy.report as rep

    done: dict[str, tuple] = {}

    def get(name: str) -> tuple:
        if name not in done:
            folder = tmp_path_factory.mktemp(name)
            out = rep.write(STUDIES[name](), html=folder / "report.html", command="test",
                            planning=PLANNING.get(name))  # fmt: skip
            done[name] = (name, out["report"], out["html"])
        return done[name]

    return get


@pytest.fixture(params=list(STUDIES))
def built(request, reports):
    """(name, Report, HTML path) of each of the five reports."""
    if CHROMIUM is None:
        pytest.skip("no chromium binary on PATH (make test installs Debian's chromium)")
    return reports(request.param)


def test_page_fits_1280_px_every_section_no_console_error(built, tmp_path):
    name, report, html = built
    text = html.read_text(encoding="utf-8")
    assert "<script" not in text
    page = tmp_path / "measured.html"
    page.write_text(text.replace("</body>", MEASURE + "\n</body>"), encoding="utf-8")
    proc = chromium(f"--window-size={WIDTH},900", "--dump-dom", page.as_uri(),
                    profile=tmp_path / "profile")  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    found = re.search(r'data-measure="([^"]*)"', dom)
    assert found, "the measuring script did not run"
    m = json.loads(found.group(1).replace("&quot;", '"'))
    assert m["client"] == WIDTH
    assert m["scroll"] <= m["client"], f"{name}: the page scrolls sideways ({m['scroll']} px)"
    assert m["wide"] == [], f"{name}: elements wider than their box: {m['wide'][:5]}"
    ids = re.findall(r'<section id="([^"]+)"', dom)
    assert tuple(ids) == report.section_ids
    assert dom.count('<table class="data">') == len(report.tables())
    assert dom.count('<figure class="plot"') == len(report.figures())
    assert console_errors(proc.stderr) == []
    # every link of the page goes to a web address or to an anchor of the page itself
    anchors = set(re.findall(r'\bid="([^"]+)"', dom))
    for href in re.findall(r'<a href="([^"]+)"', dom):
        assert href.startswith("https://") or href[1:] in anchors, href


def test_each_report_answers_first(built):
    name, report, _ = built
    summary = report.section("summary")
    kinds = [b.type for b in summary.blocks]
    if name in ("demo", "published"):
        # several sources: the comparison's answer and its summary of findings first
        assert "comparison" in report.section_ids
        assert report.tables()[0].key == "summary-of-findings"
        assert "evidence" in report.section_ids
    elif name != "evidence":
        assert "comparison" not in report.section_ids
        assert kinds[:3] == ["paragraph", "bullets", "not_applicable"]
        assert summary.blocks[1].title == "Key results"
    if name == "single-arm":
        assert not [b for _, b in report.blocks() if b.type == "problem"]
        assert sum(b.type == "not_applicable" for _, b in report.blocks()) == 4
    if name in PLANNING:
        assert "planning" in report.section_ids
        assert any(f.name.endswith("-power-curve") for f in report.figures())
    if name == "crossover":
        cohort = report.section("cohort-1")
        assert any(b.type == "table" and b.key.endswith("-crossover") for b in cohort.blocks)
        assert not [b for _, b in report.blocks() if b.type == "problem"]
    if name == "published":
        names = [f.name for f in report.figures()]
        assert "evidence-risk-of-bias-traffic-light" in names
        assert "evidence-prisma-flow" in names
    if name == "evidence":
        from kneestudy.report.evidence_report import EVIDENCE_PLANNING_SECTION_IDS

        assert report.section_ids == EVIDENCE_PLANNING_SECTION_IDS and not report.synthetic
        assert any(f.name.endswith("-power-curve") for f in report.figures())
        assert report.tables()[0].key == "evidence-panel-summary"
        assert report.tables()[1].key == "summary-of-findings"
        names = [f.name for f in report.figures()]
        for fig in ("evidence-risk-of-bias-traffic-light", "evidence-risk-of-bias-summary",
                    "evidence-prisma-flow", "comparison-pain-short-components",
                    "comparison-pain-short-network"):  # fmt: skip
            assert fig in names
        keys = [t.key for t in report.tables()]
        for key in ("discussion-ideas", "discussion-statements", "evidence-trials",
                    "evidence-prisma-counts", "evidence-quotes", "comparison-overview"):  # fmt: skip
            assert key in keys


def test_screenshot_is_not_blank(reports, tmp_path):
    _, _, html = reports("demo")
    from PIL import Image, ImageStat

    png = tmp_path / "shot.png"
    proc = chromium(f"--screenshot={png}", f"--window-size={WIDTH},4000", html.as_uri(),
                    profile=tmp_path / "profile")  # fmt: skip
    assert png.is_file(), proc.stderr[-2000:]
    assert console_errors(proc.stderr) == []
    with Image.open(png) as img:
        assert img.size == (WIDTH, 4000)
        stat = ImageStat.Stat(img.convert("L"))
        # a blank page has zero variance; text, tables and plots give thousands
        assert stat.var[0] > 100, f"screenshot looks blank (variance {stat.var[0]:.1f})"


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF: the page objects, checked against the page tree's count."""
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    counts = [int(c) for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    if counts and pages:
        assert max(counts) == pages, (pages, counts)
    return pages or max(counts, default=0)


@pytest.mark.parametrize("name", ["demo", "evidence"])
def test_word_document_reopens_and_converts_to_pdf(reports, tmp_path, name):
    """The demo's Word document (wide tables, every kind of figure) and the evidence
    report's (links to DOIs and PubMed, long tables of quotes)."""
    _, report, html = reports(name)
    import docx

    from kneestudy.report.docx import render

    # 100 dpi pictures: the layout is the same as at 300 dpi, the conversion three times faster
    path = render(report, tmp_path / f"{name}.docx", dpi=100)
    document = docx.Document(str(path))
    text = html.read_text(encoding="utf-8")
    html_tables = text.count('<table class="data">')
    assert len(document.tables) == html_tables == len(report.tables())
    assert len(document.inline_shapes) == len(report.figures())
    links = {r.target_ref for r in document.part.rels.values() if r.reltype.endswith("/hyperlink")}
    assert links == set(re.findall(r'<a href="(https://[^"]+)"', text))
    if name == "evidence":
        assert any(u.startswith("https://doi.org/") for u in links)
    if SOFFICE is None:
        pytest.skip("no soffice on PATH (make test installs Debian's libreoffice-writer)")
    proc = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    pdf = tmp_path / f"{name}.pdf"
    assert proc.returncode == 0 and pdf.is_file(), proc.stdout[-1000:] + proc.stderr[-1000:]
    pages = pdf_pages(pdf.read_bytes())
    # plausible: at least a page per top-level section, at most two per table or figure
    assert len(report.sections) <= pages <= 2 * (len(report.tables()) + len(report.figures()))


def test_console_error_parser_catches_errors():
    log = (
        '[1:2:INFO:CONSOLE(3)] "Uncaught ReferenceError: x is not defined", source: file:///r.html'
    )
    assert console_errors(log) and not console_errors("[1:2:INFO:other] fine")


def test_pdf_page_counter():
    two = b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> << /Type /Page >> << /Type /Page >>"
    assert pdf_pages(two) == 2
