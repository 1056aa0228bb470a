"""``kneestudy demo``: the embedded demo study's report, default path, cheap parser."""

from __future__ import annotations

import subprocess
import sys

from kneestudy.cli import build_parser
from kneestudy.cli.demo import DEFAULT_OUTPUT


def test_demo_default_output():
    args = build_parser().parse_args(["demo"])
    assert args.output == DEFAULT_OUTPUT == "reports/kneestudy-demo.html"
    assert args.run.__module__ == "kneestudy.cli.demo"


def test_parsers_are_cheap():
    code = (
        "import sys; from kneestudy.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('matplotlib', 'jinja2', 'tqdm', 'kneestudy.report', "
        "'kneestudy.plots') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_demo_writes_report(tmp_path):
    import pytest

    pytest.importorskip("kneestudy.effects.ancova")
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
