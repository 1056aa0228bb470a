"""``kneestudy validate``: exit codes, JSON, quarantine, no traceback for bad input."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kneestudy.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "kneestudy" / "datasets" / "data" / "example_cohort"


@pytest.fixture
def cohort(tmp_path):
    dest = tmp_path / "c"
    shutil.copytree(EXAMPLE, dest)
    return dest


def _run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_valid_example(cohort):
    code, out, _ = _run("validate", str(cohort))
    assert code == 0 and out.startswith("valid")


def test_json_keys(cohort):
    code, out, _ = _run("validate", str(cohort), "--json")
    d = json.loads(out)
    assert code == 0 and d["ok"] is True and {"ok", "failures", "rows"} <= set(d)


def test_invalid_and_quarantine(cohort, tmp_path):
    p = cohort / "participants.csv"
    p.write_text(p.read_text().replace(",31,", ",9,"))
    code, out, _ = _run("validate", str(cohort))
    assert code == 1 and "in_range" in out
    q = tmp_path / "q"
    code, out, _ = _run("validate", str(cohort), "--quarantine", str(q))
    assert code == 1 and (q / "participants.csv").exists() and str(q) in out


def test_usage_and_io_errors(tmp_path):
    assert _run("validate", str(tmp_path / "missing"))[0] == 2
    assert _run("validate")[0] == 2


BAD_FILES = [
    b"",
    b"\x00\xff\x00\xff",
    b"a;b;c\n1;2;3\n",
    "x,y\n\xe9\n".encode("latin-1"),
    b"participant_id,participant_id\n1,2\n",
    b'participant_id,arm\n"unterminated,x\n',
    b"participant_id\n" + b"x" * 10000 + b"\n",
    b"\n\n\n",
]


@pytest.mark.parametrize("content", BAD_FILES)
@pytest.mark.parametrize("table", ["participants.csv", "events.csv"])
def test_no_traceback_for_bad_files(cohort, table, content):
    (cohort / table).write_bytes(content)
    code, out, err = _run("validate", str(cohort), "--json")
    assert code == 1
    assert "Traceback" not in out + err
    assert json.loads(out)["ok"] is False


def test_bad_manifest_no_traceback(cohort):
    for text in ("[[[", "tables = 3", "cohort_id = 1\n[tables]\nparticipants = 5\n", "\xff"):
        (cohort / "cohort.toml").write_text(
            text, encoding="utf-8", errors="surrogateescape"
        ) if False else (cohort / "cohort.toml").write_bytes(text.encode("latin-1"))
        code, out, err = _run("validate", str(cohort))
        assert code == 1 and "Traceback" not in out + err


def test_subprocess_exit_codes(cohort, tmp_path):
    exe = [sys.executable, "-m", "kneestudy", "validate"]
    # (the valid case runs in-process above; two interpreters keep this test quick)
    (cohort / "visits.csv").write_bytes(b"a;b\n1;2\n")
    bad = subprocess.run([*exe, str(cohort), "--json"], capture_output=True, text=True)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    f = json.loads(bad.stdout)["failures"]
    assert any(x["file"] == "visits.csv" and x["rule"] == "delimiter" for x in f)
    missing = subprocess.run([*exe, str(tmp_path / "nope")], capture_output=True, text=True)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
