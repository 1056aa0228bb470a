"""Access to the R reference values in ``tests/reference/``.

``load_reference(name)`` reads ``tests/reference/<name>.json``, written by the
R script ``tests/reference/<name>.R``. Tests import it as
``from refdata import load_reference`` (``tests/`` is on pytest's pythonpath).
"""

from __future__ import annotations

import json
from pathlib import Path

REFERENCE_DIR = Path(__file__).parent / "reference"


def load_reference(name: str) -> dict:
    """Load ``tests/reference/<name>.json`` (written by the R script of that name)."""
    with open(REFERENCE_DIR / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)
