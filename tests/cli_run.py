"""Run the command line in-process for tests (shared by the ingest and CLI tests)."""

from __future__ import annotations


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``kneestudy ARGV`` in-process: (exit code, stdout, stderr); never a traceback."""
    import contextlib
    import io

    from kneestudy.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text, text
    assert code in (0, 1, 2), (code, text)
    return code, out.getvalue(), err.getvalue()
