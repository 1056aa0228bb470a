"""Load a study folder, or wrap a single cohort folder as a one-cohort study."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def load_any(path: str | Path) -> Any:
    """The Study in ``path`` (study.toml) or a Study of the one cohort (cohort.toml).

    Prints an error and returns None when the folder holds neither. Invalid data
    raise :class:`~kneestudy.errors.ValidationError` (exit code 1).
    """
    from kneestudy.ingest import load_cohort, load_study
    from kneestudy.ingest.model import Study

    folder = Path(path)
    if (folder / "study.toml").is_file():
        return load_study(folder)
    if (folder / "cohort.toml").is_file():
        cohort = load_cohort(folder)
        return Study(
            study_id=cohort.cohort_id,
            title=cohort.title,
            cohorts=[cohort],
            path=folder,
            report=None,
        )
    print(
        f"kneestudy: error: {folder}: no study.toml or cohort.toml found "
        "(expected a study or cohort folder)",
        file=sys.stderr,
    )
    return None
