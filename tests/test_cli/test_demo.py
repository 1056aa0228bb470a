"""``kneestudy demo``: the embedded demo study's report, default path, cheap parser."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kneestudy.cli import build_parser
from kneestudy.cli.demo import DEFAULT_OUTPUT


def test_demo_default_output():
    from kneestudy.cli.report import output_plan

    args = build_parser().parse_args(["demo"])
    assert output_plan(args, DEFAULT_OUTPUT) == {"html": "reports/kneestudy-demo.html"}
    assert DEFAULT_OUTPUT == "reports/kneestudy-demo.html"
    assert args.run.__module__ == "kneestudy.cli.demo"
    args = build_parser().parse_args(["demo", "-o", "d.docx", "--figures", "figs"])
    assert output_plan(args, DEFAULT_OUTPUT) == {"docx": "d.docx", "figures": "figs"}


def test_parsers_are_cheap():
    code = (
        "import sys; from kneestudy.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('matplotlib', 'jinja2', 'tqdm', 'kneestudy.report', "
        "'kneestudy.plots') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_demo_command_on_a_small_study(monkeypatch, tmp_path, capsys):
    """The command's own work (output path, quiet stderr, message), on a one-cohort study."""
    from report_standins import install_fakes, make_cohort

    import kneestudy.datasets
    from kneestudy.cli import main
    from kneestudy.ingest.model import Study

    install_fakes(monkeypatch)
    small = Study(study_id="s", title="Small", cohorts=[make_cohort(cohort_id="hip-a")])
    monkeypatch.setattr(kneestudy.datasets, "demo_study", lambda: small)
    out = tmp_path / "sub" / "demo.html"
    assert main(["demo", "--output", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.strip() == f"report written to {out}"
    assert "kneestudy demo --output" in out.read_text(encoding="utf-8")


@pytest.mark.slow
def test_demo_writes_report(tmp_path):
    out = tmp_path / "demo.html"
    proc = subprocess.run(
        [sys.executable, "-m", "kneestudy", "demo", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr == ""  # not a terminal: no progress bar
    text = out.read_text(encoding="utf-8")
    assert text.count('class="badge synthetic"') >= 2
    assert 'id="summary"' in text and 'id="provenance"' in text
    assert out.stat().st_size < 5_000_000
