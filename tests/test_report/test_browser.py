"""Open the demo report in headless Chromium: it renders, every section is there,
the console shows no errors, and a screenshot is not blank."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)


def chromium(*args: str, profile: Path, timeout: float = 120) -> subprocess.CompletedProcess:
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
def demo_report(tmp_path_factory) -> Path:
    if CHROMIUM is None:
        pytest.skip("no chromium binary on PATH (make test installs Debian's chromium)")
    import kneestudy as ks

    path = tmp_path_factory.mktemp("browser") / "kneestudy-demo.html"
    ks.report.write_html(ks.datasets.demo_study(), path, command="kneestudy demo")
    return path


def test_report_renders_every_section(demo_report, tmp_path):
    import kneestudy as ks

    proc = chromium("--dump-dom", demo_report.as_uri(), profile=tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "<svg" in dom and "</html>" in dom
    n_cohorts = len(ks.datasets.demo_study().cohorts)
    ids = [*ks.report.SECTION_IDS, *(f"cohort-{i}" for i in range(1, n_cohorts + 1))]
    missing = [i for i in ids if not re.search(rf'id="{re.escape(i)}"', dom)]
    assert not missing, f"sections missing from the rendered DOM: {missing}"
    assert console_errors(proc.stderr) == []


def test_screenshot_is_not_blank(demo_report, tmp_path):
    from PIL import Image, ImageStat

    png = tmp_path / "shot.png"
    proc = chromium(
        f"--screenshot={png}",
        "--window-size=1280,4000",
        demo_report.as_uri(),
        profile=tmp_path / "profile",
    )
    assert png.is_file(), proc.stderr[-2000:]
    assert console_errors(proc.stderr) == []
    with Image.open(png) as img:
        assert img.size == (1280, 4000)
        stat = ImageStat.Stat(img.convert("L"))
        # a blank page has zero variance; text, tables and plots give thousands
        assert stat.var[0] > 100, f"screenshot looks blank (variance {stat.var[0]:.1f})"


def test_console_error_parser_catches_errors():
    log = (
        '[1:2:INFO:CONSOLE(3)] "Uncaught ReferenceError: x is not defined", source: file:///r.html'
    )
    assert console_errors(log) and not console_errors("[1:2:INFO:other] fine")
