"""Option checks exit 2 with a message; warnings become worded notes, never raw."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
from cli_run import run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "kneestudy" / "datasets" / "data" / "example_cohort"


@pytest.fixture
def cohort(tmp_path):
    dest = tmp_path / "c"
    shutil.copytree(EXAMPLE, dest)
    return dest


@pytest.mark.parametrize("week", ["nan", "inf", "-1", "abc"])
@pytest.mark.parametrize("command", ["report", "analyze"])
def test_week_must_be_a_finite_number(cohort, tmp_path, command, week):
    extra = ["--output", str(tmp_path / "r.html")] if command == "report" else []
    code, _, err = run_cli(command, str(cohort), *extra, "--week", week)
    assert code == 2 and "--week" in err


@pytest.mark.parametrize(("week", "words"), [("7", "not a visit week"), ("0", "baseline")])
def test_week_must_be_a_visit_week(cohort, tmp_path, week, words):
    code, _, err = run_cli(
        "report", str(cohort), "--output", str(tmp_path / "r.html"), "--week", week
    )
    assert code == 2 and words in err and "weeks: 0, 2, 6" in err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    "extra",
    [
        ["--cohort-id", "a b"],
        ["--cohort-id", "x" * 65],
        ["--n", "0"],
        ["--seed", "-3"],
        ["--effect", "nan"],
        ["--dropout", "1"],
        ["--weeks", "0,nan"],
        ["--weeks", "0,6,2"],
    ],
)
def test_simulate_options(tmp_path, extra):
    code, _, err = run_cli("simulate", str(tmp_path / "x"), "--idea", "orthotics", *extra)
    assert code == 2 and "error" in err
    assert not (tmp_path / "x").exists()


def test_nul_byte_in_a_path_is_a_usage_error(tmp_path):
    code, _, err = run_cli("validate", str(tmp_path) + "\x00x")
    assert code == 2 and "control character" in err


def test_warnings_become_worded_notes(cohort, monkeypatch):
    import kneestudy.cli.validate as mod

    real = mod.run

    def noisy(args):
        warnings.warn("a pandas thing will change", FutureWarning, stacklevel=1)
        warnings.warn("invalid value encountered in divide", RuntimeWarning, stacklevel=1)
        warnings.warn("Glyph 8722 missing from current font.", UserWarning, stacklevel=1)
        warnings.warn("3 participant(s) left out of time to pain-free", UserWarning, stacklevel=1)
        return real(args)

    monkeypatch.setattr(mod, "run", noisy)
    code, _, err = run_cli("validate", str(cohort))
    assert code == 0
    assert "FutureWarning" not in err and "RuntimeWarning" not in err and "Glyph" not in err
    assert "kneestudy: note: 3 participant(s) left out of time to pain-free" in err
    assert "kneestudy: note: some computations met undefined values" in err


def test_notes_from_warnings():
    from kneestudy.errors import NUMERIC_NOTE, notes_from_warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("x", DeprecationWarning, stacklevel=1)
        warnings.warn("MMRM did not fully converge", RuntimeWarning, stacklevel=1)
        warnings.warn("MMRM did not fully converge", RuntimeWarning, stacklevel=1)
        warnings.warn("divide by zero encountered in log", RuntimeWarning, stacklevel=1)
    assert notes_from_warnings(caught) == ["MMRM did not fully converge", NUMERIC_NOTE]
