"""``kneestudy report``: writes the file, exit codes, quiet when not a terminal."""

from __future__ import annotations

import sys

import pytest
from report_standins import install_fakes, make_cohort

from kneestudy.cli import main


def test_report_of_a_cohort_folder(monkeypatch, tmp_path, capsys):
    install_fakes(monkeypatch)
    folder = make_cohort(cohort_id="hip-a").write(tmp_path / "hip-a")
    out = tmp_path / "out" / "r.html"
    assert main(["report", str(folder), "--output", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert 'id="cohort-1"' in text and "kneestudy report" in text
    # read from files: the validation section counts rows per file, the provenance hashes them
    assert "Rows read, valid and set aside per file" in text and "visits.csv" in text
    import hashlib

    digest = hashlib.sha256((folder / "visits.csv").read_bytes()).hexdigest()
    assert digest in text
    captured = capsys.readouterr()
    # not a terminal: no progress bar on stderr, one line on stdout
    assert captured.err == ""
    assert captured.out.strip() == f"report written to {out}"


def test_report_word_and_html_from_one_build_and_figure_files(monkeypatch, tmp_path, capsys):
    import docx

    install_fakes(monkeypatch)
    folder = make_cohort(cohort_id="hip-a").write(tmp_path / "hip-a")
    html, word, figs = tmp_path / "r.html", tmp_path / "r.docx", tmp_path / "figs"
    argv = ["report", str(folder), "-o", str(html), "-o", str(word), "--figures", str(figs)]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [f"report written to {html}", f"report written to {word}"]
    assert out[2].endswith(f"figure files written to {figs}")
    n_tables = html.read_text(encoding="utf-8").count('<table class="data">')
    assert len(docx.Document(str(word)).tables) == n_tables > 0
    names = sorted(p.name for p in figs.iterdir())
    assert "figures.csv" in names
    assert "hip-a-flow.svg" in names and "hip-a-flow.png" in names
    assert "hip-a-time-to-pain-free.png" in names
    # the command with its options is recorded in the provenance
    assert f"--output {word}" in html.read_text(encoding="utf-8")


def test_report_format_option(monkeypatch, tmp_path, capsys):
    install_fakes(monkeypatch)
    folder = make_cohort(cohort_id="hip-a").write(tmp_path / "hip-a")
    out = tmp_path / "report.doc-for-word"
    assert main(["report", str(folder), "-o", str(out), "--format", "docx"]) == 0
    assert out.read_bytes()[:2] == b"PK"  # a .docx is a zip file
    capsys.readouterr()
    # contradictions and unknown suffixes are usage errors, before any work
    assert main(["report", str(folder), "-o", str(tmp_path / "a.html"), "--format", "docx"]) == 2
    assert "contradicts" in capsys.readouterr().err
    assert main(["report", str(folder), "-o", str(tmp_path / "a.txt")]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    assert main(["report", str(folder), "-o", str(tmp_path / "a.html"),
                 "-o", str(tmp_path / "b.html")]) == 2  # fmt: skip
    assert "two html outputs" in capsys.readouterr().err
    assert not (tmp_path / "a.html").exists()


def test_report_missing_folder_is_usage_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope"), "--output", str(tmp_path / "r.html")]) == 2
    assert "no study.toml or cohort.toml" in capsys.readouterr().err


def test_report_requires_output(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "somewhere"])
    assert exc.value.code == 2


def test_report_invalid_data_exit_1(tmp_path, capsys):
    folder = make_cohort(cohort_id="hip-a").write(tmp_path / "hip-a")
    visits = (folder / "visits.csv").read_text().splitlines()
    head = visits[0].split(",")
    cells = visits[1].split(",")
    cells[head.index("pain")] = "14"
    visits[1] = ",".join(cells)
    (folder / "visits.csv").write_text("\n".join(visits) + "\n")
    assert main(["report", str(folder), "--output", str(tmp_path / "r.html")]) == 1
    assert not (tmp_path / "r.html").exists()


def test_progress_bar_only_on_a_terminal(monkeypatch):
    import io

    from kneestudy.cli._progress import progress_bar

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    update, close = progress_bar("report")
    assert update is None
    close()
    fake = Tty()
    monkeypatch.setattr(sys, "stderr", fake)
    update, close = progress_bar("report")
    for done in range(4):
        update(f"step {done}", done, 3)
    close()
    assert "report" in fake.getvalue() and "3/3" in fake.getvalue()


def test_planning_option(monkeypatch, tmp_path, capsys):
    from kneestudy.cli.report import planning_arg

    assert planning_arg(None) is None
    assert planning_arg(["auto"]) is True
    assert planning_arg(["orthotics", "auto", "taping"]) == ["orthotics", "taping"]
    folder = make_cohort(cohort_id="hip-a").write(tmp_path / "hip-a")
    out = tmp_path / "r.html"
    # an unknown idea is a usage error, before any work
    assert main(["report", str(folder), "-o", str(out), "--planning", "yoga"]) == 2
    assert "unknown idea" in capsys.readouterr().err and not out.exists()
    calls = []
    import kneestudy.report as rep

    def write(study, **kw):
        calls.append(kw.get("planning"))
        return {}

    monkeypatch.setattr(rep, "write", write)
    assert main(["report", str(folder), "-o", str(out), "--planning"]) == 0
    assert main(["report", str(folder), "-o", str(out), "--planning", "orthotics"]) == 0
    assert calls == [True, ["orthotics"]]
