"""Load a study folder, or wrap a single cohort folder as a one-cohort study."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def load_any(
    path: str | Path, quarantine: str | Path | None = None, max_failures: int | None = 1000
) -> Any:
    """The Study in ``path`` (study.toml) or a Study of the one cohort (cohort.toml).

    With ``quarantine`` (a folder), invalid rows are set aside there and the
    valid ones loaded; failures no row carries still raise. Prints an error and
    returns None when the folder holds neither manifest. Invalid data raise
    :class:`~kneestudy.errors.ValidationError` (exit code 1).
    """
    from kneestudy.ingest import load_cohort, load_study
    from kneestudy.ingest.model import Study

    folder = Path(path)
    on_invalid = "quarantine" if quarantine is not None else "raise"
    if (folder / "study.toml").is_file():
        return load_study(
            folder, on_invalid=on_invalid, quarantine_dir=quarantine, max_failures=max_failures
        )
    if (folder / "cohort.toml").is_file():
        cohort = load_cohort(
            folder, on_invalid=on_invalid, quarantine_dir=quarantine, max_failures=max_failures
        )
        return Study(
            study_id=cohort.cohort_id,
            title=cohort.title,
            cohorts=[cohort],
            path=folder,
            report=cohort.report,
        )
    print(
        f"kneestudy: error: {folder}: no study.toml or cohort.toml found "
        "(expected a study or cohort folder)",
        file=sys.stderr,
    )
    return None


def set_aside(study: Any) -> int:
    """Rows set aside by validation (0 when everything was valid)."""
    rep = getattr(study, "report", None)
    rows = getattr(rep, "rows", None)
    return int(rows["invalid"].sum()) if rows is not None and len(rows) else 0
