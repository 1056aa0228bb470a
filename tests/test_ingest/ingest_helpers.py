"""Helpers for the ingest tests: edit a line of a file, run `kneestudy validate`."""

from __future__ import annotations

import json
from pathlib import Path

from cli_run import run_cli

__all__ = [
    "edit_line",
    "has_failure",
    "notes_of",
    "reconciles",
    "run_cli",
    "run_validate",
    "write_toml",
]


def edit_line(path: Path, line: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` on 1-based ``line`` of a text file (must be there)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def run_validate(path: Path, *extra: str) -> tuple[int, dict]:
    """``kneestudy validate PATH --json`` in-process; returns (exit code, report dict)."""
    import contextlib
    import io

    from kneestudy.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["validate", str(path), "--json", *extra])
    return code, json.loads(buf.getvalue())


def has_failure(report: dict, file, row, column, rule) -> bool:
    return any(
        f["file"] == file and f["row"] == row and f["column"] == column and f["rule"] == rule
        for f in report["failures"]
    )


def reconciles(report: dict) -> bool:
    """Rows read = valid + set aside, for every table of a report (as JSON)."""
    return all(r["read"] == r["valid"] + r["invalid"] for r in report["rows"])


def notes_of(report: dict, column: str | None = None) -> list[str]:
    return [n["message"] for n in report["notes"] if column is None or n["column"] == column]


def write_toml(folder: Path, extra: str = "", replace: tuple[str, str] | None = None) -> None:
    """Append ``extra`` to the cohort's manifest (after an optional text replacement)."""
    path = folder / "cohort.toml"
    text = path.read_text(encoding="utf-8")
    if replace is not None:
        assert replace[0] in text, replace
        text = text.replace(*replace)
    path.write_text(text + "\n" + extra, encoding="utf-8")


def make_study(tmp_path: Path, cohort_dir: Path) -> Path:
    """A study folder holding a copy of ``cohort_dir`` as ``cohorts/example``."""
    import shutil

    root = tmp_path / "study"
    (root / "cohorts").mkdir(parents=True)
    shutil.copytree(cohort_dir, root / "cohorts" / "example")
    (root / "study.toml").write_text('study_id = "s1"\ntitle = "A study"\n')
    return root
