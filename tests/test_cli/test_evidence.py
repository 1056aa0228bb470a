"""``kneestudy evidence``: the evidence report, default path, formats, exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kneestudy.cli import build_parser, main
from kneestudy.cli.evidence import DEFAULT_OUTPUT

#: A few trials of the evidence base: a copy small enough to report on in seconds.
SMALL = ("collins2008", "hansen2023", "hott2019", "tan2019", "rabelo2017")


@pytest.fixture(scope="module")
def small_evidence(tmp_path_factory):
    """A study folder of published rows: the evidence base with five of its trials."""
    from kneestudy.datasets import evidence_path
    from kneestudy.datasets.evidence_base import write_evidence

    folder = tmp_path_factory.mktemp("small") / "evidence"
    shutil.copytree(evidence_path(), folder)
    for f in (folder / "trials").glob("*.toml"):
        if f.stem not in SMALL:
            f.unlink()
    write_evidence(folder, folder)
    return folder


def test_default_output_and_options():
    from kneestudy.cli.report import output_plan

    args = build_parser().parse_args(["evidence"])
    assert output_plan(args, DEFAULT_OUTPUT) == {"html": "reports/kneestudy-evidence.html"}
    assert args.path is None and args.run.__module__ == "kneestudy.cli.evidence"
    args = build_parser().parse_args(["evidence", "-o", "e.docx", "--figures", "figs"])
    assert output_plan(args, DEFAULT_OUTPUT) == {"docx": "e.docx", "figures": "figs"}


def test_writes_html_and_word_of_a_study_folder(small_evidence, tmp_path, capsys):
    import docx

    html, word = tmp_path / "out" / "e.html", tmp_path / "out" / "e.docx"
    assert main(["evidence", str(small_evidence), "-o", str(html), "-o", str(word)]) == 0
    captured = capsys.readouterr()
    # not a terminal: no progress bar, one line per file
    assert captured.err == ""
    assert captured.out.splitlines() == [f"report written to {html}", f"report written to {word}"]
    text = html.read_text(encoding="utf-8")
    for sid in ("summary", "comparison", "discussion", "evidence", "limitations", "methods",
                "provenance"):  # fmt: skip
        assert f'<section id="{sid}"' in text
    assert "What the published trials say about the eight ideas" in text
    assert 'href="https://doi.org/10.1136/bmj.a1735"' in text  # Collins 2008, linked
    assert "Synthetic data" not in text
    assert f"kneestudy evidence {small_evidence}" in text  # the command, in the provenance
    assert len(docx.Document(str(word)).tables) == text.count('<table class="data">')


def test_figures_option_writes_every_figure(small_evidence, tmp_path, capsys):
    figs = tmp_path / "figs"
    assert main(["evidence", str(small_evidence), "-o", str(tmp_path / "e.html"),
                 "--figures", str(figs)]) == 0  # fmt: skip
    names = {p.name for p in figs.iterdir()}
    assert {"evidence-prisma-flow.svg", "evidence-prisma-flow.png", "figures.csv"} <= names
    assert capsys.readouterr().out.splitlines()[-1].endswith(f"figure files written to {figs}")


def test_planning_section_of_an_idea(small_evidence, tmp_path, capsys, monkeypatch):
    from dataclasses import replace

    import kneestudy.report.planning as planning

    # a small grid and few simulated trials: the section, not its precision, is tested here
    options = planning.planning_options
    monkeypatch.setattr(planning, "planning_options",
                        lambda v: replace(options(v), n_per_arm=(20, 60), reps=20))  # fmt: skip
    out = tmp_path / "e.html"
    assert main(["evidence", str(small_evidence), "-o", str(out), "--planning", "orthotics"]) == 0
    text = out.read_text(encoding="utf-8")
    assert '<section id="planning"' in text
    assert "--planning orthotics" in text  # the command, in the provenance
    assert main(["evidence", str(small_evidence), "-o", str(out), "--planning", "magnets"]) == 2
    assert "unknown idea" in capsys.readouterr().err


def test_usage_and_io_errors_exit_2(tmp_path, capsys):
    assert main(["evidence", "-o", str(tmp_path / "e.txt")]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    assert main(["evidence", "-o", "e.html", "--format", "docx"]) == 2
    assert main(["evidence", str(tmp_path / "missing"), "-o", str(tmp_path / "e.html")]) == 2
    assert "no study.toml or cohort.toml" in capsys.readouterr().err


def test_simulated_cohorts_are_never_pooled_with_the_evidence(tmp_path, capsys):
    from kneestudy.datasets import demo_study_path

    out = tmp_path / "e.html"
    assert main(["evidence", str(demo_study_path()), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "never pooled with simulated cohorts" in err and "Traceback" not in err
    assert not out.exists()


def test_invalid_study_data_exit_1(small_evidence, tmp_path, capsys):
    bad = tmp_path / "bad"
    shutil.copytree(small_evidence, bad)
    csv = bad / "literature" / "contrasts.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    row = lines[1].split(",")
    row[head.index("se")] = "-1"  # a negative standard error
    csv.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n", encoding="utf-8")
    assert main(["evidence", str(bad), "-o", str(tmp_path / "e.html")]) == 1
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.slow
def test_the_embedded_evidence_base_as_make_report_writes_it(tmp_path):
    out = tmp_path / "kneestudy-evidence.html"
    proc = subprocess.run(
        [sys.executable, "-m", "kneestudy", "evidence", "--output", str(out),
         "--output", str(out.with_suffix(".docx"))],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr == ""
    assert Path(out).stat().st_size < 5_000_000
    assert out.with_suffix(".docx").read_bytes()[:2] == b"PK"
