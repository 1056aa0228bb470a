"""Helpers for the ingest tests: edit a line of a file, run `kneestudy validate`."""

from __future__ import annotations

import json
from pathlib import Path


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
